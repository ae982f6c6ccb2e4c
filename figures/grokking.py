"""Grokking-family figures from the two-circuit models: curves, ungrokking, semi-grokking, delay laws,
Power-style data efficiency, and the Liu and Huang phase diagrams."""

from __future__ import annotations

import numpy as np
from matplotlib import pyplot as plt
from matplotlib.colors import ListedColormap
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from scipy.optimize import brentq

from derivations.compile import compile_model
from derivations.ensemble import integrate_ensemble
from derivations.evaluate import evaluate
from derivations.grokking.phases import (
    HUANG_ZONES,
    LIU_PHASES,
    HuangSetting,
    huang_equilibrium,
    huang_model_values,
    huang_zone,
    liu_phase_diagram,
)
from derivations.grokking.runs import C_G, C_M, CRITICAL_DATA_SIZE, Y, model_values, run_grokking
from derivations.simulate import Event, simulate
from derivations.sweep import grid, sweep
from figures.draw import asymptote, divergent_line
from figures.registry import figure
from theory.dynamics import CROSS_ENTROPY, SQUARED_LOSS

TC = "two-circuit squared-loss model after Varma et al. 2023 arXiv 2309.02390"
HALF = {"t_generalize": Event("test_accuracy", 0.5, +1)}
SIGMA = {s.name: v for s, v in SQUARED_LOSS.defaults.items()}["sigma"]  # soft-accuracy spread
DCRIT = r"D_{\rm crit}"


def _legend_below(ax: plt.Axes, **kwargs) -> None:
    """A legend under the axes' x label: outside the data, whatever the curves do."""
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.3), **kwargs)


# --- grokking curves ---------------------------------------------------------------------------------
MARGIN_FLOOR = 1e-7  # below the generalizer's start (1e-6); the dying memorizer falls past it to ~1e-316


@figure("grokking_curves", "train/test accuracy and loss, circuit margins and norm vs steps (D = 2 D_crit)",
        source=f"{TC}, Fig. 1 style", settings={"data_ratio": 2.0, "weight_decay": 0.01, "lr": 1.0})
def grokking_curves(fast: bool) -> dict:
    run = run_grokking(2.0, 0.01, 1.0, n_points=200 if fast else 600)
    keep = ["train_accuracy", "test_accuracy", "train_loss", "test_loss", "memorizing_margin",
            "generalizing_margin", "norm"]
    return {"t": run.trajectory.t, **{k: run.trajectory.observables[k] for k in keep},
            "events": np.array([run.summary["t_memorize"], run.summary["t_generalize"]])}


@grokking_curves.plot
def _(d: dict) -> plt.Figure:
    fig, axes = plt.subplots(2, 2, figsize=(8, 5.4), sharex=True, layout="constrained")
    (acc, loss), (margin, norm) = axes
    t = d["t"][1:]
    for ax, kind in ((acc, "accuracy"), (loss, "loss")):
        ax.plot(t, d[f"train_{kind}"][1:], color="C0")
        ax.plot(t, d[f"test_{kind}"][1:], color="C1")
    loss.set_yscale("log")
    margin.plot(t, d["memorizing_margin"][1:], color="C2")
    margin.plot(t, d["generalizing_margin"][1:], color="C3")
    margin.axhline(Y, color="0.4", lw=0.8, ls="--")
    # The memorizer decays exponentially once the generalizer wins (to ~1e-316 by the end): a window of
    # seven decades keeps the competition visible and lets the loser leave through the bottom.
    margin.set_yscale("log")
    margin.set_ylim(MARGIN_FLOOR, 3 * Y)
    norm.plot(t, d["norm"][1:], color="0.25")
    for ax in axes.flat:
        for e in d["events"]:
            ax.axvline(e, color="0.6", lw=0.8, ls=":")
        ax.set_xscale("log")
    for ax in axes[1]:
        ax.set_xlabel("optimizer steps")
    acc.set_ylabel("soft accuracy")
    loss.set_ylabel(r"squared loss $(y - z)^2/2$")
    margin.set_ylabel("circuit margin $z$")
    norm.set_ylabel(r"parameter norm $\|\theta\|$")
    handles = [Line2D([], [], color="C0", label="train"), Line2D([], [], color="C1", label="test"),
               Line2D([], [], color="C2", label="memorizing circuit $z_m$ (decays exponentially, off axis)"),
               Line2D([], [], color="C3", label="generalizing circuit $z_g$"),
               Line2D([], [], color="0.4", lw=0.8, ls="--", label="target margin $y$"),
               Line2D([], [], color="0.6", lw=0.8, ls=":", label="train / test accuracy reach 1/2")]
    fig.legend(handles=handles, loc="outside lower center", ncol=3)
    t_mem, t_gen = d["events"]
    fig.suptitle(rf"Grokking at $D = 2\,{DCRIT}$, $\lambda = 0.01$: memorized by step {t_mem:.0f}, "
                 f"generalized at step {t_gen:.0f}")
    return fig


