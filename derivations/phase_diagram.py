"""The phase diagram of any model over two of its parameters: the long-run state reached from the model's
initial condition at every grid point, with the critical boundaries to draw over it.

Every grid point is integrated at once by the vectorized stiff solver (:mod:`derivations.ensemble`); the
state at the horizon is matched to the nearest fixed point of :func:`derivations.analysis.analyse`
(evaluated at that point's parameters), so each phase is named by the circuits present in the long run.
The boundaries are the analysis's critical values of the first parameter, as functions of the second.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import sympy as sp

from derivations.analysis import analyse, critical_boundaries
from derivations.compile import broadcast_call, compile_expr
from derivations.ensemble import integrate_ensemble
from derivations.simulate import Event
from theory.dynamics import Model

UNSETTLED = -1
"""State index of a run that is not near any fixed point at the horizon (still moving)."""
SETTLED = 1e-3  # relative distance to a fixed point, in the analysis variables, that counts as having arrived


def _parameter(model: Model, name: str) -> sp.Symbol:
    for s in model.params:
        if s.name == name:
            return s
    raise ValueError(f"unknown parameter {name!r} for model {model.name}; known: "
                     f"{', '.join(s.name for s in model.params)}")


def phase_diagram(
    model: Model,
    x: tuple[str, np.ndarray],
    y: tuple[str, np.ndarray],
    horizon: float,
    values: Mapping[str, object] | None = None,
    events: Mapping[str, Event] | None = None,
) -> dict[str, object]:
    """Long-run state on the grid ``y`` x ``x`` (rows: the second parameter), other parameters from
    ``values`` and the model's defaults.

    Returns ``state`` (int array indexing ``labels``, the fixed points' labels; :data:`UNSETTLED` where the
    run has not settled), ``events`` (times of ``events`` per point, ``inf``: never), ``boundaries``
    ({"circuit at point": values of the first parameter along the second}, NaN where the boundary does not
    exist) and the two axes.
    """
    (x_name, x_values), (y_name, y_values) = x, y
    x_symbol, y_symbol = _parameter(model, x_name), _parameter(model, y_name)
    analysis = analyse(model)
    xx, yy = np.meshgrid(np.asarray(x_values, float), np.asarray(y_values, float))
    given = {**(values or {}), x_name: xx.ravel(), y_name: yy.ravel()}
    result = integrate_ensemble(model, given, horizon, events=events)
    n = xx.size
    params = [np.broadcast_to(np.asarray(given.get(s.name, model.defaults.get(s)), float), (n,)) for s in model.params]
    final = np.array([np.exp(u) if log else u for u, log in zip(result.u, analysis.logarithmic)])
    points = [fp for fp in analysis.fixed_points if not any(v.free_symbols & set(analysis.variables)
                                                            for v in fp.location.values())]
    locations = np.stack([broadcast_call(compile_expr(model.params, list(fp.location.values())), (n,), *params)
                          for fp in points])  # (points, variables, n)
    with np.errstate(invalid="ignore"):
        distance = np.nanmax(np.abs(final[None] - locations) / (1.0 + np.abs(locations)), axis=1)
    distance = np.where(np.isfinite(distance), distance, np.inf)
    nearest = np.argmin(distance, axis=0)
    state = np.where(distance[nearest, np.arange(n)] <= SETTLED, nearest, UNSETTLED)
    return {
        x_name: np.asarray(x_values, float), y_name: np.asarray(y_values, float),
        "labels": [fp.label for fp in points], "state": state.reshape(xx.shape),
        "events": {name: t.reshape(xx.shape) for name, t in result.events.items()},
        "boundaries": _boundaries(model, x_symbol, y_symbol, np.asarray(y_values, float), values or {}),
    }


def _boundaries(model: Model, x_symbol: sp.Symbol, y_symbol: sp.Symbol, y_values: np.ndarray,
                values: Mapping[str, object]) -> dict[str, np.ndarray]:
    """Each critical value of ``x_symbol`` along ``y_values``, the other parameters fixed."""
    others = [np.asarray(values.get(s.name, model.defaults.get(s)), float) if s != y_symbol else y_values
              for s in model.params]
    out = {}
    for b in critical_boundaries(analyse(model), x_symbol):
        with np.errstate(all="ignore"):
            line = broadcast_call(compile_expr(model.params, b.expr), y_values.shape, *others)
        out[f"{b.circuit} at {b.at}"] = np.where(np.isfinite(line), line, np.nan)
    return out
