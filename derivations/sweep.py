"""Parameter grids: serial by default, through joblib when installed and ``n_jobs != 1``.

Each grid point gets its own seed from ``numpy.random.SeedSequence(seed).spawn``, so results do not
depend on the order in which workers run the points. A user with a cluster switches backend with
``joblib.parallel_config(backend="dask")`` (or ray) around the call; no code here changes.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np


def grid(**axes: Sequence[float]) -> list[dict[str, float]]:
    """Cartesian product of named axes, first axis slowest: ``grid(D=[1, 2], lam=[0.1])``."""
    names = list(axes)
    return [dict(zip(names, combo)) for combo in itertools.product(*(list(axes[n]) for n in names))]


def _progress(done: int, total: int, label: str) -> None:
    """A counter rewritten in place on a terminal; only the final count elsewhere (logs stay short)."""
    if sys.stderr.isatty():
        print(f"\r{label}: {done}/{total}", end="\n" if done == total else "", file=sys.stderr, flush=True)
    elif done == total:
        print(f"{label}: {done}/{total}", file=sys.stderr, flush=True)


def sweep(
    fn: Callable[..., Any],
    points: Iterable[Mapping[str, float]],
    *,
    n_jobs: int = 1,
    seed: int | None = None,
    progress: str | None = None,
) -> list[Any]:
    """``[fn(**point) for point in points]``, optionally in parallel; results keep the points' order.

    With ``seed`` given, ``fn`` also receives ``rng=numpy.random.Generator`` built from the point's
    own spawned seed. ``progress`` labels a counter printed to stderr.
    """
    points = [dict(p) for p in points]
    if seed is not None:
        children = np.random.SeedSequence(seed).spawn(len(points))
        calls = [(p, {"rng": np.random.default_rng(s)}) for p, s in zip(points, children)]
    else:
        calls = [(p, {}) for p in points]
    if n_jobs != 1:
        try:
            from joblib import Parallel, delayed
        except ImportError:  # the `parallel` extra is not installed: run serially
            n_jobs = 1
    if n_jobs == 1:
        results = []
        for i, (p, extra) in enumerate(calls, 1):
            results.append(fn(**p, **extra))
            if progress:
                _progress(i, len(calls), progress)
        return results
    results = Parallel(n_jobs=n_jobs)(delayed(fn)(**p, **extra) for p, extra in calls)
    if progress:
        _progress(len(calls), len(calls), progress)
    return list(results)
