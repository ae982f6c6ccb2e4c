"""Reading the CSV files of runs that ``circuitcomp fit`` takes: one reader, one error for any unreadable file."""

from __future__ import annotations

import csv
from pathlib import Path


def read_csv(path: str | Path) -> tuple[list[str], list[dict[str, str]]]:
    """The header and the rows of a CSV (UTF-8, with or without a byte-order mark); ``ValueError`` if unreadable."""
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            header = list(reader.fieldnames or [])
            return header, list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ValueError(f"cannot read {path}: {exc}") from None
