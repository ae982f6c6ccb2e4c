"""The emergence papers' central claims: Schaeffer et al. (the mirage, metric choice), Du et al. (the loss
threshold), Michaud et al. (the quantization model's exponents), Arora and Goyal (skill emergence) and Huang et
al. (multi-task emergence moving with task difficulty and memorization data), each made precise.
"""

from __future__ import annotations

import math

import numpy as np
import sympy as sp

from derivations.claims import Outcome, Proof, claim
from derivations.claims.catalog.documents import formula_expr, log_slope, value_at
from derivations.evaluate import evaluate
from theory.registry import get

SCHAEFFER = "Schaeffer, Miranda, Koyejo 2023, Are emergent abilities of LLMs a mirage?, arXiv 2304.15004"
DU = "Du, Zeng, Dong, Tang 2024, Understanding emergent abilities of LMs from the loss perspective, arXiv 2403.15796"
MICHAUD = "Michaud, Liu, Girit, Tegmark 2023, The quantization model of neural scaling, arXiv 2303.13506"
ARORA = "Arora, Goyal 2023, A theory for emergence of complex skills and inductive biases, arXiv 2307.15936"
HUANG = "Huang et al. 2024, Unified view of grokking, double descent and emergent abilities, arXiv 2402.15175"
EXACT = "emergence.exact_match_accuracy"
TED = "emergence.token_edit_distance"
# Per-token loss (N/c)^alpha: exponents from a slow -0.05 to a steep -2, scales c around 1e9 parameters.
MIRAGE = {"c": (1e8, 1e10), "alpha": (-2.0, -0.05), "L": (1, 10)}


# --- Schaeffer et al.: the mirage ------------------------------------------------------------------------
@claim(
    "Exact match over L tokens, p(N)^L, is the one-token curve shifted to larger scale: "
    "Acc_L(N) = Acc_1(N / L^(1/|alpha|))",
    id="emergence.mirage_shift", source=f"{SCHAEFFER}, §2 (model); the shift derived here",
    about=(EXACT, "emergence.mirage_translation_factor"), domain={"N": (1e6, 1e14), **MIRAGE},
    integers=("L",),
    reading="the registered exact match at (N, L) equals the registered exact match at (N / factor, 1), factor = "
            "emergence.mirage_translation_factor, for every scale, per-token exponent alpha < 0 and target length: "
            "on a log axis every target length draws the same curve, moved right by ln(L)/|alpha|",
)
def mirage_shift(N: sp.Expr, c: sp.Expr, alpha: sp.Expr, L: sp.Expr) -> sp.Basic:
    factor = formula_expr("emergence.mirage_translation_factor", alpha=alpha, L=L)
    return sp.Eq(formula_expr(EXACT, N=N, c=c, alpha=alpha, L=L),
                 formula_expr(EXACT, N=N / factor, c=c, alpha=alpha, L=1))


def _inflection_proof() -> Proof:
    from derivations.emergence.forms import log_derivative

    c, length = sp.symbols("c L", positive=True)
    alpha = sp.Symbol("alpha", negative=True)
    n = get(EXACT).symbols[0]
    accuracy = formula_expr(EXACT, c=c, alpha=alpha, L=length)
    point = formula_expr("emergence.mirage_inflection_scale", c=c, alpha=alpha, L=length)
    return Proof.combine(value_at("d^2Acc/d(ln N)^2", log_derivative(accuracy, 2), n, point, 0),
                         value_at("Acc", accuracy, n, point, sp.exp(-1)))


