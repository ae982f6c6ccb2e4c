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

from derivations.evaluate import evaluate
from derivations.experiments import Setting, experiment

# Registers the family's closed forms before the first evaluate(): the registry's lazy family import would
# otherwise import phases, which imports this half-initialized module.
from derivations.grokking import forms  # noqa: F401
from derivations.simulate import Event, Trajectory, simulate
from theory.dynamics import SQUARED_LOSS
from theory.symbols import NONNEGATIVE, POSITIVE, Domain

Y, C_M, C_G = 1.0, 0.1, 5.0  # target margin and costs: D_crit = c_g / c_m = 50 examples
CRITICAL_DATA_SIZE = evaluate("grokking.critical_data_size", c_m=C_M, c_g=C_G)
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
    """A closed form where its constraints hold, else None (the form does not apply)."""
    try:
        return evaluate(name, **{k: values[k] for k in keys})
    except ValueError:
        return None


def predictions(values: dict) -> dict[str, float | None]:
    """Closed-form memorization and grokking times for model values (None where they do not apply)."""
    base = ["y", "lam", "c_m", "D", "eta_m"]
    t_mem = _formula_or_none("grokking.t_memorize", values, ["m0", *base])
    t_gen = _formula_or_none("grokking.t_generalize", values, ["m0", "g0", "c_g", "eta_g", *base])
    if t_gen is not None and t_mem is not None and t_gen <= t_mem:
        t_gen = None  # the generalizer wins the first race (comprehension): no memorize-then-generalize
    return {"t_memorize_predicted": t_mem, "t_generalize_predicted": t_gen}


def _concat(first: Trajectory, second: Trajectory) -> Trajectory:
    return Trajectory(
        model=first.model,
        t=np.concatenate([first.t, second.t[1:]]),
        u=np.concatenate([first.u, second.u[:, 1:]], axis=1),
        observables={k: np.concatenate([v, second.observables[k][1:]]) for k, v in first.observables.items()},
        events={**first.events, **second.events},
        values=first.values,
        info={"switch_time": float(second.t[0]), "retrain_values": second.values},
    )


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
    phase runs twice the longer of the horizon and the predicted ungrokking time.
    """
    values = model_values(data_ratio, weight_decay, lr, rate_ratio, m0=init_memorizing, g0=init_generalizing,
                          sigma=sigma)
    predicted = predictions(values)
    if horizon is None:
        horizon = BASE_HORIZON / lr
        t_pred = predicted["t_generalize_predicted"]
        if t_pred is not None and math.isfinite(t_pred):
            horizon = 2 * t_pred if retrain_ratio is not None else max(horizon, 2 * t_pred)
    first = simulate(SQUARED_LOSS, horizon, values, events=EVENTS, n_points=n_points)
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
    m_s, g_s = first.final("memorizing_margin"), first.final("generalizing_margin")
    keys = ["y", "lam", "c_m", "c_g", "D", "eta_m", "eta_g"]
    start = {**retrain, "m_s": m_s, "g_s": g_s}
    t_ungrok_predicted = _formula_or_none("grokking.t_ungrok", start, ["m_s", "g_s", *keys])
    duration = 2 * max(horizon, t_ungrok_predicted or 0.0)
    second = simulate(SQUARED_LOSS, horizon + duration, retrain, u0=first.u[:, -1], t_start=horizon,
                      events=UNGROK, n_points=n_points)
    t_ungrok = second.events["t_ungrok"]
    summary.update({
        "retrain_ratio": retrain_ratio,
        "grokked_test_accuracy": summary["final_test_accuracy"],
        # Ungrokking presupposes a grokked start.
        "t_ungrok": None if t_ungrok is None or summary["final_test_accuracy"] < 0.5 else t_ungrok - horizon,
        "t_ungrok_predicted": t_ungrok_predicted,
        "final_train_accuracy": second.final("train_accuracy"),
        "final_test_accuracy": second.final("test_accuracy"),
    })
    return GrokkingRun(_concat(first, second), summary)


@experiment(
    "grokking",
    "two-circuit squared-loss model: memorize, then generalize under weight decay (optionally retrain: ungrokking)",
    {
        "data_ratio": Setting(2.0, POSITIVE, "training-set size D / D_crit"),
        "weight_decay": Setting(0.01, NONNEGATIVE, "weight decay lam"),
        "lr": Setting(1.0, POSITIVE, "learning rate of the memorizing circuit"),
        "rate_ratio": Setting(0.1, POSITIVE, "generalizer / memorizer learning-rate ratio"),
        "retrain_ratio": Setting(None, POSITIVE, "optional: continue on a set of size retrain_ratio * D_crit"),
        "horizon": Setting(None, POSITIVE, "optional: steps per phase (default 1e5/lr, longer near D_crit)"),
        "init_memorizing": Setting(1e-2, Domain(0.0, 0.5), "initial memorizing margin m0 (target y = 1)"),
        "init_generalizing": Setting(1e-6, Domain(0.0, 0.5), "initial generalizing margin g0"),
        "sigma": Setting(0.25, POSITIVE, "log-normal spread of per-example margins (soft accuracy)"),
    },
)
def _grokking_experiment(values: dict[str, float]) -> dict:
    run = run_grokking(**values)
    return {**run.summary, "trajectory": run.trajectory}
