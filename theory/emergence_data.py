"""Named data sets for emergence: the critical-scale capability table, and Wei et al.'s emergent scales.

``CAPABILITY_TABLE`` is a table of critical scales and steepness factors that circulates, uncited, in
informal summaries of the emergence literature alongside the critical-scale law P = 1 - exp(-(N/N_c)^alpha).
No published paper reports its numbers, and no measurement here supports them: use them to draw the
law, not as evidence.
``WEI_EMERGENT_SCALES`` is Table 1 of Wei et al. (2022, arXiv 2206.07682), few-shot prompted rows:
the smallest model of a family at which each ability is above chance.
"""

from __future__ import annotations

import math
from typing import NamedTuple


class Capability(NamedTuple):
    """A capability's critical-scale range [N_c low, N_c high] (parameters; high = inf: open) and alpha."""

    name: str
    critical_low: float
    critical_high: float
    alpha: float


CAPABILITY_TABLE_SOURCE = ("table of critical scales and steepness factors circulating in informal summaries of "
                           "the emergence literature (uncited and unverified; not from a published paper)")
CAPABILITY_TABLE: tuple[Capability, ...] = (
    Capability("chain-of-thought", 50e9, 70e9, 3.2),
    Capability("math reasoning", 70e9, 100e9, 3.3),
    Capability("code generation", 20e9, 30e9, 3.0),
    Capability("multi-step reasoning", 100e9, math.inf, 3.5),
    Capability("instruction following", 10e9, 20e9, 2.8),
)


class EmergentScale(NamedTuple):
    """An ability, the training FLOPs and parameters where it emerged, and the model family."""

    ability: str
    flops: float
    parameters: float
    model: str


WEI_SOURCE = "Wei et al. 2022, Emergent abilities of large language models, arXiv 2206.07682, Table 1 (few-shot)"
WEI_EMERGENT_SCALES: tuple[EmergentScale, ...] = (
    EmergentScale("addition/subtraction (3 digit)", 2.3e22, 13e9, "GPT-3"),
    EmergentScale("addition/subtraction (4-5 digit)", 3.1e23, 175e9, "GPT-3"),
    EmergentScale("MMLU (57-topic average)", 3.1e23, 175e9, "GPT-3"),
    EmergentScale("toxicity classification (CivilComments)", 1.3e22, 7.1e9, "Gopher"),
    EmergentScale("TruthfulQA", 5.0e23, 280e9, "Gopher"),
    EmergentScale("MMLU (26 topics)", 5.0e23, 280e9, "Gopher"),
    EmergentScale("grounded conceptual mappings", 3.1e23, 175e9, "GPT-3"),
    EmergentScale("MMLU (30 topics)", 5.0e23, 70e9, "Chinchilla"),
    EmergentScale("Word in Context", 2.5e24, 540e9, "PaLM"),
)
