"""The figures' data (not pixels): each figure shows what its caption claims; outputs are byte-stable."""

import numpy as np
import pytest
import scipy.stats
from figure_arrays import figure_arrays

from derivations.evaluate import evaluate
from figures.__main__ import main as figures_main
from figures.registry import all_figures

GROKKING_FIGURES = {"grokking_curves", "varma_simulation", "ungrokking", "semi_grokking", "delay_law", "power_steps",
                 "liu_phase_diagram", "huang_phase_diagram", "huang_dynamics"}


compute = figure_arrays  # fast-mode data, computed once per session


def test_registry_lists_every_figure(capsys):
    assert GROKKING_FIGURES <= {spec.name for spec in all_figures()}
    assert figures_main(["--list"]) == 0
    assert "grokking_curves" in capsys.readouterr().out
    assert figures_main(["--only", "no_such_figure"]) == 2


def test_ungrokking_drops_at_critical_size_for_every_weight_decay():
    d = compute("ungrokking")
    ratio = d["retrain_ratio"]
    curves = [d[k] for k in d if k.startswith("accuracy_")]
    for acc in curves:
        assert np.all(acc[ratio < 0.97] < 0.01) and np.all(acc[ratio > 1.03] > 0.95)
    # Weight decay moves neither the transition nor the final accuracies (Varma et al. prediction (iii)).
    assert np.max(np.abs(curves[0] - curves[-1])[np.abs(ratio - 1) > 0.03]) < 0.01


def test_semi_grokking_plateaus_count_the_sub_rules_past_their_critical_size():
    d = compute("semi_grokking")
    from figures.grokking import SUB_RULE_CRITICAL

    for n in d["data_size"]:
        expected = np.mean([n > c for c in SUB_RULE_CRITICAL])  # A(n) = #{k : n > n_crit,k} / K
        assert d[f"accuracy_{n:g}"][-1] == pytest.approx(expected, abs=0.01)


def test_delay_law_simulation_follows_the_closed_form():
    d = compute("delay_law")
    # The curve drawn into the divergence is A / (D/D_crit - 1) near it, A the registered limit amplitude.
    amplitude = evaluate("grokking.critical_slowing_amplitude", m0=1e-2, g0=1e-6, y=1.0, lam=0.01, c_m=0.1,
                         c_g=5.0, eta_m=1.0, eta_g=0.1)
    near = d["excess_dense"] < 0.01
    assert near.sum() > 10
    assert d["excess_dense"][near] * d["pred_dense"][near] == pytest.approx(amplitude, rel=1e-3)
    assert d["pred_dense"][0] > 1e6
    assert d["t_vs_lam"] == pytest.approx(d["pred_vs_lam"], rel=0.02)
    # The closed form assumes the memorizer sits on its nullcline long before the switch: D < 4 D_crit.
    near = d["excess"] < 3
    assert d["t_vs_ratio"][near] == pytest.approx(d["pred_vs_ratio"][near], rel=0.02)
    # ~1/lam: the product lam * t varies by less than the log correction over two decades of lam.
    product = d["lam"] * d["t_vs_lam"]
    assert product.max() / product.min() < 1.1


def test_power_steps_grow_as_the_training_fraction_shrinks():
    d = compute("power_steps")
    finite = np.isfinite(d["test_steps"])
    assert np.all(np.diff(d["test_steps"][finite]) < 0)
    crit = evaluate("grokking.critical_data_size", c_m=0.1, c_g=5.0) / 400.0
    assert np.all(~finite[d["fraction"] < crit])
    # Steps to generalize diverge as 1/(D - D_crit): the product tends to a constant at the closest points.
    near = (d["fraction"] - crit) * d["test_steps"]
    assert near[0] == pytest.approx(near[1], rel=0.05)


def test_power_steps_train_jump_is_where_the_memorizer_alone_stops_reaching_99_percent():
    d = compute("power_steps")
    # By hand: the memorizer's stationary margin is y - lam c_m D / 2 (d/dtheta of (y - z)^2/2 + lam theta^2/2
    # with z = theta^2/(c_m D)); 99% soft accuracy needs z >= (y/2) exp(sigma Phi^-1(0.99)).
    y, lam, c_m, sigma, total = 1.0, 0.01, 0.1, 0.25, 400.0
    z99 = y / 2 * np.exp(sigma * scipy.stats.norm.ppf(0.99))
    expected = 2 * (y - z99) / (lam * c_m) / total
    assert float(d["memorizer_limit_fraction"]) == pytest.approx(expected, rel=1e-6)
    assert float(d["memorizer_limit_fraction"]) == pytest.approx(0.528, abs=0.001)
    right = d["fraction"] > expected
    train, test = d["train_steps"], d["test_steps"]
    # Left of it the memorizer reaches 99% in tens of steps; right of it 99% waits for the generalizer.
    assert np.all(train[~right] < 100)
    assert np.all((train[right] < test[right]) & (train[right] > 0.3 * test[right]))


