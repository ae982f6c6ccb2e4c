"""Grokking-family figures from the two-circuit models: curves, ungrokking, semi-grokking, delay laws,
Power-style data efficiency, and the Liu and Huang phase diagrams."""

from __future__ import annotations

import numpy as np
from matplotlib import pyplot as plt
from matplotlib.colors import ListedColormap

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
from figures.registry import figure
from theory.dynamics import CROSS_ENTROPY, SQUARED_LOSS

TC = "two-circuit squared-loss model after Varma et al. 2023 arXiv 2309.02390"
HALF = {"t_generalize": Event("test_accuracy", 0.5, +1)}


# --- grokking curves ---------------------------------------------------------------------------------
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
    fig, axes = plt.subplots(1, 3, figsize=(10, 3.2))
    t = d["t"][1:]
    panels = [("accuracy", ["train_accuracy", "test_accuracy"]), ("loss", ["train_loss", "test_loss"]),
              ("circuit", ["memorizing_margin", "generalizing_margin", "norm"])]
    for ax, (title, keys) in zip(axes, panels):
        for k in keys:
            ax.plot(t, d[k][1:], label=k.replace("_", " "))
        for e in d["events"]:
            ax.axvline(e, color="0.6", lw=0.8, ls=":")
        ax.set_xscale("log")
        ax.set_xlabel("optimizer steps")
        ax.set_title(title)
        ax.legend()
    axes[1].set_yscale("log")
    axes[2].set_yscale("log")
    fig.suptitle("Grokking: memorize at ~10 steps, generalize at ~6000 (dotted: event times)")
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
    fig, axes = plt.subplots(1, 4, figsize=(12, 3.0))
    t = d["t"][1:]
    axes[0].plot(t, d["full_train_loss"][1:], label="train loss")
    axes[0].plot(t, d["full_test_loss"][1:], label="test loss")
    axes[1].plot(t, d["full_w_G"][1:], label="w_G (generalizing)")
    axes[1].plot(t, d["full_w_M"][1:], label="w_M (memorizing)")
    axes[2].plot(t, d["full_generalizing_norm"][1:], label="generalizing norm")
    axes[2].plot(t, d["full_memorizing_norm"][1:], label="memorizing norm")
    axes[3].plot(t, d["full_test_loss"][1:], label="all three ingredients")
    axes[3].plot(t, d["equal_speed_test_loss"][1:], label="equal learning speed: no delay")
    axes[3].plot(t, d["inefficient_test_loss"][1:], label="less efficient generalizer: no grokking")
    titles = ["losses", "circuit strengths", "parameter norms", "ablations (test loss)"]
    for ax, title in zip(axes, titles):
        ax.set_xscale("log")
        ax.set_xlabel("steps")
        ax.set_title(title)
        ax.legend(loc="lower left" if ax is axes[3] else "best")
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
        ax.plot(d["retrain_ratio"], d[f"accuracy_{lam:g}"], ls=ls, label=f"weight decay {lam:g}")
    ax.axvline(1.0, color="0.5", lw=0.8)
    ax.set_xlabel("retraining set size D' / D_crit")
    ax.set_ylabel("final test accuracy")
    ax.set_title("Ungrokking: sharp drop at D_crit, independent of weight decay")
    ax.legend()
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
        ax.plot(d["t"][1:], d[f"accuracy_{n:g}"][1:], label=f"D = {n:g}")
    ax.set_xscale("log")
    ax.set_xlabel("optimizer steps")
    ax.set_ylabel("test accuracy")
    ax.set_title("Semi-grokking: delayed, partial plateaus (sub-rules D_crit = 50..200)")
    ax.legend()
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


@figure("delay_law", "time to generalize vs 1/weight decay, and vs D/D_crit - 1 (critical slowing down)",
        source=f"{TC}; Omnigrok / Varma delay ~ log(norm ratio)/(eta lam)", settings={"horizon": 2e6})
def delay_law(fast: bool) -> dict:
    lam = np.geomspace(1e-3, 3e-2, 8 if fast else 15)  # lam c_m D < y: the memorizer fits first
    excess = np.geomspace(0.02, 10, 8 if fast else 15)
    return {
        "lam": lam, "t_vs_lam": _grok_times(2.0, lam, 2e6), "pred_vs_lam": _predicted(2.0, lam),
        "excess": excess, "t_vs_ratio": _grok_times(1 + excess, 0.01, 2e6),
        "pred_vs_ratio": _predicted(1 + excess, 0.01),
    }


