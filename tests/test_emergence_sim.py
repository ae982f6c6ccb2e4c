"""Simulations of emergence: multi-task circuit competition, finite test sets, the skill-graph Monte Carlo.

Routes: scipy's L-BFGS-B on the objective, per point (independent of the package's Newton solver);
Huang's registered D_crit rule for where the circuits cross; the transition scale's defining equations solved
in 50-digit arithmetic; extreme and random settings through the CLI (exit 0 with finite values or exit 2 naming
the setting);
exact binomial probabilities against sampling; linearity of expectation for the skill graph.
"""

import json
import math
import subprocess
import time
import warnings

import mpmath
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize

from derivations.cli import main
from derivations.compile import compile_expr
from derivations.emergence.finite import (
    apparent_threshold,
    breakthroughness,
    finite_test_illusion,
    sampled_accuracy,
)
from derivations.emergence.multitask import crossing_scale, fit_critical_scale_law, multitask_equilibrium, run_emergence
from derivations.emergence.skills import failing_skill_fraction, failure_threshold, skill_graph, tail_predictions
from derivations.evaluate import evaluate
from derivations.experiments import get_experiment
from derivations.grokking.phases import HuangSetting

SETTING = HuangSetting()


@pytest.fixture(scope="module")
def runs():
    """The default run and its variations in memorization data and task difficulty (points=31 for speed)."""
    cases = {"base": {}, "no_random": {"memorization_data": 0.0}, "more_random": {"memorization_data": 24000.0},
             "harder": {"difficulty": 2.0}, "easier": {"difficulty": 0.7}}
    return {k: run_emergence(points=31, **v) for k, v in cases.items()}


def test_equilibrium_matches_an_independent_minimizer_of_the_objective():
    # Per-point L-BFGS-B on the cross-entropy objective with the spare-size norms (not the package's Newton solver).
    from theory import circuits
    from theory.dynamics import CROSS_ENTROPY
    from theory.symbols import P_G, P_M, B_crit, D, M, beta_m, f, kappa, lam, nu, p, q, w_G, w_M

    sizes = np.geomspace(20.0, 3000.0, 7)
    ours = multitask_equilibrium(sizes, 3000.0, 6000.0)
    cv = SETTING.curve_values()
    stored_all = circuits.memorization_norm_of_model.subs(circuits.memorizable_fraction, 1)
    norms = compile_expr((M, D, B_crit, nu, beta_m), [circuits.generalization_norm_of_model, stored_all])
    objective = compile_expr((w_G, w_M, q, lam, p, kappa, P_G, P_M), CROSS_ENTROPY.objective.subs(f, 1))
    for i, spare in enumerate(ours["spare_model_size"]):
        # No spare capacity: w_G is held at 0 by its bounds (its cost then does not matter).
        p_g, p_m = norms(spare if spare > 0 else 1.0, 3000.0, cv["B_crit"], cv["nu"], SETTING.beta)
        args = (SETTING.q, SETTING.lam, SETTING.p, SETTING.kappa, p_g, p_m)
        res = minimize(lambda x, a=args: objective(*x, *a), [1.0, 1.0], method="L-BFGS-B",
                       bounds=[(0.0, None) if spare > 0 else (0.0, 0.0), (0.0, None)],
                       options={"ftol": 1e-15, "gtol": 1e-11, "maxiter": 5000})
        assert res.x == pytest.approx([ours["w_G"][i], ours["w_M"][i]], rel=1e-4, abs=1e-5)
    assert (ours["spare_model_size"] == 0).any() and (ours["spare_model_size"] > 0).any()


