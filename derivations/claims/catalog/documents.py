"""The source documents' claims on emergence (items 1-7, 14 and 15 of their list), each made precise.

The documents state a phase-transition law P(emergence | N) = 1 - exp(-(N/N_c)^alpha), variants of it,
an emergence window and point, conditions for emergence, a signal-to-noise argument, the metric mirage,
a loss threshold and the order in which attention mechanisms appear. Each claim below checks one
statement through the registered formulas, in the most charitable precise reading, said in ``reading``.
"""

from __future__ import annotations

import math

import numpy as np
import sympy as sp

from derivations.claims import Outcome, Proof, claim
from derivations.evaluate import evaluate
from theory.registry import get
from theory.symbols import Domain

DOCUMENTS = "source documents, seeds.md item"
LAW = "emergence.critical_scale_probability"
# The documents' steepness factors (their capability table) and critical scales (10 B to 100 B+ parameters).
TABLE_ALPHA = (2.8, 3.5)
TABLE_SCALE = (1e10, 1e11)


def formula_expr(name: str, **values: object) -> sp.Expr:
    """The registered expression of ``name`` with the named parameters replaced (by symbols or numbers)."""
    formula = get(name)
    by_name = {p.name: s for p, s in zip(formula.params, formula.symbols)}
    # xreplace swaps the symbols exactly, all at once (subs would also try to match subexpressions: slow).
    return formula.expr.xreplace({by_name[k]: sp.sympify(v) for k, v in values.items()})


def value_at(text: str, expr: sp.Expr, var: sp.Symbol, point: sp.Expr, expected: sp.Expr) -> Proof:
    """Proof that ``expr`` (shown as ``text``) equals ``expected`` at ``var = point``."""
    value = sp.simplify(expr.subs(var, point))
    return Proof([(text, expr), (f"at {var} = {point}", value)], holds=sp.simplify(value - expected) == 0)


def log_slope(name: str, N: float, *, of_log: bool = False, step: float = 1e-4, **values: object) -> float:
    """d y / d ln N of the registered formula ``name`` at scale N (d ln y / d ln N with ``of_log``), by central
    differences over +-``step`` in ln N."""
    ends = evaluate(name, N=N * np.exp([-step, step]), **values)
    ends = np.log(ends) if of_log else ends
    return float(np.diff(ends)[0] / (2 * step))


# --- item 1: the critical-scale law -----------------------------------------------------------------------
@claim(
    "P(emergence | N) = 1 - exp(-(N/N_c)^alpha) is about 0 for N < N_c and about 1 for N > N_c",
    id="documents.critical_scale_step", source=f"{DOCUMENTS} 1", about=(LAW,),
    domain={"alpha": (TABLE_ALPHA[0], 1000.0), "ratio": (0.5, 2.0)}, log=("alpha", "ratio"),
    holds_on={"alpha": (13.5, 1000.0)},
    reading="'about 0' is P < 0.05 at N <= 0.8 N_c and 'about 1' is P > 0.95 at N >= 1.2 N_c (ratio = N/N_c; the "
            "band N_c (1 +- 0.2) is left to the transition; P rises with N, so N from N_c/2 to 2 N_c decides it); "
            "alpha from the documents' 2.8 up to 1000. Stated to hold for alpha >= 13.5, where 0.8^alpha < -ln 0.95: "
            "a step only for steepness far above the documents' 2.8-3.5",
    examples=30,
)
def critical_scale_step(alpha: float, ratio: float) -> Outcome:
    p = evaluate(LAW, N=ratio, N_c=1.0, alpha=alpha)
    return Outcome((ratio > 0.8 or p < 0.05) and (ratio < 1.2 or p > 0.95), P=p)


def _at_critical_proof() -> Proof:
    n, n_c, alpha = sp.symbols("N N_c alpha", positive=True)
    return value_at("P(N)", formula_expr(LAW, N=n, N_c=n_c, alpha=alpha), n, n_c, 1 - sp.exp(-1))


