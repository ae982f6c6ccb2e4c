"""Scaling-law figures: the Chinchilla runs with the fitted law, isoFLOP curves, compute-optimal frontiers with
bootstrap bands, tokens per parameter vs compute, and the four-term error decomposition."""

from __future__ import annotations

from functools import cache

import numpy as np
from matplotlib import pyplot as plt
from matplotlib.colors import LogNorm

from derivations.evaluate import evaluate
from derivations.scaling import fit
from figures.registry import figure
from theory.decomposition import four_term
from theory.scaling import BESIROGLU, CHINCHILLA_SETS, HOFFMANN

SETS = tuple(CHINCHILLA_SETS)
LABELS = {"hoffmann_rounded": "Hoffmann (rounded)", "hoffmann_unrounded": "Hoffmann (unrounded)",
          "besiroglu2024": "Besiroglu et al. 2024", "fit": "this fit"}
BOOTSTRAP = {"fast": 40, "full": 400}
CHINCHILLA_C = 6 * 70e9 * 1.4e12
ISOFLOP_BUDGETS = (6e18, 1e19, 3e19, 6e19, 1e20, 3e20, 6e20, 1e21, 3e21)
"""Hoffmann et al.'s nine isoFLOP budgets (Approach 2)."""


@cache
def _fitted(fast: bool) -> tuple[fit.RunData, np.ndarray, np.ndarray]:
    """Runs, the grid-fit parameters (log-space row) and seeded bootstrap refits (shared by the figures)."""
    runs = fit.read_runs(fit.DATA_FILE)
    grid = fit.fit_grid(runs, fit.grid_starts(5 if fast else 1))
    draws = fit.bootstrap(runs, grid.theta, BOOTSTRAP["fast" if fast else "full"], seed=0)
    return runs, grid.theta, draws


def _values(name: str, theta: np.ndarray | None = None) -> dict[str, float]:
    if theta is not None:
        return {k: float(v) for k, v in fit.natural_params(theta).items()}
    return dict(CHINCHILLA_SETS[name].values)


def _alloc(p: dict) -> dict:
    return {k: p[k] for k in ("A", "B", "alpha", "beta")}


# --- data with the fitted law ------------------------------------------------------------------------------------
@figure("scaling_fit_data", "Chinchilla runs (loss vs parameters, coloured by compute) with the fitted law",
        source=f"{BESIROGLU}, data from {HOFFMANN} Fig. 4; fit as in the replication",
        settings={"huber_delta": fit.HUBER_DELTA, "drop_highest": fit.DROP_HIGHEST, "grid_stride_fast": 5})
def scaling_fit_data(fast: bool) -> dict:
    runs, theta, _ = _fitted(fast)
    p = _values("fit", theta)
    n = np.exp(runs.log_N)
    compute = 6 * n * np.exp(runs.log_D)
    budgets = np.array([1e18, 1e19, 1e20, 1e21, 1e22])
    grid_n = np.logspace(7.5, 10.5, 120)
    curves = evaluate("scaling.chinchilla_loss", N=grid_n[None, :], D=budgets[:, None] / (6 * grid_n[None, :]), **p)
    fitted = evaluate("scaling.chinchilla_loss", N=n, D=np.exp(runs.log_D), **p)
    return {"N": n, "C": compute, "loss": np.exp(runs.log_L), "fitted": fitted, "budgets": budgets,
            "curve_N": grid_n, "curves": curves, "params": np.array([p[k] for k in ("A", "B", "E", "alpha", "beta")])}


@scaling_fit_data.plot
def _(d: dict) -> plt.Figure:
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), layout="constrained")
    norm = LogNorm(1e18, 1e22)
    cmap = plt.get_cmap("viridis")
    ax = axes[0]
    sc = ax.scatter(d["N"], d["loss"], c=d["C"], cmap=cmap, norm=norm, s=10, label="runs")
    for c, curve in zip(d["budgets"], d["curves"]):
        ax.plot(d["curve_N"], curve, color=cmap(norm(c)), lw=1.0)
    ax.set(xscale="log", xlabel="parameters N", ylabel="final loss (nats/token)", ylim=(1.9, 4.0))
    a, b, e, al, be = d["params"]
    ax.set_title(f"summed-Huber grid fit: E={e:.3f}, A={a:.0f}, B={b:.0f}, alpha={al:.3f}, beta={be:.3f}\n"
                 "lines: fitted law at C = 1e18, 1e19, ..., 1e22 FLOP")
    fig.colorbar(sc, ax=ax, label="training compute C (FLOP)")
    ax = axes[1]
    ax.scatter(d["fitted"], d["loss"], c=d["C"], cmap=cmap, norm=norm, s=10)
    lo, hi = 2.0, 3.5
    ax.plot([lo, hi], [lo, hi], color="0.4", lw=0.8, ls="--")
    ax.set(xlabel="fitted loss", ylabel="observed loss", xlim=(lo, hi), ylim=(lo, hi),
           title="observed vs fitted (240 runs; 5 highest-loss runs dropped)")
    return fig


