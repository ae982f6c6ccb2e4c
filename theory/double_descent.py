"""Double descent in linear and random-features regression: the exact risk formulas, registered once.

Risk means the *excess* test risk E[(x0'beta_hat - f(x0))^2]: the label-noise floor sigma^2 is not
included (add it for the full test MSE). Names ending in ``test_mse`` or ``training_error`` include the
noise. Formulas:

* Hastie, Montanari, Rosset, Tibshirani (2022): isotropic min-norm least squares vs gamma = p/n,
  with bias and variance; ridge through the Marchenko-Pastur Stieltjes transform; the misspecified
  model (hidden features act as noise).
* Exact finite-sample Gaussian expectations (Breiman-Freedman; Belkin-Hsu-Xu Thm 1), read vs p or n.
* Belkin, Hsu, Xu (2020): random subset of p of D Gaussian features.
* Advani, Saxe, Sompolinsky (2020): gradient flow, as an average over the Marchenko-Pastur density
  of a per-eigenmode error (its moment ODE is here; the solution is derived in
  :mod:`derivations.double_descent.forms`).
* Heckel, Yilmaz (2021): early-stopped gradient descent on features of two scales.
* Mei, Montanari (2022): random ReLU features; the (nu1, nu2) fixed point is stated here, its
  numeric solution lives in :mod:`derivations.double_descent.numerics`.
"""

from __future__ import annotations

import sympy as sp

from theory.dynamics import Model
from theory.registry import Derivation, register
from theory.symbols import NONNEGATIVE, NONNEGATIVE_INTEGER, POSITIVE, UNIT_INTERVAL, Domain, declare

HASTIE = "Hastie, Montanari, Rosset, Tibshirani 2022, Ann. Statist. 50(2):949-986, arXiv 1903.08560"
BHX = "Belkin, Hsu, Xu 2020, Two models of double descent for weak features, SIAM J. Math. Data Sci., arXiv 1903.07571"
ADVANI_SAXE = "Advani, Saxe, Sompolinsky 2020, Neural Networks 132:428-446, arXiv 1710.03667"
HECKEL_YILMAZ = "Heckel, Yilmaz 2021, Early stopping in deep networks: double descent and how to eliminate it, " \
                "ICLR, arXiv 2007.10099"
MEI_MONTANARI = "Mei, Montanari 2022, The generalization error of random features regression, CPAM, arXiv 1905.10451"

POSITIVE_INTEGER = Domain(0.0, integer=True)

# --- symbols (declared with real=True where a name is shared with another family) ----------------------
gamma = declare("gamma", r"\gamma", "aspect ratio p/n: parameters per training sample", positive=True)
r2 = declare("r2", "r^2", "signal strength ||beta||^2", nonnegative=True)
sigma2 = declare("sigma2", r"\sigma^2", "label-noise variance", positive=True)
lam_ridge = declare("lam", r"\lambda", "ridge penalty on the scale of X'X/n (penalty n lam ||b||^2)", positive=True)
theta2 = declare("theta2", r"\|\theta\|^2", "signal carried by unobserved features (acts as noise)",
                 nonnegative=True)
n = declare("n", "n", "number of training samples", POSITIVE_INTEGER, positive=True, integer=True)
p = declare("p", "p", "number of features (parameters) used by the model", POSITIVE_INTEGER, positive=True,
            integer=True)
D_total = declare("D", "D", "number of features of the data (the learner uses p of them)", POSITIVE_INTEGER,
                  positive=True, integer=True)
w2 = declare("w2", r"\|w\|^2", "squared norm of the true coefficients over all D features", nonnegative=True)
w_T2 = declare("w_T2", r"\|w_T\|^2", "true signal on the p features the learner uses", nonnegative=True)
w_Tc2 = declare("w_Tc2", r"\|w_{T^c}\|^2", "true signal on the features the learner does not use",
                nonnegative=True)

