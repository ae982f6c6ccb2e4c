"""Emergence as stated by its explanations: phase-transition laws, the metric mirage, loss thresholds, quanta.

Each explanation is a formula in model scale N (parameter count, or training compute where noted):

* informal phase-transition forms circulating in summaries of the emergence literature (uncited): the
  critical-scale (Weibull) law P = 1 - exp(-(N/N_c)^alpha), its shifted and floored variants, and a loss
  slope with a regime switch;
* the mirage (Schaeffer et al. 2023): a smooth per-token loss turned sharp by exact match, kept smooth by
  token edit distance; multiple-choice grade against the Brier score under a multinomial logit;
* the loss threshold (Du et al. 2024): performance f(loss) H(eta - loss) composed with a scaling law;
* the quantization model (Michaud et al. 2023): Zipf-distributed quanta learned in order;
* Arora and Goyal's (2023) skill graph, through a binomial-tail (Chernoff) bound reconstructed here.

Derived results (inflections, widths, thresholds, exponents) live in :mod:`derivations.emergence.forms`.

The claims accompanying these forms, with their verdicts and counterexamples, are checked in the claims
catalog (``circuitcomp claims --source documents``): see claims documents.critical_scale_step,
documents.emergence_window, documents.floored_unit_free, documents.emergence_point_argmax,
documents.signal_to_noise_jump and documents.product_exceeds_sum.
"""

from __future__ import annotations

import sympy as sp

from theory.functions import expit
from theory.registry import register
from theory.symbols import NONNEGATIVE_INTEGER, POSITIVE, Domain, declare

INFORMAL = ("informal phase-transition forms circulating in summaries of the emergence literature "
            "(uncited; no published paper states them in this form)")
SCHAEFFER = "Schaeffer, Miranda, Koyejo 2023, Are emergent abilities of LLMs a mirage?, arXiv 2304.15004"
DU = "Du, Zeng, Dong, Tang 2024, Understanding emergent abilities of LMs from the loss perspective, arXiv 2403.15796"
MICHAUD = "Michaud, Liu, Girit, Tegmark 2023, The quantization model of neural scaling, arXiv 2303.13506"
ARORA = "Arora, Goyal 2023, A theory for emergence of complex skills and inductive biases, arXiv 2307.15936"
OPEN_UNIT = Domain(0.0, 1.0)


# --- informal phase-transition forms ------------------------------------------------------------------
N = declare("N", "N", "model scale: parameter count (or training compute)", positive=True)
N_c = declare("N_c", "N_c", "critical scale of a capability", positive=True)
alpha = declare("alpha", r"\alpha", "steepness exponent of the critical-scale law", positive=True)
eps = declare("eps", r"\varepsilon", "floor probability, or relative half-width of the emergence window",
              OPEN_UNIT, positive=True)
alpha_N = declare("alpha_N", r"\alpha_N", "exponent of the loss power law in N", positive=True)
kappa_s = declare("kappa", r"\kappa", "strength of the loss-slope regime switch above N_c", nonnegative=True)
delta = declare("delta", r"\delta", "exponent of the regime switch, (N - N_c)^delta", positive=True)

critical_scale_probability = register(
    "emergence.critical_scale_probability", 1 - sp.exp(-(N / N_c) ** alpha), [N, N_c, alpha],
    source=f"{INFORMAL}: the critical-scale law, a Weibull CDF in N",
    description="probability that a capability has emerged at scale N; 1 - 1/e at N = N_c, not a step for alpha ~ 3",
).expr
register(
    "emergence.shifted_critical_scale_probability",
    sp.Piecewise((1 - sp.exp(-((N - N_c) / N_c) ** alpha), N > N_c), (0, True)), [N, N_c, alpha],
    source=f"{INFORMAL}: the law shifted to start at N_c (order parameter ~ (N - N_c)^beta near the threshold)",
    description="shifted critical-scale law: 0 up to N_c, then 1 - exp(-((N - N_c)/N_c)^alpha)",
)
register(
    "emergence.floored_critical_scale_probability",
    sp.Piecewise((1 - (1 - eps) * sp.exp(-(N - N_c) ** alpha), N >= N_c), (eps, True)), [N, N_c, alpha, eps],
    source=f"{INFORMAL}: the law with a floor eps; (N - N_c)^alpha is not dimensionless, so P depends on the unit of N",
    description="piecewise law with floor eps: eps below N_c, 1 - (1 - eps) exp(-(N - N_c)^alpha) above",
)
# The loss a pure power law L = (N_c/N)^alpha_N has, with an extra factor above N_c (Heaviside switch).
register(
    "emergence.regime_switch_slope",
    -alpha_N * N_c**alpha_N / N ** (1 + alpha_N)
    * (1 + kappa_s * sp.Piecewise(((N - N_c) ** delta, N > N_c), (0, True))),
    [N, N_c, alpha_N, kappa_s, delta],
    source=f"{INFORMAL}: a loss slope dL/dN with a Heaviside regime switch at N_c",
    description="loss slope dL/dN: the power law's slope below N_c, multiplied by 1 + kappa (N - N_c)^delta above",
)

