"""python -m figures [--list] [--only NAME ...] [--fast] [--out DIR] [--no-cache]: regenerate the figures."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from figures.registry import all_figures, get_figure, render

DEFAULT_OUT = Path("figures") / "out"  # relative to the working directory: the repository's figures/out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m figures",
        description="Regenerate the papers' figures from the package's models (PDF + PNG, byte-stable).",
    )
    parser.add_argument("--list", action="store_true", help="list the figures with their sources and exit")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="regenerate only these figures")
    parser.add_argument("--fast", action="store_true", help="coarser grids, for a quick look")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default {DEFAULT_OUT})")
    parser.add_argument("--no-cache", action="store_true", help="recompute even if cached data match")
    args = parser.parse_args(argv)
    if args.list:
        for spec in all_figures():
            print(f"{spec.name:<28} {spec.description}\n{'':<28} source: {spec.source}")
        return 0
    try:
        specs = [get_figure(n) for n in args.only] if args.only else all_figures()
    except KeyError as exc:
        print(f"python -m figures: error: {exc.args[0]}", file=sys.stderr)
        return 2
    start = time.perf_counter()
    for i, spec in enumerate(specs, 1):
        print(f"[{i}/{len(specs)}] {spec.name} ...", flush=True)
        paths, seconds = render(spec, args.out, fast=args.fast, use_cache=not args.no_cache)
        print(f"    {seconds:.1f} s -> {paths[0].name}, {paths[1].name}", flush=True)
    noun = "figure" if len(specs) == 1 else "figures"
    print(f"{len(specs)} {noun} in {time.perf_counter() - start:.1f} s, written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
