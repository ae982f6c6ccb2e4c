"""The cross-entropy model with another penalty exponent: what moves and what does not.

``theory.dynamics.CROSS_ENTROPY`` (Varma et al. 2023, App. C/D) penalizes the circuit strengths w as
(lam/p)(P_G^p w_G^r + P_M^p w_M^r) with r = p/kappa = 5/3 at its defaults. Here the exponent r is a
parameter of its own, and the memorizer's norm factor grows with the data, P_M = c_M D^beta. With every
training example memorizable (Huang's f = 1), both circuits feel the same cross-entropy force, so at an
interior equilibrium their penalty forces are equal. SymPy solves that for the strength ratio:

    w_G / w_M = (P_M / P_G)^(p / (r - 1)) = (D / D_crit)^(p beta / (r - 1)),   D_crit = (P_G / c_M)^(1/beta)

So the critical data size (ratio 1: the test margin w_G - w_M changes sign) does not depend on r, but the
window of data sizes where neither circuit dominates (ratio between 1/2 and 2) does:
D_crit 2^(-+(r - 1)/(p beta)). A larger exponent widens it; as r -> 1 it closes (winner-take-all). The
simulated runs, from the model's small-seed initial state, must end on the derived ratio.

Units and domains (all parameters positive; the derivation assumes r > 1):
    D        number of training examples;  beta  growth exponent of the memorizer's norm factor
    P_G      generalizer's norm factor;  c_M  memorizer's norm factor per example^beta
    p        norm exponent;  r  penalty exponent on the strengths (dimensionless)
    q        number of classes;  lam  weight decay, per unit time;  eta  learning rate (time = steps)
    s_G, s_M initial seeds of the two subweight factors (w = g1 g2 and m1 m2 start at 0)

Run: ``python examples/cross_entropy_penalty.py`` (about a second; exit status 1 if derivation and
simulation disagree).
"""

from __future__ import annotations

import sys

import sympy as sp

from derivations.roots import unique_solution
from derivations.simulate import simulate
from theory.dynamics import Model
from theory.functions import softplus

g1, g2, m1, m2 = sp.symbols("g1 g2 m1 m2", real=True)  # subweights: w_G = g1 g2, w_M = m1 m2
w_G, w_M = sp.symbols("w_G w_M", real=True)  # circuit strengths (logit contributions)
q, lam, p, r, P_G, c_M, beta, D, eta, s_G, s_M = sp.symbols("q lam p r P_G c_M beta D eta s_G s_M", positive=True)
P_M = c_M * D**beta


def cross_entropy(margin: sp.Expr) -> sp.Expr:
    """Cross-entropy of a correct-class logit ``margin`` against q - 1 zero logits."""
    return softplus(sp.log(q - 1) - margin)


# On a test input the memorizer votes for one fixed wrong class (as in CROSS_ENTROPY).
_test_loss = sp.log(sp.exp(w_G) + sp.exp(w_M) + q - 2) - w_G

MODEL = Model(
    name="cross_entropy_penalty",
    state=(g1, g2, m1, m2),
    params=(q, lam, p, r, P_G, c_M, beta, D, eta),
    objective=cross_entropy(w_G + w_M) + lam / p * (P_G**p * w_G**r + P_M**p * w_M**r),
    rates=(eta, eta, eta, eta),
    coordinates=(g1, g2, m1, m2),
    to_state=(g1, g2, m1, m2),
    observables={"w_G": w_G, "w_M": w_M, "test_margin": w_G - w_M, "test_accuracy": sp.exp(-_test_loss)},
    defaults={q: 113, lam: 0.005, p: 2, r: 3, P_G: 1.0, c_M: 0.1, beta: 0.5, D: 200.0, eta: 0.01,
              s_G: 0.005, s_M: 1.0},
    initial={g1: sp.Integer(0), g2: s_G, m1: sp.Integer(0), m2: s_M},
    intermediates={w_G: g1 * g2, w_M: m1 * m2},
)

EXPONENTS = (sp.Rational(5, 3), sp.Integer(3))  # CROSS_ENTROPY's p/kappa at its defaults, and a steeper penalty
HORIZON = 1e6  # steps; every run below is at its equilibrium to 1e-9 by then
TOLERANCE = 1e-4  # relative, simulated against derived ratio


def derive() -> tuple[sp.Expr, sp.Expr, sp.Expr]:
    """The equilibrium ratio w_G / w_M, the critical data size (ratio 1), and the window's half-width: the factor
    on D that doubles the ratio."""
    # An interior point (both strengths positive) and r > 1, told to SymPy as r = 1 + k with k positive.
    strong_g, strong_m, k = sp.symbols("W_G W_M k", positive=True)
    objective = MODEL.objective.subs({w_G: strong_g, w_M: strong_m, r: 1 + k})
    # Both circuits feel the same cross-entropy force: stationarity in w_G minus stationarity in w_M.
    balance = sp.diff(objective, strong_g) - sp.diff(objective, strong_m)
    ratio = sp.powsimp(sp.expand_power_base(unique_solution(balance, strong_g, positive=True) / strong_m))
    critical = unique_solution(ratio - 1, D, positive=True)
    width = sp.simplify(unique_solution(ratio - 2, D, positive=True) / critical)
    return tuple(e.subs(k, r - 1) for e in (ratio, critical, width))


def simulated_ratio(exponent: sp.Expr, size: float) -> tuple[float, float]:
    """Final w_G / w_M and test accuracy of a run from the model's initial state."""
    run = simulate(MODEL, HORIZON, {"r": float(exponent), "D": size})
    return run.final("w_G") / run.final("w_M"), run.final("test_accuracy")


def main() -> int:
    ratio, critical, width = derive()
    print(f"derived    w_G/w_M = {ratio}  (interior equilibrium)")
    invariant = r not in critical.free_symbols
    print(f"           D_crit = {critical}, {'the same for every r' if invariant else 'DEPENDS ON r'};  "
          f"w_G/w_M = 2 at D_crit * {width}, 1/2 at D_crit / it")
    print(f"simulated  from the small-seed start, {HORIZON:g} steps:")
    print("     r        D   w_G/w_M derived   simulated   test accuracy")
    defaults = {s: v for s, v in MODEL.defaults.items() if s not in (r, D)}
    agree = invariant
    for exponent in EXPONENTS:
        d_crit = float(critical.subs(defaults))
        factor = float(width.subs({**defaults, r: exponent}))
        for size in (d_crit / factor, d_crit, d_crit * factor):
            derived = float(ratio.subs({**defaults, r: exponent, D: size}))
            simulated, accuracy = simulated_ratio(exponent, size)
            agree &= abs(simulated / derived - 1) < TOLERANCE
            print(f"  {str(exponent):>4} {size:8.1f} {derived:17.4f} {simulated:11.4f} {accuracy:15.3f}")
    print("derivation and simulation agree" if agree else "derivation and simulation DISAGREE")
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
