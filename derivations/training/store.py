"""The run store: finished training runs in an SQLite file, keyed by their full settings.

Each finished run is written in one transaction (SQLite's journal makes it all or nothing), so a sweep
killed at any moment keeps every run that finished and reruns none of them. Parallel workers write into
the same file; SQLite serializes them (a writer waits up to ``BUSY_SECONDS`` for another).
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path

from derivations.atomic import atomic_open

BUSY_SECONDS = 120.0

# The CSV's columns (the fit reads the first six); a missing value is an empty cell: an event that did not
# happen within the run's steps, or a setting that does not apply (no retraining).
COLUMNS = (
    "fraction", "weight_decay", "lr", "steps", "t_memorize", "t_generalize", "seed", "p", "width", "model",
    "retrain_fraction", "retrain_steps", "eval_every", "t_ungrok", "grokked_test_accuracy",
    "final_train_accuracy", "final_test_accuracy", "steps_run", "embed", "torch_version",
)


def default_path() -> Path:
    """``$XDG_CACHE_HOME/circuit-competition/runs.sqlite`` (``~/.cache`` when the variable is unset)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "circuit-competition" / "runs.sqlite"


def run_key(settings: Mapping[str, object]) -> str:
    """The store's key: the full settings as canonical JSON (sorted keys)."""
    return json.dumps(dict(settings), sort_keys=True)


@contextlib.contextmanager
def _connect(path: str | os.PathLike, create: bool) -> Iterator[sqlite3.Connection]:
    target = Path(path)
    try:
        if create:
            target.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(target, timeout=BUSY_SECONDS)
            conn.execute("CREATE TABLE IF NOT EXISTS runs (key TEXT PRIMARY KEY, result TEXT NOT NULL, "
                         "finished TEXT NOT NULL)")
        else:
            if not target.is_file():
                raise ValueError(f"store: no run store at {str(target)!r}")
            conn = sqlite3.connect(f"{target.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_SECONDS)
            conn.execute("SELECT 1 FROM runs LIMIT 1")
    except (sqlite3.Error, OSError) as exc:
        raise ValueError(f"store: cannot use {str(target)!r} as a run store ({exc})") from None
    try:
        yield conn
    finally:
        conn.close()


def lookup(path: str | os.PathLike, settings: Sequence[Mapping[str, object]]) -> list[dict | None]:
    """The stored result of each settings (None where it has not finished); creates an empty store if needed,
    so a store that cannot be written fails here, before any training, with a ``ValueError`` naming ``store``."""
    with _connect(path, create=True) as conn:
        found = {}
        for s in settings:
            row = conn.execute("SELECT result FROM runs WHERE key = ?", (run_key(s),)).fetchone()
            found[run_key(s)] = None if row is None else json.loads(row[0])
    return [found[run_key(s)] for s in settings]


def put(path: str | os.PathLike, settings: Mapping[str, object], result: Mapping[str, object]) -> None:
    """Record a finished run (replacing a run with the same settings), in one transaction."""
    stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
    with _connect(path, create=True) as conn, conn:
        conn.execute("INSERT OR REPLACE INTO runs (key, result, finished) VALUES (?, ?, ?)",
                     (run_key(settings), json.dumps(dict(result)), stamp))


def runs(path: str | os.PathLike) -> list[dict]:
    """Every finished run in an existing store, ordered by network, modulus, retraining, fraction, decay, lr, seed."""
    with _connect(path, create=False) as conn:
        rows = [json.loads(r) for (r,) in conn.execute("SELECT result FROM runs")]

    def order(run: dict) -> tuple:
        retrain = run.get("retrain_fraction")
        return (run["model"], run["p"], retrain is not None, run["fraction"], run["weight_decay"], run["lr"],
                retrain or 0.0, run["seed"], run_key(run))

    return sorted(rows, key=order)


def write_csv(results: Sequence[Mapping[str, object]], path: str | os.PathLike) -> None:
    """The runs as CSV, one row each, columns :data:`COLUMNS` (empty: did not happen / does not apply)."""
    try:
        with atomic_open(path, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(COLUMNS)
            for run in results:
                writer.writerow(["" if run.get(c) is None else run[c] for c in COLUMNS])
    except OSError as exc:
        raise ValueError(f"csv: cannot write {os.fspath(path)!r} ({exc.strerror or exc})") from None