# --- the mirage ----------------------------------------------------------------------------------------
c = declare("c", "c", "scale constant of the per-token loss power law (N/c)^alpha", positive=True)
alpha_m = declare("alpha", r"\alpha", "per-token loss exponent in N (negative: loss falls with N)", Domain(hi=0.0),
                  negative=True)
L = declare("L", "L", "target length in tokens", Domain(0.0, integer=True), positive=True, integer=True)

per_token_loss = register(
    "emergence.per_token_loss", (N / c) ** alpha_m, [N, c, alpha_m],
    source=f"{SCHAEFFER}, §2 (illustrative power law, alpha < 0)",
    description="per-token cross-entropy (nats) as a power law in N",
).expr
token_probability = sp.exp(-per_token_loss)
register(
    "emergence.token_probability", token_probability, [N, c, alpha_m],
    source=f"{SCHAEFFER}, §2", description="probability of one correct token, exp(-per-token loss)",
)
exact_match_accuracy = register(
    "emergence.exact_match_accuracy", token_probability**L, [N, c, alpha_m, L],
    source=f"{SCHAEFFER}, §2 (independent tokens: p^L)",
    description="exact-match accuracy over L tokens, p(N)^L; sharp in ln N for any L",
).expr
register(
    "emergence.token_edit_distance", L * (1 - token_probability), [N, c, alpha_m, L],
    source=f"{SCHAEFFER}, §2 and App. A (L(1 - p); the appendix's L(1 - eps) reads eps as success probability)",
    description="expected token edit distance (substitutions only), L (1 - p(N)); smooth, -> L (N/c)^alpha",
)

# Multinomial logit: the correct option's logit s ln(N/N_x) against K - 1 zero-logit distractors.
K = declare("K", "K", "number of answer options", Domain(2.0, lo_closed=True, integer=True), positive=True,
            integer=True)
s_logit = declare("slope", "s", "slope of the correct option's logit in ln N", positive=True)
N_x = declare("N_x", r"N_\times", "scale at which the correct option's logit overtakes the distractors'", positive=True)
choice_probability = register(
    "emergence.choice_probability", expit(s_logit * sp.log(N / N_x) - sp.log(K - 1)), [N, N_x, s_logit, K],
    source=f"{SCHAEFFER}, §2 (multiple choice); multinomial logit with logit s ln(N/N_x) is this package's choice",
    description="probability mass on the correct option among K; 1/K at N = N_x",
).expr
register(
    "emergence.multiple_choice_grade", sp.Piecewise((1, N > N_x), (0, True)), [N, N_x],
    source=f"{SCHAEFFER}, §2 (MCG: 1 if the correct option has the most mass)",
    description="multiple-choice grade of one item: a step at N_x, where the correct logit overtakes the others",
)
register(
    "emergence.brier_score",
    (1 - choice_probability) ** 2 + (K - 1) * ((1 - choice_probability) / (K - 1)) ** 2, [N, N_x, s_logit, K],
    source=f"{SCHAEFFER}, §2 (Brier score); distractors share the remaining mass equally",
    description="Brier score of the multinomial logit over K options; (K-1)/K at chance (0.75 for K = 4)",
)

# --- the loss threshold (Du et al.) -------------------------------------------------------------------
loss = declare("loss", r"\mathcal{L}", "pre-training loss (nats per token)", positive=True)
# real=True keeps this threshold a different symbol from the learning rate eta.
eta_loss = declare("eta", r"\eta", "loss threshold below which the ability appears", POSITIVE, real=True)
L_min = declare("L_min", r"L_{\min}", "loss at which normalized performance reaches 1", positive=True)
L_inf = declare("L_inf", r"L_\infty", "irreducible loss of the scaling law", positive=True)
N0 = declare("N0", "N_0", "scale constant of the loss power law (N0/N)^alpha_N", positive=True)

