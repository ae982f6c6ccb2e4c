"""Integrate a model's derived gradient flow and locate threshold-crossing events on the dense output.

Grokking with small weight decay is stiff (fast memorization, slow exchange on a 1/lam time scale),
so the default method is LSODA with the symbolic Jacobian and tight tolerances. Event times are
found by scanning every solver step *and* every output point for a sign change of
``observable - threshold`` in the requested direction, then refining with Brent's method on the
dense output: a crossing is never missed because it fell between output points.

Every run is bounded: at most ``max_steps`` solver steps and ``max_seconds`` of wall time, else a
:class:`SimulationError` (a ``ValueError``: the command line reports it in one line and exits 2).
The solver works in a rescaled local time (see :func:`_time_unit`), so learning rates and horizons
anywhere in double precision give the same work as their ratio does at ordinary scales.
"""

from __future__ import annotations

import csv
import os
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import sympy as sp
from scipy.integrate import BDF, DOP853, LSODA, RK23, RK45, OdeSolution, Radau
from scipy.optimize import brentq

from derivations.atomic import atomic_open
from derivations.compile import CompiledModel, compile_model
from derivations.evaluate import check_domain
from derivations.usermodel import from_user_file
from theory.dynamics import Model
from theory.symbols import NONNEGATIVE, POSITIVE, REAL, Domain, info

MAX_STEPS = 50_000  # an ordinary run takes hundreds to ~11000 (LSODA in its non-stiff mode); a stuck one, millions
MAX_SECONDS = 5.0  # per call; on a quiet machine 50000 steps take about 3 s
MAX_RESTARTS = 5
MAX_TIME_SCALES = 1e306  # span x fastest rate: beyond, the solver's step-times-rate products overflow
# A non-finite rate from a trial state (exp overflow far beyond the physical range) is replaced by this
# finite huge value: the step's error estimate explodes and the solver rejects the step and shrinks it,
# where a NaN would compare as "not too large" and be accepted.
_REJECT = 1e100
TRAJECTORY_SUFFIXES = (".csv", ".npz")
METHODS = {solver.__name__: solver for solver in (LSODA, BDF, Radau, RK45, RK23, DOP853)}


class SimulationError(ValueError):
    """A run that cannot be completed as asked: a work bound hit, the solver failed, or the state left the
    model's domain. Callers that know the user's parameters re-raise it naming them."""


@dataclass(frozen=True)
class Event:
    """The first time ``observable`` crosses ``threshold`` going up (``direction=+1``) or down (-1).

    A run that starts already beyond the threshold has the event at its start time; one that starts
    exactly on it has not crossed yet.
    """

    observable: str
    threshold: float
    direction: int = 1


