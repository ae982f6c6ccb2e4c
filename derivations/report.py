"""``circuitcomp report``: the derivation report, one Markdown page per family (math in ``$...$``).

For every registered formula: its description, expression (LaTeX and plain), parameters with domains,
constraints, divergences, source, how it was derived (the record ``theory.registry.register`` keeps),
the figures that name it and the claims about it. The records come from the registry shipped in
``derivations/derived.json`` when it matches the sources, so a report imports no formula family.

Figures are found by a static scan of the figure modules (nothing is drawn or imported): a figure uses
a formula when its compute or plot function, or a module-level helper or constant they refer to, names
it in a string (or in an f-string such as ``f"scaling.{name}"``, filled with the string constants
beside it). Formulas a figure reaches only through other modules (a simulation that evaluates them)
are not listed.

Pages are byte-stable: sorted, no dates, no absolute paths.
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path

DEFAULT_OUT = Path("circuitcomp-report")

# Registry name prefixes by family page; a prefix not listed gets a page of its own.
FAMILIES = {
    "grokking": ("Grokking", ("circuits", "grokking", "huang")),
    "double_descent": ("Double descent", ("double_descent",)),
    "scaling": ("Scaling laws", ("decomposition", "scaling", "fit")),
    "emergence": ("Emergence", ("emergence",)),
}
_FAMILY_OF_PREFIX = {prefix: family for family, (_, prefixes) in FAMILIES.items() for prefix in prefixes}

# How each kind of record reads on a page (one per theory.registry.KINDS).
_HOW = {
    "definition": "Stated by its source (a definition, not derived here)",
    "solve": "Solved for {unknown}",
    "limit": "Taken as a limit",
    "integral": "Integrated",
    "summation": "Summed",
    "derivative": "Differentiated",
    "flow": "From the model's gradient flow, derived with `sympy.diff`",
    "substitution": "By substitution into",
    "composition": "Composed from other registered formulas",
    "numerical": "Evaluated numerically, with no closed form, from",
    "fit": "Fitted to data",
}


def family_of(name: str) -> str:
    """The page a formula belongs to, from its name's prefix."""
    prefix = name.split(".", 1)[0]
    return _FAMILY_OF_PREFIX.get(prefix, prefix)


def records() -> list[dict]:
    """Every registered formula's ``as_dict()``, sorted by name (shipped when current, else imported)."""
    from derivations.cache import shipped_records

    shipped = shipped_records()
    if shipped is not None:
        return [shipped[name] for name in sorted(shipped)]
    from theory.registry import formulas

    return [f.as_dict() for f in formulas()]


# --- figures: a static scan of figures/*.py ----------------------------------------------------------------


def _scan(node: ast.AST) -> tuple[set[str], list[list[ast.expr]], set[str]]:
    """String constants, f-strings that spell a family prefix (``f"huang.crossing_{k}_size"``), and names
    loaded, in the body of ``node`` (the whole of a module-level assignment)."""
    constants, templates, loaded = set(), [], set()
    body = node.body if isinstance(node, (ast.FunctionDef, ast.ClassDef)) else [node]
    for child in (c for part in body for c in ast.walk(part)):
        if isinstance(child, ast.JoinedStr):
            head = child.values[0] if child.values else None
            if isinstance(head, ast.Constant) and "." in head.value:
                templates.append(child.values)
        elif isinstance(child, ast.Constant) and isinstance(child.value, str):
            constants.add(child.value)
        elif isinstance(child, ast.Name) and isinstance(child.ctx, ast.Load):
            loaded.add(child.id)
    return constants, templates, loaded


def _mentions(constants: set[str], templates: list[list[ast.expr]], names: frozenset[str]) -> set[str]:
    """The registered ``names`` among ``constants``, or spelled by a template whose holes are ``constants``
    (the loop values beside it), nothing else."""
    found = constants & names
    hole = "(?:" + "|".join(sorted(map(re.escape, constants))) + ")"
    for values in templates:
        pattern = re.compile("".join(re.escape(v.value) if isinstance(v, ast.Constant) else hole for v in values))
        found |= {n for n in names if pattern.fullmatch(n)}
    return found


def _figure_name(decorator: ast.expr) -> str | None:
    """``"NAME"`` of a ``@figure("NAME", ...)`` decorator."""
    if (isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Name) and decorator.func.id == "figure"
            and decorator.args and isinstance(decorator.args[0], ast.Constant)):
        return decorator.args[0].value
    return None


def _plot_of(decorator: ast.expr) -> str | None:
    """``compute`` of a ``@compute.plot`` decorator."""
    if isinstance(decorator, ast.Attribute) and decorator.attr == "plot" and isinstance(decorator.value, ast.Name):
        return decorator.value.id
    return None


