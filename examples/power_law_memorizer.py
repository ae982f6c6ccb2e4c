"""A memorizer whose cost grows like c_m D^gamma: where does the generalizing circuit start to win?

The squared-loss two-circuit model of ``theory.dynamics.SQUARED_LOSS`` with one change: memorizing D
examples costs a squared norm c_m D^gamma per unit margin instead of c_m D. The analysis derives the
fixed points and the invasion rates from the model's gradient flow, and solves "the generalizer's
invasion rate at the memorizer-alone point = 0" for D:

    D_crit = (c_g / c_m)^(1 / gamma)

Then the simulated model decides: over a grid of (gamma, D), every run starts from the model's initial
state, and the circuit left standing at the horizon must switch from the memorizer to the generalizer
between the two grid sizes that bracket D_crit.

Units and domains (all parameters positive):
    D        number of training examples
    gamma    growth exponent of the memorizer's cost (dimensionless; gamma = 1 is SQUARED_LOSS)
    c_m      memorizer's squared norm per unit margin, per example^gamma
    c_g      generalizer's squared norm per unit margin (independent of D)
    y        target margin (margins are in the units of y)
    lam      weight decay, per unit time;  eta_m, eta_g  learning rates (time = optimizer steps)
    sigma    log-normal spread of per-example margins (soft accuracy)

Run: ``python examples/power_law_memorizer.py`` (a few seconds; exit status 1 if derivation and simulation
disagree). ``circuitcomp derive examples/power_law_memorizer.py --solve-for D`` prints the same analysis.
"""

from __future__ import annotations

import sys

import numpy as np
import sympy as sp

from derivations.analysis import analyse, critical_value
from derivations.phase_diagram import phase_diagram
from theory.dynamics import Model
from theory.functions import normal_cdf

theta_m, theta_g = sp.symbols("theta_m theta_g", positive=True)  # circuit parameter norms
a, b = sp.symbols("a b", real=True)  # log margins: the solver's coordinates
y, c_m, c_g, D, gamma, lam, eta_m, eta_g, sigma = sp.symbols("y c_m c_g D gamma lam eta_m eta_g sigma", positive=True)

z_m = theta_m**2 / (c_m * D**gamma)  # margin of the memorizer
z_g = theta_g**2 / c_g  # margin of the generalizer


def soft_accuracy(margin: sp.Expr) -> sp.Expr:
    """Fraction of examples whose log-normal margin exceeds y / 2."""
    return normal_cdf(sp.log(2 * margin / y) / sigma)


MODEL = Model(
    name="power_law_memorizer",
    state=(theta_m, theta_g),
    params=(y, c_m, c_g, D, gamma, lam, eta_m, eta_g, sigma),
    objective=(y - z_m - z_g) ** 2 / 2 + lam / 2 * (theta_m**2 + theta_g**2),
    rates=(eta_m, eta_g),
    coordinates=(a, b),
    to_state=(sp.sqrt(c_m * D**gamma) * sp.exp(a / 2), sp.sqrt(c_g) * sp.exp(b / 2)),
    observables={"memorizing_margin": z_m, "generalizing_margin": z_g,
                 "train_accuracy": soft_accuracy(z_m + z_g), "test_accuracy": soft_accuracy(z_g)},
    defaults={y: 1.0, c_m: 0.1, c_g: 5.0, D: 100.0, gamma: 1.5, lam: 0.01, eta_m: 1.0, eta_g: 0.1, sigma: 0.25},
    initial={a: sp.log(sp.Rational(1, 100)), b: sp.log(sp.Rational(1, 10**6))},
)

GAMMAS = np.array([0.5, 1.0, 1.5, 2.0])
# Ratio 1.69 between neighbours: the resolution in D. No D_crit below lies within 9% of a grid size, where
# critical slowing down (the invasion rate ~ D - D_crit) would leave a run unsettled at the horizon.
SIZES = np.geomspace(2.0, 5000.0, 16)
HORIZON = 1e7  # steps; every grid point has settled by 3e5 already


def derive() -> sp.Expr:
    """The critical data size, derived from the model's flow."""
    return critical_value(analyse(MODEL), D)


def switches(critical: sp.Expr) -> list[tuple[float, float, float, float]]:
    """For each gamma: the derived D_crit and the two grid sizes between which the simulated winner changes
    from the memorizer to the generalizer (NaN when the winner does not change exactly once on the grid)."""
    diagram = phase_diagram(MODEL, ("D", SIZES), ("gamma", GAMMAS), horizon=HORIZON)
    labels = diagram["labels"]
    rows = []
    for g, states in zip(GAMMAS, diagram["state"]):
        d_crit = float(critical.subs({c_g: MODEL.defaults[c_g], c_m: MODEL.defaults[c_m], gamma: g}))
        winners = [labels[s] if s >= 0 else "unsettled" for s in states]
        change = [i for i in range(1, len(winners)) if winners[i] != winners[i - 1]]
        ordered = winners[0] == "theta_m" and winners[-1] == "theta_g" and len(change) == 1
        lo, hi = (SIZES[change[0] - 1], SIZES[change[0]]) if ordered else (np.nan, np.nan)
        rows.append((float(g), d_crit, float(lo), float(hi)))
    return rows


def main() -> int:
    critical = derive()
    expected = (c_g / c_m) ** (1 / gamma)
    exact = sp.simplify(critical - expected) == 0
    print(f"derived  D_crit = {critical}   (simplify(D_crit - (c_g/c_m)**(1/gamma)) == 0: {exact})")
    print(f"simulated winner over D in [{SIZES[0]:g}, {SIZES[-1]:g}] ({len(SIZES)} sizes), "
          f"c_g/c_m = {MODEL.defaults[c_g] / MODEL.defaults[c_m]:g}, horizon {HORIZON:g} steps:")
    agree = exact
    for g, d_crit, lo, hi in switches(critical):
        inside = lo < d_crit < hi
        agree &= inside
        print(f"  gamma = {g:<4g} derived D_crit = {d_crit:8.2f}   memorizer -> generalizer between "
              f"D = {lo:.4g} and {hi:.4g}   {'agrees' if inside else 'DISAGREES'}")
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
