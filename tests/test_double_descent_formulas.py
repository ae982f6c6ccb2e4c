"""Double-descent closed forms: limits, symmetries, optima and spot values, each from an independent route.

Expected values come from symbolic limits, numerical optimization or integration of the registered
expressions' defining objects (spectral integrals over the Marchenko-Pastur law, Heckel-Yilmaz's
gradient-descent recursion run step by step), published values (Hastie et al., Belkin-Hsu-Xu,
Mei-Montanari's ridgeless chi), or an independent solver (the Mei-Montanari fixed point continued
from large Im xi) -- never the implementation's own output.
"""

import math

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st
from scipy.integrate import quad, solve_ivp
from scipy.optimize import brentq, minimize_scalar

from derivations.compile import compile_expr
from derivations.double_descent import forms
from derivations.double_descent.numerics import RandomFeaturesChi, gradient_flow_risk_by_modes, mp_average
from derivations.evaluate import evaluate
from theory import double_descent as dd

positive = st.floats(0.05, 20.0)
below_one = st.floats(0.02, 0.98)
above_one = st.floats(1.02, 50.0)
approx = dict(rel=1e-9, abs=1e-12)


def ridgeless(gamma, r2=1.0, sigma2=1.0):
    return evaluate("double_descent.ridgeless_risk", gamma=gamma, r2=r2, sigma2=sigma2)


def ridge(gamma, lam, r2=1.0, sigma2=1.0):
    return evaluate("double_descent.ridge_risk", gamma=gamma, lam=lam, r2=r2, sigma2=sigma2)


# --- Hastie et al. ridgeless (§1.2, §1.9) --------------------------------------------------------------
@pytest.mark.parametrize(("gamma", "weak", "strong"), [(0.5, 1, 1), (0.9, 9, 9), (2, 1.5, 3), (4, 1.0833, 3.3333),
                                                        (10, 1.0111, 3.7111)])
def test_ridgeless_spot_values(gamma, weak, strong):
    # Hand evaluations of Hastie et al. Thm 1: sigma^2 g/(1-g) below the threshold, r^2(1-1/g) + sigma^2/(g-1) above.
    assert ridgeless(gamma, 1, 1) == pytest.approx(weak, abs=1e-4)
    assert ridgeless(gamma, 4, 1) == pytest.approx(strong, abs=1e-4)


def test_ridgeless_limits_are_symbolic():
    pieces = sp.piecewise_fold(dd.ridgeless_risk.rewrite(sp.Piecewise)).args
    under, over = pieces[0][0], pieces[-1][0]
    assert sp.limit(under, dd.gamma, 0, "+") == 0
    assert sp.limit(under, dd.gamma, 1, "-") == sp.oo
    assert sp.limit(over, dd.gamma, 1, "+") == sp.oo
    assert sp.simplify(sp.limit(over, dd.gamma, sp.oo) - dd.r2) == 0  # the null risk


@given(st.floats(1e-9, 1e-3), positive, positive)
def test_ridgeless_is_infinite_at_threshold_and_finite_on_both_sides(eps, r2, sigma2):
    assert ridgeless(1.0, r2, sigma2) == math.inf
    for gamma in (1 - eps, 1 + eps):
        value = ridgeless(gamma, r2, sigma2)
        assert math.isfinite(value) and value > 0.5 * sigma2 / eps


@given(below_one, positive, positive)
def test_variance_is_symmetric_under_gamma_to_one_over_gamma(gamma, r2, sigma2):
    v = evaluate("double_descent.ridgeless_variance", gamma=np.array([gamma, 1 / gamma]), sigma2=sigma2)
    assert v[0] == pytest.approx(v[1], rel=1e-9)
    assert evaluate("double_descent.ridgeless_bias", gamma=gamma, r2=r2) == 0


@given(st.floats(0.02, 0.9), st.floats(1.01, 30.0), positive, positive)
def test_ridgeless_shape(g_under, g_over, r2, sigma2):
    assert ridgeless(g_under, r2, sigma2) > 0 and ridgeless(g_over, r2, sigma2) > 0
    # Increasing and convex below 1.
    h = 1e-3 * g_under
    left, mid, right = (ridgeless(g_under + d, r2, sigma2) for d in (-h, 0, h))
    assert left < mid < right and left + right > 2 * mid
    # Bias r2 (1 - 1/gamma) <= r2, increasing.
    bias = evaluate("double_descent.ridgeless_bias", gamma=np.array([g_over, 2 * g_over]), r2=r2)
    assert bias[0] < bias[1] <= r2


@given(st.floats(1.2, 20.0), st.floats(0.2, 5.0))
def test_overparameterized_minimum_matches_numerical_argmin(snr, sigma2):
    r2 = snr * sigma2
    best = evaluate("double_descent.ridgeless_best_gamma", r2=r2, sigma2=sigma2)
    found = minimize_scalar(lambda g: ridgeless(g, r2, sigma2), bounds=(1.0001, 1e4), method="bounded",
                            options={"xatol": 1e-10})
    assert best == pytest.approx(found.x, rel=1e-4)
    r, s = math.sqrt(r2), math.sqrt(sigma2)
    assert best == pytest.approx(r / (r - s), rel=1e-9)  # Hastie et al. §3: gamma* = r/(r - sigma)
    assert evaluate("double_descent.ridgeless_best_risk", r2=r2, sigma2=sigma2) == pytest.approx(
        2 * r * s - sigma2, rel=1e-9)


@given(st.floats(0.1, 1.0), st.floats(0.2, 5.0))
def test_low_snr_overparameterized_branch_decreases(snr, sigma2):
    g = np.geomspace(1.01, 1e3, 200)
    assert np.all(np.diff(ridgeless(g, snr * sigma2, sigma2)) < 0)


# --- Marchenko-Pastur Stieltjes transform and ridge (§1.4) ----------------------------------------------
def mp_integral(gamma, f, at_zero):
    """Integral of f(s) over the Marchenko-Pastur law of X'X/n, ratio gamma; ``at_zero`` is f on its atom at 0."""
    lo, hi = (1 - math.sqrt(gamma)) ** 2, (1 + math.sqrt(gamma)) ** 2
    density = lambda s: math.sqrt(max(0.0, (hi - s) * (s - lo))) / (2 * math.pi * gamma * s)  # noqa: E731
    # s = lo + (hi - lo) sin^2(phi): removes both square-root edges (and the 1/sqrt(s) edge at gamma = 1).
    ds = lambda phi: (hi - lo) * math.sin(2 * phi)  # noqa: E731
    s_of = lambda phi: lo + (hi - lo) * math.sin(phi) ** 2  # noqa: E731
    layer = [math.sqrt(lo), 10 * math.sqrt(lo)] if 0 < lo < 1e-4 else None  # width of the edge layer in phi
    cont = quad(lambda phi: density(s_of(phi)) * f(s_of(phi)) * ds(phi), 0, math.pi / 2, limit=200,
                epsabs=1e-13, points=layer)[0]
    return cont + max(0.0, 1 - 1 / gamma) * at_zero


