"""A claim's search domain: one real or integer interval per argument, checked when the claim is declared.

A domain is given as ``{name: (low, high)}`` (closed interval) or ``{name: Domain}`` (a registry
:class:`theory.symbols.Domain`, whose open ends are respected). From it come the SymPy symbols a
symbolic proof uses (``positive``/``nonnegative``/``real``/``integer``) and the hypothesis strategies.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import sympy as sp

from theory.symbols import Domain


class ClaimError(ValueError):
    """A claim that cannot be checked: a bad declaration, or a body that raised (one line)."""


@dataclass(frozen=True)
class Interval(Domain):
    """One argument's range: a registry :class:`Domain`, closed unless an end is said to be open, and sampled
    log-uniformly when ``log``."""

    lo_closed: bool = True
    hi_closed: bool = True
    log: bool = False

    def __str__(self) -> str:
        return f"{super().__str__()}{' (log-uniform)' if self.log else ''}"

    def within(self, other: Interval) -> bool:
        """Whether every point of this interval lies in ``other``."""
        lo_ok = self.lo > other.lo or (self.lo == other.lo and (other.lo_closed or not self.lo_closed))
        hi_ok = self.hi < other.hi or (self.hi == other.hi and (other.hi_closed or not self.hi_closed))
        return lo_ok and hi_ok

    def integer_bounds(self) -> tuple[int | None, int | None]:
        """The least and greatest integers inside (None for an infinite end)."""
        lo = None if math.isinf(self.lo) else math.ceil(self.lo) if self.lo_closed else math.floor(self.lo) + 1
        hi = None if math.isinf(self.hi) else math.floor(self.hi) if self.hi_closed else math.ceil(self.hi) - 1
        return lo, hi

    def symbol(self, name: str) -> sp.Symbol:
        """A SymPy symbol carrying what SymPy's assumptions can say about this interval."""
        assumptions: dict[str, bool] = {"integer": True} if self.integer else {"real": True}
        if self.lo > 0 or (self.lo == 0 and not self.lo_closed):
            assumptions["positive"] = True
        elif self.lo == 0:
            assumptions["nonnegative"] = True
        elif self.hi < 0 or (self.hi == 0 and not self.hi_closed):
            assumptions["negative"] = True
        elif self.hi == 0:
            assumptions["nonpositive"] = True
        return sp.Symbol(name, **assumptions)


Box = dict[str, Interval]


def _number(where: str, name: str, value: object) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ClaimError(f"{where}: {name} bound {value!r} is not a number") from None
    if math.isnan(number):
        raise ClaimError(f"{where}: {name} has a NaN bound")
    return number


def interval(where: str, name: str, spec: object, *, log: bool = False, integer: bool = False) -> Interval:
    """``spec`` (a ``(low, high)`` pair or a ``Domain``) as an :class:`Interval`, or a one-line ``ClaimError``."""
    if isinstance(spec, Domain):
        iv = Interval(spec.lo, spec.hi, spec.lo_closed, spec.hi_closed, spec.integer or integer, log)
    elif isinstance(spec, (tuple, list)) and len(spec) == 2:
        lo, hi = (_number(where, name, v) for v in spec)
        iv = Interval(lo, hi, True, True, integer, log)
    else:
        raise ClaimError(f"{where}: {name} must be a (low, high) pair or a theory.symbols.Domain, got {spec!r}")
    if iv.lo > iv.hi or (iv.lo == iv.hi and not (iv.lo_closed and iv.hi_closed)):
        raise ClaimError(f"{where}: {name} has an empty domain {iv}")
    if iv.integer and None not in iv.integer_bounds() and iv.integer_bounds()[0] > iv.integer_bounds()[1]:
        raise ClaimError(f"{where}: {name} has no integer in {iv}")
    if iv.log and not (iv.lo > 0 and math.isfinite(iv.hi)):
        raise ClaimError(f"{where}: {name} is sampled log-uniformly, so its domain must be positive and bounded, "
                         f"got {iv}")
    return iv


def box(where: str, spec: Mapping[str, object], log: tuple[str, ...], integers: tuple[str, ...]) -> Box:
    """Every argument's :class:`Interval`; ``log`` and ``integers`` must name arguments of ``spec``."""
    if not isinstance(spec, Mapping):
        raise ClaimError(f"{where}: the domain must be a dict of argument name -> (low, high), got {spec!r}")
    for option, names in (("log", log), ("integers", integers)):
        unknown = sorted(set(names) - set(spec))
        if unknown:
            raise ClaimError(f"{where}: {option} names {', '.join(unknown)}, not in the domain")
    return {name: interval(where, name, value, log=name in log, integer=name in integers)
            for name, value in spec.items()}


def describe(domain: Box) -> dict[str, str]:
    """The domain in words, one interval per argument (evidence shown to the reader)."""
    return {name: str(iv) for name, iv in domain.items()}