# --- Varma-style cross-entropy simulation ------------------------------------------------------------------
@figure("varma_simulation", "cross-entropy product model with Varma's table values, and two ablations",
        source="Varma et al. 2023, App. C simulation (Table values; ablations per their §3)",
        settings={"steps": 3e4, "ablations": ["equal seeds", "less efficient generalizer"]})
def varma_simulation(fast: bool) -> dict:
    out = {}
    cases = {"full": {}, "equal_speed": {"s_G": 1.0}, "inefficient": {"P_G": 3.0}}
    for name, override in cases.items():
        tr = simulate(CROSS_ENTROPY, 3e4, override, n_points=150 if fast else 400)
        out["t"] = tr.t
        for k in ("w_G", "w_M", "train_loss", "test_loss", "generalizing_norm", "memorizing_norm"):
            out[f"{name}_{k}"] = tr.observables[k]
    return out


@varma_simulation.plot
def _(d: dict) -> plt.Figure:
    fig, axes = plt.subplots(1, 4, figsize=(12, 3.0), layout="constrained")
    t = d["t"][1:]
    panels = [
        ("losses", "cross-entropy loss", [("full_train_loss", "train"), ("full_test_loss", "test")]),
        ("circuit strengths", "logit strength $w$",
         [("full_w_G", "generalizing $w_G$"), ("full_w_M", "memorizing $w_M$")]),
        ("parameter norms", r"norm $\hat P\, w^{1/\kappa}$",
         [("full_generalizing_norm", "generalizing"), ("full_memorizing_norm", "memorizing")]),
        ("ablations", "test loss",
         [("full_test_loss", "all three ingredients: grokking"),
          ("equal_speed_test_loss", "equal learning speed: no delay"),
          ("inefficient_test_loss", "less efficient generalizer: no grokking")]),
    ]
    for ax, (title, ylabel, curves) in zip(axes, panels):
        for key, label in curves:
            ax.plot(t, d[key][1:], label=label)
        ax.set_xscale("log")
        ax.set_xlabel("steps")
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        _legend_below(ax)
    fig.suptitle("Varma et al.'s cross-entropy two-circuit model (table values) and two ablations")
    return fig


# --- ungrokking -----------------------------------------------------------------------------------------
WEIGHT_DECAYS = (0.003, 0.01, 0.03)


@figure("ungrokking", "final test accuracy after retraining a grokked model on D' examples, per weight decay",
        source=f"{TC}; Varma et al. 2023 §4, ungrokking figure",
        settings={"grokked_at": 4.0, "weight_decays": WEIGHT_DECAYS, "retrain_steps_times_lam": 3000})
def ungrokking(fast: bool) -> dict:
    ratios = np.linspace(0.3, 1.5, 25 if fast else 61)
    out = {"retrain_ratio": ratios}
    for lam in WEIGHT_DECAYS:
        grokked = simulate(SQUARED_LOSS, 40 / lam, model_values(4.0, lam, 1.0, 0.1), n_points=50)
        values = model_values(1.0, lam, 1.0, 0.1)
        values["D"] = ratios * CRITICAL_DATA_SIZE
        res = integrate_ensemble(SQUARED_LOSS, values, 3000 / lam, u0=grokked.u[:, -1:])
        params = [np.broadcast_to(np.asarray(values.get(s.name, v), float), ratios.shape)
                  for s, v in SQUARED_LOSS.defaults.items() if s in SQUARED_LOSS.params]
        out[f"accuracy_{lam:g}"] = compile_model(SQUARED_LOSS).observe("test_accuracy", res.u, params)
    return out


