"""Emergence formulas and their derivations, each against an independent route.

Routes: numeric maxima and roots of the compiled functions (finite differences, brentq), symbolic
identities and limits, Monte Carlo (Gumbel-noise multiple choice), direct sums, and published numbers
(the 0.75 chance Brier score of Du et al.; Hoffmann's fitted exponents). The verdicts on the claims these
formulas were written for live in the claims catalog (``circuitcomp claims``); tests that evaluate a claim's
points here check the formulas' values there.
"""

import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st
from scipy.optimize import brentq

from derivations.compile import compile_expr
from derivations.emergence import forms
from derivations.emergence.finite import breakthroughness
from derivations.evaluate import evaluate
from derivations.experiments import get_experiment
from theory import emergence as em
from theory.registry import get

REQUIRED = {
    "emergence.critical_scale_probability": ["N", "N_c", "alpha"],
    "emergence.exact_match_accuracy": ["N", "c", "alpha", "L"],
    "emergence.token_edit_distance": ["N", "c", "alpha", "L"],
    "emergence.mirage_inflection_scale": ["c", "alpha", "L"],
    "emergence.quanta_loss": ["n", "alpha", "a", "b"],
    "emergence.loss_threshold_scale": ["eta", "L_inf", "N0", "alpha_N"],
}
MIRAGE = {"c": 1.18e9, "alpha": -0.445}


def log_slope(fn, n_grid):
    """Numeric d fn / d ln N on a log grid (central differences)."""
    return np.gradient(fn(n_grid), np.log(n_grid))


def test_required_names_have_their_public_parameters_and_sources():
    for name, params in REQUIRED.items():
        formula = get(name)
        assert [p.name for p in formula.params] == params
        assert formula.source and formula.description
    get_experiment("emergence")


SAMPLE = {"N": 2e10, "N_c": 1e10, "alpha": 3.2, "eps": 0.1, "alpha_N": 0.3, "kappa": 1.0, "delta": 0.5, "c": 1.18e9,
          "L": 3, "K": 4, "slope": 1.0, "N_x": 1e10, "loss": 2.0, "eta": 2.2, "L_min": 1.7, "L_inf": 1.7, "N0": 1e9,
          "k": 2, "n": 10, "a": 1.0, "b": 3.0, "tau": 10.0, "theta": 0.1, "beta_s": 1.5, "degree": 100.0, "P": 0.5,
          "n_test": 100, "C_q": 1e6, "D": 1e6, "M": 100.0, "D_r": 3000.0, "A_mem": 4.5, "mu": 2.0, "B_crit": 16000.0,
          "nu": 0.4, "snr_1": 0.5}
SIGNED = {"alpha": -0.445}  # the mirage's exponent is negative


def test_every_emergence_formula_evaluates_at_a_sample_point():
    from theory.registry import formulas

    names = [f for f in formulas() if f.name.startswith("emergence.")]
    assert len(names) >= 40
    for formula in names:
        values = {}
        for p in formula.params:
            value = SAMPLE[p.name]
            values[p.name] = value if p.domain.contains(value) else SIGNED[p.name]
        assert math.isfinite(evaluate(formula, **values)), formula.name


# --- critical-scale law -----------------------------------------------------------------------------
@given(n_c=st.floats(1e6, 1e12), alpha=st.floats(0.3, 8.0))
def test_critical_scale_is_one_minus_one_over_e_at_the_critical_scale(n_c, alpha):
    assert evaluate("emergence.critical_scale_probability", N=n_c, N_c=n_c, alpha=alpha) == pytest.approx(
        1 - math.exp(-1), rel=1e-12)
    assert evaluate("emergence.critical_scale_value_at_critical") == pytest.approx(0.6321205588, rel=1e-9)


@given(alpha=st.floats(0.3, 8.0), lo=st.floats(-3.0, 2.0), gap=st.floats(0.01, 1.0))
def test_critical_scale_probability_increases_with_scale(alpha, lo, gap):
    values = evaluate("emergence.critical_scale_probability", N=10.0 ** np.array([lo, lo + gap]), N_c=1.0, alpha=alpha)
    assert values[1] > values[0] or values[0] == 1.0