def test_liu_phases_agree_with_the_fit_edges_and_the_drawn_regions():
    from figures.grokking import liu_layers

    d = compute("liu_phase_diagram")
    ratio, lam = np.meshgrid(d["data_ratio"], d["weight_decay"])
    # By hand: a circuit alone fits (stationary margin y - lam c / 2 >= y/2) iff lam <= y / c, with
    # c = c_m D for the memorizer and c_g for the generalizer; y = 1, c_m = 0.1, c_g = 5, D_crit = 50.
    mem_edge, gen_edge = 1.0 / (0.1 * 50 * ratio), 1.0 / 5.0
    below_crit = ratio < 0.95  # the memorizer wins wherever it can fit
    assert np.all(np.isfinite(d["t_memorizer"])[below_crit & (lam < 0.9 * mem_edge)])
    assert np.all(~np.isfinite(d["t_memorizer"])[lam > 1.1 * mem_edge])
    assert np.all(~np.isfinite(d["t_generalizer"])[lam > 1.1 * gen_edge])
    assert np.all(np.isfinite(d["t_generalizer"])[(lam > 1.1 * mem_edge) & (lam < 0.9 * gen_edge)])
    # The filled regions drawn are the simulated phases: at every run (bar at most one in a thousand, on
    # an edge) the last layer painted there is the run's phase.
    painted = np.full(d["phase"].shape, -1)
    for field, phase in liu_layers(d):
        painted[field > 0] = phase
    assert np.count_nonzero(painted != d["phase"]) <= d["phase"].size // 1000


def test_grokking_curve_events_are_ordered():
    d = compute("grokking_curves")
    t_mem, t_gen = d["events"]
    assert t_gen > 10 * t_mem
    assert d["test_accuracy"][-1] > 0.95 and d["train_accuracy"][-1] > 0.95


def test_grokking_curves_margin_window_shows_both_circuits_and_the_loser_leaving():
    from figures.grokking import MARGIN_FLOOR

    d = compute("grokking_curves")
    t, z_m, z_g = d["t"], d["memorizing_margin"], d["generalizing_margin"]
    assert z_g.min() > MARGIN_FLOOR and z_m[t < d["events"][1]].min() > MARGIN_FLOOR
    assert z_m[-1] < MARGIN_FLOOR  # after grokking the memorizer decays through the bottom of the window


def test_varma_simulation_reproduces_the_table_run_and_ablations():
    d = compute("varma_simulation")
    # An independent re-implementation of Varma et al. App. C gave w_G -> 7.8315, w_M -> 0.97894 by 60k steps.
    assert d["full_w_G"][-1] == pytest.approx(7.83, abs=0.05)
    assert d["full_w_M"][-1] == pytest.approx(0.98, abs=0.05)
    assert d["equal_speed_test_loss"][-1] < 0.2 and d["inefficient_test_loss"][-1] > 1.0


def test_huang_validation_dips_deep_below_the_crossing_size_and_shallow_above():
    from derivations.grokking.phases import HuangSetting
    from figures.grokking import HUANG_DATA

    d = compute("huang_phase_diagram")
    s = HuangSetting()
    # By hand: A M^mu = B M^-nu at M* = (B/A)^(1/(mu+nu)), D* = A M*^mu.
    m_star = (s.B_crit / s.A_mem) ** (1 / (s.mu + s.nu))
    assert d["star"] == pytest.approx([m_star, s.A_mem * m_star**s.mu], rel=1e-9)
    for dsize, curve in zip(HUANG_DATA, d["curves"]):
        assert curve.min() < 0.45 if dsize < d["star"][1] else curve.min() > 0.6


def test_huang_dynamics_norm_rises_in_progression_and_falls_in_grokking():
    d = compute("huang_dynamics")
    prog, grok = d["progression_norm"], d["grokking_norm"]
    assert d["progression_validation"][-1] > 0.9 and d["ungrokking_validation"][-1] < 0.1
    assert d["grokking_validation"][-1] > 0.8 and 0.2 < d["semi-grokking_validation"][-1] < 0.8
    i_gen = np.argmax(d["grokking_validation"] > 0.5)
    assert grok[-1] < grok[i_gen - 5]  # the switch to the efficient circuit lowers the norm
    j_gen = np.argmax(d["progression_validation"] > 0.5)
    assert prog[j_gen + 5] > prog[j_gen - 5]

