"""Values of registered formulas against routes that do not go through their expressions: an asymptotic
expansion evaluated with mpmath, a numerical minimization, a simulated flow, an exact finite-sample limit.
Each test pins every factor of its formula: a changed prefactor, exponent or sign moves the value off."""

import math

import mpmath
import numpy as np
import pytest
from scipy.optimize import minimize_scalar

from derivations.evaluate import evaluate
from derivations.simulate import Event, simulate
from theory.dynamics import SQUARED_LOSS


# --- quanta (Michaud et al.): the continuum losses against the exact Zipf tail --------------------------------
def zipf_tail_with_euler_maclaurin(n: float, alpha: float) -> float:
    """Integral of x^-(alpha+1) from n to oo, as the exact tail sum_{k > n} k^-(alpha+1) (mpmath's Hurwitz zeta,
    not SciPy's) plus the Euler-Maclaurin end correction n^-(alpha+1)/2 and the next term (alpha+1) n^-(alpha+2)/12,
    divided by the normalization zeta(alpha + 1). At n = 1e4 the remainder is ~1e-12 of the value."""
    s = alpha + 1
    with mpmath.workdps(40):
        tail = mpmath.zeta(s, n + 1) + mpmath.mpf(n) ** -s / 2 + s * mpmath.mpf(n) ** -(s + 1) / 12
        return float(tail / mpmath.zeta(s))


@pytest.mark.parametrize("alpha", [0.3, 0.8, 1.5])
def test_quanta_loss_of_scale_is_the_zipf_tail_at_n_equal_n_over_c(alpha):
    a, b, per_quantum, n = 0.4, 2.5, 3e3, 1e4
    expected = a + (b - a) * zipf_tail_with_euler_maclaurin(n, alpha)
    got = evaluate("emergence.quanta_loss_of_scale", N=per_quantum * n, C_q=per_quantum, alpha=alpha, a=a, b=b)
    assert got == pytest.approx(expected, rel=1e-9)
    # The continuum loss itself at the same n, and the discrete loss one Euler-Maclaurin correction below it.
    assert evaluate("emergence.quanta_loss", n=n, alpha=alpha, a=a, b=b) == pytest.approx(expected, rel=1e-9)
    discrete = evaluate("emergence.quanta_loss_discrete", n=n, alpha=alpha, a=a, b=b)
    with mpmath.workdps(30):
        correction = float((b - a) * (mpmath.mpf(n) ** -(alpha + 1) / 2) / mpmath.zeta(alpha + 1))
    assert got - discrete == pytest.approx(correction, rel=1e-3)


@pytest.mark.parametrize("alpha", [0.3, 0.8, 1.5])
def test_quanta_loss_of_data_learns_the_quanta_seen_tau_times(alpha):
    # Quantum n is learned once D p_n = tau with p_n = n^-(alpha+1)/zeta(alpha+1): choose D so that n = 1e4.
    a, b, tau, n = 0.4, 2.5, 7.0, 1e4
    with mpmath.workdps(30):
        data = float(tau * mpmath.zeta(alpha + 1) * mpmath.mpf(n) ** (alpha + 1))
    expected = a + (b - a) * zipf_tail_with_euler_maclaurin(n, alpha)
    got = evaluate("emergence.quanta_loss_of_data", D=data, tau=tau, alpha=alpha, a=a, b=b)
    assert got == pytest.approx(expected, rel=1e-9)


# --- skill graph: the Chernoff bound is the optimized moment-generating-function bound ---------------------------
@pytest.mark.parametrize(("theta", "beta_s", "degree"), [(0.05, 2.0, 100), (0.2, 1.5, 30), (0.01, 8.0, 1000),
                                                         (0.3, 3.0, 7)])
def test_skill_failure_bound_is_the_minimized_chernoff_bound(theta, beta_s, degree):
    # P[X >= k] <= min_t E[e^{tX}] e^{-tk} for X ~ Bin(degree, theta), k = beta_s theta degree (Chernoff 1952):
    # minimized numerically over t, independently of the KL closed form.
    k = beta_s * theta * degree

    def log_bound(t):
        return degree * math.log1p(theta * math.expm1(t)) - t * k

    best = minimize_scalar(log_bound, bounds=(0.0, 50.0), method="bounded", options={"xatol": 1e-12})
    bound = evaluate("emergence.skill_failure_tail_bound", theta=theta, beta_s=beta_s, degree=degree)
    assert bound == pytest.approx(math.exp(best.fun), rel=1e-8)


