"""A claim: a statement with its source and a check that gives a :class:`Verdict`.

The ``claim`` decorator turns a predicate into a :class:`Claim`. Its check, in order:

1. a ``proof`` (a zero-argument callable returning a :class:`Proof`) that holds: ``proved`` (on ``holds_on``
   when given; the rest of the domain is then searched and a counterexample there makes it ``conditional``);
2. a body that, called with SymPy symbols, returns a SymPy relation SymPy can prove: ``proved``;
3. a seeded hypothesis search for a point where the body returns False: none found is ``holds``; one found
   is ``fails``, or ``conditional`` when ``holds_on`` is given and no counterexample exists there.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from derivations.claims.domain import Box, ClaimError, box, describe, interval
from derivations.claims.outcome import Outcome, Proof, Verdict, nonfinite, point_text
from derivations.claims.search import Found, search
from derivations.claims.symbolic import decide, prove, symbolic_statement

DEFAULT_EXAMPLES = 200


@dataclass(frozen=True)
class Claim:
    """A checkable statement. ``claim.check()`` runs the check now; ``claim(**point)`` calls the body."""

    id: str
    statement: str
    source: str
    about: tuple[str, ...]
    domain: Box
    body: Callable = field(repr=False, compare=False)
    reading: str = ""
    holds_on: Box | None = None
    proof: Callable[[], Proof] | None = field(default=None, repr=False, compare=False)
    examples: int = DEFAULT_EXAMPLES
    module: str = ""

    def __call__(self, **point: object) -> object:
        return self.body(**point)

    # --- evaluation at a point ---------------------------------------------------------------------
    def evaluate(self, point: Mapping[str, float]) -> tuple[bool, dict]:
        """The body's answer at ``point`` and the values it reports; a ClaimError for an unusable answer."""
        result = self.body(**point)
        ok, values = (result.ok, dict(result.values)) if isinstance(result, Outcome) else (result, {})
        if isinstance(ok, sp.Basic) and ok in (sp.true, sp.false):
            ok = bool(ok)
        if not isinstance(ok, (bool, np.bool_)):
            raise ClaimError(f"claim {self.id}: the body returned {ok!r} at {point_text(point)}; "
                             "expected True, False or Outcome(True|False, ...)")
        bad = nonfinite(values)
        if bad is not None:
            raise ClaimError(f"claim {self.id}: the body computed {bad} = NaN at {point_text(point)}")
        return bool(ok), values

    def holds_at(self, point: Mapping[str, float]) -> tuple[bool, dict]:
        """Whether the claim holds at ``point``, recomputed the way its check does (exactly, for a relation)."""
        return self._evaluator(symbolic_statement(self.body, self.domain))(dict(point))

    def _evaluator(self, statement: tuple[sp.Basic, dict] | None) -> Callable[[dict], tuple[bool, dict]]:
        if statement is None:
            return self.evaluate
        relation, symbols = statement
        return lambda point: decide(self.id, relation, symbols, point)

    # --- the check ---------------------------------------------------------------------------------
    def check(self, examples: int | None = None, seed: int = 0) -> Verdict:
        """The verdict now, from ``examples`` search points (default: the claim's own) and ``seed``."""
        n = self.examples if examples is None else examples
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ClaimError(f"examples must be a positive integer, got {n!r}")
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ClaimError(f"seed must be a nonnegative integer, got {seed!r}")
        evidence: dict = {"domain": describe(self.domain), "seed": int(seed)}
        sub = self.holds_on
        if sub is not None:
            evidence["sub_domain"] = self._restriction()
        sub_proof = None
        statement = None
        if self.proof is not None:
            given = self._run_proof()
            evidence["proof"] = given.as_dict()
            if given.holds and sub is None:
                return self._verdict("proved", 0, evidence={**evidence, "method": "proof"})
            sub_proof = given if given.holds else None
        else:
            statement = symbolic_statement(self.body, self.domain)
            if statement is not None:
                attempt = prove(statement[0], self.domain, statement[1])
                evidence["proof"] = attempt.as_dict()
                if attempt.holds:
                    return self._verdict("proved", 0, evidence={**evidence, "method": "symbolic"})
        found = search(self.id, self._evaluator(statement), self.domain, int(n), int(seed))
        evidence["examples"] = found.examples
        if found.counterexample is None:
            return self._verdict("holds", found.examples, evidence={**evidence, "method": "search"})
        if sub is None:
            return self._verdict("fails", found.examples, found, {**evidence, "method": "search"})
        return self._conditional(found, sub, sub_proof, int(n), int(seed), evidence)

    def _conditional(self, outside: Found, sub: Box, sub_proof: Proof | None, n: int, seed: int,
                     evidence: dict) -> Verdict:
        """A counterexample was found: the verdict on the stated sub-domain decides conditional or fails."""
        sub_statement = symbolic_statement(self.body, sub) if self.proof is None else None
        if sub_proof is None and sub_statement is not None:
            attempt = prove(sub_statement[0], sub, sub_statement[1])
            evidence["sub_proof"] = attempt.as_dict()
            sub_proof = attempt if attempt.holds else None
        if sub_proof is not None:
            return self._verdict("conditional", outside.examples, outside, {**evidence, "method": "search",
                                                                             "sub_method": "proof"})
        inside = search(self.id, self._evaluator(sub_statement), sub, n, seed)
        evidence["sub_examples"] = inside.examples
        total = outside.examples + inside.examples
        if inside.counterexample is None:
            return self._verdict("conditional", total, outside, {**evidence, "method": "search",
                                                                  "sub_method": "search"})
        evidence["outside_counterexample"] = outside.counterexample
        return self._verdict("fails", total, inside, {**evidence, "method": "search",
                                                      "note": "fails on the stated sub-domain too"})

    def _run_proof(self) -> Proof:
        try:
            result = self.proof()  # type: ignore[misc]
        except Exception as exc:  # noqa: BLE001 - reported as one line: the check did not run
            first = (str(exc).strip().splitlines() or [""])[0]
            raise ClaimError(f"claim {self.id}: proof raised {type(exc).__name__}: {first}") from None
        if not isinstance(result, Proof):
            raise ClaimError(f"claim {self.id}: proof returned {type(result).__name__}, expected a Proof")
        return result

    def _verdict(self, word: str, examples: int, found: Found | None = None, evidence: dict | None = None
                 ) -> Verdict:
        return Verdict(self.id, self.statement, word, examples,
                       None if found is None else found.counterexample,
                       {} if found is None else found.values, evidence or {})

    # --- description -------------------------------------------------------------------------------
    def as_dict(self) -> dict:
        """What the claim says, without its verdict (``check().as_dict()`` has that)."""
        return {"id": self.id, "statement": self.statement, "source": self.source, "about": list(self.about),
                "reading": self.reading, "domain": describe(self.domain),
                "holds_on": None if self.holds_on is None else self._restriction()}

    def _restriction(self) -> dict[str, str]:
        """The stated sub-domain in words: only the arguments it narrows."""
        narrowed = {k: iv for k, iv in (self.holds_on or {}).items() if iv != self.domain[k]}
        return describe(narrowed)

    def _repr_markdown_(self) -> str:
        from derivations.claims.report import claim_markdown

        return claim_markdown(self.as_dict())