@claim(
    "At the critical scale the law gives P(emergence | N_c) = 1 - 1/e ≈ 0.63, whatever the steepness alpha",
    id="documents.critical_scale_at_critical", source=f"{DOCUMENTS} 1", about=(LAW,),
    domain={"N_c": TABLE_SCALE, "alpha": (0.1, 1000.0)}, log=("alpha",),
    reading="the registered law at N = N_c equals 1 - e^-1 exactly, for every N_c and alpha > 0 (proved; the "
            "search checks it within 1e-12): N_c is neither the median scale (P = 1/2) nor the edge of a step",
    proof=_at_critical_proof, examples=20,
)
def critical_scale_at_critical(N_c: float, alpha: float, tolerance: float = 1e-12) -> Outcome:
    p = evaluate(LAW, N=N_c, N_c=N_c, alpha=alpha)
    return Outcome(abs(p - (1 - math.exp(-1))) <= tolerance, P_at_N_c=p)


def _steepest_proof() -> Proof:
    from derivations.emergence.forms import log_derivative

    n, n_c, alpha = sp.symbols("N N_c alpha", positive=True)
    law = formula_expr(LAW, N=n, N_c=n_c, alpha=alpha)
    # log_derivative differentiates in the registered N: written with it, then evaluated at N_c.
    registered_n = get(LAW).symbols[0]
    curvature = sp.factor(log_derivative(law.xreplace({n: registered_n}), 2).xreplace({registered_n: n}))
    return value_at("d^2P/d(ln N)^2, factored", curvature, n, n_c, 0)


@claim(
    "N_c marks where the capability emerges: the transition is centred on N_c",
    id="documents.critical_scale_steepest", source=f"{DOCUMENTS} 1", about=(LAW,),
    domain={"N_c": TABLE_SCALE, "alpha": (0.1, 1000.0)}, log=("alpha",),
    reading="read on the log axis emergence is plotted on: P rises fastest in ln N at N = N_c, i.e. "
            "d^2P/d(ln N)^2 = 0 there, for every steepness alpha (proved). The search checks that the slope in "
            "ln N at N_c is at least the slope at N_c e^(+-0.05/alpha)",
    proof=_steepest_proof, examples=20,
)
def critical_scale_steepest(N_c: float, alpha: float) -> Outcome:
    # Shifts and difference steps in units of the curve's width in ln N, 1/alpha.
    slopes = [log_slope(LAW, N_c * math.exp(shift / alpha), step=1e-3 / alpha, N_c=N_c, alpha=alpha)
              for shift in (-0.05, 0.0, 0.05)]
    return Outcome(slopes[1] >= max(slopes[0], slopes[2]), slope_at_N_c=slopes[1], slope_below=slopes[0],
                   slope_above=slopes[2])


def _rises_proof() -> Proof:
    n, n_c, alpha, t = sp.symbols("N N_c alpha t", positive=True)
    law = formula_expr(LAW, N=n, N_c=n_c, alpha=alpha)
    # t = (N/N_c)^alpha maps N in (0, inf) onto t in (0, inf) increasingly, so the limits in t are those in N.
    in_t = sp.powsimp(sp.powdenest(law.subs(n, n_c * t ** (1 / alpha)), force=True), force=True)
    slope = sp.diff(law, n)
    return Proof.combine(
        Proof([("dP/dN, a product of positive factors", slope)], holds=bool(slope.is_positive)),
        Proof([("with t = (N/N_c)^alpha, increasing in N", in_t)], holds=True),
        # 1 - exp(-t) is continuous at t = 0: the limit of small models is its value there.
        Proof([("small models: N -> 0, t -> 0, continuous there", in_t.subs(t, 0))], holds=in_t.subs(t, 0) == 0),
        Proof.limit(in_t, t, sp.oo, 1, text="large models: N -> inf, t -> inf", direction="-"),
    )


