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
