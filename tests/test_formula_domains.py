"""Every registered formula over its declared domain: a finite value, inf only where it declares a divergence, or
a one-line ValueError naming the parameters; never NaN, never -inf, never an overflow passed off as a divergence.

At moderate parameters (two decades around the domain's ends) the reference is an independent evaluation route:
the same SymPy expression evaluated by mpmath at 400 digits (no NumPy, no expm1/log1p or log-space rewrites, no
double-precision intermediates). There double precision may fail only where that reference itself lies beyond
the double range, and must otherwise return it to 1e-6. At the domain's edges (1e-300 from a finite end, 1e300
towards an infinite one) a clear error is accepted wherever it occurs, NaN and -inf nowhere.
"""

import math
from functools import cache

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from derivations.compile import compile_expr
from derivations.evaluate import evaluate
from theory.registry import Formula, formulas
from theory.symbols import Domain

ALL = [f for f in formulas() if f.params]
CASES = [pytest.param(f, id=f.name) for f in ALL]
DIGITS = 400  # enough for 1 + 1e-300 - 1: the reference must not cancel where expm1 does not
BIG = 1e300  # a reference beyond this may overflow (or its reciprocal underflow) in double precision
MPMATH = [{"expit": lambda x: 1 / (1 + mpmath.exp(-x)), "softplus": lambda x: mpmath.log1p(mpmath.exp(x))}, "mpmath"]


@cache
def reference(formula: Formula):
    """mpmath evaluation of the formula's expression, or None where it holds a numeric-only node (quadrature,
    bisection), whose value only the float path can give."""
    if any(hasattr(type(node), "_imp_") for node in formula.expr.atoms(sp.Function)):
        return None
    return sp.lambdify(formula.symbols, formula.expr, modules=MPMATH)


@cache
def constraint_checks(formula: Formula):
    return [compile_expr(formula.symbols, c.relation) for c in formula.constraints]


def _integer_bounds(domain: Domain) -> int:
    return int(domain.lo) + (0 if domain.lo_closed else 1)


@cache
def moderate(domain: Domain) -> st.SearchStrategy[float]:
    """Values of order one: two decades either side of the domain's finite end (or of 0 and 1)."""
    if domain.integer:
        return st.integers(_integer_bounds(domain), _integer_bounds(domain) + 200).map(float)
    magnitude = st.floats(-2, 2).map(lambda e: 10.0**e)
    if math.isinf(domain.lo) and math.isinf(domain.hi):
        return st.one_of(st.just(0.0), magnitude, magnitude.map(lambda v: -v))
    if math.isinf(domain.hi):
        inside = magnitude.map(lambda v: domain.lo + v)
    elif math.isinf(domain.lo):
        inside = magnitude.map(lambda v: domain.hi - v)
    else:
        inside = st.floats(domain.lo, domain.hi, exclude_min=True, exclude_max=True)
    ends = [end for end, closed in ((domain.lo, domain.lo_closed), (domain.hi, domain.hi_closed)) if closed]
    return st.one_of(st.sampled_from(ends), inside) if ends else inside


@cache
def extreme(domain: Domain) -> st.SearchStrategy[float]:
    """Values at a domain's edges: within 1e-300 of a finite end, up to 1e300 towards an infinite one."""
    if domain.integer:
        start = _integer_bounds(domain)
        return st.sampled_from([start, start + 1, 10**6, 10**12, 2**53]).map(float)
    tiny = st.floats(-300, -12).map(lambda e: 10.0**e)
    huge = st.floats(12, 300).map(lambda e: 10.0**e)
    options = []
    if math.isinf(domain.hi):
        options += [huge.map(lambda v: domain.lo + v if math.isfinite(domain.lo) else v)]
    if math.isinf(domain.lo):
        options += [huge.map(lambda v: -v)]
    if math.isfinite(domain.lo):
        options += [tiny.map(lambda v: domain.lo + v * max(1.0, abs(domain.lo)))]
    if math.isfinite(domain.hi):
        options += [tiny.map(lambda v: domain.hi - v * max(1.0, abs(domain.hi)))]
    return st.one_of(options)


