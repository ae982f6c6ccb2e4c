"""Training runs read from a CSV: one run per row, event times empty where the event never happened.

Columns ``fraction``, ``weight_decay``, ``lr``, ``steps``, ``t_memorize`` and ``t_generalize`` are required (an
empty event time means "not within ``steps``": a censored observation); any other column may be present, and the
numeric ones the figures use (``seed``, ``retrain_fraction``, ``retrain_steps``, ``final_test_accuracy``, ...) are
read when they are. Every bad value raises a ``ValueError`` naming its row and column.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from derivations.tables import read_csv

REQUIRED = ("fraction", "weight_decay", "lr", "steps", "t_memorize", "t_generalize")
OPTIONAL = ("seed", "retrain_fraction", "retrain_steps", "grokked_test_accuracy", "final_test_accuracy", "t_ungrok")
EVENTS = ("t_memorize", "t_generalize")


@dataclass(frozen=True)
class Runs:
    """Settings (1-D arrays), event times (NaN = censored at ``steps``) and the CSV rows they came from."""

    fraction: np.ndarray
    weight_decay: np.ndarray
    lr: np.ndarray
    steps: np.ndarray
    t_memorize: np.ndarray
    t_generalize: np.ndarray
    rows: np.ndarray
    extra: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return self.fraction.size

    def distinct(self) -> Runs:
        """One row per run: rows with the same settings and ``seed`` (e.g. a run continued into several
        retraining experiments) repeat one run. Without a seed column every row is its own run."""
        if "seed" not in self.extra:
            return self
        keys = np.stack([self.fraction, self.weight_decay, self.lr, self.steps, self.extra["seed"]], axis=1)
        first = np.sort(np.unique(np.nan_to_num(keys, nan=-1.0), axis=0, return_index=True)[1])
        return self.take(first)

    def take(self, index: np.ndarray) -> Runs:
        """The runs at ``index`` (a boolean mask or integer positions, repeats allowed)."""
        pick = {k: getattr(self, k)[index] for k in (*REQUIRED, "rows")}
        return Runs(**pick, extra={k: v[index] for k, v in self.extra.items()})


def _number(text: str | None, where: str, lo: float, lo_closed: bool, hi: float = math.inf) -> float:
    """``text`` as a number in the interval from ``lo`` to ``hi`` (closed at ``hi``), or a ValueError at ``where``."""
    try:
        value = float(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        value = math.nan
    if not (math.isfinite(value) and (value >= lo if lo_closed else value > lo) and value <= hi):
        if math.isfinite(hi):
            domain = f"in {'[' if lo_closed else '('}{lo:g}, {hi:g}]"
        else:
            domain = f"{'>=' if lo_closed else '>'} {lo:g}"
        raise ValueError(f"{where}: expected a number {domain}, got {text!r}")
    return value


# Domains of the required settings: (lower bound, closed?, upper bound).
_SETTING_DOMAINS = {"fraction": (0.0, False, 1.0), "weight_decay": (0.0, False, math.inf),
                    "lr": (0.0, False, math.inf), "steps": (0.0, False, math.inf)}


def read_runs(path: str | Path) -> Runs:
    """Read and check runs from a CSV (UTF-8, with or without a byte-order mark)."""
    path = Path(path)
    header, records = read_csv(path)
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ValueError(f"{path}: no column {missing[0]!r} (needed: {', '.join(REQUIRED)}; found: "
                         f"{', '.join(header) or 'none'})")
    if not records:
        raise ValueError(f"{path}: no runs (a header and no rows)")
    optional = [c for c in OPTIONAL if c in header]
    values = {c: np.empty(len(records)) for c in (*REQUIRED, *optional)}
    for i, record in enumerate(records):
        where = f"{path}: row {i + 1} (line {i + 2})"
        if None in record:  # more fields than the header has names
            raise ValueError(f"{where}: {len(header) + len(record[None])} fields, the header has {len(header)}")
        for column, (lo, closed, hi) in _SETTING_DOMAINS.items():
            values[column][i] = _number(record[column], f"{where}, column {column!r}", lo, closed, hi)
        for column in EVENTS:
            text = (record[column] or "").strip()
            values[column][i] = math.nan if not text else _number(
                text, f"{where}, column {column!r} (empty = never)", 0.0, False, values["steps"][i])
        for column in optional:
            text = (record[column] or "").strip()
            values[column][i] = math.nan if not text else _number(text, f"{where}, column {column!r}", 0.0, True)
    return Runs(*(values[c] for c in REQUIRED), rows=np.arange(1, len(records) + 1),
                extra={c: values[c] for c in optional})
