"""Results derived from the double-descent formulas of :mod:`theory.double_descent`, none typed by hand.

* optimal ridge: lam* from dR/dlam = 0 with the Stieltjes transform kept abstract (so the derivation
  holds for any spectrum), and the optimally tuned risk R*(gamma) = R(lam*; gamma);
* the over-parameterized minimum of the ridgeless risk, gamma* = r/(r - sigma), and its value;
* sample-wise double descent: the sample size from which more data hurts at fixed p;
* Heckel-Yilmaz: each feature's optimal stopping iteration;
* Advani-Saxe: the per-eigenmode error a_s(t), solved from its moment ODE;
* Mei-Montanari: the ReLU activation constants, the scalar equation for chi = nu1 nu2 on the imaginary
  axis (the (nu1, nu2) fixed point reduced to one unknown), and its ridgeless root.
"""

from __future__ import annotations

import sympy as sp

from derivations.cache import Derivations
from derivations.roots import select_root, unique_solution
from theory.double_descent import (
    ADVANI_SAXE,
    HASTIE,
    HECKEL_YILMAZ,
    MEI_MONTANARI,
    covariance_bias,
    covariance_equation,
    covariance_variance,
    early_stopping_component,
    eig,
    eta2,
    finite_sample_risk,
    gamma,
    k,
    lam_ridge,
    mode_a,
    mode_b,
    mode_initial,
    mode_moment_flow,
    n,
    n_hy,
    nu1,
    nu2,
    p,
    psi1,
    psi2,
    r2,
    rf_fixed_point,
    ridgeless_risk,
    s1,
    s2,
    s_a,
    s_b,
    sigma2,
    sigma_eps_2,
    sigma_w0_2,
    sigma_wbar_2,
    stieltjes,
    t,
    theta_1,
    v_b,
    w_b,
    x_c0,
    xi,
    zeta,
)
from theory.double_descent import (
    eta1 as eta,
)
from theory.registry import Derivation, register
from theory.symbols import POSITIVE, Domain, declare

_store = Derivations(__name__)


def _over_branch(expr: sp.Expr) -> sp.Expr:
    """The last (over-parameterized) piece of a risk built from Max and Piecewise parts, as one expression."""
    return sp.piecewise_fold(expr.rewrite(sp.Piecewise)).args[-1][0]


# --- optimal ridge ---------------------------------------------------------------------------------------
# R = r2 lam^2 m'(-lam) + sigma2 gamma (m(-lam) - lam m'(-lam)) with m an unknown function: dR/dlam
# factors as (r2 lam - sigma2 gamma)(2 m' - lam m''), and the second factor is the integral of
# 2 s/(s + lam)^3 > 0 over the spectrum, so the only stationary point is the root free of m.
_z = sp.Symbol("z")
_m = sp.Function("m")
_risk_in_m = (r2 * lam_ridge**2 * _m(_z).diff(_z) + sigma2 * gamma * (_m(_z) - lam_ridge * _m(_z).diff(_z))).subs(
    _z, -lam_ridge
)


def _at_minus_lambda(expr: sp.Expr) -> sp.Expr:
    """``expr`` with m(-lam), m'(-lam), m''(-lam) as plain symbols, for the records (they store no abstract m)."""
    values = sp.symbols("m m' m''")

    def value(at: sp.Subs) -> sp.Symbol:  # Subs(Derivative(m(z), (z, k)), z, -lam) -> the k-th value
        return values[at.expr.derivative_count if isinstance(at.expr, sp.Derivative) else 0]

    return expr.replace(lambda e: isinstance(e, sp.Subs) and e.has(_m), value).subs(_m(-lam_ridge), values[0])


def _optimal_lambda() -> sp.Expr:
    roots = sp.solve(sp.factor(sp.diff(_risk_in_m, lam_ridge)), lam_ridge)
    free = [r for r in roots if not r.has(_m) and not r.has(sp.Subs)]
    if len(free) != 1:  # the argument above leaves exactly one stationary point free of m
        raise ArithmeticError(f"expected one root of dR/dlam free of m, got {free}")
    return free[0]


