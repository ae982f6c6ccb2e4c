"""Circuit efficiency: a memorizing circuit's cost grows with the data, a generalizing circuit's does not.

Efficiency is margin per unit squared parameter norm. Varma et al. (2023, arXiv 2309.02390, §3)
state the qualitative law (memorization efficiency falls with D, generalization efficiency does
not); the *linear* growth of the memorizer's squared norm with D (a lookup table whose squared
norm adds over examples) is this package's modelling choice. Huang et al. (2024, arXiv
2402.15175, §3) add model size: memorization capacity rises with M, the critical data size falls.
Neither paper gives functional forms for those two curves; the power laws here are illustrative.
"""

from __future__ import annotations

import sympy as sp

from theory.functions import normal_cdf
from theory.registry import register
from theory.symbols import A_mem, B_crit, D, M, beta_m, c_g, c_m, mu, nu, sigma, y, z

VARMA = "Varma et al. 2023, Explaining grokking through circuit efficiency, arXiv 2309.02390"
HUANG = "Huang et al. 2024, Unified view of grokking, double descent and emergent abilities, arXiv 2402.15175"

# Squared norm needed per unit margin (inverse efficiency).
memorization_cost = register(
    "circuits.memorization_cost", c_m * D, [c_m, D],
    source=f"{VARMA}, §3 (growth with D); linear squared-norm growth is a modelling choice",
    description="squared parameter norm per unit margin of the memorizing circuit; grows with D",
).expr
generalization_cost = register(
    "circuits.generalization_cost", c_g, [c_g],
    source=f"{VARMA}, §3",
    description="squared parameter norm per unit margin of the generalizing circuit; independent of D",
).expr

register(
    "circuits.efficiency_ratio", memorization_cost / generalization_cost, [c_m, c_g, D],
    source=f"{VARMA}, §3",
    description="efficiency of the generalizing circuit relative to the memorizing one (> 1: generalizer wins)",
)



def accuracy(margin: sp.Expr) -> sp.Expr:
    """Fraction of examples classified correctly when per-example margins are log-normal around ``margin``.

    An example counts as correct when its margin exceeds half the target y; the log-normal spread
    sigma turns the circuit margin into a smooth accuracy (0.5 exactly at margin y/2).
    """
    return normal_cdf(sp.log(2 * margin / y) / sigma)


register(
    "circuits.soft_accuracy", accuracy(z), [z, y, sigma],
    source="this package's modelling choice: log-normal per-example margins ('soft' accuracy)",
    description="accuracy when per-example margins are log-normal around z; 0.5 at z = y/2",
)


# --- Huang et al.: model size --------------------------------------------------------------------
memorization_capacity = register(
    "huang.memorization_capacity", A_mem * M**mu, [A_mem, M, mu],
    source=f"{HUANG}, Assumption 3.2 (monotone); power law illustrative",
    description="largest training set the model can memorize; increases with model size",
).expr
critical_data_size_of_model = register(
    "huang.critical_data_size", B_crit * M**-nu, [B_crit, M, nu],
    source=f"{HUANG}, Assumption 3.1 (monotone); power law illustrative",
    description="critical data size; decreases with model size",
).expr

memorizable_fraction = sp.Min(1, memorization_capacity / D)
"""Fraction of the training set a model of size M can memorize (Huang et al. §3.3, progression zone)."""

# Normalized norms of the cross-entropy model as functions of (M, D): equal where f D = D_crit(M).
generalization_norm_of_model = (critical_data_size_of_model / B_crit) ** beta_m
memorization_norm_of_model = (memorizable_fraction * D / B_crit) ** beta_m
