"""Where Huang et al.'s two curves cross, and the model-size window of the double-descent dip.

Below the crossing data size D*, walking up in model size passes progression -> ungrokking ->
(semi-)grokking: validation accuracy dips between the model size whose capacity reaches D and the
size whose critical data size falls to D (Huang et al. 2024, arXiv 2402.15175, §4, Prediction 1).
"""

from __future__ import annotations

import sympy as sp

from derivations.roots import unique_solution
from theory.circuits import HUANG, critical_data_size_of_model, memorization_capacity
from theory.registry import Derivation, register
from theory.symbols import A_mem, B_crit, D, M, mu, nu

_CURVES = ("huang.memorization_capacity", "huang.critical_data_size")
_crossing = sp.Eq(memorization_capacity, critical_data_size_of_model)
crossing_model_size = unique_solution(_crossing, M)
crossing_data_size = sp.powsimp(sp.powdenest(memorization_capacity.subs(M, crossing_model_size), force=True),
                                force=True)
register(
    "huang.crossing_model_size", crossing_model_size, [A_mem, mu, B_crit, nu],
    source=f"{HUANG}, Fig. 1 (the star); power-law curves illustrative",
    description="model size M* where memorization capacity equals the critical data size",
    derivation=Derivation("solve", _crossing, M, from_formulas=_CURVES),
)
register(
    "huang.crossing_data_size", crossing_data_size, [A_mem, mu, B_crit, nu],
    source=f"{HUANG}, §4 Prediction 1",
    description="data size D* below which model-wise double descent appears",
    derivation=Derivation("substitution", memorization_capacity,
                          from_formulas=("huang.memorization_capacity", "huang.crossing_model_size"),
                          note="the memorization capacity at the crossing model size M*"),
)
dip_start = unique_solution(sp.Eq(memorization_capacity, D), M)
dip_end = unique_solution(sp.Eq(critical_data_size_of_model, D), M)
register(
    "huang.dip_window_start", dip_start, [D, A_mem, mu],
    source=f"{HUANG}, §4", description="model size where capacity reaches D: the validation dip starts",
    derivation=Derivation("solve", sp.Eq(memorization_capacity, D), M, from_formulas=_CURVES[:1]),
)
register(
    "huang.dip_window_end", dip_end, [D, B_crit, nu],
    source=f"{HUANG}, §4", description="model size where D_crit(M) falls to D: generalization returns",
    derivation=Derivation("solve", sp.Eq(critical_data_size_of_model, D), M, from_formulas=_CURVES[1:]),
)
