"""What a claim's check produces: the body's :class:`Outcome`, a symbolic :class:`Proof`, the :class:`Verdict`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import sympy as sp

VERDICTS = ("proved", "holds", "conditional", "fails")
SIGNS = ("positive", "negative", "nonnegative", "nonpositive", "zero")


def plain(value: object) -> object:
    """``value`` with NumPy and SymPy numbers as Python ones (JSON-ready); arrays become lists."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return plain(value.tolist())
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, sp.Basic):
        if value.is_Integer:
            return int(value)
        if value.is_number and value.is_real:
            return float(value)
        return str(value)
    return value


def nonfinite(values: Mapping[str, object]) -> str | None:
    """The first value (by name) that is or contains NaN, or None."""
    for name, value in values.items():
        try:
            arr = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            continue
        if np.isnan(arr).any():
            return name
    return None


class Outcome:
    """A claim body's answer with the values it computed: ``Outcome(ok, P=p, width=w)``.

    The values are shown next to a counterexample. A NaN among them is never read as an answer: the check
    stops with an error naming it.
    """

    __slots__ = ("ok", "values")

    def __init__(self, ok: bool, /, **values: object) -> None:
        self.ok = ok
        self.values = values

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self.values.items())
        return f"Outcome({self.ok!r}{', ' if inner else ''}{inner})"


def _step(text: str, expr: object) -> dict:
    from theory.symbols import latex

    if isinstance(expr, sp.Basic):
        return {"text": text, "expr": str(expr), "latex": latex(expr)}
    return {"text": text, "expr": str(expr), "latex": None}


@dataclass(frozen=True)
class Proof:
    """A symbolic argument: ``steps`` are ``(text, expression)`` pairs shown as evidence; ``holds`` its conclusion.

    The helpers build the common ones: :meth:`identity`, :meth:`sign`, :meth:`limit`, and :meth:`combine`
    (all of several). Each simplifies with SymPy and records what it did; ``holds`` is False when SymPy
    cannot decide (a failed proof is not a disproof).
    """

    steps: Sequence[tuple[str, object]] = ()
    holds: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "steps", tuple((str(t), e) for t, e in self.steps))
        object.__setattr__(self, "holds", bool(self.holds))

    @classmethod
    def identity(cls, lhs: sp.Expr, rhs: sp.Expr, text: str = "identity") -> Proof:
        """``lhs = rhs``: their difference simplifies to zero."""
        difference = sp.simplify(sp.sympify(lhs) - sp.sympify(rhs))
        return cls([(text, sp.Eq(lhs, rhs, evaluate=False)), ("the difference simplifies to", difference)],
                   holds=difference == 0)

    @classmethod
    def sign(cls, expr: sp.Expr, sign: Literal["positive", "negative", "nonnegative", "nonpositive", "zero"],
             text: str = "") -> Proof:
        """``expr`` has ``sign`` under its symbols' assumptions (after simplification, or factored)."""
        if sign not in SIGNS:
            raise ValueError(f"sign must be one of {', '.join(SIGNS)}, got {sign!r}")
        expr = sp.sympify(expr)
        steps: list[tuple[str, object]] = [(text or f"to show: {sign}", expr)]
        for how, form in (("simplified", sp.simplify), ("factored", sp.factor)):
            candidate = form(expr)
            if getattr(candidate, f"is_{sign}"):
                steps.append((f"{how}, it is {sign} under the symbols' assumptions", candidate))
                return cls(steps, holds=True)
        steps.append((f"SymPy cannot decide that it is {sign}", sp.simplify(expr)))
        return cls(steps, holds=False)

    @classmethod
    def limit(cls, expr: sp.Expr, var: sp.Symbol, point: object, expected: object, text: str = "",
              direction: str = "+") -> Proof:
        """``expr -> expected`` as ``var -> point`` (from ``direction``)."""
        value = sp.limit(expr, var, point, dir=direction)
        same = sp.simplify(value - sp.sympify(expected)) == 0 if value.is_finite else value == sp.sympify(expected)
        return cls([(text or f"limit as {var} -> {point}", sp.Limit(expr, var, point, dir=direction)),
                    ("equals", value)], holds=bool(same))

    @classmethod
    def combine(cls, *proofs: Proof) -> Proof:
        """All of ``proofs``: the steps one after another, holding when every one holds."""
        return cls([s for p in proofs for s in p.steps], holds=all(p.holds for p in proofs))

    def as_dict(self) -> dict:
        return {"holds": self.holds, "steps": [_step(t, e) for t, e in self.steps]}


@dataclass(frozen=True)
class Verdict:
    """A claim's verdict now: ``proved``, ``holds``, ``conditional`` or ``fails``, with its evidence.

    ``examples`` is how many points the search evaluated (0 for a pure proof); ``counterexample`` the
    (shrunk) point that refutes the claim, with ``values`` computed there; ``evidence`` says how the
    verdict was reached (the proof's steps, the domain, the sub-domain, the seed).
    """

    id: str
    statement: str
    verdict: str
    examples: int = 0
    counterexample: dict | None = None
    values: dict = field(default_factory=dict)
    evidence: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {', '.join(VERDICTS)}, got {self.verdict!r}")

    def as_dict(self) -> dict:
        return {"id": self.id, "statement": self.statement, "verdict": self.verdict, "examples": self.examples,
                "counterexample": plain(self.counterexample), "values": plain(self.values),
                "evidence": plain(self.evidence)}

    @classmethod
    def from_dict(cls, record: Mapping) -> Verdict:
        return cls(record["id"], record["statement"], record["verdict"], int(record.get("examples", 0)),
                   record.get("counterexample"), dict(record.get("values") or {}),
                   dict(record.get("evidence") or {}))

    def _repr_markdown_(self) -> str:
        from derivations.claims.report import verdict_markdown

        return verdict_markdown(self.as_dict())


def point_text(point: Mapping[str, object], names: Iterable[str] | None = None) -> str:
    """``alpha=3.1, ratio=0.7`` (every value with its shortest exact repr)."""
    keys = list(names) if names is not None else list(point)
    return ", ".join(f"{k}={point[k]!r}" for k in keys)