@claim(
    "P(emergence | N) rises with scale from 0 in small models to 1 in large ones",
    id="documents.critical_scale_rises", source=f"{DOCUMENTS} 1", about=(LAW,),
    domain={"N": (1e6, 1e14), "N_c": TABLE_SCALE, "alpha": TABLE_ALPHA}, log=("N", "N_c"),
    reading="dP/dN > 0 for every N, N_c, alpha > 0, with P -> 0 as N -> 0 and P -> 1 as N -> infinity "
            "(proved; the search checks P(1.01 N) > P(N) where P is not yet 1 in double precision)",
    proof=_rises_proof, examples=20,
)
def critical_scale_rises(N: float, N_c: float, alpha: float) -> Outcome:
    p = evaluate(LAW, N=np.array([N, 1.01 * N]), N_c=N_c, alpha=alpha)
    return Outcome(bool(p[1] > p[0] or p[0] == 1.0), P=p[0], P_next=p[1])


# --- item 2: the shifted form -------------------------------------------------------------------------------
SHIFTED = "emergence.shifted_critical_scale_probability"


def _order_parameter_proof() -> Proof:
    n_c, alpha, h, s = sp.symbols("N_c alpha h s", positive=True)
    above = get(SHIFTED).expr.args[0].expr  # the branch N > N_c of the registered piecewise form
    law = sp.simplify(formula_expr(SHIFTED, N_c=n_c, alpha=alpha).args[0].expr.subs(
        get(SHIFTED).symbols[0], n_c * (1 + h)))
    # s = h^alpha -> 0 exactly as h -> 0+: the ratio P / h^alpha written in s.
    ratio = sp.powdenest(law.subs(h, s ** (1 / alpha)) / s, force=True)
    return Proof.combine(
        Proof([("the registered form above N_c", above), ("at N = N_c (1 + h)", law),
               ("P / h^alpha, with s = h^alpha", ratio)], holds=True),
        Proof.limit(ratio, s, 0, 1, text="as N -> N_c from above"),
    )


@claim(
    "Near the threshold P rises like an order parameter, P ∝ (N - N_c)^beta, as M ∝ (T_c - T)^beta",
    id="documents.shifted_order_parameter", source=f"{DOCUMENTS} 2", about=(SHIFTED,),
    domain={"N_c": TABLE_SCALE, "alpha": (0.1, 10.0), "h": (1e-6, 1e-3)}, log=("N_c", "h"),
    reading="the shifted form P = 1 - exp(-((N - N_c)/N_c)^alpha) behaves as ((N - N_c)/N_c)^alpha as N -> N_c "
            "from above (their ratio -> 1): a power law with exponent beta = alpha (proved). The search checks the "
            "ratio at N = N_c (1 + h) within h^alpha of 1 (its first correction is -h^alpha / 2), plus 1e-8 for "
            "rounding",
    proof=_order_parameter_proof, examples=20,
)
def shifted_order_parameter(N_c: float, alpha: float, h: float, rounding: float = 1e-8) -> Outcome:
    # N_c (1 + h) carries h with a relative error up to ~1e-16 / h <= 1e-10, which the ratio multiplies by alpha.
    p = evaluate(SHIFTED, N=N_c * (1 + h), N_c=N_c, alpha=alpha)
    ratio = p / h**alpha
    return Outcome(abs(ratio - 1) <= h**alpha + rounding, P=p, ratio=ratio)


# --- item 3: the piecewise form with a floor --------------------------------------------------------------
FLOORED = "emergence.floored_critical_scale_probability"


def _floored_continuity_proof() -> Proof:
    n, n_c, alpha = sp.symbols("N N_c alpha", positive=True)
    eps = sp.Symbol("eps", positive=True)
    upper = formula_expr(FLOORED, N=n, N_c=n_c, alpha=alpha, eps=eps).args[0].expr  # the branch N >= N_c
    return value_at("the branch for N >= N_c", upper, n, n_c, eps)


