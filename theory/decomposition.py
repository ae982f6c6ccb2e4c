"""The error decomposition: approximation (finite model) + estimation (finite data) + optimization (finite
compute) + irreducible noise, with the textbook rate of each term as a named choice.

Excess risk splits exactly into approximation, estimation and optimization errors (Bottou and Bousquet
2007); adding the Bayes risk gives the total. Each term falls with its own resource: parameters N,
examples D, optimizer steps T. Scaling laws are this sum with fitted power laws: the Chinchilla form is
noise + approximation + estimation, its data term absorbing optimization in one-epoch training
(Hoffmann et al. 2022, §3.3). The rates are upper bounds up to constants, not exact values.
"""

from __future__ import annotations

import sympy as sp

from theory.registry import register
from theory.scaling import HOFFMANN, N, data_term, model_term
from theory.symbols import NONNEGATIVE, REAL, UNIT_INTERVAL, D, Domain, declare

BOTTOU = "Bottou & Bousquet 2007, The tradeoffs of large scale learning, NIPS"
BARRON = "Barron 1993, Universal approximation bounds for superpositions of a sigmoidal function, IEEE Trans. IT"
STONE = "Stone 1982, Optimal global rates of convergence for nonparametric regression, Ann. Statist."
GEMAN = "Geman, Bienenstock & Doursat 1992, Neural networks and the bias/variance dilemma, Neural Computation"
NEMIROVSKI = "Nemirovski et al. 2009, Robust stochastic approximation approach to stochastic programming, SIOPT"
NESTEROV = "Nesterov 2004, Introductory lectures on convex optimization, §2.1 (GD on smooth strongly convex f)"

T = declare("T", "T", "optimizer steps (compute at fixed batch and model size)", positive=True)
E_noise = declare("E_noise", r"E_{\mathrm{noise}}", "irreducible loss (Bayes risk)", NONNEGATIVE, nonnegative=True)
C_f = declare("C_f", "C_f", "Barron constant: first absolute moment of the target's Fourier transform",
              positive=True)
r_ball = declare("r_ball", "r", "radius of the input ball", positive=True)
smoothness = declare("smoothness", "s", "smoothness (number of bounded derivatives) of the target", positive=True)
d_in = declare("d_in", "d", "input dimension", positive=True)
d_par = declare("d_par", "d", "number of parameters (capacity) of the model class", positive=True)
c_app = declare("c_app", "c_a", "constant of the approximation rate", positive=True)
c_est = declare("c_est", "c_e", "constant of the estimation rate", positive=True)
G_lip = declare("G_lip", "G", "Lipschitz constant of the loss (gradient-norm bound)", positive=True)
R_0 = declare("R_0", "R", "distance from the initial point to the optimum", positive=True)
mu_sc = declare("mu_sc", r"\mu", "strong-convexity constant", positive=True)
kappa_H = declare("kappa_H", r"\kappa", "condition number of the Hessian at the optimum",
                  Domain(1.0, lo_closed=True), positive=True)
Delta_0 = declare("Delta_0", r"\Delta_0", "initial suboptimality f(w_0) - f*", positive=True)
N_0 = declare("N_0", "N_0", "scale of the approximation power law", positive=True)
D_0 = declare("D_0", "D_0", "scale of the estimation power law", positive=True)
T_0 = declare("T_0", "T_0", "scale of the optimization power law", positive=True)
a_N = declare("a_N", "a_N", "approximation exponent", positive=True)
a_D = declare("a_D", "a_D", "estimation exponent", positive=True)
a_T = declare("a_T", "a_T", "optimization exponent", positive=True)

# --- the classical rate families ---------------------------------------------------------------------------
APPROXIMATION = {
    "barron": (2 * r_ball * C_f) ** 2 / N,
    "smooth": c_app * N ** (-2 * smoothness / d_in),
    "power_law": model_term,
}
"""Approximation error vs model size N: Barron's dimension-free 1/N for one-hidden-layer sigmoidal nets
(squared L2 error), the N^(-2s/d) rate for s-smooth targets in d dimensions, and Chinchilla's fitted A/N^alpha."""
ESTIMATION = {
    "fast": c_est * d_par / D,
    "slow": c_est * sp.sqrt(d_par / D),
    "stone": c_est * D ** (-2 * smoothness / (2 * smoothness + d_in)),
    "power_law": data_term,
}
"""Estimation error vs data size D: parametric fast rate d/D (well-specified, strongly convex), uniform-
convergence slow rate sqrt(d/D), Stone's nonparametric minimax rate D^(-2s/(2s+d)), Chinchilla's B/D^beta."""
OPTIMIZATION = {
    "sgd": R_0 * G_lip / sp.sqrt(T),
    "strongly_convex": G_lip**2 / (mu_sc * T),
    "gd_condition": Delta_0 * (1 - 1 / kappa_H) ** T,
}
"""Optimization error vs steps T: averaged SGD on a convex G-Lipschitz loss, R G/sqrt(T); SGD on a
mu-strongly convex loss, G^2/(mu T); gradient descent on a smooth, strongly convex loss with Hessian
condition number kappa, (1 - 1/kappa)^T Delta_0 (linear convergence)."""
NOISE = {"constant": E_noise}
"""The irreducible term does not depend on any resource."""