@ungrokking.plot
def _(d: dict) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(5, 3.4))
    for lam, ls in zip(WEIGHT_DECAYS, ["-", "--", ":"]):
        ax.plot(d["retrain_ratio"], d[f"accuracy_{lam:g}"], ls=ls, label=rf"$\lambda = {lam:g}$")
    ax.axvline(1.0, color="0.5", lw=0.8, label=f"$D' = {DCRIT}$")
    ax.set_xlabel(f"retraining set size $D'/{DCRIT}$")
    ax.set_ylabel("final test accuracy")
    ax.set_title(f"Ungrokking: a grokked model retrained on $D'$ examples\nloses it below ${DCRIT}$, "
                 r"whatever the weight decay $\lambda$")
    ax.legend(loc="upper left")
    return fig


# --- semi-grokking ----------------------------------------------------------------------------------------
SUB_RULE_CRITICAL = (50.0, 75.0, 100.0, 150.0, 200.0)  # total-data critical sizes of K = 5 sub-rules


@figure("semi_grokking", "test accuracy vs steps for a task of 5 sub-rules with different critical sizes",
        source=f"{TC}; Varma et al. 2023 §4 (semi-grokking: delayed, partial, several plateaus)",
        settings={"sub_rule_critical_sizes": SUB_RULE_CRITICAL, "data_sizes": (60, 120, 180, 260),
                  "weight_decay": 0.01})
def semi_grokking(fast: bool) -> dict:
    k = len(SUB_RULE_CRITICAL)
    sizes = np.array([60.0, 120.0, 180.0, 260.0])
    t = np.concatenate([[0.0], np.geomspace(1e-1, 1e5, 120 if fast else 400)])
    out = {"t": t, "data_size": sizes}

    def sub_rule(n: float, n_crit: float) -> np.ndarray:
        # Sub-rule k sees n/K examples and has D_crit,k = c_g,k / c_m = n_crit,k / K.
        tr = simulate(SQUARED_LOSS, t[-1], {"D": n / k, "c_g": C_M * n_crit / k}, n_points=len(t))
        return np.interp(t, tr.t, tr.observables["test_accuracy"])

    curves = np.array(sweep(sub_rule, grid(n=sizes, n_crit=SUB_RULE_CRITICAL), progress="semi_grokking runs"))
    for i, n in enumerate(sizes):
        out[f"accuracy_{n:g}"] = curves[i * k:(i + 1) * k].mean(axis=0)
    return out


@semi_grokking.plot
def _(d: dict) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(5.5, 3.4))
    for n in d["data_size"]:
        ax.plot(d["t"][1:], d[f"accuracy_{n:g}"][1:], label=f"$D = {n:g}$")
    ax.set_xscale("log")
    ax.set_xlabel("optimizer steps")
    ax.set_ylabel("test accuracy")
    crit = ", ".join(f"{c:g}" for c in SUB_RULE_CRITICAL)
    ax.set_title(f"Semi-grokking: five sub-rules with ${DCRIT}$ = {crit};\n"
                 "each plateau is one more sub-rule grokked")
    ax.legend(loc="upper left")
    return fig


# --- delay laws -----------------------------------------------------------------------------------------------
def _grok_times(data_ratio: np.ndarray, lam: np.ndarray, horizon: float) -> np.ndarray:
    values = model_values(1.0, 0.0, 1.0, 0.1)
    values.update(D=np.asarray(data_ratio) * CRITICAL_DATA_SIZE, lam=np.asarray(lam))
    return integrate_ensemble(SQUARED_LOSS, values, horizon, events=HALF).events["t_generalize"]


def _predicted(data_ratio: np.ndarray, lam: np.ndarray) -> np.ndarray:
    v = model_values(1.0, 0.0, 1.0, 0.1, m0=1e-2, g0=1e-6)
    v.update(D=np.asarray(data_ratio) * CRITICAL_DATA_SIZE, lam=np.asarray(lam))
    keys = ["m0", "g0", "y", "lam", "c_m", "c_g", "D", "eta_m", "eta_g"]
    return evaluate("grokking.t_generalize", **{k: v[k] for k in keys})