@claim(
    "P = eps for N < N_c and 1 - (1 - eps) exp(-(N - N_c)^alpha) for N >= N_c is continuous at N_c",
    id="documents.floored_continuity", source=f"{DOCUMENTS} 3", about=(FLOORED,),
    domain={"N_c": TABLE_SCALE, "alpha": (0.1, 10.0), "eps": (0.001, 0.1)},
    reading="the branch for N >= N_c, taken at N = N_c, equals the floor eps of the branch below, for every alpha > 0 "
            "(proved; the search compares P at N_c and just below, within 1e-12)",
    proof=_floored_continuity_proof, examples=20,
)
def floored_continuity(N_c: float, alpha: float, eps: float, tolerance: float = 1e-12) -> Outcome:
    at, below = evaluate(FLOORED, N=N_c * np.array([1.0, 1 - 1e-12]), N_c=N_c, alpha=alpha, eps=eps)
    return Outcome(abs(at - below) <= tolerance, P_at_N_c=at, P_below=below)


@claim(
    "P = eps for N < N_c and 1 - (1 - eps) exp(-(N - N_c)^alpha) for N >= N_c is the probability of emergence at N",
    id="documents.floored_unit_free", source=f"{DOCUMENTS} 3", about=(FLOORED, LAW),
    domain={"N_c": (1.0, 100.0), "ratio": (1.0, 3.0), "alpha": TABLE_ALPHA, "eps": (0.005, 0.02),
            "unit": (1e-3, 1e3)},
    log=("N_c", "unit"),
    reading="a probability of emergence at a model's scale cannot depend on the unit N is counted in: the same "
            "model and capability (N = ratio N_c) counted in a unit 'unit' times smaller must give the same P within "
            "1e-9 (billions of parameters against parameters is unit = 1e9). (N - N_c)^alpha is not dimensionless; "
            "the critical-scale law, a function of N/N_c, passes the same test",
    examples=20,
)
def floored_unit_free(N_c: float, ratio: float, alpha: float, eps: float, unit: float,
                      tolerance: float = 1e-9) -> Outcome:
    p = evaluate(FLOORED, N=ratio * N_c, N_c=N_c, alpha=alpha, eps=eps)
    rescaled = evaluate(FLOORED, N=ratio * N_c * unit, N_c=N_c * unit, alpha=alpha, eps=eps)
    return Outcome(abs(p - rescaled) <= tolerance, P=p, P_other_unit=rescaled)


# --- item 4: the emergence window ---------------------------------------------------------------------------
WINDOW = "emergence.window_probability_mass"


@claim(
    "Emergence happens within the window N_c (1 - eps) <= N <= N_c (1 + eps), eps ≈ 0.1-0.2",
    id="documents.emergence_window", source=f"{DOCUMENTS} 4", about=(WINDOW, LAW),
    domain={"alpha": (TABLE_ALPHA[0], 100.0), "eps": (0.1, 0.2)}, log=("alpha",),
    holds_on={"alpha": (7.5, 100.0)},
    reading="most of the rise happens inside the window: the critical-scale law gains at least half of its "
            "probability there (emergence.window_probability_mass >= 1/2), for eps in 0.1-0.2 and alpha from the "
            "documents' 2.8 up to 100. Stated to hold for alpha >= 7.5 (enough for eps = 0.1; eps = 0.2 needs "
            "alpha >= 3.66, above the documents' 3.5)",
    examples=25,
)
def emergence_window(alpha: float, eps: float) -> Outcome:
    mass = evaluate(WINDOW, alpha=alpha, eps=eps)
    return Outcome(mass >= 0.5, mass_in_window=mass)