@claim(
    "Exact match looks emergent: it rises steepest (its emergence point) where the accuracy is 1/e, whatever L",
    id="emergence.mirage_inflection", source=f"{SCHAEFFER}, §2 (model); the inflection derived here",
    about=(EXACT, "emergence.mirage_inflection_scale"), domain=MIRAGE, log=("c",), integers=("L",),
    reading="at the registered inflection scale c L^(1/|alpha|), d^2Acc/d(ln N)^2 = 0 and Acc = 1/e exactly, for every "
            "alpha < 0 and target length L (proved): the emergence point is the same accuracy level for every task "
            "length. The search checks Acc = 1/e there within 1e-12",
    proof=_inflection_proof, examples=20,
)
def mirage_inflection(c: float, alpha: float, L: int, tolerance: float = 1e-12) -> Outcome:
    point = evaluate("emergence.mirage_inflection_scale", c=c, alpha=alpha, L=L)
    accuracy = evaluate(EXACT, N=point, c=c, alpha=alpha, L=L)
    return Outcome(abs(accuracy - math.exp(-1)) <= tolerance, accuracy=accuracy)


@claim(
    "Exact match over longer targets rises more sharply with scale (it looks more emergent)",
    id="emergence.mirage_longer_sharper", source=f"{SCHAEFFER}, §2 and Fig. 2C",
    about=(EXACT, "emergence.mirage_max_slope"),
    domain=MIRAGE, log=("c",), integers=("L",),
    reading="sharpness = the largest slope of Acc against ln N (taken at the registered inflection, by central "
            "differences over +-1e-4 in ln N); 'more sharply' = the target of L + 1 tokens has a larger one, by more "
            "than 1e-3 relative. The model's largest slope is |alpha|/e for every L: longer targets shift the curve",
    examples=25,
)
def mirage_longer_sharper(c: float, alpha: float, L: int, rtol: float = 1e-3) -> Outcome:
    slopes = [log_slope(EXACT, evaluate("emergence.mirage_inflection_scale", c=c, alpha=alpha, L=length), c=c,
                        alpha=alpha, L=length) for length in (L, L + 1)]
    return Outcome(slopes[1] > slopes[0] * (1 + rtol), slope_L=slopes[0], slope_longer=slopes[1])


def _edit_distance_tail_proof() -> Proof:
    n, c, length = sp.symbols("N c L", positive=True)
    alpha, x = sp.Symbol("alpha", negative=True), sp.Symbol("x", positive=True)
    slope = sp.simplify(n * sp.diff(sp.log(formula_expr(TED, N=n, c=c, alpha=alpha, L=length)), n))
    # x = (N/c)^alpha, the per-token loss: N -> inf is x -> 0+.
    in_x = sp.powsimp(sp.expand_power_base(slope.subs(n, c * x ** (1 / alpha)), force=True), force=True)
    return Proof.combine(
        Proof([("d ln TED / d ln N", slope), ("with x = (N/c)^alpha, the per-token loss", in_x)], holds=True),
        Proof.limit(in_x / alpha, x, 0, 1, text="slope / alpha as the loss x -> 0 (N -> inf)"),
    )


@claim(
    "Token edit distance improves smoothly: at small loss it falls as a power law in N with the per-token exponent",
    id="emergence.mirage_edit_distance_power_law", source=f"{SCHAEFFER}, §2 and Fig. 2E", about=(TED,),
    domain={"loss": (1e-9, 1e-3), **MIRAGE}, log=("loss", "c"), integers=("L",),
    reading="the log-log slope d ln TED / d ln N tends to alpha as N -> infinity (proved): straight on log-log axes. "
            "The search checks it at the scale where the per-token loss (N/c)^alpha equals 'loss': slope/alpha within "
            "'loss' of 1 (central differences over +-1e-4 in ln N)",
    proof=_edit_distance_tail_proof, examples=25,
)
def mirage_edit_distance_power_law(loss: float, c: float, alpha: float, L: int) -> Outcome:
    slope = log_slope(TED, c * loss ** (1 / alpha), of_log=True, c=c, alpha=alpha, L=L)
    return Outcome(abs(slope / alpha - 1) <= loss, log_log_slope=slope)