# --- grokking: the comprehension data size is where the two circuits reach y/2 together ---------------------------
def test_at_the_comprehension_size_both_circuits_reach_half_the_target_together():
    # y != 1 and eta_m != 1, so that no log(y) or 1/eta_m hides behind a unit value.
    base = dict(m0=1e-2, g0=1e-6, y=1.6, c_m=0.1, c_g=5.0, eta_m=1.3, eta_g=0.1)
    d_comp = evaluate("grokking.comprehension_data_size", **base)
    events = {"mem": Event("memorizing_margin", 0.8), "gen": Event("generalizing_margin", 0.8)}
    times = {}
    for factor in (0.99, 1.0, 1.01):
        run = simulate(SQUARED_LOSS, 1e6, {**base, "lam": 0.0, "D": factor * d_comp}, events=events, n_points=20)
        times[factor] = tuple(math.inf if run.events[k] is None else run.events[k] for k in ("mem", "gen"))
    t_mem, t_gen = times[1.0]
    assert t_gen == pytest.approx(t_mem, rel=1e-3)  # the closed form is the tie, to integration accuracy
    # 1% either side decides the race (the loser, frozen once the residual vanishes, may never reach y/2).
    assert times[0.99][0] < times[0.99][1] and times[1.01][1] < times[1.01][0]


# --- double descent: the misspecified model against the exact finite-sample risk ----------------------------------
@pytest.mark.parametrize("gamma", [0.3, 0.7, 1.6, 4.0])
def test_misspecified_risk_is_the_large_sample_limit_of_the_exact_gaussian_risk(gamma):
    # Unobserved isotropic Gaussian features are independent of the observed ones, so their signal theta2 enters
    # as noise; the Breiman-Freedman exact expectation at n = 1e6 (error O(1/n)) plus theta2 must approach it.
    r2, theta2, sigma2, n = 3.0, 1.0, 0.5, 10**6
    exact = theta2 + evaluate("double_descent.finite_sample_risk", n=n, p=round(gamma * n), r2=r2,
                              sigma2=sigma2 + theta2)
    assert evaluate("double_descent.misspecified_risk", gamma=gamma, r2=r2, theta2=theta2,
                    sigma2=sigma2) == pytest.approx(exact, rel=1e-4)


@pytest.mark.parametrize("alpha", [0.5, 2.0])
def test_gradient_flow_bias_and_variance_converge_to_the_ridgeless_parts(alpha):
    # t -> oo: the bias part leaves the frozen subspace plus Hastie's ridgeless bias, the variance part Hastie's
    # ridgeless variance (gamma = 1/alpha); at t = 0 the bias is the initial error and the variance zero.
    kw = dict(sigma_w0_2=0.3, sigma_wbar_2=1.2, sigma_eps_2=0.4)
    late = 60 / (1 - math.sqrt(alpha)) ** 2
    bias = evaluate("double_descent.gradient_flow_bias", alpha=alpha, t=late, **kw)
    variance = evaluate("double_descent.gradient_flow_variance", alpha=alpha, t=late, **kw)
    frozen = max(0.0, 1 - alpha) * kw["sigma_w0_2"]
    assert bias == pytest.approx(frozen + evaluate("double_descent.ridgeless_bias", gamma=1 / alpha, r2=1.2),
                                 rel=1e-6, abs=1e-9)
    assert variance == pytest.approx(evaluate("double_descent.ridgeless_variance", gamma=1 / alpha, sigma2=0.4),
                                     rel=1e-6)
    assert evaluate("double_descent.gradient_flow_bias", alpha=alpha, t=0.0, **kw) == pytest.approx(1.5, rel=1e-9)
    assert evaluate("double_descent.gradient_flow_variance", alpha=alpha, t=0.0, **kw) == pytest.approx(0, abs=1e-12)