# --- item 5: the emergence point and the regime switch ---------------------------------------------------
@claim(
    "The emergence point is argmax_N |d^2L/dN^2|",
    id="documents.emergence_point_argmax", source=f"{DOCUMENTS} 5", about=("emergence.power_law_curvature_scale",),
    domain={"N_c": (1e9, 1e14), "alpha_N": (0.05, 0.5), "low": (1e6, 1e12), "span": (10.0, 1e6)},
    log=("N_c", "low", "span"),
    reading="for a loss falling as the power law L = (N_c/N)^alpha_N, the maximizer of |d^2L/dN^2| over a range "
            "of scales [low, low span] is a point of the curve, not an end of the range chosen: checked as an "
            "argmax at least one sample inside either end, on 400 log-spaced scales",
    examples=20,
)
def emergence_point_argmax(N_c: float, alpha_N: float, low: float, span: float, samples: int = 400) -> Outcome:
    from derivations.compile import compile_expr
    from derivations.emergence.forms import power_law_second_derivative
    from theory import emergence

    curvature = compile_expr((emergence.N, emergence.N_c, emergence.alpha_N), power_law_second_derivative)
    scales = np.geomspace(low, low * span, samples)
    i = int(np.argmax(np.abs(curvature(scales, N_c, alpha_N))))
    return Outcome(0 < i < samples - 1, argmax=scales[i], low=low)


@claim(
    "The emergence point is argmax |d^2L/dN^2|, read as the point where the loss curve bends most on a log axis",
    id="documents.emergence_point_log_axis", source=f"{DOCUMENTS} 5", about=("emergence.power_law_curvature_scale",),
    domain={"N_c": (1e9, 1e14), "alpha_N": (0.05, 0.5)}, log=("N_c",),
    reading="on a log axis the curve (ln N, L) of L = (N_c/N)^alpha_N does bend most at one scale "
            "(emergence.power_law_curvature_scale, where alpha_N L = 1/sqrt 2); a point of the model must not move "
            "when the loss is written in bits instead of nats (L/ln 2 is the same law with N_c (1/ln 2)^(1/alpha_N)): "
            "the two points must agree within 1e-6",
    examples=20,
)
def emergence_point_log_axis(N_c: float, alpha_N: float, rtol: float = 1e-6) -> Outcome:
    nats = evaluate("emergence.power_law_curvature_scale", N_c=N_c, alpha_N=alpha_N)
    bits = evaluate("emergence.power_law_curvature_scale", N_c=N_c * (1 / math.log(2)) ** (1 / alpha_N),
                    alpha_N=alpha_N)
    return Outcome(abs(bits / nats - 1) <= rtol, point_in_nats=nats, point_in_bits=bits)


SWITCH = "emergence.regime_switch_slope"


@claim(
    "The loss slope switches regime at N_c: dL/dN = -alpha_N N_c^alpha_N / N^(1+alpha_N) [1 + kappa H(N - N_c) "
    "(N - N_c)^delta]",
    id="documents.regime_switch_slope", source=f"{DOCUMENTS} 5", about=(SWITCH,),
    domain={"alpha_N": (0.05, 0.5), "kappa": (1e-3, 10.0), "delta": (0.1, 1.0), "ratio": (1.0, 1e6)},
    log=("kappa", "ratio"),
    reading="the slope must describe a loss: integrated from N_c, where the power law L = (N_c/N)^alpha_N it "
            "modifies equals 1, the loss L(N) = 1 + integral from N_c to N of dL/dN must stay >= 0 (a cross-entropy "
            "above its floor) at every N = ratio N_c; scales in units of N_c",
    examples=25,
)
def regime_switch_slope(alpha_N: float, kappa: float, delta: float, ratio: float) -> Outcome:
    from scipy.integrate import quad

    from derivations.compile import compile_expr

    formula = get(SWITCH)
    slope = compile_expr(formula.symbols, formula.expr)
    # In u = ln(N/N_c): dL = slope(N) N du, smooth on [0, ln ratio].
    drop, _ = quad(lambda u: float(slope(math.exp(u), 1.0, alpha_N, kappa, delta)) * math.exp(u), 0.0,
                   math.log(ratio), limit=200)
    loss = 1.0 + drop
    return Outcome(loss >= 0.0, loss=loss)


# --- item 6: conditions for emergence ------------------------------------------------------------------------
def _product_proof() -> Proof:
    x, y, u, v = sp.symbols("x y u v", positive=True)
    gap = x * y - (x + y)
    return Proof.combine(
        Proof([("product minus sum", gap), ("with x = 2 + u, y = 2 + v (u, v > 0)", gap.subs({x: 2 + u, y: 2 + v}))],
              holds=True),
        Proof.sign(sp.expand(gap.subs({x: 2 + u, y: 2 + v})), "positive", text="expanded"),
    )