@cache
def either(domain: Domain) -> st.SearchStrategy[float]:
    return st.one_of(moderate(domain), extreme(domain))


def draw_point(data: st.DataObject, formula: Formula, edges: bool) -> dict[str, float] | None:
    """A point of the declared domain where the constraints hold; at the edges, None when they do not (a
    formula with several constraints rarely meets them all at extreme values, and that must not make the
    moderate half of the test unsatisfiable)."""
    values = {}
    for p in formula.params:
        strategy = either(p.domain) if edges else moderate(p.domain)
        values[p.name] = data.draw(strategy, label=p.name)
        assume(p.domain.contains(values[p.name]))
    args = [np.float64(values[p.name]) for p in formula.params]  # overflow to inf, as evaluation does
    with np.errstate(all="ignore"):
        holds = all(bool(np.all(check(*args))) for check in constraint_checks(formula))
    if edges and not holds:
        return None
    assume(holds)
    return values


def check_point(formula: Formula, values: dict[str, float], rel: float | None) -> None:
    """The contract at one point; ``rel`` is the tolerance against the reference. With ``rel=None`` (the domain's
    edges, where products of 1e300s leave the double range) a clear error is accepted wherever it occurs."""
    exact = reference(formula) if rel is not None else None
    ref = None
    if exact is not None:
        with mpmath.workdps(DIGITS):
            try:
                ref = exact(*(mpmath.mpf(values[p.name]) for p in formula.params))
            except ZeroDivisionError:  # mpmath raises where the expression has a pole
                ref = mpmath.inf
        ref = complex(ref) if isinstance(ref, mpmath.mpc) else float(ref)
        assert not isinstance(ref, complex) or ref.imag == 0, f"{formula.name} is complex at {values}: {ref}"
        ref = ref.real if isinstance(ref, complex) else ref
        assert not math.isnan(ref), f"{formula.name} is undefined at {values} even in exact arithmetic"
    try:
        value = evaluate(formula, **values)
    except ValueError as error:
        message = str(error)
        assert "\n" not in message and any(f"{p.name}=" in message for p in formula.params), message
        assert ref is None or abs(ref) > BIG or 0 < abs(ref) < 1 / BIG, f"{message}, but the value is {ref!r}"
        return
    assert not math.isnan(value)
    if math.isinf(value):
        assert value > 0 and formula.diverges, f"{formula.name} = {value} at {values}, declaring no divergence"
        assert ref is None or math.isinf(ref) or abs(ref) > BIG, f"{formula.name} = inf at {values}, exact {ref!r}"
        return
    if ref is not None:
        assert not math.isinf(ref), f"{formula.name} is finite ({value}) at {values} where it diverges"
        if 1 / BIG < abs(ref) < BIG:
            assert value == pytest.approx(ref, rel=rel, abs=1e-12), f"{formula.name} at {values}"


# A third of the profile's examples, each holding a moderate and an edge point: ~150 formulas stay within seconds.
FAST = settings(max_examples=max(4, settings.default.max_examples // 3),
                suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])


@pytest.mark.parametrize("formula", CASES)
@FAST
@given(data=st.data())
def test_values_are_accurate_inside_and_finite_inf_or_a_clear_error_at_the_edges(formula, data):
    check_point(formula, draw_point(data, formula, edges=False), rel=1e-6)
    edge = draw_point(data, formula, edges=True)
    if edge is not None:
        check_point(formula, edge, rel=None)


