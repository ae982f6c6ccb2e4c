"""Rendering every figure, cold and cached, each against a plain baseline in the same run.

Every measurement is a fresh process with its own empty derivation cache ($CIRCUITCOMP_CACHE) and
output folder, as a new user meets it:

1. cold: ``python -m figures --out DIR`` (all caches empty), against the plain baseline: one process
   computing each figure in turn and saving it with ``savefig(bbox_inches="tight")`` per format.
2. cached rerun: the same command again (nothing changed: no figure is redrawn), against the plain
   baseline loading the same cached arrays and saving every figure again.
3. redraw from cached data (the files deleted, the data cached): what a style or plotting change costs.

Targets (2 cores): cold <= 30 s, cached rerun <= 10 s. Timings on a busy machine are inflated; compare
the ratios, which share the machine's state.

Run: python benchmarks/bench_figures.py [--fast] [--jobs N]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGETS = {"cold": 30.0, "cached rerun": 10.0}


def plain(out: Path, fast: bool) -> None:
    """The baseline: compute (or load the cached arrays) and save each figure in turn, Matplotlib defaults."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from figures.registry import CACHE_FOLDER, STYLE, all_figures, data

    metadata = {"pdf": {"CreationDate": None, "ModDate": None, "Producer": None, "Creator": None},
                "png": {"Software": None}}
    out.mkdir(parents=True, exist_ok=True)
    for spec in all_figures():
        arrays, _ = data(spec, fast, out / CACHE_FOLDER)
        with plt.style.context(str(STYLE)):
            fig = spec.plot(arrays)
            for fmt in ("pdf", "png"):
                fig.savefig(out / f"{spec.name}.{fmt}", bbox_inches="tight", metadata=metadata[fmt])
            plt.close(fig)


def timed(argv: list[str], derivation_cache: Path) -> float:
    env = {**os.environ, "CIRCUITCOMP_CACHE": str(derivation_cache), "OPENBLAS_NUM_THREADS": "1",
           "OMP_NUM_THREADS": "1"}
    start = time.perf_counter()
    subprocess.run([sys.executable, *argv], env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", action="store_true", help="the figures' fast mode (a quicker check)")
    parser.add_argument("--jobs", type=int, help="workers for python -m figures (default: one per core)")
    parser.add_argument("--plain", type=Path, help=argparse.SUPPRESS)  # the baseline's own process
    args = parser.parse_args()
    if args.plain is not None:
        plain(args.plain, args.fast)
        return
    fast = ["--fast"] if args.fast else []
    jobs = ["--jobs", str(args.jobs)] if args.jobs else []
    with tempfile.TemporaryDirectory(prefix="bench-figures-") as tmp:
        root = Path(tmp)
        command = ["-m", "figures", "--out", str(root / "fast-out"), *fast, *jobs]
        baseline = [__file__, "--plain", str(root / "plain-out"), *fast]
        results = {
            "cold": (timed(command, root / "fast-derivations"), timed(baseline, root / "plain-derivations")),
            "cached rerun": (timed(command, root / "fast-derivations"), timed(baseline, root / "plain-derivations")),
        }
        for path in (root / "fast-out").glob("*.p[dn][fg]"):
            path.unlink()
        redraw = timed(command, root / "fast-derivations")
    print(f"figures ({'fast mode' if args.fast else 'full'}), {os.cpu_count()} cores; baseline: plain serial loop")
    for name, (ours, base) in results.items():
        print(f"  {name:<14} {ours:6.1f} s   baseline {base:6.1f} s   ratio {ours / base:5.2f}   "
              f"target <= {TARGETS[name]:.0f} s: {'met' if ours <= TARGETS[name] else 'NOT met'}")
    cached_base = results["cached rerun"][1]
    print(f"  {'redraw':<14} {redraw:6.1f} s   baseline {cached_base:6.1f} s   ratio {redraw / cached_base:5.2f}"
          "   (files deleted, data cached)")


if __name__ == "__main__":
    main()
