"""``circuitcomp derive FILE.py[:NAME] [key=value ...] [--solve-for SYMBOL] [--json]``: the analysis of a
user's model.

Prints the flow, the fixed points with eigenvalues and stability conditions, the invasion rates, the
conserved quantities and, with ``--solve-for``, the critical value of that parameter. When SymPy cannot solve
for the fixed points, the ``key=value`` parameter values (defaults from the model) let them be found
numerically, with numeric eigenvalues and stability. JSON keys: model, flow, fixed_points, invasion_rates,
critical, conserved; every expression is ``{"expr": ..., "latex": ...}``, ``expr`` a string that
``sympy.sympify`` parses back given the model's symbols by name (``locals``: a name such as ``gamma`` would
otherwise read as SymPy's function). A user's symbols are typeset by their own names, even where the package
declares a symbol of the same name.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from functools import partial

import sympy as sp


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", metavar="FILE.py[:NAME]", help="a Python file defining theory.dynamics.Model(s)")
    parser.add_argument("values", nargs="*", metavar="key=value",
                        help="parameter values, used to find the fixed points numerically if SymPy cannot solve them")
    parser.add_argument("--solve-for", metavar="SYMBOL",
                        help="a parameter: the value at which an invasion rate vanishes (the winner changes)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def expression(expr: sp.Basic, own_names: bool = False) -> dict[str, str]:
    """The one shape of every expression in the output; LaTeX with the package's names for its declared
    symbols, or (``own_names``) every symbol by its own name."""
    from theory.symbols import latex

    return {"expr": sp.sstr(expr), "latex": sp.latex(expr) if own_names else latex(expr)}


def derive(spec: str, solve_for: str | None = None, values: Mapping[str, str] | None = None
           ) -> tuple[dict, list[str]]:
    """The JSON-ready analysis of the model in ``spec`` (``FILE.py[:NAME]``) and its conserved quantities as
    strings; ``values`` (by parameter name) serve when SymPy cannot solve for the fixed points."""
    from derivations.analysis import NotSolvedSymbolically, analyse, critical_value
    from derivations.usermodel import from_user_file, load_model

    model = load_model(spec)
    symbol = None
    if solve_for is not None:
        by_name = {s.name: s for s in model.params}
        if solve_for not in by_name:
            raise ValueError(f"--solve-for: unknown symbol {solve_for!r}; model {model.name} has parameters "
                             f"{', '.join(by_name)}")
        symbol = by_name[solve_for]
    try:
        result = analyse(model, values or None)
    except NotSolvedSymbolically as exc:
        raise ValueError(f"model {model.name}: {exc.reason}; give parameter values (name=value ...) to find the "
                         "fixed points numerically") from None
    if symbol is not None and result.numeric:
        raise ValueError(f"--solve-for {symbol}: SymPy did not solve for the fixed points, so there is no "
                         f"expression in {symbol} to solve (the numeric ones hold at the given values only)")
    ex = partial(expression, own_names=from_user_file(model))
    return {
        "model": model.name,
        "flow": {u.name: ex(e) for u, e in result.flow.items()},
        "fixed_points": [{
            "label": fp.label,
            "state": {s.name: ex(v) for s, v in fp.state.items()},
            "absent": list(fp.absent),
            "eigenvalues": [ex(e) for e in fp.eigenvalues],
            "stable_when": [ex(c) for c in fp.stable_when],
        } for fp in result.fixed_points],
        "invasion_rates": [{"at": inv.at, "circuit": inv.circuit, "rate": ex(inv.rate)}
                           for inv in result.invasion_rates],
        "critical": {} if symbol is None else {symbol.name: ex(critical_value(result, symbol))},
        "conserved": [ex(c) for c in result.conserved],
    }, [sp.sstr(c) for c in result.conserved]


def _print_text(out: dict) -> None:
    print(f"model {out['model']}")
    print("flow:")
    for name, e in out["flow"].items():
        print(f"  d{name}/dt = {e['expr']}")
    print("fixed points:")
    for fp in out["fixed_points"]:
        where = ", ".join(f"{k} = {v['expr']}" for k, v in fp["state"].items())
        print(f"  {fp['label']}: {where}")
        print(f"    eigenvalues: {', '.join(e['expr'] for e in fp['eigenvalues']) or 'not found by SymPy'}")
        print(f"    stable when: {' and '.join(c['expr'] for c in fp['stable_when'])}")
    if out["invasion_rates"]:
        print("invasion rates (growth rate of an absent circuit):")
        for inv in out["invasion_rates"]:
            print(f"  {inv['circuit']} at {inv['at']}: {inv['rate']['expr']}")
    if out["conserved"]:
        print("conserved along the flow:")
        for c in out["conserved"]:
            print(f"  {c['expr']}")
    for name, e in out["critical"].items():
        print(f"critical {name} = {e['expr']}")


def handler(args: argparse.Namespace) -> int:
    from derivations.cli import dumps, parse_assignments

    try:
        out, _ = derive(args.model, args.solve_for, parse_assignments(args.values))
    except ArithmeticError as exc:  # SymPy's own refusals, reported like any bad input
        raise ValueError(str(exc).splitlines()[0]) from None
    if args.json:
        print(dumps(out))
    else:
        _print_text(out)
    return 0
