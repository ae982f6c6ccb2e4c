"""Compiled expressions keep their digits where 1 - exp(-x) and log(1 + x) would cancel."""

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from derivations.compile import compile_expr
from derivations.evaluate import evaluate

x = sp.Symbol("x", positive=True)


@given(st.floats(1e-300, 1e-6))
def test_one_minus_exp_and_log_one_plus_keep_small_arguments(small):
    # Leading terms of the series: 1 - exp(-x) ~ x - x^2/2 and log(1 + x) ~ x - x^2/2.
    for expr in (1 - sp.exp(-x), sp.log(1 + x), 3 * (1 - sp.exp(-x))):
        value = compile_expr((x,), expr)(small)
        scale = 3.0 if expr.has(sp.Integer(3)) else 1.0
        assert value == pytest.approx(scale * (small - small**2 / 2), rel=1e-12)


@given(lo=st.floats(-30.0, -3.0), alpha=st.floats(1.0, 8.0))
def test_critical_scale_law_far_below_the_critical_scale_is_its_power_law(lo, alpha):
    # P = 1 - exp(-u) = u - u^2/2 + u^3/6 + O(u^4) with u = (N/N_c)^alpha <= 1e-3, even where u < 1e-16.
    u = (10.0**lo) ** alpha
    value = evaluate("emergence.critical_scale_probability", N=10.0**lo, N_c=1.0, alpha=alpha)
    assert value == pytest.approx(u - u**2 / 2 + u**3 / 6, rel=1e-9)


def test_other_sums_with_exponentials_compile_unchanged():
    f = compile_expr((x,), 2 - sp.exp(-x))
    assert f(0.5) == pytest.approx(2 - np.exp(-0.5), rel=1e-15)


# --- registered forms rewritten for double precision are the derived expressions, exactly --------------------------
def _stable_pairs():
    from derivations.grokking import forms as grokking
    from derivations.scaling import forms as scaling
    from derivations.scaling import kaplan
    from theory import scaling as laws

    return [
        ("scaling.kaplan_loss", laws.kaplan_loss),
        ("scaling.kaplan_overfitting", kaplan.overfitting),
        ("scaling.kaplan_data_to_avoid_overfitting", kaplan.data_for_overfitting),
        ("scaling.kaplan_early_stopping_steps", kaplan.early_stopping_steps),
        ("scaling.compute_optimal_params", scaling.N_opt),
        ("scaling.compute_optimal_tokens", scaling.D_opt),
        ("scaling.tokens_per_param", scaling.tokens_per_param),
        ("scaling.allocation_prefactor", scaling.allocation_prefactor),
        ("scaling.compute_for_loss", scaling.compute_for_loss),
        ("scaling.product_constraint_params", scaling.N_opt_product),
        ("scaling.product_constraint_tokens", scaling.D_opt_product),
        ("grokking.cross_entropy_delay", grokking.cross_entropy_delay),
    ]


def test_log_space_and_log_sum_exp_forms_equal_the_derived_expressions():
    # Both evaluated by mpmath at 50 digits at points where the plain forms are well inside double range; the
    # softplus of the rewritten forms is given its definition log(1 + e^x).
    import mpmath

    from theory.registry import get

    modules = [{"softplus": lambda v: mpmath.log1p(mpmath.exp(v))}, "mpmath"]
    rng = np.random.default_rng(7)
    for name, derived in _stable_pairs():
        formula = get(name)
        stable = sp.lambdify(formula.symbols, formula.expr, modules=modules)
        plain = sp.lambdify(formula.symbols, derived, modules=modules)
        for _ in range(5):
            point = {p.name: float(rng.uniform(0.2, 0.9)) for p in formula.params}
            if name == "scaling.compute_for_loss":
                point["L"] = point["E"] + 0.5  # the target loss above the irreducible one
            if name == "grokking.cross_entropy_delay":
                point["P_M"], point["s_M"] = point["P_G"] + 0.3, point["s_G"] + 0.4
            with mpmath.workdps(50):
                args = [mpmath.mpf(point[p.name]) for p in formula.params]
                assert abs(stable(*args) / plain(*args) - 1) < 1e-40, (name, point)