def mp_stieltjes_by_quadrature(gamma, lam):
    return mp_integral(gamma, lambda s: 1 / (s + lam), 1 / lam)


def ridge_by_quadrature(gamma, lam, r2=1.0, sigma2=1.0):
    """(bias, variance) of ridge as spectral integrals of the sample covariance (Hastie et al. §2.2 / Thm 5 setup):
    r2 lam^2 E[1/(s + lam)^2] and sigma2 gamma E[s/(s + lam)^2] over the Marchenko-Pastur law."""
    bias = r2 * lam**2 * mp_integral(gamma, lambda s: 1 / (s + lam) ** 2, 1 / lam**2)
    return bias, sigma2 * gamma * mp_integral(gamma, lambda s: s / (s + lam) ** 2, 0.0)


@given(st.floats(0.05, 8.0), st.floats(1e-3, 20.0))
def test_stieltjes_transform_is_the_mp_integral(gamma, lam):
    m = evaluate("double_descent.stieltjes_mp", gamma=gamma, lam=lam)
    assert m == pytest.approx(mp_stieltjes_by_quadrature(gamma, lam), rel=1e-6)
    assert m > evaluate("double_descent.stieltjes_mp", gamma=gamma, lam=1.1 * lam) > 0


def test_stieltjes_limits():
    m, g, lam = dd.stieltjes, dd.gamma, dd.lam_ridge
    # The self-consistent MP equation gamma z m^2 - (1 - gamma - z) m + 1 = 0 at z = -lam.
    assert sp.simplify(sp.expand(-g * lam * m**2 - (1 - g + lam) * m + 1)) == 0
    assert sp.limit(m.subs(g, sp.Rational(1, 2)), lam, 0, "+") == 2  # 1/(1 - gamma)
    assert sp.limit((lam * m).subs(g, 3), lam, 0, "+") == sp.Rational(2, 3)  # the atom 1 - 1/gamma
    assert sp.limit((lam * m).subs(g, 3), lam, sp.oo) == 1


@pytest.mark.parametrize(("gamma", "expected"), [(sp.Rational(1, 2), dd.sigma2),
                                                 (2, dd.r2 / 2 + dd.sigma2),
                                                 (3, 2 * dd.r2 / 3 + dd.sigma2 / 2)])
def test_ridge_to_ridgeless_limit_is_symbolic(gamma, expected):
    assert sp.simplify(sp.limit(dd.ridge_risk.subs(dd.gamma, gamma), dd.lam_ridge, 0, "+") - expected) == 0


@given(st.one_of(below_one, above_one), positive, positive)
def test_ridge_tends_to_ridgeless_and_to_null_risk(gamma, r2, sigma2):
    # Analytic m' (no finite differences): accurate down to lam = 1e-10 even with the atom at gamma > 1.
    assert ridge(gamma, 1e-10, r2, sigma2) == pytest.approx(ridgeless(gamma, r2, sigma2), rel=1e-6)
    assert ridge(gamma, 1e9, r2, sigma2) == pytest.approx(r2, rel=1e-6, abs=1e-8)


def test_ridge_null_limit_is_symbolic():
    assert sp.simplify(sp.limit(dd.ridge_risk, dd.lam_ridge, sp.oo) - dd.r2) == 0


@given(st.floats(1e-3, 10.0), positive, positive)
def test_ridge_is_finite_at_threshold(lam, r2, sigma2):
    assert 0 < ridge(1.0, lam, r2, sigma2) < math.inf


@given(st.floats(0.05, 8.0), st.floats(1e-3, 20.0), positive, positive)
def test_ridge_bias_and_variance_are_the_mp_integrals(gamma, lam, r2, sigma2):
    bias, variance = ridge_by_quadrature(gamma, lam, r2, sigma2)
    assert evaluate("double_descent.ridge_bias", gamma=gamma, lam=lam, r2=r2) == pytest.approx(bias, rel=1e-6)
    assert evaluate("double_descent.ridge_variance", gamma=gamma, lam=lam, sigma2=sigma2) == pytest.approx(
        variance, rel=1e-6)


# The definitions (Hastie et al. Thm 5) through the derived m'(-lam): bias r2 lam^2 m',
# variance sigma2 gamma (m - lam m').
RIDGE_DEFINITIONS = {
    "double_descent.ridge_bias": dd.r2 * dd.lam_ridge**2 * dd.stieltjes_derivative,
    "double_descent.ridge_variance": dd.sigma2 * dd.gamma * (dd.stieltjes - dd.lam_ridge * dd.stieltjes_derivative),
}


def at_digits(expr, digits, **values):
    """``expr`` evaluated by mpmath at ``digits`` significant digits (no double-precision intermediates)."""
    with mpmath.workdps(digits):
        symbols = sorted(expr.free_symbols, key=str)
        return sp.lambdify(symbols, expr, "mpmath")(*(mpmath.mpf(values[str(x)]) for x in symbols))


@pytest.mark.parametrize("name", RIDGE_DEFINITIONS)
def test_stable_ridge_forms_equal_their_definitions_at_50_digits(name):
    registered, definition = dd.ridge_bias if "bias" in name else dd.ridge_variance, RIDGE_DEFINITIONS[name]
    for gamma in (0.1, 0.5, 0.9, 0.999, 1.0, 1.001, 1.5, 3.0, 20.0):
        for lam in (1e-3, 0.1, 1.0, 10.0, 1e3):
            point = dict(gamma=gamma, lam=lam, r2=1.0, sigma2=1.0)
            stable, defined = (at_digits(e, 50, **point) for e in (registered, definition))
            assert abs(stable - defined) <= mpmath.mpf("1e-40") * abs(defined), (gamma, lam)