# --- scaling: Chinchilla's loss by its terms' limits and slopes -----------------------------------------------------
def test_chinchilla_loss_terms_by_limits_and_log_slopes():
    fit = {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}  # Hoffmann et al. 2022, Eq. (10)
    # At N = D = 1 each power term equals its coefficient: E + A + B.
    assert evaluate("scaling.chinchilla_loss", N=1, D=1, **fit) == pytest.approx(1.69 + 406.4 + 410.7, rel=1e-12)
    # The finite-model term's log slope in N is -alpha, the finite-data term's in D is -beta (finite differences).
    for var, other, exponent, coefficient in (("N", "D", 0.34, 406.4), ("D", "N", 0.28, 410.7)):
        big = {other: 1e300}
        x = np.array([1e9, 1e9 * math.e])
        excess = evaluate("scaling.chinchilla_loss", **{var: x}, **big, **fit) - 1.69
        assert np.log(excess[0] / excess[1]) == pytest.approx(exponent, rel=1e-9)
        assert excess[0] * 1e9**exponent == pytest.approx(coefficient, rel=1e-9)


def test_kaplan_overfitting_data_at_kaplan_s_threshold():
    # Kaplan et al. 2020, Eq. (4.4): D > (5e3) N^0.74 keeps the overfitting penalty below ~2%. With the Table 2 fit
    # the derived requirement at delta = 0.02 is D_c N^(a_N/a_D) / (N_c^(a_N/a_D) (1.02^(1/a_D) - 1)).
    fit = {"N_c": 6.4e13, "D_c": 1.8e13, "alpha_N": 0.076, "alpha_D": 0.103}
    for n in (1e6, 1e9, 1e12):
        need = evaluate("scaling.kaplan_data_to_avoid_overfitting", N=n, delta_L=0.02, **fit)
        assert need / n ** (0.076 / 0.103) == pytest.approx(5.5e3, rel=0.02)
        # At that D the relative excess loss is delta, and the early-stopping step is the steps-law excess.
        assert evaluate("scaling.kaplan_overfitting", N=n, D=need, **fit) == pytest.approx(0.02, rel=1e-9)


# --- rate laws as their sources state them: the value at one point and the elasticity in every parameter ----------
def elasticity(name: str, point: dict, param: str, h: float = 1e-5) -> float:
    """d ln f / d ln param by central differences: the exponent of a power law, whatever its prefactor."""
    up = evaluate(name, **{**point, param: point[param] * math.exp(h)})
    down = evaluate(name, **{**point, param: point[param] * math.exp(-h)})
    return (math.log(up) - math.log(down)) / (2 * h)


