"""Every fixed point of the squared-loss two-circuit flow, with its Jacobian eigenvalues and stability.

In margins (m, g) the flow is dm/dt = m r_m(m, g), dg/dt = g r_g(m, g) (:mod:`derivations.grokking.forms`).
The generic analysis of a model (:mod:`derivations.analysis`) solves F = 0 for all its solutions, not a
chosen one: the origin, the memorizer alone and the generalizer alone. Both per-capita rates depend on m + g
only, so the two circuits coexist only on the knife edge D = D_crit, where the fixed points fill the segment
m + g = y - lam c_g / 2 joining the two one-circuit points (both then report a zero eigenvalue:
'degenerate'). Each isolated point's eigenvalues come from the symbolic Jacobian; at a one-circuit point
they are the circuit's own relaxation rate and the other circuit's invasion rate, so exactly one point is
stable for D != D_crit: the memorizer below D_crit, the generalizer above.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

from derivations.analysis import analyse
from derivations.compile import compile_expr
from derivations.simulate import resolve_values
from theory.dynamics import SQUARED_LOSS
from theory.symbols import D, c_g, c_m, eta_g, eta_m, lam, y

# The generic analysis (derivations.analysis) solves in the margins m = exp(a), g = exp(b) as unconstrained
# real symbols, so that no assumption on m, g hides the zero-margin solutions.
_analysis = analyse(SQUARED_LOSS)
_m, _g = _analysis.variables
flow = sp.Matrix(_analysis.field)
"""(dm/dt, dg/dt) of the squared-loss model in margins."""
jacobian = flow.jacobian([_m, _g])
PARAMS = (y, lam, c_m, c_g, D, eta_m, eta_g)
# The analysis names a point by the circuits present there (after the state variables theta_m, theta_g).
_NAMES = {"origin": "origin", "theta_m": "memorizer", "theta_g": "generalizer"}
if {p.label for p in _analysis.fixed_points} != set(_NAMES):
    raise ArithmeticError(f"unexpected fixed points of the two-circuit flow: {_analysis.fixed_points}")

LOCATIONS = {_NAMES[p.label]: p.location for p in _analysis.fixed_points}
"""Each isolated fixed point's margins (m, g) as SymPy expressions."""
EIGENVALUES = {_NAMES[p.label]: list(p.eigenvalues) for p in _analysis.fixed_points}
"""Jacobian eigenvalues at each isolated fixed point (SymPy expressions in the parameters)."""

_compiled = {name: compile_expr(PARAMS, [*LOCATIONS[name].values(), *EIGENVALUES[name]]) for name in LOCATIONS}


@dataclass(frozen=True)
class FixedPoint:
    """An isolated fixed point: its margins, eigenvalues, and whether it is feasible (both margins >= 0)."""

    name: str
    memorizing_margin: float
    generalizing_margin: float
    eigenvalues: tuple[float, ...]

    @property
    def feasible(self) -> bool:
        return self.memorizing_margin >= 0 and self.generalizing_margin >= 0

    @property
    def stability(self) -> str:
        """'stable', 'unstable', 'saddle', or 'degenerate' (a zero eigenvalue: D = D_crit). Eigenvalues within
        rounding (1e-12 of the largest) of zero count as zero: at D = D_crit they cancel only to rounding."""
        eigen = np.array(self.eigenvalues)
        signs = {int(s) for s in np.sign(np.where(np.abs(eigen) <= 1e-12 * np.abs(eigen).max(), 0.0, eigen))}
        if 0 in signs:
            return "degenerate"
        return {frozenset({-1}): "stable", frozenset({1}): "unstable"}.get(frozenset(signs), "saddle")


def fixed_points(**values: float) -> list[FixedPoint]:
    """All isolated fixed points of the squared-loss flow at the model's defaults updated by ``values``
    (names as in ``SQUARED_LOSS``: y, lam, c_m, c_g, D, eta_m, eta_g); each with eigenvalues and stability."""
    resolved = resolve_values(SQUARED_LOSS, values)
    args = [resolved[s] for s in PARAMS]
    points = []
    for name, compiled in _compiled.items():
        mem, gen, *eigen = (float(v) for v in compiled(*args))
        points.append(FixedPoint(name, mem, gen, tuple(eigen)))
    return points