def test_circuits_cross_where_the_spare_model_reaches_the_critical_data_size(runs):
    for name, memorization, difficulty in (("base", 6000.0, 1.0), ("more_random", 24000.0, 1.0),
                                           ("easier", 6000.0, 0.7)):
        run = runs[name]
        assert run["crossing_scale"] == pytest.approx(run["predicted_transition_scale"], rel=0.05), name
        # Just below the closed-form scale the memorizer is stronger, just above the generalizer is.
        near = run["predicted_transition_scale"] * np.array([0.999, 1.001])
        eq = multitask_equilibrium(near, 3000.0, memorization, HuangSetting(difficulty=difficulty))
        assert eq["w_G"][0] < eq["w_M"][0] and eq["w_G"][1] > eq["w_M"][1], name
    # Without random labels the crossing is Huang's dip-window end, D_crit(M) = D.
    cv = SETTING.curve_values()
    end = evaluate("huang.dip_window_end", D=3000.0, B_crit=cv["B_crit"], nu=cv["nu"])
    assert runs["no_random"]["predicted_transition_scale"] == pytest.approx(end, rel=1e-9)


def test_validation_stays_at_chance_until_capacity_leaves_room(runs):
    run = runs["base"]
    crowded = run["model_size"] < run["capacity_threshold"]
    assert crowded.any() and np.all(run["validation"][crowded] < 2 / SETTING.q)
    assert np.all(run["w_G"][crowded] < 1e-9)
    assert np.all(np.diff(run["validation"]) > -1e-9)  # rises monotonically with model size
    assert run["validation"][-1] > 0.9


def test_transition_moves_up_with_memorization_data_and_difficulty(runs):
    scale = {k: v["transition_scale"] for k, v in runs.items()}
    assert scale["no_random"] < scale["base"] < scale["more_random"]
    assert scale["easier"] < scale["base"] < scale["harder"]
    # The simulated counterpart of claims emergence.memorization_data_little_effect and emergence.harder_task_later:
    # 4x the random labels moves it by less than 1.5x, doubling the difficulty by more than 3x.
    assert scale["more_random"] / scale["base"] < 1.5 and scale["harder"] / scale["base"] > 3


def test_multitask_emergence_is_not_the_published_1570x(runs):
    # Huang et al. report emergence ~1570x the single-task size; in this model random labels move the
    # transition by a factor sqrt(1 + D_r / D_mem(M_s*)), far below that (the 1570 is the sweep's span).
    ratio = runs["more_random"]["predicted_transition_scale"] / runs["no_random"]["predicted_transition_scale"]
    assert 1 < ratio < 10


def test_fitted_critical_scale_law_describes_the_transition(runs):
    for run in runs.values():
        assert 1.0 < run["transition_alpha"] < 20
        # The fitted law's 10-90% width is within 25% of the measured one.
        assert run["fitted_law_width"] == pytest.approx(run["transition_width"], rel=0.25)
    # More random labels make the rise sharper (larger alpha), a feature the critical-scale law can absorb.
    assert runs["more_random"]["transition_alpha"] > runs["no_random"]["transition_alpha"]


def test_experiment_validates_input_and_cli_returns_json():
    exp = get_experiment("emergence")
    with pytest.raises(ValueError, match="memorization_data"):
        exp(memorization_data=-1)
    with pytest.raises(ValueError, match="model_max"):
        exp(model_min=100, model_max=10)
    out = subprocess.run(["circuitcomp", "simulate", "emergence", "points=15", "--json"], capture_output=True,
                         text=True, check=True, timeout=120)
    data = json.loads(out.stdout)
    for key in ("model_size", "validation", "transition_scale", "transition_alpha", "transition_width"):
        assert key in data
    assert len(data["validation"]) == 15