LN2, LN3, LN16 = math.log(2), math.log(3), math.log(16)
RATE_LAWS = [
    # Barron 1993, Thm 1: (2 r C_f)^2 / N.
    ("decomposition.approximation_barron", {"C_f": 1, "N": 1, "r_ball": 1}, 4.0, {"N": -1, "r_ball": 2, "C_f": 2}),
    # c N^(-2s/d): exponent -2s/d in N; in s and d the elasticity is -+(2s/d) ln N.
    ("decomposition.approximation_smooth", {"N": 2, "c_app": 3, "d_in": 4, "smoothness": 1}, 3 / math.sqrt(2),
     {"N": -0.5, "c_app": 1, "smoothness": -0.5 * LN2, "d_in": 0.5 * LN2}),
    # Hoffmann et al. 2022: A / N^alpha and B / D^beta.
    ("decomposition.approximation_power_law", {"A": 2, "N": 3, "alpha": 0.5}, 2 / math.sqrt(3),
     {"A": 1, "N": -0.5, "alpha": -0.5 * LN3}),
    ("decomposition.estimation_power_law", {"B": 2, "D": 3, "beta": 0.5}, 2 / math.sqrt(3),
     {"B": 1, "D": -0.5, "beta": -0.5 * LN3}),
    # Fast rate c d / D and slow rate c sqrt(d / D).
    ("decomposition.estimation_fast", {"D": 4, "c_est": 2, "d_par": 3}, 1.5, {"D": -1, "c_est": 1, "d_par": 1}),
    ("decomposition.estimation_slow", {"D": 4, "c_est": 2, "d_par": 3}, math.sqrt(3),
     {"D": -0.5, "c_est": 1, "d_par": 0.5}),
    # Stone 1982: c D^(-2s/(2s+d)); at s = 1, d = 2, D = 16 the rate is 16^-1/2.
    ("decomposition.estimation_stone", {"D": 16, "c_est": 2, "d_in": 2, "smoothness": 1}, 0.5,
     {"D": -0.5, "c_est": 1, "smoothness": -LN16 / 4, "d_in": LN16 / 4}),
    # Nemirovski et al. 2009: R G / sqrt(T) and G^2 / (mu T); Nesterov 2004: Delta_0 (1 - 1/kappa)^T.
    ("decomposition.optimization_sgd", {"G_lip": 3, "R_0": 2, "T": 4}, 3.0, {"G_lip": 1, "R_0": 1, "T": -0.5}),
    ("decomposition.optimization_strongly_convex", {"G_lip": 2, "T": 4, "mu_sc": 0.5}, 2.0,
     {"G_lip": 2, "T": -1, "mu_sc": -1}),
    ("decomposition.optimization_gd_condition", {"Delta_0": 3, "T": 2, "kappa_H": 4}, 1.6875,
     {"Delta_0": 1, "T": 2 * math.log(0.75), "kappa_H": 2 / 3}),
    # Each power-law term 1/2, noise 1/4: elasticities are each term's exponent times its share of 7/4.
    ("decomposition.power_law_total", {"N": 2, "D": 4, "T": 8, "N_0": 1, "D_0": 1, "T_0": 1, "a_N": 1, "a_D": 0.5,
                                       "a_T": 1 / 3, "E_noise": 0.25}, 1.75,
     {"N": -1 / 3.5, "D": -0.5 / 3.5, "T": -1 / 10.5, "N_0": 1 / 3.5, "D_0": 0.5 / 3.5, "T_0": 1 / 10.5,
      "E_noise": 1 / 7, "a_N": -LN2 / 3.5, "a_D": -LN2 / 3.5, "a_T": -LN2 / 3.5}),
    # Bottou & Bousquet 2007, §3: E_app + (d/D ln(D/d))^a + rho at d = 1, D = e^2, a = 3/4 (hand-computed shares).
    ("decomposition.bottou_bousquet_excess", {"E_app": 0.1, "d_par": 1, "D": math.e**2, "a_est": 0.75,
                                              "rho_opt": 0.2}, 0.6752587036,
     {"E_app": 0.1480913900, "rho_opt": 0.2961827799, "D": -0.2083971863, "d_par": 0.2083971863,
      "a_est": -0.5446889009}),
    # Bottou & Bousquet 2007, Table 2: GD d^2 kappa eps^(-1/a) ln(1/eps)^2; SGD d nu kappa^2 / eps.
    ("decomposition.gd_time_to_accuracy", {"d_par": 2, "kappa_H": 3, "eps_target": math.exp(-1), "a_est": 0.75},
     12 * math.exp(4 / 3), {"d_par": 2, "kappa_H": 1, "eps_target": -4 / 3 - 2, "a_est": -4 / 3}),
    ("decomposition.sgd_time_to_accuracy", {"d_par": 2, "nu_G": 3, "kappa_H": 4, "eps_target": 0.5}, 192.0,
     {"d_par": 1, "nu_G": 1, "kappa_H": 2, "eps_target": -1}),
    # Kaplan et al. 2020, Eq. (1.3): (C_c / C_min)^alpha_C.
    ("scaling.kaplan_compute_loss", {"C_min": 2.0, "C_c": 8.0, "alpha_C": 0.5}, 2.0,
     {"C_min": -0.5, "C_c": 0.5, "alpha_C": 0.5 * math.log(4)}),
    # Varma et al. 2023, §3 (linear growth with D): cost c_m D; its ratio to c_g is D / D_crit (= 1 at D = 50).
    ("circuits.memorization_cost", {"c_m": 0.1, "D": 50}, 5.0, {"c_m": 1, "D": 1}),
    ("circuits.efficiency_ratio", {"c_m": 0.1, "c_g": 5, "D": 50}, 1.0, {"c_m": 1, "c_g": -1, "D": 1}),
]


@pytest.mark.parametrize(("name", "point", "value", "exponents"), RATE_LAWS, ids=[r[0] for r in RATE_LAWS])
def test_rate_laws_have_their_published_value_and_exponents(name, point, value, exponents):
    assert evaluate(name, **point) == pytest.approx(value, rel=1e-9)
    assert set(exponents) == set(point)  # every parameter's exponent is pinned
    for param, expected in exponents.items():
        assert elasticity(name, point, param) == pytest.approx(expected, rel=1e-6, abs=1e-9), param


