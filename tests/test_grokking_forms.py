"""Each derived grokking form satisfies the equation that defines it (symbolic checks, independent of how
it was solved), and agrees with the hand derivations and published values it should reproduce."""

import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from derivations.evaluate import evaluate
from derivations.flow import coordinate_flow, gradient_flow
from derivations.grokking import forms as gf
from theory.dynamics import CROSS_ENTROPY, SQUARED_LOSS
from theory.functions import expit
from theory.symbols import (
    P_G,
    P_M,
    D,
    a,
    b,
    c_g,
    c_m,
    eta_g,
    eta_m,
    g,
    g1,
    g2,
    kappa,
    lam,
    m,
    m0,
    m1,
    m2,
    p,
    q,
    t,
    w,
    w_G,
    w_M,
    y,
)

MARGINS = {sp.exp(a): m, sp.exp(b): g}


def vanishes(expr: sp.Expr) -> bool:
    return sp.simplify(expr) == 0


def test_flow_is_competitive_lotka_volterra():
    # Per-capita rates are affine in both margins with negative (competitive) interaction coefficients.
    for rate in (gf.rate_m, gf.rate_g):
        assert sp.Poly(sp.expand(rate), m, g).total_degree() == 1
        assert all(sp.ask(sp.Q.negative(sp.diff(rate, v)), sp.Q.positive(eta_m) & sp.Q.positive(eta_g)
                          & sp.Q.positive(c_m) & sp.Q.positive(c_g) & sp.Q.positive(D)) for v in (m, g))


def test_flow_is_minus_rate_times_gradient_by_hand():
    # d theta/dt = -eta dL/dtheta, differentiated here by hand for the squared-loss objective.
    theta_m, theta_g = SQUARED_LOSS.state
    residual = y - theta_m**2 / (c_m * D) - theta_g**2 / c_g
    by_hand = (
        eta_m * (2 * theta_m / (c_m * D) * residual - lam * theta_m),
        eta_g * (2 * theta_g / c_g * residual - lam * theta_g),
    )
    for derived, expected in zip(gradient_flow(SQUARED_LOSS), by_hand):
        assert vanishes(derived - expected)


def test_stationary_margins_are_zeros_of_the_rates():
    assert vanishes(gf.rate_g.subs({m: 0, g: gf.generalizing_margin}))
    assert vanishes(gf.rate_m.subs({g: 0, m: gf.memorizing_margin}))
    assert vanishes(gf.generalizing_margin - (y - lam * c_g / 2))  # by hand: y - z = lam s^2 / 2


def test_critical_data_size_is_where_costs_cross_and_invasion_flips():
    assert vanishes(gf.critical_data_size - gf.efficiency_crossing)
    assert vanishes(gf.critical_data_size - c_g / c_m)
    assert vanishes(gf.generalizer_invasion_rate.subs(D, gf.critical_data_size))


def test_first_integral_is_conserved_by_the_flow():
    da, db = (e.subs(MARGINS) for e in coordinate_flow(SQUARED_LOSS))
    phi = gf.first_integral
    total = (sp.diff(phi, a) * da + sp.diff(phi, b) * db + sp.diff(phi, t)).subs({sp.exp(a): m, sp.exp(b): g})
    assert vanishes(total)
    assert vanishes(phi.subs({a: sp.log(m0), b: sp.log(gf.g0), t: 0}))


def test_memorization_time_solves_its_ode():
    # t(m0) = integral from m0 to y/2 of dm / (m rate_m(m, 0)): its derivative in m0 is -1 / (m0 rate(m0)).
    expected = -1 / (m0 * gf.rate_m.subs({g: 0, m: m0}))
    assert vanishes(sp.diff(gf.t_memorize, m0) - expected)
    assert vanishes(gf.t_memorize.subs(m0, y / 2))


def test_crossing_time_puts_the_state_on_the_first_integral():
    at_crossing = {a: sp.log(gf.exchange_memorizer), b: sp.log(y / 2), t: gf.t_generalize}
    assert vanishes(gf.first_integral.subs(at_crossing))
    assert vanishes(gf.rate_m.subs({g: y / 2, m: gf.exchange_memorizer}))


@pytest.mark.parametrize("lam_value", [1e-3, 1e-4])
def test_delay_weight_decay_product_is_the_small_lam_limit(lam_value):
    base = dict(m0=1e-2, g0=1e-6, y=1.0, c_m=0.1, c_g=5.0, D=100.0, eta_m=1.0, eta_g=0.1)
    product = evaluate("grokking.delay_weight_decay_product", **base)
    t_gen = evaluate("grokking.t_generalize", lam=lam_value, **base)
    assert lam_value * t_gen == pytest.approx(product, rel=20 * lam_value)