@pytest.mark.parametrize(("D", "D_r", "A", "mu", "B", "nu"), [
    (3000.0, 6000.0, 4.5, 2.0, 16856.0, 0.415),
    (3000.0, 0.0, 4.5, 2.0, 16856.0, 0.415),
    (10.0, 1e9, 0.3, 1.5, 50.0, 1.7),
    (3000.0, 6000.0, 4.5, 2.0, 16856.0, 0.02),  # mu/nu = 100: B^(mu/nu) alone is 1e423
    (1e6, 1e12, 4.5, 3.0, 20.0, 0.01),  # D > B: (B/D)^(1/nu) alone underflows to 0
])
def test_transition_scale_solves_its_defining_equations(D, D_r, A, mu, B, nu):
    # D_crit(M_s) = B M_s^-nu = D fixes the spare size; A M^mu - D_r = A M_s^mu gives the model size.
    mpmath.mp.dps = 50
    spare = (mpmath.mpf(B) / D) ** (1 / mpmath.mpf(nu))
    expected = (spare ** mu + mpmath.mpf(D_r) / A) ** (1 / mpmath.mpf(mu))
    got = evaluate("emergence.multitask_transition_scale", D=D, D_r=D_r, A_mem=A, mu=mu, B_crit=B, nu=nu)
    assert got == pytest.approx(float(expected), rel=1e-10)


@pytest.mark.parametrize(("M", "D_r", "A", "mu"), [
    (100.0, 6000.0, 4.5, 2.0),
    (37.0, 6000.0, 4.5, 2.0),  # just above the threshold sqrt(D_r / A) = 36.5: a difference of near-equals
    (51.8, 444.5, 0.517, 703.0),  # M^mu alone overflows
    (0.0075, 0.0, 31.2, 149.0),  # M^mu alone is subnormal
])
def test_spare_model_size_solves_its_defining_equation(M, D_r, A, mu):
    # A M_s^mu = A M^mu - D_r, in 50-digit arithmetic.
    mpmath.mp.dps = 50
    expected = (mpmath.mpf(M) ** mu - mpmath.mpf(D_r) / A) ** (1 / mpmath.mpf(mu))
    got = evaluate("emergence.spare_model_size", M=M, D_r=D_r, A_mem=A, mu=mu)
    assert got == pytest.approx(float(expected), rel=1e-10)


def test_a_near_step_reports_no_steepness():
    # An easy task generalizes as soon as the random labels leave any room (at sqrt(D_r / A) = 36.5): a near-step
    # that the critical-scale law only approaches as alpha -> infinity, so no alpha is reported.
    run = run_emergence(difficulty=0.1, points=200, model_min=36.0, model_max=38.0)
    assert run["transition_alpha"] is None and run["fitted_law_width"] is None
    assert run["transition_width"] < 1.01 and run["transition_scale"] == pytest.approx(36.5, rel=0.01)


def test_crossing_scale_is_none_where_the_curve_does_not_cross():
    sizes = np.array([1.0, 2.0, 4.0])
    assert crossing_scale(sizes, np.array([0.0, 0.1, 0.2]), 0.5) is None  # never reaches the level
    assert crossing_scale(sizes, np.array([0.6, 0.7, 0.8]), 0.5) is None  # already above at the first size
    assert crossing_scale(sizes, np.array([0.0, 1.0, 1.0]), 0.5) == pytest.approx(math.sqrt(2.0))


def test_normalized_validation_runs_from_the_memorizer_alone_to_one(runs):
    # The memorizer votes for a wrong class, so alone it scores below chance 1/q: that level, not chance, is 0.
    for name, run in runs.items():
        floor = run["memorizer_alone_validation"]
        assert floor < 1 / SETTING.q, name
        score = run["normalized_validation"]
        assert score.min() >= -1e-12 and score.max() <= 1, name
        assert score == pytest.approx((run["validation"] - floor) / (1 - floor), abs=1e-12)
    crowded = runs["base"]["model_size"] < runs["base"]["capacity_threshold"]
    assert runs["base"]["normalized_validation"][crowded] == pytest.approx(0.0, abs=1e-12)


# --- the CLI on extreme and random settings: exit 0 with finite values or 2 with a one-line message ----------
SETTINGS = ("algorithmic_data", "memorization_data", "difficulty", "model_min", "model_max", "points")
EXTREMES = ("0", "1e-300", "1e300", "inf", "-inf", "nan", "-1", "1e20", "2.5", "1e12")


