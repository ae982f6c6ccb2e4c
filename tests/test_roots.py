"""unique_solution: one root returned, several roots refused unless exactly one is provably positive;
select_root: where SymPy cannot prove which root applies, one root singled out at every sample point."""

import pytest
import sympy as sp

from derivations.roots import select_root, unique_solution

x = sp.Symbol("x")
a = sp.Symbol("a", positive=True)


def test_a_single_root_is_returned():
    assert unique_solution(sp.Eq(3 * x + a, 0), x) == -a / 3


def test_several_roots_are_an_error_that_lists_them():
    with pytest.raises(ArithmeticError, match=r"expected one solution for x"):
        unique_solution(x**2 - a, x)


def test_positive_keeps_the_one_provably_positive_branch():
    assert unique_solution(x**2 - a, x, positive=True) == sp.sqrt(a)
    with pytest.raises(ArithmeticError, match="positive solution"):
        unique_solution(x**2 + a, x, positive=True)


def test_select_root_needs_the_same_single_root_at_every_sample():
    roots = sp.solve(x**2 - 3 * a * x + 2 * a**2, x)  # a and 2a
    samples = [{a: 1}, {a: 5}, {a: sp.Rational(1, 3)}]
    assert select_root(roots, lambda r: r > 1.5 * a, samples) == 2 * a
    with pytest.raises(ArithmeticError, match="2 of the roots"):
        select_root(roots, lambda r: r > 0, samples)
    # r > 1 picks 2a at a = 0.6 but both roots at a = 5: a one-point check would have accepted it.
    with pytest.raises(ArithmeticError, match=r"at \{a: 5\}, 2 of the roots"):
        select_root(roots, lambda r: r > 1, [{a: sp.Rational(3, 5)}, {a: 5}])
    with pytest.raises(ArithmeticError, match="different roots"):
        select_root([a, 3 - a], lambda r: r < 1, [{a: sp.Rational(1, 2)}, {a: sp.Rational(5, 2)}])
    complex_pair = sp.solve(x**2 + 1, x) + [sp.Integer(2)]
    assert select_root(complex_pair, lambda r: r > 0, samples) == 2