@claim(
    "With more test data, the scale at which exact match first reads above zero moves to smaller models",
    id="emergence.mirage_resolution", source=f"{SCHAEFFER}, App. A (resolution)",
    about=("emergence.resolution_threshold_scale",),
    domain={"n_test": (2, 10**6), **MIRAGE}, integers=("n_test", "L"), log=("c",),
    reading="the resolution scale, where the expected exact match reaches one item in n_test "
            "(emergence.resolution_threshold_scale), is strictly smaller for a test set twice as large",
    examples=25,
)
def mirage_resolution(n_test: int, c: float, alpha: float, L: int) -> Outcome:
    scales = evaluate("emergence.resolution_threshold_scale", c=c, alpha=alpha, L=L,
                      n_test=np.array([n_test, 2 * n_test]))
    return Outcome(bool(scales[1] < scales[0]), scale=scales[0], scale_twice_the_data=scales[1])


@claim(
    "Emergence under the multiple-choice grade disappears under the Brier score, which changes smoothly",
    id="emergence.mirage_brier_smooth", source=f"{SCHAEFFER}, §2 and §4 (LaMDA, BIG-bench)",
    about=("emergence.brier_score", "emergence.multiple_choice_grade"),
    domain={"N": (1e6, 1e14), "N_x": (1e8, 1e11), "slope": (0.1, 3.0), "K": (2, 10)}, log=("N", "N_x"),
    integers=("K",),
    reading="in the package's multinomial logit (correct logit s ln(N/N_x) against K - 1 distractors), the grade "
            "steps from 0 to 1 at N_x, while the Brier score falls at every scale and changes by less than 0.02 over "
            "any 1% step of N (logit slopes s up to 3)",
    examples=25,
)
def mirage_brier_smooth(N: float, N_x: float, slope: float, K: int, step: float = 0.02) -> Outcome:
    now, later = evaluate("emergence.brier_score", N=N * np.array([1.0, 1.01]), N_x=N_x, slope=slope, K=K)
    grade = evaluate("emergence.multiple_choice_grade", N=N_x * np.array([0.99, 1.01]), N_x=N_x)
    return Outcome(bool(0 <= now - later < step and grade[1] - grade[0] == 1), brier=now, brier_next=later)


@claim(
    "The emergence score (BIG-bench's breakthroughness) measures how sharply a task's performance rises with scale",
    id="emergence.emergence_score_window", source=f"{SCHAEFFER}, §4 Eq. (1), after Srivastava et al. 2022",
    about=("emergence.brier_score",),
    domain={"slope": (0.5, 3.0), "K": (2, 10), "window": (10.0, 1e3), "widen": (10.0, 100.0)},
    integers=("K",), log=("window", "widen"),
    reading="a measure of the curve, not of the sampling: the score of one smooth curve (minus the Brier score of the "
            "logit model, N_x = 1) on 41 log-spaced scales from 1/window to window, and over a window 'widen' times "
            "wider, agree within a factor 2",
    examples=25,
)
def emergence_score_window(slope: float, K: int, window: float, widen: float, factor: float = 2.0) -> Outcome:
    from derivations.emergence.finite import breakthroughness

    scores = [breakthroughness(-evaluate("emergence.brier_score", N=np.geomspace(1 / w, w, 41), N_x=1.0,
                                         slope=slope, K=K)) for w in (window, window * widen)]
    return Outcome(1 / factor <= scores[1] / scores[0] <= factor, score=scores[0], score_wider=scores[1])


# --- Du et al.: the loss threshold ------------------------------------------------------------------------
THRESHOLD = "emergence.loss_threshold_scale"


@claim(
    "An ability is absent (at chance) while the loss is above the threshold eta and present below: in scale, "
    "from N_0 (eta - L_inf)^(-1/alpha_N) on",
    id="emergence.loss_threshold_scale", source=f"{DU}, §4",
    about=(THRESHOLD, "emergence.threshold_performance_of_scale"),
    domain={"eta": (1.8, 3.0), "L_inf": (1.5, 1.75), "N0": (1e8, 1e14), "alpha_N": (0.05, 0.5)}, log=("N0",),
    reading="with Henighan et al.'s L(N) = L_inf + (N0/N)^alpha_N and the linear f (L_min = L_inf): normalized "
            "performance is 0 at 0.999 999 of the registered threshold scale and positive at 1.001 of it",
    examples=25,
)
def loss_threshold_scale(eta: float, L_inf: float, N0: float, alpha_N: float) -> Outcome:
    scale = evaluate(THRESHOLD, eta=eta, L_inf=L_inf, N0=N0, alpha_N=alpha_N)
    below, above = evaluate("emergence.threshold_performance_of_scale", N=scale * np.array([1 - 1e-6, 1.001]), eta=eta,
                            L_min=L_inf, L_inf=L_inf, N0=N0, alpha_N=alpha_N)
    return Outcome(bool(below == 0 and above > 0), threshold_scale=scale, P_below=below, P_above=above)


