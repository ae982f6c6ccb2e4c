"""Integrate a model's derived gradient flow and locate threshold-crossing events on the dense output.

Grokking with small weight decay is stiff (fast memorization, slow exchange on a 1/lam time scale),
so the default method is LSODA with the symbolic Jacobian and tight tolerances. Event times are
found by scanning every solver step *and* every output point for a sign change of
``observable - threshold`` in the requested direction, then refining with Brent's method on the
dense output: a crossing is never missed because it fell between output points.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.integrate import solve_ivp
from scipy.optimize import brentq

from derivations.compile import CompiledModel, compile_model
from derivations.evaluate import check_domain
from theory.dynamics import Model
from theory.symbols import info


@dataclass(frozen=True)
class Event:
    """The first time ``observable`` crosses ``threshold`` going up (``direction=+1``) or down (-1).

    A run that starts already beyond the threshold has the event at its start time; one that starts
    exactly on it has not crossed yet.
    """

    observable: str
    threshold: float
    direction: int = 1


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

    def write(self, path: str | Path) -> None:
        """Write the trajectory as CSV (``.csv``) or NumPy archive (``.npz``)."""
        path = Path(path)
        columns = {"t": self.t, **self.observables}
        if path.suffix == ".npz":
            np.savez_compressed(path, **columns)
        elif path.suffix == ".csv":
            with path.open("w", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow(columns)
                writer.writerows(np.column_stack(list(columns.values())).tolist())
        else:
            raise ValueError(f"out: unsupported file type {path.suffix!r}; use .csv or .npz")


def resolve_values(model: Model, overrides: Mapping[str, float] | None = None) -> dict:
    """Model defaults with ``overrides`` (by parameter name) applied and checked against their domains."""
    by_name = {s.name: s for s in model.defaults}
    values = dict(model.defaults)
    for name, value in (overrides or {}).items():
        if name not in by_name:
            raise ValueError(f"unknown parameter {name!r} for model {model.name}; known: {', '.join(sorted(by_name))}")
        symbol = by_name[name]
        values[symbol] = float(check_domain(name, value, info(symbol).domain, info(symbol).description))
    return values


def _time_grid(t_start: float, t_end: float, n_points: int) -> np.ndarray:
    """Log-spaced output times: the phenomena here span many decades of training time."""
    span = t_end - t_start
    offsets = np.geomspace(span * 1e-6, span, n_points - 1)
    return np.concatenate([[t_start], t_start + offsets])


def _first_crossing(compiled: CompiledModel, sol, params, times: np.ndarray, event: Event) -> float | None:
    u = sol.sol(times)
    h = event.direction * (compiled.observe(event.observable, u, params) - event.threshold)
    if h[0] > 0:
        return float(times[0])
    # A start exactly on the threshold (e.g. a zero test margin at initialization) is not a crossing.
    idx = np.flatnonzero((h[1:] >= 0) & (h[:-1] < 0))
    if idx.size == 0:
        return None
    k = idx[0] + 1

    def residual(s: float) -> float:
        return float(event.direction * (compiled.observe(event.observable, sol.sol(s), params) - event.threshold))

    return float(brentq(residual, times[k - 1], times[k], xtol=1e-12 * max(1.0, times[k]), rtol=1e-12))


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
) -> Trajectory:
    """Integrate ``model`` from ``t_start`` to ``t_end`` (parameters: defaults updated by ``values``).

    ``u0`` overrides the model's initial coordinates (used to continue a run on a new data set).
    Raises ``ValueError`` for a bad parameter or horizon and ``RuntimeError`` if the solver fails or an
    observable becomes undefined (the state left the model's domain).
    """
    if not np.isfinite(t_end) or t_end <= t_start:
        raise ValueError(f"t_end must be finite and > t_start = {t_start:g}, got {t_end:g}")
    compiled = compile_model(model)
    resolved = resolve_values(model, values)
    params = compiled.parameter_values(resolved)
    start = compiled.initial_state(resolved) if u0 is None else np.asarray(u0, dtype=float)
    # Trial steps of an implicit solver may overflow exp(); the solver rejects them. Finite output is checked.
    with np.errstate(over="ignore", invalid="ignore"):
        sol = solve_ivp(
            compiled.rhs, (t_start, t_end), start, method=method, jac=compiled.jac, args=params,
            rtol=rtol, atol=atol, dense_output=True,
        )
    if not sol.success or not np.all(np.isfinite(sol.y)):
        raise RuntimeError(f"{model.name}: integration failed at t = {sol.t[-1]:g}: {sol.message}")
    t = _time_grid(t_start, t_end, n_points)
    u = sol.sol(t)
    with np.errstate(invalid="ignore"):
        observables = {name: compiled.observe(name, u, params) for name in compiled.observables}
    for name, series in observables.items():
        if np.any(np.isnan(series)):
            raise RuntimeError(f"{model.name}: observable {name} is undefined from t = {t[np.isnan(series)][0]:g} "
                               "on: the state left the model's domain (shorten t_end)")
    scan = np.union1d(sol.t, t)
    found = {name: _first_crossing(compiled, sol, params, scan, ev) for name, ev in (events or {}).items()}
    return Trajectory(
        model=model.name, t=t, u=u, observables=observables, events=found,
        values={s.name: float(v) for s, v in resolved.items()}, info={"nfev": sol.nfev, "njev": sol.njev},
    )