def test_soft_accuracy_is_the_normal_cdf_of_the_log_margin():
    from scipy.stats import norm

    # Correct when the log-normal margin exceeds y/2: Phi(ln(2 z / y) / sigma).
    assert evaluate("circuits.soft_accuracy", z=0.5, y=1.0, sigma=0.3) == pytest.approx(0.5, abs=1e-15)
    assert evaluate("circuits.soft_accuracy", z=1.0, y=1.0, sigma=LN2) == pytest.approx(norm.cdf(1), rel=1e-12)
    assert evaluate("circuits.soft_accuracy", z=0.5, y=2.0, sigma=LN2 / 2) == pytest.approx(norm.cdf(-2), rel=1e-12)


@pytest.mark.parametrize(("n", "p"), [(30, 10), (10, 30), (100, 5), (5, 100)])
def test_finite_sample_bias_and_variance_are_breiman_freedman(n, p):
    # Breiman & Freedman 1983: variance sigma2 p/(n - p - 1) below the threshold, sigma2 n/(p - n - 1) above
    # (symmetric under n <-> p); bias r2 (1 - n/p) above, 0 below.
    variance = evaluate("double_descent.finite_sample_variance", n=n, p=p, sigma2=2.0)
    assert variance == pytest.approx(2.0 * min(n, p) / (max(n, p) - min(n, p) - 1), rel=1e-12)
    bias = evaluate("double_descent.finite_sample_bias", n=n, p=p, r2=3.0)
    assert bias == pytest.approx(3.0 * (1 - n / p) if p > n else 0.0, rel=1e-12, abs=0)
    for pole in (n - 1, n, n + 1):
        assert evaluate("double_descent.finite_sample_variance", n=n, p=pole, sigma2=2.0) == math.inf
    # Next to the poles the variance is finite: sigma2 (n - 2) at p = n - 2, sigma2 n at p = n + 2.
    assert evaluate("double_descent.finite_sample_variance", n=n, p=n - 2, sigma2=2.0) == pytest.approx(2.0 * (n - 2))
    assert evaluate("double_descent.finite_sample_variance", n=n, p=n + 2, sigma2=2.0) == pytest.approx(2.0 * n)


def test_matched_step_equalizes_the_contraction():
    # Heckel & Yilmaz 2021, §4: eta2 s2^2 = eta1 s1^2.
    eta2 = evaluate("double_descent.early_stopping_matched_step", s1=2.0, s2=0.1, eta1=0.05)
    assert eta2 * 0.1**2 == pytest.approx(0.05 * 2.0**2, rel=1e-12) and eta2 == pytest.approx(20.0, rel=1e-12)


# --- emergence: the mirage, multiple choice, thresholds, the critical-scale law ---------------------------------------
def test_per_token_forms_at_points_away_from_unit_scale():
    # (N/c)^alpha, its token probability exp(-loss) and the edit distance L (1 - p), at N/c = 4 and at N/c = 1/4.
    assert evaluate("emergence.per_token_loss", N=8.0, c=2.0, alpha=-0.5) == pytest.approx(0.5, rel=1e-12)
    assert elasticity("emergence.per_token_loss", {"N": 8.0, "c": 2.0, "alpha": -0.5}, "N") == pytest.approx(-0.5)
    assert elasticity("emergence.per_token_loss", {"N": 8.0, "c": 2.0, "alpha": -0.5}, "c") == pytest.approx(0.5)
    assert evaluate("emergence.token_probability", N=2.0, c=8.0, alpha=-0.5) == pytest.approx(math.exp(-2), rel=1e-12)
    assert evaluate("emergence.token_probability", N=8.0, c=2.0, alpha=-0.5) == pytest.approx(math.exp(-0.5))
    assert evaluate("emergence.token_edit_distance", N=8.0, c=2.0, alpha=-0.5, L=3) == pytest.approx(
        3 * (1 - math.exp(-0.5)), rel=1e-12)


def test_mirage_inflection_holds_accuracy_one_over_e_for_any_constants():
    # Schaeffer et al.'s model: at the inflection in ln N, p^L = 1/e (derived independently: L (N/c)^alpha = 1).
    for c, alpha, length in ((3.0, -0.5, 4), (0.2, -2.0, 7)):
        scale = evaluate("emergence.mirage_inflection_scale", c=c, alpha=alpha, L=length)
        assert scale == pytest.approx(c * length ** (-1 / alpha), rel=1e-12)
        assert evaluate("emergence.exact_match_accuracy", N=scale, c=c, alpha=alpha, L=length) == pytest.approx(
            1 / math.e, rel=1e-12)


