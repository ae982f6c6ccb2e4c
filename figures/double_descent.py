"""Double-descent figures: closed forms from the registry, with Monte Carlo dots from the random processes.

Risks exclude the noise floor unless a label says "error" (then the noise is added back).
"""

from __future__ import annotations

import numpy as np
from matplotlib import pyplot as plt

from derivations.compile import compile_expr
from derivations.double_descent import montecarlo as mc
from derivations.double_descent.experiment import HECKEL_YILMAZ_FIG2
from derivations.double_descent.numerics import gradient_flow_risk_by_modes
from derivations.evaluate import evaluate
from figures.draw import asymptote, divergent_line
from figures.registry import figure
from theory import double_descent as dd

DOTS = dict(fmt="o", ms=3.5, elinewidth=0.8, capsize=1.5)  # Monte Carlo means with +- one standard error


def _legend_beside(ax: plt.Axes) -> None:
    """The legend right of the axes, where it cannot hide a curve."""
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)


def _seed(name: str) -> np.random.Generator:
    """One reproducible stream per figure."""
    return mc.rng_from(np.random.SeedSequence(list(name.encode())))


def _gamma_grid(count: int) -> np.ndarray:
    """Log grid over [0.1, 10] with gamma = 1 itself (where the ridgeless risk is infinite) left out."""
    g = np.geomspace(0.1, 10, count)
    return g[np.abs(g - 1) > 1e-3]


# --- Hastie ridgeless ---------------------------------------------------------------------------------
SNRS = (0.5, 1.0, 5.0)


@figure("dd_hastie", "min-norm least squares risk vs gamma = p/n for several SNR, Monte Carlo dots, null risk",
        source=f"{dd.HASTIE}, Thm 1 and Fig. 2 style", settings={"snr": SNRS, "sigma2": 1.0, "n": 200})
def hastie(fast: bool) -> dict:
    gamma = _gamma_grid(400)
    dots = np.concatenate([np.geomspace(0.15, 0.7, 5), np.geomspace(1.5, 8, 6)])
    n = 100 if fast else 200
    out = {"gamma": gamma, "gamma_mc": dots}
    rng = _seed("dd_hastie")
    for snr in SNRS:
        out[f"risk_{snr:g}"] = evaluate("double_descent.ridgeless_risk", gamma=gamma, r2=snr, sigma2=1.0)
        draws = [mc.least_squares_given_design(rng, n, round(g * n), 0.0, snr, 1.0, repeats=6) for g in dots]
        out[f"mc_{snr:g}"] = np.array([d.risk.mean() for d in draws])
        out[f"mc_se_{snr:g}"] = np.array([mc.Draws.se(d.risk) for d in draws])
    return out


@hastie.plot
def _(d: dict) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    for i, snr in enumerate(SNRS):
        color = f"C{i}"
        divergent_line(ax, d["gamma"], d[f"risk_{snr:g}"], at=1.0, color=color, label=rf"$r^2/\sigma^2 = {snr:g}$")
        ax.errorbar(d["gamma_mc"], d[f"mc_{snr:g}"], d[f"mc_se_{snr:g}"], color=color, **DOTS)
        ax.axhline(snr, color=color, lw=0.8, ls=":")
    asymptote(ax, 1.0, r"$\gamma = 1$: risk $= \infty$")
    ax.set(xscale="log", ylim=(0, 7), xlabel=r"$\gamma = p/n$", ylabel=r"excess risk (noise $\sigma^2 = 1$ excluded)",
           title="Ridgeless least squares: the risk diverges at the interpolation threshold\n"
                 r"(dots: Monte Carlo, $n = 200$, $\pm$1 s.e.; dotted: null risk $r^2$)")
    _legend_beside(ax)
    return fig


# --- ridge ------------------------------------------------------------------------------------------------
LAMBDAS = (0.01, 0.1, 1.0)


@figure("dd_ridge", "ridge risk vs gamma for several lambda and at the optimal lambda (no peak)",
        source=f"{dd.HASTIE}, Thm 5-6", settings={"r2": 1.0, "sigma2": 1.0, "lambdas": LAMBDAS})
