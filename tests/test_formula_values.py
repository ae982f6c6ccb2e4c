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
    base = dict(m0=1e-2, g0=1e-6, y=1.0, c_m=0.1, c_g=5.0, eta_m=1.0, eta_g=0.1)
    d_comp = evaluate("grokking.comprehension_data_size", **base)
    events = {"mem": Event("memorizing_margin", 0.5), "gen": Event("generalizing_margin", 0.5)}
    times = {}
    for factor in (0.99, 1.0, 1.01):
        run = simulate(SQUARED_LOSS, 1e6, {"lam": 0.0, "D": factor * d_comp}, events=events, n_points=20)
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