_SOURCES = {
    ("approximation", "barron"): f"{BARRON}, Thm. 1 (squared L2 error)",
    ("approximation", "smooth"): "classical approximation theory for Sobolev/Holder classes (rate N^(-2s/d))",
    ("approximation", "power_law"): f"{HOFFMANN}, §3.3 (fitted A/N^alpha)",
    ("estimation", "fast"): "parametric fast rate d/D (well-specified, strongly convex; e.g. OLS)",
    ("estimation", "slow"): "uniform convergence / VC slow rate sqrt(d/D), up to log factors",
    ("estimation", "stone"): f"{STONE} (squared L2 risk)",
    ("estimation", "power_law"): f"{HOFFMANN}, §3.3 (fitted B/D^beta)",
    ("optimization", "sgd"): f"{NEMIROVSKI}, §2 (averaged SGD, step R/(G sqrt(T)))",
    ("optimization", "strongly_convex"): f"{NEMIROVSKI}, §2 (strongly convex case, up to log T)",
    ("optimization", "gd_condition"): NESTEROV,
    ("noise", "constant"): f"{GEMAN} (irreducible noise); {BOTTOU}, §2 (Bayes risk)",
}
FAMILIES = {"approximation": APPROXIMATION, "estimation": ESTIMATION, "optimization": OPTIMIZATION, "noise": NOISE}
RESOURCES = {"approximation": N, "estimation": D, "optimization": T}
"""The resource each term decreases in."""

for (term, rate), source in _SOURCES.items():
    expr = FAMILIES[term][rate]
    register(
        f"decomposition.{term}_{rate}", expr, sorted(expr.free_symbols, key=lambda s: s.name),
        source=source, description=f"{term} error, {rate.replace('_', ' ')} rate"
        + (f"; decreasing in {RESOURCES[term].name}" if term in RESOURCES else ""),
    )


def four_term(approximation: str = "power_law", estimation: str = "power_law", optimization: str = "sgd",
              noise: str = "constant") -> dict[str, sp.Expr]:
    """The four terms for the named rates, keyed by term; the total loss is their sum."""
    choice = {"approximation": approximation, "estimation": estimation, "optimization": optimization,
              "noise": noise}
    out = {}
    for term, rate in choice.items():
        try:
            out[term] = FAMILIES[term][rate]
        except KeyError:
            raise KeyError(f"unknown {term} rate {rate!r}; choose from {', '.join(FAMILIES[term])}") from None
    return out


power_law_total = register(
    "decomposition.power_law_total", (N_0 / N) ** a_N + (D_0 / D) ** a_D + (T_0 / T) ** a_T + E_noise,
    [N, D, T, N_0, D_0, T_0, a_N, a_D, a_T, E_noise],
    source="additive scaling-law reading of the decomposition (cf. Kaplan et al. 2020 L(N, S); Hoffmann et al. "
    "2022 §3.3)",
    description="approximation + estimation + optimization + noise as power laws in N, D, T; -> E_noise as all grow",
).expr

# --- Bottou & Bousquet: the small-scale / large-scale trade-off --------------------------------------------------
E_app = declare("E_app", r"\mathcal{E}_{\mathrm{app}}", "approximation error of the model class", NONNEGATIVE,
                nonnegative=True)
a_est = declare("a_est", r"\alpha", "estimation-rate exponent: 1/2 (slow) to 1 (fast)",
                Domain(0.5, 1.0, lo_closed=True, hi_closed=True), positive=True)
rho_opt = declare("rho_opt", r"\rho", "optimization tolerance: the optimizer stops within rho of the empirical "
                  "minimum", NONNEGATIVE, nonnegative=True)
nu_G = declare("nu_G", r"\nu", "tr(G H^-1): gradient covariance against the Hessian", positive=True)
eps_target = declare("eps_target", r"\varepsilon", "target excess error above c E_app", UNIT_INTERVAL, positive=True)

bottou_bousquet_excess = register(
    "decomposition.bottou_bousquet_excess", E_app + (d_par / D * sp.log(D / d_par)) ** a_est + rho_opt,
    [E_app, d_par, D, a_est, rho_opt],
    source=f"{BOTTOU}, §3 (E = E_app + E_est + E_opt bound)",
    description="excess error bound: approximation + (d/D log(D/d))^alpha + rho; estimation falls in D for D > e d",
    constraints=[(D > sp.E * d_par, "the estimation bound decreases in D only for D > e d")],
).expr
small_scale_excess = bottou_bousquet_excess.subs(rho_opt, 0)
"""Small-scale learning (data binds, computing time does not): optimize to rho = 0, leaving the classical
approximation-estimation trade-off."""
register(
    "decomposition.gd_time_to_accuracy", d_par**2 * kappa_H / eps_target ** (1 / a_est) * sp.log(1 / eps_target) ** 2,
    [d_par, kappa_H, eps_target, a_est], source=f"{BOTTOU}, Table 2 (GD row, last column; up to constants)",
    description="large-scale learning: time for GD to reach excess error c(E_app + eps); grows with 1/eps^(1/alpha)",
    domains={eps_target: Domain(0.0, 1.0)},
)
register(
    "decomposition.sgd_time_to_accuracy", d_par * nu_G * kappa_H**2 / eps_target,
    [d_par, nu_G, kappa_H, eps_target], source=f"{BOTTOU}, Table 2 (SGD row, last column; up to constants)",
    description="large-scale learning: time for SGD to reach excess error c(E_app + eps); independent of alpha and D",
)

# --- bias, variance, noise -----------------------------------------------------------------------------------------
bias = declare("bias", "b", "bias f(x) - E_D[f_D(x)] of the trained predictor at x", REAL, real=True)
variance = declare("variance", "v", "variance over training sets of the prediction at x", NONNEGATIVE,
                   nonnegative=True)
noise_var = declare("noise_var", r"\sigma^2", "variance of the label noise at x", NONNEGATIVE, nonnegative=True)
register(
    "decomposition.bias_variance_noise", noise_var + bias**2 + variance, [noise_var, bias, variance],
    source=f"{GEMAN}, §3 (exact identity for squared loss)",
    description="expected squared error at x over training sets and label noise = noise + bias^2 + variance",
)
