"""``circuitcomp claims``: the sources' claims with their verdicts; ``show ID``; ``check ID|FILE.py``.

Listing, ``show`` and ``--markdown`` read the shipped verdicts (instant; a note on stderr when they were
computed from other sources). ``check`` re-runs a check now: a registered claim by id, or every claim a
Python file defines. Exit 0 when every check ran, whatever the verdicts; 2 on bad input (unknown id, a file
that does not load or defines no claim, an empty domain, a body that raises), with one line.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

VERDICT_WORDS = ("proved", "holds", "conditional", "fails")
# In the current folder, like the figures: `--markdown -` prints the page instead.
DEFAULT_MARKDOWN = Path("circuitcomp-claims.md")


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the ``claims`` options and its ``show`` / ``check`` actions to ``parser``."""
    parser.description = ("The source documents' and papers' claims as checkable propositions, each with a verdict: "
                          "proved (SymPy), holds (no counterexample found), conditional, fails (counterexample).")
    parser.add_argument("--json", action="store_true", help='print {"claims": [{"id", "statement", "source", '
                        '"verdict", "about", ...}]}')
    parser.add_argument("--verdict", choices=VERDICT_WORDS, help="only claims with this verdict")
    parser.add_argument("--source", metavar="TEXT", help="only claims whose source contains TEXT (any case)")
    parser.add_argument("--markdown", nargs="?", const=str(DEFAULT_MARKDOWN), metavar="FILE",
                        help=f"write the report with each verdict's evidence (default ./{DEFAULT_MARKDOWN}; "
                        "'-' prints it)")
    actions = parser.add_subparsers(dest="action", metavar="[show ID | check ID|FILE.py]")
    show = actions.add_parser("show", help="statement, source, formulas, reading, verdict and evidence of a claim")
    show.add_argument("id")
    # SUPPRESS: an action's --json must not reset the one given before the action (`claims --json check ID`).
    show.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="the claim's record as JSON")
    check = actions.add_parser("check", help="re-run a registered claim's check, or every claim of FILE.py, now")
    check.add_argument("target", metavar="ID|FILE.py")
    check.add_argument("--examples", type=int, metavar="N", help="search size (default: each claim's own)")
    check.add_argument("--seed", type=int, default=0, metavar="S", help="search seed (default 0)")
    check.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                       help='print {"claims": [{"id", "statement", "verdict", "examples", "counterexample", '
                       '"values", ...}]}')


def handler(args: argparse.Namespace) -> int:
    """Run ``claims`` with parsed ``args``; bad input raises ValueError or KeyError (exit 2)."""
    if args.action == "show":
        return _show(args)
    if args.action == "check":
        return _check(args)
    return _list(args)


def _shipped_records() -> tuple[list[dict], bool]:
    """The shipped records (a note on stderr if stale); computed now, with progress, if the file is missing."""
    from derivations.claims import registered, shipped

    found = shipped.read()
    if found is not None:
        if not found.current:
            shipped.warn_stale()
        return found.records, found.current
    print(f"circuitcomp: note: {shipped.PATH.name} is missing; checking every claim now "
          f"(`{shipped.REGENERATE}` writes it)", file=sys.stderr)
    return shipped.compute(registered(), progress=lambda line: print(line, file=sys.stderr, flush=True)), True


def _list(args: argparse.Namespace) -> int:
    from derivations.cli import dumps

    if args.markdown is not None and args.markdown != "-":
        target = Path(args.markdown)
        if not target.parent.is_dir():  # checked before any work
            raise ValueError(f"markdown: folder {target.parent} does not exist")
    records, current = _shipped_records()
    if args.verdict:
        records = [r for r in records if r["verdict"] == args.verdict]
    if args.source:
        records = [r for r in records if args.source.lower() in r.get("source", "").lower()]
    if args.markdown is not None:
        from derivations.claims.report import page

        text = page(records, current)
        if args.markdown == "-":
            print(text, end="")
            return 0
        from derivations.atomic import atomic_open

        try:
            with atomic_open(args.markdown, "w", encoding="utf-8") as fh:
                fh.write(text)
        except OSError as exc:
            raise ValueError(f"markdown: cannot write {args.markdown!r}: {exc.strerror or exc}") from None
        print(Path(args.markdown).resolve())
        return 0
    if args.json:
        print(dumps({"claims": records}))
        return 0
    if not records:
        print("no claims match", file=sys.stderr)
        return 0
    width = max(len(r["id"]) for r in records)
    print(f"{'id':<{width}}  {'verdict':<11}  statement  [source]")
    for r in records:
        print(f"{r['id']:<{width}}  {r['verdict']:<11}  {r['statement']}  [{r.get('source', '')}]")
    return 0