def ridge(fast: bool) -> dict:
    gamma = _gamma_grid(300)
    out = {"gamma": gamma, "ridgeless": evaluate("double_descent.ridgeless_risk", gamma=gamma, r2=1.0, sigma2=1.0),
           "optimal": evaluate("double_descent.optimal_ridge_risk", gamma=gamma, r2=1.0, sigma2=1.0)}
    for lam in LAMBDAS:
        out[f"ridge_{lam:g}"] = evaluate("double_descent.ridge_risk", gamma=gamma, lam=lam, r2=1.0, sigma2=1.0)
    return out


@ridge.plot
def _(d: dict) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    divergent_line(ax, d["gamma"], d["ridgeless"], at=1.0, color="0.3", lw=1, label=r"$\lambda \to 0$ (min-norm)")
    for lam in LAMBDAS:
        ax.plot(d["gamma"], d[f"ridge_{lam:g}"], label=rf"$\lambda = {lam:g}$")
    ax.plot(d["gamma"], d["optimal"], color="k", lw=2, label=r"$\lambda^* = \sigma^2\gamma/r^2$")
    ax.axhline(1.0, color="0.5", lw=0.8, ls=":", label=r"null risk $r^2$")
    asymptote(ax, 1.0, r"$\gamma = 1$")
    ax.set(xscale="log", ylim=(0, 6), xlabel=r"$\gamma = p/n$", ylabel=r"excess risk (noise excluded)",
           title="Ridge removes the peak; the optimally tuned risk is monotone\n"
                 r"($r^2 = \sigma^2 = 1$; the min-norm risk diverges at $\gamma = 1$)")
    _legend_beside(ax)
    return fig


# --- misspecified model -------------------------------------------------------------------------------------
TOTAL_SIGNAL, REVEAL_SCALE, NOISE = 1.0, 1.0, 0.01


@figure("dd_misspecified", "misspecified model: growing p reveals signal, the global minimum sits beyond gamma = 1",
        source=f"{dd.HASTIE}, §5.1; reveal law ||beta||^2 = total gamma/(gamma + c) is illustrative",
        settings={"total_signal": TOTAL_SIGNAL, "reveal_scale": REVEAL_SCALE, "sigma2": NOISE})
def misspecified(fast: bool) -> dict:
    gamma = _gamma_grid(600)
    seen = TOTAL_SIGNAL * gamma / (gamma + REVEAL_SCALE)
    risk = evaluate("double_descent.misspecified_risk", gamma=gamma, r2=seen, theta2=TOTAL_SIGNAL - seen,
                    sigma2=NOISE)
    return {"gamma": gamma, "risk": risk, "hidden": TOTAL_SIGNAL - seen, "best": gamma[np.argmin(risk)]}


@misspecified.plot
def _(d: dict) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    divergent_line(ax, d["gamma"], d["risk"], at=1.0, label="min-norm excess risk\nover the Bayes predictor")
    ax.plot(d["gamma"], d["hidden"], ls=":", label="signal on the hidden\nfeatures " r"$\|\theta\|^2$")
    ax.axvline(float(d["best"]), color="C2", lw=0.8, label=rf"global minimum, $\gamma = {float(d['best']):.2f}$")
    asymptote(ax, 1.0, r"$\gamma = 1$")
    ax.set(xscale="log", ylim=(0, 3), xlabel=r"$\gamma = p/n$", ylabel="excess risk",
           title="Misspecified model: the over-parameterized minimum beats every $\\gamma < 1$\n"
                 r"(noise $\sigma^2 = 0.01$; more features reveal more signal)")
    _legend_beside(ax)
    return fig


# --- Belkin-Hsu-Xu ----------------------------------------------------------------------------------------
BHX = {"n": 40, "D": 100, "w2": 1.0, "sigma2": 1 / 25}


@figure("dd_bhx", "Belkin-Hsu-Xu random-subset model, n = 40, D = 100: risk vs p with Monte Carlo dots",
        source=f"{dd.BHX}, Fig. 1", settings=BHX)
def bhx(fast: bool) -> dict:
    p = np.arange(0, 101)
    dots = np.array([0, 10, 20, 30, 34, 46, 50, 60, 70, 80, 90, 100])
    rng = _seed("dd_bhx")
    repeats = 100 if fast else 400
    draws = [mc.random_subset(rng, BHX["n"], BHX["D"], int(k), BHX["w2"], BHX["sigma2"], repeats).risk for k in dots]
    return {"p": p, "risk": evaluate("double_descent.random_subset_test_mse", p=p, **BHX), "p_mc": dots,
            "mc": np.array([r.mean() for r in draws]), "mc_se": np.array([mc.Draws.se(r) for r in draws])}