# --- isoFLOP curves ------------------------------------------------------------------------------------------------
@figure("scaling_isoflop", "loss vs parameters at fixed compute C = 6ND, with the derived compute-optimal N",
        source=f"{HOFFMANN}, §3.2 Approach 2 (isoFLOP profiles, its nine budgets); curves from the parametric fits",
        settings={"budgets": ISOFLOP_BUDGETS, "sets": ["hoffmann_unrounded", "besiroglu2024"]})
def scaling_isoflop(fast: bool) -> dict:
    grid_n = np.logspace(7, 11.5, 80 if fast else 300)
    budgets = np.array(ISOFLOP_BUDGETS)
    out = {"N": grid_n, "budgets": budgets}
    for name in ("hoffmann_unrounded", "besiroglu2024"):
        p = _values(name)
        out[f"{name}_loss"] = evaluate("scaling.chinchilla_loss", N=grid_n[None, :],
                                       D=budgets[:, None] / (6 * grid_n[None, :]), **p)
        out[f"{name}_N_opt"] = evaluate("scaling.compute_optimal_params", C=budgets, **_alloc(p))
        out[f"{name}_L_opt"] = evaluate("scaling.optimal_loss", C=budgets, E=p["E"], **_alloc(p))
    return out


@scaling_isoflop.plot
def _(d: dict) -> plt.Figure:
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), sharey=True, layout="constrained")
    norm = LogNorm(d["budgets"][0], d["budgets"][-1])
    cmap = plt.get_cmap("viridis")
    for ax, name in zip(axes, ("hoffmann_unrounded", "besiroglu2024")):
        for c, curve in zip(d["budgets"], d[f"{name}_loss"]):
            ax.plot(d["N"], curve, color=cmap(norm(c)), lw=1.0)
        ax.plot(d[f"{name}_N_opt"], d[f"{name}_L_opt"], "k.", ms=6, label="N_opt(C) from the Lagrangian")
        ax.set(xscale="log", xlabel="parameters N", title=f"{LABELS[name]}: isoFLOP curves 6e18 ... 3e21 FLOP",
               ylim=(2.0, 4.2))
        ax.legend(loc="upper right")
    axes[0].set_ylabel("predicted loss at C = 6 N D")
    fig.colorbar(plt.cm.ScalarMappable(norm=norm, cmap=cmap), ax=axes, label="compute C (FLOP)")
    return fig


# --- frontier and tokens per parameter -------------------------------------------------------------------------------
def _frontier(fast: bool) -> dict:
    _, theta, draws = _fitted(fast)
    compute = np.logspace(18, 28, 41 if fast else 201)
    out = {"C": compute}
    for name in (*SETS, "fit"):
        p = _values(name, theta if name == "fit" else None)
        for key, formula in (("N_opt", "compute_optimal_params"), ("D_opt", "compute_optimal_tokens"),
                             ("ratio", "tokens_per_param"), ("ratio_product", "product_constraint_tokens_per_param")):
            out[f"{name}_{key}"] = evaluate(f"scaling.{formula}", C=compute, **_alloc(p))
    band = fit.allocation(draws, compute)
    for key, source in (("N_opt", "N_opt"), ("D_opt", "D_opt"), ("ratio", "tokens_per_param")):
        lo_hi = fit.percentile_band(band[source], (10.0, 90.0))
        out[f"fit_{key}_lo"], out[f"fit_{key}_hi"] = lo_hi["10"], lo_hi["90"]
    return out


@figure("scaling_frontier", "compute-optimal N_opt(C) and D_opt(C) per parameter set, with the fit's bootstrap band",
        source=f"{HOFFMANN}, Eq. (4) (derived here); {BESIROGLU}, bootstrap",
        settings={"bootstrap": BOOTSTRAP, "band": "10-90%", "seed": 0})
def scaling_frontier(fast: bool) -> dict:
    return _frontier(fast)


@scaling_frontier.plot
def _(d: dict) -> plt.Figure:
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), layout="constrained")
    for ax, key, label in zip(axes, ("N_opt", "D_opt"), ("parameters N_opt", "tokens D_opt")):
        ax.fill_between(d["C"], d[f"fit_{key}_lo"], d[f"fit_{key}_hi"], color="0.75", label="this fit, 10-90% band")
        for name in (*SETS, "fit"):
            ax.plot(d["C"], d[f"{name}_{key}"], label=LABELS[name], ls="--" if name == "fit" else "-")
        ax.set(xscale="log", yscale="log", xlabel="training compute C (FLOP)", ylabel=label,
               title=f"compute-optimal {label} (C = 6 N D)")
        ax.legend()
    return fig