# Advani-Saxe gradient flow.
alpha = declare("alpha", r"\alpha", "samples per parameter P/N (= 1/gamma)", POSITIVE, real=True)
t = declare("t", "t", "training time (gradient flow, in units of the time constant tau)", NONNEGATIVE, real=True)
sigma_w0_2 = declare("sigma_w0_2", r"\sigma_{w_0}^2", "variance of the student's initial weights", nonnegative=True)
sigma_wbar_2 = declare("sigma_wbar_2", r"\sigma_{\bar w}^2", "variance of the teacher's weights", nonnegative=True)
sigma_eps_2 = declare("sigma_eps_2", r"\sigma_\epsilon^2", "label-noise variance", nonnegative=True)
eig = declare("s", "s", "eigenvalue of X X' (Marchenko-Pastur distributed)", positive=True)
mode_a = declare("a_s", "a_s", "per-eigenmode mean squared error E[e_s^2]", NONNEGATIVE, real=True)
mode_b = declare("b_s", "b_s", "per-eigenmode error-noise correlation E[e_s eps_s]", real=True)

# Heckel-Yilmaz early stopping.
k = declare("k", "k", "gradient-descent iterations", NONNEGATIVE, real=True)
s1 = declare("s1", r"\sigma_1", "standard deviation of feature 1 (fast)", positive=True)
s2 = declare("s2", r"\sigma_2", "standard deviation of feature 2 (slow)", positive=True)
theta_1 = declare("theta_1", r"\theta^*_1", "true coefficient of feature 1", real=True)
theta_2 = declare("theta_2", r"\theta^*_2", "true coefficient of feature 2", real=True)
eta1 = declare("eta1", r"\eta_1", "step size on feature 1", positive=True)
eta2 = declare("eta2", r"\eta_2", "step size on feature 2", positive=True)
n_hy = declare("n", "n", "number of training samples", POSITIVE, real=True)

# Mei-Montanari random features.
psi1 = declare("psi1", r"\psi_1", "random features per input dimension N/d", positive=True)
psi2 = declare("psi2", r"\psi_2", "training samples per input dimension n/d", positive=True)
lam_rf = declare("lam", r"\lambda", "ridge penalty (N lam/d) ||a||^2; 0 is the ridgeless (min-norm) limit",
                 NONNEGATIVE, real=True)
F1sq = declare("F1sq", "F_1^2", "energy of the linear part of the target", nonnegative=True)
tau2 = declare("tau2", r"\tau^2", "label-noise variance", nonnegative=True)
Fstar2 = declare("Fstar2", r"F_\star^2", "energy of the nonlinear part of the target", nonnegative=True)
zeta = declare("zeta", r"\zeta", "activation's linear-to-nonlinear ratio mu_1/mu_star", positive=True)
chi = declare("chi", r"\chi", "nu_1 nu_2 at xi = i sqrt(psi1 psi2 lam/mu_star^2)", real=True)
nu1 = declare("nu1", r"\nu_1", "first resolvent fixed-point variable", complex=True)
nu2 = declare("nu2", r"\nu_2", "second resolvent fixed-point variable", complex=True)
xi = declare("xi", r"\xi", "spectral argument, i sqrt(psi1 psi2 lam/mu_star^2)", complex=True)


# --- Hastie et al. Thm 1: isotropic min-norm least squares ----------------------------------------------
ridgeless_bias = register(
    "double_descent.ridgeless_bias", r2 * sp.Max(0, 1 - 1 / gamma),
    [gamma, r2],
    source=f"{HASTIE}, Thm 1", description="bias of min-norm least squares, isotropic features: 0 below gamma = 1",
).expr
ridgeless_variance = register(
    "double_descent.ridgeless_variance",
    sp.Piecewise((sigma2 * gamma / (1 - gamma), gamma < 1), (sp.oo, sp.Eq(gamma, 1)), (sigma2 / (gamma - 1), True)),
    [gamma, sigma2],
    source=f"{HASTIE}, Thm 1", description="variance of min-norm least squares; symmetric under gamma -> 1/gamma",
    diverges="at gamma = 1 (interpolation threshold)",
).expr
ridgeless_risk = register(
    "double_descent.ridgeless_risk", ridgeless_bias + ridgeless_variance, [gamma, r2, sigma2],
    source=f"{HASTIE}, Thm 1",
    description="excess risk (noise floor excluded) of min-norm least squares vs gamma = p/n; null risk r2",
    diverges="at gamma = 1 (interpolation threshold)",
).expr

