"""The shipped verdicts, ``verdicts.json``: every registered claim with its verdict, so listing is instant.

The file carries :func:`derivations.cache.source_key` of the sources it was computed from. When the sources
(or the SymPy / Python version) differ, the file is still read, and the reader is told it may be stale.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from derivations.atomic import atomic_open
from derivations.claims.core import Claim

PATH = Path(__file__).with_name("verdicts.json")
REGENERATE = "python -m derivations.claims --regenerate"


@dataclass(frozen=True)
class Shipped:
    """The records of ``verdicts.json`` (claim and verdict fields together) and whether they are current."""

    records: list[dict]
    current: bool

    def by_id(self) -> dict[str, dict]:
        return {r["id"]: r for r in self.records}


def record(claim: Claim, examples: int | None = None, seed: int = 0) -> dict:
    """The claim's description and its verdict now, as one JSON-ready record."""
    return {**claim.as_dict(), **claim.check(examples, seed).as_dict()}


def compute(claims: Sequence[Claim], progress: Callable[[str], None] | None = None) -> list[dict]:
    """Every claim's record with the default examples and seed 0 (what ships)."""
    records = []
    for i, c in enumerate(claims, 1):
        start = time.perf_counter()
        records.append(record(c))
        if progress is not None:
            progress(f"[{i}/{len(claims)}] {c.id}: {records[-1]['verdict']} ({time.perf_counter() - start:.2f} s)")
    return records


def write(records: list[dict], path: Path | None = None) -> None:
    from derivations.cache import source_key

    with atomic_open(path or PATH, "w", encoding="utf-8") as fh:
        json.dump({"key": source_key(), "claims": records}, fh, indent=1)
        fh.write("\n")


def read(path: Path | None = None) -> Shipped | None:
    """The shipped records, or None if the file is missing or unreadable."""
    from derivations.cache import source_key

    try:
        document = json.loads((path or PATH).read_text(encoding="utf-8"))
        records = document["claims"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not isinstance(records, list) or not all(isinstance(r, dict) and "id" in r for r in records):
        return None
    return Shipped(records, document.get("key") == source_key())


def warn_stale() -> None:
    print(f"circuitcomp: note: {PATH.name} was computed from other sources (or another SymPy or Python); "
          f"its verdicts may be stale: regenerate with `{REGENERATE}`, or re-run one with "
          "`circuitcomp claims check ID`", file=sys.stderr)
