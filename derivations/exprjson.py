"""SymPy expressions as plain JSON trees, read back without executing anything.

Unlike pickle, reading a tree only ever calls constructors from a fixed whitelist: SymPy classes
(found by name in SymPy's public modules), the package's own functions and formula records. A node
is ``{tag: payload}``:

* ``{"Integer": n}``, ``{"Rational": [p, q]}``, ``{"Float": [sign, mantissa, exponent, bits, precision]}``
  (the exact binary value), ``{"Symbol": [name, assumptions]}``;
* any other SymPy object as ``{ClassName: [args...]}``, rebuilt unevaluated from its arguments (SymPy's
  round-trip invariant ``expr == expr.func(*expr.args)``, without re-simplifying what was stored);
* a function class of this package's own (``expit``, a numerically implemented average) as
  ``{"package": [module, ClassName, [args...]]}``, the module one of ``theory`` or ``derivations``;
* ``{"float": hex}``, ``{"list": [...]}``, ``{"tuple": [...]}``, ``{"dict": [[key, value], ...]}``,
  ``{"record": [ClassName, {field: value}]}`` for the registry's dataclasses; strings, integers,
  booleans and null as themselves.

Anything else, in either direction, raises :class:`FormatError`.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
from functools import cache
from typing import Any

import sympy as sp
from sympy.core import numbers, relational
from sympy.functions.elementary import piecewise
from sympy.logic import boolalg


class FormatError(ValueError):
    """A value that cannot be written, or a tree that is not one this module writes."""


@cache
def _sympy_classes() -> dict[str, type]:
    """SymPy classes by name; a name two different classes share is left out rather than guessed."""
    found: dict[str, type] = {}
    clashes: set[str] = set()
    for module in (sp, numbers, relational, piecewise, boolalg):
        for name, obj in vars(module).items():
            if inspect.isclass(obj) and issubclass(obj, sp.Basic) and name == obj.__name__:
                if found.setdefault(name, obj) is not obj:
                    clashes.add(name)
    for name in clashes | {"Symbol", "Dummy", "Wild", "Integer", "Rational", "Float"}:
        found.pop(name, None)  # the scalar kinds have their own tags; Dummy and Wild are never stored
    return found


@cache
def _records() -> dict[str, type]:
    from theory.registry import Constraint, Derivation, Formula, Param
    from theory.symbols import Domain

    return {cls.__name__: cls for cls in (Formula, Param, Constraint, Derivation, Domain)}


def dump(value: Any) -> Any:
    """The JSON tree of ``value``; :class:`FormatError` for anything outside the format."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return {"float": value.hex()}
    if isinstance(value, (list, tuple)):
        return {type(value).__name__: [dump(v) for v in value]} if type(value) in (list, tuple) else _reject(value)
    if isinstance(value, dict):
        return {"dict": [[dump(k), dump(v)] for k, v in value.items()]}
    if dataclasses.is_dataclass(value) and _records().get(type(value).__name__) is type(value):
        fields = {f.name: dump(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"record": [type(value).__name__, fields]}
    if isinstance(value, sp.Basic):
        return _dump_sympy(value)
    return _reject(value)


def _reject(value: Any) -> Any:
    raise FormatError(f"cannot store a {type(value).__name__}")


def _dump_sympy(value: sp.Basic) -> dict:
    if isinstance(value, sp.Integer):
        return {"Integer": int(value)}
    if isinstance(value, sp.Rational):
        return {"Rational": [int(value.p), int(value.q)]}
    if isinstance(value, sp.Float):
        return {"Float": [*value._mpf_, value._prec]}
    if type(value) is sp.Symbol:
        assumptions = getattr(value, "_assumptions_orig", value.assumptions0)
        return {"Symbol": [value.name, {k: bool(v) for k, v in assumptions.items()}]}
    cls = type(value)
    args = [dump(a) for a in value.args]
    if _sympy_classes().get(cls.__name__) is cls:
        return {cls.__name__: args}
    if _package_class(cls.__module__, cls.__name__) is cls:
        return {"package": [cls.__module__, cls.__name__, args]}
    return _reject(value)


def _package_class(module: str, name: str) -> type | None:
    """The SymPy class ``name`` defined in ``module`` of this package, importing it if need be."""
    if not (isinstance(module, str) and module.startswith(("theory.", "derivations."))):
        return None
    found = [obj for obj in vars(importlib.import_module(module)).values() if inspect.isclass(obj)
             and issubclass(obj, sp.Basic) and obj.__name__ == name and obj.__module__ == module]
    return found[0] if len(found) == 1 else None


def load(tree: Any) -> Any:
    """The value a :func:`dump` tree describes; :class:`FormatError` for any tree ``dump`` does not write."""
    if tree is None or isinstance(tree, (bool, str, int)):
        return tree
    if not isinstance(tree, dict) or len(tree) != 1:
        raise FormatError(f"unexpected node {type(tree).__name__}")
    ((tag, payload),) = tree.items()
    try:
        return _LOADERS[tag](payload) if tag in _LOADERS else _load_sympy(tag, payload)
    except FormatError:
        raise
    except Exception as exc:  # a payload of the wrong shape fails inside a constructor: same verdict
        raise FormatError(f"bad {tag} node: {exc}") from None


def _items(payload: Any, length: int | None = None) -> list:
    if not isinstance(payload, list) or (length is not None and len(payload) != length):
        raise FormatError("expected a list" + (f" of {length}" if length is not None else ""))
    return payload


def _ints(payload: Any, length: int) -> list[int]:
    items = _items(payload, length)
    if not all(type(v) is int for v in items):
        raise FormatError("expected integers")
    return items


def _load_float(payload: Any) -> float:
    if not isinstance(payload, str):
        raise FormatError("a float is a hex string")
    return float.fromhex(payload)


def _load_symbol(payload: Any) -> sp.Symbol:
    name, assumptions = _items(payload, 2)
    if not isinstance(name, str) or not isinstance(assumptions, dict):
        raise FormatError("a symbol is [name, assumptions]")
    if not all(isinstance(k, str) and isinstance(v, bool) for k, v in assumptions.items()):
        raise FormatError("symbol assumptions are names with true/false")
    return sp.Symbol(name, **assumptions)


def _load_sympy_float(payload: Any) -> sp.Float:
    sign, mantissa, exponent, bits, precision = _ints(payload, 5)
    return sp.Float((sign, mantissa, exponent, bits), precision=precision)


def _load_record(payload: Any) -> Any:
    name, fields = _items(payload, 2)
    cls = _records().get(name) if isinstance(name, str) else None
    if cls is None or not isinstance(fields, dict) or set(fields) != {f.name for f in dataclasses.fields(cls)}:
        raise FormatError(f"unknown record {name!r}")
    return cls(**{k: load(v) for k, v in fields.items()})


def _load_dict(payload: Any) -> dict:
    return {load(k): load(v) for k, v in (_items(pair, 2) for pair in _items(payload))}


def _load_sympy(tag: str, payload: Any) -> sp.Basic:
    cls = _sympy_classes().get(tag)
    if cls is None:
        raise FormatError(f"unknown node type {tag!r}")
    return _build(cls, payload)


def _load_package(payload: Any) -> sp.Basic:
    module, name, args = _items(payload, 3)
    cls = _package_class(module, name)
    if cls is None:
        raise FormatError(f"unknown function {module!r}.{name!r}")
    return _build(cls, args)


def _build(cls: type, payload: Any) -> sp.Basic:
    args = [load(a) for a in _items(payload)]
    if not all(isinstance(a, sp.Basic) for a in args):
        raise FormatError(f"{cls.__name__} takes SymPy arguments")
    try:
        # Unevaluated: the stored tree is already the result; evaluating again could rewrite it
        # (exp(log(C) + x) would become C*exp(x)).
        return cls(*args, evaluate=False)
    except TypeError:  # classes without an ``evaluate`` switch (ExprCondPair, matrices)
        return cls(*args)


_LOADERS = {
    "float": _load_float,
    "list": lambda p: [load(v) for v in _items(p)],
    "tuple": lambda p: tuple(load(v) for v in _items(p)),
    "dict": _load_dict,
    "record": _load_record,
    "Integer": lambda p: sp.Integer(_ints([p], 1)[0]),
    "Rational": lambda p: sp.Rational(*_ints(p, 2)),
    "Float": _load_sympy_float,
    "Symbol": _load_symbol,
    "package": _load_package,
}