def test_critical_scale_limits():
    P = em.critical_scale_probability.subs({em.N_c: 1, em.alpha: sp.Rational(16, 5)})
    assert sp.limit(P, em.N, 0, "+") == 0
    assert sp.limit(P, em.N, sp.oo) == 1


def test_critical_scale_step_claim_fails_at_the_tabulated_alpha():
    # The values behind claim documents.critical_scale_step, at alpha = 3.2: P(0.8 N_c) = 1 - exp(-0.8^3.2).
    below = evaluate("emergence.critical_scale_probability", N=0.8, N_c=1.0, alpha=3.2)
    above = evaluate("emergence.critical_scale_probability", N=1.2, N_c=1.0, alpha=3.2)
    assert below == pytest.approx(1 - math.exp(-(0.8**3.2)), rel=1e-12) and below > 0.38
    assert above < 0.87
    # The limit alpha -> infinity is a step.
    x = em.critical_scale_probability.subs(em.N_c, 1)
    assert sp.limit(x.subs(em.N, sp.Rational(4, 5)), em.alpha, sp.oo) == 0
    assert sp.limit(x.subs(em.N, sp.Rational(6, 5)), em.alpha, sp.oo) == 1


@given(alpha=st.floats(1.2, 6.0))
def test_critical_scale_steepest_points_match_numeric_maxima(alpha):
    law = compile_expr((em.N,), em.critical_scale_probability.subs({em.N_c: 1.0, em.alpha: alpha}))
    grid = np.geomspace(0.05, 5.0, 40001)
    slope = log_slope(law, grid)
    assert grid[np.argmax(slope)] == pytest.approx(evaluate("emergence.critical_scale_steepest_log_scale",
                                                            N_c=1.0, alpha=alpha), rel=2e-3)
    assert slope.max() == pytest.approx(evaluate("emergence.critical_scale_max_log_slope", alpha=alpha), rel=1e-5)
    linear = np.gradient(law(grid), grid)
    assert grid[np.argmax(linear)] == pytest.approx(evaluate("emergence.critical_scale_steepest_scale",
                                                             N_c=1.0, alpha=alpha), rel=2e-3)
    curvature = np.gradient(slope, np.log(grid))
    assert grid[np.argmax(curvature)] == pytest.approx(evaluate("emergence.critical_scale_onset_scale",
                                                                N_c=1.0, alpha=alpha), rel=5e-3)


def test_linear_axis_inflection_needs_alpha_above_one():
    with pytest.raises(ValueError, match="alpha > 1"):
        evaluate("emergence.critical_scale_steepest_scale", N_c=1.0, alpha=0.9)


@given(alpha=st.floats(0.5, 10.0))
def test_width_ratio_matches_numeric_quantiles(alpha):
    law = compile_expr((em.N,), em.critical_scale_probability.subs({em.N_c: 1.0, em.alpha: alpha}))
    n10 = brentq(lambda n: law(n) - 0.1, 1e-12, 1e3, xtol=1e-14, rtol=1e-13)
    n90 = brentq(lambda n: law(n) - 0.9, 1e-12, 1e3, xtol=1e-14, rtol=1e-13)
    assert evaluate("emergence.critical_scale_width_ratio", alpha=alpha) == pytest.approx(n90 / n10, rel=1e-8)
    assert evaluate("emergence.critical_scale_quantile", P=0.9, N_c=1.0, alpha=alpha) == pytest.approx(n90, rel=1e-8)


def test_how_sharp_is_sharp_at_the_tabulated_alpha():
    # 10% -> 90% over a factor 2.6 in N at alpha = 3.2 (0.42 decades); a step needs alpha -> infinity.
    assert evaluate("emergence.critical_scale_width_ratio", alpha=3.2) == pytest.approx(
        (math.log(10) / math.log(10 / 9)) ** (1 / 3.2), rel=1e-12)
    assert 2.5 < evaluate("emergence.critical_scale_width_ratio", alpha=3.2) < 2.7
    assert sp.limit(forms.critical_scale_width, em.alpha, sp.oo) == 1


