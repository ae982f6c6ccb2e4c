"""The claims as Markdown (math in ``$...$``): one claim, one verdict, or the whole report page.

Everything works from JSON records (``Claim.as_dict()`` merged with ``Verdict.as_dict()``), so the page is
written from the shipped verdicts without importing the catalog.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from functools import cache

import sympy as sp

from derivations.claims.outcome import VERDICTS

MEANING = {
    "proved": "a symbolic argument in SymPy; its steps are shown",
    "holds": "a seeded hypothesis search over the stated domain found no counterexample (evidence, not proof)",
    "conditional": "holds on a stated sub-domain (proved or searched) and fails outside it, with a counterexample",
    "fails": "a counterexample, shrunk by hypothesis, with the values computed there",
}


def symbol(name: str) -> str:
    """LaTeX of a parameter name: ``alpha`` -> ``\\alpha``, ``N_c`` -> ``N_{c}``, ``data_ratio`` upright."""
    if name == "lam" or name.startswith("lam_"):  # the package's spelling of lambda (a Python keyword)
        name = "lambda" + name[3:]
    base = name.partition("_")[0]
    if len(base) == 1 or sp.latex(sp.Symbol(base)).startswith("\\"):  # a letter or a Greek name
        return sp.latex(sp.Symbol(name))
    escaped = name.replace("_", r"\_")
    return rf"\mathrm{{{escaped}}}"


def number(value: object) -> str:
    """A value as LaTeX: ``6.02 \\times 10^{23}``, ``\\infty``, or the text of a non-number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return rf"\text{{{value}}}"
    if isinstance(value, float) and math.isinf(value):
        return r"\infty" if value > 0 else r"-\infty"
    text = f"{value:.6g}"
    mantissa, _, exponent = text.partition("e")
    return rf"{mantissa} \times 10^{{{int(exponent)}}}" if exponent else text


def assignments(point: Mapping[str, object]) -> str:
    """``$\\alpha = 3.1$, $N = 10^{9}$``."""
    parts = []
    for name, value in point.items():
        shown = ", ".join(number(v) for v in value) if isinstance(value, list) else number(value)
        parts.append(f"${symbol(name)} = {shown}$")
    return ", ".join(parts)


def intervals(domain: Mapping[str, str]) -> str:
    """``$\\alpha$ in [2.8, 3.5], $N$ in [1, 100] (log-uniform)``."""
    return ", ".join(f"${symbol(k)}$ in {v}" for k, v in domain.items())


@cache
def _formula_latex(name: str) -> str | None:
    """The registered formula's LaTeX (from the shipped registry when current), or None for another name."""
    from derivations.cache import shipped_records

    records = shipped_records()
    if records is not None:
        return records[name]["latex"] if name in records else None
    from theory.registry import get

    try:
        return get(name).latex
    except KeyError:
        return None


def _cell(text: object) -> str:
    return str(text).replace("|", r"\|").replace("\n", " ")


def claim_markdown(record: Mapping) -> str:
    """What a claim says: statement, source, formulas involved, reading, domain."""
    lines = [f"**{record['id']}**: {record['statement']}", "", f"- Source: {record.get('source') or '(not given)'}"]
    about = record.get("about") or []
    if about:
        shown = []
        for name in about:
            tex = _formula_latex(name)
            shown.append(f"`{name}`" + (f" $= {tex}$" if tex else ""))
        lines.append(f"- About: {'; '.join(shown)}")
    if record.get("reading"):
        lines.append(f"- Reading: {record['reading']}")
    for key, label in (("domain", "Domain"), ("holds_on", "Stated to hold on")):
        if record.get(key):
            lines.append(f"- {label}: {intervals(record[key])}")
    return "\n".join(lines) + "\n"


def _steps(proof: Mapping) -> list[str]:
    out = []
    for i, step in enumerate(proof.get("steps", []), 1):
        math_text = f"${step['latex']}$" if step.get("latex") else f"`{step['expr']}`"
        out.append(f"  {i}. {step['text']}: {math_text}")
    return out


def verdict_markdown(record: Mapping) -> str:
    """The verdict with its evidence: proof steps, search size, counterexample and the values there."""
    evidence = record.get("evidence") or {}
    word = record["verdict"]
    lines = [f"**Verdict: {word}**: {MEANING[word]}."]
    method = evidence.get("method")
    if word == "proved":
        lines.append(f"- {'Proof given with the claim' if method == 'proof' else 'SymPy proof of the relation'}:")
        lines += _steps(evidence.get("proof", {}))
    else:
        lines.append(f"- Search: {evidence.get('examples', record.get('examples', 0))} points of the domain, "
                     f"seed {evidence.get('seed', 0)}.")
    if word == "conditional":
        how = evidence.get("sub_method")
        sub = intervals(evidence.get("sub_domain") or {})
        if how == "proof":
            lines.append(f"- On the sub-domain ({sub}), proved:")
            lines += _steps(evidence.get("sub_proof") or evidence.get("proof") or {})
        else:
            lines.append(f"- On the sub-domain ({sub}): no counterexample in {evidence.get('sub_examples', 0)} points.")
    if record.get("counterexample") is not None:
        where = "Counterexample outside the sub-domain" if word == "conditional" else "Counterexample"
        lines.append(f"- {where}: {assignments(record['counterexample']) or '(no arguments)'}")
        if record.get("values"):
            lines.append(f"- Computed there: {assignments(record['values'])}")
    if evidence.get("note"):
        lines.append(f"- Note: {evidence['note']}.")
    return "\n".join(lines) + "\n"


def page(records: Sequence[Mapping], current: bool = True) -> str:
    """The report: a summary, the table, then each claim with its verdict and evidence."""
    counts = {w: sum(r["verdict"] == w for r in records) for w in VERDICTS}
    lines = ["# Claims and their verdicts", "",
             f"{len(records)} claims: " + ", ".join(f"{counts[w]} {w}" for w in VERDICTS) + ".", ""]
    lines += [f"- **{w}**: {MEANING[w]}." for w in VERDICTS]
    if not current:
        lines += ["", "*These verdicts were computed from an earlier version of the sources; "
                      "`python -m derivations.claims --regenerate` recomputes them.*"]
    lines += ["", "| id | verdict | statement | source |", "|---|---|---|---|"]
    lines += [f"| [{r['id']}](#{r['id'].replace('.', '')}) | {r['verdict']} | {_cell(r['statement'])} | "
              f"{_cell(r.get('source', ''))} |" for r in records]
    for r in records:
        lines += ["", f"## {r['id']}", "", claim_markdown(r), verdict_markdown(r)]
    return "\n".join(lines).rstrip() + "\n"
