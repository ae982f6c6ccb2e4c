"""Real training against the two-circuit theory, drawn from the shipped runs (no torch): the delay law, ungrokking,
and held-out predictions. The fits are ``derivations.grokking.fit``'s maximum-likelihood fits."""

from __future__ import annotations

import hashlib
import math
from functools import cache

import numpy as np
from matplotlib import pyplot as plt
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, LogFormatterSciNotation, LogLocator, NullFormatter

from derivations.grokking.fit import (
    NEAR_CRITICAL,
    GrokkingFit,
    fit_runs,
    holdout_mask,
    predict,
    prediction_errors,
    retrained_test_accuracy,
)
from derivations.grokking.fit_command import DATA_FILE
from derivations.grokking.rundata import Runs, read_runs
from figures.draw import asymptote, divergent_line
from figures.registry import figure

SOURCE = "real runs: MLP on (a + b) mod 97, AdamW, CPU (derivations/grokking/data/real_runs.md)"
FCRIT = r"$f_{\rm crit}$"
# The figures' data depend on the runs, so their digest is part of the cache key.
RUNS_DIGEST = hashlib.sha256(DATA_FILE.read_bytes()).hexdigest()[:16] if DATA_FILE.exists() else "missing"


@cache
def _runs() -> tuple[Runs, Runs]:
    """(grokking runs, retraining runs): every row's first phase is a grokking run, counted once per seed."""
    runs = read_runs(DATA_FILE)
    retrain = np.isfinite(runs.extra.get("retrain_fraction", np.full(runs.n, np.nan)))
    return runs.distinct(), runs.take(retrain)


@cache
def _fit(held_out: bool) -> GrokkingFit:
    runs = _runs()[0]
    return fit_runs(runs.take(holdout_mask(runs)) if held_out else runs)


def _settings(runs: Runs) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (fraction, weight_decay) pairs, and each run's setting index."""
    pairs = np.stack([runs.fraction, runs.weight_decay], axis=1)
    distinct, index = np.unique(pairs, axis=0, return_inverse=True)
    return distinct, index.ravel()


# --- the delay law -------------------------------------------------------------------------------------------
@figure("training_delay_law", "measured steps to generalize (median and range over seeds; open triangles: not "
        "within the run's steps) vs weight decay and vs training fraction, with the fitted two-circuit model's "
        "curves and its critical fraction", source=SOURCE, settings={"runs": RUNS_DIGEST})
def training_delay_law(fast: bool) -> dict:
    runs, _ = _runs()
    fit = _fit(held_out=False)
    f_crit = fit.constants["critical_fraction"]
    distinct, index = _settings(runs)
    t = runs.t_generalize
    median, low, high, censored_at = (np.full(len(distinct), np.nan) for _ in range(4))
    for k in range(len(distinct)):
        seen = t[(index == k) & np.isfinite(t)]
        if seen.size:
            median[k], low[k], high[k] = np.median(seen), seen.min(), seen.max()
        else:
            censored_at[k] = runs.steps[index == k].max()
    fractions, decays = np.unique(runs.fraction), np.unique(runs.weight_decay)
    lr = float(np.median(runs.lr))
    n = 60 if fast else 200
    wd_grid = np.geomspace(decays.min() / 1.5, decays.max() * 1.5, n)
    f_grid = np.linspace(f_crit * 0.6, 1.0, n)
    return {
        "fraction": distinct[:, 0], "weight_decay": distinct[:, 1], "median": median, "low": low, "high": high,
        "censored_at": censored_at, "fractions": fractions, "decays": decays, "wd_grid": wd_grid, "f_grid": f_grid,
        "vs_wd": np.array([predict(fit.x, f, wd_grid, lr) for f in fractions]),
        "vs_fraction": np.array([predict(fit.x, f_grid, wd, lr) for wd in decays]),
        "f_crit": f_crit,
    }


def _colours(values: np.ndarray, cmap: str) -> dict[float, tuple]:
    colours = plt.get_cmap(cmap)(np.linspace(0.1, 0.85, len(values)))
    return {float(v): tuple(c) for v, c in zip(values, colours)}


def _measured(ax: plt.Axes, d: dict, x_key: str, group_key: str, colour: dict) -> None:
    for group, c in colour.items():
        pick = np.isclose(d[group_key], group)
        x = d[x_key][pick]
        seen = np.isfinite(d["median"][pick])
        err = np.stack([d["median"][pick] - d["low"][pick], d["high"][pick] - d["median"][pick]])[:, seen]
        ax.errorbar(x[seen], d["median"][pick][seen], yerr=err, fmt="o", ms=4, color=c, capsize=2, lw=1)
        never = np.isfinite(d["censored_at"][pick])
        ax.plot(x[never], d["censored_at"][pick][never], "^", ms=6, mfc="none", color=c)