@figure("scaling_tokens_per_param", "D_opt/N_opt vs compute per parameter set; the N D = C variant; the '20' rule",
        source=f"{BESIROGLU}, tokens-per-parameter figure; {HOFFMANN} Approaches 1-2 for '20 tokens per parameter'",
        settings={"bootstrap": BOOTSTRAP, "band": "10-90%", "seed": 0})
def scaling_tokens_per_param(fast: bool) -> dict:
    return _frontier(fast)


@scaling_tokens_per_param.plot
def _(d: dict) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    ax.fill_between(d["C"], d["fit_ratio_lo"], d["fit_ratio_hi"], color="0.75", label="this fit, 10-90% band")
    for name in (*SETS, "fit"):
        line, = ax.plot(d["C"], d[f"{name}_ratio"], label=LABELS[name], ls="--" if name == "fit" else "-")
    ax.plot(d["C"], d["besiroglu2024_ratio_product"], color="0.3", ls=":",
            label="Besiroglu et al., constraint N D = C (not a FLOP count)")
    ax.axhline(20, color="k", lw=0.8, ls="--")
    ax.plot([CHINCHILLA_C], [20], "k*", ms=10, label="Chinchilla: 70B params, 1.4T tokens")
    ax.set(xscale="log", yscale="log", xlabel="training compute C (FLOP)", ylabel="tokens per parameter D_opt/N_opt",
           title="'20 tokens/param' holds only near Chinchilla's compute, and only for the refit\n"
                 "(ratio ~ C^((alpha-beta)/(alpha+beta)): constant only if alpha = beta)")
    ax.legend(loc="upper left")
    return fig


# --- the four-term decomposition ------------------------------------------------------------------------------
DECOMPOSITION = {"set": "besiroglu2024", "fixed_D": 2e11, "fixed_N": 1e9, "tokens_per_step": 2.0**21,
                 "sgd_RG": 5.0}
"""The three fitted terms of the replication; an illustrative SGD term R G/sqrt(T), T = D / tokens per step."""


@figure("scaling_decomposition", "noise + approximation + estimation + optimization, stacked, vs N and vs D",
        source=f"Bottou & Bousquet 2007 decomposition; fitted terms from {BESIROGLU}; SGD term illustrative",
        settings=DECOMPOSITION)
def scaling_decomposition(fast: bool) -> dict:
    p = _values(DECOMPOSITION["set"])
    terms = four_term("power_law", "power_law", "sgd", "constant")
    n_grid, d_grid = np.logspace(7, 12, 60 if fast else 200), np.logspace(8, 13, 60 if fast else 200)
    out = {"N": n_grid, "D": d_grid}
    for axis, n, d in (("vs_N", n_grid, DECOMPOSITION["fixed_D"]), ("vs_D", DECOMPOSITION["fixed_N"], d_grid)):
        values = {**p, "N": n, "D": d, "T": np.asarray(d) / DECOMPOSITION["tokens_per_step"], "R_0": 1.0,
                  "G_lip": DECOMPOSITION["sgd_RG"], "E_noise": p["E"]}
        for term, expr in terms.items():
            names = sorted(s.name for s in expr.free_symbols)
            out[f"{axis}_{term}"] = np.broadcast_to(
                _term_value(expr, {k: values[k] for k in names}), (len(n_grid),)).copy()
    return out


def _term_value(expr, values: dict) -> np.ndarray:
    from derivations.compile import compile_expr

    symbols = sorted(expr.free_symbols, key=lambda s: s.name)
    return np.asarray(compile_expr(symbols, expr)(*[values[s.name] for s in symbols]), dtype=float)


@scaling_decomposition.plot
def _(d: dict) -> plt.Figure:
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), sharey=True, layout="constrained")
    order = ("noise", "approximation", "estimation", "optimization")
    labels = {"noise": "noise E (irreducible)", "approximation": "approximation A/N^alpha",
              "estimation": "estimation B/D^beta", "optimization": "optimization R G/sqrt(T) (illustrative)"}
    for ax, axis, x, fixed in ((axes[0], "vs_N", d["N"], f"D = {DECOMPOSITION['fixed_D']:.0e} tokens"),
                               (axes[1], "vs_D", d["D"], f"N = {DECOMPOSITION['fixed_N']:.0e} parameters")):
        ax.stackplot(x, *[d[f"{axis}_{t}"] for t in order], labels=[labels[t] for t in order], alpha=0.85)
        ax.set(xscale="log", xlabel="parameters N" if axis == "vs_N" else "training tokens D",
               title=f"loss decomposition vs {'N' if axis == 'vs_N' else 'D'} at {fixed}", ylim=(0, 4.5))
    axes[0].set_ylabel("loss (nats/token), stacked")
    axes[1].legend(loc="upper right")
    return fig