@delay_law.plot
def _(d: dict) -> plt.Figure:
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.3))
    axes[0].loglog(1 / d["lam"], d["pred_vs_lam"], label="closed form")
    axes[0].loglog(1 / d["lam"], d["t_vs_lam"], "o", ms=4, label="simulation")
    axes[0].set_xlabel("1 / weight decay")
    axes[0].set_title("delay ~ 1/lam (D = 2 D_crit)")
    axes[1].loglog(d["excess"], d["pred_vs_ratio"], label="closed form")
    axes[1].loglog(d["excess"], d["t_vs_ratio"], "o", ms=4, label="simulation")
    axes[1].set_xlabel("D / D_crit - 1")
    axes[1].set_title("critical slowing down ~ 1/(D - D_crit) (lam = 0.01)")
    for ax in axes:
        ax.set_ylabel("steps to generalize")
        ax.legend()
    return fig


# --- Power et al.: steps vs training fraction -----------------------------------------------------------
TOTAL = 400.0  # examples in the full table: D_crit is then 12.5% of it


@figure("power_steps", "steps to 99% train and test accuracy vs training fraction",
        source=f"{TC}; Power et al. 2022 arXiv 2201.02177 Fig. 1 (centre)", settings={"table_size": TOTAL})
def power_steps(fast: bool) -> dict:
    fraction = np.linspace(0.13, 0.9, 20 if fast else 50)
    values = model_values(1.0, 0.01, 1.0, 0.1)
    values["D"] = fraction * TOTAL
    events = {"train": Event("train_accuracy", 0.99, +1), "test": Event("test_accuracy", 0.99, +1)}
    res = integrate_ensemble(SQUARED_LOSS, values, 1e6, events=events)
    return {"fraction": fraction, "train_steps": res.events["train"], "test_steps": res.events["test"]}


@power_steps.plot
def _(d: dict) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(5, 3.4))
    ax.semilogy(d["fraction"], d["test_steps"], label="steps to 99% test accuracy")
    ax.semilogy(d["fraction"], d["train_steps"], label="steps to 99% train accuracy")
    ax.axvline(CRITICAL_DATA_SIZE / TOTAL, color="0.5", lw=0.8, ls=":")
    ax.set_xlabel("training data fraction")
    ax.set_ylabel("optimizer steps")
    ax.set_title("Less data: far more optimization to generalize")
    ax.legend()
    return fig


# --- phase diagrams ------------------------------------------------------------------------------------
@figure("liu_phase_diagram", "phases over (data size, weight decay): confusion, memorization, grokking, comprehension",
        source=f"{TC}; Liu et al. 2022 arXiv 2205.10343 phase diagram", settings={"horizon": 1e5, "grid": 100})
def liu(fast: bool) -> dict:
    n = 40 if fast else 100
    out = liu_phase_diagram(np.geomspace(0.2, 100, n), np.geomspace(1e-4, 1, n))
    out["comprehension_ratio_no_decay"] = np.array(
        evaluate("grokking.comprehension_data_size", m0=1e-2, g0=1e-6, y=Y, c_m=C_M, c_g=C_G, eta_m=1.0, eta_g=0.1)
        / CRITICAL_DATA_SIZE)
    return out


@liu.plot
def _(d: dict) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(5.6, 4))
    cmap = ListedColormap(["#bbbbbb", "#E69F00", "#56B4E9", "#009E73"])
    ax.pcolormesh(d["data_ratio"], d["weight_decay"], d["phase"], cmap=cmap, vmin=-0.5, vmax=3.5, shading="nearest")
    r = d["data_ratio"]
    memorizer_edge = evaluate("grokking.memorizer_fit_weight_decay", y=Y, c_m=C_M, D=r * CRITICAL_DATA_SIZE)
    ax.plot(r, memorizer_edge, "k--", lw=0.9, label="lam = y/(c_m D): memorizer cannot fit")
    ax.axvline(1.0, color="k", lw=0.9, label="D = D_crit")
    ax.axhline(evaluate("grokking.generalizer_fit_weight_decay", y=Y, c_g=C_G), color="k", ls=":", lw=0.9,
               label="lam = y/c_g: generalizer cannot fit")
    ax.axvline(float(d["comprehension_ratio_no_decay"]), color="k", ls="-.", lw=0.9, label="comprehension size (lam=0)")
    for i, name in enumerate(LIU_PHASES):
        ax.plot([], [], "s", color=cmap(i), label=name)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_ylim(d["weight_decay"][0], d["weight_decay"][-1])
    ax.set_xlabel("D / D_crit")
    ax.set_ylabel("weight decay")
    ax.legend(fontsize=6, loc="lower left", frameon=True, framealpha=0.9)
    return fig