def _threshold_limit_proof() -> Proof:
    l_inf, n0, alpha_n, gap = sp.symbols("L_inf N0 alpha_N gap", positive=True)
    scale = formula_expr(THRESHOLD, eta=l_inf + gap, L_inf=l_inf, N0=n0, alpha_N=alpha_n)
    return Proof.limit(scale, gap, 0, sp.oo, text="threshold scale as eta - L_inf = gap -> 0+")


@claim(
    "A threshold closer to the irreducible loss needs ever larger models: N_eta -> infinity as eta -> L_inf",
    id="emergence.loss_threshold_diverges", source=f"{DU}, §4 (threshold in N); the limit derived here",
    about=(THRESHOLD,), domain={"L_inf": (1.5, 1.75), "N0": (1e8, 1e14), "alpha_N": (0.05, 0.5)},
    reading="with gap = eta - L_inf > 0, the registered threshold scale tends to infinity as gap -> 0+, for every "
            "N0 > 0 and alpha_N > 0 (proved; the search checks N_eta > 1000 N0 at gap = 1e-6)",
    proof=_threshold_limit_proof, examples=20,
)
def loss_threshold_diverges(L_inf: float, N0: float, alpha_N: float, gap: float = 1e-6) -> Outcome:
    scale = evaluate(THRESHOLD, eta=L_inf + gap, L_inf=L_inf, N0=N0, alpha_N=alpha_N)
    return Outcome(scale > 1e3 * N0, threshold_scale=scale)


# --- Michaud et al.: the quantization model ------------------------------------------------------------------
QUANTA_ALPHA = (0.05, 3.0)


@claim(
    "The loss falls with parameters as N^(-alpha_N) with alpha_N = alpha, the Zipf tail exponent of the quanta",
    id="emergence.quanta_parameter_exponent", source=f"{MICHAUD}, §3",
    about=("emergence.quanta_loss_of_scale", "emergence.quanta_parameter_exponent"),
    domain={"N": (1.0, 1e14), "C_q": (1.0, 1e8), "alpha": QUANTA_ALPHA, "a": (0.0, 1.0), "b": (2.0, 10.0)},
    reading="the reducible loss L(N) - a of the registered L(N) (n = N/C_q quanta) falls by exactly 2^-alpha_N when "
            "N doubles, at every N, with alpha_N the registered exponent, equal to alpha: a power law in N",
)
def quanta_parameter_exponent(N: sp.Expr, C_q: sp.Expr, alpha: sp.Expr, a: sp.Expr, b: sp.Expr) -> sp.Basic:
    def reducible(n: sp.Expr) -> sp.Expr:
        return formula_expr("emergence.quanta_loss_of_scale", N=n, C_q=C_q, alpha=alpha, a=a, b=b) - a

    exponent = formula_expr("emergence.quanta_parameter_exponent", alpha=alpha)
    return sp.And(sp.Eq(reducible(2 * N) / reducible(N), 2 ** (-exponent)), sp.Eq(exponent, alpha))


