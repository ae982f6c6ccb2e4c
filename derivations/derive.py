"""``circuitcomp derive FILE.py[:NAME] [--solve-for SYMBOL] [--json]``: the analysis of a user's model.

Prints the flow, the fixed points with eigenvalues and stability conditions, the invasion rates, the
conserved quantities (text only) and, with ``--solve-for``, the critical value of that parameter. JSON keys:
model, flow, fixed_points, invasion_rates, critical; every expression is ``{"expr": ..., "latex": ...}``,
``expr`` a string that ``sympy.sympify`` parses back given the model's symbols by name (``locals``: a name
such as ``gamma`` would otherwise read as SymPy's function).
"""

from __future__ import annotations

import argparse

import sympy as sp


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", metavar="FILE.py[:NAME]", help="a Python file defining theory.dynamics.Model(s)")
    parser.add_argument("--solve-for", metavar="SYMBOL",
                        help="a parameter: the value at which an invasion rate vanishes (the winner changes)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def expression(expr: sp.Basic) -> dict[str, str]:
    """The one shape of every expression in the output."""
    from theory.symbols import latex

    return {"expr": sp.sstr(expr), "latex": latex(expr)}


def derive(spec: str, solve_for: str | None = None) -> tuple[dict, list[str]]:
    """The JSON-ready analysis of the model in ``spec`` (``FILE.py[:NAME]``), and its conserved quantities
    (printed in the text output)."""
    from derivations.analysis import analyse, critical_value
    from derivations.usermodel import load_model

    model = load_model(spec)
    symbol = None
    if solve_for is not None:
        by_name = {s.name: s for s in model.params}
        if solve_for not in by_name:
            raise ValueError(f"--solve-for: unknown symbol {solve_for!r}; model {model.name} has parameters "
                             f"{', '.join(by_name)}")
        symbol = by_name[solve_for]
    result = analyse(model)
    return {
        "model": model.name,
        "flow": {u.name: expression(e) for u, e in result.flow.items()},
        "fixed_points": [{
            "label": fp.label,
            "state": {s.name: expression(v) for s, v in fp.state.items()},
            "absent": list(fp.absent),
            "eigenvalues": [expression(e) for e in fp.eigenvalues],
            "stable_when": [expression(c) for c in fp.stable_when],
        } for fp in result.fixed_points],
        "invasion_rates": [{"at": inv.at, "circuit": inv.circuit, "rate": expression(inv.rate)}
                           for inv in result.invasion_rates],
        "critical": {} if symbol is None else {symbol.name: expression(critical_value(result, symbol))},
    }, [sp.sstr(c) for c in result.conserved]


def _print_text(out: dict, conserved: list[str]) -> None:
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
    if conserved:
        print("conserved along the flow:")
        for c in conserved:
            print(f"  {c}")
    for name, e in out["critical"].items():
        print(f"critical {name} = {e['expr']}")


def handler(args: argparse.Namespace) -> int:
    from derivations.cli import dumps

    try:
        out, conserved = derive(args.model, args.solve_for)
    except ArithmeticError as exc:  # SymPy's own refusals, reported like any bad input
        raise ValueError(str(exc).splitlines()[0]) from None
    if args.json:
        print(dumps(out))
    else:
        _print_text(out, conserved)
    return 0