def _simulate(capsys, *assignments: str) -> tuple[int, str, str, float]:
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a RuntimeWarning on the way is a failure too
        code = main(["simulate", "emergence", *assignments, "--json"])
    out, err = capsys.readouterr()
    return code, out, err, time.perf_counter() - start


def _named(err: str) -> str:
    """The first word of an error message: the setting it is about."""
    return err.removeprefix("circuitcomp: error: ").split()[0].rstrip(":,")


def _finite_or_null(data: dict) -> bool:
    values = [v for value in data.values() for v in (value if isinstance(value, list) else [value])]
    return all(v is None or (isinstance(v, float | int) and math.isfinite(v)) for v in values)


@pytest.mark.parametrize("value", EXTREMES)
@pytest.mark.parametrize("key", SETTINGS)
def test_cli_extreme_setting_exits_cleanly_naming_the_setting(capsys, runs, key, value):
    # ``runs`` only warms up: derivations and compiled forms are ready before anything is timed.
    code, out, err, seconds = _simulate(capsys, f"{key}={value}")
    assert seconds < 10
    if code == 0:
        assert _finite_or_null(json.loads(out)), (key, value)
    else:
        assert code == 2 and err.startswith("circuitcomp: error: ") and err.count("\n") == 1, err
        # Outside its domain the value itself is named; inside, the message names the settings to change.
        in_domain = get_experiment("emergence").settings[key].domain.contains(float(value))
        assert key in err if not in_domain else _named(err) in SETTINGS, err


def _log_uniform(lo: float, hi: float) -> st.SearchStrategy:
    return st.floats(math.log10(lo), math.log10(hi)).map(lambda e: 10.0**e)


# capsys is read (and so emptied) after every example: sharing it between examples is safe.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(algorithmic_data=_log_uniform(10, 1e7), memorization_data=st.just(0.0) | _log_uniform(1, 1e8),
       difficulty=_log_uniform(1e-3, 1e3), model_min=_log_uniform(1, 1e3), model_max=_log_uniform(10, 1e6),
       points=st.integers(5, 400))
def test_cli_random_moderate_settings_exit_cleanly(capsys, runs, algorithmic_data, memorization_data, difficulty,
                                                   model_min, model_max, points):
    # ``runs`` only warms up: derivations and compiled forms are ready before anything is timed.
    given_settings = {"algorithmic_data": algorithmic_data, "memorization_data": memorization_data,
                      "difficulty": difficulty, "model_min": model_min, "model_max": model_max, "points": points}
    code, out, err, seconds = _simulate(capsys, *(f"{k}={v!r}" for k, v in given_settings.items()))
    assert seconds < 10
    if code == 0:
        data = json.loads(out)
        assert _finite_or_null(data) and min(data["normalized_validation"]) >= -1e-12
    else:
        assert code == 2 and err.count("\n") == 1 and _named(err) in SETTINGS, err


# --- finite test sets -------------------------------------------------------------------------------------
def test_binomial_readings_are_zero_with_the_exact_probability():
    rng = np.random.default_rng(np.random.SeedSequence(3))
    accuracy = np.array([1e-4, 1e-3, 1e-2])
    observed = sampled_accuracy(accuracy, 200, rng, repeats=20000)
    expected = (1 - accuracy) ** 200
    zero = (observed == 0).mean(axis=0)
    assert np.all(np.abs(zero - expected) <= 4 * np.sqrt(expected * (1 - expected) / 20000))


