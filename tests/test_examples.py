"""The worked examples in examples/: each runs, prints what it derived and simulated, and exits 0; exits 1 when
derivation and simulation disagree; and what it claims holds against an independent route (a derivation by
hand written out in the test, or a direct numerical minimization)."""

import importlib.util
import math
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import sympy as sp
from scipy.optimize import minimize

from derivations.analysis import analyse, critical_value

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _soft_accuracy(margin: float, sigma: float = 0.25) -> float:
    """P(log-normal margin > 1/2) for target y = 1."""
    return 0.5 * (1 + math.erf(math.log(2 * margin) / sigma / math.sqrt(2))) if margin > 0 else 0.0


@pytest.fixture(scope="module")
def power_law():
    return _load("power_law_memorizer")


@pytest.fixture(scope="module")
def three():
    return _load("three_circuits")


@pytest.fixture(scope="module")
def penalty():
    return _load("cross_entropy_penalty")


# --- power-law memorizer ---------------------------------------------------------------------------------------
def test_power_law_memorizer_runs_and_its_simulated_winner_switches_at_the_hand_derived_size(power_law, capsys):
    assert power_law.main() == 0
    out = capsys.readouterr().out
    assert "D_crit = (c_g/c_m)**(1/gamma)" in out and out.count("agrees") == len(power_law.GAMMAS)
    # By hand: at the memorizer-alone point y - z_m = lam c_m D^gamma / 2, so the generalizer's per-capita rate
    # 2 eta_g (2 (y - z_m) / c_g - lam) = 2 eta_g lam (c_m D^gamma / c_g - 1) vanishes at (c_g / c_m)^(1/gamma).
    c_g, c_m, gamma = power_law.c_g, power_law.c_m, power_law.gamma
    assert sp.simplify(power_law.derive() - (c_g / c_m) ** (1 / gamma)) == 0
    for g in power_law.GAMMAS:  # c_g / c_m = 50: D_crit = 2500, 50, 13.57, 7.07, each printed with its bracket
        assert f"derived D_crit = {50 ** (1 / g):8.2f}" in out


def test_power_law_memorizer_exits_1_when_a_bracket_misses_the_derived_size(power_law, monkeypatch, capsys):
    monkeypatch.setattr(power_law, "switches", lambda critical: [(1.0, 50.0, 60.0, 90.0)])
    assert power_law.main() == 1
    assert "DISAGREES" in capsys.readouterr().out


# --- three circuits --------------------------------------------------------------------------------------------
def test_three_circuits_runs_and_takes_over_in_the_hand_derived_order(three, capsys):
    assert three.main() == 0
    assert "derivation and simulation agree" in capsys.readouterr().out
    analysis = analyse(three.MODEL)
    assert len(analysis.fixed_points) == 10
    # By hand, with e1, e0 the training errors on the covered and the other examples: the memorizer's weights on
    # a block balance weight decay at e = lam c_m D / 2, the partial circuit at phi e1 = lam c_p / 2, the
    # general one at phi e1 + (1 - phi) e0 = lam c_g / 2. The partial circuit invades the memorizer when
    # phi c_m D > c_p; the general one invades memorizer + partial when c_p + (1 - phi) c_m D > c_g.
    c_m, c_g, c_p, phi, D = three.c_m, three.c_g, three.c_p, three.phi, three.D
    hand = {("theta_m1+theta_m0", "theta_p"): c_p / (phi * c_m),
            ("theta_m0+theta_p", "theta_g"): (c_g - c_p) / ((1 - phi) * c_m),
            ("theta_m1+theta_m0", "theta_g"): c_g / c_m}
    for (at, circuit), expected in hand.items():
        assert sp.simplify(critical_value(analysis, D, at=at, circuit=circuit) - expected) == 0
    changes = three.takeovers(analysis)
    assert [label for _, label, _ in changes] == list(three.PHASES)
    assert [start for start, _, _ in changes] == pytest.approx([0.0, 20.0, 80.0])