def _one_line(where: str, name: str, text: object, required: bool) -> str:
    if not isinstance(text, str) or "\n" in text.strip() or (required and not text.strip()):
        raise ClaimError(f"{where}: {name} must be a one-line string, got {text!r}")
    return text.strip()


def _arguments(where: str, body: Callable, names: Sequence[str]) -> None:
    """The body's keyword arguments must be exactly the domain's names (others need defaults)."""
    try:
        params = inspect.signature(body).parameters.values()
    except (TypeError, ValueError):
        raise ClaimError(f"{where}: the claim must decorate a function") from None
    takes_any = any(p.kind is p.VAR_KEYWORD for p in params)
    named = {p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    unknown = [n for n in names if n not in named and not takes_any]
    if unknown:
        raise ClaimError(f"{where}: the domain names {', '.join(unknown)}, not an argument of the body")
    missing = [p.name for p in params if p.default is p.empty and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
               and p.name not in names]
    if missing:
        raise ClaimError(f"{where}: argument {', '.join(missing)} of the body is missing from the domain "
                         "(give it a domain, or a default if it is a tolerance)")


def _sub_box(where: str, holds_on: Mapping[str, object], domain: Box) -> Box:
    if not isinstance(holds_on, Mapping):
        raise ClaimError(f"{where}: holds_on must be a dict of argument name -> (low, high), got {holds_on!r}")
    unknown = sorted(set(holds_on) - set(domain))
    if unknown:
        raise ClaimError(f"{where}: holds_on names {', '.join(unknown)}, not in the domain")
    sub = dict(domain)
    for name, spec in holds_on.items():
        iv = interval(where, name, spec, log=domain[name].log, integer=domain[name].integer)
        if not iv.within(domain[name]):
            raise ClaimError(f"{where}: holds_on {name} in {iv} is not inside its domain {domain[name]}")
        sub[name] = iv
    return sub


def claim(statement: str, *, domain: Mapping[str, object], id: str | None = None, source: str = "",
          about: Sequence[str] = (), log: Sequence[str] = (), integers: Sequence[str] = (),
          holds_on: Mapping[str, object] | None = None, reading: str = "",
          proof: Callable[[], Proof] | None = None, examples: int = DEFAULT_EXAMPLES) -> Callable[[Callable], Claim]:
    """Decorator: the function (keyword arguments = the domain's names; returns bool or :class:`Outcome`)
    becomes a :class:`Claim`. Bad declarations raise :class:`ClaimError` here, with one line.

    ``domain`` maps each argument to a closed ``(low, high)`` or a ``theory.symbols.Domain``; ``log`` names
    arguments sampled log-uniformly, ``integers`` integer-valued ones; ``holds_on`` a sub-domain on which the
    claim is stated to hold (then the verdict can be ``conditional``). Other arguments of the body need
    defaults: that is where explicit tolerances go. Without ``id`` the claim is named after the function.
    """

    def decorate(body: Callable) -> Claim:
        name = id if id is not None else getattr(body, "__name__", "")
        where = f"claim {name or '?'}"
        if not isinstance(name, str) or not name or any(c.isspace() for c in name):
            raise ClaimError(f"{where}: id must be a non-empty word, got {name!r}")
        text = _one_line(where, "statement", statement, required=True)
        if not callable(body):
            raise ClaimError(f"{where}: the claim must decorate a function")
        if proof is not None and not callable(proof):
            raise ClaimError(f"{where}: proof must be a zero-argument callable returning a Proof")
        if isinstance(examples, bool) or not isinstance(examples, int) or examples < 1:
            raise ClaimError(f"{where}: examples must be a positive integer, got {examples!r}")
        names = (about,) if isinstance(about, str) else tuple(about)
        if not all(isinstance(a, str) and a for a in names):
            raise ClaimError(f"{where}: about must name registered formulas or experiments, got {about!r}")
        full = box(where, domain, tuple(log), tuple(integers))
        _arguments(where, body, list(full))
        sub = None if holds_on is None else _sub_box(where, holds_on, full)
        if not isinstance(reading, str):
            raise ClaimError(f"{where}: reading must be a string, got {reading!r}")
        return Claim(name, text, _one_line(where, "source", source, required=False), names, full, body,
                     reading.strip(), sub, proof, examples, getattr(body, "__module__", "") or "")

    return decorate