HUANG_DATA = (2600.0, 3000.0, 4000.0, 5000.0)


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
    return {"model_size": sizes, "data_size": data, "zone": huang_zone(sizes, data), "validation": grid["validation"],
            "curves": curves["validation"], "harder": harder["validation"],
            "star": np.array([evaluate(f"huang.crossing_{k}_size", **cv) for k in ("model", "data")]),
            "d_mem": evaluate("huang.memorization_capacity", A_mem=cv["A_mem"], M=sizes, mu=cv["mu"]),
            "d_crit": evaluate("huang.critical_data_size", B_crit=cv["B_crit"], M=sizes, nu=cv["nu"])}


@huang.plot
def _(d: dict) -> plt.Figure:
    fig, axes = plt.subplots(1, 3, figsize=(14, 3.8), layout="constrained")
    cmap = ListedColormap(["#009E73", "#bbbbbb", "#56B4E9", "#E69F00"])
    axes[0].pcolormesh(d["model_size"], d["data_size"], d["zone"], cmap=cmap, vmin=-0.5, vmax=3.5, shading="nearest")
    mesh = axes[1].pcolormesh(d["model_size"], d["data_size"], d["validation"], cmap="viridis", shading="nearest")
    fig.colorbar(mesh, ax=axes[1], label="equilibrium validation accuracy")
    for ax in axes[:2]:
        ax.plot(d["model_size"], d["d_mem"], "k-", lw=1, label="memorization capacity D_mem(M)")
        ax.plot(d["model_size"], d["d_crit"], "k--", lw=1, label="critical data size D_crit(M)")
        ax.plot(*d["star"], "k*", ms=10, label="crossing (M*, D*)")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_ylim(d["data_size"][0], d["data_size"][-1])
        ax.set_xlabel("model size M")
        ax.set_ylabel("training data size D")
    for i, name in enumerate(HUANG_ZONES):
        axes[0].plot([], [], "s", color=cmap(i), label=name)
    axes[0].legend(fontsize=6, loc="upper right", frameon=True, framealpha=0.9)
    for i, dsize in enumerate(HUANG_DATA):
        line, = axes[2].plot(d["model_size"], d["curves"][i], label=f"D = {dsize:g}")
        axes[2].plot(d["model_size"], d["harder"][i], ls=":", color=line.get_color())
    axes[2].set_xscale("log")
    axes[2].set_xlabel("model size M")
    axes[2].set_ylabel("validation accuracy")
    axes[2].set_title("model-wise double descent below D* (dotted: harder task)")
    axes[2].legend()
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
    fig, axes = plt.subplots(2, 4, figsize=(12, 5), sharex=True)
    t = d["t"][1:]
    for col, (zone, (size, data)) in enumerate(HUANG_EXAMPLES.items()):
        axes[0, col].plot(t, d[f"{zone}_train"][1:], label="train")
        axes[0, col].plot(t, d[f"{zone}_validation"][1:], label="validation")
        axes[0, col].set_title(f"{zone}: M = {size:g}, D = {data:g}")
        axes[0, col].set_ylim(-0.03, 1.03)
        axes[1, col].plot(t, d[f"{zone}_norm"][1:], color="0.3")
        axes[1, col].set_xscale("log")
        axes[1, col].set_xlabel("steps")
    axes[0, 0].set_ylabel("accuracy (probability of the correct class)")
    axes[1, 0].set_ylabel("total circuit norm")
    axes[0, 0].legend()
    fig.suptitle("Progression: norm rises as validation improves; grokking: norm falls at the switch")
    return fig