@claim(
    "The loss falls with data as D^(-alpha_D) with alpha_D = alpha/(alpha + 1) = alpha_N/(alpha_N + 1) < alpha_N",
    id="emergence.quanta_data_exponent", source=f"{MICHAUD}, §3",
    about=("emergence.quanta_loss_of_data", "emergence.quanta_data_exponent"),
    domain={"D": (1.0, 1e14), "tau": (1.0, 100.0), "alpha": QUANTA_ALPHA, "a": (0.0, 1.0), "b": (2.0, 10.0)},
    reading="the reducible loss L(D) - a of the registered L(D) (a quantum learned once tau examples use it) falls "
            "by exactly 2^-alpha_D when D doubles, with alpha_D the registered exponent, equal to alpha/(alpha + 1) "
            "and below alpha = alpha_N for every alpha > 0",
)
def quanta_data_exponent(D: sp.Expr, tau: sp.Expr, alpha: sp.Expr, a: sp.Expr, b: sp.Expr) -> sp.Basic:
    def reducible(d: sp.Expr) -> sp.Expr:
        return formula_expr("emergence.quanta_loss_of_data", D=d, tau=tau, alpha=alpha, a=a, b=b) - a

    exponent = formula_expr("emergence.quanta_data_exponent", alpha=alpha)
    return sp.And(sp.Eq(reducible(2 * D) / reducible(D), 2 ** (-exponent)), sp.Eq(exponent, alpha / (alpha + 1)),
                  exponent < alpha)


def _frequencies_proof() -> Proof:
    k = sp.Symbol("k", integer=True, positive=True)
    alpha = sp.Symbol("alpha", positive=True)
    frequency = formula_expr("emergence.quanta_probability", k=k, alpha=alpha)
    constant, power = frequency.as_independent(k, as_Add=False)
    total = sp.summation(power, (k, 1, sp.oo))
    return Proof([("p_k", frequency), ("the sum of its k-dependent factor over k >= 1", total),
                  ("times the constant factor", constant * total)], holds=sp.simplify(constant * total - 1) == 0)


@claim(
    "The quanta's use frequencies p_k = k^-(alpha+1) / zeta(alpha + 1) form a probability distribution",
    id="emergence.quanta_frequencies_sum", source=f"{MICHAUD}, §3",
    about=("emergence.quanta_probability", "emergence.quanta_loss_discrete"),
    domain={"alpha": QUANTA_ALPHA, "terms": (1, 1000)}, integers=("terms",),
    reading="the sum of the registered p_k over k = 1, 2, ... is exactly 1 for every alpha > 0 (proved). The search "
            "adds the first 'terms' p_k to the registered exact tail beyond them (a Hurwitz zeta, "
            "emergence.quanta_loss_discrete with a = 0, b = 1): 1 within 1e-12",
    proof=_frequencies_proof, examples=20,
)
def quanta_frequencies_sum(alpha: float, terms: int, tolerance: float = 1e-12) -> Outcome:
    head = float(np.sum(evaluate("emergence.quanta_probability", k=np.arange(1.0, terms + 1), alpha=alpha)))
    tail = evaluate("emergence.quanta_loss_discrete", n=terms, alpha=alpha, a=0.0, b=1.0)
    return Outcome(abs(head + tail - 1) <= tolerance, total=head + tail)


@claim(
    "The loss after learning n quanta is L_n ≈ a + (b - a) n^-alpha / (alpha zeta(alpha + 1))",
    id="emergence.quanta_continuum", source=f"{MICHAUD}, §3",
    about=("emergence.quanta_loss", "emergence.quanta_loss_discrete"),
    domain={"n": (1, 10**4), "alpha": QUANTA_ALPHA}, integers=("n",), log=("n",),
    holds_on={"n": (60, 10**4)},
    reading="'≈' = the continuum reducible loss is within 5% of the exact Zipf tail sum (a Hurwitz zeta, "
            "emergence.quanta_loss_discrete), a = 0, b = 1. Stated to hold from n = 60 quanta on, where the relative "
            "error, about alpha/(2n), stays below 5% for alpha up to 3",
    examples=25,
)
def quanta_continuum(n: int, alpha: float, rtol: float = 0.05) -> Outcome:
    exact = evaluate("emergence.quanta_loss_discrete", n=n, alpha=alpha, a=0.0, b=1.0)
    continuum = evaluate("emergence.quanta_loss", n=n, alpha=alpha, a=0.0, b=1.0)
    return Outcome(abs(continuum / exact - 1) <= rtol, exact=exact, continuum=continuum)


