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

    @property
    def latex(self) -> str:
        return latex(self.expr)

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
) -> Formula:
    """Register ``expr`` under ``name``; ``params`` fixes the argument order and must cover its symbols.

    ``domains`` narrows a parameter's declared domain for this formula only.
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
    )
    _REGISTRY[name] = formula
    return formula


# Every module of these packages is imported once, so that all registrations have run.
_PACKAGES = ("theory", "derivations")

# Modules that register nothing and are slow or side-effecting to import.
_SKIP = {"cli"}


def _modules(package_name: str) -> list[str]:
    """Dotted names of the modules of a package and its subpackages (the family folders of derivations/)."""
    package = importlib.import_module(package_name)
    names = []
    for module in pkgutil.walk_packages(package.__path__, prefix=f"{package_name}."):
        leaf = module.name.rsplit(".", 1)[1]
        if not module.ispkg and not leaf.startswith("_") and leaf not in _SKIP:
            names.append(module.name)
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