@figure("delay_law", "time to generalize vs 1/weight decay, and vs D/D_crit - 1 (divergence at D_crit)",
        source=f"{TC}; Omnigrok / Varma delay ~ log(norm ratio)/(eta lam)", settings={"horizon": 2e6})
def delay_law(fast: bool) -> dict:
    lam = np.geomspace(1e-3, 3e-2, 8 if fast else 15)  # lam c_m D < y: the memorizer fits first
    excess = np.geomspace(0.02, 10, 8 if fast else 15)
    dense = np.geomspace(1e-3, 10, 300)  # the closed form is cheap: a smooth curve into the divergence
    return {
        "lam": lam, "t_vs_lam": _grok_times(2.0, lam, 2e6), "pred_vs_lam": _predicted(2.0, lam),
        "excess": excess, "t_vs_ratio": _grok_times(1 + excess, 0.01, 2e6),
        "pred_vs_ratio": _predicted(1 + excess, 0.01), "excess_dense": dense, "pred_dense": _predicted(1 + dense, 0.01),
    }


@delay_law.plot
def _(d: dict) -> plt.Figure:
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.4), layout="constrained")
    axes[0].loglog(1 / d["lam"], d["pred_vs_lam"], label="closed form")
    axes[0].loglog(1 / d["lam"], d["t_vs_lam"], "o", ms=4, label="simulation")
    axes[0].set_xlabel(r"$1/\lambda$ (inverse weight decay)")
    axes[0].set_title(rf"delay $\propto 1/\lambda$ at $D = 2\,{DCRIT}$")
    # Linear in the excess: the divergence at D = D_crit is in view, with its asymptote.
    divergent_line(axes[1], d["excess_dense"], d["pred_dense"], at=0.0, label="closed form")
    axes[1].plot(d["excess"], d["t_vs_ratio"], "o", ms=4, color="C1", label="simulation")
    asymptote(axes[1], 0.0, f"$D = {DCRIT}$")
    axes[1].set_yscale("log")
    axes[1].set_xlim(-1.0, 3.0)
    axes[1].text(-0.5, 1e4, "no grokking\nbelow " + f"${DCRIT}$", ha="center", va="center", color="0.3")
    axes[1].set_title(r"divergence as $D \to D_{\rm crit}$ ($\lambda = 0.01$)")
    axes[2].loglog(d["excess_dense"], d["pred_dense"], label="closed form")
    axes[2].loglog(d["excess"], d["t_vs_ratio"], "o", ms=4, label="simulation")
    axes[2].set_xlim(1e-2, 12)
    axes[2].set_title(r"the same, log-log: slope $-1$, $t \propto 1/(D - D_{\rm crit})$")
    for ax in axes[1:]:
        ax.set_ylim(3e2, 1e6)
        ax.set_xlabel(f"$D/{DCRIT} - 1$")
    for ax in axes:
        ax.set_ylabel("steps to generalize")
    axes[0].legend(loc="upper left")
    axes[2].legend(loc="lower left")
    return fig


# --- Power et al.: steps vs training fraction -----------------------------------------------------------
TOTAL = 400.0  # examples in the full table: D_crit is then 12.5% of it
POWER_LAM = 0.01


def _memorizer_alone_train_accuracy(fraction: float | np.ndarray) -> float | np.ndarray:
    """Train accuracy at the memorizer's stationary margin: what training reaches before the generalizer."""
    z = evaluate("grokking.memorizing_margin", y=Y, lam=POWER_LAM, c_m=C_M, D=np.asarray(fraction) * TOTAL)
    return evaluate("circuits.soft_accuracy", z=z, y=Y, sigma=SIGMA)


@figure("power_steps", "steps to 99% train and test accuracy vs training fraction",
        source=f"{TC}; Power et al. 2022 arXiv 2201.02177 Fig. 1 (centre)", settings={"table_size": TOTAL})
