"""Two-circuit training objectives with weight decay. Their gradient flows are derived, never typed.

Two models share one shape (:class:`Model`), so one compile step and one simulator serve both:

* :data:`SQUARED_LOSS` — the solvable form. Each circuit's margin is a degree-2 homogeneous function
  of its parameter norm, z_C = theta_C^2 / s_C^2, with memorization cost s_m^2 = c_m D and
  generalization cost s_g^2 = c_g; squared loss on the training margin plus L2 weight decay. Its
  gradient flow in log margins is a competitive Lotka-Volterra system with an exact first integral
  (this package's construction after Varma et al. 2023).
* :data:`CROSS_ENTROPY` — the product-parameterized form of Varma et al. (2023, App. C/D), with
  Huang et al.'s (2024) memorizable fraction f: w_G = g1 g2, w_M = m1 m2, cross-entropy over q
  classes, penalty (lam/p)(P_G^p w_G^r + P_M^p w_M^r), r = p/kappa. Varma's App. C may write the
  penalty without the 1/p; pass lam' = p lam to reproduce that convention. The strengths are
  meant to stay >= 0: for r > 1 the penalty's force vanishes at w = 0, but for r = 1 it does not,
  so a dying circuit's strength crosses zero after it has lost; the simulator then stops with an
  error rather than report undefined norms.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import sympy as sp

from theory.circuits import VARMA, accuracy
from theory.functions import expit, softplus
from theory.symbols import (
    P_G,
    P_M,
    D,
    a,
    b,
    c_g,
    c_m,
    eta,
    eta_g,
    eta_m,
    f,
    g0,
    g1,
    g2,
    kappa,
    lam,
    m0,
    m1,
    m2,
    p,
    q,
    s_G,
    s_M,
    sigma,
    theta_g,
    theta_m,
    w_G,
    w_M,
    y,
)

HUANG = "Huang et al. 2024, arXiv 2402.15175"


@dataclass(frozen=True, eq=False)
class Model:
    """A training objective over ``state`` with per-variable learning ``rates``.

    The simulator integrates in ``coordinates`` (chosen for numerical range, e.g. log margins);
    ``to_state`` gives the state in terms of the coordinates. ``observables`` are expressions in the
    state and parameters. ``defaults`` hold every parameter and the initial state.
    Models hash by identity, so derivations can be memoized on them.
    """

    name: str
    state: tuple[sp.Symbol, ...]
    params: tuple[sp.Symbol, ...]
    objective: sp.Expr
    rates: tuple[sp.Expr, ...]
    coordinates: tuple[sp.Symbol, ...]
    to_state: tuple[sp.Expr, ...]
    observables: Mapping[str, sp.Expr]
    defaults: Mapping[sp.Symbol, float]
    initial: Mapping[sp.Symbol, sp.Expr]  # coordinate -> value, in symbols that ``defaults`` covers
    references: tuple[str, ...] = field(default=())
    # Named intermediate quantities (e.g. circuit strengths w = g1 g2) that the objective and the
    # observables may use; the flow differentiates through them by the chain rule.
    intermediates: Mapping[sp.Symbol, sp.Expr] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not (len(self.state) == len(self.rates) == len(self.coordinates) == len(self.to_state)):
            raise ValueError(f"model {self.name}: state, rates, coordinates and to_state differ in length")


# --- squared-loss (Lotka-Volterra) model ----------------------------------------------------------
_z_m = theta_m**2 / (c_m * D)
_z_g = theta_g**2 / c_g

SQUARED_LOSS = Model(
    name="squared_loss",
    state=(theta_m, theta_g),
    params=(y, c_m, c_g, D, lam, eta_m, eta_g, sigma),
    objective=(y - _z_m - _z_g) ** 2 / 2 + lam / 2 * (theta_m**2 + theta_g**2),
    rates=(eta_m, eta_g),
    coordinates=(a, b),
    to_state=(sp.sqrt(c_m * D) * sp.exp(a / 2), sp.sqrt(c_g) * sp.exp(b / 2)),
    observables={
        "memorizing_margin": _z_m,
        "generalizing_margin": _z_g,
        "train_margin": _z_m + _z_g,
        "test_margin": _z_g,
        "train_loss": (y - _z_m - _z_g) ** 2 / 2,
        "test_loss": (y - _z_g) ** 2 / 2,
        "norm": sp.sqrt(theta_m**2 + theta_g**2),
        "train_accuracy": accuracy(_z_m + _z_g),
        "test_accuracy": accuracy(_z_g),
    },
    defaults={
        y: 1.0, c_m: 0.1, c_g: 5.0, D: 100.0, lam: 0.01, eta_m: 1.0, eta_g: 0.1, sigma: 0.25, m0: 1e-2, g0: 1e-6,
    },
    initial={a: sp.log(m0), b: sp.log(g0)},
    references=(
        f"{VARMA} (circuit efficiency, D_crit)",
        "this package: two-circuit squared-loss reduction to competitive Lotka-Volterra",
    ),
)


# --- cross-entropy, product-parameterized model ----------------------------------------------------
_r = p / kappa


def _ce(margin: sp.Expr) -> sp.Expr:
    """Cross-entropy of a correct-class logit ``margin`` against q - 1 zero logits."""
    return softplus(sp.log(q - 1) - margin)


_train_loss = f * _ce(w_G + w_M) + (1 - f) * _ce(w_G)
# On a test input the memorizer votes for one fixed wrong class (Varma et al. App. C).
_test_loss = sp.log(sp.exp(w_G) + sp.exp(w_M) + q - 2) - w_G

CROSS_ENTROPY = Model(
    name="cross_entropy",
    state=(g1, g2, m1, m2),
    params=(q, lam, p, kappa, P_G, P_M, f, eta),
    objective=_train_loss + lam / p * (P_G**p * w_G**_r + P_M**p * w_M**_r),
    rates=(eta, eta, eta, eta),
    coordinates=(g1, g2, m1, m2),
    to_state=(g1, g2, m1, m2),
    observables={
        "w_G": w_G,
        "w_M": w_M,
        "train_loss": _train_loss,
        "test_loss": _test_loss,
        "test_margin": w_G - w_M,
        "generalizing_norm": P_G * w_G ** (1 / kappa),
        "memorizing_norm": P_M * w_M ** (1 / kappa),
        # Probability of the correct class: softmax over the q logits.
        "train_accuracy": f * expit(w_G + w_M - sp.log(q - 1)) + (1 - f) * expit(w_G - sp.log(q - 1)),
        "test_accuracy": sp.exp(-_test_loss),
    },
    defaults={
        q: 113, lam: 0.005, p: 2, kappa: 1.2, P_G: 1.0, P_M: 2.0, f: 1.0, eta: 0.01, s_G: 0.005, s_M: 1.0,
    },
    initial={g1: sp.Integer(0), g2: s_G, m1: sp.Integer(0), m2: s_M},
    references=(f"{VARMA}, App. C (simulation) and App. D (efficiency theorem)", f"{HUANG}, §3 (capacity f)"),
    intermediates={w_G: g1 * g2, w_M: m1 * m2},
)
