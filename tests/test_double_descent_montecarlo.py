"""Every double-descent formula against a Monte Carlo of its random process at hypothesis-drawn points.

Tolerances come from the sampling error, never a guessed percentage:

* exact finite-sample formulas (Gaussian min-norm LS, Belkin-Hsu-Xu): |mean - formula| <= Z standard
  errors;
* asymptotic formulas (proportional limit): the simulation is run at sizes m and 2m; for an O(1/m)
  finite-size correction the bias left at 2m is about the drift between the two, so the tolerance is
  that drift plus Z standard errors of the difference;
* Heckel-Yilmaz (large-n approximation): its error at 2n may not exceed its error at n plus Z standard
  errors (the approximation must improve with n), and the Richardson extrapolation 2 E(2n) - E(n), which
  cancels an O(1/n) error, must match the closed form within Z standard errors.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from derivations.double_descent import montecarlo as mc
from derivations.evaluate import evaluate

Z = 4.5  # standard errors: a false alarm has probability < 1e-5 per comparison


def rng(*key: float) -> np.random.Generator:
    """A generator seeded from the drawn point, so every example is reproducible on its own."""
    return mc.rng_from(np.random.SeedSequence([int(abs(k) * 1000) % 2**32 for k in key]))


def assert_within_sampling_error(draws: np.ndarray, expected: float) -> None:
    mean, se = mc.Draws.mean(draws), mc.Draws.se(draws)
    assert abs(mean - expected) <= Z * se + 1e-12 * max(1.0, abs(expected)), (mean, se, expected)


def assert_asymptotic(small: np.ndarray, large: np.ndarray, expected: float) -> None:
    drift = abs(mc.Draws.mean(small) - mc.Draws.mean(large))
    noise = math.hypot(mc.Draws.se(small), mc.Draws.se(large))
    gap = abs(mc.Draws.mean(large) - expected)
    assert gap <= drift + Z * noise, (mc.Draws.mean(small), mc.Draws.mean(large), expected, noise)


# --- exact finite-sample expectations ----------------------------------------------------------------
@given(st.integers(20, 40), st.integers(8, 40), st.booleans(), st.floats(0.2, 5.0), st.floats(0.2, 3.0))
def test_finite_sample_risk_bias_and_variance(n, offset, over, r2, sigma2):
    # |p - n| >= 8 keeps the inverse-Wishart risk's variance finite, so its standard error is meaningful.
    p = n + offset if over else max(1, n - offset)
    draws = mc.least_squares(rng(n, p, r2, sigma2), n, p, 0.0, r2, sigma2, repeats=300)
    for part, values in [("risk", draws.risk), ("bias", draws.bias), ("variance", draws.variance)]:
        args = {"r2": r2} if part == "bias" else {"sigma2": sigma2} if part == "variance" else {"r2": r2,
                                                                                              "sigma2": sigma2}
        assert_within_sampling_error(values, evaluate(f"double_descent.finite_sample_{part}", n=n, p=p, **args))


@given(st.integers(10, 30), st.integers(10, 50), st.floats(0.0, 1.0), st.floats(0.2, 3.0), st.floats(0.01, 1.0))
def test_random_subset_test_mse(n, extra, fraction, w2, sigma2):
    big_d = n + extra
    p = round(fraction * big_d)
    if abs(p - n) < 6:  # keep the variance of the estimate finite (and away from the pole)
        p = n - 6 if p < n else n + 6
    draws = mc.random_subset(rng(n, big_d, p, w2), n, big_d, p, w2, sigma2, repeats=300)
    expected = evaluate("double_descent.random_subset_test_mse", p=p, n=n, D=big_d, w2=w2, sigma2=sigma2)
    assert_within_sampling_error(draws.risk, expected)


# --- asymptotic (proportional-limit) formulas -------------------------------------------------------
def on_grid(lo: float, hi: float, n: int = 60) -> st.SearchStrategy[float]:
    """Ratios k/n in [lo, hi]: p = gamma n is then whole at n and 2n, so the simulated gamma is the one
    the formula gets (rounding p moves the risk by more than the sampling error)."""
    return st.integers(math.ceil(lo * n), math.floor(hi * n)).map(lambda k: k / n)


away_from_one = st.one_of(on_grid(0.2, 0.6), on_grid(1.7, 4.0))


def design_average(gamma, lam, r2, sigma2, n):
    p = round(gamma * n)
    assert abs(p - gamma * n) < 1e-9, "draw gamma with on_grid"
    return mc.least_squares_given_design(rng(gamma, lam, n), n, p, lam, r2, sigma2, repeats=8)


@settings(max_examples=12)
@given(st.one_of(on_grid(0.2, 0.8), on_grid(1.25, 4.0)), st.floats(0.05, 3.0), st.floats(0.2, 4.0),
       st.floats(0.2, 2.0))
def test_ridge_risk_bias_and_variance(gamma, lam, r2, sigma2):
    small, large = design_average(gamma, lam, r2, sigma2, 60), design_average(gamma, lam, r2, sigma2, 120)
    assert_asymptotic(small.risk, large.risk, evaluate("double_descent.ridge_risk", gamma=gamma, lam=lam, r2=r2,
                                                       sigma2=sigma2))
    assert_asymptotic(small.bias, large.bias, evaluate("double_descent.ridge_bias", gamma=gamma, lam=lam, r2=r2))
    assert_asymptotic(small.variance, large.variance,
                      evaluate("double_descent.ridge_variance", gamma=gamma, lam=lam, sigma2=sigma2))


@settings(max_examples=10)
@given(on_grid(0.1, 5.0), st.floats(0.2, 4.0), st.floats(0.2, 2.0))
def test_optimal_ridge_risk(gamma, r2, sigma2):
    lam = evaluate("double_descent.optimal_ridge_lambda", gamma=gamma, r2=r2, sigma2=sigma2)
    small, large = design_average(gamma, lam, r2, sigma2, 60), design_average(gamma, lam, r2, sigma2, 120)
    assert_asymptotic(small.risk, large.risk, evaluate("double_descent.optimal_ridge_risk", gamma=gamma, r2=r2,
                                                       sigma2=sigma2))


@settings(max_examples=10)
@given(away_from_one, st.floats(0.2, 4.0), st.floats(0.2, 2.0))
def test_ridgeless_risk(gamma, r2, sigma2):
    small, large = design_average(gamma, 0.0, r2, sigma2, 60), design_average(gamma, 0.0, r2, sigma2, 120)
    assert_asymptotic(small.risk, large.risk, evaluate("double_descent.ridgeless_risk", gamma=gamma, r2=r2,
                                                       sigma2=sigma2))


@settings(max_examples=6)
@given(st.integers(30, 60), st.floats(0.3, 3.0), st.floats(0.0, 1.0))
def test_raw_draws_agree_with_their_design_average(n, gamma, lam):
    # The design average integrates beta and noise analytically; both must estimate the same mean.
    p = round(gamma * n)
    if abs(p - n) < 8 and lam == 0:
        p = n + 8
    raw = mc.least_squares(rng(n, p, lam, 1), n, p, lam, 1.0, 0.5, repeats=300)
    averaged = mc.least_squares_given_design(rng(n, p, lam, 2), n, p, lam, 1.0, 0.5, repeats=300)
    diff = abs(raw.risk.mean() - averaged.risk.mean())
    assert diff <= Z * math.hypot(mc.Draws.se(raw.risk), mc.Draws.se(averaged.risk))


@settings(max_examples=5)
@given(st.one_of(st.floats(0.3, 0.7), st.floats(1.5, 3.0)), st.floats(0.0, 0.5), st.floats(0.5, 2.0),
       st.floats(0.05, 1.0))
def test_gradient_flow_risk_and_training_error(alpha, w0, wbar, eps2):
    times = np.array([0.3, 3.0, 30.0])
    runs = [mc.gradient_flow(rng(alpha, w0, size), size, round(alpha * size), times, w0, wbar, eps2, repeats=10)
            for size in (40, 80)]
    kw = dict(alpha=alpha, t=times, sigma_w0_2=w0, sigma_wbar_2=wbar, sigma_eps_2=eps2)
    for name, field in [("risk", "risk"), ("bias", "bias"), ("variance", "variance"),
                        ("training_error", "training_error")]:
        expected = evaluate(f"double_descent.gradient_flow_{name}", **kw)
        for j in range(times.size):
            assert_asymptotic(getattr(runs[0], field)[:, j], getattr(runs[1], field)[:, j], expected[j])


# Mei-Montanari random features at d = 160 (N = psi1 d features, n = psi2 d samples), 100 repeats. Finite-size bias
# is made small by the ratios: both points are far from the interpolation threshold N = n, where finite-d corrections
# grow. There, 600 repeats at d = 160 put the mean within 0.5% (+-0.4%) of the formula, and 40-200 repeats at
# d = 100, 200, 400 within 1%: no bias the sampling error would not cover. So a single size suffices, and 3 standard
# errors (about 2.5% of the risk) separate the formula from one off by 10%.
@pytest.mark.parametrize(("psi1", "psi2", "lam", "F1sq", "tau2", "Fstar2"), [
    (2.0, 1.0, 0.1, 1.0, 0.2, 0.2),  # over-parameterized, ridge
    (0.5, 2.0, 0.0, 1.0, 0.3, 0.3),  # under-parameterized, ridgeless
])
def test_random_features_risk(psi1, psi2, lam, F1sq, tau2, Fstar2):
    d = 160
    draws = mc.random_features(rng(psi1, psi2, lam), d, round(psi1 * d), round(psi2 * d), lam, F1sq, tau2, Fstar2,
                               repeats=100)
    mean, se = mc.Draws.mean(draws.risk), mc.Draws.se(draws.risk)
    expected = evaluate("double_descent.random_features_risk", psi1=psi1, psi2=psi2, lam=lam, F1sq=F1sq, tau2=tau2,
                        Fstar2=Fstar2)
    assert 3 * se < 0.05 * expected, "too few repeats to resolve a 10% error"
    assert abs(mean - expected) < 3 * se, (mean, se, expected)
    for wrong in (0.9 * expected, 1.1 * expected):  # a formula (or simulator) off by 10% fails
        assert abs(mean - wrong) > 3 * se, (mean, se, wrong)


@settings(max_examples=10)
@given(st.integers(100, 300), st.floats(0.5, 2.0), st.floats(0.1, 1.0), st.floats(0.5, 3.0),
       st.floats(0.02, 0.3))
def test_early_stopping_risk_approximation_improves_with_n(n, theta1, s2, theta2, eta):
    steps = np.array([1, 5, 20, 80, 300])
    params = dict(sigma2=1.0, s1=1.0, theta_1=theta1, eta1=eta, s2=s2, theta_2=theta2, eta2=eta)
    errors, noise = [], []
    for size in (n, 2 * n):
        draws = mc.gradient_descent_two_scale(rng(n, theta1, s2, size), size, steps, 1.0, (1.0, s2), (theta1, theta2),
                                              (eta, eta), repeats=300)
        errors.append(draws.risk.mean(axis=0) - evaluate("double_descent.early_stopping_risk", k=steps, n=size,
                                                         **params))
        noise.append(mc.Draws.se(draws.risk))
    assert np.all(np.abs(errors[1]) <= np.abs(errors[0]) + Z * np.hypot(noise[0], noise[1]))
    # The finite-n expectation is the closed form plus c(k)/n + O(1/n^2) (the empirical Hessian's fluctuations
    # enter squared), so 2 E(2n) - E(n) leaves O(1/n^2); a closed form off by any constant fails here.
    extrapolated = 2 * errors[1] - errors[0]
    assert np.all(np.abs(extrapolated) <= Z * np.hypot(2 * noise[1], noise[0])), (extrapolated, noise)


def test_ablations_remove_the_peak():
    n_train = np.array([5, 10, 15, 18, 20, 22, 25, 30, 40, 60])
    curves = mc.ablations(mc.rng_from(0), n_train, cutoffs=(1.0, 3.0), repeats=40)
    peak = np.argmax(curves.unablated)
    assert n_train[peak] in (18, 20, 22)  # at the interpolation threshold N = P = 20
    for ablated in (*curves.no_small_singular_values, curves.test_in_leading_subspace, curves.no_residuals):
        assert ablated.max() < 0.2 * curves.unablated.max()
    assert np.all(curves.train_mse[n_train <= 20] < 1e-10)  # interpolation below the threshold


def test_a_larger_singular_value_cut_removes_the_remaining_bump():
    # Kept directions amplify the residuals by 1/s^2 <= 1/cutoff^2: at cutoff 1 a bump stays near N = P, at
    # cutoff 3 the test MSE only falls as N grows (within the sampling noise).
    n_train = np.array([6, 10, 14, 17, 20, 24, 29, 35, 60, 120])
    curves = mc.ablations(mc.rng_from(1), n_train, cutoffs=(1.0, 3.0), repeats=60)
    at_one, at_three = curves.no_small_singular_values
    assert at_one[(n_train >= 14) & (n_train <= 29)].max() > 1.15 * at_one[0]  # the bump above the small-N level
    assert np.all(np.diff(at_three) < 0.05 * at_three[:-1])


def test_gradient_descent_by_powers_matches_the_step_by_step_loop():
    # The iterates come from powers of the one-step map; the plain loop over steps is the independent route.
    steps = np.array([0, 1, 2, 7, 30, 31, 400])
    scales, coefs, eta = np.array([1.0, 0.15]), np.array([0.45, 3.0]), np.array([0.1, 0.7])
    risk = mc.gradient_descent_two_scale(mc.rng_from(5), 12, steps, 0.5, scales, coefs, eta, repeats=7).risk
    generator = mc.rng_from(5)  # the same draws, in the same order
    x = generator.standard_normal((7, 12, 2)) * scales
    y = x @ coefs + np.sqrt(0.5) * generator.standard_normal((7, 12))
    theta, looped = np.zeros((7, 2)), []
    for k in range(steps[-1] + 1):
        if k in steps:
            looped.append(np.sum(scales**2 * (theta - coefs) ** 2, axis=-1))
        residual = np.einsum("rni,ri->rn", x, theta) - y
        theta = theta - eta * np.einsum("rni,rn->ri", x, residual) / 12
    assert risk == pytest.approx(np.array(looped).T, rel=1e-9)


def test_diverging_gradient_descent_gives_inf_never_nan():
    # Step sizes far beyond 2/(largest Hessian eigenvalue): every run diverges, overflowing within 2000 steps.
    draws = mc.gradient_descent_two_scale(mc.rng_from(0), 50, np.array([1, 10, 2000]), 1.0, (1.0, 0.15), (0.45, 3.0),
                                          (30.0, 30.0), repeats=4)
    assert np.all(draws.risk[:, 1] > draws.risk[:, 0]) and np.all(np.isposinf(draws.risk[:, -1]))
    assert np.isposinf(mc.Draws.mean(draws.risk)[-1]) and np.isposinf(mc.Draws.se(draws.risk)[-1])


def test_seeded_runs_are_reproducible():
    a = mc.least_squares(mc.rng_from(7), 20, 30, 0.0, 1.0, 1.0, repeats=5).risk
    b = mc.least_squares(mc.rng_from(7), 20, 30, 0.0, 1.0, 1.0, repeats=5).risk
    assert np.array_equal(a, b)


@pytest.mark.parametrize("lam", [np.array([0.0, 0.1])])
def test_design_average_rejects_mixed_penalties(lam):
    with pytest.raises(ValueError, match="lam"):
        mc.least_squares_given_design(mc.rng_from(0), 10, 20, lam, 1.0, 1.0, repeats=2)


@settings(max_examples=5)
@given(on_grid(1.3, 4.0, 40), st.floats(0.2, 5.0), st.floats(0.2, 5.0), st.floats(0.1, 0.9), st.floats(0.0, 1.0),
       st.floats(0.5, 4.0), st.floats(0.2, 2.0))
def test_two_level_covariance_bias_and_variance(gamma, sa, sb, w, v, r2, sigma2):
    w = max(1, round(w * gamma * 40)) / (gamma * 40)  # a whole number of level-b features at n = 40 and 80
    small, large = (mc.least_squares_two_level(rng(gamma, sa, sb, n), n, round(gamma * n), sa, sb, w, v, r2, sigma2,
                                               repeats=20) for n in (40, 80))
    spot = dict(gamma=gamma, s_a=sa, s_b=sb, w_b=w)
    assert_asymptotic(small.bias, large.bias, evaluate("double_descent.covariance_bias", r2=r2, v_b=v, **spot))
    assert_asymptotic(small.variance, large.variance,
                      evaluate("double_descent.covariance_variance", sigma2=sigma2, **spot))


GOOD = np.random.default_rng(0)  # generator for the argument-check calls (they fail before drawing)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: mc.least_squares(GOOD, 20, 30, 0.0, -1.0, 1.0, repeats=5), "^r2 must"),
    (lambda: mc.least_squares(GOOD, 20, 30, 0.0, 1.0, math.nan, repeats=5), "^sigma2 must"),
    (lambda: mc.least_squares(GOOD, 0, 30, 0.0, 1.0, 1.0, repeats=5), "^n must"),
    (lambda: mc.least_squares(GOOD, 20, 30, -0.1, 1.0, 1.0, repeats=5), "^lam must"),
    (lambda: mc.least_squares(GOOD, 20, 30, 0.0, 1.0, 1.0, repeats=1), "^repeats must"),
    (lambda: mc.least_squares_two_level(GOOD, 20, 30, 1.0, 9.0, 1.5, 0.2, 1.0, 1.0, repeats=5), "^w must"),
    (lambda: mc.least_squares_two_level(GOOD, 20, 30, 0.0, 9.0, 0.5, 0.2, 1.0, 1.0, repeats=5), "^s_a must"),
    (lambda: mc.least_squares_given_design(GOOD, 20, 30.5, 0.1, 1.0, 1.0, repeats=5), "^p must"),
    (lambda: mc.random_subset(GOOD, 20, 50, 60, 1.0, 0.1, repeats=5), "^p must be at most big_d"),
    (lambda: mc.random_subset(GOOD, 20, 50, -1, 1.0, 0.1, repeats=5), "^p must"),
    (lambda: mc.random_subset(GOOD, 20, 50, 10, math.inf, 0.1, repeats=5), "^w2 must"),
    (lambda: mc.random_features(GOOD, 1, 10, 10, 0.0, 1.0, 0.1, 0.0, repeats=5), "^d must"),
    (lambda: mc.random_features(GOOD, 10, 10, 10, 0.0, 1.0, -0.1, 0.0, repeats=5), "^tau2 must"),
    (lambda: mc.gradient_flow(GOOD, 20, 30, np.array([1.0, -1.0]), 0.0, 1.0, 0.1, repeats=5), "^t must"),
    (lambda: mc.gradient_descent_two_scale(GOOD, 20, np.array([5, 1]), 1.0, (1.0, 0.1), (1.0, 1.0), (0.1, 0.1),
                                           repeats=5), "^steps must be non-decreasing"),
    (lambda: mc.gradient_descent_two_scale(GOOD, 20, np.array([1, 5]), 1.0, (1.0, 0.1), (1.0, math.nan),
                                           (0.1, 0.1), repeats=5), "^coefs must"),
    (lambda: mc.ablations(GOOD, np.array([5, 10]), n_params=40, n_latent=30), "^n_params must be at most n_latent"),
    (lambda: mc.ablations(GOOD, np.array([0, 10])), "^n_train must"),
])
def test_bad_arguments_are_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()
