"""``circuitcomp train grokking ...`` (one run or a ``--sweep``) and ``circuitcomp runs export --csv FILE``.

Settings, the store and the output path are all checked before any training; torch is needed only
when a run is not in the store yet.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys

from derivations.commands import EXTRA, command
from derivations.training import INSTALL_HINT, SETTINGS

EXAMPLES = """examples:
  circuitcomp train grokking fraction=0.5 weight_decay=1 --json
  circuitcomp train grokking fraction=0.7 weight_decay=3 retrain_fraction=0.1   # ungrokking
  circuitcomp train grokking --sweep fraction=0.3,0.5,0.7 weight_decay=0.3,1,3 seed=0,1 --n-jobs 2
  circuitcomp runs export --csv runs.csv
settings (default, domain):
""" + "\n".join(f"  {k:>16} = {'none' if s.default is None else s.default!s:<6} in {s.accepts()}: {s.description}"
                for k, s in SETTINGS.items())


def _positive_int(text: str) -> int:
    if not text.lstrip("-").isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}")
    return int(text)


def _store_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", metavar="PATH",
                        help="the run store (SQLite; default $XDG_CACHE_HOME/circuit-competition/runs.sqlite)")


def configure_train(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EXAMPLES
    parser.add_argument("experiment", choices=["grokking"])
    parser.add_argument("params", nargs="*", metavar="key=value")
    parser.add_argument("--sweep", nargs="+", default=[], metavar="key=v1,v2",
                        help="train every combination of these values (finished runs are read from the store)")
    parser.add_argument("--n-jobs", type=_positive_int, default=os.cpu_count() or 1, metavar="K",
                        help="parallel runs in a sweep (default: one per core)")
    parser.add_argument("--json", action="store_true", help="print the result(s) as JSON")
    parser.add_argument("--out", metavar="FILE.csv", help="also write the run(s) as CSV (the columns of runs export)")
    _store_option(parser)


def _points(params: list[str], sweep_words: list[str]) -> list[dict[str, str]]:
    from derivations.cli import parse_assignments
    from derivations.sweep import grid

    fixed = parse_assignments(params)
    axes = {k: v.split(",") for k, v in parse_assignments(sweep_words).items()}
    both = sorted(set(fixed) & set(axes))
    if both:
        raise ValueError(f"parameter {both[0]} given both as key=value and in --sweep")
    return [{**fixed, **point} for point in grid(**axes)]


def handle_train(args: argparse.Namespace) -> int:
    from derivations.cli import dumps
    from derivations.training import resolve_settings, store

    points = [resolve_settings(p) for p in _points(args.params, args.sweep)]  # every point valid before any run
    if args.out is not None:
        if not args.out.endswith(".csv"):
            raise ValueError(f"out must be a file name ending in .csv, got {args.out!r}")
        from derivations.simulate import check_output_path

        check_output_path(args.out)
    path = args.store or store.default_path()
    if None in store.lookup(path, points) and importlib.util.find_spec("torch") is None:
        raise ValueError(INSTALL_HINT)
    if args.sweep:
        from derivations.training.loop import run_sweep

        results = run_sweep(points, path, n_jobs=args.n_jobs)
    else:
        results = store.lookup(path, points)
        if results[0] is None:
            from derivations.training.loop import train

            results = [train(points[0])]
            store.put(path, points[0], results[0])
        else:
            print(f"train grokking: this run is in the store {os.fspath(path)!r}; not retrained",
                  file=sys.stderr)
    if args.out is not None:
        store.write_csv(results, args.out)
    if args.json:
        print(dumps(results if args.sweep else results[0]))
    else:
        for result in results:
            print("  ".join(f"{k}={v}" for k, v in result.items()))
    return 0


def configure_runs(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=["export"])
    parser.add_argument("--csv", required=True, metavar="FILE", help="write one row per finished run")
    _store_option(parser)


def handle_runs(args: argparse.Namespace) -> int:
    from derivations.training import store

    if not os.path.isdir(os.path.dirname(os.path.abspath(args.csv))):
        raise ValueError(f"csv: folder {os.path.dirname(args.csv)!r} does not exist")
    results = store.runs(args.store or store.default_path())
    store.write_csv(results, args.csv)
    print(f"runs export: {len(results)} runs written to {os.path.abspath(args.csv)}", file=sys.stderr)
    return 0


command("train", EXTRA["train"][1], configure_train, handle_train)
command("runs", EXTRA["runs"][1], configure_runs, handle_runs)