# --- ridge through the Marchenko-Pastur Stieltjes transform ---------------------------------------------
# m(z) = (1 - gamma - z - sqrt((1 - gamma - z)^2 - 4 gamma z)) / (2 gamma z) at z = -lam. This root is the
# one that stays accurate as lam -> 0 for gamma > 1 (atom at 0: m ~ (1 - 1/gamma)/lam); the bias and
# variance below are brought to forms without 1/lam, so they are accurate for every gamma.
_disc = (1 - gamma + lam_ridge) ** 2 + 4 * gamma * lam_ridge
# Squares of gamma and lam appear under the root: beyond 1e150 they overflow double precision, so the ridge
# forms declare gamma, lam <= 1e150 (far past any aspect ratio or penalty of interest) instead of giving NaN.
_RIDGE_DOMAINS = {gamma: Domain(0.0, 1e150, hi_closed=True), lam_ridge: Domain(0.0, 1e150, hi_closed=True)}
stieltjes = (sp.sqrt(_disc) - (1 - gamma + lam_ridge)) / (2 * gamma * lam_ridge)
# Evaluated as 2/(S + u) where u = 1 - gamma + lam >= 0 (the definition cancels there: at gamma = 1 and lam = 1e-44
# it gave 0 for 4e21), as written where u < 0; (S - u)(S + u) = S^2 - u^2 = 4 gamma lam makes the two equal.
_u_mp = 1 - gamma + lam_ridge
register(
    "double_descent.stieltjes_mp",
    sp.Piecewise((2 / (sp.sqrt(_disc) + _u_mp), _u_mp >= 0), (stieltjes, True)),
    [gamma, lam_ridge],
    source=f"{HASTIE}, §5 (Marchenko-Pastur law, ratio gamma)",
    description="Stieltjes transform m(-lam) of the Marchenko-Pastur law, ratio gamma; > 0, decreasing in lam",
    domains=_RIDGE_DOMAINS,
)
# dm/dz at z = -lam: the analytic derivative (d/dlam of m(-lam) is -m').
stieltjes_derivative = -sp.diff(stieltjes, lam_ridge)
# Bias r2 lam^2 m'(-lam) and variance sigma2 gamma (m - lam m') in forms without cancellation (the expanded ones gave
# a bias of -0.5 at lam = 1e-300, gamma = 1); tests check them against these definitions at 50 digits and, at tiny lam,
# at 100 digits beyond the definitions' cancellation. With u = gamma - 1 (exact near gamma = 1) the discriminant is a
# sum of non-negative terms, u^2 + lam (lam + 2 gamma + 2), and S is its root. The bias numerator A + u S, with
# A = u^2 + lam (gamma + 1), is such a sum for gamma >= 1; for gamma < 1 it cancels down to O(lam^2), so there it is
# rationalized by (A + u S)(A - u S) = 4 gamma lam^2. The variance's gamma + 1 + lam - S is rationalized the same
# way: (gamma + 1 + lam)^2 - S^2 = 4 gamma.
_u = gamma - 1
_root = sp.sqrt(_u**2 + lam_ridge * (lam_ridge + 2 * gamma + 2))
_a = _u**2 + lam_ridge * (gamma + 1)
ridge_bias = register(
    "double_descent.ridge_bias",
    r2 * sp.Piecewise(((_a + _u * _root) / (2 * gamma * _root), gamma >= 1),
                      (2 * lam_ridge**2 / (_root * (_a - _u * _root)), True)),
    [gamma, lam_ridge, r2],
    source=f"{HASTIE}, Thm 5 (r2 lam^2 m'(-lam))",
    description="bias of ridge regression, isotropic features: r2 lam^2 m'(-lam); -> r2 as lam -> oo",
    domains=_RIDGE_DOMAINS,
).expr
ridge_variance = register(
    "double_descent.ridge_variance", 2 * sigma2 * gamma / (_root * (gamma + 1 + lam_ridge + _root)),
    [gamma, lam_ridge, sigma2],
    source=f"{HASTIE}, Thm 5 (sigma2 gamma (m - lam m'))",
    description="variance of ridge regression: sigma2 gamma (m(-lam) - lam m'(-lam)); finite at gamma = 1",
    domains=_RIDGE_DOMAINS,
).expr
ridge_risk = register(
    "double_descent.ridge_risk", ridge_bias + ridge_variance, [gamma, lam_ridge, r2, sigma2],
    source=f"{HASTIE}, Thm 5 (Dobriban-Wager form)",
    description="excess risk of ridge regression (penalty n lam ||b||^2) vs gamma; finite everywhere for lam > 0",
    domains=_RIDGE_DOMAINS,
).expr