def test_apparent_threshold_moves_left_as_the_test_set_grows():
    scales = np.geomspace(1e8, 1e12, 61)
    d = finite_test_illusion(scales, (10, 100, 1000, 10000), repeats=200, seed=1)
    median = np.median(d["apparent_threshold"], axis=1)
    assert np.all(np.diff(median) < 0) and np.all(np.diff(d["resolution_scale"]) < 0)
    # The resolution scale (n_test Acc = 1) locates it to within a factor of a few: the first nonzero reading
    # can come from any earlier size, so small test sets trigger earlier than n_test Acc = 1.
    ratio = median / d["resolution_scale"]
    assert np.all((ratio > 0.25) & (ratio < 2))
    # The smooth curve's small-test-set readings look like a jump: exactly 0, then a large first value.
    small = d["example_observed"][0]
    first = np.argmax(small > 0)
    assert np.all(small[:first] == 0) and small[first] >= 0.1


def test_apparent_threshold_handles_curves_that_never_rise():
    assert apparent_threshold(np.array([1.0, 2.0]), np.zeros((2, 2))).tolist() == [math.inf, math.inf]


def test_sampled_exact_match_scores_higher_than_edit_distance_but_not_by_much():
    scales = np.geomspace(1e8, 1e12, 25)
    args = {"N": scales, "c": 1.18e9, "alpha": -0.445, "L": 5}
    rng = np.random.default_rng(np.random.SeedSequence(11))
    acc = sampled_accuracy(evaluate("emergence.exact_match_accuracy", **args), 100, rng)[0]
    ted = evaluate("emergence.token_edit_distance", **args)
    # On a grid spanning the whole rise the separation is modest (~1.4x): the score ranks, it does not classify.
    assert abs(breakthroughness(-ted)) < breakthroughness(acc) < 3 * abs(breakthroughness(-ted))


# --- skill graph --------------------------------------------------------------------------------------------
def test_skill_graph_monte_carlo_matches_the_binomial_tail_under_the_bound():
    rng = np.random.default_rng(np.random.SeedSequence(5))
    pieces = skill_graph(200, 2000, 3, rng)
    assert all(len(set(row)) == 3 for row in pieces[:50])
    for theta in (0.05, 0.15):
        sample = failing_skill_fraction(pieces, 200, theta, 1.5, rng, repeats=100)
        exact, bound = tail_predictions(pieces, 200, theta, 1.5)
        assert sample.mean() == pytest.approx(exact, abs=4 * sample.std() / 10 + 1e-3)
        assert exact <= bound
    with pytest.raises(ValueError, match="k must be"):
        skill_graph(5, 10, 6, rng)


# --- input checks: a ValueError naming the parameter, never a silent NaN -------------------------------------
GOOD_PIECES = np.array([[0, 1], [1, 2], [2, 0]])


def _rng():
    return np.random.default_rng(0)


