"""The formula registry: every named formula once, with parameters, domains, source and LaTeX.

Theory modules register model formulas; derivation modules register what they derive. Numeric
evaluation lives in :mod:`derivations.evaluate`, so this module stays purely symbolic.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sympy as sp

from theory.symbols import Domain, info, latex


@dataclass(frozen=True)
class Param:
    """A formula parameter: the key users pass, its symbol, meaning and domain."""

    name: str
    symbol: sp.Symbol
    description: str
    domain: Domain
    unit: str = ""


@dataclass(frozen=True)
class Constraint:
    """A condition among parameters that must hold for the formula to apply (checked numerically)."""

    relation: sp.Basic
    message: str


# How a formula was obtained. "definition": stated by its source, not derived here; the others name the
# SymPy operation (or, for "numerical" and "fit", the numerical route) that produced the registered form.
KINDS = ("definition", "solve", "limit", "integral", "summation", "derivative", "flow", "substitution", "composition",
         "numerical", "fit")


@dataclass(frozen=True)
class Derivation:
    """How a formula was obtained, kept beside it so the report can say so.

    ``expression`` is what the operation was applied to: for ``solve`` the equation (an ``Eq``, or an
    expression meaning ``= 0``) solved for ``unknown``; for ``limit``, ``integral``, ``summation`` and
    ``derivative`` the unevaluated ``sympy.Limit`` / ``Integral`` / ``Sum`` / ``Derivative`` (or an
    expression holding one); for ``substitution`` the form substituted into.
    ``from_formulas`` names the registered formulas it starts from, ``model`` the ``theory.dynamics``
    model whose derived flow it comes from, ``note`` says in words what was done and why.
    """

    kind: str
    expression: sp.Basic | None = None
    unknown: sp.Basic | None = None
    from_formulas: tuple[str, ...] = ()
    model: str = ""
    note: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"derivation kind must be one of {', '.join(KINDS)}, got {self.kind!r}")
        if (self.kind == "solve") != (self.unknown is not None):
            raise ValueError("a derivation names an unknown exactly when it is a solve")
        if self.kind in ("solve", "limit", "integral", "summation", "derivative") and self.expression is None:
            raise ValueError(f"a {self.kind} derivation records the expression it was applied to")
        if self.kind == "solve" and not isinstance(self.expression, sp.Equality):  # an expression means "= 0"
            object.__setattr__(self, "expression", sp.Eq(self.expression, 0, evaluate=False))
        object.__setattr__(self, "from_formulas", tuple(self.from_formulas))

    def as_dict(self) -> dict:
        """JSON-safe: expressions as SymPy strings with their LaTeX beside them."""
        return {
            "kind": self.kind,
            "expression": "" if self.expression is None else str(self.expression),
            "latex": "" if self.expression is None else latex(self.expression),
            "unknown": "" if self.unknown is None else str(self.unknown),
            "unknown_latex": "" if self.unknown is None else latex(self.unknown),
            "from_formulas": list(self.from_formulas),
            "model": self.model,
            "note": self.note,
        }


DEFINITION = Derivation("definition")


@dataclass(frozen=True)
class Formula:
    """A registered formula: ``expr`` in ``params``, valid where ``constraints`` hold.

    ``diverges`` says in words where the value is infinite; evaluation returns ``inf`` there.
    """

    name: str
    expr: sp.Expr
    params: tuple[Param, ...]
    source: str
    description: str
    constraints: tuple[Constraint, ...] = ()
    diverges: str = ""
    derivation: Derivation = DEFINITION

    @property
    def latex(self) -> str:
        return latex(self.expr)

    def _repr_latex_(self) -> str:
        """Jupyter: ``name(parameters) = expression`` as display math."""
        name = self.name.replace("_", r"\_")
        args = ", ".join(latex(s) for s in self.symbols)
        return rf"$\displaystyle \mathtt{{{name}}}({args}) = {self.latex}$"

    def _repr_markdown_(self) -> str:
        """Jupyter: the formula's entry of the derivation report (without its figures and claims)."""
        from derivations.report import formula_markdown

        return formula_markdown(self.as_dict())

    @property
    def symbols(self) -> tuple[sp.Symbol, ...]:
        return tuple(p.symbol for p in self.params)

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "description": self.description,
            "expression": str(self.expr),
            "latex": self.latex,
            "parameters": [
                {"name": p.name, "description": p.description, "domain": str(p.domain), "unit": p.unit}
                for p in self.params
            ],
            "constraints": [c.message for c in self.constraints],
            "diverges": self.diverges,
            "source": self.source,
            "derivation": self.derivation.as_dict(),
        }


