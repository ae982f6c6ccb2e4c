"""The counterexample search: a seeded hypothesis run over a claim's domain, shrinking what it finds.

When hypothesis finds nothing, the domain's lower and upper corners are tried as well.

Settings are fixed here, whatever hypothesis profile is loaded: reproducible by the seed, no example
database, no deadline, no health checks (a claim's body may be slow or its domain narrow), shrinking on.
A body that raises stops the search at once (no shrinking of the error): the check did not run.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from derivations.claims.domain import Box, ClaimError, Interval
from derivations.claims.outcome import point_text

Evaluation = Callable[[dict], tuple[bool, dict]]


@dataclass(frozen=True)
class Found:
    """A search's result: how many points were evaluated, and the shrunk counterexample with its values."""

    examples: int
    counterexample: dict | None = None
    values: dict = field(default_factory=dict)


class _Abort(BaseException):
    """Carries a ClaimError out of hypothesis, which would otherwise try to shrink it as a failure."""


class _Refuted(Exception):
    """The body returned False: hypothesis shrinks the point."""


def _clamp(iv: Interval) -> Callable[[float], float]:
    lo = iv.lo if iv.lo_closed else math.nextafter(iv.lo, math.inf)
    hi = iv.hi if iv.hi_closed else math.nextafter(iv.hi, -math.inf)
    return lambda u: min(max(math.exp(u), lo), hi)  # exp(log(hi)) may exceed hi by an ulp


def strategy(iv: Interval):
    """A hypothesis strategy drawing from ``iv`` (integers, floats, or log-uniform floats)."""
    from hypothesis import strategies as st

    if iv.integer:
        return st.integers(*iv.integer_bounds())
    if iv.log:
        return st.floats(math.log(iv.lo), math.log(iv.hi)).map(_clamp(iv))
    return st.floats(None if math.isinf(iv.lo) else iv.lo, None if math.isinf(iv.hi) else iv.hi,
                     exclude_min=not iv.lo_closed and math.isfinite(iv.lo),
                     exclude_max=not iv.hi_closed and math.isfinite(iv.hi),
                     allow_nan=False, allow_infinity=False)


def _end(iv: Interval, upper: bool) -> float | int:
    """The interval's end (just inside an open one), or its other end, or 0 when both are infinite."""
    if iv.integer:
        lo, hi = iv.integer_bounds()
        ends = (hi, lo) if upper else (lo, hi)
        return next((e for e in ends if e is not None), 0)
    lo = iv.lo if iv.lo_closed else math.nextafter(iv.lo, math.inf)
    hi = iv.hi if iv.hi_closed else math.nextafter(iv.hi, -math.inf)
    ends = (hi, lo) if upper else (lo, hi)
    return next((e for e in ends if math.isfinite(e)), 0.0)


def corners(domain: Box) -> list[dict]:
    """The domain's lower and upper corners (each argument at its lower end; each at its upper end)."""
    low = {name: _end(iv, upper=False) for name, iv in domain.items()}
    high = {name: _end(iv, upper=True) for name, iv in domain.items()}
    return [low] if high == low else [low, high]


def _at(claim_id: str, evaluate: Evaluation, point: dict) -> tuple[bool, dict]:
    """``evaluate(point)``, any error of the body turned into a one-line ClaimError naming the point."""
    try:
        return evaluate(point)
    except ClaimError:
        raise
    except Exception as exc:  # noqa: BLE001 - any error of the body is reported, with the point, as one line
        first = (str(exc).strip().splitlines() or [""])[0]
        raise ClaimError(f"claim {claim_id}: body raised {type(exc).__name__}: {first} "
                         f"at {point_text(point)}") from None


def search(claim_id: str, evaluate: Evaluation, domain: Box, examples: int, seed: int) -> Found:
    """Look for a point of ``domain`` where ``evaluate(point)`` is False, trying up to ``examples`` points."""
    from hypothesis import HealthCheck, Phase, Verbosity, given, settings  # imported here: listing claims needs none
    from hypothesis import seed as fix_seed
    from hypothesis import strategies as st

    calls = 0
    refuted: list[tuple[dict, dict]] = []

    @fix_seed(seed)
    @settings(max_examples=examples, database=None, deadline=None, derandomize=False, print_blob=False,
              suppress_health_check=list(HealthCheck), verbosity=Verbosity.quiet,
              phases=(Phase.generate, Phase.shrink))
    @given(st.fixed_dictionaries({name: strategy(iv) for name, iv in domain.items()}))
    def run(point: dict) -> None:
        nonlocal calls
        calls += 1
        try:
            ok, values = _at(claim_id, evaluate, point)
        except ClaimError as exc:
            raise _Abort(exc) from None
        if not ok:
            refuted.append((dict(point), values))
            raise _Refuted

    try:
        run()
    except _Abort as stop:
        raise stop.args[0] from None
    except Exception:  # noqa: BLE001 - _Refuted, or hypothesis reporting a body that refuted once but not again
        if not refuted:
            raise
        point, values = refuted[-1]  # the last refutation is the shrunk point hypothesis replays
        return Found(calls, point, values)
    # Random draws rarely land exactly on an end, where claims about ranges often break: try the corners too.
    for corner in corners(domain):
        calls += 1
        ok, values = _at(claim_id, evaluate, corner)
        if not ok:
            return Found(calls, corner, values)
    return Found(calls)