def power_steps(fast: bool) -> dict:
    crit = CRITICAL_DATA_SIZE / TOTAL
    # Evenly spaced, plus a geometric approach to D_crit where the steps to generalize diverge.
    fraction = np.union1d(crit * (1 + np.geomspace(0.02, 0.3, 5 if fast else 12)),
                          np.linspace(0.17, 0.9, 20 if fast else 50))
    values = model_values(1.0, POWER_LAM, 1.0, 0.1)
    values["D"] = fraction * TOTAL
    events = {"train": Event("train_accuracy", 0.99, +1), "test": Event("test_accuracy", 0.99, +1)}
    res = integrate_ensemble(SQUARED_LOSS, values, 1e6, events=events)
    # Weight decay holds the memorizer's margin below y, the more so the more data it must store: past this
    # fraction it alone cannot reach 99% train accuracy, and 99% waits for the generalizer.
    limit = brentq(lambda x: _memorizer_alone_train_accuracy(x) - 0.99, fraction[0], fraction[-1], xtol=1e-10)
    return {"fraction": fraction, "train_steps": res.events["train"], "test_steps": res.events["test"],
            "memorizer_limit_fraction": np.array(limit)}


@power_steps.plot
def _(d: dict) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(5, 3.6), layout="constrained")
    crit, limit = CRITICAL_DATA_SIZE / TOTAL, float(d["memorizer_limit_fraction"])
    divergent_line(ax, d["fraction"], d["test_steps"], at=crit, label="steps to 99% test accuracy")
    # The train curve jumps at the limit (a different circuit has to get it to 99%): not joined across it.
    right = d["fraction"] > limit
    train = ax.plot(d["fraction"][~right], d["train_steps"][~right], label="steps to 99% train accuracy")
    ax.plot(d["fraction"][right], d["train_steps"][right], color=train[0].get_color())
    asymptote(ax, crit, f"${DCRIT}$")
    ax.axvline(limit, color="0.2", lw=0.9, ls=":",
               label="right of this line the memorizer alone stays below 99% train\n"
                     "accuracy (weight decay): 99% waits for the generalizer")
    ax.set_yscale("log")
    ax.set_ylim(5, 1e6)
    ax.set_xlabel("training data fraction")
    ax.set_ylabel("optimizer steps")
    ax.set_title("Less data: far more optimization to generalize,\n"
                 f"diverging at ${DCRIT}$ (fraction {crit:g})")
    fig.legend(loc="outside lower center")
    return fig


# --- phase diagrams ------------------------------------------------------------------------------------
LIU_COLOURS = ("#bbbbbb", "#E69F00", "#56B4E9", "#009E73")  # confusion, memorization, grokking, comprehension
LIU_HORIZON = 1e5


@figure("liu_phase_diagram",
        "this model's analogue of Liu et al.'s phase diagram over (data size, weight decay): confusion, "
        "memorization, grokking, comprehension",
        source=f"{TC}; phase names from Liu et al. 2022 arXiv 2205.10343, whose axes are decoder learning rate "
               "and weight decay, not data size", settings={"horizon": LIU_HORIZON, "grid": 64})
def liu(fast: bool) -> dict:
    n = 40 if fast else 64  # edges are interpolated between runs (liu_layers): a coarse grid suffices
    out = liu_phase_diagram(np.geomspace(0.2, 100, n), np.geomspace(1e-4, 1, n), horizon=LIU_HORIZON)
    out["comprehension_ratio_no_decay"] = np.array(
        evaluate("grokking.comprehension_data_size", m0=1e-2, g0=1e-6, y=Y, c_m=C_M, c_g=C_G, eta_m=1.0, eta_g=0.1)
        / CRITICAL_DATA_SIZE)
    return out