# Chinchilla-form fits in a fixed order: the integer 'fit' of the claim below indexes them.
FITS = ("hoffmann_rounded", "hoffmann_unrounded", "besiroglu2024")


@claim(
    "Chinchilla's fitted exponents agree with the quantization model: beta lies closer to alpha/(1 + alpha) than "
    "to alpha",
    id="emergence.quanta_chinchilla_exponents", source=f"{MICHAUD}, App. (Fig. A12, data check)",
    about=("emergence.quanta_data_exponent", "scaling.chinchilla_loss"),
    domain={"fit": (0, len(FITS) - 1)}, integers=("fit",), holds_on={"fit": (0, 1)},
    reading="reading the parameter exponent alpha of L = E + A/N^alpha + B/D^beta as alpha_N, the model predicts the "
            "data exponent beta = alpha/(1 + alpha) (emergence.quanta_data_exponent); the fitted beta must lie closer "
            "to it than to alpha. fit = 0, 1, 2: Hoffmann et al.'s rounded and unrounded fits (stated to hold), and "
            "Besiroglu et al.'s refit",
    examples=10,
)
def quanta_chinchilla_exponents(fit: int) -> Outcome:
    from theory.scaling import CHINCHILLA_SETS

    values = CHINCHILLA_SETS[FITS[fit]].values
    predicted = evaluate("emergence.quanta_data_exponent", alpha=values["alpha"])
    return Outcome(abs(values["beta"] - predicted) < abs(values["beta"] - values["alpha"]), alpha=values["alpha"],
                   beta=values["beta"], predicted_beta=predicted)


# --- Arora and Goyal: skill emergence -----------------------------------------------------------------------
@claim(
    "For a random failure set of measure theta, few skills fail at a rate above beta_s theta: their fraction is "
    "exponentially small in the skill's degree",
    id="emergence.skill_failure_bound", source=f"{ARORA}, Thm. 8 (type of result)",
    about=("emergence.skill_failure_tail_bound",),
    domain={"theta": (0.01, 0.3), "beta_s": (1.1, 3.0), "degree": (1, 400)}, integers=("degree",),
    reading="a reconstruction, not the paper's inequality: a skill with 'degree' text pieces, each failed "
            "independently with probability theta, fails at rate >= beta_s theta with the exact binomial tail "
            "probability; the registered Chernoff form exp(-degree KL(beta_s theta || theta)) bounds it from above "
            "(relative slack 1e-9)",
    examples=25,
)
def skill_failure_bound(theta: float, beta_s: float, degree: int) -> Outcome:
    from scipy.special import bdtrc  # P[Bin(n, p) > k]

    exact = float(bdtrc(math.ceil(beta_s * theta * degree - 1e-9) - 1, degree, theta))
    bound = evaluate("emergence.skill_failure_tail_bound", theta=theta, beta_s=beta_s, degree=degree)
    return Outcome(exact <= bound * (1 + 1e-9), binomial_tail=exact, chernoff_bound=bound)


def _excess_loss(N: float, D: float) -> float:
    """Chinchilla's excess loss A/N^alpha + B/D^beta (loss minus entropy), Hoffmann et al.'s rounded fit."""
    from theory.scaling import CHINCHILLA_SETS

    fit = CHINCHILLA_SETS["hoffmann_rounded"].values
    return evaluate("scaling.chinchilla_loss", N=N, D=D, **fit) - fit["E"]


@claim(
    "Scaling a model up ten times doubles the size of the skill tuples it can compose",
    id="emergence.ten_times_scale", source=f"{ARORA}, §1 and Cor. 13 (tensorisation)",
    about=("scaling.chinchilla_loss",),
    domain={"N": (1e8, 1e12), "D": (1e9, 1e14)}, log=("N", "D"),
    reading="by Cor. 13 halving the excess loss doubles the tuple size at the same competence; 'ten times' = ten "
            "times the parameters and ten times the data (100 times the compute). With Hoffmann et al.'s fitted excess "
            "loss A/N^alpha + B/D^beta (rounded fit) it must fall to a factor between 0.4 and 0.6 ('about half')",
    examples=25,
)
def ten_times_scale(N: float, D: float, low: float = 0.4, high: float = 0.6) -> Outcome:
    factor = _excess_loss(10 * N, 10 * D) / _excess_loss(N, D)
    return Outcome(low <= factor <= high, excess_loss_factor=factor)