def test_emergence_window_claim_fails_for_the_tabulated_alpha():
    # The values behind claim documents.emergence_window: the probability gained inside N_c (1 +- eps),
    # eps = 0.1 and 0.2, at alpha = 3.2.
    def gained(eps):
        ends = evaluate("emergence.critical_scale_probability", N=np.array([1 - eps, 1 + eps]), N_c=1.0, alpha=3.2)
        return ends[1] - ends[0]

    for eps in (0.1, 0.2):
        mass = evaluate("emergence.window_probability_mass", alpha=3.2, eps=eps)
        assert mass == pytest.approx(gained(eps), rel=1e-12)
        assert mass < 0.5
    assert evaluate("emergence.window_probability_mass", alpha=3.2, eps=0.1) == pytest.approx(0.2322, abs=1e-3)


def test_shifted_form_starts_at_zero_with_the_order_parameter_power():
    args = {"N_c": 2.0, "alpha": 3.0}
    values = evaluate("emergence.shifted_critical_scale_probability", N=np.array([1.0, 2.0, 2.0 + 1e-9]), **args)
    assert values == pytest.approx([0.0, 0.0, 0.0], abs=1e-20)
    shifted = em.critical_scale_probability.subs(em.N, em.N - em.N_c)  # same branch expression above N_c
    assert sp.limit(shifted.subs({em.N_c: 2, em.alpha: 3}) / ((em.N - 2) / 2) ** 3, em.N, 2, "+") == 1


def test_floored_form_is_continuous_but_depends_on_the_unit_of_scale():
    # At N_c: eps on both sides (claim documents.floored_continuity).
    for n in (10.0 - 1e-12, 10.0):
        assert evaluate("emergence.floored_critical_scale_probability", N=n, N_c=10.0, alpha=3.0,
                        eps=0.01) == pytest.approx(0.01, abs=1e-9)
    # The same model counted in billions or in parameters (claim documents.floored_unit_free).
    in_billions = evaluate("emergence.floored_critical_scale_probability", N=11.0, N_c=10.0, alpha=3.0, eps=0.01)
    in_units = evaluate("emergence.floored_critical_scale_probability", N=11e9, N_c=10e9, alpha=3.0, eps=0.01)
    assert in_billions == pytest.approx(1 - 0.99 * math.exp(-1), rel=1e-12) and in_units == 1.0


def test_regime_switch_slope_reduces_to_the_power_law_and_steepens_above_critical():
    base = sp.diff((em.N_c / em.N) ** em.alpha_N, em.N)
    switch = get("emergence.regime_switch_slope").expr
    assert sp.simplify(switch.subs(em.kappa_s, 0) - base) == 0
    args = {"N_c": 10.0, "alpha_N": 0.3, "delta": 0.5}
    near = evaluate("emergence.regime_switch_slope", N=np.array([10.0 - 1e-9, 10.0 + 1e-9]), kappa=2.0, **args)
    assert near[0] == pytest.approx(near[1], rel=1e-4)  # continuous at N_c for delta > 0
    above = {kap: evaluate("emergence.regime_switch_slope", N=20.0, kappa=kap, **args) for kap in (0.0, 2.0)}
    assert above[2.0] < above[0.0] < 0


def test_argmax_of_second_derivative_degenerates_for_a_pure_power_law():
    # |d^2L/dN^2| = alpha (alpha + 1) N_c^alpha N^-(alpha + 2) has no stationary point; the curvature of (ln N, L)
    # peaks where alpha L = 1/sqrt 2 (claims documents.emergence_point_argmax, documents.emergence_point_log_axis).
    second = forms.power_law_second_derivative
    assert sp.solve(sp.diff(second, em.N), em.N) == []
    grid = np.geomspace(1e6, 1e12, 1001)
    fn = compile_expr((em.N,), second.subs({em.N_c: 1e9, em.alpha_N: 0.3}))
    assert np.argmax(np.abs(fn(grid))) == 0
    loss = compile_expr((em.N,), forms.power_law_loss.subs({em.N_c: 1e9, em.alpha_N: 0.3}))
    u = np.log(grid)

    def curvature(values):
        d1, d2 = np.gradient(values, u), np.gradient(np.gradient(values, u), u)
        return d2 / (1 + d1**2) ** 1.5

    point = evaluate("emergence.power_law_curvature_scale", N_c=1e9, alpha_N=0.3)
    assert grid[np.argmax(curvature(loss(grid)))] == pytest.approx(point, rel=0.02)
    assert 0.3 * loss(point) == pytest.approx(1 / math.sqrt(2), rel=1e-9)
    # The point moves with the unit of the loss (nats -> bits): not a property of the model.
    assert abs(grid[np.argmax(curvature(loss(grid) / math.log(2)))] / point - 1) > 0.5


