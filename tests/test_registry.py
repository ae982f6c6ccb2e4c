"""The formula registry's contract, for every registered formula: cited, described, parameters covering the
expression's symbols with domains, LaTeX; registration and evaluation refuse what they cannot honour."""

import math

import numpy as np
import pytest
import sympy as sp

from derivations.evaluate import evaluate
from theory import registry
from theory.registry import formulas, get, register
from theory.symbols import NONNEGATIVE, POSITIVE, Domain, declare

ALL = formulas()


@pytest.fixture(autouse=True)
def registry_left_as_found():
    """Formulas registered by a test are removed after it, so no ``test.*`` entry leaks into other tests."""
    before = set(registry._REGISTRY)
    yield
    for name in set(registry._REGISTRY) - before:
        del registry._REGISTRY[name]


@pytest.mark.parametrize("formula", ALL, ids=[f.name for f in ALL])
def test_every_formula_is_cited_described_and_typed(formula):
    assert formula.source.strip() and formula.description.strip()
    assert "." in formula.name and formula.name == formula.name.strip()
    names = [p.name for p in formula.params]
    assert len(set(names)) == len(names)
    assert formula.expr.free_symbols <= set(formula.symbols)
    assert all(isinstance(p.domain, Domain) and p.description for p in formula.params)
    assert formula.latex.strip()
    record = formula.as_dict()
    assert record["name"] == formula.name and len(record["parameters"]) == len(names)


def test_registering_twice_or_with_unlisted_symbols_is_refused():
    u = declare("u_test", "u", "a test symbol", positive=True)
    register("test.identity", u, [u], source="none (test)", description="u")
    with pytest.raises(ValueError, match="registered twice"):
        register("test.identity", u, [u], source="none (test)", description="u")
    v = declare("v_test", "v", "another test symbol", positive=True)
    with pytest.raises(ValueError, match="v_test"):
        register("test.product", u * v, [u], source="none (test)", description="u v")


def test_domains_come_from_assumptions_and_can_be_narrowed():
    x = declare("x_test", "x", "a nonnegative test symbol", nonnegative=True)
    formula = register("test.sqrt", sp.sqrt(x), [x], source="none (test)", description="sqrt",
                       domains={x: Domain(0.0, 4.0, lo_closed=True, hi_closed=True)})
    assert get("test.sqrt") is formula and formula.param("x_test").domain.hi == 4.0
    assert str(NONNEGATIVE) == "[0, inf)" and str(POSITIVE) == "(0, inf)"
    assert evaluate(formula, x_test=np.array([0.0, 4.0])) == pytest.approx([0.0, 2.0])
    with pytest.raises(ValueError, match=r"x_test must be in \[0, 4\]"):
        evaluate(formula, x_test=5.0)


def test_evaluation_broadcasts_and_never_returns_nan():
    d = evaluate("grokking.critical_data_size", c_m=np.array([0.1, 0.2]), c_g=5.0)
    assert d == pytest.approx([50.0, 25.0])
    z = declare("z_test", "z", "a real test symbol", real=True)
    formula = register("test.log", sp.log(z), [z], source="none (test)", description="log, undefined for z < 0")
    with pytest.raises(ValueError, match="undefined at z_test=-1"):
        evaluate(formula, z_test=-1.0)
    with pytest.raises(ValueError, match="z_test must be a number, got NaN"):
        evaluate(formula, z_test=float("nan"))
    with pytest.raises(ValueError, match=r"z_test must be in \(-inf, inf\)"):
        evaluate(formula, z_test=float("inf"))


def test_an_overflow_is_an_error_and_only_a_declared_divergence_is_inf():
    x = declare("x_test", "x", "a nonnegative test symbol", nonnegative=True)
    power = register("test.power", sp.exp(x), [x], source="none (test)", description="e^x, finite for every x")
    assert evaluate(power, x_test=700.0) == pytest.approx(math.exp(700.0))
    with pytest.raises(ValueError, match=r"exceeds the double-precision range .* at x_test=710$"):
        evaluate(power, x_test=np.array([1.0, 710.0]))
    pole = register("test.pole", 1 / x, [x], source="none (test)", description="1/x", diverges="at x = 0")
    assert evaluate(pole, x_test=0.0) == math.inf
    negative = register("test.negative_pole", -1 / x, [x], source="none (test)", description="-1/x",
                        diverges="at x = 0")
    with pytest.raises(ValueError, match="exceeds the double-precision range"):
        evaluate(negative, x_test=0.0)


def test_registry_holds_no_test_formulas_between_tests():
    assert not [name for name in registry._REGISTRY if name.startswith("test.")]


def test_unknown_names_suggest_close_ones():
    with pytest.raises(KeyError, match="did you mean grokking.t_generalize"):
        get("grokking.t_generalise")