@bhx.plot
def _(d: dict) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    divergent_line(ax, d["p"], d["risk"], at=BHX["n"], label="exact expectation\n(Thm 1)")
    ax.errorbar(d["p_mc"], d["mc"], d["mc_se"], color="C1", label=r"Monte Carlo ($\pm$1 s.e.)", **DOTS)
    ax.axhline(BHX["w2"] + BHX["sigma2"], color="0.5", lw=0.8, ls=":", label="null risk")
    asymptote(ax, BHX["n"], r"$p \in \{n-1, n, n+1\}$: $\infty$")
    ax.set(yscale="log", ylim=(0.5, 20), xlabel=r"features used $p$ (of $D = 100$)", ylabel="test MSE (noise included)",
           title="Weak features: the second descent beats every $p < n$\n"
                 r"($n = 40$, $\sigma^2 = 1/25$; the expected risk is infinite for $|p - n| \leq 1$)")
    _legend_beside(ax)
    return fig


# --- Mei-Montanari -------------------------------------------------------------------------------------------
RF = {"psi2": 2.0, "F1sq": 1.0, "tau2": 0.2, "Fstar2": 0.1}
RF_LAMBDAS = (0.0, 1e-3, 1e-2, 1e-1)


@figure("dd_random_features", "random ReLU features: risk vs psi1/psi2 for several lambda, with simulation dots",
        source=f"{dd.MEI_MONTANARI}, Fig. 1 style", settings={**RF, "lambdas": RF_LAMBDAS, "d": 30})
def random_features(fast: bool) -> dict:
    ratio = np.geomspace(0.05, 20, 300)
    ratio = ratio[np.abs(ratio - 1) > 1e-3]
    d = 20 if fast else 30
    out = {"ratio": ratio, "d": d}
    n = round(RF["psi2"] * d)
    features = np.unique(np.round(np.geomspace(0.1, 10, 9 if fast else 12) * n).astype(int))
    features = features[np.abs(features - n) > 2]
    out["ratio_mc"] = features / n
    rng = _seed("dd_random_features")
    for lam in RF_LAMBDAS:
        out[f"risk_{lam:g}"] = evaluate("double_descent.random_features_risk", psi1=ratio * RF["psi2"], lam=lam,
                                        **RF)
        draws = [mc.random_features(rng, d, int(k), n, lam, RF["F1sq"], RF["tau2"], RF["Fstar2"],
                                    repeats=6 if fast else 12, n_test=300).risk for k in features]
        out[f"mc_{lam:g}"] = np.array([r.mean() for r in draws])
        out[f"mc_se_{lam:g}"] = np.array([mc.Draws.se(r) for r in draws])
    return out


@random_features.plot
def _(d: dict) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    for i, lam in enumerate(RF_LAMBDAS):
        label = rf"$\lambda = {lam:g}$" + (" (min-norm)" if lam == 0 else "")
        if lam == 0:  # the ridgeless risk diverges at N = n
            divergent_line(ax, d["ratio"], d[f"risk_{lam:g}"], at=1.0, color=f"C{i}", label=label)
        else:
            ax.plot(d["ratio"], d[f"risk_{lam:g}"], color=f"C{i}", label=label)
        ax.errorbar(d["ratio_mc"], d[f"mc_{lam:g}"], d[f"mc_se_{lam:g}"], color=f"C{i}", **{**DOTS, "ms": 3})
    asymptote(ax, 1.0, r"$N = n$")
    ax.set(xscale="log", ylim=(0, 4), xlabel=r"$\psi_1/\psi_2 = N/n$ (features per sample)",
           ylabel=r"excess risk ($\tau^2$ excluded)",
           title=r"Random ReLU features ($\psi_2 = 2$, $F_1^2 = 1$, $F_\star^2 = 0.1$, $\tau^2 = 0.2$)"
                 f"\ndots: simulation at $d = {int(d['d'])}$, mean $\\pm$1 s.e.")
    _legend_beside(ax)
    return fig