def test_multiple_choice_against_a_softmax_over_the_options():
    # Correct logit slope ln(N/N_x) against K - 1 zero logits: the softmax computed here directly.
    n_x, slope, k = 3.0, 2.0, 4
    for n in (n_x * math.e, n_x / 2, n_x):
        logits = np.array([slope * math.log(n / n_x)] + [0.0] * (k - 1))
        probs = np.exp(logits) / np.exp(logits).sum()
        brier = (1 - probs[0]) ** 2 + np.sum(probs[1:] ** 2)
        assert evaluate("emergence.choice_probability", N=n, N_x=n_x, slope=slope, K=k) == pytest.approx(probs[0])
        assert evaluate("emergence.brier_score", N=n, N_x=n_x, slope=slope, K=k) == pytest.approx(brier, rel=1e-12)
    # The grade is a step where the correct logit overtakes the others: at N_x itself, not at any other scale.
    grades = evaluate("emergence.multiple_choice_grade", N=np.array([0.9, 1.01, 1.5, 2.5]) * n_x, N_x=n_x)
    assert grades.tolist() == [0, 1, 1, 1]


def test_loss_threshold_performance_is_linear_below_the_threshold():
    # Du et al. 2024: 0 above eta, (eta - L)/(eta - L_min) below; with L = L_inf + (N0/N)^alpha_N composed in.
    assert evaluate("emergence.threshold_performance", loss=np.array([3.5, 2.25, 1.8]), eta=3.0,
                    L_min=1.5).tolist() == pytest.approx([0.0, 0.5, 0.8])
    # N = 8, N0 = 2, alpha_N = 1/2: loss 1.5 + 0.5 = 2, a third of the way from eta = 2.5 down to L_min = 1.
    assert evaluate("emergence.threshold_performance_of_scale", N=8.0, eta=2.5, L_min=1.0, L_inf=1.5, N0=2.0,
                    alpha_N=0.5) == pytest.approx(1 / 3, rel=1e-12)


def weibull(n, n_c, alpha):
    return -np.expm1(-((n / n_c) ** alpha))


@pytest.mark.parametrize(("n_c", "alpha"), [(3.0, 2.0), (0.4, 5.0)])
def test_critical_scale_quantiles_and_onset_by_numerical_inversion(n_c, alpha):
    from scipy.optimize import brentq

    for level in (0.1, 0.3, 0.9):
        root = brentq(lambda n, at=level: weibull(n, n_c, alpha) - at, 1e-9 * n_c, 1e3 * n_c, xtol=1e-14, rtol=1e-14)
        assert evaluate("emergence.critical_scale_quantile", P=level, N_c=n_c, alpha=alpha) == pytest.approx(
            root, rel=1e-10)
    # The knee: the maximum of d^2 P / d(ln N)^2 (central differences of P), located by a bounded minimizer.
    h = 1e-3  # the maximum is flat: a larger step keeps rounding noise out of its location

    def minus_curvature(u):
        return -(weibull(math.exp(u + h), n_c, alpha) - 2 * weibull(math.exp(u), n_c, alpha)
                 + weibull(math.exp(u - h), n_c, alpha)) / h**2

    best = minimize_scalar(minus_curvature, bounds=(math.log(n_c) - 3 / alpha, math.log(n_c)), method="bounded",
                           options={"xatol": 1e-10})
    knee = math.exp(best.x)
    assert evaluate("emergence.critical_scale_onset_scale", N_c=n_c, alpha=alpha) == pytest.approx(knee, rel=1e-5)
    # Shifted law: 1 - exp(-((N - N_c)/N_c)^alpha) above N_c, 0 below.
    shifted = evaluate("emergence.shifted_critical_scale_probability", N=np.array([0.5, 1.5, 2.0]) * n_c, N_c=n_c,
                       alpha=alpha)
    assert shifted == pytest.approx([0.0, -math.expm1(-(0.5**alpha)), 1 - 1 / math.e], rel=1e-12)