def _limits(d: dict) -> tuple[float, float]:
    values = np.concatenate([d[k][np.isfinite(d[k])] for k in ("low", "high", "censored_at")])
    return values.min() / 3, values.max() * 3


@training_delay_law.plot
def _(d: dict) -> plt.Figure:
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.6), layout="constrained")
    by_fraction = _colours(d["fractions"], "viridis")
    by_decay = _colours(d["decays"], "plasma")
    for f, (memorize, generalize) in zip(d["fractions"], d["vs_wd"]):
        delayed = generalize > memorize
        left.plot(d["wd_grid"], np.where(delayed, generalize, np.nan), color=by_fraction[float(f)], lw=1)
        left.plot(d["wd_grid"], np.where(delayed, np.nan, generalize), color=by_fraction[float(f)], lw=1, ls=":")
    _measured(left, d, "weight_decay", "fraction", by_fraction)
    for wd, (memorize, generalize) in zip(d["decays"], d["vs_fraction"]):
        # Where the model has no delay (the generalizer keeps up with the memorizer) its time is t_memorize: dotted.
        delayed = generalize > memorize
        divergent_line(right, d["f_grid"], np.where(delayed, generalize, np.nan), at=d["f_crit"],
                       color=by_decay[float(wd)], lw=1)
        right.plot(d["f_grid"], np.where(delayed, np.nan, generalize), color=by_decay[float(wd)], lw=1, ls=":")
    _measured(right, d, "fraction", "weight_decay", by_decay)
    asymptote(right, d["f_crit"], f"fitted {FCRIT} = {d['f_crit']:.3g}")
    for ax in (left, right):
        ax.set_yscale("log")
        ax.set_ylim(*_limits(d))
        ax.set_ylabel("steps to generalize (test accuracy > 99%)")
    left.set_xscale("log")
    left.set_xticks(d["decays"], labels=[f"{v:g}" for v in d["decays"]])
    left.xaxis.set_minor_formatter(NullFormatter())
    left.set_xlabel("AdamW weight decay")
    right.set_xlabel("training fraction $f$")
    left.set_title("delay vs weight decay")
    right.set_title("delay vs training fraction")
    for ax, colour, what in ((left, by_fraction, "f"), (right, by_decay, "wd")):
        handles = [Line2D([], [], color=c, marker="o", ms=4, lw=1, label=f"{what} = {v:g}") for v, c in colour.items()]
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=4, fontsize="small")
    styles = [Line2D([], [], color="0.3", marker="o", ms=4, ls="none", label="measured: median, range over seeds"),
              Line2D([], [], color="0.3", marker="^", mfc="none", ls="none", label="never within the run's steps"),
              Line2D([], [], color="0.3", lw=1, label="fitted model"),
              Line2D([], [], color="0.3", lw=1, ls=":", label="model without delay (time to memorize)")]
    fig.legend(handles=styles, loc="outside lower center", ncol=4, fontsize="small")
    fig.suptitle("Real runs (points: median, bars: range over seeds) and the fitted two-circuit model (lines)")
    return fig


# --- ungrokking ----------------------------------------------------------------------------------------------
@figure("training_ungrokking", "final test accuracy after retraining a grokked network on a subset, vs the subset's "
        "fraction: measured (filled) and the fitted two-circuit model's simulated retraining (open, joined)",
        source=SOURCE, settings={"runs": RUNS_DIGEST})
def training_ungrokking(fast: bool) -> dict:
    _, retrain = _runs()
    fit = _fit(held_out=False)
    keys = np.stack([retrain.fraction, retrain.weight_decay, retrain.lr, retrain.extra["retrain_fraction"],
                     retrain.extra["retrain_steps"]], axis=1)
    settings = np.unique(keys, axis=0)
    predicted = np.array([retrained_test_accuracy(fit.x, *row) for row in settings])
    return {"measured_fraction": retrain.extra["retrain_fraction"], "measured_decay": retrain.weight_decay,
            "measured_accuracy": retrain.extra["final_test_accuracy"], "fraction": settings[:, 3],
            "decay": settings[:, 1], "predicted": predicted, "f_crit": fit.constants["critical_fraction"]}


@training_ungrokking.plot
def _(d: dict) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(5.5, 4.2), layout="constrained")
    colour = _colours(np.unique(d["decay"]), "plasma")
    handles = []
    for wd, c in colour.items():
        pick = np.isclose(d["decay"], wd)
        order = np.argsort(d["fraction"][pick])
        ax.plot(d["fraction"][pick][order], d["predicted"][pick][order], "o--", mfc="none", color=c, lw=1)
        seen = np.isclose(d["measured_decay"], wd)
        ax.plot(d["measured_fraction"][seen], d["measured_accuracy"][seen], "o", color=c, ms=5)
        handles.append(Line2D([], [], color=c, marker="o", ls="none", label=f"measured, wd = {wd:g}"))
        handles.append(Line2D([], [], color=c, marker="o", mfc="none", ls="--", label=f"model, wd = {wd:g}"))
    asymptote(ax, d["f_crit"], f"fitted {FCRIT}")
    ax.set_xlabel("retraining subset (fraction of all pairs)")
    ax.set_ylabel("final test accuracy")
    ax.set_ylim(-0.03, 1.05)
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.17), ncol=2, fontsize="small")
    ax.set_title("Ungrokking: test accuracy after retraining a grokked network on a subset", fontsize="medium")
    return fig