threshold_performance = register(
    "emergence.threshold_performance",
    sp.Piecewise(((eta_loss - loss) / (eta_loss - L_min), loss < eta_loss), (0, True)), [loss, eta_loss, L_min],
    source=f"{DU}, §4 (P = f(L) H(eta - L)); the linear f is this package's choice",
    description="normalized performance (chance = 0): 0 above the loss threshold eta, linear in eta - loss below",
    constraints=[(L_min < eta_loss, "needs L_min < eta")],
)
scaling_loss = L_inf + (N0 / N) ** alpha_N
register(
    "emergence.threshold_performance_of_scale",
    sp.Piecewise(((eta_loss - scaling_loss) / (eta_loss - L_min), scaling_loss < eta_loss), (0, True)),
    [N, eta_loss, L_min, L_inf, N0, alpha_N],
    source=f"{DU}, §4, with Henighan et al. 2020's L(N) = L_inf + (N0/N)^alpha_N",
    description="normalized performance vs N: 0 until the loss falls below eta, then rising",
    constraints=[(L_min < eta_loss, "needs L_min < eta"),
                 (L_min <= L_inf, "performance stays <= 1 only if L_min <= L_inf")],
)

# --- quanta (Michaud et al.) --------------------------------------------------------------------------
# Distinct assumptions (real, nonzero; domain positive) keep the Zipf exponent a different symbol from every
# other alpha (the critical-scale steepness here, exponents of other families), so no description is shared.
alpha_q = declare("alpha", r"\alpha", "Zipf tail exponent: quantum k is used with frequency ~ k^-(alpha+1)",
                  POSITIVE, real=True, nonzero=True)
k = declare("k", "k", "rank of a quantum (1 = most frequent)", Domain(0.0, integer=True), positive=True, integer=True)
n_int = declare("n", "n", "number of quanta learned (the most frequent first)",
                NONNEGATIVE_INTEGER, nonnegative=True, integer=True)
a_q = declare("a", "a", "loss on samples whose quantum is learned", nonnegative=True)
b_q = declare("b", "b", "loss on samples whose quantum is not learned", positive=True)
tau = declare("tau", r"\tau", "examples of a quantum needed to learn it", positive=True)

quanta_probability = register(
    "emergence.quanta_probability", k ** -(alpha_q + 1) / sp.zeta(alpha_q + 1), [k, alpha_q],
    source=f"{MICHAUD}, §3 (Zipf law, exponent alpha + 1)",
    description="use frequency of the k-th quantum, k^-(alpha+1) / zeta(alpha+1); sums to 1",
).expr
register(
    "emergence.quanta_sample_loss", sp.Piecewise((a_q, n_int >= k), (b_q, True)), [k, n_int, a_q, b_q],
    source=f"{MICHAUD}, §3 (loss a on samples whose quantum is learned, b otherwise)",
    description="loss on the k-th quantum's samples after the n most frequent quanta are learned: b, then a from n = k",
    constraints=[(a_q < b_q, "a learned quantum must lower the loss: a < b")],
)
register(
    "emergence.quanta_loss_discrete", a_q + (b_q - a_q) * sp.zeta(alpha_q + 1, n_int + 1) / sp.zeta(alpha_q + 1),
    [n_int, alpha_q, a_q, b_q],
    source=f"{MICHAUD}, §3 (exact tail sum, a Hurwitz zeta)",
    description="mean loss after learning the n most frequent quanta: a + (b - a) sum_{k > n} p_k",
    constraints=[(a_q < b_q, "a learned quantum must lower the loss: a < b")],
)

# --- skill graph (Arora and Goyal), reconstructed tail bound ----------------------------------------
theta = declare("theta", r"\theta", "error fraction: measure of the text pieces the model fails", OPEN_UNIT,
                positive=True)
beta_s = declare("beta_s", r"\beta_s", "a skill counts as failing above beta_s theta failed pieces (beta_s > 1)",
                 positive=True)
degree = declare("degree", r"\deg", "number of text pieces adjacent to a skill", positive=True)


def binary_kl(x: sp.Expr, y: sp.Expr) -> sp.Expr:
    """KL divergence between Bernoulli(x) and Bernoulli(y)."""
    return x * sp.log(x / y) + (1 - x) * sp.log((1 - x) / (1 - y))


register(
    "emergence.skill_failure_tail_bound", sp.exp(-degree * binary_kl(beta_s * theta, theta)), [theta, beta_s, degree],
    source=f"{ARORA}, Thm. 8 (type of result); this Chernoff-bound form is a reconstruction, not the paper's text",
    description="Chernoff bound on P[Bin(deg, theta) >= beta_s theta deg], the fraction of skills failing that often",
    constraints=[(beta_s > 1, "needs beta_s > 1"), (beta_s * theta < 1, "needs beta_s theta < 1")],
)