# --- grokking: stationary margins and logits against the fixed points and the force balance -------------------------
def test_one_circuit_margins_are_the_flow_s_fixed_points():
    from derivations.grokking.fixed_points import fixed_points

    values = {"y": 1.3, "lam": 0.07, "c_m": 0.2, "c_g": 4.0, "D": 9.0, "eta_m": 0.7, "eta_g": 0.13}
    points = {p.name: p for p in fixed_points(**values)}
    common = {"y": 1.3, "lam": 0.07}
    assert evaluate("grokking.generalizing_margin", c_g=4.0, **common) == pytest.approx(
        points["generalizer"].generalizing_margin, rel=1e-12)
    assert evaluate("grokking.memorizing_margin", c_m=0.2, D=9.0, **common) == pytest.approx(
        points["memorizer"].memorizing_margin, rel=1e-12)
    # The fit edges: the weight decay at which that margin has fallen to y/2.
    lam_m = evaluate("grokking.memorizer_fit_weight_decay", y=1.3, c_m=0.2, D=9.0)
    lam_g = evaluate("grokking.generalizer_fit_weight_decay", y=1.3, c_g=4.0)
    assert evaluate("grokking.memorizing_margin", y=1.3, lam=lam_m * (1 - 1e-12), c_m=0.2, D=9.0) == pytest.approx(
        0.65, rel=1e-9)
    assert evaluate("grokking.generalizing_margin", y=1.3, lam=lam_g * (1 - 1e-12), c_g=4.0) == pytest.approx(
        0.65, rel=1e-9)


@pytest.mark.parametrize(("q", "lam", "p", "p_c"), [(10, 0.05, 2.0, 1.7), (3, 0.3, 1.5, 0.6)])
def test_stationary_logit_solves_the_force_balance(q, lam, p, p_c):
    from scipy.optimize import brentq

    # One circuit, logit w against q - 1 zero logits, penalty (lam/p) P^p w: d/dw [CE + penalty] = 0.
    def force(w):
        return -1 + math.exp(w) / (math.exp(w) + q - 1) + lam * p_c**p / p

    root = brentq(force, -50, 50, xtol=1e-14)
    assert evaluate("grokking.stationary_logit", q=q, lam=lam, p=p, P_c=p_c) == pytest.approx(root, rel=1e-10)


def test_delay_weight_decay_product_is_the_small_lam_limit():
    # lim lam t_generalize as lam -> 0, approached numerically (O(lam) corrections), with eta_m, eta_g != 1.
    values = dict(m0=1e-2, g0=1e-6, y=1.4, c_m=0.1, c_g=5.0, D=120.0, eta_m=0.7, eta_g=0.13)
    lam = 1e-9
    limit = lam * evaluate("grokking.t_generalize", lam=lam, **values)
    assert evaluate("grokking.delay_weight_decay_product", **values) == pytest.approx(limit, rel=1e-6)


# --- Huang et al.: where the power-law curves cross, solved numerically -----------------------------------------------
def test_huang_crossings_and_dip_window_by_root_finding():
    from scipy.optimize import brentq

    a, mu, b, nu, d = 3.0, 1.3, 5e4, 0.7, 200.0
    m_star = brentq(lambda m: math.log(a * m**mu) - math.log(b * m**-nu), 1e-6, 1e9, xtol=1e-14, rtol=1e-14)
    consts = dict(A_mem=a, mu=mu, B_crit=b, nu=nu)
    assert evaluate("huang.crossing_model_size", **consts) == pytest.approx(m_star, rel=1e-10)
    assert evaluate("huang.crossing_data_size", **consts) == pytest.approx(a * m_star**mu, rel=1e-10)
    start = brentq(lambda m: a * m**mu - d, 1e-6, 1e9, xtol=1e-14, rtol=1e-14)
    end = brentq(lambda m: b * m**-nu - d, 1e-6, 1e9, xtol=1e-14, rtol=1e-14)
    assert evaluate("huang.dip_window_start", D=d, A_mem=a, mu=mu) == pytest.approx(start, rel=1e-10)
    assert evaluate("huang.dip_window_end", D=d, B_crit=b, nu=nu) == pytest.approx(end, rel=1e-10)


# --- Chinchilla allocation: the constrained minimum found numerically ------------------------------------------------
HOFFMANN_FIT = {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}  # Hoffmann et al. 2022, Eq. (10)