def test_bias_rationalization_identity():
    # (A + u S)(A - u S) = 4 gamma lam^2 with S^2 the discriminant: it lets the gamma < 1 branch drop the cancellation.
    g, lam, s = dd.gamma, dd.lam_ridge, sp.Symbol("S")
    u, a = g - 1, (g - 1) ** 2 + lam * (g + 1)
    assert sp.expand((a + u * s) * (a - u * s)).subs(s**2, (1 - g + lam) ** 2 + 4 * g * lam).expand() == sp.expand(
        4 * g * lam**2)


@pytest.mark.parametrize("gamma", [0.5, 1.0, 2.0])
@pytest.mark.parametrize("lam", [1e-300, 1e-12])
def test_ridge_bias_and_variance_at_tiny_penalty(gamma, lam):
    # Reference: the definitions through m'(-lam) at 100 digits beyond their cancellation (which eats ~2 |log10 lam|).
    digits = 100 + 2 * round(-math.log10(lam))
    for name, kw in (("double_descent.ridge_bias", dict(r2=1.0)), ("double_descent.ridge_variance", dict(sigma2=1.0))):
        expected = float(at_digits(RIDGE_DEFINITIONS[name], digits, gamma=gamma, lam=lam, r2=1.0, sigma2=1.0))
        assert evaluate(name, gamma=gamma, lam=lam, **kw) == pytest.approx(expected, rel=1e-12, abs=1e-300)
    bias = evaluate("double_descent.ridge_bias", gamma=gamma, lam=lam, r2=1.0)
    variance = evaluate("double_descent.ridge_variance", gamma=gamma, lam=lam, sigma2=1.0)
    if gamma == 1.0:
        # m(-lam) = 1/sqrt(lam) + O(1) at gamma = 1: bias ~ sqrt(lam)/2 -> 0, variance ~ 1/(2 sqrt(lam)) -> inf.
        assert bias == pytest.approx(math.sqrt(lam) / 2, rel=1e-5)
        assert variance == pytest.approx(1 / (2 * math.sqrt(lam)), rel=1e-5)
    else:  # the ridgeless limit (Hastie et al. Thm 1), to O(lam)
        assert bias == pytest.approx(evaluate("double_descent.ridgeless_bias", gamma=gamma, r2=1.0), abs=1e-10)
        assert variance == pytest.approx(evaluate("double_descent.ridgeless_variance", gamma=gamma, sigma2=1.0),
                                         rel=1e-10)


def test_ridge_spot_values():
    assert ridge(1.0, 0.1) == pytest.approx(sum(ridge_by_quadrature(1.0, 0.1)), rel=1e-8)
    assert ridge(1.0, 1.0) == pytest.approx((math.sqrt(5) - 1) / 2, rel=1e-12)


# --- optimal ridge ------------------------------------------------------------------------------------
@given(st.floats(0.05, 10.0), positive, positive)
def test_optimal_lambda_is_the_numerical_argmin(gamma, r2, sigma2):
    lam_star = evaluate("double_descent.optimal_ridge_lambda", gamma=gamma, r2=r2, sigma2=sigma2)
    found = minimize_scalar(lambda u: ridge(gamma, math.exp(u), r2, sigma2), bounds=(-20, 20), method="bounded",
                            options={"xatol": 1e-9})
    assert math.log(lam_star) == pytest.approx(found.x, abs=1e-3)
    best = evaluate("double_descent.optimal_ridge_risk", gamma=gamma, r2=r2, sigma2=sigma2)
    assert best == pytest.approx(found.fun, rel=1e-8)
    # Two routes: R* written through sigma2 gamma m(-lam*) and the ridge risk evaluated at lam*.
    assert best == pytest.approx(ridge(gamma, lam_star, r2, sigma2), rel=1e-10)
    assert best <= min(r2, ridgeless(gamma, r2, sigma2)) * (1 + 1e-12)


@given(st.floats(0.02, 20.0), st.floats(1.001, 3.0), positive, positive)
def test_optimally_tuned_risk_increases_with_gamma(gamma, factor, r2, sigma2):
    # Guards the optimal-ridge form; the verdict lives in claim double_descent.optimal_ridge_removes_peak.
    values = evaluate("double_descent.optimal_ridge_risk", gamma=np.array([gamma, factor * gamma]), r2=r2,
                      sigma2=sigma2)
    assert 0 < values[0] < values[1] < r2


def test_optimal_ridge_symbolic_limits_and_spot_values():
    assert sp.limit(forms.optimal_risk, dd.gamma, 0, "+") == 0
    at_infinity = sp.limit(forms.optimal_risk, dd.gamma, sp.oo)
    assert sp.sqrtdenest(sp.factor(at_infinity - dd.r2, deep=True)) == 0
    unit = {"r2": 1.0, "sigma2": 1.0}
    for gamma, expected in [(0.5, math.sqrt(2) - 1), (1.0, (math.sqrt(5) - 1) / 2), (2.0, (math.sqrt(17) - 1) / 4)]:
        assert evaluate("double_descent.optimal_ridge_risk", gamma=gamma, **unit) == pytest.approx(expected, **approx)
    assert evaluate("double_descent.optimal_ridge_lambda", gamma=2.0, r2=4.0, sigma2=1.0) == 0.5  # sigma2 gamma/r2
    by_quadrature = sum(ridge_by_quadrature(2.0, 0.5, r2=4.0, sigma2=1.0))
    assert evaluate("double_descent.optimal_ridge_risk", gamma=2.0, r2=4.0, sigma2=1.0) == pytest.approx(
        by_quadrature, rel=1e-8)


# --- misspecified model -------------------------------------------------------------------------------
def test_misspecified_spot_values_and_minimum_beyond_threshold():
    spot = dict(r2=3.0, theta2=1.0, sigma2=0.5)
    assert evaluate("double_descent.misspecified_risk", gamma=0.5, **spot) == pytest.approx(2.5)
    assert evaluate("double_descent.misspecified_risk", gamma=2.0, **spot) == pytest.approx(4.0)


# --- finite samples and sample-wise double descent (§1.7) -------------------------------------------------
@pytest.mark.parametrize(("p", "expected"), [(10, 0.3448), (30, 3.333), (60, 3.439), (100, 3.078)])
def test_finite_sample_spot_values(p, expected):
    # Hand evaluations (n = 40, r^2 = 4, sigma^2 = 1) of the inverse-Wishart forms sigma^2 p/(n-p-1) and
    # r^2(1-n/p) + sigma^2 n/(p-n-1); the Monte Carlo tests check the forms themselves.
    assert evaluate("double_descent.finite_sample_risk", n=40, p=p, r2=4, sigma2=1) == pytest.approx(expected,
                                                                                                    abs=1e-3)


