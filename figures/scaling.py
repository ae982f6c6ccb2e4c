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
LABELS = {"hoffmann_rounded": "Hoffmann et al. 2022 (rounded)",
          "hoffmann_unrounded": "Hoffmann et al. 2022 (unrounded)", "besiroglu2024": "Besiroglu et al. 2024",
          "fit": "this fit (Huber likelihood)"}
BOOTSTRAP = {"fast": 40, "full": 400}
CHINCHILLA_C = 6 * 70e9 * 1.4e12
ISOFLOP_BUDGETS = (6e18, 1e19, 3e19, 6e19, 1e20, 3e20, 6e20, 1e21, 3e21)
"""Hoffmann et al.'s nine isoFLOP budgets (Approach 2)."""
FIT_DATA = {"budgets_log10": (18.5, 19.0, 19.5, 20.0, 20.5, 21.0, 21.5), "window_dex": 0.25, "min_runs": 5}
"""Fitted-law curves in the data figure: at each budget with at least ``min_runs`` runs within ``window_dex``
decades of compute, drawn only over those runs' parameter range (no curve where there are no data)."""
N_OPT, D_OPT = r"$N_{\rm opt}$", r"$D_{\rm opt}$"


def _sci(x: float) -> str:
    """``6e18`` as mathtext $6\times10^{18}$ (``1e20`` as $10^{20}$), to two significant digits."""
    exponent = int(np.floor(np.log10(x) + 1e-9))
    mantissa = x / 10.0**exponent
    lead = "" if abs(mantissa - 1) < 1e-9 else f"{mantissa:.2g}" + r"\times"
    return f"${lead}10^{{{exponent}}}$"


@cache
def _fitted(fast: bool) -> tuple[fit.RunData, np.ndarray, np.ndarray]:
    """Runs, the Huber-likelihood estimate (log-space row; the command's headline estimate) and seeded
    bootstrap refits of the summed-Huber fit (the command's intervals), shared by the figures."""
    runs = fit.read_runs(fit.DATA_FILE)
    grid = fit.fit_grid(runs)
    estimate = fit.fit_likelihood(runs, grid.theta).theta
    draws = fit.bootstrap(runs, grid.theta, BOOTSTRAP["fast" if fast else "full"], seed=0, progress=False)
    return runs, estimate, draws


def _values(name: str, theta: np.ndarray | None = None) -> dict[str, float]:
    if theta is not None:
        return {k: float(v) for k, v in fit.natural_params(theta).items()}
    return dict(CHINCHILLA_SETS[name].values)


def _alloc(p: dict) -> dict:
    return {k: p[k] for k in ("A", "B", "alpha", "beta")}


# --- data with the fitted law ------------------------------------------------------------------------------------
@figure("scaling_fit_data", "Chinchilla runs (loss vs parameters, coloured by compute) with the fitted law",
        source=f"{BESIROGLU}, data from {HOFFMANN} Fig. 4; Huber-likelihood fit as in the replication",
        settings={"huber_delta": fit.HUBER_DELTA, "drop_highest": fit.DROP_HIGHEST, **FIT_DATA})
def scaling_fit_data(fast: bool) -> dict:
    runs, theta, _ = _fitted(fast)
    p = _values("fit", theta)
    n, d = np.exp(runs.log_N), np.exp(runs.log_D)
    compute = 6 * n * d
    out = {"N": n, "C": compute, "loss": np.exp(runs.log_L),
           "fitted": evaluate("scaling.chinchilla_loss", N=n, D=d, **p),
           "params": np.array([p[k] for k in ("A", "B", "E", "alpha", "beta")])}
    budgets, curves_n, curves = [], [], []
    for exponent in FIT_DATA["budgets_log10"]:
        near = np.abs(np.log10(compute) - exponent) <= FIT_DATA["window_dex"]
        if near.sum() < FIT_DATA["min_runs"]:
            continue
        grid_n = np.geomspace(n[near].min(), n[near].max(), 60)
        budgets.append(10.0**exponent)
        curves_n.append(grid_n)
        curves.append(evaluate("scaling.chinchilla_loss", N=grid_n, D=10.0**exponent / (6 * grid_n), **p))
    return {**out, "budgets": np.array(budgets), "curve_N": np.array(curves_n), "curves": np.array(curves)}