# --- the mirage ---------------------------------------------------------------------------------------
@given(alpha=st.floats(-2.0, -0.05), length=st.integers(1, 8))
def test_exact_match_inflection_matches_the_numeric_maximum_slope(alpha, length):
    acc = compile_expr((em.N,), em.exact_match_accuracy.subs({em.c: 1.0, em.alpha_m: alpha, em.L: length}))
    star = evaluate("emergence.mirage_inflection_scale", c=1.0, alpha=alpha, L=length)
    grid = star * np.exp(np.linspace(-12 / abs(alpha), 12 / abs(alpha), 40001))
    slope = log_slope(acc, grid)
    assert grid[np.argmax(slope)] == pytest.approx(star, rel=2e-3)
    assert slope.max() == pytest.approx(evaluate("emergence.mirage_max_slope", alpha=alpha), rel=1e-5)
    assert acc(star) == pytest.approx(evaluate("emergence.mirage_inflection_accuracy"), rel=1e-12)
    assert evaluate("emergence.mirage_inflection_accuracy") == pytest.approx(math.exp(-1), rel=1e-15)
    curvature = np.gradient(slope, np.log(grid))
    assert grid[np.argmax(curvature)] == pytest.approx(
        evaluate("emergence.mirage_onset_scale", c=1.0, alpha=alpha, L=length), rel=5e-3)


def test_longer_targets_shift_the_curve_without_steepening_it():
    # Acc_L(N) = Acc_1(N / L^(1/|alpha|)), symbolically and numerically.
    shifted = em.exact_match_accuracy.subs(em.L, 1).subs(em.N, em.N / forms.mirage_translation_factor)
    assert sp.simplify(sp.powsimp(em.exact_match_accuracy - shifted, force=True)) == 0
    n = np.geomspace(1e7, 1e13, 50)
    factor = evaluate("emergence.mirage_translation_factor", alpha=MIRAGE["alpha"], L=5)
    assert factor == pytest.approx(5 ** (1 / 0.445), rel=1e-12)
    assert evaluate("emergence.exact_match_accuracy", N=n, L=5, **MIRAGE) == pytest.approx(
        evaluate("emergence.exact_match_accuracy", N=n / factor, L=1, **MIRAGE), rel=1e-12)


@given(alpha=st.floats(-2.0, -0.05), length=st.integers(1, 8), lo=st.floats(6.0, 12.0), gap=st.floats(0.05, 1.0))
def test_accuracy_rises_and_edit_distance_falls_with_scale(alpha, length, lo, gap):
    n = 10.0 ** np.array([lo, lo + gap])
    args = {"N": n, "c": 1e9, "alpha": alpha, "L": length}
    acc = evaluate("emergence.exact_match_accuracy", **args)
    ted = evaluate("emergence.token_edit_distance", **args)
    assert acc[1] >= acc[0] and ted[1] <= ted[0]
    assert 0 <= acc.min() and acc.max() <= 1 and 0 <= ted.min() and ted.max() <= length