@pytest.mark.parametrize(("flop", "tokens_of"), [(True, lambda c, n: c / (6 * n)), (False, lambda c, n: c / n)])
@pytest.mark.parametrize("compute", [1e18, 5.76e23])
def test_allocation_is_the_numerical_minimum_of_the_loss_on_the_constraint(flop, tokens_of, compute):
    def loss(log_n):
        n = math.exp(log_n)
        d = tokens_of(compute, n)
        return HOFFMANN_FIT["A"] / n ** HOFFMANN_FIT["alpha"] + HOFFMANN_FIT["B"] / d ** HOFFMANN_FIT["beta"]

    best = minimize_scalar(loss, bounds=(math.log(1e3), math.log(compute)), method="bounded",
                           options={"xatol": 1e-12})
    n_opt = math.exp(best.x)
    consts = {k: HOFFMANN_FIT[k] for k in ("A", "B", "alpha", "beta")}
    prefix = "scaling.compute_optimal_" if flop else "scaling.product_constraint_"
    assert evaluate(prefix + "params", C=compute, **consts) == pytest.approx(n_opt, rel=1e-6)
    assert evaluate(prefix + "tokens", C=compute, **consts) == pytest.approx(tokens_of(compute, n_opt), rel=1e-6)


def test_allocation_exponents_are_the_log_slopes_and_hoffmann_s_approach_3():
    consts = {k: HOFFMANN_FIT[k] for k in ("A", "B", "alpha", "beta")}
    a = evaluate("scaling.params_exponent", alpha=0.34, beta=0.28)
    b = evaluate("scaling.tokens_exponent", alpha=0.34, beta=0.28)
    assert elasticity("scaling.compute_optimal_params", {"C": 1e21, **consts}, "C") == pytest.approx(a, rel=1e-6)
    assert elasticity("scaling.compute_optimal_tokens", {"C": 1e21, **consts}, "C") == pytest.approx(b, rel=1e-6)
    # Hoffmann et al. 2022, Table 2, Approach 3: a = 0.46, b = 0.54 (from the rounded alpha, beta: 0.452, 0.548).
    assert a == pytest.approx(0.46, abs=0.01) and b == pytest.approx(0.54, abs=0.01)


def test_critical_slowing_amplitude_is_the_limit_of_the_scaled_delay():
    # t_generalize (D/D_crit - 1) as D -> D_crit from above, approached numerically; lam c_g comparable to y so
    # that the log(y - lam c_g) term matters.
    values = dict(m0=1e-2, g0=1e-6, y=1.3, lam=0.1, c_m=0.1, c_g=4.0, eta_m=0.7, eta_g=0.13)
    d_crit = 40.0  # c_g / c_m
    eps = 1e-7
    scaled = evaluate("grokking.t_generalize", D=d_crit * (1 + eps), **values) * eps
    assert evaluate("grokking.critical_slowing_amplitude", **values) == pytest.approx(scaled, rel=1e-5)


def test_ungrokking_time_by_simulating_from_the_grokked_state():
    # From margins (m_s, g_s) at D < D_crit with weight decay, the generalizing margin falls to y/2 at t_ungrok.
    start = {"m0": 0.05, "g0": 0.9}
    values = dict(y=1.2, lam=0.02, c_m=0.1, c_g=5.0, D=30.0, eta_m=0.6, eta_g=0.15)
    predicted = evaluate("grokking.t_ungrok", m_s=start["m0"], g_s=start["g0"], **values)
    run = simulate(SQUARED_LOSS, 5 * predicted, {**values, **start},
                   events={"ungrok": Event("generalizing_margin", 0.6, -1)}, n_points=20)
    assert run.events["ungrok"] == pytest.approx(predicted, rel=2e-3)


def test_cross_entropy_delay_by_simulation_with_both_seeds_away_from_one():
    # Varma et al.'s product model at r = 1: memorization, then the test argmax flips after the plateau; seeds
    # s_M = 2, s_G = 0.01 so that the seed ratio (s_M/s_G)^2, not s_M alone, is pinned; P_G = 1.5 so that the
    # efficiency gap P_M^p - P_G^p is.
    from theory.dynamics import CROSS_ENTROPY

    seeds, lam = {"s_G": 0.01, "s_M": 2.0, "P_G": 1.5, "P_M": 2.7}, 0.01  # no norm, nor their gap, equal to one
    delay = evaluate("grokking.cross_entropy_delay", lam=lam, p=2, eta=0.01, **seeds)
    events = {"flip": Event("test_margin", 0.0, +1), "memorized": Event("train_accuracy", 0.5, +1)}
    run = simulate(CROSS_ENTROPY, 1.1 * delay, {"kappa": 2, "lam": lam, **seeds}, events=events, n_points=20)
    assert run.events["flip"] - run.events["memorized"] == pytest.approx(delay, rel=0.01)