@scaling_fit_data.plot
def _(d: dict) -> plt.Figure:
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.0), layout="constrained")
    norm = LogNorm(1e18, 1e22)
    cmap = plt.get_cmap("viridis")
    a, b, e, al, be = d["params"]
    ax = axes[0]
    sc = ax.scatter(d["N"], d["loss"], c=d["C"], cmap=cmap, norm=norm, s=10)
    for c, grid_n, curve in zip(d["budgets"], d["curve_N"], d["curves"]):
        ax.plot(grid_n, curve, color=cmap(norm(c)), lw=1.2)
    ax.set(xscale="log", xlabel="parameters $N$", ylabel="final loss $L$ (nats/token)",
           title="runs (dots); lines: the fitted law at fixed compute $C = 6ND$,\n"
                 f"{_sci(d['budgets'][0])} to {_sci(d['budgets'][-1])} FLOP, each over the runs within "
                 rf"$\pm${FIT_DATA['window_dex']} decades of it")
    fig.colorbar(sc, ax=ax, label="training compute $C$ (FLOP)")
    ax = axes[1]
    ax.scatter(d["fitted"], d["loss"], c=d["C"], cmap=cmap, norm=norm, s=10)
    lo, hi = 2.0, 3.5
    ax.plot([lo, hi], [lo, hi], color="0.4", lw=0.8, ls="--")
    ax.set(xlabel=r"fitted loss $E + A/N^{\alpha} + B/D^{\beta}$", ylabel="observed loss $L$", xlim=(lo, hi),
           ylim=(lo, hi), title=f"observed vs fitted loss of the {d['N'].size} runs fitted\n"
                                f"({fit.DROP_HIGHEST} highest-loss runs dropped); dashed: observed = fitted")
    fig.suptitle(rf"Huber-likelihood fit: $E$ = {e:.3f}, $A$ = {a:.1f}, $B$ = {b:.1f}, $\alpha$ = {al:.4f}, "
                 rf"$\beta$ = {be:.4f}")
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
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharey=True, layout="constrained")
    norm = LogNorm(d["budgets"][0], d["budgets"][-1])
    cmap = plt.get_cmap("viridis")
    for ax, name in zip(axes, ("hoffmann_unrounded", "besiroglu2024")):
        for c, curve in zip(d["budgets"], d[f"{name}_loss"]):
            ax.plot(d["N"], curve, color=cmap(norm(c)), lw=1.0)
        ax.plot(d[f"{name}_N_opt"], d[f"{name}_L_opt"], "k.", ms=6)
        ax.set(xscale="log", xlabel="parameters $N$", ylabel="predicted loss $L(N, C/6N)$ (nats/token)",
               title=f"{LABELS[name]}", ylim=(2.0, 4.2))
        ax.yaxis.set_tick_params(labelleft=True)
    fig.colorbar(plt.cm.ScalarMappable(norm=norm, cmap=cmap), ax=axes, label="compute $C$ (FLOP)")
    fig.suptitle(f"isoFLOP curves: loss vs $N$ at fixed $C = 6ND$, {_sci(d['budgets'][0])} to "
                 f"{_sci(d['budgets'][-1])} FLOP; dots: the compute-optimal {N_OPT}$(C)$ from the Lagrangian")
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


BAND = "this fit: 10–90% bootstrap band (summed-Huber refits)"


@figure("scaling_frontier", "compute-optimal N_opt(C) and D_opt(C) per parameter set, with the fit's bootstrap band",
        source=f"{HOFFMANN}, Eq. (4) (derived here); {BESIROGLU}, bootstrap",
        settings={"bootstrap": BOOTSTRAP, "band": "10-90%", "seed": 0})
def scaling_frontier(fast: bool) -> dict:
    return _frontier(fast)


@scaling_frontier.plot
def _(d: dict) -> plt.Figure:
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.0), layout="constrained")
    for ax, key, label in zip(axes, ("N_opt", "D_opt"), (f"parameters {N_OPT}", f"training tokens {D_OPT}")):
        ax.fill_between(d["C"], d[f"fit_{key}_lo"], d[f"fit_{key}_hi"], color="0.8", label=BAND)
        for name in (*SETS, "fit"):
            ax.plot(d["C"], d[f"{name}_{key}"], label=LABELS[name], ls="--" if name == "fit" else "-")
        ax.set(xscale="log", yscale="log", xlabel="training compute $C$ (FLOP)", ylabel=f"compute-optimal {label}",
               title=f"compute-optimal {label} under $C = 6ND$")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=3)
    return fig


@figure("scaling_tokens_per_param", "D_opt/N_opt vs compute per parameter set; the N D = C variant; the '20' rule",
        source=f"{BESIROGLU}, tokens-per-parameter figure; {HOFFMANN} Approaches 1-2 for '20 tokens per parameter'",
        settings={"bootstrap": BOOTSTRAP, "band": "10-90%", "seed": 0})
def scaling_tokens_per_param(fast: bool) -> dict:
    return _frontier(fast)