@given(st.integers(5, 200), positive, positive)
def test_finite_sample_poles(n, r2, sigma2):
    p = np.arange(max(1, n - 6), n + 7)
    risk = evaluate("double_descent.finite_sample_risk", n=n, p=p, r2=r2, sigma2=sigma2)
    pole = np.abs(p - n) <= 1
    assert np.all(np.isinf(risk[pole])) and np.all(np.isfinite(risk[~pole]))


@given(st.one_of(st.floats(0.05, 0.9), st.floats(1.1, 10.0)), positive, positive)
def test_finite_sample_tends_to_asymptotic(gamma, r2, sigma2):
    n = 10**6
    finite = evaluate("double_descent.finite_sample_risk", n=n, p=round(gamma * n), r2=r2, sigma2=sigma2)
    assert finite == pytest.approx(ridgeless(round(gamma * n) / n, r2, sigma2), rel=50 / n * max(1, 1 / abs(
        gamma - 1)) ** 2)


@given(st.integers(20, 400), st.floats(0.3, 20.0), st.floats(0.05, 5.0))
def test_more_data_hurts_exactly_past_the_onset(p, r2, sigma2):
    # Guards the derived onset; the verdict lives in claim double_descent.more_data_can_hurt.
    onset = evaluate("double_descent.more_data_hurts_onset", p=p, r2=r2, sigma2=sigma2)
    n = np.arange(1, p - 1)  # the over-parameterized side n <= p - 2
    risk = evaluate("double_descent.finite_sample_risk", n=n, p=p, r2=r2, sigma2=sigma2)
    rising = np.diff(risk) > 0  # R(n + 1) > R(n)
    # Discrete steps straddle the continuous onset: rising for n >= onset, falling for n + 1 <= onset.
    assert np.all(rising[n[:-1] >= onset]) and not np.any(rising[n[:-1] + 1 <= onset])
    if sigma2 >= r2:
        assert onset < 1  # noise at least as large as signal: more data hurts over the whole range


# --- Belkin-Hsu-Xu ------------------------------------------------------------------------------------------
def test_random_subset_published_curve():
    p = np.array([0, 10, 20, 30, 38, 42, 50, 60, 80, 100])
    expected = [1.04, 1.264, 1.724, 3.207, 25.74, 25.44, 3.04, 1.566, 0.886, 0.667]
    risk = evaluate("double_descent.random_subset_test_mse", p=p, n=40, D=100, w2=1.0, sigma2=1 / 25)
    assert risk == pytest.approx(expected, abs=2e-3)
    all_p = np.arange(0, 101)
    curve = evaluate("double_descent.random_subset_test_mse", p=all_p, n=40, D=100, w2=1.0, sigma2=1 / 25)
    assert np.all(np.isinf(curve[39:42])) and np.argmin(curve) == 100  # the second descent wins


@given(st.integers(5, 60), st.integers(0, 60), positive, positive)
def test_random_subset_at_all_features(n, extra, w2, sigma2):
    big_d = n + 2 + extra
    value = evaluate("double_descent.random_subset_test_mse", p=big_d, n=n, D=big_d, w2=w2, sigma2=sigma2)
    assert value == pytest.approx(w2 * (1 - n / big_d) + sigma2 * (1 + n / (big_d - n - 1)), rel=1e-10)
    # All features of ever more of them: the risk tends to the null risk plus noise, ||w||^2 + sigma2.
    huge = evaluate("double_descent.random_subset_test_mse", p=10**9, n=n, D=10**9, w2=w2, sigma2=sigma2)
    assert huge == pytest.approx(w2 + sigma2, rel=1e-6)


def test_random_subset_rejects_more_features_than_exist():
    with pytest.raises(ValueError, match="p <= D"):
        evaluate("double_descent.random_subset_test_mse", p=120, n=40, D=100, w2=1.0, sigma2=0.1)


# --- Advani-Saxe gradient flow (§3) -------------------------------------------------------------------------
flow = dict(sigma_w0_2=0.0, sigma_wbar_2=1.0, sigma_eps_2=0.25)


def gflow(alpha, t, **kw):
    return evaluate("double_descent.gradient_flow_risk", alpha=alpha, t=t, **{**flow, **kw})


def test_mode_error_solves_the_moment_ode():
    s, t_end = 0.7, 5.0
    values = {dd.sigma_w0_2: 0.3, dd.sigma_wbar_2: 1.0, dd.sigma_eps_2: 0.25, dd.eig: s}
    rhs = compile_expr((dd.mode_a, dd.mode_b), [e.subs(values) for e in dd.mode_moment_flow])
    sol = solve_ivp(lambda _, u: rhs(*u), (0, t_end), [1.3, 0.0], rtol=1e-11, atol=1e-13, dense_output=True)
    for time in (0.1, 1.0, t_end):
        assert float(forms.mode_error.subs(values).subs(dd.t, time)) == pytest.approx(sol.sol(time)[0], rel=1e-8)


@pytest.mark.parametrize("alpha", [0.5, 2.0])
def test_moment_ode_over_the_mp_law_matches_the_closed_form(alpha):
    # Route 2: integrate the per-mode moment ODE for every eigenvalue of a grid at once, then average with
    # midpoint weights of the MP density (arcsine-type grid, independent of the formula's quadrature).
    lo, hi = (1 - math.sqrt(alpha)) ** 2, (1 + math.sqrt(alpha)) ** 2
    phi = (np.arange(400) + 0.5) * np.pi / 400
    s = lo + (hi - lo) * np.sin(phi / 2) ** 2
    weights = np.sqrt((hi - s) * (s - lo)) / (2 * np.pi * s) * (hi - lo) * np.sin(phi) / 2 * np.pi / 400
    values = {dd.sigma_w0_2: 0.2, dd.sigma_wbar_2: 1.0, dd.sigma_eps_2: 0.25}
    rhs = compile_expr((dd.mode_a, dd.mode_b, dd.eig), [e.subs(values) for e in dd.mode_moment_flow])
    start = np.concatenate([np.full(s.size, 1.2), np.zeros(s.size)])
    times = np.array([0.5, 2.0, 8.0])
    sol = solve_ivp(lambda _, u: np.concatenate(rhs(u[: s.size], u[s.size:], s)), (0, times[-1]), start,
                    t_eval=times, rtol=1e-10, atol=1e-12)
    by_ode = max(0.0, 1 - alpha) * 1.2 + weights @ sol.y[: s.size]
    closed = evaluate("double_descent.gradient_flow_risk", alpha=alpha, t=times, sigma_w0_2=0.2, sigma_wbar_2=1.0,
                      sigma_eps_2=0.25)
    assert closed == pytest.approx(by_ode, rel=1e-4)