def test_three_circuits_plateaus_are_the_hand_derived_accuracies(three):
    analysis = analyse(three.MODEL)
    lam, phi, c_g, c_p = 0.01, 0.5, 5.0, 1.0
    # Semi-grokking: only the partial circuit on test inputs, margin y - lam c_p / (2 phi) on the covered part.
    semi = phi * _soft_accuracy(1 - lam * c_p / (2 * phi))
    # Grokking: general + partial; covered margin as before, the rest y - lam (c_g - c_p) / (2 (1 - phi)).
    grok = phi * _soft_accuracy(1 - lam * c_p / (2 * phi)) + (1 - phi) * _soft_accuracy(
        1 - lam * (c_g - c_p) / (2 * (1 - phi)))
    for label, size, expected in (("theta_m1+theta_m0", 10.0, 0.0), ("theta_m0+theta_p", 40.0, semi),
                                  ("theta_g+theta_p", 160.0, grok)):
        assert three.test_accuracy(analysis, analysis.point(label), size) == pytest.approx(expected, abs=1e-12)
    assert semi == pytest.approx(0.4984, abs=1e-4)  # stuck near the covered fraction


def test_three_circuits_exits_1_when_the_simulation_disagrees(three, monkeypatch, capsys):
    def stuck(model, horizon, values, events):  # every run ends at test accuracy 0.3, on no derived plateau
        return SimpleNamespace(final=lambda name: 0.3, events={name: 1.0 + k for k, name in enumerate(events)},
                               t=np.array([0.0, horizon]), observables={"test_accuracy": np.array([0.3, 0.3])})

    monkeypatch.setattr(three, "simulate", stuck)
    assert three.main() == 1
    assert "DISAGREE" in capsys.readouterr().out


# --- cross-entropy penalty exponent ----------------------------------------------------------------------------
def test_cross_entropy_penalty_runs_and_its_ratio_is_the_hand_derived_one(penalty, capsys):
    assert penalty.main() == 0
    assert "derivation and simulation agree" in capsys.readouterr().out
    ratio, critical, width = penalty.derive()
    # By hand: with f = 1 both circuits feel the same force, so (lam r / p) P_G^p w_G^(r-1) equals
    # (lam r / p) P_M^p w_M^(r-1) at an interior equilibrium.
    c_M, D, beta, P_G, p, r = penalty.c_M, penalty.D, penalty.beta, penalty.P_G, penalty.p, penalty.r
    k = sp.Symbol("k", positive=True)  # r = 1 + k
    expected = (c_M * D**beta / P_G) ** (p / (r - 1))
    assert sp.simplify((ratio - expected).subs(r, 1 + k)) == 0
    assert sp.simplify(critical - (P_G / c_M) ** (1 / beta)) == 0
    assert sp.simplify((width - 2 ** ((r - 1) / (p * beta))).subs(r, 1 + k)) == 0


@pytest.mark.parametrize("exponent, size", [(5 / 3, 200.0), (3.0, 50.0)])
def test_cross_entropy_penalty_ratio_matches_a_direct_minimization(penalty, exponent, size):
    # The same equilibrium by another method: minimize the objective over (w_G, w_M) > 0 (convex for r > 1).
    q, lam, p, P_G, c_M, beta = 113, 0.005, 2, 1.0, 0.1, 0.5
    P_M = c_M * size**beta

    def loss(w):
        penalty_term = lam / p * (P_G**p * w[0] ** exponent + P_M**p * w[1] ** exponent)
        return np.logaddexp(0, np.log(q - 1) - w.sum()) + penalty_term

    best = minimize(loss, x0=[5.0, 5.0], bounds=[(1e-9, None)] * 2, method="L-BFGS-B", options={"ftol": 1e-15,
                                                                                              "gtol": 1e-12})
    simulated, _ = penalty.simulated_ratio(exponent, size)
    assert simulated == pytest.approx(best.x[0] / best.x[1], rel=1e-5)


def test_cross_entropy_penalty_exits_1_when_the_simulation_disagrees(penalty, monkeypatch, capsys):
    monkeypatch.setattr(penalty, "simulated_ratio", lambda exponent, size: (1.01, 0.5))
    assert penalty.main() == 1
    assert "DISAGREE" in capsys.readouterr().out