def _record(name: str) -> dict:
    """The claim's shipped record, or its record computed now if it is registered but not shipped."""
    from derivations.claims import registered, shipped
    from derivations.claims.registry import unknown_claim

    found = shipped.read()
    if found is not None and name in found.by_id():
        if not found.current:
            shipped.warn_stale()
        return found.by_id()[name]
    claims = {c.id: c for c in registered()}
    if name not in claims:
        known = sorted(claims.keys() | (found.by_id().keys() if found else set()))
        raise unknown_claim(name, known)
    return shipped.record(claims[name])


def _formula_line(name: str) -> str:
    from derivations.cache import shipped_records

    records = shipped_records()
    if records is None:
        from theory.registry import get

        try:
            return f"{name} = {get(name).expr}"
        except KeyError:
            return f"{name} (an experiment)"
    return f"{name} = {records[name]['expression']}" if name in records else f"{name} (an experiment)"


def _show(args: argparse.Namespace) -> int:
    from derivations.cli import dumps

    r = _record(args.id)
    if args.json:
        print(dumps(r))
        return 0
    print(f"{r['id']}: {r['statement']}")
    print(f"  source:    {r.get('source') or '(not given)'}")
    for name in r.get("about") or []:
        print(f"  formula:   {_formula_line(name)}")
    if r.get("reading"):
        print(f"  reading:   {r['reading']}")
    for key, label in (("domain", "domain"), ("holds_on", "holds on")):
        if r.get(key):
            print(f"  {label + ':':<10} " + ", ".join(f"{k} in {v}" for k, v in r[key].items()))
    _print_verdict(r)
    return 0


def _print_verdict(r: dict) -> None:
    evidence = r.get("evidence") or {}
    print(f"  verdict:   {r['verdict']}")
    for key in ("proof", "sub_proof"):
        proof = evidence.get(key)
        if proof and (r["verdict"] == "proved" or key == "sub_proof" or evidence.get("sub_method") == "proof"):
            for step in proof["steps"]:
                print(f"    {step['text']}: {step['expr']}")
    if r["verdict"] != "proved":
        print(f"  searched:  {evidence.get('examples', r.get('examples', 0))} points, seed {evidence.get('seed', 0)}"
              + (f"; sub-domain: {evidence['sub_examples']} points" if "sub_examples" in evidence else ""))
    if r.get("counterexample") is not None:
        where = "counterexample outside the sub-domain" if r["verdict"] == "conditional" else "counterexample"
        print(f"  {where}: " + ", ".join(f"{k}={v!r}" for k, v in r["counterexample"].items()))
        if r.get("values"):
            print(f"  {'values there:':<{len(where) + 1}} " + ", ".join(f"{k}={v!r}" for k, v in r["values"].items()))
    if evidence.get("note"):
        print(f"  note:      {evidence['note']}")


def _check(args: argparse.Namespace) -> int:
    from derivations.claims import get_claim, load_file
    from derivations.cli import dumps

    if args.examples is not None and args.examples < 1:
        raise ValueError(f"examples must be a positive integer, got {args.examples}")
    if args.seed < 0:
        raise ValueError(f"seed must be a nonnegative integer, got {args.seed}")
    target = args.target
    claims = load_file(target) if target.endswith(".py") or Path(target).is_file() else [get_claim(target)]
    verdicts = [c.check(args.examples, args.seed) for c in claims]
    if args.json:
        print(dumps({"claims": [v.as_dict() for v in verdicts]}))
        return 0
    for c, v in zip(claims, verdicts):
        print(f"{c.id}: {c.statement}")
        _print_verdict(v.as_dict())
    return 0