def test_mirage_limits_and_the_power_law_tail_of_edit_distance():
    acc, ted = em.exact_match_accuracy, get("emergence.token_edit_distance").expr
    sub = {em.c: 1, em.alpha_m: sp.Rational(-1, 2), em.L: 3}
    assert sp.limit(acc.subs(sub), em.N, sp.oo) == 1 and sp.limit(acc.subs(sub), em.N, 0, "+") == 0
    assert sp.limit(ted.subs(sub), em.N, sp.oo) == 0 and sp.limit(ted.subs(sub), em.N, 0, "+") == 3
    # Small loss: TED ~ L (N/c)^alpha, straight on log-log with slope alpha.
    assert sp.limit(ted.subs(sub) / (3 * em.N ** sp.Rational(-1, 2)), em.N, sp.oo) == 1
    log_log_slope = em.N * sp.diff(sp.log(ted.subs(sub)), em.N)
    assert sp.limit(log_log_slope, em.N, sp.oo) == sp.Rational(-1, 2)


@given(n_test=st.integers(2, 10**6), length=st.integers(1, 6))
def test_resolution_scale_is_where_one_item_in_n_test_is_expected_correct(n_test, length):
    n = evaluate("emergence.resolution_threshold_scale", n_test=n_test, L=length, **MIRAGE)
    assert evaluate("emergence.exact_match_accuracy", N=n, L=length, **MIRAGE) == pytest.approx(1 / n_test, rel=1e-9)


def test_resolution_scale_diverges_for_a_single_test_item():
    # One item resolves only Acc = 1, which the power law reaches as N -> infinity; two items: finite.
    assert evaluate("emergence.resolution_threshold_scale", n_test=1, L=3, **MIRAGE) == math.inf
    assert math.isfinite(evaluate("emergence.resolution_threshold_scale", n_test=2, L=3, **MIRAGE))


def test_expected_choice_grade_under_gumbel_noise_is_the_logit_probability():
    # Multinomial logit: with i.i.d. Gumbel noise on the logits, P(correct is the argmax) = softmax mass.
    rng = np.random.default_rng(np.random.SeedSequence(7))
    k, n_x, s = 4, 1e9, 1.5
    for n in (3e8, 1e9, 5e9):
        logits = np.zeros((200_000, k))
        logits[:, 0] = s * math.log(n / n_x)
        picked = np.argmax(logits + rng.gumbel(size=logits.shape), axis=1) == 0
        q = evaluate("emergence.choice_probability", N=n, N_x=n_x, slope=s, K=k)
        assert picked.mean() == pytest.approx(q, abs=4 * math.sqrt(q * (1 - q) / picked.size))


def test_brier_at_chance_is_du_et_al_random_guess_value():
    # Du et al. 2024: a uniform 4-way guess has Brier score 0.75.
    assert evaluate("emergence.brier_score", N=1e9, N_x=1e9, slope=1.0, K=4) == pytest.approx(0.75, rel=1e-12)
    assert evaluate("emergence.choice_probability", N=1e9, N_x=1e9, slope=1.0, K=4) == pytest.approx(0.25, rel=1e-12)


def test_multiple_choice_grade_jumps_where_brier_moves_smoothly():
    n = np.geomspace(1e7, 1e11, 41)
    grade = evaluate("emergence.multiple_choice_grade", N=n, N_x=1e9)
    brier = evaluate("emergence.brier_score", N=n, N_x=1e9, slope=1.0, K=4)
    assert set(np.unique(grade)) == {0.0, 1.0} and breakthroughness(grade) == math.inf
    assert np.all(np.diff(brier) < 0) and math.isfinite(breakthroughness(-brier))


def test_breakthroughness_of_a_smooth_curve_grows_with_the_flat_tails_sampled():
    # The score divides by the *median* step: sampling further into the flat tails shrinks the median and
    # raises the score of the same smooth Brier curve. "Emergent by breakthroughness" depends on the grid.
    scores = [breakthroughness(-evaluate("emergence.brier_score", N=np.geomspace(1e9 / w, 1e9 * w, 41), N_x=1e9,
                                         slope=1.0, K=4)) for w in (10.0, 100.0, 1e4)]
    assert scores[0] < scores[1] < scores[2]