optimal_lambda = _store("optimal_lambda", _optimal_lambda)
register(
    "double_descent.optimal_ridge_lambda", optimal_lambda, [gamma, r2, sigma2],
    source=f"{HASTIE}, Thm 6 / Dobriban-Wager 2018 (derived: dR/dlam = 0)",
    description="ridge penalty minimizing the ridge risk: sigma2 gamma / r2 (the inverse SNR times gamma)",
    domains={r2: POSITIVE},
    derivation=Derivation("solve", _at_minus_lambda(sp.factor(sp.diff(_risk_in_m, lam_ridge))), lam_ridge,
                          from_formulas=("double_descent.ridge_risk",),
                          note="with the Stieltjes transform m kept abstract, so it holds for any spectrum: the root "
                               "free of m (the other factor, 2 m' - lam m'', is positive)"),
)
# At lam* the coefficient of m' vanishes identically: R* = sigma2 gamma m(-lam*), then m made explicit.
_at_optimum = sp.expand(_risk_in_m.subs(lam_ridge, optimal_lambda))
if _at_optimum.has(sp.Subs):  # the derivative term must have cancelled for R* to be sigma2 gamma m
    raise ArithmeticError(f"m' survived at the optimal ridge: {_at_optimum}")
optimal_risk = _store(
    "optimal_risk",
    lambda: sp.factor(sp.radsimp(_at_optimum.subs(_m(-optimal_lambda), stieltjes.subs(lam_ridge, optimal_lambda)))),
)
register(
    "double_descent.optimal_ridge_risk", optimal_risk, [gamma, r2, sigma2],
    source=f"{HASTIE}, Thm 6 (optimally tuned ridge; derived from the ridge risk)",
    description="ridge risk at lam* = sigma2 gamma/r2: sigma2 gamma m(-lam*); increasing in gamma, no peak",
    domains={r2: POSITIVE},
    derivation=Derivation("substitution", _at_minus_lambda(_risk_in_m),
                          from_formulas=("double_descent.ridge_risk", "double_descent.optimal_ridge_lambda"),
                          note="at lam* the m' term cancels, leaving sigma2 gamma m(-lam*) with m the "
                               "Marchenko-Pastur Stieltjes transform"),
)

# --- ridgeless: the over-parameterized minimum ---------------------------------------------------------


def _best_gamma() -> sp.Expr:
    over = _over_branch(ridgeless_risk)
    roots = sp.solve(sp.diff(over, gamma), gamma)
    # Of the two stationary points, the minimum lies above gamma = 1 (at r2 = 4 sigma2 it is gamma = 2).
    snr_above_one = [{r2: 4, sigma2: 1}, {r2: sp.Rational(11, 10), sigma2: 1}, {r2: 300, sigma2: 7}]
    return select_root(roots, lambda r: r > 1, snr_above_one)


best_gamma = _store("best_gamma", _best_gamma)
register(
    "double_descent.ridgeless_best_gamma", best_gamma, [r2, sigma2],
    source=f"{HASTIE}, §3 (derived: minimum of the gamma > 1 branch)",
    description="gamma > 1 minimizing the ridgeless risk: r/(r - sigma); exists when SNR r2/sigma2 > 1",
    constraints=[(r2 > sigma2, "the over-parameterized branch has an interior minimum only if r2 > sigma2")],
    derivation=Derivation("solve", sp.Derivative(ridgeless_risk, gamma), gamma,
                          from_formulas=("double_descent.ridgeless_risk",),
                          note="on the gamma > 1 branch; of its two stationary points, the one above gamma = 1"),
)


def _best_risk() -> sp.Expr:
    # The over-parameterized branch at gamma*. Under the constraint r2 > sigma2 the roots s = sqrt(sigma2) and
    # d = sqrt(r2) - s are positive, so SymPy simplifies exactly in them; the result, 2 sqrt(r2 sigma2) - sigma2,
    # keeps its digits as r2 -> sigma2, where the expanded form (a difference of terms ~ 1/(r2 - sigma2)) gave NaN.
    s, d = sp.symbols("s d", positive=True)
    at_best = _over_branch(ridgeless_risk).subs(gamma, best_gamma).subs({r2: (s + d) ** 2, sigma2: s**2})
    return sp.expand(sp.simplify(at_best).subs({d: sp.sqrt(r2) - sp.sqrt(sigma2), s: sp.sqrt(sigma2)}))


