"""Neural scaling laws: Kaplan et al.'s forms and the Chinchilla form, with named published parameter sets.

Units: N counts parameters (Kaplan: non-embedding parameters; Hoffmann: all parameters), D counts
training tokens, C is training compute in FLOP with the approximation C = 6 N D, and losses are in
nats per token. Parameter sets are given in linear space (A, not log A); where a paper printed
rounded values and its source kept more digits, both sets are exposed, because the rounding moves
the compute-optimal allocation (Besiroglu et al. 2024, §3).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from theory.functions import power_of_sum
from theory.registry import register
from theory.symbols import POSITIVE, D, declare

KAPLAN = "Kaplan et al. 2020, Scaling laws for neural language models, arXiv 2001.08361"
HOFFMANN = "Hoffmann et al. 2022, Training compute-optimal large language models, arXiv 2203.15556"
BESIROGLU = "Besiroglu et al. 2024, Chinchilla scaling: a replication attempt, arXiv 2404.10102"

# --- symbols (D, the number of training tokens, is the package's shared data-size symbol) --------------
# Other families declare symbols with the same names (N, N_c, alpha, alpha_N, ...) and other meanings; the
# assumptions below differ from theirs, so each name stays a distinct SymPy symbol with its own metadata.
N = declare("N", "N", "number of model parameters", POSITIVE, positive=True, integer=True)
C = declare("C", "C", "training compute in FLOP (C = 6 N D)", positive=True, unit="FLOP")
E = declare("E", "E", "irreducible loss (entropy of the data), nats/token", positive=True)
A = declare("A", "A", "coefficient of the finite-model term", positive=True)
B = declare("B", "B", "coefficient of the finite-data term", positive=True)
alpha = declare("alpha", r"\alpha", "exponent of the finite-model term", POSITIVE, nonnegative=True)
beta = declare("beta", r"\beta", "exponent of the finite-data term", POSITIVE, nonnegative=True)
N_c = declare("N_c", "N_c", "Kaplan's parameter scale constant", POSITIVE, real=True)
D_c = declare("D_c", "D_c", "Kaplan's token scale constant", positive=True)
S_min = declare("S_min", r"S_{\min}", "optimizer steps at the critical batch size", positive=True)
S_c = declare("S_c", "S_c", "Kaplan's step scale constant", positive=True)
alpha_N = declare("alpha_N", r"\alpha_N", "Kaplan's parameter exponent", POSITIVE, real=True)
alpha_D = declare("alpha_D", r"\alpha_D", "Kaplan's token exponent", positive=True)
alpha_S = declare("alpha_S", r"\alpha_S", "Kaplan's step exponent", positive=True)
alpha_B = declare("alpha_B", r"\alpha_B", "Kaplan's critical-batch exponent", positive=True)
L = declare("L", "L", "target loss, nats/token", positive=True)
S = declare("S", "S", "optimizer steps taken", positive=True)
batch = declare("batch", "B", "batch size in tokens", positive=True, unit="tokens")
B_star = declare("B_star", "B_*", "Kaplan's critical-batch scale constant", positive=True, unit="tokens")
C_min = declare("C_min", r"C_{\min}", "compute at the critical batch size", positive=True, unit="PF-days")
C_c = declare("C_c", r"C_c^{\min}", "Kaplan's compute scale constant", positive=True, unit="PF-days")
alpha_C = declare("alpha_C", r"\alpha_C^{\min}", "Kaplan's compute exponent", positive=True)

# --- Kaplan et al. 2020 ---------------------------------------------------------------------------------
kaplan_params_loss = register(
    "scaling.kaplan_params_loss", (N_c / N) ** alpha_N, [N, N_c, alpha_N],
    source=f"{KAPLAN}, §1.2 Eq. (1.1)",
    description="converged loss of a model with N non-embedding parameters when data is not limiting",
).expr
kaplan_data_loss = register(
    "scaling.kaplan_data_loss", (D_c / D) ** alpha_D, [D, D_c, alpha_D],
    source=f"{KAPLAN}, §1.2 Eq. (1.2)",
    description="loss of a large model trained with early stopping on D tokens",
).expr
kaplan_loss = ((N_c / N) ** (alpha_N / alpha_D) + D_c / D) ** alpha_D
register(
    # Evaluated as a log-sum-exp: (N_c/N)^(alpha_N/alpha_D) alone may exceed the double range when L does not.
    "scaling.kaplan_loss", power_of_sum(kaplan_loss), [N, D, N_c, D_c, alpha_N, alpha_D],
    source=f"{KAPLAN}, §1.2 Eq. (1.5) and Table 2 (joint fit)",
    description="joint loss L(N, D); not additive: the data term's effect depends on N",
)
kaplan_steps_loss = register(
    "scaling.kaplan_steps_loss", (N_c / N) ** alpha_N + (S_c / S_min) ** alpha_S,
    [N, S_min, N_c, S_c, alpha_N, alpha_S],
    source=f"{KAPLAN}, §1.2 Eq. (1.6) and Table 3",
    description="loss after S_min steps at the critical batch size; additive in the N and S terms",
).expr

kaplan_compute_loss = register(
    "scaling.kaplan_compute_loss", (C_c / C_min) ** alpha_C, [C_min, C_c, alpha_C],
    source=f"{KAPLAN}, §1.2 Eq. (1.3)",
    description="loss on the compute-efficient frontier, C_min in PF-days (1 PF-day = 8.64e19 FLOP)",
).expr
critical_batch = register(
    "scaling.kaplan_critical_batch", B_star / L ** (1 / alpha_B), [L, B_star, alpha_B],
    source=f"{KAPLAN}, §5.1 (B_crit(L) fit)",
    description="critical batch size in tokens at loss L: larger batches waste compute, smaller ones steps",
).expr
register(
    "scaling.kaplan_min_steps", S / (1 + critical_batch / batch), [S, batch, L, B_star, alpha_B],
    source=f"{KAPLAN}, §5.1 (step adjustment)",
    description="steps S_min a run of S steps at batch B would need at a batch much larger than critical",
)
register(
    "scaling.kaplan_min_compute", 6 * N * batch * S / (1 + batch / critical_batch),
    [N, batch, S, L, B_star, alpha_B],
    source=f"{KAPLAN}, §5.1 (compute adjustment) with C = 6 N B S",
    description="compute C_min (FLOP) a run would need at a batch much smaller than critical",
)
register(
    "scaling.kaplan_min_compute_exponent", 1 / (1 / alpha_S + 1 / alpha_B + 1 / alpha_N), [alpha_S, alpha_B, alpha_N],
    source=f"{KAPLAN}, §6 (alpha_C^min from the L(N, S) and B_crit fits)",
    description="exponent of L(C_min) on the compute-efficient frontier; 0.052 from the rounded fits (0.050 fitted)",
)

# --- Chinchilla -----------------------------------------------------------------------------------------
model_term = A / N**alpha
"""Finite-model (approximation) term of the Chinchilla form."""
data_term = B / D**beta
"""Finite-data (estimation and, in one epoch, optimization) term of the Chinchilla form."""
chinchilla_loss = register(
    "scaling.chinchilla_loss", E + model_term + data_term, [N, D, E, A, B, alpha, beta],
    source=f"{HOFFMANN}, §3.3 Eq. (2) (Approach 3)",
    description="parametric loss E + A/N^alpha + B/D^beta: entropy + finite-model + finite-data terms",
).expr


@dataclass(frozen=True)
class ParameterSet:
    """Named values of a scaling law's parameters (keys are the formula's parameter names)."""

    name: str
    values: dict[str, float]
    source: str
    note: str = ""


def _from_logs(log_a: float, log_b: float, log_e: float, a: float, b: float) -> dict[str, float]:
    return {"A": math.exp(log_a), "B": math.exp(log_b), "E": math.exp(log_e), "alpha": a, "beta": b}


CHINCHILLA_SETS = {
    s.name: s
    for s in (
        ParameterSet(
            "hoffmann_rounded", {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28},
            source=f"{HOFFMANN}, App. D.2 Eq. (10)",
            note="rounded as printed; the rounding shifts D_opt/N_opt by ~1.6x at Chinchilla's compute",
        ),
        ParameterSet(
            "hoffmann_unrounded", _from_logs(6.0073404, 6.0179186, 0.5267228, 0.33917084, 0.2849083),
            source=f"{HOFFMANN}, TeX source of App. D.2 (log A, log B, log E as quoted by {BESIROGLU})",
            note="full-precision version of the published fit",
        ),
        ParameterSet(
            "besiroglu2024", _from_logs(6.17796, 7.64273, 0.59711, 0.34781, 0.36585),
            source=f"{BESIROGLU}, table of estimates (Huber-likelihood fit; log-parameters from their notebook)",
            note="refit to the 240 runs extracted from Hoffmann et al. Fig. 4",
        ),
    )
}
"""Chinchilla-form parameter sets: Hoffmann's rounded and unrounded fit, and the replication's refit."""

KAPLAN_SETS = {
    s.name: s
    for s in (
        ParameterSet("kaplan_joint", {"N_c": 6.4e13, "D_c": 1.8e13, "alpha_N": 0.076, "alpha_D": 0.103},
                     source=f"{KAPLAN}, Table 2 (L(N, D))"),
        ParameterSet("kaplan_steps", {"N_c": 6.5e13, "S_c": 2.1e3, "alpha_N": 0.077, "alpha_S": 0.76},
                     source=f"{KAPLAN}, Table 3 (L(N, S))"),
        ParameterSet("kaplan_compute", {"C_c": 3.1e8, "alpha_C": 0.050},
                     source=f"{KAPLAN}, §1.2 Eq. (1.3) (C_min in PF-days)"),
        ParameterSet("kaplan_batch", {"B_star": 2e8, "alpha_B": 0.21}, source=f"{KAPLAN}, §5.1 (B_crit(L) fit)"),
        ParameterSet("kaplan_single", {"N_c": 8.8e13, "D_c": 5.4e13, "alpha_N": 0.076, "alpha_D": 0.095},
                     source=f"{KAPLAN}, §1.2 Eqs. (1.1)-(1.2) (single-variable fits)"),
    )
}
"""Kaplan-form parameter sets (N in non-embedding parameters, D in tokens)."""