@cache  # a figure module is read once per process, however many reports are written
def _module_uses(source: str, names: frozenset[str]) -> dict[str, set[str]]:
    """Figure name -> the registered ``names`` its functions and the module-level code they use mention."""
    tree = ast.parse(source)
    top: dict[str, list[ast.AST]] = {}  # module-level definitions and assignments, by the name they bind
    figures: dict[str, list[ast.AST]] = {}  # figure name -> its compute and plot functions
    compute_of: dict[str, str] = {}  # compute function name -> figure name
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            top.setdefault(node.name, []).append(node)
            for decorator in node.decorator_list:
                if (figure := _figure_name(decorator)) is not None:
                    compute_of[node.name] = figure
                    figures.setdefault(figure, []).append(node)
                elif (compute := _plot_of(decorator)) in compute_of:
                    figures[compute_of[compute]].append(node)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for bound in ast.walk(target):
                    if isinstance(bound, ast.Name):
                        top.setdefault(bound.id, []).append(node)
    scans: dict[int, tuple] = {}  # id(node) -> _scan(node): module-level helpers are shared between figures
    uses = {}
    for figure, nodes in figures.items():
        constants, templates = set(), []
        pending, seen = list(nodes), set()
        while pending:  # the figure's functions and every module-level definition they refer to, transitively
            node = pending.pop()
            if id(node) not in seen:
                seen.add(id(node))
                if id(node) not in scans:
                    scans[id(node)] = _scan(node)
                found, spelled, loaded = scans[id(node)]
                constants |= found
                templates += spelled
                pending += [d for name in sorted(loaded) for d in top.get(name, ())]
        uses[figure] = _mentions(constants, templates, names)
    return uses


def figure_uses(names: Iterable[str]) -> dict[str, list[str]]:
    """Formula name -> the figures whose own code names it (sorted), from the figure modules' sources."""
    names = frozenset(names)
    spec = importlib.util.find_spec("figures")
    folders = list(spec.submodule_search_locations or ()) if spec else []
    by_formula: dict[str, set[str]] = {}
    for folder in folders:
        for path in sorted(Path(folder).glob("*.py")):
            source = path.read_text(encoding="utf-8")
            if "@figure(" not in source:  # machinery, not figures: no need to parse it
                continue
            for figure, found in _module_uses(source, names).items():
                for name in found:
                    by_formula.setdefault(name, set()).add(figure)
    return {name: sorted(figs) for name, figs in sorted(by_formula.items())}


# --- claims -------------------------------------------------------------------------------------------------


def claims_about() -> dict[str, list[dict]]:
    """Formula name -> the claims about it, each ``{id, statement, source, verdict}``, by id.

    From the shipped verdicts when they are current (no claim module imported); otherwise from the claims
    registry, with a shipped verdict marked stale and a claim without one "not checked". Empty when the
    package has no claims.
    """
    try:
        from derivations.claims import registered
        from derivations.claims.shipped import read
    except ImportError:
        return {}
    shipped = read()
    if shipped is not None and shipped.current:
        claims = shipped.records
    else:
        verdicts = shipped.by_id() if shipped is not None else {}
        claims = [{**c.as_dict(), "verdict": f"{verdicts[c.id]['verdict']}, possibly stale" if c.id in verdicts
                   else "not checked"} for c in registered()]
    by_formula: dict[str, list[dict]] = {}
    for c in sorted(claims, key=lambda c: c["id"]):
        entry = {key: c[key] for key in ("id", "statement", "source", "verdict")}
        for name in c["about"]:
            by_formula.setdefault(name, []).append(entry)
    return by_formula


# --- Markdown -------------------------------------------------------------------------------------------------


def _cell(text: str) -> str:
    """Text for a Markdown table cell: one line, pipes escaped."""
    return " ".join(str(text).split()).replace("|", r"\|")


def _display(latex: str) -> list[str]:
    return ["$$", latex, "$$"]


def _derivation_lines(derivation: Mapping) -> list[str]:
    how = _HOW[derivation["kind"]].format(unknown=f"${derivation['unknown_latex']}$")
    lines = [f"**How it was obtained:** {how}" + (":" if derivation["latex"] else ".")]
    if derivation["latex"]:
        lines += ["", *_display(derivation["latex"]), ""]
        unknown = f", for `{derivation['unknown']}`" if derivation["unknown"] else ""
        lines.append(f"Plain: `{derivation['expression']}`{unknown}")
    details = []
    if derivation["model"]:
        details.append(f"Model: `{derivation['model']}`")
    if derivation["from_formulas"]:
        details.append("From " + ", ".join(f"[`{n}`]({_link(n)})" for n in derivation["from_formulas"]))
    if derivation["note"]:
        details.append(derivation["note"][:1].upper() + derivation["note"][1:])
    if details:
        lines += ["", ". ".join(details) + "."]
    return lines


