"""Timing shared by the benchmarks (imported as ``timing``: each benchmark runs as a script from this folder)."""

from __future__ import annotations

import time
from collections.abc import Callable


def cpu_best(func: Callable[[], object], repeat: int) -> tuple[float, object]:
    """The least CPU time of ``repeat`` calls (the least disturbed by the rest of the machine), and the last result."""
    times, out = [], None
    for _ in range(repeat):
        t0 = time.process_time()
        out = func()
        times.append(time.process_time() - t0)
    return min(times), out
