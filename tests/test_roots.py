"""unique_solution: one root returned, several roots refused unless exactly one is provably positive."""

import pytest
import sympy as sp

from derivations.roots import unique_solution

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