@pytest.mark.parametrize(("name", "values"), [
    # The cases that used to give NaN, -inf or a spurious inf (each is in the declared domain).
    ("scaling.kaplan_early_stopping_steps",
     {"N": 1e9, "D": 1e26, "D_c": 1.8e13, "N_c": 6.4e13, "S_c": 2.1e3, "alpha_D": 0.103, "alpha_N": 0.076,
      "alpha_S": 0.76}),
    ("scaling.kaplan_data_to_avoid_overfitting",
     {"N": 0.2617, "delta_L": 0.0326, "D_c": 0.0475, "N_c": 67.36, "alpha_D": 0.0326, "alpha_N": 40.73}),
    ("scaling.compute_optimal_tokens", {"C": 71.0, "A": 0.00584, "B": 0.281, "alpha": 0.00184, "beta": 621.6}),
    ("double_descent.early_stopping_risk",
     {"k": 14, "n": 0.57, "sigma2": 4.5, "s1": 6.18, "theta_1": 1.18, "eta1": 0.0263, "s2": 0.0154,
      "theta_2": -55.7, "eta2": 0.0142}),
    # Found by the thorough profile: cancellations near r2 = sigma2, at gamma = 1 with tiny lam, and at tiny P.
    ("double_descent.ridgeless_best_risk", {"r2": 1.0000000000230258, "sigma2": 1.0}),
    ("double_descent.stieltjes_mp", {"gamma": 1.0, "lam": 5.258619138368666e-44}),
    ("emergence.critical_scale_quantile", {"P": 3.2964826893626124e-19, "N_c": 1.0, "alpha": 10.0}),
])
def test_former_failures_now_match_exact_arithmetic(name, values):
    check_point(next(f for f in ALL if f.name == name), values, rel=1e-9)


@pytest.mark.parametrize(("name", "values", "parameter"), [
    ("double_descent.early_stopping_risk",
     {"k": 0.5, "n": 1, "sigma2": 1, "s1": 1, "theta_1": 1, "eta1": 1.5, "s2": 1, "theta_2": 1, "eta2": 0.1}, "k"),
    ("double_descent.more_data_hurts_onset", {"p": 10, "r2": 0.0, "sigma2": 1.0}, "r2"),
    ("grokking.critical_slowing_amplitude",
     {"m0": 0.01, "g0": 1e-6, "y": 1, "lam": 0, "c_m": 0.1, "c_g": 5, "eta_m": 1, "eta_g": 0.1}, "lam"),
    ("grokking.cross_entropy_delay", {"s_G": 0.005, "s_M": 1, "lam": 0, "p": 2, "P_G": 1, "P_M": 2, "eta": 0.01},
     "lam"),
])
def test_points_where_a_form_does_not_apply_are_refused_by_name(name, values, parameter):
    with pytest.raises(ValueError, match=rf"^{parameter} must be in"):
        evaluate(name, **values)


def test_the_logit_without_a_penalty_is_an_exact_divergence():
    assert evaluate("grokking.stationary_logit", q=10, lam=0.0, p=2, P_c=1.0) == math.inf


def test_a_numerical_routine_that_gives_up_is_a_value_error_naming_the_point():
    # psi1 = psi2 = 1e-12: the Mei-Montanari fixed point has no bracket in double precision.
    with pytest.raises(ValueError, match=r"random_features_risk cannot be evaluated .*psi1=1e-12"):
        evaluate("double_descent.random_features_risk", psi1=1e-12, psi2=1e-12, lam=0.5, F1sq=1, tau2=1, Fstar2=1)


@pytest.mark.parametrize("start", [1e-6, 0.1, 0.42])
def test_crossing_times_are_infinite_exactly_at_the_critical_size(start):
    # At D = D_crit the invading circuit's rate is 0: never, whatever the start (the form alone gave -inf for some).
    base = {"y": 1.0, "lam": 0.01, "c_m": 0.1, "c_g": 5.0, "D": 50.0, "eta_m": 1.0, "eta_g": 0.1}
    assert evaluate("grokking.t_generalize", m0=0.01, g0=start, **base) == math.inf
    assert evaluate("grokking.t_ungrok", m_s=0.9, g_s=0.5 + start, **base) == math.inf