register(
    "double_descent.ridgeless_best_risk", _store("best_risk", _best_risk),
    [r2, sigma2],
    source=f"{HASTIE}, §3 (derived)",
    description="smallest ridgeless risk on gamma > 1: 2 r sigma - sigma2, below the null risk r2 by (r - sigma)^2",
    constraints=[(r2 > sigma2, "needs r2 > sigma2")],
    derivation=Derivation("substitution", ridgeless_risk,
                          from_formulas=("double_descent.ridgeless_risk", "double_descent.ridgeless_best_gamma"),
                          note="the gamma > 1 branch at gamma*, simplified in r = sqrt(r2), sigma = sqrt(sigma2)"),
)

# --- general covariance (two-level spectrum): the root of the self-consistent equation ------------------


def _covariance_root() -> sp.Expr:
    roots = sp.solve(sp.numer(sp.together(covariance_equation)), x_c0)
    # The right-hand side falls from 1 to 0 on x > 0, so exactly one root is positive (tests check positivity and
    # the equation at random points).
    samples = [{gamma: sp.Rational(3, 2), s_a: 1, s_b: 9, w_b: sp.Rational(7, 10)},
               {gamma: 5, s_a: sp.Rational(1, 10), s_b: 2, w_b: sp.Rational(1, 5)},
               {gamma: sp.Rational(11, 10), s_a: 30, s_b: 1, w_b: sp.Rational(19, 20)}]
    return select_root(roots, lambda r: r > 0, samples)


covariance_root = _store("covariance_root", _covariance_root)
_covariance_params = {"source": f"{HASTIE}, Thm 2 (general covariance), two-level spectrum",
                      "constraints": [(gamma > 1, "this form holds in the over-parameterized regime gamma > 1")],
                      "domains": {w_b: Domain(0.0, 1.0, True, True)}}
_COVARIANCE_ROOT = Derivation("solve", covariance_equation, x_c0,
                              note="the positive root of the self-consistent equation (its right-hand side falls "
                                   "from 1 to 0), put into the two-level form")
register(
    "double_descent.covariance_bias", covariance_bias.subs(x_c0, covariance_root), [gamma, r2, s_a, s_b, w_b, v_b],
    description="min-norm bias for Sigma with eigenvalues s_a (fraction 1 - w) and s_b (fraction w), a fraction v "
                "of ||beta||^2 on the s_b block", derivation=_COVARIANCE_ROOT, **_covariance_params,
)
register(
    "double_descent.covariance_variance", covariance_variance.subs(x_c0, covariance_root),
    [gamma, sigma2, s_a, s_b, w_b], description="min-norm variance for the two-level covariance",
    derivation=_COVARIANCE_ROOT, **_covariance_params,
)
register(
    "double_descent.covariance_risk", (covariance_bias + covariance_variance).subs(x_c0, covariance_root),
    [gamma, r2, sigma2, s_a, s_b, w_b, v_b],
    description="min-norm excess risk ||beta_hat - beta||_Sigma^2 for the two-level covariance (noise excluded)",
    derivation=_COVARIANCE_ROOT, **_covariance_params,
)

# --- sample-wise double descent ------------------------------------------------------------------------
def _more_data_hurts_onset() -> sp.Expr:
    # The over-parameterized piece (p >= n + 2) of the exact Gaussian risk, read as a function of n.
    risk_over = _over_branch(finite_sample_risk).subs(n, n_hy)  # n as a continuous variable
    roots = sp.solve(sp.diff(risk_over, n_hy), n_hy)
    # The root below the pole n = p - 1 (the other lies beyond it).
    samples = [{p: 100, r2: 4, sigma2: 1}, {p: 7, r2: sp.Rational(1, 2), sigma2: 3}, {p: 5000, r2: 20, sigma2: 1}]
    return select_root(roots, lambda r: r < p - 1, samples)


