"""Grokking, ungrokking and semi-grokking runs of the squared-loss two-circuit model, with predictions.

:func:`run_grokking` trains at ``data_ratio = D / D_crit`` and, optionally, continues on a smaller
set (``retrain_ratio``: the ungrokking experiment of Varma et al. §4). Removing examples keeps the
remaining examples' margins, so the log margins (a, b) carry over unchanged and only D changes.
Time is optimizer steps (the flow already carries the learning rates).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from derivations.compile import compile_model
from derivations.evaluate import check_arguments, evaluate
from derivations.experiments import Setting, experiment

# Registers the family's closed forms before the first evaluate(): the registry's lazy family import would
# otherwise import phases, which imports this half-initialized module.
from derivations.grokking import forms  # noqa: F401
from derivations.simulate import Event, SimulationError, Trajectory, resolve_values, simulate
from theory.dynamics import SQUARED_LOSS
from theory.registry import get
from theory.symbols import Domain

Y, C_M, C_G = 1.0, 0.1, 5.0  # target margin and costs: D_crit = c_g / c_m = 50 examples
CRITICAL_DATA_SIZE = evaluate("grokking.critical_data_size", c_m=C_M, c_g=C_G)
SILENT_LOG_MARGIN = -700.0  # log of a margin (1e-304) too small to enter any rate in double precision
BASE_HORIZON = 1e5  # steps at lr = 1: long enough for grokking at data_ratio >= 1.1 with lam = 0.01

EVENTS = {
    "t_memorize": Event("train_accuracy", 0.5, +1),
    "t_generalize": Event("test_accuracy", 0.5, +1),
}
UNGROK = {"t_ungrok": Event("test_accuracy", 0.5, -1)}


@dataclass
class GrokkingRun:
    """A run's trajectory (both phases when retrained) and its summary (event times, predictions)."""

    trajectory: Trajectory
    summary: dict


def model_values(data_ratio: float, weight_decay: float, lr: float, rate_ratio: float, **extra: float) -> dict:
    """Parameter values of the squared-loss model for a data size given relative to D_crit."""
    return {
        "y": Y, "c_m": C_M, "c_g": C_G, "D": data_ratio * CRITICAL_DATA_SIZE, "lam": weight_decay,
        "eta_m": lr, "eta_g": rate_ratio * lr, **extra,
    }


def _formula_or_none(name: str, values: dict, keys: list[str]) -> float | None:
    """A closed-form event time where the form's declared domains and constraints hold, else None (it does not apply).

    Applicability is decided from the declarations alone: an error in evaluating a form that applies (NaN, -inf)
    is a bug in the form and propagates, never read as "does not apply". The flow is linear in the learning rates,
    so every event time is homogeneous of degree -1 in (eta_m, eta_g) (a test checks it symbolically): the form is
    evaluated with eta_m = 1 and converted to steps after, so that a time beyond double precision becomes +-inf
    instead of failing inside the evaluation.
    """
    formula = get(name)
    lr = values["eta_m"]
    arguments = {k: values[k] / lr if k in ("eta_m", "eta_g") else values[k] for k in keys}
    try:
        check_arguments(formula, arguments)
    except ValueError:
        return None
    return evaluate(formula, **arguments) / lr


def predictions(values: dict) -> dict[str, float | None]:
    """Closed-form memorization and grokking times for model values (None where they do not apply)."""
    base = ["y", "lam", "c_m", "D", "eta_m"]
    t_mem = _formula_or_none("grokking.t_memorize", values, ["m0", *base])
    t_gen = _formula_or_none("grokking.t_generalize", values, ["m0", "g0", "c_g", "eta_g", *base])
    if t_gen is not None and t_gen <= (t_mem or 0.0):
        # The generalizer crosses first (comprehension; at extreme rates the crossing time is even negative
        # beyond double precision, -inf): no memorize-then-generalize.
        t_gen = None
    return {"t_memorize_predicted": t_mem, "t_generalize_predicted": t_gen}


def _concat(first: Trajectory, second: Trajectory, offset: float) -> Trajectory:
    """One trajectory of both phases; the second was simulated in its own time from 0 and starts at ``offset``
    (its first point repeats the first phase's last unless a silent drift was skipped in between)."""
    keep = 0 if offset > first.t[-1] else 1
    shift = {k: None if v is None else offset + v for k, v in second.events.items()}
    return Trajectory(
        model=first.model,
        t=np.concatenate([first.t, offset + second.t[keep:]]),
        u=np.concatenate([first.u, second.u[:, keep:]], axis=1),
        observables={k: np.concatenate([v, second.observables[k][keep:]]) for k, v in first.observables.items()},
        events={**first.events, **shift},
        values=first.values,
        info={"switch_time": first.t[-1], "retrain_values": second.values},
    )


