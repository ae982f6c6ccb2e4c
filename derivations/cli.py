"""``circuitcomp``: list, show and evaluate registered formulas; run simulations; extra commands.

Bad input (unknown name, missing, non-numeric or out-of-domain parameter) exits with code 2 and a
one-line message naming the parameter and its domain.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections.abc import Sequence

import numpy as np

from derivations.commands import COMMANDS
from derivations.evaluate import evaluate
from derivations.experiments import experiments, get_experiment
from theory.registry import formulas, get, load_all


class UsageError(ValueError):
    """Bad command-line input."""


def parse_assignments(items: Sequence[str]) -> dict[str, str]:
    """Parse ``key=value`` words (values stay strings: the callee validates them)."""
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"expected key=value, got {item!r}")
        if key in out:
            raise UsageError(f"parameter {key} given twice")
        out[key] = value
    return out


def _jsonable(value: object) -> object:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, (np.floating, float)):
        if math.isnan(value):
            raise RuntimeError("refusing to print NaN")
        return float(value)
    if isinstance(value, np.integer):
        return int(value)
    return value


def dumps(value: object) -> str:
    """JSON with infinities as ``Infinity`` (never NaN)."""
    return json.dumps(_jsonable(value), indent=2)


def _cmd_formulas(args: argparse.Namespace) -> int:
    records = [f.as_dict() for f in formulas()]
    if args.json:
        print(dumps(records))
        return 0
    for r in records:
        params = ", ".join(p["name"] for p in r["parameters"])
        print(f"{r['name']}({params})\n    {r['description']}\n    source: {r['source']}")
    return 0


def _cmd_show(args: argparse.Namespace) -> int:
    formula = get(args.name)
    record = formula.as_dict()
    if args.json:
        print(dumps(record))
        return 0
    print(f"{formula.name}: {formula.description}")
    print(f"  expression: {record['expression']}")
    print(f"  LaTeX:      {record['latex']}")
    for p in record["parameters"]:
        print(f"  {p['name']:>12} in {p['domain']:<16} {p['description']}")
    for c in record["constraints"]:
        print(f"  applies when: {c}")
    if formula.diverges:
        print(f"  diverges: {formula.diverges}")
    print(f"  source: {formula.source}")
    return 0


def _cmd_eval(args: argparse.Namespace) -> int:
    formula = get(args.name)
    value = evaluate(formula, **parse_assignments(args.params))
    if args.json:
        print(dumps({"name": formula.name, "value": value}))
    else:
        print(f"{value:.17g}" if isinstance(value, float) else value)
    return 0


def _cmd_simulate(args: argparse.Namespace) -> int:
    if args.name is None:
        for e in experiments():
            print(f"{e.name}: {e.description}")
            rows = [(key, s.accepts(), "optional" if s.default is None else
                     f"default {s.default:{'' if s.choices else 'g'}}", s.description) for key, s in e.settings.items()]
            widths = [max(len(row[i]) for row in rows) for i in range(3)]
            for key, accepts, default, description in rows:
                print(f"  {key:>{widths[0]}} in {accepts:<{widths[1]}}  {default:<{widths[2]}}  {description}")
        return 0
    exp = get_experiment(args.name)
    result = exp(**parse_assignments(args.params))
    trajectory = result.pop("trajectory", None)
    if args.out:
        if trajectory is None:
            raise UsageError(f"simulate {exp.name} has no trajectory to write")
        trajectory.write(args.out)
    if args.json:
        print(dumps(result))
    else:
        for key, value in result.items():
            if not isinstance(value, (list, dict, np.ndarray)):
                print(f"{key:>24}: {value}")
    return 0


BUILTIN = ("formulas", "show", "eval", "simulate")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("circuit-competition")
    except PackageNotFoundError:
        return "unknown (not installed)"


def build_parser(extra_commands: bool = True) -> argparse.ArgumentParser:
    """The argument parser; ``extra_commands`` imports every module to add their subcommands."""
    parser = argparse.ArgumentParser(
        prog="circuitcomp",
        description="Circuit competition as runnable mathematics: registered formulas, derived closed forms "
        "and simulations of grokking and its relatives. Figures: python -m figures.",
        epilog="examples:\n"
        "  circuitcomp show grokking.t_generalize\n"
        "  circuitcomp eval grokking.critical_data_size c_m=0.1 c_g=5 --json\n"
        "  circuitcomp simulate grokking data_ratio=2 weight_decay=0.01 --json\n"
        "  circuitcomp simulate grokking retrain_ratio=0.5 --out run.csv   # ungrokking\n"
        "bad input exits with code 2 and a one-line message.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = sub.add_parser("formulas", help="list every registered formula with parameters and source")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(handler=_cmd_formulas)
    p = sub.add_parser("show", help="expression, LaTeX, domains and source of one formula")
    p.add_argument("name")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_show)
    p = sub.add_parser("eval", help="evaluate a formula: circuitcomp eval NAME key=value ...")
    p.add_argument("name")
    p.add_argument("params", nargs="*", metavar="key=value")
    p.add_argument("--json", action="store_true", help='print {"name": ..., "value": ...}')
    p.set_defaults(handler=_cmd_eval)
    p = sub.add_parser("simulate", help="run a simulation (no NAME: list experiments and their parameters)")
    p.add_argument("name", nargs="?")
    p.add_argument("params", nargs="*", metavar="key=value")
    p.add_argument("--json", action="store_true")
    p.add_argument("--out", help="write the trajectory (.csv or .npz)")
    p.set_defaults(handler=_cmd_simulate)
    if extra_commands:
        load_all()
    for c in COMMANDS.values():
        p = sub.add_parser(c.name, help=c.help)
        c.configure(p)
        p.set_defaults(handler=c.handler)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # A built-in command needs no other module imported first: keeps `eval` and `simulate` quick.
    wants_help = "-h" in argv or "--help" in argv
    parser = build_parser(extra_commands=not (argv and argv[0] in BUILTIN and not wants_help))
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except BrokenPipeError:  # output piped into a reader that stopped early (e.g. `| head`): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (ValueError, KeyError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
        print(f"circuitcomp: error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