@pytest.mark.parametrize("alpha", [0.6, 1.5])
def test_simulated_mode_flows_reproduce_the_gradient_flow_risk(alpha):
    # The ODE route: every eigenmode's gradient flow integrated by the simulator, averaged over the MP law.
    values = {"sigma_w0_2": 0.1, "sigma_wbar_2": 1.0, "sigma_eps_2": 0.25}
    times, by_modes = gradient_flow_risk_by_modes(alpha, 50.0, values, nodes=40, n_points=30)
    closed = evaluate("double_descent.gradient_flow_risk", alpha=alpha, t=times, **values)
    assert closed == pytest.approx(by_modes, rel=1e-4)


@given(st.floats(0.05, 6.0))
def test_mp_continuous_mass_is_min_one_alpha(alpha):
    mass = mp_average("Mass", sp.Integer(1), (), "")
    assert float(mass._imp_(alpha)) == pytest.approx(min(1.0, alpha), rel=1e-9)


@given(st.floats(0.1, 4.0).filter(lambda a: abs(a - 1) > 0.05), st.floats(0.0, 50.0))
def test_gradient_flow_quadrature_matches_adaptive_integration(alpha, t):
    lo, hi = (1 - math.sqrt(alpha)) ** 2, (1 + math.sqrt(alpha)) ** 2
    error = lambda s: math.exp(-2 * s * t) + 0.25 * (1 - math.exp(-s * t)) ** 2 / s  # noqa: E731
    density = lambda s: math.sqrt(max(0.0, (hi - s) * (s - lo))) / (2 * math.pi * s)  # noqa: E731
    expected = max(0.0, 1 - alpha) + quad(lambda s: density(s) * error(s), lo, hi, limit=400, epsabs=1e-13)[0]
    assert gflow(alpha, t) == pytest.approx(expected, rel=1e-7)


@given(st.floats(0.05, 10.0).filter(lambda a: abs(a - 1) > 0.02), st.floats(0.0, 2.0), st.floats(0.1, 3.0),
       st.floats(0.0, 2.0))
def test_gradient_flow_limits(alpha, w0, wbar, eps2):
    kw = dict(sigma_w0_2=w0, sigma_wbar_2=wbar, sigma_eps_2=eps2)
    assert gflow(alpha, 0.0, **kw) == pytest.approx(w0 + wbar, rel=1e-9)
    lam_min = (1 - math.sqrt(alpha)) ** 2
    late = gflow(alpha, 60 / lam_min, **kw)
    # t -> oo: frozen subspace plus Hastie's ridgeless risk with gamma = 1/alpha, r2 = sigma_wbar^2.
    frozen = max(0.0, 1 - alpha) * w0
    assert late == pytest.approx(frozen + ridgeless(1 / alpha, wbar, eps2) if eps2 > 0 else frozen + max(
        0.0, 1 - alpha) * wbar, rel=1e-6, abs=1e-9)
    times = np.geomspace(1e-2, 1e4, 60)
    # The parts' limits against Hastie's ridgeless bias and variance are in test_formula_values.
    parts = [evaluate(f"double_descent.gradient_flow_{part}", alpha=alpha, t=times, **kw) for part in ("bias",
                                                                                                    "variance")]
    assert np.all(np.diff(parts[0]) <= 1e-12) and np.all(np.diff(parts[1]) >= -1e-12)  # the two halves of each U
    train = evaluate("double_descent.gradient_flow_training_error", alpha=alpha, t=times, **kw)
    assert np.all(np.diff(train) <= 1e-12) and np.all(gflow(alpha, times, **kw) >= 0)
    train_late = evaluate("double_descent.gradient_flow_training_error", alpha=alpha, t=60 / lam_min, **kw)
    assert train_late == pytest.approx(eps2 * max(0.0, 1 - 1 / alpha), abs=1e-6)


@pytest.mark.parametrize(("alpha", "at_end", "best"), [(0.5, 1.0, 0.895), (0.8, 1.45, 0.734), (0.95, 5.05, 0.669),
                                                       (1.05, 5.25, 0.632), (1.25, 1.25, 0.569), (2, 0.5, 0.432),
                                                       (4, 0.333, 0.327)])
def test_overtraining_spot_values(alpha, at_end, best):
    # sigma_w0 = 0, sigma_wbar^2 = 1, sigma_eps^2 = 0.25, noise floor added back. The at_end column is the
    # t -> inf limit worked by hand (alpha > 1: s/(alpha-1) + s; alpha < 1: (1-alpha) + s alpha/(1-alpha) + s);
    # the best column an independent evaluation of the per-mode optimal-stopping errors, checked by simulation.
    times = np.geomspace(1e-2, 1e7, 500)
    curve = gflow(alpha, times) + 0.25
    assert curve[-1] == pytest.approx(at_end, abs=5e-3) and curve.min() == pytest.approx(best, abs=2e-3)


def test_gradient_flow_peaks_at_alpha_one_only_at_convergence():
    alphas = np.array([0.2, 0.6, 0.9, 0.97, 1.03, 1.1, 1.5, 3.0, 8.0])
    late = gflow(alphas, 1e8)
    early = np.array([gflow(a, np.geomspace(1e-2, 1e6, 300)).min() for a in alphas])
    assert np.argmax(late) in (3, 4) and late.max() > 5 * early.max()
    over = late - early
    assert over[0] < over[3] and over[-1] < over[4]  # overtraining largest near alpha = 1


# --- Heckel-Yilmaz (§4.1) --------------------------------------------------------------------------------
FIG2 = dict(n=10, sigma2=1.0, s1=1.0, theta_1=0.45, eta1=0.1, s2=0.15, theta_2=3.0)