@claim(
    "The product of a capability's components exceeds their sum, hence emergence",
    id="documents.product_exceeds_sum", source=f"{DOCUMENTS} 6",
    about=("emergence.exact_match_accuracy", "emergence.token_probability"),
    domain={"x": (0.0, 10.0), "y": (0.0, 10.0)}, holds_on={"x": Domain(2.0, 10.0, hi_closed=True),
                                                           "y": Domain(2.0, 10.0, hi_closed=True)},
    reading="two nonnegative components x, y (a capability's ingredients): x y > x + y. Proved for x, y > 2; it fails "
            "below (1.5 1.5 < 3). The package's instance of a product of components, exact match p^L "
            "(emergence.exact_match_accuracy), has per-token components p <= 1: on the failing side",
    proof=_product_proof, examples=20,
)
def product_exceeds_sum(x: float, y: float) -> bool:
    return x * y > x + y


@claim(
    "Emergence needs N > N_c (≈ 100 B parameters) and D > D_c (≈ 1 T tokens)",
    id="documents.scale_and_data_needed", source=f"{DOCUMENTS} 6",
    about=("scaling.chinchilla_loss", "emergence.threshold_performance"),
    domain={"N": (1e8, 1e13), "D": (1e9, 1e14)}, log=("N", "D"),
    reading="necessary conditions: with an ability present once the pre-training loss falls below Du et al.'s "
            "threshold eta = 2.2 and the loss given by Hoffmann et al.'s fitted L(N, D) (rounded constants), every "
            "(N, D) with the ability would have N > 1e11 and D > 1e12. (2.2 is a threshold in Du et al.'s tokenizer; "
            "placing it on Chinchilla's loss is an illustration)",
    examples=25,
)
def scale_and_data_needed(N: float, D: float, eta: float = 2.2) -> Outcome:
    from theory.scaling import CHINCHILLA_SETS

    fit = CHINCHILLA_SETS["hoffmann_rounded"].values
    loss = evaluate("scaling.chinchilla_loss", N=N, D=D, **fit)
    present = evaluate("emergence.threshold_performance", loss=loss, eta=eta, L_min=fit["E"]) > 0
    return Outcome(bool(not present or (N > 1e11 and D > 1e12)), loss=loss)


@claim(
    "A compression ratio D/N above a threshold forces abstraction",
    id="documents.compression_ratio", source=f"{DOCUMENTS} 6", about=("huang.critical_data_size",),
    domain={"M": (4.0, 1e4), "ratio": (0.01, 1e4), "factor": (2.0, 100.0)}, log=("M", "ratio", "factor"),
    reading="in the circuit-competition model (Huang et al.; the generalizing circuit wins once D > D_crit(M) = "
            "B_crit M^-nu, illustrative constants of derivations.grokking.phases.HuangSetting), whether it wins "
            "would be decided by the ratio D/M alone: models M and factor M trained at the same D/M = ratio agree",
    examples=25,
)
def compression_ratio(M: float, ratio: float, factor: float) -> Outcome:
    from derivations.grokking.phases import HuangSetting

    cv = HuangSetting().curve_values()
    sizes = np.array([M, factor * M])
    d_crit = evaluate("huang.critical_data_size", B_crit=cv["B_crit"], M=sizes, nu=cv["nu"])
    wins = ratio * sizes > d_crit
    return Outcome(bool(wins[0] == wins[1]), D=ratio * sizes, D_crit=d_crit)