# --- sample-wise ------------------------------------------------------------------------------------------------
SAMPLE = {"p": 100, "r2": 1.0, "sigma2": 0.25}


@figure("dd_sample_wise", "risk vs n at fixed p: more data hurts past the derived onset; optimal ridge is monotone",
        source="Nakkiran 2019, More data can hurt for linear regression; exact Gaussian expectation",
        settings=SAMPLE)
def sample_wise(fast: bool) -> dict:
    n = np.arange(1, 301)
    dots = np.array([10, 50, 85, 115, 200, 300] if fast else [10, 30, 50, 70, 85, 115, 140, 200, 300])
    rng = _seed("dd_sample_wise")
    repeats = 12 if fast else 60
    draws = [mc.least_squares(rng, int(k), SAMPLE["p"], 0.0, SAMPLE["r2"], SAMPLE["sigma2"], repeats).risk
             for k in dots]
    return {
        "n": n, "risk": evaluate("double_descent.finite_sample_risk", n=n, **SAMPLE),
        "optimal": evaluate("double_descent.optimal_ridge_risk", gamma=SAMPLE["p"] / n, r2=SAMPLE["r2"],
                            sigma2=SAMPLE["sigma2"]),
        "onset": evaluate("double_descent.more_data_hurts_onset", **SAMPLE), "n_mc": dots,
        "mc": np.array([r.mean() for r in draws]), "mc_se": np.array([mc.Draws.se(r) for r in draws]),
    }


@sample_wise.plot
def _(d: dict) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    divergent_line(ax, d["n"], d["risk"], at=SAMPLE["p"], label="min-norm least squares,\nexact expectation")
    ax.errorbar(d["n_mc"], d["mc"], d["mc_se"], color="C0", label=r"Monte Carlo ($\pm$1 s.e.)", **DOTS)
    ax.plot(d["n"], d["optimal"], color="C1", label="optimal ridge\n(asymptotic)")
    ax.axvspan(float(d["onset"]), SAMPLE["p"] - 1, color="C3", alpha=0.12, label="more data hurts")
    asymptote(ax, SAMPLE["p"], r"$|n - p| \leq 1$: $\infty$")
    ax.set(yscale="log", ylim=(0.08, 20), xlabel=r"training samples $n$ ($p = 100$ features)",
           ylabel="excess risk (noise excluded)",
           title="Sample-wise double descent: the expected risk is infinite for $|n - p| \\leq 1$\n"
                 r"($r^2 = 1$, $\sigma^2 = 0.25$)")
    _legend_beside(ax)
    return fig


# --- Advani-Saxe ----------------------------------------------------------------------------------------------
AS = {"sigma_w0_2": 0.0, "sigma_wbar_2": 1.0, "sigma_eps_2": 0.25}
AS_ALPHAS = (0.5, 0.9, 1.0, 1.2, 2.0, 4.0)


@figure("dd_gradient_flow", "Advani-Saxe: generalization error vs time for several alpha; at convergence vs at the "
        "best stopping time", source=f"{dd.ADVANI_SAXE}, Figs. 2-3 style", settings={**AS, "alphas": AS_ALPHAS})
def gradient_flow(fast: bool) -> dict:
    t = np.geomspace(1e-2, 1e5, 200)
    out = {"t": t}
    for a in AS_ALPHAS:
        out[f"error_{a:g}"] = evaluate("double_descent.gradient_flow_risk", alpha=a, t=t, **AS) + AS["sigma_eps_2"]
    alpha = np.geomspace(0.1, 10, 60 if fast else 150)
    alpha = alpha[np.abs(alpha - 1) > 1e-3]
    times = np.geomspace(1e-2, 1e6, 300)
    out["alpha"] = alpha
    out["converged"] = evaluate("double_descent.ridgeless_risk", gamma=1 / alpha, r2=AS["sigma_wbar_2"],
                                sigma2=AS["sigma_eps_2"]) + AS["sigma_eps_2"]
    out["early_stopped"] = np.array([evaluate("double_descent.gradient_flow_risk", alpha=a, t=times, **AS).min()
                                     for a in alpha]) + AS["sigma_eps_2"]
    sim = mc.gradient_flow(_seed("dd_gradient_flow"), 100, 120, t[::20], **AS, repeats=10 if fast else 40)
    out["t_mc"], out["mc_1.2"] = t[::20], sim.risk.mean(axis=0) + AS["sigma_eps_2"]
    out["mc_se_1.2"] = mc.Draws.se(sim.risk)
    t_ode, by_modes = gradient_flow_risk_by_modes(2.0, t[-1], AS, nodes=24 if fast else 60, n_points=25)
    out["t_ode"], out["ode_2"] = t_ode[1:], by_modes[1:] + AS["sigma_eps_2"]
    return out