def _anchor(name: str) -> str:
    """GitHub's anchor for a heading `` `name` ``: lower case, punctuation other than - and _ dropped."""
    return re.sub(r"[^\w\- ]", "", name.lower()).replace(" ", "-")


def _link(name: str) -> str:
    return f"{family_of(name)}.md#{_anchor(name)}"


def formula_markdown(record: Mapping, figures: Sequence[str] = (), claims: Sequence[Mapping] = ()) -> str:
    """One formula's section: ``record`` is its ``as_dict()``; ``figures`` and ``claims`` are listed if given."""
    lines = [f"### `{record['name']}`", "", record["description"], "", *_display(record["latex"]), "",
             f"Plain: `{record['expression']}`", ""]
    if record["parameters"]:
        lines += ["| parameter | domain | unit | meaning |", "|---|---|---|---|"]
        lines += [f"| `{p['name']}` | `{_cell(p['domain'])}` | {_cell(p['unit'])} | {_cell(p['description'])} |"
                  for p in record["parameters"]]
        lines.append("")
    lines += [f"- Applies when: {c}" for c in record["constraints"]]
    if record["diverges"]:
        lines.append(f"- Diverges: {record['diverges']}")
    lines += [f"- Source: {record['source']}", ""]
    lines += _derivation_lines(record["derivation"])
    if figures:
        lines += ["", "**Figures:** " + ", ".join(f"`{f}`" for f in figures)]
    if claims:
        lines += ["", "**Claims:**", ""]
        lines += [f"- `{c['id']}` ({c['verdict']}): {c['statement']} ({c['source']})" for c in claims]
    return "\n".join(lines).rstrip("\n") + "\n"


def _title(family: str) -> str:
    return FAMILIES[family][0] if family in FAMILIES else family


def family_page(family: str, entries: Sequence[Mapping], figures: Mapping[str, Sequence[str]],
                claims: Mapping[str, Sequence[Mapping]]) -> str:
    """The page of one family: a contents list, then each formula's section, in name order."""
    derived = sum(1 for r in entries if r["derivation"]["kind"] != "definition")
    lines = [f"# {_title(family)}: formulas and how they were derived", "",
             f"{len(entries)} registered formulas: {derived} derived here, {len(entries) - derived} stated by "
             "their sources. Written by `circuitcomp report`.", ""]
    lines += [f"- [`{r['name']}`](#{_anchor(r['name'])}): {r['description']}" for r in entries]
    for r in entries:
        lines += ["", formula_markdown(r, figures.get(r["name"], ()), claims.get(r["name"], ())).rstrip("\n")]
    return "\n".join(lines) + "\n"


def index_page(pages: Mapping[str, Sequence[Mapping]]) -> str:
    """The report's front page: one line per family page."""
    lines = ["# Derivation report", "",
             "Every registered formula, by family: what it is, where it holds, its source, how it was "
             "derived (the equation solved, the limit taken, the integral, the flow it came from), the "
             "figures that draw it and the claims about it. Written by `circuitcomp report`.", ""]
    lines += [f"- [{_title(f)}]({f}.md): {len(entries)} formulas" for f, entries in sorted(pages.items())]
    return "\n".join(lines) + "\n"


def pages() -> dict[str, str]:
    """File name -> Markdown content of the whole report."""
    entries = records()
    by_family: dict[str, list[dict]] = {}
    for r in entries:
        by_family.setdefault(family_of(r["name"]), []).append(r)
    figures = figure_uses(r["name"] for r in entries)
    claims = claims_about()
    out = {f"{family}.md": family_page(family, rs, figures, claims) for family, rs in sorted(by_family.items())}
    out["README.md"] = index_page(by_family)
    return out


def write_report(out: Path) -> list[Path]:
    """Write the report's pages into the folder ``out`` (each atomically); the paths written, sorted."""
    from derivations.atomic import atomic_open

    written = []
    for name, text in sorted(pages().items()):
        with atomic_open(out / name, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        written.append(out / name)
    return written


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the ``report`` options to ``parser``."""
    parser.description = "Write the derivation report: one Markdown page per family (math in $...$)."
    parser.add_argument("--out", default=str(DEFAULT_OUT),
                        help=f"output folder, created if missing (default: ./{DEFAULT_OUT})")


def handler(args: argparse.Namespace) -> int:
    from derivations.atomic import output_folder

    out = output_folder(args.out)
    written = write_report(out)
    print(f"wrote {len(written)} pages into {out}")
    return 0