# --- loss threshold -------------------------------------------------------------------------------------
@given(eta=st.floats(1.8, 3.0), alpha_n=st.floats(0.05, 0.5))
def test_threshold_scale_is_where_the_loss_reaches_the_threshold(eta, alpha_n):
    law = {"L_inf": 1.7, "N0": 8.8e13, "alpha_N": alpha_n}
    n_eta = evaluate("emergence.loss_threshold_scale", eta=eta, **law)
    loss = law["L_inf"] + (law["N0"] / n_eta) ** alpha_n
    assert loss == pytest.approx(eta, rel=1e-9)
    perf = evaluate("emergence.threshold_performance_of_scale", N=n_eta * np.array([0.5, 0.999, 1.001, 2.0, 10.0]),
                    eta=eta, L_min=1.7, **law)
    assert perf[0] == perf[1] == 0 and 0 < perf[2] < perf[3] < perf[4] <= 1


def test_threshold_scale_diverges_as_the_threshold_reaches_the_irreducible_loss():
    law = {"L_inf": 1.7, "N0": 8.8e13, "alpha_N": 0.076}
    near = evaluate("emergence.loss_threshold_scale", eta=1.7 + 1e-3, **law)
    assert near > 1e50
    assert sp.limit(get("emergence.loss_threshold_scale").expr.subs({em.L_inf: 1, em.N0: 1, em.alpha_N: 1}),
                    em.eta_loss, 1, "+") == sp.oo
    assert evaluate("emergence.loss_threshold_scale", eta=1.7, **law) == math.inf
    with pytest.raises(ValueError, match="eta >= L_inf"):
        evaluate("emergence.loss_threshold_scale", eta=1.6, **law)


def test_threshold_performance_is_continuous_because_f_vanishes_at_the_threshold():
    # Du et al.: P = f(L) H(eta - L) is continuous at eta only if f(eta) = 0 (true of the linear f).
    values = evaluate("emergence.threshold_performance", loss=np.array([2.2 + 1e-9, 2.2 - 1e-9]), eta=2.2, L_min=1.8)
    assert values == pytest.approx([0.0, 0.0], abs=1e-8)


# --- quanta ---------------------------------------------------------------------------------------------
def zipf(alpha, terms):
    """Compiled quanta probabilities p_1..p_terms (compiled directly: evaluate's per-element checks are slow)."""
    formula = get("emergence.quanta_probability")
    return compile_expr(formula.symbols, formula.expr)(np.arange(1, terms + 1, dtype=float), alpha)


@given(alpha=st.floats(1.0, 3.0))
def test_quanta_probabilities_sum_to_one(alpha):
    # Direct sum of k^-(alpha+1) over 5e4 terms: the neglected tail is below 5e4^-alpha / alpha <= 2e-5.
    p = zipf(alpha, 50_000)
    assert p.sum() == pytest.approx(1.0, abs=3e-5)
    assert p[0] * np.sum(np.arange(1, 50_001, dtype=float) ** -(alpha + 1)) == pytest.approx(1.0, abs=3e-5)


@given(alpha=st.floats(0.2, 2.0))
def test_discrete_over_continuum_loss_tends_to_one(alpha):
    args = {"alpha": alpha, "a": 1.0, "b": 3.0}
    n = np.array([10.0, 100.0, 1000.0, 10000.0])
    gap = np.abs((evaluate("emergence.quanta_loss_discrete", n=n, **args) - 1.0)
                 / (evaluate("emergence.quanta_loss", n=n, **args) - 1.0) - 1)
    assert np.all(np.diff(gap) < 0) and gap[-1] < 1e-3


def test_discrete_loss_is_the_direct_tail_sum():
    alpha, n = 0.4, 30
    k = np.arange(1, 2_000_001, dtype=float)
    p = k ** -(alpha + 1)
    tail = p[n:].sum() + (2e6) ** -alpha / alpha  # Euler-Maclaurin remainder beyond the direct sum
    assert evaluate("emergence.quanta_loss_discrete", n=n, alpha=alpha, a=0.0, b=1.0) == pytest.approx(
        tail / (p.sum() + (2e6) ** -alpha / alpha), rel=1e-5)