@pytest.mark.parametrize(("call", "name"), [
    (lambda: multitask_equilibrium([10.0, -1.0], 3000.0, 6000.0), "model_sizes"),
    (lambda: multitask_equilibrium([[10.0, 20.0]], 3000.0, 6000.0), "model_sizes"),
    (lambda: multitask_equilibrium([10.0], -1.0, 6000.0), "algorithmic_data"),
    (lambda: multitask_equilibrium([10.0], math.nan, 6000.0), "algorithmic_data"),
    (lambda: multitask_equilibrium([10.0], 3000.0, math.nan), "memorization_data"),
    (lambda: multitask_equilibrium([10.0], 3000.0, -5.0), "memorization_data"),
    (lambda: multitask_equilibrium([10.0], 3000.0, 0.0, HuangSetting(difficulty=-1.0)), "difficulty"),
    (lambda: run_emergence(algorithmic_data=-1.0), "algorithmic_data"),
    (lambda: run_emergence(memorization_data=math.nan), "memorization_data"),
    (lambda: run_emergence(difficulty=0.0), "difficulty"),
    (lambda: run_emergence(model_min=math.nan), "model_min"),
    (lambda: run_emergence(model_max=-10.0), "model_max"),
    (lambda: run_emergence(points=2.5), "points"),
    (lambda: run_emergence(algorithmic_data=1e300), "algorithmic_data"),
    (lambda: run_emergence(difficulty=1e-300), "difficulty"),
    (lambda: run_emergence(model_min=1e-300), "model_min"),
    (lambda: run_emergence(model_max=1e300), "model_max"),
    (lambda: run_emergence(model_min=1000.0), "model_min"),
    (lambda: run_emergence(points=5, model_min=1.0, model_max=1e12), "points"),
    (lambda: run_emergence(difficulty=1e6), "difficulty"),
    (lambda: fit_critical_scale_law([1.0, -2.0, 3.0], [0.0, 0.5, 1.0]), "model_sizes"),
    (lambda: fit_critical_scale_law([1.0, 2.0, 3.0], [0.0, math.nan, 1.0]), "score"),
    (lambda: crossing_scale([1.0, 2.0], [0.0, math.inf], 0.5), "values"),
    (lambda: crossing_scale([1.0, 2.0], [0.0, 1.0], math.nan), "level"),
    (lambda: skill_graph(0, 10, 1, _rng()), "n_skills"),
    (lambda: skill_graph(5, 2.5, 1, _rng()), "n_pieces"),
    (lambda: skill_graph(5, 10, 0, _rng()), "k"),
    (lambda: failing_skill_fraction(GOOD_PIECES, 3, -1.0, 1.5, _rng()), "theta"),
    (lambda: failing_skill_fraction(GOOD_PIECES, 3, math.nan, 1.5, _rng()), "theta"),
    (lambda: failing_skill_fraction(GOOD_PIECES, 3, 0.1, math.nan, _rng()), "beta_s"),
    (lambda: failing_skill_fraction(GOOD_PIECES, 3, 0.1, 1.5, _rng(), repeats=0), "repeats"),
    (lambda: failing_skill_fraction(GOOD_PIECES, 2, 0.1, 1.5, _rng()), "pieces"),
    (lambda: failing_skill_fraction(GOOD_PIECES, -3, 0.1, 1.5, _rng()), "n_skills"),
    (lambda: tail_predictions(GOOD_PIECES, 3, 1.5, 1.5), "theta"),
    (lambda: tail_predictions(GOOD_PIECES, 3, 0.1, -1.0), "beta_s"),
    (lambda: failure_threshold(np.array([1.0, -2.0]), 0.1, 1.5), "degree"),
    (lambda: breakthroughness(np.array([0.0, math.nan, 1.0, 2.0])), "y"),
    (lambda: breakthroughness(np.array([0.0, math.inf, 1.0, 2.0])), "y"),
    (lambda: sampled_accuracy(np.array([0.5, 1.5]), 10, _rng()), "accuracy"),
    (lambda: sampled_accuracy(np.array([0.5]), 0, _rng()), "n_test"),
    (lambda: sampled_accuracy(np.array([0.5]), 10, _rng(), repeats=-1), "repeats"),
    (lambda: apparent_threshold(np.array([1.0, -2.0]), np.zeros((1, 2))), "scales"),
    (lambda: apparent_threshold(np.array([1.0, 2.0]), np.array([[0.0, math.nan]])), "observed"),
    (lambda: apparent_threshold(np.array([1.0, 2.0]), np.zeros((1, 3))), "observed"),
    (lambda: finite_test_illusion(np.array([1e9, -1.0]), (10,)), "scales"),
    (lambda: finite_test_illusion(np.array([1e9, 1e10]), (10, 0)), "test_sizes"),
    (lambda: finite_test_illusion(np.array([1e9, 1e10]), (10,), length=0), "length"),
    (lambda: finite_test_illusion(np.array([1e9, 1e10]), (10,), repeats=0), "repeats"),
    (lambda: finite_test_illusion(np.array([1e9, 1e10]), (10,), seed=-1), "seed"),
    (lambda: finite_test_illusion(np.array([1e9, 1e10]), (10,), alpha=math.nan), "alpha"),
])
def test_bad_inputs_raise_a_value_error_naming_the_parameter(call, name):
    with pytest.raises(ValueError, match=rf"\b{name}\b"):
        call()