def _fit_field(t: np.ndarray, fit_weight_decay: np.ndarray, lam: np.ndarray, beyond: np.ndarray) -> np.ndarray:
    """Positive where a circuit reaches y/2 within the horizon, negative where not, continuous across its edges.

    Where the circuit cannot fit at all its time diverges between two runs: there the field is the
    registered form's log(lam_fit / lam) (the runs agree with it to a grid cell: tests/test_figures.py).
    Elsewhere it is -log10(t / horizon); a run that never got there reads ``beyond``, its time past the
    horizon (at most ten horizons, and never less than the horizon, so that no run changes its phase).
    """
    past = np.clip(np.nan_to_num(beyond, nan=np.inf), 1.001 * LIU_HORIZON, 10 * LIU_HORIZON)
    inside = -np.log10(np.where(np.isfinite(t), t, past) / LIU_HORIZON)
    analytic = np.log(fit_weight_decay / lam)
    return np.where(np.isfinite(t) | (analytic >= 0), np.minimum(inside, analytic), analytic)


def _grokking_time_past_horizon(t_generalizer: np.ndarray, data_ratio: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """The closed-form grokking time (grokking.t_generalize) where a run never generalized but the form
    applies (D > D_crit, memorizer fits), NaN elsewhere: it places the horizon edge between runs."""
    dd, ll = np.broadcast_arrays(data_ratio * CRITICAL_DATA_SIZE, lam)
    applies = ~np.isfinite(t_generalizer) & (dd > CRITICAL_DATA_SIZE) & (ll * C_M * dd < Y)
    out = np.full(dd.shape, np.nan)
    out[applies] = evaluate("grokking.t_generalize", m0=1e-2, g0=1e-6, y=Y, lam=ll[applies], c_m=C_M, c_g=C_G,
                            D=dd[applies], eta_m=1.0, eta_g=0.1)
    return out


def _smooth(field: np.ndarray, passes: tuple[int, int]) -> np.ndarray:
    """Repeated (1, 2, 1)/4 averages along each grid axis (edges repeated): binomial smoothing."""
    for axis, n in enumerate(passes):
        for _ in range(n):
            padded = np.moveaxis(np.pad(np.moveaxis(field, axis, 0), ((1, 1), (0, 0)), mode="edge"), 0, axis)
            lo, mid, hi = (np.take(padded, range(k, k + field.shape[axis]), axis=axis) for k in range(3))
            field = (lo + 2 * mid + hi) / 4
    return field


def _fit_edges(data_ratio: np.ndarray) -> tuple[np.ndarray, float]:
    """Weight decays above which the memorizer (per data size) and the generalizer alone cannot fit."""
    return (evaluate("grokking.memorizer_fit_weight_decay", y=Y, c_m=C_M, D=data_ratio * CRITICAL_DATA_SIZE),
            evaluate("grokking.generalizer_fit_weight_decay", y=Y, c_g=C_G))


def liu_layers(d: dict) -> list[tuple[np.ndarray, int]]:
    """(field, phase) pairs painted in order where field > 0: the classification of
    derivations.grokking.phases.classify_liu as continuous fields, so that filled contours place the
    phase edges between runs instead of drawing one coloured cell per run. Layers: the memorizer fits;
    neither fits; the generalizer fits (comprehension unless grokking); grokking."""
    r, lam = d["data_ratio"][None, :], d["weight_decay"][:, None]
    t_m, t_g = d["t_memorizer"], d["t_generalizer"]
    mem_edge, gen_edge = _fit_edges(r)
    mem = _fit_field(t_m, mem_edge, lam, np.full(t_m.shape, np.inf))
    gen = _fit_field(t_g, gen_edge, lam, _grokking_time_past_horizon(t_g, r, lam))
    # Which circuit got there first jumps (once the generalizer is first, the memorizer never fits): a
    # +-1 field, smoothed over neighbouring runs, puts that edge between runs without grid-cell steps;
    # more along weight decay, where the edge is nearly parallel to the axis and rounds to whole cells.
    # It implies that the memorizer fitted, so grokking needs only the memorizer's analytic edge besides.
    first = _smooth(np.where(t_g > t_m, 1.0, -1.0), passes=(4, 1))
    grokking = np.minimum.reduce([np.log(mem_edge / lam), gen, first])
    return [(mem, 1), (-np.maximum(mem, gen), 0), (gen, 3), (grokking, 2)]


@liu.plot
def _(d: dict) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(7.4, 4), layout="constrained")
    r, lam = d["data_ratio"], d["weight_decay"]
    for field, phase in liu_layers(d):
        ax.contourf(r, lam, field, levels=[0, np.inf], colors=[LIU_COLOURS[phase]], antialiased=False)
    mem_edge, gen_edge = _fit_edges(r)
    edges = [
        (mem_edge, "k--",
         r"$\lambda = y/(c_m D)$: the memorizer alone cannot fit"),
        (np.full_like(r, gen_edge), "k:",
         r"$\lambda = y/c_g$: the generalizer alone cannot fit"),
    ]
    handles = []
    for values, style, label in edges:
        handles += ax.plot(r, values, style, lw=0.9, label=label)
    handles.append(ax.axvline(1.0, color="k", lw=0.9, label=f"$D = {DCRIT}$"))
    handles.append(ax.axvline(float(d["comprehension_ratio_no_decay"]), color="k", ls="-.", lw=0.9,
                              label=r"comprehension size at $\lambda \to 0$"))
    handles += [Patch(color=c, label=name) for c, name in zip(LIU_COLOURS, LIU_PHASES)]
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(r[0], r[-1])
    ax.set_ylim(lam[0], lam[-1])
    ax.set_xlabel(f"training set size $D/{DCRIT}$")
    ax.set_ylabel(r"weight decay $\lambda$")
    ax.set_title("Phases of the two-circuit model over data size and weight decay\n"
                 r"(this model's analogue of Liu et al. 2022, who vary learning rate and $\lambda$)")
    fig.legend(handles=handles, loc="outside right center", title=f"first circuit to margin $y/2$\n"
               f"within $10^{{{np.log10(LIU_HORIZON):.0f}}}$ steps")
    return fig


