"""Values of the multi-task emergence formulas from routes that do not go through their closed forms.

``emergence.spare_model_size`` M_s solves A M_s^mu = A M^mu - D_r and ``emergence.multitask_transition_scale`` M*
solves B M_s(M*)^-nu = D, with Huang et al.'s capacity D_mem(M) = A M^mu and critical data size D_crit(M) = B M^-nu
(Huang et al. 2024, arXiv 2402.15175, Assumptions 3.1 and 3.2). The expected values come from
* integer points worked by hand (sums of squares and of cubes: 3^2 + 4^2 = 5^2, 3^3 + 4^3 + 5^3 = 6^3);
* Brent's method on those defining equations, written out here at generic parameter values (no exponent 1,
  coefficient 1 or zero count, so a changed factor, exponent or sign cannot cancel out);
* the model itself: the size where the cross-entropy equilibrium's two circuits are equally strong;
* 50-digit agreement of the registered log-space forms with the plain expressions SymPy derives.
"""

import math

import mpmath
import numpy as np
import pytest
import sympy as sp
from scipy.optimize import brentq

from derivations.emergence import multitask
from derivations.evaluate import evaluate
from derivations.grokking.phases import HuangSetting, huang_equilibrium
from theory.registry import get

# rel tolerance of the Brent routes: the roots are found to ~1e-15, the formulas in double precision.
TIGHT = 1e-11


def _spare_by_brent(M: float, D_r: float, A: float, mu: float) -> float:
    """The M_s with A M_s^mu = A M^mu - D_r, found in log M_s (the capacity grows monotonically with size)."""
    return math.exp(brentq(lambda u: A * math.exp(mu * u) - (A * M**mu - D_r), -50.0, math.log(M),
                           xtol=1e-15, rtol=1e-15))


def _transition_by_brent(D: float, D_r: float, A: float, mu: float, B: float, nu: float) -> float:
    """The spare size s whose critical data size is D (B s^-nu = D), then the M leaving it spare
    (A M^mu - D_r = A s^mu; at M = s the left side falls D_r short), both found in logs."""
    s = math.exp(brentq(lambda u: math.log(B) - nu * u - math.log(D), -100.0, 100.0, xtol=1e-15, rtol=1e-15))
    return math.exp(brentq(lambda u: A * math.exp(mu * u) - D_r - A * s**mu, math.log(s), 60.0,
                           xtol=1e-15, rtol=1e-15))


@pytest.mark.parametrize(("M", "D_r", "A", "mu", "expected"), [
    (5.0, 18.0, 2.0, 2.0, 4.0),  # 2 (5^2 - 4^2) = 18
    (6.0, 45.5, 0.5, 3.0, 5.0),  # 0.5 (6^3 - 5^3) = 0.5 (3^3 + 4^3) = 45.5
    (7.25, 0.0, 3.7, 1.3, 7.25),  # no random labels: all of the model is spare
])
def test_spare_model_size_at_hand_worked_points(M, D_r, A, mu, expected):
    assert evaluate("emergence.spare_model_size", M=M, D_r=D_r, A_mem=A, mu=mu) == pytest.approx(expected, rel=1e-13)


@pytest.mark.parametrize(("M", "D_r", "A", "mu"), [
    (83.0, 6000.0, 4.5, 2.0),
    (31.7, 37.9, 0.61, 1.37),
    (2.9, 0.83, 7.3, 0.45),
    (1.7e3, 4.1e9, 2.3, 3.3),
])
def test_spare_model_size_solves_the_capacity_balance(M, D_r, A, mu):
    got = evaluate("emergence.spare_model_size", M=M, D_r=D_r, A_mem=A, mu=mu)
    assert got == pytest.approx(_spare_by_brent(M, D_r, A, mu), rel=TIGHT)


def test_spare_model_size_needs_spare_capacity():
    # Threshold (D_r / A)^(1/mu) = (18 / 2)^(1/2) = 3, exact in floating point: at it no capacity is spare.
    with pytest.raises(ValueError, match="spare capacity"):
        evaluate("emergence.spare_model_size", M=3.0, D_r=18.0, A_mem=2.0, mu=2.0)
    # Generic threshold (37.9 / 0.61)^(1/1.37) = 20.4...: a hair below is refused, a hair above is a sliver of it.
    edge = (37.9 / 0.61) ** (1 / 1.37)
    with pytest.raises(ValueError, match="spare capacity"):
        evaluate("emergence.spare_model_size", M=edge * (1 - 1e-9), D_r=37.9, A_mem=0.61, mu=1.37)
    above = edge * (1 + 1e-6)
    got = evaluate("emergence.spare_model_size", M=above, D_r=37.9, A_mem=0.61, mu=1.37)
    # A M_s^mu = A M^mu - D_r ~ A mu M^mu 1e-6 near the threshold: M_s ~ M (mu 1e-6)^(1/mu).
    assert got == pytest.approx(above * (1.37 * 1e-6) ** (1 / 1.37), rel=1e-5)