@claim(
    "Ten times the training compute doubles the size of the skill tuples a model can compose",
    id="emergence.ten_times_compute", source=f"{ARORA}, §1 and Cor. 13 (tensorisation)",
    about=("scaling.optimal_loss",),
    domain={"C": (1e18, 1e26)}, log=("C",),
    reading="as emergence.ten_times_scale, with 'ten times' read as ten times the compute C = 6ND allocated "
            "compute-optimally (Hoffmann et al.'s rounded fit): the excess loss L*(C) - E must fall to at most 0.6",
    examples=15,
)
def ten_times_compute(C: float, high: float = 0.6) -> Outcome:
    from theory.scaling import CHINCHILLA_SETS

    fit = CHINCHILLA_SETS["hoffmann_rounded"].values
    excess = evaluate("scaling.optimal_loss", C=np.array([C, 10 * C]), **fit) - fit["E"]
    return Outcome(bool(excess[1] / excess[0] <= high), excess_loss_factor=excess[1] / excess[0])


# --- Huang et al.: multi-task emergence -----------------------------------------------------------------------
TRANSITION = "emergence.multitask_transition_scale"


def _transition(memorization: np.ndarray | float, difficulty: np.ndarray | float) -> np.ndarray:
    """Emergent model size of Huang's algorithmic task (3000 examples) beside random-label memorization data."""
    from derivations.grokking.phases import HuangSetting

    cv = HuangSetting().curve_values()
    return evaluate(TRANSITION, D=3000.0, D_r=memorization, A_mem=cv["A_mem"], mu=cv["mu"],
                    B_crit=cv["B_crit"] * np.asarray(difficulty), nu=cv["nu"])


@claim(
    "A harder algorithmic task emerges at a larger model size",
    id="emergence.harder_task_later", source=f"{HUANG}, §4.3 and §5", about=(TRANSITION,),
    domain={"difficulty": (0.5, 4.0), "harder": (1.01, 4.0), "memorization": (0.0, 24000.0)},
    reading="in the package's shared-capacity model (multiplying the critical data size by 'difficulty', constants "
            "of HuangSetting, 3000 algorithmic examples beside 'memorization' random labels), the model size where "
            "the generalizing circuit overtakes the memorizer grows when the task is made 'harder' times harder",
    examples=25,
)
def harder_task_later(difficulty: float, harder: float, memorization: float) -> Outcome:
    sizes = _transition(memorization, np.array([difficulty, harder * difficulty]))
    return Outcome(bool(sizes[1] > sizes[0]), emergent_size=sizes[0], harder_emergent_size=sizes[1])


@claim(
    "The amount of memorization data has little effect on the emergent model size",
    id="emergence.memorization_data_little_effect", source=f"{HUANG}, §5", about=(TRANSITION,),
    domain={"memorization": (3000.0, 1e5), "more": (1.0, 2.0)}, log=("memorization",),
    reading="as in Huang et al.'s runs (3000 to 6000 random labels beside 3000 algorithmic examples), in the "
            "package's shared-capacity model: up to twice the memorization data moves the emergent size up, by a "
            "factor below 1.5 (it still grows: more labels take more capacity)",
    examples=25,
)
def memorization_data_little_effect(memorization: float, more: float, factor: float = 1.5) -> Outcome:
    sizes = _transition(np.array([memorization, more * memorization]), 1.0)
    ratio = sizes[1] / sizes[0]
    return Outcome(bool(1.0 <= ratio < factor and (more == 1.0 or ratio > 1.0)), size_ratio=ratio)