HUANG_DATA = (2600.0, 3000.0, 4000.0, 5000.0)
HUANG_COLOURS = ("#009E73", "#bbbbbb", "#56B4E9", "#E69F00")  # progression, ungrokking, grokking, semi-grokking


@figure("huang_phase_diagram", "zones over (model size, data size) and validation vs model size for several D",
        source="Huang et al. 2024 arXiv 2402.15175 Figs. 1 and 6 (illustrative curve constants)",
        settings={"setting": repr(HuangSetting()), "data_sizes": HUANG_DATA, "harder_task": 1.5})
def huang(fast: bool) -> dict:
    n = 60 if fast else 150
    sizes = np.geomspace(4, 300, n)
    data = np.geomspace(1000, 12000, n)
    grid = huang_equilibrium(sizes, data)
    curves = huang_equilibrium(sizes, np.array(HUANG_DATA))
    harder = huang_equilibrium(sizes, np.array(HUANG_DATA), HuangSetting(difficulty=1.5))
    cv = HuangSetting().curve_values()
    # The zone rule is a closed form, cheap on a grid fine enough that its edges show no cell steps.
    zone_sizes, zone_data = np.geomspace(4, 300, 4 * n), np.geomspace(1000, 12000, 4 * n)
    return {"model_size": sizes, "data_size": data, "zone_model_size": zone_sizes, "zone_data_size": zone_data,
            "zone": huang_zone(zone_sizes, zone_data).astype(np.int8), "validation": grid["validation"],
            "curves": curves["validation"], "harder": harder["validation"],
            "star": np.array([evaluate(f"huang.crossing_{k}_size", **cv) for k in ("model", "data")]),
            "d_mem": evaluate("huang.memorization_capacity", A_mem=cv["A_mem"], M=sizes, mu=cv["mu"]),
            "d_crit": evaluate("huang.critical_data_size", B_crit=cv["B_crit"], M=sizes, nu=cv["nu"])}