def test_per_quantum_steps_weighted_by_use_frequency_give_the_discrete_loss():
    # Mean loss = sum_k p_k loss_k: quantum k's samples cost b until n >= k quanta are held, then a.
    args, n, terms = {"a": 0.5, "b": 2.0}, 7, 200_000
    ranks = np.arange(1, terms + 1, dtype=float)
    steps = evaluate("emergence.quanta_sample_loss", k=ranks[:20], n=n, **args)
    assert steps.tolist() == [0.5] * n + [2.0] * (20 - n)
    p = zipf(0.8, terms)
    remainder = p[0] * terms**-0.8 / 0.8  # unlearned mass beyond the direct sum (Euler-Maclaurin)
    direct = p @ evaluate("emergence.quanta_sample_loss", k=ranks, n=n, **args) + 2.0 * remainder
    assert direct == pytest.approx(evaluate("emergence.quanta_loss_discrete", n=n, alpha=0.8, **args), rel=1e-6)
    with pytest.raises(ValueError, match="a < b"):
        evaluate("emergence.quanta_sample_loss", k=1, n=0, a=2.0, b=1.0)


@given(alpha=st.floats(0.3, 1.5))
def test_quanta_exponents_match_log_log_slopes_of_the_discrete_model(alpha):
    assert evaluate("emergence.quanta_parameter_exponent", alpha=alpha) == pytest.approx(alpha, rel=1e-12)
    # Data: quantum k is learned iff D p_k >= tau = 10; the loss is the unlearned mass (a = 0, b = 1).
    p = zipf(alpha, 200_000)
    beyond = evaluate("emergence.quanta_loss_discrete", n=p.size, alpha=alpha, a=0.0, b=1.0)  # exact remainder
    tail = np.concatenate([np.cumsum(p[::-1])[::-1], [0.0]]) + beyond  # tail[j] = sum_{k > j} p_k
    data = np.geomspace(1e5, 1e8, 12)
    learned = np.searchsorted(-p, -10.0 / data, side="right")  # p is decreasing: the learned quanta are a prefix
    slope = -np.polyfit(np.log(data), np.log(tail[learned]), 1)[0]
    assert slope == pytest.approx(evaluate("emergence.quanta_data_exponent", alpha=alpha), abs=0.02)
    assert evaluate("emergence.quanta_data_exponent", alpha=alpha) == pytest.approx(alpha / (alpha + 1), rel=1e-12)


def test_chinchilla_data_exponent_is_closer_to_the_quanta_prediction():
    # Michaud et al.'s check of Hoffmann's (alpha, beta) = (0.34, 0.28): claim emergence.quanta_chinchilla_exponents.
    predicted = evaluate("emergence.quanta_data_exponent", alpha=0.34)
    assert predicted == pytest.approx(0.2537, abs=1e-4)
    assert abs(0.28 - predicted) < abs(0.28 - 0.34)


# --- skill graph bound and breakthroughness ----------------------------------------------------------------
@given(theta=st.floats(0.01, 0.3), beta_s=st.floats(1.1, 3.0), degree=st.integers(1, 400))
def test_chernoff_bound_dominates_the_binomial_tail(theta, beta_s, degree):
    from scipy.special import bdtrc  # P[Bin(n, p) > k]

    exact = bdtrc(math.ceil(beta_s * theta * degree) - 1, degree, theta)
    bound = evaluate("emergence.skill_failure_tail_bound", theta=theta, beta_s=beta_s, degree=degree)
    assert exact <= bound * (1 + 1e-9)


@given(scale=st.floats(0.01, 100.0), shift=st.floats(-10.0, 10.0), seed=st.integers(0, 1000))
def test_breakthroughness_is_invariant_under_positive_affine_maps(scale, shift, seed):
    y = np.cumsum(np.random.default_rng(seed).random(12))
    base = breakthroughness(y)
    assert breakthroughness(scale * y + shift) == pytest.approx(base, rel=1e-9)
    assert breakthroughness(-scale * y + shift) == pytest.approx(-base, rel=1e-9)


