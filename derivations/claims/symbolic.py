"""Claims whose body returns a SymPy relation: a proof under the domain's assumptions, or a check at points.

The proof simplifies the difference of the two sides and asks SymPy for its sign, first under the
symbols' assumptions (positive, nonnegative, real, integer), then with each bounded argument written as
a function of a nonnegative variable that sweeps its interval, so SymPy can use the bounds too.

Where no proof is found, the search evaluates the relation at exact decimal points: the difference of the
two sides to 50 significant digits of its own (however much the sides cancel), its sign deciding. A point
where SymPy cannot tell the difference from zero with 200 working digits refutes nothing: a counterexample
is only one whose failure is demonstrated (so an identity SymPy cannot simplify still holds at every point).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping

import sympy as sp
from sympy.core.evalf import PrecisionExhausted

from derivations.claims.domain import Box, ClaimError, Interval
from derivations.claims.outcome import Proof

DIGITS = 50
ZERO_DIGITS = 200  # working digits SymPy may use to tell a difference from zero
_SIGN = {"==": "zero", ">": "positive", ">=": "nonnegative", "<": "negative", "<=": "nonpositive"}


def is_statement(value: object) -> bool:
    """Whether a body's return value is a SymPy truth value or relation (then a proof is attempted)."""
    return isinstance(value, sp.logic.boolalg.Boolean) and not isinstance(value, sp.Symbol)


def symbolic_statement(body: Callable, domain: Box) -> tuple[sp.Basic, dict[str, sp.Symbol]] | None:
    """The body called with SymPy symbols, if it returns a SymPy relation; else None.

    A body written for numbers (calling ``evaluate``, NumPy, branching on values) raises or returns a
    plain bool here: that only means it is checked numerically.
    """
    symbols = {name: iv.symbol(name) for name, iv in domain.items()}
    try:
        result = body(**symbols)
    except Exception:  # noqa: BLE001 - any failure with symbols just means: no symbolic route
        return None
    return (result, symbols) if is_statement(result) else None


def _exact(value: float) -> sp.Rational:
    return sp.Rational(repr(float(value)))  # the shortest decimal that reads back as this float


def _sweep(name: str, iv: Interval, symbol: sp.Symbol) -> tuple[sp.Expr, str] | None:
    """``symbol`` written through a nonnegative ``u_name`` that covers the interval, or None if not useful."""
    if iv.integer or (math.isinf(iv.lo) and math.isinf(iv.hi)):
        return None
    u = sp.Symbol(f"u_{name}", nonnegative=True)
    if math.isfinite(iv.lo) and math.isfinite(iv.hi):
        lo, hi = _exact(iv.lo), _exact(iv.hi)
        return (lo + hi * u) / (1 + u), f"{symbol} = ({lo} + {hi} u)/(1 + u), u >= 0 sweeps [{lo}, {hi})"
    if math.isfinite(iv.lo):
        if iv.lo == 0:
            return None  # the assumptions already say it
        return _exact(iv.lo) + u, f"{symbol} = {_exact(iv.lo)} + u, u >= 0"
    return _exact(iv.hi) - u, f"{symbol} = {_exact(iv.hi)} - u, u >= 0"


def _prove_relation(rel: sp.Basic, domain: Box, symbols: Mapping[str, sp.Symbol]) -> Proof:
    op = getattr(rel, "rel_op", None)
    if op not in _SIGN:
        return Proof([("SymPy cannot treat this kind of statement", rel)], holds=False)
    difference = rel.lhs - rel.rhs
    attempt = Proof.sign(difference, _SIGN[op], text=f"to show: {rel}; the difference of its sides")
    if attempt.holds:
        return attempt
    swept = {name: _sweep(name, domain[name], symbols[name]) for name in symbols if name in domain}
    swept = {name: s for name, s in swept.items() if s is not None}
    if not swept:
        return attempt
    # The sweep of a bounded interval stops short of its upper end: a closed upper end is a face of its own.
    ends = [name for name in swept if math.isfinite(domain[name].lo) and math.isfinite(domain[name].hi)
            and domain[name].hi_closed]
    parts = []
    for at_end in itertools.product((False, True), repeat=len(ends)):
        fixed = {name for name, end in zip(ends, at_end) if end}
        subs = {symbols[name]: _exact(domain[name].hi) if name in fixed else expr for name, (expr, _) in swept.items()}
        steps = [(f"{name} at its upper end", _exact(domain[name].hi)) if name in fixed
                 else (f"substitute {text}", expr) for name, (expr, text) in swept.items()]
        part = Proof.sign(difference.subs(subs), _SIGN[op], text="with the domain's bounds")
        if not part.holds:
            return attempt
        parts.append(Proof.combine(Proof(steps, holds=True), part))
    return Proof([step for p in (attempt, *parts) for step in p.steps], holds=True)


def prove(statement: sp.Basic, domain: Box, symbols: Mapping[str, sp.Symbol]) -> Proof:
    """A proof of ``statement`` for every point of ``domain`` (``holds`` False when none is found)."""
    if statement is sp.true:
        return Proof([("SymPy evaluates the statement to True", statement)], holds=True)
    if statement is sp.false:
        return Proof([("SymPy evaluates the statement to False", statement)], holds=False)
    if isinstance(statement, sp.And):
        return Proof.combine(*(prove(arg, domain, symbols) for arg in statement.args))
    return _prove_relation(statement, domain, symbols)


def _number(claim_id: str, expr: sp.Expr, where: str) -> sp.Float:
    value = sp.N(expr, DIGITS)
    if not (value.is_number and value.is_real and value.is_finite is not False) or value.has(sp.nan, sp.zoo):
        raise ClaimError(f"claim {claim_id}: the statement is undefined ({value}) at {where}")
    return value


def decide(claim_id: str, statement: sp.Basic, symbols: Mapping[str, sp.Symbol], point: Mapping[str, float]
           ) -> tuple[bool, dict]:
    """Whether ``statement`` holds at ``point``, with the two sides' values (of the first failing part)."""
    where = ", ".join(f"{k}={v!r}" for k, v in point.items())
    if statement in (sp.true, sp.false):
        return bool(statement), {}
    if isinstance(statement, sp.And):
        for arg in statement.args:
            ok, values = decide(claim_id, arg, symbols, point)
            if not ok:
                return False, values
        return True, {}
    op = getattr(statement, "rel_op", None)
    if op not in _SIGN and op != "!=":
        raise ClaimError(f"claim {claim_id}: cannot evaluate the statement {statement} at points")
    exact = {symbols[k]: _exact(v) for k, v in point.items()}
    lhs = _number(claim_id, statement.lhs.subs(exact), where)
    rhs = _number(claim_id, statement.rhs.subs(exact), where)
    values = {"lhs": float(lhs), "rhs": float(rhs)}
    if lhs.is_finite and rhs.is_finite:
        try:  # the difference itself to DIGITS significant digits, however much the two sides cancel
            difference = sp.N((statement.lhs - statement.rhs).subs(exact), DIGITS, strict=True, maxn=ZERO_DIGITS)
        except PrecisionExhausted:
            return True, values  # not told apart from zero: a counterexample must be demonstrated, this is not one
    else:
        difference = sp.Integer(0) if lhs == rhs else sp.Integer(1 if lhs > rhs else -1)
    sign = int(bool(difference > 0)) - int(bool(difference < 0))
    holds = {"==": sign == 0, "!=": sign != 0, ">": sign > 0, ">=": sign >= 0, "<": sign < 0, "<=": sign <= 0}[op]
    return bool(holds), values
