"""Compile SymPy expressions once into NumPy callables: lambdify with common-subexpression elimination.

Everything numeric in the package goes through :func:`compile_expr` (cached on the expression), and
models through :func:`compile_model` (right-hand side, Jacobian and observables, cached on the model).
``softplus`` and ``expit`` print to ``numpy.logaddexp`` and ``scipy.special.expit``, which do not
overflow; ``zeta`` (Riemann and Hurwitz) to ``scipy.special.zeta``. Before printing, ``1 - exp(-x)`` and
``log(1 + x)`` are rewritten to ``expm1`` and ``log1p``, so small arguments keep their digits (a
critical-scale probability of 1e-18 stays 1e-18 instead of rounding to 0).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TYPE_CHECKING

import numpy as np
import sympy as sp
from sympy.codegen import cfunctions

if TYPE_CHECKING:  # the models (and their flows) are imported only by compile_model: evaluating a formula needs neither
    from theory.dynamics import Model


def _softplus(x: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, x)


_SCIPY_SPECIAL = ("expit", "erf", "zeta")


def _modules(exprs: tuple) -> list:
    """lambdify's namespaces: NumPy, ``softplus``, and SciPy's special functions if ``exprs`` use one
    (importing scipy.special takes about half a second, which a command evaluating one formula should not pay)."""
    used = {type(f).__name__ for e in exprs if isinstance(e, sp.Basic) for f in e.atoms(sp.Function)}
    namespace: dict[str, Callable] = {"softplus": _softplus}
    if used & set(_SCIPY_SPECIAL):
        import scipy.special

        namespace.update({name: getattr(scipy.special, name) for name in _SCIPY_SPECIAL})
    # The module itself, not "numpy": the printed code is the same, but the string makes lambdify run
    # `from numpy import *`, which imports numpy.testing and numpy.f2py (0.3 s) for nothing.
    return [namespace, np]


def _constant_and_term(e: sp.Basic) -> tuple[sp.Basic, sp.Basic] | None:
    """(c, t) if ``e`` is a two-term sum c + t with c a nonzero number, else None."""
    if not e.is_Add or len(e.args) != 2:
        return None
    const, term = sorted(e.args, key=lambda a: not a.is_Number)
    return (const, term) if const.is_Number and const != 0 else None


def _exp_minus_one(e: sp.Basic) -> bool:
    """``c (1 - exp(x))`` for a number c: a constant plus minus that constant times exp(x)."""
    split = _constant_and_term(e)
    if split is None:
        return False
    coeff, rest = split[1].as_coeff_Mul()
    return coeff == -split[0] and isinstance(rest, sp.exp)


def _log_one_plus(e: sp.Basic) -> bool:
    split = isinstance(e, sp.log) and _constant_and_term(e.args[0])
    return bool(split) and split[0] == 1


def _accurate(expr: sp.Basic) -> sp.Basic:
    """exp(x) - 1 -> expm1(x) and log(1 + x) -> log1p(x), node by node, leaving everything else untouched."""
    if not isinstance(expr, sp.Expr):  # relations (domain constraints) compile as they are
        return expr

    def expm1(e: sp.Add) -> sp.Expr:
        const, term = _constant_and_term(e)
        return -const * cfunctions.expm1(term.as_coeff_Mul()[1].args[0])

    def log1p(e: sp.log) -> sp.Expr:
        return cfunctions.log1p(_constant_and_term(e.args[0])[1])

    return expr.replace(_exp_minus_one, expm1).replace(_log_one_plus, log1p)


@lru_cache(maxsize=1024)
def _lambdify(args: tuple, exprs: tuple | sp.Expr) -> Callable:
    accurate = tuple(map(_accurate, exprs)) if isinstance(exprs, tuple) else _accurate(exprs)
    modules = _modules(accurate if isinstance(accurate, tuple) else (accurate,))
    return sp.lambdify(args, accurate, modules=modules, cse=True)


def compile_expr(args: Sequence, expr: sp.Expr | Sequence[sp.Expr]) -> Callable:
    """A NumPy function of ``args`` (symbols, or nested tuples of symbols) computing ``expr``.

    A sequence of expressions compiles into one function returning a list; outputs broadcast with
    the inputs only as far as NumPy broadcasting carries them (see :func:`broadcast_call`).
    """
    key = tuple(tuple(x) if isinstance(x, (list, tuple)) else x for x in args)
    exprs = tuple(expr) if isinstance(expr, (list, tuple)) else sp.sympify(expr)
    return _lambdify(key, exprs)


def broadcast_call(func: Callable, shape: tuple[int, ...], *args: object) -> np.ndarray:
    """Call a compiled function and broadcast its (possibly constant) outputs to ``shape``.

    A list of outputs becomes an array of shape ``(len(outputs), *shape)``.
    """
    out = func(*args)
    if isinstance(out, (list, tuple)):
        return np.stack([np.broadcast_to(np.asarray(o, dtype=float), shape) for o in out])
    return np.array(np.broadcast_to(np.asarray(out, dtype=float), shape))


@dataclass(frozen=True, eq=False)
class CompiledModel:
    """A model's flow, Jacobian, observables and initial state as NumPy callables.

    ``rhs(t, u, *params)`` and ``jac(t, u, *params)`` follow ``scipy.integrate.solve_ivp``'s
    signature with ``args=params``; ``params`` are the values of ``model.params`` in order.
    """

    model: Model
    rhs: Callable
    jac: Callable
    observables: dict[str, Callable]
    initial: Callable
    initial_symbols: tuple[sp.Symbol, ...]

    def parameter_values(self, values: dict[sp.Symbol, float]) -> tuple[float, ...]:
        return tuple(float(values[s]) for s in self.model.params)

    def initial_state(self, values: dict[sp.Symbol, float]) -> np.ndarray:
        return np.asarray(self.initial(*[values[s] for s in self.initial_symbols]), dtype=float)

    def observe(self, name: str, u: np.ndarray, params: tuple[float, ...]) -> np.ndarray:
        """Observable ``name`` along states ``u`` (coordinates on the first axis)."""
        u = np.asarray(u, dtype=float)
        shape = np.broadcast_shapes(u.shape[1:], *[np.shape(v) for v in params])
        # A margin that underflows to 0 gives log(0) = -inf and accuracy exactly 0: the right limit.
        with np.errstate(divide="ignore"):
            return broadcast_call(self.observables[name], shape, u, *params)


@cache
def compile_model(model: Model) -> CompiledModel:
    """Compile a model once: flow and Jacobian in its coordinates, observables, initial state."""
    from derivations.flow import coordinate_flow, coordinate_jacobian, observables_in_coordinates

    t = sp.Symbol("t")
    u = tuple(model.coordinates)
    rhs = compile_expr((t, u, *model.params), list(coordinate_flow(model)))
    jac = compile_expr((t, u, *model.params), sp.ImmutableMatrix(coordinate_jacobian(model)))
    observables = {
        name: compile_expr((u, *model.params), expr) for name, expr in observables_in_coordinates(model).items()
    }
    initial_exprs = [sp.sympify(model.initial[c]) for c in model.coordinates]
    initial_symbols = tuple(sorted(set().union(*(e.free_symbols for e in initial_exprs)), key=str))
    initial = compile_expr(initial_symbols, initial_exprs)
    return CompiledModel(model, rhs, jac, observables, initial, initial_symbols)