def test_critical_slowing_amplitude_is_the_limit_at_the_threshold():
    base = dict(m0=1e-2, g0=1e-6, y=1.0, lam=0.01, c_m=0.1, c_g=5.0, eta_m=1.0, eta_g=0.1)
    amplitude = evaluate("grokking.critical_slowing_amplitude", **base)
    for excess in (1e-3, 1e-4):
        t_gen = evaluate("grokking.t_generalize", D=50.0 * (1 + excess), **base)
        assert t_gen * excess == pytest.approx(amplitude, rel=20 * excess + 1e-9)


def test_stationary_logit_balances_the_forces():
    force = sp.diff(gf._single_circuit_objective(1), w).subs(w, gf.stationary_logit)
    assert vanishes(force.replace(expit, lambda x: 1 / (1 + sp.exp(-x))))


def test_equilibrium_ratio_solves_the_stationarity_gap_and_matches_theorem_d4():
    gap = gf._stationarity_gap.subs(w_G, gf.equilibrium_ratio * w_M)
    for values in ({P_G: 1, P_M: 2, p: 2, kappa: sp.Rational(6, 5)}, {P_G: 3, P_M: 5, p: 3, kappa: 2}):
        point = {w_M: sp.Rational(7, 10), q: 113, lam: sp.Rational(1, 200), **values}
        assert abs(float(gap.subs(point))) < 1e-12
    # Varma et al. App. D: w_G / w_M = (P_M / P_G)^(p / (r - 1)), r = p / kappa.
    r = p / kappa
    assert vanishes(gf.equilibrium_ratio - (P_M / P_G) ** (p / (r - 1)))
    assert evaluate("grokking.equilibrium_ratio", P_G=1, P_M=2, p=2, kappa=1.2) == pytest.approx(2**3)


def test_product_parameterization_conserves_the_balance_g2_squared_minus_g1_squared():
    flow = dict(zip(CROSS_ENTROPY.state, gradient_flow(CROSS_ENTROPY)))
    assert vanishes(g2 * flow[g2] - g1 * flow[g1])
    assert vanishes(m2 * flow[m2] - m1 * flow[m1])


def test_cross_entropy_delay_uses_the_seed_ratio_and_the_efficiency_gap():
    value = evaluate("grokking.cross_entropy_delay", s_G=0.005, s_M=1, lam=0.005, p=2, P_G=1, P_M=2, eta=0.01)
    # By hand for r = 1: d ln(w_G / w_M)/dt = 2 eta lam (P_M^p - P_G^p) / p on the plateau.
    assert value == pytest.approx(math.log(200**2) / (2 * 0.01 * 0.005 * 3 / 2), rel=1e-12)


def test_bad_input_names_the_parameter_and_constraint():
    with pytest.raises(ValueError, match="lam"):
        evaluate("grokking.critical_slowing_amplitude", m0=1e-2, g0=1e-6, y=1.0, lam=-1, c_m=0.1, c_g=5.0,
                 eta_m=1.0, eta_g=0.1)
    with pytest.raises(ValueError, match="D_crit"):
        evaluate("grokking.t_generalize", m0=1e-2, g0=1e-6, y=1.0, lam=0.01, c_m=0.1, c_g=5.0, D=40.0,
                 eta_m=1.0, eta_g=0.1)


def test_grokking_delay_diverges_at_the_threshold_and_is_finite_above():
    base = dict(m0=1e-2, g0=1e-6, y=1.0, lam=0.01, c_m=0.1, c_g=5.0, eta_m=1.0, eta_g=0.1)
    assert evaluate("grokking.t_generalize", D=50.0, **base) == math.inf
    above = evaluate("grokking.t_generalize", D=np.array([50.5, 55.0, 100.0]), **base)
    assert np.all(np.isfinite(above)) and np.all(np.diff(above) < 0)


@given(r1=st.floats(1.001, 3.9), step=st.floats(0.01, 1.0), lam=st.floats(1e-4, 5e-2), c_m=st.floats(0.02, 0.5),
       c_g=st.floats(1.0, 10.0))
def test_grokking_delay_falls_with_data_and_rises_as_weight_decay_falls(r1, step, lam, c_m, c_g):
    base = dict(m0=1e-2, g0=1e-6, y=1.0, c_m=c_m, c_g=c_g, eta_m=1.0, eta_g=0.1)
    d_crit = c_g / c_m
    lam = min(lam, 0.9 / (c_m * d_crit * (r1 + step)))  # the memorizer must still fit: lam c_m D < y
    t1, t2 = (evaluate("grokking.t_generalize", D=r * d_crit, lam=lam, **base) for r in (r1, r1 + step))
    assert t1 > t2 > 0
    assert evaluate("grokking.t_generalize", D=r1 * d_crit, lam=lam / 2, **base) > t1