# --- misspecified model: unobserved features act as noise (Hastie et al. §5.1) --------------------------
register(
    "double_descent.misspecified_risk", theta2 + ridgeless_risk.subs(sigma2, sigma2 + theta2),
    [gamma, r2, theta2, sigma2],
    source=f"{HASTIE}, §5.1 (misspecified model)",
    description="excess risk over the Bayes predictor when signal theta2 sits on unobserved features: "
                "sigma2 -> sigma2 + theta2 plus the offset theta2",
    diverges="at gamma = 1",
)

# --- general covariance, gamma > 1 (Hastie et al. Thm 2-type), for a two-level spectrum -----------------
# Sigma has eigenvalue s_a on a fraction 1 - w of the features and s_b on w; beta puts a fraction v of its
# energy on the s_b eigenvectors. With x = gamma c0 the self-consistent equation and the risk read:
s_a = declare("s_a", "s_a", "covariance eigenvalue of the first block of features", positive=True)
s_b = declare("s_b", "s_b", "covariance eigenvalue of the second block of features", positive=True)
w_b = declare("w_b", "w", "fraction of the features in the second block", UNIT_INTERVAL, positive=True)
v_b = declare("v_b", "v", "fraction of the signal ||beta||^2 on the second block", Domain(0.0, 1.0, True, True),
              nonnegative=True)
x_c0 = declare("x_c0", r"\gamma c_0", "gamma times the root c0 of the self-consistent equation", positive=True)


def two_level_average(f: sp.Expr, weight: sp.Expr) -> sp.Expr:
    """Integral of f(s) over the two-level distribution (1 - weight) delta_{s_a} + weight delta_{s_b}."""
    return (1 - weight) * f.subs(eig, s_a) + weight * f.subs(eig, s_b)


covariance_equation = two_level_average(1 / (1 + x_c0 * eig), w_b) - (1 - 1 / gamma)
"""Zero at x = gamma c0: 1 - 1/gamma = integral of 1/(1 + c0 gamma s) dH(s)."""
_ratio = (two_level_average(eig**2 / (1 + x_c0 * eig) ** 2, w_b)
          / two_level_average(eig / (1 + x_c0 * eig) ** 2, w_b))
covariance_bias = r2 * (1 + x_c0 * _ratio) * two_level_average(eig / (1 + x_c0 * eig) ** 2, v_b)
covariance_variance = sigma2 * x_c0 * _ratio

# --- exact finite-sample expectations, Gaussian design --------------------------------------------------
_classical = p <= n - 2
_modern = p >= n + 2
# The row space of X is a uniformly random min(n, p)-dimensional subspace: the unseen signal fraction is
# 1 - n/p when p > n and 0 otherwise (finite at the pole, where only the variance diverges).
finite_sample_bias = r2 * sp.Max(0, 1 - n / p)
finite_sample_variance = sp.Piecewise(
    (sigma2 * p / (n - p - 1), _classical), (sp.oo, ~_modern), (sigma2 * n / (p - n - 1), True)
)
register(
    "double_descent.finite_sample_bias", finite_sample_bias, [n, p, r2],
    source="Breiman & Freedman 1983; " + BHX + ", Thm 1 (row space of X uniformly random)",
    description="expected bias of min-norm least squares, x ~ N(0, I_p): r2 (1 - n/p) for p > n, else 0",
)
register(
    "double_descent.finite_sample_variance", finite_sample_variance, [n, p, sigma2],
    source="Breiman & Freedman 1983 (inverse Wishart mean); " + BHX + ", Thm 1",
    description="expected variance of min-norm least squares: sigma2 p/(n-p-1) or sigma2 n/(p-n-1)",
    diverges="for p in {n-1, n, n+1}",
)
finite_sample_risk = register(
    "double_descent.finite_sample_risk", finite_sample_bias + finite_sample_variance, [n, p, r2, sigma2],
    source="Breiman & Freedman 1983; " + BHX + ", Thm 1 (noise floor removed)",
    description="exact expected excess risk of min-norm least squares with n Gaussian samples, p features; "
                "vs n at fixed p it is the sample-wise double descent",
    diverges="for p in {n-1, n, n+1}",
).expr