@gradient_flow.plot
def _(d: dict) -> plt.Figure:
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.6), layout="constrained")
    for i, a in enumerate(AS_ALPHAS):
        left.plot(d["t"], d[f"error_{a:g}"], color=f"C{i}", label=rf"$\alpha = {a:g}$")
    left.errorbar(d["t_mc"], d["mc_1.2"], d["mc_se_1.2"], color=f"C{AS_ALPHAS.index(1.2)}",
                  label="Monte Carlo, $N = 100$,\n" r"$\alpha = 1.2$ ($\pm$1 s.e.)", **DOTS)
    left.plot(d["t_ode"], d["ode_2"], "x", color=f"C{AS_ALPHAS.index(2.0)}", ms=4,
              label="per-mode ODEs\n" r"(simulator), $\alpha = 2$")
    left.set(xscale="log", ylim=(0, 3), xlabel=r"training time $t$", ylabel=r"generalization error $E_g$",
             title=r"Gradient flow ($\sigma_{\bar w}^2 = 1$, $\sigma_\epsilon^2 = 0.25$, $w_0 = 0$)")
    _legend_beside(left)
    divergent_line(right, d["alpha"], d["converged"], at=1.0, label="at convergence\n" r"($t \to \infty$)")
    right.plot(d["alpha"], d["early_stopped"], label="at the best\nstopping time")
    asymptote(right, 1.0, r"$\alpha = 1$")
    right.set(xscale="log", ylim=(0, 7), xlabel=r"$\alpha = P/N$ (samples per parameter)",
              ylabel=r"generalization error $E_g$",
              title=r"Early stopping removes the divergence at $\alpha = 1$")
    _legend_beside(right)
    return fig


# --- Heckel-Yilmaz ------------------------------------------------------------------------------------------
HY = {"n": 10, "sigma2": 1.0, **HECKEL_YILMAZ_FIG2}
_component = compile_expr((dd.k, dd.n_hy, dd.sigma2, dd.s1, dd.theta_1, dd.eta1),
                          dd.early_stopping_component(dd.s1, dd.theta_1, dd.eta1))


@figure("dd_early_stopping", "Heckel-Yilmaz: two bias-variance U-curves sum to an epoch-wise double descent; "
        "matching step sizes removes it", source=f"{dd.HECKEL_YILMAZ}, Fig. 2", settings={**HY, "eta2_fixed": 4.3})
def early_stopping(fast: bool) -> dict:
    k = np.unique(np.round(np.geomspace(1, 1e4, 400)))
    hy = HY
    fast_part = _component(k, hy["n"], hy["sigma2"], hy["s1"], hy["theta_1"], hy["eta1"])
    slow_part = _component(k, hy["n"], hy["sigma2"], hy["s2"], hy["theta_2"], hy["eta2"])
    total = evaluate("double_descent.early_stopping_risk", k=k, **hy)
    fixed = evaluate("double_descent.early_stopping_risk", k=k, **{**hy, "eta2": 4.3})
    # Simulation at the same sigma2/n (n = 100, sigma2 = 10), where the large-n closed form applies.
    dots = np.unique(np.round(np.geomspace(1, 1e4, 16)).astype(int))
    sim = mc.gradient_descent_two_scale(_seed("dd_early_stopping"), 100, dots, 10.0, (hy["s1"], hy["s2"]),
                                        (hy["theta_1"], hy["theta_2"]), (hy["eta1"], hy["eta2"]),
                                        repeats=200 if fast else 1000)
    return {"k": k, "fast": fast_part, "slow": slow_part, "total": total, "fixed": fixed, "k_mc": dots,
            "mc": sim.risk.mean(axis=0), "mc_se": mc.Draws.se(sim.risk)}