def _skip_silent_drift(u: np.ndarray, values: dict, duration: float) -> tuple[np.ndarray, float]:
    """Jump over the stretch where a vanished circuit's log margin climbs back linearly; (state after, its length).

    Below ``SILENT_LOG_MARGIN`` a margin (< 1e-304) enters no rate in double precision, so while the other
    coordinate sits at its stable fixed point every rate is constant and the climb is exactly linear.
    Integrating it instead would start from a log margin as low as -1e300, where the solver's relative
    tolerance (1e-9 of it) could not resolve the regrowth at its end. No jump (length 0) otherwise.
    """
    compiled = compile_model(SQUARED_LOSS)
    params = compiled.parameter_values(resolve_values(SQUARED_LOSS, values))
    rates = np.asarray(compiled.rhs(0.0, u, *params), dtype=float)
    stiffness = np.diag(np.asarray(compiled.jac(0.0, u, *params), dtype=float))
    silent = u < SILENT_LOG_MARGIN
    settled = np.all(stiffness[~silent] < 0) and np.all(np.abs(rates[~silent]) <= 1e-9 * -stiffness[~silent])
    if silent.sum() != 1 or not settled or rates[silent][0] <= 0:
        return u, 0.0
    length = float((SILENT_LOG_MARGIN - u[silent][0]) / rates[silent][0])
    if length >= duration:
        return u, 0.0
    return np.where(silent, SILENT_LOG_MARGIN, u), length


def _farthest_from_defaults(given: dict[str, float]) -> str:
    """The settings farthest (in decades) from their defaults: the likeliest cause of a run that cannot finish."""
    defaults = {key: s.default for key, s in SETTINGS.items() if isinstance(s.default, float)}
    defaults["horizon"] = BASE_HORIZON / given.get("lr", 1.0)
    defaults["retrain_ratio"] = defaults["data_ratio"]
    decades = {key: abs(math.log10(value / defaults[key])) for key, value in given.items()
               if key in defaults and value > 0 and math.isfinite(value) and value != defaults[key]}
    ranked = sorted(decades, key=decades.get, reverse=True)
    # Settings within a decade of their defaults are named only when nothing else is far off.
    named = [key for key in ranked if decades[key] >= 1][:2] or ranked[:1]
    return " and ".join(f"{key}={given[key]:g}" for key in named) or "these settings"


def _check_finite(**derived: tuple[float, str]) -> None:
    """Derived model values must be representable; a ValueError names the settings they come from."""
    for name, (value, settings) in derived.items():
        if not (math.isfinite(value) and value > 0):
            raise ValueError(f"{name} = {value:g} is out of double-precision range: change {settings}")


def _phase(t_end: float, values: dict, given: dict[str, float], **kwargs) -> Trajectory:
    """One simulated phase; a run that cannot finish within the simulator's bounds names the settings to change."""
    try:
        return simulate(SQUARED_LOSS, t_end, values, **kwargs)
    except SimulationError as exc:
        raise ValueError(f"simulate grokking: {exc}; most likely from {_farthest_from_defaults(given)}: "
                         "move them toward their defaults or shorten horizon") from None