@pytest.mark.parametrize(("D", "D_r", "A", "mu", "B", "nu", "expected"), [
    (4.0, 32.0, 2.0, 2.0, 36.0, 2.0, 5.0),  # M_s = (36/4)^(1/2) = 3; M = (3^2 + 32/2)^(1/2) = 5
    (2.0, 45.5, 0.5, 3.0, 50.0, 2.0, 6.0),  # M_s = (50/2)^(1/2) = 5; M = (5^3 + 91)^(1/3) = 6
    (3.0, 0.0, 1.9, 1.6, 24.0, 0.5, 64.0),  # no random labels: M = M_s = (24/3)^2, Huang's dip-window end
])
def test_transition_scale_at_hand_worked_points(D, D_r, A, mu, B, nu, expected):
    got = evaluate("emergence.multitask_transition_scale", D=D, D_r=D_r, A_mem=A, mu=mu, B_crit=B, nu=nu)
    assert got == pytest.approx(expected, rel=1e-13)


@pytest.mark.parametrize(("D", "D_r", "A", "mu", "B", "nu"), [
    (3000.0, 6000.0, 4.5, 2.0, 16856.0, 0.415),
    (37.0, 211.0, 0.73, 1.37, 510.0, 0.62),
    (9.1e4, 3.3e3, 5.9, 2.6, 1.3e3, 1.45),  # D > B: the spare model is smaller than 1
    (120.0, 7.7e7, 1.8, 0.7, 950.0, 2.3),  # random labels dominate the capacity
])
def test_transition_scale_solves_the_critical_data_size_condition(D, D_r, A, mu, B, nu):
    got = evaluate("emergence.multitask_transition_scale", D=D, D_r=D_r, A_mem=A, mu=mu, B_crit=B, nu=nu)
    assert got == pytest.approx(_transition_by_brent(D, D_r, A, mu, B, nu), rel=TIGHT)


@pytest.mark.parametrize("difficulty", [1.0, 2.5])
def test_transition_scale_is_where_the_equilibrium_circuits_tie(difficulty):
    # The cross-entropy model's own long-training equilibrium at the spare size (Newton on its objective), the spare
    # size by Brent: w_G - w_M changes sign at M*, which must be the registered scale.
    setting = HuangSetting(difficulty=difficulty)
    cv = setting.curve_values()
    D, D_r = 3000.0, 6000.0
    unlimited = HuangSetting(difficulty=difficulty, A_mem=math.inf)

    def lead(log_m: float) -> float:
        spare = _spare_by_brent(math.exp(log_m), D_r, cv["A_mem"], cv["mu"])
        eq = huang_equilibrium(np.array([spare]), [D], unlimited)
        return float(eq["w_G"][0, 0] - eq["w_M"][0, 0])

    expected = evaluate("emergence.multitask_transition_scale", D=D, D_r=D_r, A_mem=cv["A_mem"], mu=cv["mu"],
                        B_crit=cv["B_crit"], nu=cv["nu"])
    tie = math.exp(brentq(lead, math.log(expected) - 0.5, math.log(expected) + 0.5, xtol=1e-12))
    assert tie == pytest.approx(expected, rel=1e-8)


@pytest.mark.parametrize("name", ["emergence.spare_model_size", "emergence.multitask_transition_scale"])
def test_log_space_forms_equal_the_derived_expressions(name):
    # Registered form (log-sum-exp, log1p) against SymPy's solution as derived, both by mpmath at 50 digits.
    derived = {"emergence.spare_model_size": multitask.spare_model_size,
               "emergence.multitask_transition_scale": multitask.multitask_transition_scale}[name]
    formula = get(name)
    modules = [{"softplus": lambda v: mpmath.log1p(mpmath.exp(v))}, "mpmath"]
    stable = sp.lambdify(formula.symbols, formula.expr, modules=modules)
    plain = sp.lambdify(formula.symbols, derived, modules=modules)
    rng = np.random.default_rng(11)
    for _ in range(6):
        point = {p.name: float(rng.uniform(0.3, 3.0)) for p in formula.params}
        if name == "emergence.spare_model_size":
            point["M"] = 1.1 * (point["D_r"] / point["A_mem"]) ** (1 / point["mu"])  # spare capacity left
        with mpmath.workdps(50):
            args = [mpmath.mpf(point[p.name]) for p in formula.params]
            assert abs(stable(*args) / plain(*args) - 1) < mpmath.mpf(10) ** -40, point
