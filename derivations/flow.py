"""The gradient flow of a model, derived from its objective with ``sympy.diff``, in solver coordinates."""

from __future__ import annotations

from functools import cache

import sympy as sp

from theory.dynamics import Model


def _chain_diff(model: Model, expr: sp.Expr, s: sp.Symbol) -> sp.Expr:
    """d expr / d s through the model's intermediates; powers are combined before substituting so
    that d(w^r)/dw prints as r w^(r-1), finite at w = 0, not r w^r / w."""
    total = sp.diff(expr, s)
    for name, inner in model.intermediates.items():
        total += sp.powsimp(sp.diff(expr, name)) * sp.diff(inner, s)
    return total.subs(model.intermediates)


@cache
def gradient_flow(model: Model) -> tuple[sp.Expr, ...]:
    """d(state)/dt = -rate * dL/d(state) for every state variable."""
    return tuple(-rate * _chain_diff(model, model.objective, s) for s, rate in zip(model.state, model.rates))


def _substitution(model: Model) -> dict[sp.Symbol, sp.Expr]:
    return dict(zip(model.state, model.to_state))


@cache
def coordinate_flow(model: Model) -> tuple[sp.Expr, ...]:
    """d(coordinates)/dt, by the chain rule through the inverse of ``to_state``, in coordinates.

    With x = to_state(u), du/dt = (dx/du)^-1 dx/dt; the Jacobian dx/du is diagonal for the models
    here, but the general inverse is kept so new coordinate choices need no new code.
    """
    if model.coordinates == model.state:
        return gradient_flow(model)
    jac = sp.Matrix(model.to_state).jacobian(model.coordinates)
    velocity = sp.Matrix(gradient_flow(model)).subs(_substitution(model))
    rhs = jac.inv() * velocity
    return tuple(sp.powsimp(sp.expand(e)) for e in rhs)


@cache
def coordinate_jacobian(model: Model) -> sp.Matrix:
    """Jacobian of :func:`coordinate_flow` with respect to the coordinates (for stiff solvers)."""
    rhs = coordinate_flow(model)
    return sp.Matrix([[sp.powsimp(sp.diff(e, u)) for u in model.coordinates] for e in rhs])


@cache
def observables_in_coordinates(model: Model) -> dict[str, sp.Expr]:
    """Each observable rewritten in the solver coordinates."""
    subs = _substitution(model)
    return {
        name: sp.powsimp(expr.subs(model.intermediates).subs(subs)) for name, expr in model.observables.items()
    }