@scaling_tokens_per_param.plot
def _(d: dict) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(6.4, 5.0), layout="constrained")
    ax.fill_between(d["C"], d["fit_ratio_lo"], d["fit_ratio_hi"], color="0.8", label=BAND)
    for name in (*SETS, "fit"):
        ax.plot(d["C"], d[f"{name}_ratio"], label=LABELS[name], ls="--" if name == "fit" else "-")
    ax.plot(d["C"], d["besiroglu2024_ratio_product"], color="0.3", ls=":",
            label=r"Besiroglu et al. 2024 under $ND = C$ (not a FLOP count)")
    ax.axhline(20, color="k", lw=0.8, ls="--", label="20 tokens per parameter")
    ax.plot([CHINCHILLA_C], [20], "k*", ms=10, label="Chinchilla: $N = 70$B, $D = 1.4$T")
    ax.set(xscale="log", yscale="log", xlabel="training compute $C$ (FLOP)",
           ylabel=f"tokens per parameter {D_OPT}/{N_OPT}",
           title="'20 tokens per parameter' holds only near Chinchilla's compute, and only for the refit\n"
                 r"($D_{\rm opt}/N_{\rm opt} \propto C^{(\alpha-\beta)/(\alpha+\beta)}$: constant only if "
                 r"$\alpha = \beta$)")
    fig.legend(loc="outside lower center", ncol=2)
    return fig


# --- the four-term decomposition ------------------------------------------------------------------------------
DECOMPOSITION = {"set": "besiroglu2024", "fixed_D": 2e11, "fixed_N": 1e9, "tokens_per_step": 2.0**21,
                 "sgd_R": 1.0, "sgd_G": 5.0}
"""The three fitted terms of the replication, and an illustrative averaged-SGD term R G/sqrt(T) with T = D / (tokens
per step) optimizer steps, R the distance to the optimum and G the gradient-norm bound."""


@figure("scaling_decomposition", "noise + approximation + estimation + optimization, stacked, vs N and vs D",
        source=f"Bottou & Bousquet 2007 decomposition; fitted terms from {BESIROGLU}; SGD term illustrative",
        settings=DECOMPOSITION)
def scaling_decomposition(fast: bool) -> dict:
    p = _values(DECOMPOSITION["set"])
    terms = four_term("power_law", "power_law", "sgd", "constant")
    n_grid, d_grid = np.logspace(7, 12, 60 if fast else 200), np.logspace(8, 13, 60 if fast else 200)
    out = {"N": n_grid, "D": d_grid}
    for axis, n, d in (("vs_N", n_grid, DECOMPOSITION["fixed_D"]), ("vs_D", DECOMPOSITION["fixed_N"], d_grid)):
        values = {**p, "N": n, "D": d, "T": np.asarray(d) / DECOMPOSITION["tokens_per_step"],
                  "R_0": DECOMPOSITION["sgd_R"], "G_lip": DECOMPOSITION["sgd_G"], "E_noise": p["E"]}
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
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2), sharey=True, layout="constrained")
    order = ("noise", "approximation", "estimation", "optimization")
    steps = int(round(np.log2(DECOMPOSITION["tokens_per_step"])))
    labels = {"noise": "noise $E$ (irreducible loss)",
              "approximation": r"approximation $A/N^{\alpha}$ (finite model)",
              "estimation": r"estimation $B/D^{\beta}$ (finite data)",
              "optimization": rf"optimization $RG/\sqrt{{T}}$ (averaged SGD; $R = {DECOMPOSITION['sgd_R']:g}$, "
                              rf"$G = {DECOMPOSITION['sgd_G']:g}$, illustrative)"}
    top = 0.0
    for ax, axis, x, fixed in ((axes[0], "vs_N", d["N"], f"$D$ = {_sci(DECOMPOSITION['fixed_D'])} tokens"),
                               (axes[1], "vs_D", d["D"], f"$N$ = {_sci(DECOMPOSITION['fixed_N'])} parameters")):
        stack = ax.stackplot(x, *[d[f"{axis}_{t}"] for t in order], labels=[labels[t] for t in order], alpha=0.85)
        top = max(top, float(np.max(sum(d[f"{axis}_{t}"] for t in order))))
        ax.set(xscale="log", xlabel="parameters $N$" if axis == "vs_N" else "training tokens $D$",
               ylabel="loss (nats/token), terms stacked",
               title=f"vs {'$N$' if axis == 'vs_N' else '$D$'} at {fixed}")
        ax.yaxis.set_tick_params(labelleft=True)
    axes[0].set_ylim(0, 1.05 * top)
    fig.legend(handles=stack, loc="outside lower center", ncol=2)
    fig.suptitle(rf"loss $L = E + A/N^{{\alpha}} + B/D^{{\beta}} + RG/\sqrt{{T}}$ split into its four terms "
                 f"({LABELS[DECOMPOSITION['set']]}'s fitted $E, A, B, \\alpha, \\beta$)\n"
                 rf"$T = D/2^{{{steps}}}$: optimizer steps of $2^{{{steps}}}$ tokens; $R$: distance from the "
                 "initial point to the optimum; $G$: bound on the gradient norm")
    return fig
