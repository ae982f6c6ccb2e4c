"""Numeric evaluation of registered formulas with domain checks: a clear error, never a silent NaN."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from derivations.compile import broadcast_call, compile_expr
from theory.registry import Formula, get
from theory.symbols import Domain


def check_domain(name: str, value: object, domain: Domain, description: str = "") -> np.ndarray:
    """``value`` as a float array, or a ``ValueError`` naming ``name`` if it is non-numeric, NaN, or
    outside ``domain`` (whose open ends exclude the infinities)."""
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a real number, got {value!r}") from None
    if np.any(np.isnan(arr)):
        raise ValueError(f"{name} must be a number, got NaN")
    bad = ~domain.contains_array(arr)
    if np.any(bad):
        detail = f" ({description})" if description else ""
        raise ValueError(f"{name} must be in {domain}{detail}, got {arr[bad].flat[0]:g}")
    return arr


def check_arguments(formula: Formula, values: Mapping[str, object]) -> dict[str, np.ndarray]:
    """Validate ``values`` against the formula's parameters, domains and constraints."""
    names = [p.name for p in formula.params]
    unknown = sorted(set(values) - set(names))
    if unknown:
        raise ValueError(f"{formula.name}: unknown parameter(s) {', '.join(unknown)}; expected {', '.join(names)}")
    missing = [n for n in names if n not in values]
    if missing:
        raise ValueError(f"{formula.name}: missing parameter(s) {', '.join(missing)}")
    arrays = {}
    for p in formula.params:
        arrays[p.name] = check_domain(p.name, values[p.name], p.domain, p.description)
    args = [arrays[n] for n in names]
    for c in formula.constraints:
        # A constraint compared at extreme inputs may overflow on the way; the comparison still decides it.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            ok = compile_expr(formula.symbols, c.relation)(*args)
        if not np.all(ok):
            raise ValueError(f"{formula.name}: {c.message}")
    return arrays


def evaluate(name: str | Formula, **values: object) -> float | np.ndarray:
    """Value of a registered formula; broadcasts over array arguments.

    Raises ``ValueError`` for a missing, unknown or out-of-domain parameter, for a violated
    constraint, where the expression is undefined (NaN), and where a finite value overflows double
    precision; returns ``inf`` where the formula declares that it diverges.
    """
    formula = get(name) if isinstance(name, str) else name
    arrays = check_arguments(formula, values)
    args = [arrays[p.name] for p in formula.params]
    shape = np.broadcast_shapes(*[a.shape for a in args]) if args else ()
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        try:
            out = broadcast_call(compile_expr(formula.symbols, formula.expr), shape, *args)
        except ArithmeticError as exc:  # a numerical routine inside the form (a root bracket, a series) gave up
            near = _first_point(formula, args, np.ones(shape, dtype=bool))
            raise ValueError(f"{formula.name} cannot be evaluated in double precision near {near}: {exc}") from None
    if np.any(np.isnan(out)):
        raise ValueError(f"{formula.name} is undefined at {_first_point(formula, args, np.isnan(out))} "
                         "(the expression gives NaN: outside its mathematical domain, or an intermediate beyond double "
                         "precision)")
    # inf is a value only where the mathematics diverges (declared, and positive); anywhere else it is a finite
    # value beyond double precision, which must not pass for a divergence.
    overflow = np.isneginf(out) | (np.isposinf(out) if not formula.diverges else False)
    if np.any(overflow):
        raise ValueError(f"{formula.name} exceeds the double-precision range (|value| > 1.8e308) at "
                         f"{_first_point(formula, args, overflow)}")
    return float(out) if out.ndim == 0 else out


def _first_point(formula: Formula, args: list[np.ndarray], where: np.ndarray) -> str:
    """The parameters at the first element flagged in ``where``, as ``name=value`` pairs."""
    index = np.unravel_index(np.flatnonzero(where)[0], where.shape) if where.ndim else ()
    values = [np.broadcast_to(a, where.shape)[index] for a in args]
    return ", ".join(f"{p.name}={v:g}" for p, v in zip(formula.params, values)) or "these parameters"
