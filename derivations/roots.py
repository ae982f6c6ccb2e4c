"""Solving for one unknown when the derivation needs exactly one root: a second root is an error, not a pick.

``sympy.solve(...)[0]`` silently takes whichever root comes first; here every closed form that solves an
equation states that its root is unique under the symbols' assumptions (positive sizes, rates, margins),
and the import fails loudly if a model change ever makes it not so.
"""

from __future__ import annotations

import sympy as sp


def unique_solution(equation: sp.Expr | sp.Equality, unknown: sp.Symbol, *, positive: bool = False) -> sp.Expr:
    """The only solution of ``equation`` (an expression means ``= 0``) for ``unknown``; with ``positive``,
    the only one SymPy proves positive (other branches, e.g. a power of a negative base, are dropped).
    ``ArithmeticError`` lists the solutions if there is not exactly one."""
    solutions = sp.solve(equation, unknown)
    kept = [s for s in solutions if s.is_positive] if positive else solutions
    if len(kept) != 1:
        which = "positive solution" if positive else "solution"
        raise ArithmeticError(f"expected one {which} for {unknown} of {equation}, got {solutions}")
    return kept[0]
