"""``circuitcomp figures`` (also ``python -m figures``): regenerate the papers' figures as PDF + PNG.

Figures are rendered by one worker process per core. Workers are forked after the figure modules are
imported, so the symbolic derivations happen once; each worker uses one BLAS thread (``derivations.cli``
sets it before NumPy is imported), since threads fighting over two cores make the batched small LAPACK
calls of the simulations 10-100x slower.
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import os
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from derivations.atomic import output_folder

# In the current folder, not ./figures/out: a paper's repository often has its own figures/ folder.
DEFAULT_OUT = Path("circuitcomp-figures")


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the ``figures`` options to ``parser``."""
    parser.description = "Regenerate the papers' figures from the package's models (PDF + PNG, byte-stable)."
    parser.add_argument("--list", action="store_true", help="list the figures with their sources and exit")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="regenerate only these figures")
    parser.add_argument("--fast", action="store_true", help="coarser grids, for a quick look")
    parser.add_argument("--out", default=str(DEFAULT_OUT),
                        help=f"output folder, created if missing (default: ./{DEFAULT_OUT})")
    parser.add_argument("--no-cache", action="store_true",
                        help="recompute every figure's data even if cached data match (and refresh the cache)")
    parser.add_argument("--jobs", type=int, metavar="N",
                        help="worker processes (default: one per available core)")


def handler(args: argparse.Namespace) -> int:
    """Run ``figures`` with parsed ``args``; bad input raises ValueError (exit 2), before any work."""
    from figures.registry import all_figures, get_figure

    if args.list:
        for spec in all_figures():
            print(f"{spec.name:<28} {spec.description}\n{'':<28} source: {spec.source}")
        return 0
    jobs = _jobs(args.jobs)
    # fontTools warns about a bundled font's zero timestamp while embedding it in each PDF: not the user's concern.
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    specs = _select(args.only, get_figure) if args.only else all_figures()
    out = output_folder(args.out)
    print(f"rendering {len(specs)} figure{'s' if len(specs) != 1 else ''} into {out}", flush=True)
    start = time.perf_counter()
    for i, r in enumerate(render_all([s.name for s in specs], out, args.fast, not args.no_cache, jobs), 1):
        source = "up to date" if not r.drawn else "cached data" if r.cached else "computed"
        print(f"[{i}/{len(specs)}] {r.name}: {source}, {r.seconds:.1f} s -> {r.paths[0].name}, {r.paths[1].name}",
              flush=True)
    print(f"{len(specs)} figure{'s' if len(specs) != 1 else ''} in {time.perf_counter() - start:.1f} s, "
          f"written to {out}")
    return 0


def _jobs(requested: int | None) -> int:
    if requested is not None and requested < 1:
        raise ValueError(f"--jobs must be a whole number >= 1, got {requested}")
    if requested is not None:
        return requested
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _select(names: Sequence[str], get_figure) -> list:
    specs, unknown = [], []
    for name in dict.fromkeys(names):  # each figure once, in the order given
        try:
            specs.append(get_figure(name))
        except KeyError:
            unknown.append(name)
    if unknown:
        raise ValueError(f"--only: unknown figure{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}; "
                         "circuitcomp figures --list shows the names")
    return specs


def render_all(names: Sequence[str], out: Path, fast: bool, use_cache: bool, jobs: int) -> Iterator:
    """Render the named figures into ``out``, yielding each ``Rendered`` as it finishes.

    With ``jobs > 1`` the figures are spread over worker processes one at a time (their costs differ by
    100x and are not known in advance): a worker that finishes early takes the next.
    """
    if jobs == 1 or len(names) == 1:
        for name in names:
            yield _render(name, out, fast, use_cache)
        return
    methods = multiprocessing.get_all_start_methods()
    # fork: workers inherit the imported figure modules and their derivations instead of redoing them.
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    with ProcessPoolExecutor(max_workers=min(jobs, len(names)), mp_context=context) as pool:
        futures = [pool.submit(_render, name, out, fast, use_cache) for name in names]
        try:
            for future in as_completed(futures):
                yield future.result()
        except BaseException:
            for future in futures:
                future.cancel()
            raise


def _render(name: str, out: Path, fast: bool, use_cache: bool):
    from figures.registry import get_figure, render

    return render(get_figure(name), out, fast=fast, use_cache=use_cache)