@huang.plot
def _(d: dict) -> plt.Figure:
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2), layout="constrained")
    axes[0].pcolormesh(d["zone_model_size"], d["zone_data_size"], d["zone"], cmap=ListedColormap(HUANG_COLOURS),
                       vmin=-0.5, vmax=3.5, shading="nearest", rasterized=True)
    mesh = axes[1].pcolormesh(d["model_size"], d["data_size"], d["validation"], cmap="viridis", shading="gouraud",
                              rasterized=True)
    fig.colorbar(mesh, ax=axes[1], label="equilibrium validation accuracy")
    for ax in axes[:2]:
        ax.plot(d["model_size"], d["d_mem"], "k-", lw=1)
        ax.plot(d["model_size"], d["d_crit"], "k--", lw=1)
        ax.plot(*d["star"], "k*", ms=10)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_ylim(d["data_size"][0], d["data_size"][-1])
        ax.set_xlabel("model size $M$")
        ax.set_ylabel("training data size $D$")
    axes[0].set_title("zones (Huang et al.'s rule)")
    axes[1].set_title("equilibrium of the cross-entropy model")
    handles = [Line2D([], [], color="k", lw=1, label=r"memorization capacity $D_{\rm mem}(M)$"),
               Line2D([], [], color="k", lw=1, ls="--", label=rf"critical data size ${DCRIT}(M)$"),
               Line2D([], [], color="k", marker="*", ms=10, ls="", label="crossing $(M^*, D^*)$"),
               *(Patch(color=c, label=name) for c, name in zip(HUANG_COLOURS, HUANG_ZONES))]
    fig.legend(handles=handles, loc="outside lower center", ncol=7)
    d_star = d["star"][1]
    for i, dsize in enumerate(HUANG_DATA):
        side = "<" if dsize < d_star else ">"
        line, = axes[2].plot(d["model_size"], d["curves"][i], label=f"$D = {dsize:g}$ ({side} $D^*$)")
        axes[2].plot(d["model_size"], d["harder"][i], ls=":", color=line.get_color())
    axes[2].set_xscale("log")
    axes[2].set_xlabel("model size $M$")
    axes[2].set_ylabel("validation accuracy")
    axes[2].set_title(f"model-wise double descent: deep dip below $D^* = {d_star:.0f}$,\n"
                      "shallow above (dotted: harder task)")
    axes[2].legend(loc="lower left")
    return fig


HUANG_EXAMPLES = {"progression": (16.0, 3000.0), "ungrokking": (32.0, 2600.0), "grokking": (100.0, 4000.0),
                  "semi-grokking": (64.0, 3000.0)}


@figure("huang_dynamics", "train/validation accuracy and total norm vs steps in the four zones",
        source="Huang et al. 2024 arXiv 2402.15175 Figs. 2 and 9 (cross-entropy two-circuit model)",
        settings={"examples": HUANG_EXAMPLES, "steps": 3e6, "setting": repr(HuangSetting())})
def huang_dynamics(fast: bool) -> dict:
    out = {}
    for zone, (size, data) in HUANG_EXAMPLES.items():
        values = {k: float(v) for k, v in huang_model_values(np.array(size), np.array(data)).items()}
        tr = simulate(CROSS_ENTROPY, 3e6, values, n_points=150 if fast else 400)
        out["t"] = tr.t
        out[f"{zone}_train"] = tr.observables["train_accuracy"]
        out[f"{zone}_validation"] = tr.observables["test_accuracy"]
        out[f"{zone}_norm"] = np.hypot(tr.observables["generalizing_norm"], tr.observables["memorizing_norm"])
    return out


@huang_dynamics.plot
def _(d: dict) -> plt.Figure:
    fig, axes = plt.subplots(2, 4, figsize=(12, 5), sharex=True, sharey="row", layout="constrained")
    t = d["t"][1:]
    for col, (zone, (size, data)) in enumerate(HUANG_EXAMPLES.items()):
        axes[0, col].plot(t, d[f"{zone}_train"][1:], label="train")
        axes[0, col].plot(t, d[f"{zone}_validation"][1:], label="validation")
        axes[0, col].set_title(f"{zone}: $M = {size:g}$, $D = {data:g}$")
        axes[0, col].set_ylim(-0.03, 1.03)
        axes[1, col].plot(t, d[f"{zone}_norm"][1:], color="0.3")
        axes[1, col].set_xscale("log")
        axes[1, col].set_xlabel("steps")
    axes[0, 0].set_ylabel("accuracy\n(probability of the correct class)")
    axes[1, 0].set_ylabel("total circuit norm")
    axes[0, 0].legend(loc="lower right")
    fig.suptitle("Progression: norm rises as validation improves; grokking: norm falls at the switch")
    return fig
