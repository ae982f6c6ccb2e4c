"""Solving for one unknown when the derivation needs exactly one root: a second root is an error, not a pick.

``sympy.solve(...)[0]`` silently takes whichever root comes first; here every closed form that solves an
equation states that its root is unique under the symbols' assumptions (positive sizes, rates, margins),
and the import fails loudly if a model change ever makes it not so.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

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


def select_root(roots: Sequence[sp.Expr], condition: Callable[[sp.Expr], sp.Basic],
                samples: Sequence[Mapping[sp.Symbol, object]]) -> sp.Expr:
    """The one root of ``roots`` satisfying ``condition(root)`` (a SymPy relation), where SymPy cannot prove which
    it is: the condition must single out exactly one root, the same one, at every sample point; otherwise an
    ``ArithmeticError`` says where it did not. Several points, not one, so that a choice that holds only near a
    single sample fails at import instead of silently taking another branch elsewhere."""
    chosen = set()
    for sample in samples:
        holding = [i for i, root in enumerate(roots) if _holds(condition, root, sample)]
        if len(holding) != 1:
            raise ArithmeticError(f"at {dict(sample)}, {len(holding)} of the roots {list(roots)} satisfy the condition")
        chosen.update(holding)
    if len(chosen) != 1:
        raise ArithmeticError(f"the condition picks different roots of {list(roots)} at different sample points")
    return roots[chosen.pop()]


def _holds(condition: Callable[[sp.Expr], sp.Basic], root: sp.Expr, sample: Mapping[sp.Symbol, object]) -> bool:
    """Whether ``condition(root)`` holds at ``sample``, compared at 30 digits; a side with an imaginary part beyond
    rounding (another branch) satisfies nothing. Cardano-type roots evaluate real to rounding, +-0.e-30 i."""
    try:
        relation = condition(root)
    except TypeError:  # SymPy refuses to order a provably non-real root
        return False
    if relation in (sp.true, sp.false):
        return bool(relation)
    sides = [complex(side.subs(sample).evalf(30)) for side in (relation.lhs, relation.rhs)]
    if any(abs(v.imag) > 1e-20 * max(1.0, abs(v.real)) for v in sides):
        return False
    return bool(relation.func(*(sp.Float(v.real, 30) for v in sides)))