@early_stopping.plot
def _(d: dict) -> plt.Figure:
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6), sharey=True)
    left.plot(d["k"], d["fast"], ls=":", label=r"feature 1 ($\sigma_1 = 1$)")
    left.plot(d["k"], d["slow"], ls=":", label=r"feature 2 ($\sigma_2 = 0.15$)")
    left.plot(d["k"], d["total"], color="k", label="sum: epoch-wise double descent")
    left.errorbar(d["k_mc"], d["mc"], d["mc_se"], color="k", label=r"gradient descent, $n = 100$, $\sigma^2 = 10$",
                  **DOTS)
    left.set(title=r"Equal step sizes $\eta = 0.1$")
    right.plot(d["k"], d["total"], color="0.6", label="equal step sizes")
    right.plot(d["k"], d["fixed"], color="C2", label=r"$\eta_2 = 4.3$: scales matched, one U")
    right.set(title="The fix: per-feature step sizes")
    for ax in (left, right):
        ax.set(xscale="log", ylim=(0, 0.4), xlabel=r"iterations $k$", ylabel="excess risk (noise excluded)")
        ax.legend()
    return fig


# --- Schaeffer et al. ablations --------------------------------------------------------------------------------
CUTOFFS = (1.0, 3.0)


@figure("dd_ablations", "Schaeffer et al. student-teacher: test MSE vs P/N and the three ablations that remove "
        "the peak", source="Schaeffer et al. 2023, Double Descent Demystified, arXiv 2303.14151, §3 ablations",
        settings={"n_params": 20, "n_latent": 30, "cutoffs": CUTOFFS, "leading": 5})
def ablations(fast: bool) -> dict:
    n_train = np.unique(np.round(np.geomspace(3, 200, 25 if fast else 45)).astype(int))
    c = mc.ablations(_seed("dd_ablations"), n_train, cutoffs=CUTOFFS, repeats=40 if fast else 150)
    return {"ratio": c.n_params / n_train, "unablated": c.unablated, "cut": c.no_small_singular_values,
            "lead": c.test_in_leading_subspace, "clean": c.no_residuals, "train": c.train_mse,
            "smallest_singular_value": c.smallest_singular_value}


@ablations.plot
def _(d: dict) -> plt.Figure:
    fig, (ax, sv) = plt.subplots(1, 2, figsize=(11, 3.9), layout="constrained", gridspec_kw={"width_ratios": [1.5, 1]})
    ax.plot(d["ratio"], d["unablated"], color="k", label="test MSE, unablated")
    for cut, cutoff, style in zip(d["cut"], CUTOFFS, (":", "-")):
        ax.plot(d["ratio"], cut, color="C0", ls=style,
                label=rf"(a) singular values $< {cutoff:g}$ dropped")
    ax.plot(d["ratio"], d["lead"], color="C1", label="(b) test points in the\nleading 5-dim. subspace")
    ax.plot(d["ratio"], d["clean"], color="C2", label="(c) no residuals in the targets")
    # The train MSE is exactly 0 from P = N on: on the log axis it leaves through the bottom there.
    train = np.where(d["train"] > 1e-9, d["train"], np.nan)
    ax.plot(d["ratio"], train, color="0.6", ls=":", label="train MSE (0 for $P \\geq N$)")
    ax.set(yscale="log", ylabel="MSE (test points, teacher's targets)",
           title="The student fits $P = 20$ of the teacher's 30 features (the 10 unseen act as label noise).\n"
                 "Each ablation removes the peak at $P = N$. Cutting singular values at 1 leaves a bump: those\n"
                 r"just above 1 still amplify the residuals by up to $1/\sigma^2$; cutting at 3 removes it.")
    ax.set_ylim(bottom=1.0)
    _legend_beside(ax)
    sv.plot(d["ratio"], d["smallest_singular_value"], color="C4")
    sv.set(yscale="log", ylabel=r"smallest non-zero singular value $\sigma_{\min}$",
           title=r"The variance blow-up: $\sigma_{\min}$ is smallest at $P = N$," "\n"
                 r"and the variance grows as $1/\sigma_{\min}^2$")
    for a in (ax, sv):
        asymptote(a, 1.0)
        a.set(xscale="log", xlabel=r"$P/N$ (parameters per training sample)")
    return fig