def check_output_path(path: str | os.PathLike) -> Path:
    """``path`` if a trajectory can be written there (.csv or .npz, in an existing writable folder), else a
    ``ValueError`` naming ``out``: checked before a run, so a bad path never costs the run."""
    text = os.fspath(path)
    if not text.strip():
        raise ValueError("out must be a file name ending in .csv or .npz, got an empty string")
    target = Path(text)
    if target.suffix not in TRAJECTORY_SUFFIXES:
        raise ValueError(f"out: unsupported file type {target.suffix or 'none'!r} in {text!r}; use .csv or .npz")
    folder = target.parent
    if not folder.is_dir():
        raise ValueError(f"out: folder {str(folder)!r} does not exist")
    if target.is_dir():
        raise ValueError(f"out: {text!r} is a folder, not a file")
    # The trajectory is written to a temporary file beside the target and renamed: the folder must be writable.
    if not os.access(folder, os.W_OK | os.X_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise ValueError(f"out: cannot write {text!r} (permission denied)")
    return target


@dataclass
class Trajectory:
    """A simulated run: times, coordinates, observables along them, event times (None: never)."""

    model: str
    t: np.ndarray
    u: np.ndarray
    observables: dict[str, np.ndarray]
    events: dict[str, float | None]
    values: dict[str, float]
    info: dict[str, object] = field(default_factory=dict)

    def final(self, name: str) -> float:
        return float(self.observables[name][-1])

    def write(self, path: str | os.PathLike) -> None:
        """Write the trajectory as CSV (``.csv``) or NumPy archive (``.npz``), atomically."""
        target = check_output_path(path)
        columns = {"t": self.t, **self.observables}
        if target.suffix == ".npz":
            # A file object, not a name: np.savez would append .npz to the temporary name.
            with atomic_open(target, "wb") as fh:
                np.savez_compressed(fh, **columns)
            return
        with atomic_open(target, "w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(columns)
            writer.writerows(np.column_stack(list(columns.values())).tolist())


def parameter_domain(symbol: sp.Symbol, model: Model | None = None) -> tuple[Domain, str]:
    """A parameter's domain and meaning: as declared in :mod:`theory.symbols`, else from its SymPy assumptions
    (positive, nonnegative or any real number; integer-valued if so assumed). A symbol of a ``model`` from a
    user's file always goes by its assumptions: it may share a declared symbol's name and assumptions (so
    SymPy takes it for that symbol) without sharing its meaning."""
    if model is None or not from_user_file(model):
        try:
            meta = info(symbol)
        except KeyError:
            pass
        else:
            return meta.domain, meta.description
    domain = POSITIVE if symbol.is_positive else NONNEGATIVE if symbol.is_nonnegative else REAL
    return (replace(domain, integer=True) if symbol.is_integer else domain), ""


def checked_values(model: Model, overrides: Mapping[str, object] | None) -> dict[sp.Symbol, float]:
    """``overrides`` (by parameter name) as values of the model's symbols, each checked against its domain."""
    by_name = {s.name: s for s in (*model.params, *model.defaults)}
    values = {}
    for name, value in (overrides or {}).items():
        if name not in by_name:
            raise ValueError(f"unknown parameter {name!r} for model {model.name}; known: {', '.join(sorted(by_name))}")
        symbol = by_name[name]
        values[symbol] = float(check_domain(name, value, *parameter_domain(symbol, model)))
    return values


def resolve_values(model: Model, overrides: Mapping[str, float] | None = None) -> dict:
    """Model defaults with ``overrides`` (by parameter name) applied and checked against their domains."""
    values = {**model.defaults, **checked_values(model, overrides)}
    missing = [s.name for s in model.params if s not in values]
    if missing:
        raise ValueError(f"model {model.name}: parameter(s) {', '.join(missing)} have no default; give name=value")
    return values


def _time_unit(compiled: CompiledModel, start: np.ndarray, params: tuple, span: float) -> float:
    """The solver's time unit: the geometric mean of the span and the fastest initial time scale (or the span
    when it is the shorter).

    The solver's steps then range from about 1/sqrt(n) to sqrt(n) units, n = span x fastest initial rate,
    whatever the learning rate or horizon: a learning rate of 1e300 gives no subnormal first step and a
    horizon of 1e300 no step beyond the solver's range. The work depends on n alone, as it does at ordinary
    scales; beyond ``MAX_TIME_SCALES`` the solver's own products of steps and rates would overflow.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        rate = max(np.max(np.abs(compiled.rhs(0.0, start, *params))), np.max(np.abs(compiled.jac(0.0, start, *params))))
        scales = span * rate
    if not np.isfinite(scales) or scales > MAX_TIME_SCALES:
        raise SimulationError(f"the horizon spans more than {MAX_TIME_SCALES:.0e} of the fastest initial time scale")
    return span / np.sqrt(max(scales, 1.0))


def _guarded(func, unit: float, params: tuple):
    """``func`` in the solver's time unit, with non-finite values made huge (see ``_REJECT``).

    Called under ``_solve``'s ``np.errstate``: one per run, not one per call (it would double the cost).
    """

    def call(tau: float, u: np.ndarray) -> np.ndarray:
        out = unit * np.asarray(func(tau, u, *params), dtype=float)
        return out if np.isfinite(out).all() else np.nan_to_num(out, nan=_REJECT, posinf=_REJECT, neginf=-_REJECT)

    return call


def _restarted(method: str, fun, jac, tau: float, u: np.ndarray, tau_end: float, rtol: float, atol: float):
    """A solver restarted with a first step that changes no coordinate by more than 0.01: the failed one's
    step-size history had it leap over a state where the rates change."""
    speed = float(np.max(np.abs(fun(tau, u))))
    first = tau_end - tau if speed == 0 else min(tau_end - tau, 0.01 / speed)
    return METHODS[method](fun, tau, u, tau_end, rtol=rtol, atol=atol, jac=jac, first_step=max(first, 1e-300))


def _solve(compiled: CompiledModel, params: tuple, start: np.ndarray, unit: float, tau_end: float, *, method: str,
           rtol: float, atol: float, max_steps: int, max_seconds: float) -> tuple[OdeSolution, int]:
    """Step the solver from 0 to ``tau_end`` (time in ``unit``), within the work bounds; dense output and steps.

    A failed or non-finite step restarts the solver from the last accepted state with a small first step
    (at most ``MAX_RESTARTS`` times): its step-size history, not the model, made it jump too far.
    """
    fun, jac = _guarded(compiled.rhs, unit, params), _guarded(compiled.jac, unit, params)
    times, pieces, last, restarts = [0.0], [], start, 0
    deadline = time.perf_counter() + max_seconds
    # LSODA warns on stderr before it fails; a failure is handled here (a restart, or one SimulationError).
    # Trial states may overflow exp(): the guarded rates turn that into a rejected step, silently.
    with warnings.catch_warnings(), np.errstate(over="ignore", invalid="ignore"):
        warnings.simplefilter("ignore", UserWarning)
        # LSODA's own first step: a forced small one can leave it in its non-stiff mode for thousands of steps.
        solver = METHODS[method](fun, 0.0, start, tau_end, rtol=rtol, atol=atol, jac=jac)
        while solver.status == "running":
            if len(pieces) >= max_steps or time.perf_counter() > deadline:
                bound = f"{max_steps} steps" if len(pieces) >= max_steps else f"{max_seconds:g} s"
                raise SimulationError(f"stopped after {bound} at {times[-1] / tau_end:.3g} of the horizon")
            message = solver.step()
            failure = (f"the solver failed ({message})" if solver.status == "failed" else
                       "the state overflowed double precision" if not np.isfinite(solver.y).all() else
                       "a transition is shorter than the resolution of time there" if solver.t <= times[-1] else None)
            if failure is not None:
                if restarts == MAX_RESTARTS:
                    raise SimulationError(f"{failure} at {times[-1] / tau_end:.3g} of the horizon")
                restarts += 1
                solver = _restarted(method, fun, jac, times[-1], last, tau_end, rtol, atol)
                continue
            times.append(solver.t)
            pieces.append(solver.dense_output())
            last = solver.y.copy()
    return OdeSolution(times, pieces), len(pieces)


def _output_grid(tau_end: float, n_points: int) -> np.ndarray:
    """Log-spaced output times: the phenomena here span many decades of training time."""
    return np.concatenate([[0.0], np.geomspace(tau_end * 1e-6, tau_end, n_points - 1)])


def _first_crossing(compiled: CompiledModel, sol: OdeSolution, params, times: np.ndarray, event: Event) -> float | None:
    u = sol(times)
    h = event.direction * (compiled.observe(event.observable, u, params) - event.threshold)
    if h[0] > 0:
        return float(times[0])
    # A start exactly on the threshold (e.g. a zero test margin at initialization) is not a crossing.
    idx = np.flatnonzero((h[1:] >= 0) & (h[:-1] < 0))
    if idx.size == 0:
        return None
    k = idx[0] + 1

    def residual(s: float) -> float:
        return float(event.direction * (compiled.observe(event.observable, sol(s), params) - event.threshold))

    return float(brentq(residual, times[k - 1], times[k], xtol=1e-12 * max(1e-300, times[k]), rtol=1e-12))


def simulate(
    model: Model,
    t_end: float,
    values: Mapping[str, float] | None = None,
    *,
    u0: np.ndarray | None = None,
    t_start: float = 0.0,
    events: Mapping[str, Event] | None = None,
    n_points: int = 400,
    rtol: float = 1e-9,
    atol: float = 1e-11,
    method: str = "LSODA",
    max_steps: int = MAX_STEPS,
    max_seconds: float = MAX_SECONDS,
) -> Trajectory:
    """Integrate ``model`` from ``t_start`` to ``t_end`` (parameters: defaults updated by ``values``).

    ``u0`` overrides the model's initial coordinates (used to continue a run on a new data set).
    Raises ``ValueError`` for a bad parameter or horizon, and :class:`SimulationError` (a ``ValueError``)
    if a work bound is hit, the solver fails, the state overflows, or an observable becomes undefined
    (the state left the model's domain).
    """
    span = t_end - t_start
    if not (np.isfinite(t_end) and np.isfinite(span) and span > 0):
        raise ValueError(f"t_end must be finite and > t_start = {t_start:g}, got {t_end:g}")
    compiled = compile_model(model)
    resolved = resolve_values(model, values)
    params = compiled.parameter_values(resolved)
    start = compiled.initial_state(resolved) if u0 is None else np.asarray(u0, dtype=float)
    if not np.all(np.isfinite(start)):
        raise SimulationError(f"{model.name}: the initial state is not finite: {start}")
    # The solver runs in local time from 0 (a late start such as t_start = 1e300 keeps its resolution).
    unit = _time_unit(compiled, start, params, span)
    tau_end = span / unit
    sol, steps = _solve(compiled, params, start, unit, tau_end, method=method, rtol=rtol, atol=atol,
                        max_steps=max_steps, max_seconds=max_seconds)
    tau = _output_grid(tau_end, n_points)
    u = sol(tau)
    t = t_start + unit * tau
    t[-1] = t_end
    with np.errstate(invalid="ignore"):
        observables = {name: compiled.observe(name, u, params) for name in compiled.observables}
    for name, series in observables.items():
        if np.any(np.isnan(series)):
            raise SimulationError(f"{model.name}: observable {name} is undefined from t = {t[np.isnan(series)][0]:g} "
                                  "on: the state left the model's domain (shorten t_end)")
    scan = np.union1d(sol.ts, tau)
    found = {}
    for name, ev in (events or {}).items():
        crossing = _first_crossing(compiled, sol, params, scan, ev)
        found[name] = None if crossing is None else float(t_start + unit * crossing)
    return Trajectory(
        model=model.name, t=t, u=u, observables=observables, events=found,
        values={s.name: float(v) for s, v in resolved.items()}, info={"steps": steps, "time_unit": float(unit)},
    )