def test_breakthroughness_guards():
    assert breakthroughness(np.ones(5)) == 0.0
    assert breakthroughness(np.array([0, 0, 0, 1.0, 1, 1])) == math.inf
    with pytest.raises(ValueError, match="at least 3"):
        breakthroughness(np.array([1.0, 2.0]))
    for bad in (math.nan, math.inf, -math.inf):
        with pytest.raises(ValueError, match="y must be"):
            breakthroughness(np.array([0.0, bad, 1.0, 2.0]))


# --- values behind the informal claims (verdicts: claims documents.*) --------------------------------------
def test_product_exceeds_sum_claim_fails():
    # Exact match is the product of L per-token probabilities p(N) < 1, below their sum L p(N) and below each
    # component (claim documents.product_exceeds_sum).
    scales = np.geomspace(1e-3, 1e6, 40)
    p = evaluate("emergence.token_probability", N=scales, c=1.0, alpha=-0.5)
    for length in (2, 5, 20):
        product = evaluate("emergence.exact_match_accuracy", N=scales, c=1.0, alpha=-0.5, L=length)
        assert np.all(product < length * p) and np.all(product <= p)
        assert product == pytest.approx(p**length, rel=1e-12)  # independent tokens: the product itself


def test_signal_to_noise_of_an_average_grows_smoothly_not_in_a_jump():
    # An average of N independent estimates has SNR sqrt(N) SNR_1 (Monte Carlo below): log-slope 1/2 at every N
    # (claim documents.signal_to_noise_jump).
    expr = get("emergence.averaged_signal_to_noise").expr
    assert sp.simplify(em.N * sp.diff(sp.log(expr), em.N)) == sp.Rational(1, 2)
    rng = np.random.default_rng(np.random.SeedSequence(13))
    means = rng.normal(1.0, 2.0, size=(4000, 64)).mean(axis=1)  # SNR_1 = 1/2, N = 64
    assert means.mean() / means.std() == pytest.approx(
        evaluate("emergence.averaged_signal_to_noise", N=64, snr_1=0.5), rel=0.05)


def test_threshold_compute_on_the_chinchilla_frontier_matches_the_illustration():
    # Du et al.'s eta = 2.2 (their tokenizer) placed on Hoffmann's rounded frontier: C_eta = 4.3e21 FLOP, and
    # 1.1e23 FLOP for eta = 2.0 (an illustration only: the threshold does not transfer across tokenizers).
    def frontier(log_c):
        return evaluate("scaling.optimal_loss", C=10**log_c, E=1.69, A=406.4, B=410.7, alpha=0.34, beta=0.28)

    for eta, expected in ((2.2, 4.3e21), (2.0, 1.1e23)):
        assert 10 ** brentq(lambda x, e=eta: frontier(x) - e, 15, 30) == pytest.approx(expected, rel=0.02)


def test_domain_errors_name_the_parameter():
    with pytest.raises(ValueError, match="alpha"):
        evaluate("emergence.exact_match_accuracy", N=1e9, c=1e9, alpha=0.5, L=3)
    with pytest.raises(ValueError, match="L must be"):
        evaluate("emergence.exact_match_accuracy", N=1e9, c=1e9, alpha=-0.5, L=2.5)
    with pytest.raises(ValueError, match="a < b"):
        evaluate("emergence.quanta_loss", n=10, alpha=0.5, a=3.0, b=1.0)


def test_the_quantile_is_registered_through_log1p_and_equals_the_solved_form():
    # The solved N_c log(1/(1 - P))^(1/alpha), rewritten as N_c (-log(1 - P))^(1/alpha): the same for 0 < P < 1.
    registered = get("emergence.critical_scale_quantile").expr
    level = forms.level
    assert sp.simplify(sp.exp(-sp.log(1 - level)) - sp.exp(sp.log(-1 / (level - 1)))) == 0
    symbols = {s.name: s for s in registered.free_symbols}
    for value in ("1e-30", "0.3", "0.999"):
        point = {symbols["P"]: sp.Float(value, 60), symbols["N_c"]: 2, symbols["alpha"]: sp.Rational(3, 2)}
        exact = forms.critical_scale_quantile.evalf(50, subs=point)
        assert abs(registered.evalf(50, subs=point) - exact) < 1e-40 * abs(exact)