more_data_hurts_onset = _store("more_data_hurts_onset", _more_data_hurts_onset)
register(
    "double_descent.more_data_hurts_onset", more_data_hurts_onset, [p, r2, sigma2],
    source="Nakkiran 2019, More data can hurt for linear regression (derived from the exact Gaussian risk)",
    description="sample size from which the expected risk at fixed p rises with n, up to the pole at n = p - 1",
    # Without signal (r2 = 0) the risk rises from the first sample: the onset runs off to -inf.
    domains={r2: POSITIVE},
    derivation=Derivation("solve", sp.Derivative(finite_sample_risk.subs(n, n_hy), n_hy), n_hy,
                          from_formulas=("double_descent.finite_sample_risk",),
                          note="on the over-parameterized piece (p >= n + 2), n read as continuous; the root below "
                               "the pole n = p - 1"),
)

# --- Heckel-Yilmaz: optimal stopping per feature ------------------------------------------------------
_c = sp.Symbol("c", positive=True)  # the contraction (1 - eta s^2)^k


def _optimal_stopping() -> sp.Expr:
    # The component is a quadratic in the contraction c = (1 - eta s^2)^k: minimize in c, then solve for k.
    component = early_stopping_component(s1, theta_1, eta).subs((1 - eta * s1**2) ** k, _c)
    c_star = unique_solution(sp.diff(component, _c), _c)
    # k solves (1 - eta s^2)^k = c*.
    return unique_solution(sp.Eq((1 - eta * s1**2) ** k, c_star), k)


optimal_stopping = _store("optimal_stopping", _optimal_stopping)
register(
    "double_descent.early_stopping_optimum", optimal_stopping, [n_hy, sigma2, s1, theta_1, eta],
    source=f"{HECKEL_YILMAZ}, §3 (derived: minimum of one feature's U-curve)",
    description="iteration minimizing one feature's bias + variance: ln(1 + n s^2 theta^2/sigma2)/-ln(1 - eta s^2)",
    constraints=[(eta * s1**2 < 1, "monotone contraction needs eta s^2 < 1")],
    derivation=Derivation("solve", sp.Derivative(early_stopping_component(s1, theta_1, eta), k), k,
                          note="the component is a quadratic in the contraction c = (1 - eta s^2)^k: minimized in c, "
                               "then (1 - eta s^2)^k = c* solved for k"),
)

# The fix (Heckel-Yilmaz §4): per-feature step sizes that give both features the same contraction rate, so
# the two U-curves reach their minima together.
_matched_contraction = sp.Eq(eta2 * s2**2, eta * s1**2)
matched_step = unique_solution(_matched_contraction, eta2)
register(
    "double_descent.early_stopping_matched_step", matched_step, [s1, s2, eta],
    source=f"{HECKEL_YILMAZ}, §4 (step-size rescaling removes epoch-wise double descent)",
    description="step size on feature 2 giving it feature 1's contraction: eta2 s2^2 = eta1 s1^2",
    derivation=Derivation("solve", _matched_contraction, eta2),
)

# --- Advani-Saxe: per-eigenmode error from the moment ODE ------------------------------------------------


def _mode_error() -> sp.Expr:
    a_fn, b_fn = sp.Function("a"), sp.Function("b")
    state = {mode_a: a_fn(t), mode_b: b_fn(t)}
    equations = [sp.Eq(f(t).diff(t), rhs.subs(state)) for f, rhs in zip((a_fn, b_fn), mode_moment_flow)]
    solution = sp.dsolve(equations, [a_fn(t), b_fn(t)], ics={a_fn(0): mode_initial[0], b_fn(0): mode_initial[1]})
    error = next(s.rhs for s in solution if s.lhs == a_fn(t))
    # Written in the decay factor u = e^{-s t} <= 1: no overflow of e^{s t} at long times.
    u = sp.Symbol("u", positive=True)
    in_u = sp.expand(sp.powsimp(sp.expand(error))).subs(sp.exp(-eig * t), u).subs(sp.exp(-2 * eig * t), u**2)
    in_u = sp.collect(sp.expand(in_u), [sigma_eps_2], sp.factor)
    return in_u.subs(u, sp.exp(-eig * t))