def early_stopping_by_iteration(steps, n, sigma2, s1, theta_1, eta1, s2, theta_2, eta2):
    """Risk after k = 1 .. steps by running Heckel-Yilmaz's recursion: gradient descent from 0 with the population
    Hessian diag(s^2) and the fixed noise gradient g (covariance sigma2 diag(s^2)/n), error e <- (1 - eta s^2) e +
    eta g. Tracks the mean error and the gain on g; risk = sum s^2 (mean^2 + gain^2 sigma2 s^2/n)."""
    scale, step = np.array([s1, s2]), np.array([eta1, eta2])
    mean, gain = -np.array([theta_1, theta_2]), np.zeros(2)
    risk = np.empty(steps)
    for j in range(steps):
        mean, gain = (1 - step * scale**2) * mean, (1 - step * scale**2) * gain + step
        risk[j] = np.sum(scale**2 * (mean**2 + gain**2 * sigma2 * scale**2 / n))
    return risk


def test_heckel_yilmaz_figure_two():
    k = np.arange(1, 10001)
    risk = evaluate("double_descent.early_stopping_risk", k=k, eta2=0.1, **FIG2)
    assert risk == pytest.approx(early_stopping_by_iteration(k.size, eta2=0.1, **FIG2), rel=1e-9)
    interior = np.flatnonzero((risk[1:-1] < risk[:-2]) & (risk[1:-1] < risk[2:])) + 2
    peaks = np.flatnonzero((risk[1:-1] > risk[:-2]) & (risk[1:-1] > risk[2:])) + 2
    # Fig. 2(a): a first minimum near feature 1's optimum, a bump, then the global minimum near feature 2's.
    assert interior.size == 2 and peaks.size == 1 and interior[0] < peaks[0] < interior[1]
    assert risk[interior[1] - 1] < risk[interior[0] - 1] < risk[peaks[0] - 1]
    # At a minimum of the sum one U rises while the other falls, so both minima lie between the components' optima
    # k*_1 < k*_2 (up to one step on the integer grid).
    k_star = [math.log(1 + FIG2["n"] * s**2 * theta**2 / FIG2["sigma2"]) / -math.log(1 - 0.1 * s**2)
              for s, theta in [(FIG2["s1"], FIG2["theta_1"]), (FIG2["s2"], FIG2["theta_2"])]]
    assert k_star[0] - 1 < interior[0] and interior[1] < k_star[1] + 1
    assert risk[-1] == pytest.approx(FIG2["sigma2"] * 2 / FIG2["n"], abs=1e-6)  # sigma^2 d/n
    # The fix: equal eta_i s_i^2 (eta2 = 4.3 in the paper) gives one U.
    fixed = evaluate("double_descent.early_stopping_risk", k=k, eta2=4.3, **FIG2)
    assert np.sum((fixed[1:-1] < fixed[:-2]) & (fixed[1:-1] < fixed[2:])) == 1
    assert fixed.min() < risk.min()


@given(st.floats(0.02, 0.3), st.floats(0.3, 3.0), st.floats(0.3, 5.0), st.floats(5.0, 100.0), st.floats(0.02, 0.2))
def test_matched_step_sizes_give_a_single_u(s2, theta1, theta2, n, eta1):
    eta2 = evaluate("double_descent.early_stopping_matched_step", s1=1.0, s2=s2, eta1=eta1)
    assert eta2 * s2**2 == pytest.approx(eta1, rel=1e-12)
    k = np.unique(np.round(np.geomspace(1, 1e5, 3000)))
    risk = evaluate("double_descent.early_stopping_risk", k=k, n=n, sigma2=1.0, s1=1.0, theta_1=theta1, eta1=eta1,
                    s2=s2, theta_2=theta2, eta2=eta2)
    # Matched rates make the sum a function of one contraction c: a quadratic in c, so one minimum at most.
    falling = np.diff(risk) < 0
    assert not np.any(falling[1:] & ~falling[:-1])  # never falls again after rising


@given(st.floats(2.0, 1e3), st.floats(0.2, 3.0), st.floats(0.1, 3.0), st.floats(0.1, 5.0), st.floats(0.01, 0.5))
def test_early_stopping_component_optimum(n, sigma2, s, theta, eta_s2):
    eta = eta_s2 / s**2
    args = dict(n=n, sigma2=sigma2, s1=s, theta_1=theta, eta1=eta)
    k_star = evaluate("double_descent.early_stopping_optimum", **args)
    comp = compile_expr((dd.k, dd.n_hy, dd.sigma2, dd.s1, dd.theta_1, dd.eta1),
                        dd.early_stopping_component(dd.s1, dd.theta_1, dd.eta1))
    found = minimize_scalar(lambda k: comp(k, n, sigma2, s, theta, eta), bounds=(0, 10 * k_star + 10),
                            method="bounded", options={"xatol": 1e-8})
    # The U is flat at its bottom when the bias term dominates: compare values, and the published form.
    assert comp(k_star, n, sigma2, s, theta, eta) <= found.fun * (1 + 1e-12)
    assert k_star == pytest.approx(math.log(1 + n * s**2 * theta**2 / sigma2) / -math.log(1 - eta * s**2), rel=1e-12)


# --- Mei-Montanari (§5) -------------------------------------------------------------------------------------
def rf(psi1, psi2=3.0, lam=0.0, F1sq=1.0, tau2=0.2, Fstar2=0.0):
    return evaluate("double_descent.random_features_risk", psi1=psi1, psi2=psi2, lam=lam, F1sq=F1sq, tau2=tau2,
                    Fstar2=Fstar2)


def test_relu_constants_are_published():
    assert float(forms.relu_mu_star2) == pytest.approx(0.25 - 1 / (2 * math.pi))
    assert float(forms.relu_zeta) == pytest.approx(1.659, abs=1e-3)


def chi_by_continuation(psi1, psi2, lam):
    """nu1 nu2 by damped fixed-point iteration, continued from large Im xi down to the target (complex)."""
    mu2 = 0.25 - 1 / (2 * math.pi)
    zeta2 = 0.25 / mu2
    target = math.sqrt(psi1 * psi2 * lam / mu2)
    nu1, nu2 = 0j, 0j
    for im in np.geomspace(1e3, target, 60):
        xi = 1j * im
        if nu1 == 0:
            nu1, nu2 = -psi1 / xi, -psi2 / xi
        for _ in range(20000):
            new1 = psi1 / (-xi - nu2 - zeta2 * nu2 / (1 - zeta2 * nu1 * nu2))
            new2 = psi2 / (-xi - nu1 - zeta2 * nu1 / (1 - zeta2 * nu1 * nu2))
            done = abs(new1 - nu1) + abs(new2 - nu2) < 1e-14
            nu1, nu2 = 0.5 * nu1 + 0.5 * new1, 0.5 * nu2 + 0.5 * new2
            if done:
                break
    return nu1 * nu2