_REGISTRY: dict[str, Formula] = {}


def register(
    name: str,
    expr: sp.Expr,
    params: Sequence[sp.Symbol],
    *,
    source: str,
    description: str,
    constraints: Iterable[tuple[sp.Basic, str]] = (),
    diverges: str = "",
    domains: dict[sp.Symbol, Domain] | None = None,
    derivation: Derivation = DEFINITION,
) -> Formula:
    """Register ``expr`` under ``name``; ``params`` fixes the argument order and must cover its symbols.

    ``domains`` narrows a parameter's declared domain for this formula only. ``derivation`` records how
    ``expr`` was obtained; the default says it is stated by its source.
    """
    if name in _REGISTRY:
        raise ValueError(f"formula {name!r} is registered twice")
    expr = sp.sympify(expr)
    missing = expr.free_symbols - set(params)
    if missing:
        raise ValueError(f"formula {name!r}: symbols {sorted(map(str, missing))} are not listed as parameters")
    domains = domains or {}
    records = []
    for s in params:
        meta = info(s)
        records.append(Param(s.name, s, meta.description, domains.get(s, meta.domain), meta.unit))
    formula = Formula(
        name=name,
        expr=expr,
        params=tuple(records),
        source=source,
        description=description,
        constraints=tuple(Constraint(sp.sympify(r), msg) for r, msg in constraints),
        diverges=diverges,
        derivation=derivation,
    )
    _REGISTRY[name] = formula
    return formula


# Every module of these packages is imported once, so that all registrations have run.
_PACKAGES = ("theory", "derivations")

# Modules and subpackages that register nothing: the command line, the claims (whose catalog itself reads
# formulas, so importing it from here would load every family) and the training code (an optional extra).
_SKIP = {"cli", "claims", "training", "derive", "report", "usermodel"}


def _modules(package_name: str) -> list[str]:
    """Dotted names of the modules of a package and its subpackages (the family folders of derivations/)."""
    package = importlib.import_module(package_name)
    names = []
    for module in pkgutil.iter_modules(package.__path__, prefix=f"{package_name}."):
        leaf = module.name.rsplit(".", 1)[1]
        if leaf.startswith("_") or leaf in _SKIP:
            continue
        names.extend(_modules(module.name) if module.ispkg else [module.name])
    return names


def load_all() -> None:
    """Import every module of ``theory`` and ``derivations`` (registration happens on import)."""
    for package_name in _PACKAGES:
        for name in _modules(package_name):
            importlib.import_module(name)


def load_family(prefix: str) -> None:
    """Import the modules named after a formula family or part of one, in any folder: ``grokking`` ->
    ``derivations.grokking.*``; ``huang`` -> ``derivations.grokking.huang_forms``; ``fit`` ->
    ``derivations.scaling.fit``.

    A fast path: ``get`` and ``get_experiment`` try it before importing everything.
    """
    for package_name in _PACKAGES:
        for name in _modules(package_name):
            parts = name.split(".")[1:]
            if any(part == prefix or part.startswith(prefix + "_") for part in parts):
                importlib.import_module(name)


def get(name: str) -> Formula:
    """The formula called ``name``; a ``KeyError`` lists close names."""
    if name not in _REGISTRY:
        load_family(name.split(".")[0])
    if name not in _REGISTRY:
        load_all()
    try:
        return _REGISTRY[name]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(name, _REGISTRY, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else "; see `circuitcomp formulas`"
        raise KeyError(f"unknown formula {name!r}{hint}") from None


def formulas() -> list[Formula]:
    """All registered formulas, sorted by name."""
    load_all()
    return [_REGISTRY[k] for k in sorted(_REGISTRY)]