# --- Belkin-Hsu-Xu: a subset T of p of the D features -------------------------------------------------
# Full test risk (noise included): the unused signal w_Tc2 joins the noise.
subset_risk = sp.Piecewise(
    ((w_Tc2 + sigma2) * (1 + p / (n - p - 1)), _classical),
    (sp.oo, ~_modern),
    (w_T2 * (1 - n / p) + (w_Tc2 + sigma2) * (1 + n / (p - n - 1)), True),
)
# A uniformly random subset carries E||w_T||^2 = (p/D) ||w||^2; the risk is linear in it, so substitute.
register(
    "double_descent.random_subset_test_mse",
    subset_risk.subs({w_T2: p / D_total * w2, w_Tc2: (1 - p / D_total) * w2}), [p, n, D_total, w2, sigma2],
    source=f"{BHX}, Thm 1 with a uniformly random subset",
    description="full test MSE (noise included) of min-norm LS on p of D Gaussian features chosen at random",
    constraints=[(p <= D_total, "the learner uses at most all features: p <= D")],
    diverges="for p in {n-1, n, n+1}",
    domains={p: NONNEGATIVE_INTEGER},
    derivation=Derivation("substitution", subset_risk,
                          note="Belkin-Hsu-Xu's risk for a given subset, with a uniformly random subset's "
                               "E||w_T||^2 = (p/D) ||w||^2 (the risk is linear in it)"),
)

# --- Advani-Saxe: gradient flow from w(0), per eigenmode of X X' -----------------------------------------
# tau de/dt = -s e + sqrt(s) eps per eigenmode s: the moment ODE of a = E e^2 and b = E[e eps] (tau = 1).
mode_moment_flow = (-2 * eig * mode_a + 2 * sp.sqrt(eig) * mode_b, -eig * mode_b + sp.sqrt(eig) * sigma_eps_2)
mode_initial = (sigma_w0_2 + sigma_wbar_2, sp.Integer(0))
# The same dynamics as a gradient-flow model for the simulator: by linearity e_s(t) = e_s(0) g_init(t) +
# eps_s g_noise(t), where g_init starts at 1 without noise and g_noise at 0 with unit noise, each the gradient
# flow of (sqrt(s) g - target)^2 / 2; so E e_s(t)^2 = (sigma_w0^2 + sigma_wbar^2) g_init^2 + sigma_eps^2 g_noise^2.
g_init = declare("g_init", "g_0", "response of a mode's error to its initial value", real=True)
g_noise = declare("g_noise", "g_\\epsilon", "response of a mode's error to its label noise", real=True)
MODE_FLOW = Model(
    name="advani_saxe_mode",
    state=(g_init, g_noise),
    params=(eig, sigma_w0_2, sigma_wbar_2, sigma_eps_2),
    objective=(sp.sqrt(eig) * g_init) ** 2 / 2 + (sp.sqrt(eig) * g_noise - 1) ** 2 / 2,
    rates=(sp.Integer(1), sp.Integer(1)),
    coordinates=(g_init, g_noise),
    to_state=(g_init, g_noise),
    observables={"mode_error": (sigma_w0_2 + sigma_wbar_2) * g_init**2 + sigma_eps_2 * g_noise**2},
    defaults={eig: 1.0, sigma_w0_2: 0.0, sigma_wbar_2: 1.0, sigma_eps_2: 0.25},
    initial={g_init: sp.Integer(1), g_noise: sp.Integer(0)},
    references=(ADVANI_SAXE,),
)
mp_edges = ((1 - sp.sqrt(alpha)) ** 2, (1 + sp.sqrt(alpha)) ** 2)
mp_density = sp.sqrt((mp_edges[1] - eig) * (eig - mp_edges[0])) / (2 * sp.pi * eig)
"""Continuous part of the Marchenko-Pastur density of X X' (entries N(0, 1/N), P = alpha N samples)."""
mp_atom = sp.Max(0, 1 - alpha)
"""Mass of the eigenvalue 0 (the frozen subspace) when alpha < 1."""