# --- held-out predictions ------------------------------------------------------------------------------------
@figure("training_vs_theory", "predicted vs measured steps to memorize and to generalize for held-out runs (a "
        "checkerboard half of the fraction x weight-decay settings), the model fitted on the other half; log axes, "
        "identity line; open markers: near the critical fraction (below 1.5 times it)", source=SOURCE,
        settings={"runs": RUNS_DIGEST})
def training_vs_theory(fast: bool) -> dict:
    runs, _ = _runs()
    fit = _fit(held_out=True)
    held = runs.take(~holdout_mask(runs))
    tm, tg = predict(fit.x, held.fraction, held.weight_decay, held.lr)
    errors = prediction_errors(held, fit)
    factors = [errors[k][q] for k in ("near_critical", "away_from_critical") for q in ("median_factor", "worst_factor")]
    return {"t_memorize": held.t_memorize, "t_memorize_predicted": tm, "t_generalize": held.t_generalize,
            "t_generalize_predicted": tg, "steps": held.steps,
            "near": held.fraction < NEAR_CRITICAL * fit.constants["critical_fraction"],
            "factors": np.array([np.nan if v is None else v for v in factors], dtype=float)}


def _log_ticks(ax: plt.Axes, lo: float, hi: float) -> None:
    """Log ticks without crowding: at 1, 2, 5 x 10^k written plainly over up to two decades, else at powers of ten."""
    narrow = math.log10(hi / lo) <= 2
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0) if narrow else (1.0,)))
        axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}") if narrow else LogFormatterSciNotation())
        axis.set_minor_formatter(NullFormatter())


@training_vs_theory.plot
def _(d: dict) -> plt.Figure:
    fig, axes = plt.subplots(1, 2, figsize=(9, 4.4), layout="constrained")
    for ax, event, title in zip(axes, ("t_memorize", "t_generalize"), ("memorization", "generalization")):
        measured, predicted = d[event], d[f"{event}_predicted"]
        ok = np.isfinite(measured) & np.isfinite(predicted)
        late = ~np.isfinite(measured) & np.isfinite(predicted)  # never within its steps: measured >= the cap
        never = np.isfinite(measured) & ~np.isfinite(predicted)  # the model says never
        values = np.concatenate([measured[ok], predicted[ok | late], d["steps"][late], measured[never]])
        lo, hi = values.min() / 2, values.max() * 2
        for near, style in ((False, {}), (True, {"mfc": "none"})):
            side = d["near"] == near
            ax.plot(measured[ok & side], predicted[ok & side], "o", color="C0", ms=5, **style)
            ax.plot(d["steps"][late & side], predicted[late & side], ">", color="C1", ms=6, **style)
            ax.plot(measured[never & side], np.full(int(np.sum(never & side)), hi / 1.15), "^", color="C3", ms=6,
                    **style)
        ax.plot([lo, hi], [lo, hi], color="0.4", lw=0.8, ls="--")
        ax.set(xscale="log", yscale="log", xlim=(lo, hi), ylim=(lo, hi), title=f"{title} (held-out runs)",
               xlabel="measured steps", ylabel="predicted steps (fit on the other half)")
        _log_ticks(ax, lo, hi)
    near_median, near_worst, away_median, away_worst = (
        f"{v:.2g}" if math.isfinite(v) else ("n/a" if math.isnan(v) else r"$\infty$") for v in d["factors"])
    near = rf"{NEAR_CRITICAL:g}\, f_{{\rm crit}}"
    handles = [Line2D([], [], color="C0", marker="o", ls="none", label=rf"fraction $\geq {near}$"),
               Line2D([], [], color="C0", marker="o", mfc="none", ls="none", label=rf"fraction $< {near}$"),
               Line2D([], [], color="C1", marker=">", ls="none", label="never within its steps (at the cap)"),
               Line2D([], [], color="C3", marker="^", ls="none", label="the model says never (at the top)"),
               Line2D([], [], color="0.4", lw=0.8, ls="--", label="identity: predicted = measured")]
    fig.legend(handles=handles, loc="outside lower center", ncol=3)
    fig.suptitle(f"Held-out generalization times off by a factor {away_median} (median; worst {away_worst}) away "
                 f"from {FCRIT}, {near_median} (worst {near_worst}) near it")
    return fig