@given(st.floats(0.2, 8.0), st.floats(0.2, 8.0), st.floats(1e-3, 2.0))
def test_chi_is_the_branch_continued_from_large_imaginary_xi(psi1, psi2, lam):
    mu2 = 0.25 - 1 / (2 * math.pi)
    minus_chi = float(RandomFeaturesChi._imp_(psi1, psi2, math.sqrt(psi1 * psi2 * lam / mu2)))
    expected = chi_by_continuation(psi1, psi2, lam)
    assert abs(expected.imag) < 1e-9
    assert -minus_chi == pytest.approx(expected.real, rel=1e-8)


@pytest.mark.parametrize(("psi1", "expected"), [(0.5, 0.850), (1, 0.772), (2, 1.085), (2.7, 3.43), (3.3, 3.54),
                                                 (5, 0.610), (10, 0.240)])
def test_random_features_ridgeless_values(psi1, expected):
    assert rf(psi1) == pytest.approx(expected, abs=6e-3)


@pytest.mark.parametrize(("lam", "psi1", "expected"), [(1e-3, 1, 0.765), (1e-3, 3, 1.168), (1e-3, 6, 0.390),
                                                        (0.1, 1, 0.617), (0.1, 3, 0.361), (0.1, 6, 0.283)])
def test_random_features_ridge_values(lam, psi1, expected):
    assert rf(psi1, lam=lam) == pytest.approx(expected, abs=6e-3)


@given(st.floats(0.2, 10.0), st.floats(0.2, 10.0))
def test_random_features_ridgeless_symmetry_and_ridge_limit(psi1, psi2):
    # Ridgeless chi depends on min(psi1, psi2) only.
    assert RandomFeaturesChi._imp_(psi1, psi2, 0.0) == pytest.approx(RandomFeaturesChi._imp_(psi2, psi1, 0.0))
    if abs(psi1 / psi2 - 1) > 0.1:
        assert rf(psi1, psi2, lam=1e-10) == pytest.approx(rf(psi1, psi2), rel=1e-4)


@given(st.floats(1e-6, 1e-3), st.floats(0.3, 10.0), st.floats(1e-3, 5.0))
def test_random_features_threshold(eps, psi2, lam):
    assert rf(psi2, psi2) == math.inf
    for psi1 in (psi2 * (1 - eps), psi2 * (1 + eps)):
        assert math.isfinite(rf(psi1, psi2)) and rf(psi1, psi2) > 10
    assert math.isfinite(rf(psi2, psi2, lam=lam))


def test_random_features_limits():
    assert rf(1e-4) == pytest.approx(1.0, abs=1e-3)  # null risk F1^2 + F*^2
    assert rf(1e-4, Fstar2=0.5) == pytest.approx(1.5, abs=1e-3)
    # psi1 -> oo is ridgeless kernel regression; linearizing the ReLU kernel (mu1^2 <x, x'>/d + mu*^2 I) makes it
    # linear ridge on gamma = 1/psi2 with lam = gamma/zeta^2 and the nonlinear part as extra noise.
    gamma, zeta2 = 1 / 3.0, float(forms.relu_zeta) ** 2
    kernel = rf(1e7)
    assert kernel == pytest.approx(sum(ridge_by_quadrature(gamma, gamma / zeta2, r2=1.0, sigma2=0.2)), rel=1e-5)
    assert rf(1e7, Fstar2=0.3) == pytest.approx(sum(ridge_by_quadrature(gamma, gamma / zeta2, r2=1.0, sigma2=0.5))
                                                + 0.3, rel=1e-5)
    assert kernel < rf(np.geomspace(0.1, 1e4, 50)).min()


@given(st.floats(0.1, 10.0), st.floats(0.1, 10.0), st.floats(1e-4, 10.0))
def test_random_features_risk_is_positive_and_finite(psi1, psi2, lam):
    value = rf(psi1, psi2, lam)
    assert 0 < value < math.inf


# --- domains ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "values", "bad"), [
    ("double_descent.ridgeless_risk", dict(gamma=-1.0, r2=1.0, sigma2=1.0), "gamma"),
    ("double_descent.ridge_risk", dict(gamma=2.0, lam=0.0, r2=1.0, sigma2=1.0), "lam"),
    ("double_descent.optimal_ridge_risk", dict(gamma=2.0, r2=0.0, sigma2=1.0), "r2"),
    ("double_descent.finite_sample_risk", dict(n=40, p=10.5, r2=1.0, sigma2=1.0), "p"),
    ("double_descent.random_features_risk", dict(psi1=0.0, psi2=3.0, lam=0.0, F1sq=1.0, tau2=0.2, Fstar2=0.0),
     "psi1"),
    ("double_descent.random_features_risk", dict(psi1=1.0, psi2=3.0, lam=-0.1, F1sq=1.0, tau2=0.2, Fstar2=0.0),
     "lam"),
    ("double_descent.gradient_flow_risk", dict(alpha=2.0, t=-1.0, sigma_w0_2=0.0, sigma_wbar_2=1.0,
                                               sigma_eps_2=0.25), "t"),
    ("double_descent.early_stopping_risk", dict(k=10, eta2=100.0, **FIG2), "eta2"),
])
def test_out_of_domain_parameters_are_named(name, values, bad):
    with pytest.raises(ValueError, match=bad):
        evaluate(name, **values)


