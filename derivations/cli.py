"""``circuitcomp``: list, show and evaluate registered formulas; run simulations; extra commands.

Bad input (unknown name, missing, non-numeric or out-of-domain parameter, a wrong option) exits with
code 2 and a one-line message naming the parameter and its domain. ``formulas``, ``show`` and ``eval``
read the formula registry shipped in ``derivations/derived.json`` when it matches the sources
(:mod:`derivations.cache`), so they import no formula family; modules are imported only by the
command that needs them.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

# NumPy reads these once, when it is first imported (just below). One BLAS thread unless the user chose:
# the simulations' and figures' linear algebra is many small batched LAPACK calls, which OpenBLAS threads
# fighting over a busy machine's cores make 10-100x slower.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

from derivations.cache import shipped_formula, shipped_records  # noqa: E402
from derivations.commands import EXTRA, resolve  # noqa: E402
from derivations.experiments import experiments, get_experiment  # noqa: E402
from theory.registry import formulas, get  # noqa: E402


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


def _unknown(name: str, names: Sequence[str]) -> KeyError:
    import difflib

    close = difflib.get_close_matches(name, names, n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else "; see `circuitcomp formulas`"
    return KeyError(f"unknown formula {name!r}{hint}")


def _record(name: str) -> dict:
    """``get(name).as_dict()``, from the shipped registry when it is current."""
    records = shipped_records()
    if records is None:
        return get(name).as_dict()
    if name not in records:
        raise _unknown(name, list(records))
    return records[name]


def _cmd_formulas(args: argparse.Namespace) -> int:
    shipped = shipped_records()
    records = [shipped[k] for k in sorted(shipped)] if shipped else [f.as_dict() for f in formulas()]
    if args.json:
        print(dumps(records))
        return 0
    for r in records:
        params = ", ".join(p["name"] for p in r["parameters"])
        print(f"{r['name']}({params})\n    {r['description']}\n    source: {r['source']}")
    return 0


def _cmd_show(args: argparse.Namespace) -> int:
    record = _record(args.name)
    if args.json:
        print(dumps(record))
        return 0
    print(f"{record['name']}: {record['description']}")
    print(f"  expression: {record['expression']}")
    print(f"  LaTeX:      {record['latex']}")
    for p in record["parameters"]:
        print(f"  {p['name']:>12} in {p['domain']:<16} {p['description']}")
    for c in record["constraints"]:
        print(f"  applies when: {c}")
    if record["diverges"]:
        print(f"  diverges: {record['diverges']}")
    print(f"  source: {record['source']}")
    return 0


def _cmd_eval(args: argparse.Namespace) -> int:
    from derivations.evaluate import evaluate

    formula = shipped_formula(args.name)
    if formula is None:
        _record(args.name)  # an unknown name fails here, quickly, when the shipped registry is current
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
    if args.name.endswith(".py") or ".py:" in args.name:  # a user's model file (derivations.usermodel)
        from derivations.usermodel import simulate_file

        result = simulate_file(args.name, parse_assignments(args.params), args.event, args.out)
        if args.json:
            print(dumps(result))
        else:
            for group in ("final", "events", "settings"):
                print(f"{group}:")
                for key, value in result[group].items():
                    print(f"{key:>24}: {'never' if value is None else value}")
        return 0
    if args.event:
        raise UsageError("--event applies to a model file (simulate FILE.py[:NAME])")
    exp = get_experiment(args.name)
    params = parse_assignments(args.params)
    if args.out is not None:  # checked before the run: a bad path must not cost the work and then lose it
        from derivations.simulate import check_output_path

        if not exp.trajectory:
            raise UsageError(f"simulate {exp.name} has no trajectory to write (--out)")
        check_output_path(args.out)
    result = exp(**params)
    trajectory = result.pop("trajectory", None)
    if args.out is not None:
        try:
            trajectory.write(args.out)
        except OSError as exc:  # the folder changed during the run
            raise UsageError(f"out: cannot write {args.out!r}: {exc.strerror or exc}") from None
    if args.json:
        print(dumps(result))
    else:
        for key, value in result.items():
            if not isinstance(value, (list, dict, np.ndarray)):
                print(f"{key:>24}: {value}")
    return 0


class _Version(argparse.Action):
    """``--version``, looked up only when asked (importing importlib.metadata costs every command 70 ms)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help="print the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *args: object) -> NoReturn:
        from importlib.metadata import PackageNotFoundError, version

        try:
            installed = version("circuit-competition")
        except PackageNotFoundError:
            installed = "unknown (not installed)"
        parser.exit(message=f"{parser.prog} {installed}\n")


class _Parser(argparse.ArgumentParser):
    """Usage mistakes as one line, like every other error (argparse would print the whole usage block)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def build_parser(chosen: str | None = None) -> argparse.ArgumentParser:
    """The argument parser. Of the extra commands only ``chosen`` is imported, to add its arguments;
    the others are listed with their help."""
    parser = _Parser(
        prog="circuitcomp",
        description="Circuit competition as runnable mathematics: registered formulas, derived closed forms, "
        "simulations of grokking and its relatives, and the papers' figures.",
        epilog="examples:\n"
        "  circuitcomp show grokking.t_generalize\n"
        "  circuitcomp eval grokking.critical_data_size c_m=0.1 c_g=5 --json\n"
        "  circuitcomp simulate grokking data_ratio=2 weight_decay=0.01 --json\n"
        "  circuitcomp simulate grokking retrain_ratio=0.5 --out run.csv   # ungrokking\n"
        "  circuitcomp figures --fast\n"
        "bad input exits with code 2 and a one-line message.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action=_Version)
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
    p = sub.add_parser("simulate", help="run a simulation (no NAME: list experiments and their parameters; "
                       "NAME = FILE.py[:MODEL]: a model of your own)")
    p.add_argument("name", nargs="?")
    p.add_argument("params", nargs="*", metavar="key=value")
    p.add_argument("--json", action="store_true")
    p.add_argument("--out", help="write the trajectory (.csv or .npz)")
    p.add_argument("--event", action="append", default=[], metavar="NAME=OBSERVABLE>THRESHOLD",
                   help="with a model FILE.py: record when OBSERVABLE first goes above (>) or below (<) THRESHOLD")
    p.set_defaults(handler=_cmd_simulate)
    for name, (_, help) in EXTRA.items():
        p = sub.add_parser(name, help=help)
        if name == chosen:
            extra = resolve(name)
            extra.configure(p)
            p.set_defaults(handler=extra.handler)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser(chosen=argv[0] if argv and argv[0] in EXTRA else None).parse_args(argv)
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