def run_grokking(
    data_ratio: float = 2.0,
    weight_decay: float = 0.01,
    lr: float = 1.0,
    rate_ratio: float = 0.1,
    retrain_ratio: float | None = None,
    horizon: float | None = None,
    init_memorizing: float = 1e-2,
    init_generalizing: float = 1e-6,
    sigma: float = 0.25,
    n_points: int = 400,
) -> GrokkingRun:
    """Train at ``data_ratio`` (then retrain at ``retrain_ratio``) and compare event times with closed forms.

    The default horizon is 1e5 / lr steps, extended to twice the predicted grokking time when that is
    longer (near D_crit). Before retraining, the default first phase is twice the predicted grokking
    time (grokked, with a residual memorizer whose size sets the ungrokking time); the retraining
    phase runs twice the longer of the horizon and the predicted ungrokking time. Each phase is
    simulated in its own time from 0, so a long first phase costs the second no resolution.
    Raises ``ValueError`` naming the settings to change when a run cannot be completed.
    """
    given = {k: v for k, v in locals().items() if k in SETTINGS and v is not None}
    values = model_values(data_ratio, weight_decay, lr, rate_ratio, m0=init_memorizing, g0=init_generalizing,
                          sigma=sigma)
    _check_finite(D=(values["D"], "data_ratio"), eta_g=(values["eta_g"], "rate_ratio or lr"))
    predicted = predictions(values)
    if horizon is None:
        horizon = BASE_HORIZON / lr
        t_pred = predicted["t_generalize_predicted"]
        if t_pred is not None and math.isfinite(t_pred):
            horizon = 2 * t_pred if retrain_ratio is not None else max(horizon, 2 * t_pred)
        _check_finite(horizon=(horizon, "lr, weight_decay or data_ratio, or give horizon"))
    first = _phase(horizon, values, given, events=EVENTS, n_points=n_points)
    summary: dict = {
        "data_ratio": data_ratio,
        "data_size": values["D"],
        "critical_data_size": CRITICAL_DATA_SIZE,
        "weight_decay": weight_decay,
        "lr": lr,
        "horizon": horizon,
        **first.events,
        **predicted,
        "final_train_accuracy": first.final("train_accuracy"),
        "final_test_accuracy": first.final("test_accuracy"),
    }
    if retrain_ratio is None:
        return GrokkingRun(first, summary)
    retrain = {**values, "D": retrain_ratio * CRITICAL_DATA_SIZE}
    _check_finite(D=(retrain["D"], "retrain_ratio"))
    m_s, g_s = first.final("memorizing_margin"), first.final("generalizing_margin")
    keys = ["y", "lam", "c_m", "c_g", "D", "eta_m", "eta_g"]
    start = {**retrain, "m_s": m_s, "g_s": g_s}
    t_ungrok_predicted = _formula_or_none("grokking.t_ungrok", start, ["m_s", "g_s", *keys])
    duration = 2 * max(horizon, t_ungrok_predicted or 0.0)
    _check_finite(retraining_horizon=(duration, "horizon"))
    start, skipped = _skip_silent_drift(first.u[:, -1], retrain, duration)
    second = _phase(duration - skipped, retrain, given, u0=start, events=UNGROK, n_points=n_points)
    t_ungrok = None if second.events["t_ungrok"] is None else skipped + second.events["t_ungrok"]
    summary.update({
        "retrain_ratio": retrain_ratio,
        "grokked_test_accuracy": summary["final_test_accuracy"],
        # Ungrokking presupposes a grokked start.
        "t_ungrok": None if summary["final_test_accuracy"] < 0.5 else t_ungrok,
        "t_ungrok_predicted": t_ungrok_predicted,
        "final_train_accuracy": second.final("train_accuracy"),
        "final_test_accuracy": second.final("test_accuracy"),
    })
    return GrokkingRun(_concat(first, second, horizon + skipped), summary)


# Declared domains: where the run is integrated in double precision. One example at least (D >= 1); weight decay
# 0, or >= 1e-10 where its drift (~ weight decay) stays well above the rounding of y - m - g (~1e-16), as does
# the slow generalizer's drift for rate_ratio >= 1e-12. Within them a run can still exceed the simulator's bounds
# (a horizon so long that a late transition is shorter than the resolution of time): a one-line error names it.
ONE_EXAMPLE = 1 / CRITICAL_DATA_SIZE
SETTINGS = {
    "data_ratio": Setting(2.0, Domain(ONE_EXAMPLE, 1e300, True, True), "training-set size D / D_crit"),
    "weight_decay": Setting(0.01, Domain(1e-10, 1e250, True, True), "weight decay lam", also=(0.0,)),
    "lr": Setting(1.0, Domain(1e-300, 1e300, True, True), "learning rate of the memorizing circuit"),
    "rate_ratio": Setting(0.1, Domain(1e-12, 1e250, True, True), "generalizer / memorizer learning-rate ratio"),
    "retrain_ratio": Setting(None, Domain(ONE_EXAMPLE, 1e300, True, True),
                             "optional: continue on a set of size retrain_ratio * D_crit"),
    "horizon": Setting(None, Domain(0.0, 1e300, hi_closed=True),
                       "optional: steps per phase (default 1e5/lr, longer near D_crit)"),
    "init_memorizing": Setting(1e-2, Domain(0.0, 0.5), "initial memorizing margin m0 (target y = 1)"),
    "init_generalizing": Setting(1e-6, Domain(0.0, 0.5), "initial generalizing margin g0"),
    "sigma": Setting(0.25, Domain(0.0, 1e300, hi_closed=True),
                     "log-normal spread of per-example margins (soft accuracy)"),
}


@experiment(
    "grokking",
    "two-circuit squared-loss model: memorize, then generalize under weight decay (optionally retrain: ungrokking)",
    SETTINGS,
    trajectory=True,
)
def _grokking_experiment(values: dict[str, float]) -> dict:
    run = run_grokking(**values)
    return {**run.summary, "trajectory": run.trajectory}