# --- general covariance (two-level spectrum) -------------------------------------------------------------
@given(st.floats(1.05, 20.0), positive, positive, st.floats(0.1, 10.0), st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_isotropic_covariance_reduces_to_ridgeless(gamma, r2, sigma2, s, w, v):
    # Sigma = s I: the noise part of beta_hat - beta scales by 1/sqrt(s), the signal part not at all, and the
    # Sigma-norm multiplies by s: bias s r2 (1 - 1/gamma), variance unchanged.
    value = evaluate("double_descent.covariance_risk", gamma=gamma, r2=r2, sigma2=sigma2, s_a=s, s_b=s, w_b=w,
                     v_b=v)
    expected = s * evaluate("double_descent.ridgeless_bias", gamma=gamma, r2=r2) + evaluate(
        "double_descent.ridgeless_variance", gamma=gamma, sigma2=sigma2)
    assert value == pytest.approx(expected, rel=1e-9)


@given(st.floats(1.05, 20.0), st.floats(0.1, 10.0), st.floats(0.1, 10.0), st.floats(0.0, 1.0))
def test_covariance_root_is_positive_and_solves_the_equation(gamma, sa, sb, w):
    root = float(forms.covariance_root.subs({dd.gamma: gamma, dd.s_a: sa, dd.s_b: sb, dd.w_b: w}))
    assert root > 0
    lhs = (1 - w) / (1 + root * sa) + w / (1 + root * sb)
    assert lhs == pytest.approx(1 - 1 / gamma, rel=1e-9)


@pytest.mark.parametrize(("gamma", "s_a", "s_b", "w", "v", "r2", "sigma2"), [
    (1.5, 1.0, 9.0, 0.7, 0.2, 4.0, 1.0), (3.0, 2.5, 0.4, 0.35, 0.6, 1.7, 0.6)])
def test_covariance_matches_the_theorem_solved_numerically(gamma, s_a, s_b, w, v, r2, sigma2):
    # Hastie et al. Thm 2's equation for c0 solved by bisection and its integrals summed over the two atoms (the
    # theorem itself is checked against simulation in test_double_descent_montecarlo). s_a != 1 in the second
    # spectrum, so that no power of s_a hides behind a unit value.
    spectrum, signal = [(s_a, 1 - w), (s_b, w)], [(s_a, 1 - v), (s_b, v)]
    x = brentq(lambda x: sum(w / (1 + x * s) for s, w in spectrum) - (1 - 1 / gamma), 1e-12, 1e6, xtol=1e-15)
    ratio = (sum(w * s**2 / (1 + x * s) ** 2 for s, w in spectrum)
             / sum(w * s / (1 + x * s) ** 2 for s, w in spectrum))
    bias = r2 * (1 + x * ratio) * sum(w * s / (1 + x * s) ** 2 for s, w in signal)
    spot = dict(gamma=gamma, s_a=s_a, s_b=s_b, w_b=w)
    assert evaluate("double_descent.covariance_bias", r2=r2, v_b=v, **spot) == pytest.approx(bias, rel=1e-9)
    variance = evaluate("double_descent.covariance_variance", sigma2=sigma2, **spot)
    assert variance == pytest.approx(sigma2 * x * ratio, rel=1e-9)
    assert evaluate("double_descent.covariance_risk", r2=r2, sigma2=sigma2, v_b=v, **spot) == pytest.approx(
        bias + sigma2 * x * ratio, rel=1e-9)
    with pytest.raises(ValueError, match="gamma > 1"):
        evaluate("double_descent.covariance_variance", gamma=0.5, sigma2=1.0, s_a=1.0, s_b=9.0, w_b=0.7)


def test_bisection_checks_its_bracket():
    from derivations.double_descent.numerics import chi_root

    upper = np.array([2.0, 2.0])
    # An increasing residual with its root inside: found; one whose root lies beyond the bracket: refused.
    assert chi_root(lambda c, shift: c - shift, upper, np.array([0.5, 1.5])) == pytest.approx([0.5, 1.5])
    with pytest.raises(ArithmeticError, match="no sign change"):
        chi_root(lambda c, shift: c - shift, upper, np.array([0.5, 3.0]))
    # A residual that is not finite at an end gives NaN (reported by name by evaluate), not a bracket end.
    assert np.isnan(chi_root(lambda c, s: c - s, np.array([np.inf]), np.array([1.0])))


@pytest.mark.parametrize(("psi1", "psi2", "lam"), [(0.7, 2.0, 0.05), (3.0, 1.3, 0.4)])
def test_random_features_bias_and_variance_from_the_continued_fixed_point(psi1, psi2, lam):
    # Thm 1's B = E1/E0 and V = E2/E0 at chi found by continuation from large Im xi (not by the package's bisection),
    # with the ReLU constants computed here from the Gaussian moments, not taken from the package.
    chi_value = chi_by_continuation(psi1, psi2, lam).real
    point = {dd.chi: chi_value, dd.psi1: psi1, dd.psi2: psi2, dd.zeta: 0.5 / math.sqrt(0.25 - 1 / (2 * math.pi))}
    for name, numerator in (("bias", dd.rf_E1), ("variance", dd.rf_E2)):
        expected = float((numerator / dd.rf_E0).subs(point))
        got = evaluate(f"double_descent.random_features_{name}", psi1=psi1, psi2=psi2, lam=lam)
        assert got == pytest.approx(expected, rel=1e-7), name


@pytest.mark.parametrize("alpha", [0.5, 2.0])
def test_gradient_flow_training_error_starts_at_noise_plus_initial_error(alpha):
    # At t = 0 the weights are independent of the training data: the training error is the label noise plus the
    # initial squared distance to the teacher, sigma_eps^2 + sigma_w0^2 + sigma_wbar^2, for every alpha.
    value = evaluate("double_descent.gradient_flow_training_error", alpha=alpha, t=0.0, sigma_w0_2=0.3,
                     sigma_wbar_2=1.2, sigma_eps_2=0.4)
    assert value == pytest.approx(0.4 + 0.3 + 1.2, rel=1e-9)


def test_early_stopping_risk_follows_the_gradient_descent_recursion():
    # Per feature, GD contracts the mean error by c = 1 - eta s^2 each step while the fitted noise grows to
    # 1 - c^k of its full size: iterate the two recursions instead of taking powers (s != 1 so s^2 is pinned).
    n, sigma2, k = 40.0, 2.0, 7  # few steps: neither feature's bias has decayed out of sight
    features = [(1.7, 0.9, 0.1), (0.35, -2.2, 0.8)]  # (scale, coefficient, step)
    total = 0.0
    for s, theta, eta in features:
        mean_error, fitted = theta, 0.0
        for _ in range(k):
            mean_error, fitted = (1 - eta * s**2) * mean_error, (1 - eta * s**2) * fitted + eta * s**2
        total += s**2 * mean_error**2 + sigma2 / n * fitted**2
    (s1, theta_1, eta1), (s2, theta_2, eta2) = features
    assert evaluate("double_descent.early_stopping_risk", k=k, n=n, sigma2=sigma2, s1=s1, theta_1=theta_1,
                    eta1=eta1, s2=s2, theta_2=theta_2, eta2=eta2) == pytest.approx(total, rel=1e-12)