# --- Heckel-Yilmaz: k steps of gradient descent on features of scales s1, s2 ----------------------------


def early_stopping_component(scale: sp.Expr, coef: sp.Expr, step: sp.Expr) -> sp.Expr:
    """One feature's bias (decays) plus variance (grows) after k GD steps: a U-shape in k."""
    contraction = (1 - step * scale**2) ** k
    return scale**2 * coef**2 * contraction**2 + sigma2 / n_hy * (1 - contraction) ** 2


register(
    "double_descent.early_stopping_risk",
    early_stopping_component(s1, theta_1, eta1) + early_stopping_component(s2, theta_2, eta2),
    [k, n_hy, sigma2, s1, theta_1, eta1, s2, theta_2, eta2],
    source=f"{HECKEL_YILMAZ}, Thm 1 / Fig. 2 (two features)",
    description="excess risk after k GD steps on two features of scales s1, s2: the sum of two U-curves, an "
                "epoch-wise double descent when the scales are separated (risk minus noise floor)",
    constraints=[(eta1 * s1**2 < 2, "gradient descent must be stable on feature 1: eta1 s1^2 < 2"),
                 (eta2 * s2**2 < 2, "gradient descent must be stable on feature 2: eta2 s2^2 < 2")],
    # Iterations are whole: for 1 < eta s^2 < 2 the contraction is negative and a fractional power of it is complex.
    domains={k: NONNEGATIVE_INTEGER},
)

# --- Mei-Montanari: random features ridge regression --------------------------------------------------
_psi = psi1 * psi2
rf_E0 = (-chi**5 * zeta**6 + 3 * chi**4 * zeta**4 + (_psi - psi2 - psi1 + 1) * chi**3 * zeta**6
         - 2 * chi**3 * zeta**4 - 3 * chi**3 * zeta**2 + (psi1 + psi2 - 3 * _psi + 1) * chi**2 * zeta**4
         + 2 * chi**2 * zeta**2 + chi**2 + 3 * _psi * chi * zeta**2 - _psi)
rf_E1 = psi2 * chi**3 * zeta**4 - psi2 * chi**2 * zeta**2 + _psi * chi * zeta**2 - _psi
rf_E2 = (chi**5 * zeta**6 - 3 * chi**4 * zeta**4 + (psi1 - 1) * chi**3 * zeta**6 + 2 * chi**3 * zeta**4
         + 3 * chi**3 * zeta**2 + (-psi1 - 1) * chi**2 * zeta**4 - 2 * chi**2 * zeta**2 - chi**2)
random_features_risk_in_chi = F1sq * rf_E1 / rf_E0 + (tau2 + Fstar2) * rf_E2 / rf_E0 + Fstar2
"""Mei-Montanari Thm 1: F1^2 B + (tau^2 + F*^2) V + F*^2 with B = E1/E0, V = E2/E0 (noise excluded)."""
rf_fixed_point = (
    nu1 - psi1 / (-xi - nu2 - zeta**2 * nu2 / (1 - zeta**2 * nu1 * nu2)),
    nu2 - psi2 / (-xi - nu1 - zeta**2 * nu1 / (1 - zeta**2 * nu1 * nu2)),
)
"""Residuals of the (nu1, nu2) fixed point; chi = nu1 nu2 on the branch continued from large Im xi."""
