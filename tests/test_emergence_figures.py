"""The emergence figures' data (not pixels): each shows what its caption claims."""

import math

import numpy as np
import pytest
from figure_arrays import figure_arrays

from figures.registry import all_figures

NAMES = ("emergence_critical_scale", "emergence_mirage", "emergence_multiple_choice", "emergence_quanta",
         "emergence_loss_threshold", "emergence_multitask", "emergence_finite_test", "emergence_skill_graph")


compute = figure_arrays  # fast-mode data, computed once per session


def test_every_emergence_figure_is_registered_with_a_source():
    specs = {spec.name: spec for spec in all_figures()}
    for name in NAMES:
        assert name in specs and specs[name].source


def test_critical_scale_curves_cross_at_one_minus_one_over_e():
    d = compute("emergence_critical_scale")
    for a in d["alpha"][d["alpha"] <= 6]:
        at_critical = np.interp(0.0, np.log(d["ratio"]), d[f"P_{a:g}"])
        assert at_critical == pytest.approx(1 - math.exp(-1), abs=0.01)
    assert np.all(np.diff(d["width"]) < 0)  # steeper alpha, narrower 10-90% window


def test_mirage_panels_exact_match_shifts_and_edit_distance_is_a_power_law():
    d = compute("emergence_mirage")
    for length, star in zip(d["L"], d["inflection"]):
        acc = d[f"acc_{length:g}"]
        assert np.interp(np.log(star), np.log(d["N"]), acc) == pytest.approx(math.exp(-1), abs=2e-3)
    tail = d["N"] > 1e12
    slope = np.polyfit(np.log(d["N"][tail]), np.log(d["ted_5"][tail]), 1)[0]
    assert slope == pytest.approx(-0.445, abs=0.03)


def test_multiple_choice_grade_is_stepwise_and_brier_passes_chance_at_the_crossover():
    d = compute("emergence_multiple_choice")
    assert d["grade"][d["N"] < 7e8].max() == 0 and d["grade"][d["N"] > 1.5e9].min() == 1
    assert np.interp(np.log(1e9), np.log(d["N"]), d["brier"]) == pytest.approx(0.75, abs=0.02)


def test_multiple_choice_reference_levels_explain_the_below_chance_start():
    # A uniform guess over K = 4 options: mass 1/K, Brier (1 - 1/K)^2 + (K - 1)/K^2 = 3/4. All mass spread over the
    # K - 1 distractors: Brier 1 + (K - 1) (1/(K - 1))^2 = 4/3. Small models sit at the second, worse than guessing.
    d = compute("emergence_multiple_choice")
    assert d["levels"] == pytest.approx([1 / 4, 3 / 4, 4 / 3], rel=1e-9)
    assert d["grade"][0] == 0 < d["levels"][0] and d["mass"][0] < d["levels"][0]
    assert d["levels"][1] < d["brier"][0] == pytest.approx(4 / 3, abs=0.01)


def test_quanta_steps_sum_to_the_continuum_power_law():
    d = compute("emergence_quanta")
    large = d["n"] > 100
    assert d["discrete"][large] == pytest.approx(d["continuum"][large], rel=0.02)
    assert d["exponents"] == pytest.approx([0.4, 0.4 / 1.4], rel=1e-12)


def test_loss_threshold_performance_is_zero_below_the_threshold_scale():
    d = compute("emergence_loss_threshold")
    for eta, n_eta in zip(d["eta"], d["threshold_scale"]):
        perf = d[f"vs_N_{eta:g}"]
        assert np.all(perf[d["N"] < n_eta] == 0) and np.all(perf[d["N"] > 1.01 * n_eta] > 0)


def test_multitask_transition_moves_later_with_memorization_data_and_difficulty():
    d = compute("emergence_multitask")
    mem = [d[f"mem_{v:g}_summary"][0] for v in (0.0, 3000.0, 6000.0, 24000.0)]
    diff = [d[f"diff_{v:g}_summary"][0] for v in (0.7, 1.0, 2.0)]
    assert np.all(np.diff(mem) > 0) and np.all(np.diff(diff) > 0)
    # The closed-form crossing grows with the random labels and stays above the size they fill.
    assert np.all(np.diff(d["predicted_vs_random"]) > 0)
    assert np.all(d["predicted_vs_random"][1:] > d["filled_vs_random"])


def test_multitask_normalized_validation_runs_from_zero_to_one():
    d = compute("emergence_multitask")
    for key in [k for k in d if k.endswith("_validation")]:
        score = d[key]
        assert score.min() >= 0 and score.max() <= 1 and score[-1] > 0.9, key


def test_finite_test_thresholds_fall_with_test_set_size():
    d = compute("emergence_finite_test")
    assert np.all(np.diff(np.median(d["apparent_threshold"], axis=1)) < 0)


def test_skill_graph_monte_carlo_lies_on_the_binomial_tail_below_the_bound():
    d = compute("emergence_skill_graph")
    assert d["mc_mean"] == pytest.approx(d["exact"], abs=0.03)
    assert np.all(d["exact"] <= d["bound"])