mode_error = _store("mode_error", _mode_error)
"""E[e_s(t)^2] for eigenvalue s: (sigma_w0^2 + sigma_wbar^2) e^{-2st} + sigma_eps^2 (1 - e^{-st})^2 / s."""
# Training residual of mode s: eps_s - sqrt(s) e_s obeys d/dt = -s (itself), from E[(eps_s - sqrt(s) e_s(0))^2].
mode_training_error = (sigma_eps_2 + eig * (sigma_w0_2 + sigma_wbar_2)) * sp.exp(-2 * eig * t)
ADVANI_SAXE_SOURCE = f"{ADVANI_SAXE}, §3 (per-mode solution integrated over the Marchenko-Pastur law)"

# --- Mei-Montanari: ReLU constants and the fixed point on the imaginary axis ------------------------------
_g = sp.Symbol("g", real=True)
_gauss = sp.exp(-(_g**2) / 2) / sp.sqrt(2 * sp.pi)


def _relu_zeta() -> sp.Expr:
    relu_moment = {k_: sp.integrate(_g**k_ * _g * _gauss, (_g, 0, sp.oo)) for k_ in (0, 1)}  # E[G^k relu(G)]
    second = sp.integrate(_g**2 * _gauss, (_g, 0, sp.oo))  # E[relu(G)^2]
    mu0, mu1 = relu_moment[0], relu_moment[1]
    mu_star2 = second - mu0**2 - mu1**2
    return sp.Tuple(mu1 / sp.sqrt(mu_star2), mu_star2)


relu_zeta, relu_mu_star2 = _store("relu_constants", _relu_zeta)
"""zeta = mu_1/mu_star = (1/2)/sqrt(1/4 - 1/(2 pi)) and mu_star^2 = 1/4 - 1/(2 pi) for ReLU."""

# On xi = i y (y > 0) the branch continued from large Im xi is nu_j = i u_j with u_j > 0 (nu_j ~ i psi_j / y
# there), and the fixed point becomes real. With c = u1 u2 = -chi each equation is linear in its u_j, so
# c solves one scalar equation, whose residual c - u1(c) u2(c) increases on the admissible interval.
chi_c = declare("c_rf", "c", "minus chi: u1 u2 with nu_j = i u_j", POSITIVE, real=True)
y_im = declare("y_rf", "y", "Im xi = sqrt(psi1 psi2 lam / mu_star^2)", POSITIVE, real=True)


def _chi_equation() -> sp.Tuple:
    u1, u2 = sp.symbols("u1 u2", positive=True)
    on_axis = {nu1: sp.I * u1, nu2: sp.I * u2, xi: sp.I * y_im}
    eqs = [sp.numer(sp.together(sp.expand(r.subs(on_axis) / sp.I))) for r in rf_fixed_point]
    u1_c = unique_solution(eqs[0].subs(u2, chi_c / u1), u1)
    u2_c = unique_solution(eqs[1].subs(u1, chi_c / u2), u2)
    # Residual scaled by y^2 > 0: y^2 c - (psi1 - g(c))(psi2 - g(c)); increasing in c.
    residual = sp.factor(sp.expand(y_im**2 * (chi_c - u1_c * u2_c)))
    # Ridgeless limit y -> 0: u_j y -> psi_j - g(c) stays finite, so c solves g(c) = min(psi1, psi2).
    psi = sp.Symbol("psi", positive=True)
    roots = sp.solve(sp.factor(sp.expand(u1_c * y_im)).subs(psi1, psi), chi_c)
    c0 = select_root(roots, lambda r: r > 0, [{psi: 1, zeta: 1}, {psi: 3, zeta: sp.Rational(1, 2)},
                                              {psi: sp.Rational(1, 5), zeta: 2}])
    return sp.Tuple(residual, c0.subs(psi, sp.Min(psi1, psi2)))


chi_residual, ridgeless_c = _store("chi_equation", _chi_equation)
_store.save()

MEI_MONTANARI_SOURCE = f"{MEI_MONTANARI}, Thm 1 and §5 (ReLU activation)"