# --- item 7: signal-to-noise -----------------------------------------------------------------------------------
@claim(
    "Below N_c gradient noise dominates; above it redundancy averages the noise and the signal-to-noise ratio jumps",
    id="documents.signal_to_noise_jump", source=f"{DOCUMENTS} 7", about=("emergence.averaged_signal_to_noise",),
    domain={"N_c": (1.0, 1e12), "snr_1": (0.01, 10.0)}, log=("N_c", "snr_1"),
    reading="redundancy as an average of N independent noisy estimates (SNR = sqrt(N) SNR_1); a jump at N_c "
            "(whichever scale it is) is a rise of at least 10% between 0.99 N_c and 1.01 N_c",
    examples=20,
)
def signal_to_noise_jump(N_c: float, snr_1: float) -> Outcome:
    below, above = evaluate("emergence.averaged_signal_to_noise", N=N_c * np.array([0.99, 1.01]), snr_1=snr_1)
    return Outcome(bool(above >= 1.1 * below), SNR_below=below, SNR_above=above)


# --- item 14: the mirage and the loss threshold ------------------------------------------------------------
@claim(
    "A continuous metric (token edit distance) shows smooth improvement with scale",
    id="documents.edit_distance_smooth", source=f"{DOCUMENTS} 14",
    about=("emergence.token_edit_distance", "emergence.exact_match_accuracy"),
    domain={"N": (1e6, 1e14), "c": (1e8, 1e10), "alpha": (-1.0, -0.1), "L": (1, 10)},
    log=("N", "c"), integers=("L",),
    reading="in Schaeffer et al.'s model (per-token loss (N/c)^alpha), TED = L (1 - p) improves at a bounded rate "
            "on a log-log plot: its slope d ln TED / d ln N lies in [alpha, 0] at every scale (within 1e-6; central "
            "differences over +-1e-4 in ln N), never faster than the per-token loss itself; exact match at the same "
            "scale is reported beside it",
    examples=25,
)
def edit_distance_smooth(N: float, c: float, alpha: float, L: int, tolerance: float = 1e-6) -> Outcome:
    slope = log_slope("emergence.token_edit_distance", N, of_log=True, c=c, alpha=alpha, L=L)
    accuracy = evaluate("emergence.exact_match_accuracy", N=N, c=c, alpha=alpha, L=L)
    return Outcome(alpha - tolerance <= slope <= tolerance, log_log_slope=slope, exact_match=accuracy)


@claim(
    "A task stays at chance until the pre-training loss falls below a threshold (≈ 2.2), then improves",
    id="documents.loss_threshold", source=f"{DOCUMENTS} 14", about=("emergence.threshold_performance",),
    domain={"loss": (1.0, 4.0), "eta": (2.0, 2.4), "L_min": (1.0, 1.9)},
    reading="Du et al.'s form P = f(L) H(eta - L) with the package's linear f (normalized: chance = 0): P = 0 at "
            "every loss >= eta; below eta, P > 0 and a loss lower by 1e-3 gives a strictly higher P",
    examples=25,
)
def loss_threshold(loss: float, eta: float, L_min: float) -> Outcome:
    now, lower = evaluate("emergence.threshold_performance", loss=np.array([loss, loss - 1e-3]), eta=eta, L_min=L_min)
    ok = now == 0 if loss >= eta else 0 < now < lower
    return Outcome(bool(ok), P=now, P_lower_loss=lower)


# --- item 15: induction heads before function-vector heads ----------------------------------------------------
@claim(
    "Induction heads (match-and-copy) appear early; function-vector heads appear later",
    id="documents.frequent_mechanism_first", source=f"{DOCUMENTS} 15", about=("emergence.quanta_probability",),
    domain={"k": (1, 10**6), "alpha": (0.05, 2.0)}, integers=("k",),
    reading="the package has no model of attention heads; the part it can check is the order of the quantization "
            "model (Michaud et al.): quantum k is learned once D p_k >= tau examples use it, so a mechanism used "
            "more often is learned first exactly when p_k falls with rank k (p_(k+1) < p_k). Match-and-copy before "
            "function vectors then follows if it is used more often; 'grown from induction heads' is not checked",
    examples=25,
)
def frequent_mechanism_first(k: int, alpha: float) -> Outcome:
    p = evaluate("emergence.quanta_probability", k=np.array([k, k + 1]), alpha=alpha)
    return Outcome(bool(p[1] < p[0]), p_k=p[0], p_next=p[1])
