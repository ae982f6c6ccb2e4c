"""Claims of the grokking papers (Varma et al., Huang et al., Power et al., Liu et al.) and of the source
documents' item 12, checked on the two-circuit models.

The squared-loss model (:data:`theory.dynamics.SQUARED_LOSS`) carries the dynamics (who fits first, when the
generalizer takes over, what is stable); the cross-entropy model (:data:`theory.dynamics.CROSS_ENTROPY`) in
Huang et al.'s (model size, data size) plane carries the equilibria. Every number comes from a registered
formula, the fixed-point analysis or the equilibrium solver; the claims only compare.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import sympy as sp

from derivations.claims import Outcome, Proof, claim
from derivations.evaluate import evaluate
from derivations.grokking.fixed_points import fixed_points
from derivations.grokking.phases import HUANG_ZONES, HuangSetting, huang_equilibrium, huang_zone
from derivations.grokking.runs import C_G, C_M, CRITICAL_DATA_SIZE, SETTINGS, Y, model_values, predictions
from theory.registry import get

VARMA = "Varma et al. 2023, arXiv 2309.02390"
HUANG = "Huang et al. 2024, arXiv 2402.15175"
POWER = "Power et al. 2022, arXiv 2201.02177"
LIU = "Liu et al. 2022, arXiv 2205.10343"
# The grokking experiment's default seeds and generalizer/memorizer learning-rate ratio.
M0, G0, RATE_RATIO = (SETTINGS[k].default for k in ("init_memorizing", "init_generalizing", "rate_ratio"))
HUANG_SETTING = HuangSetting()
FULL_CAPACITY = dataclasses.replace(HUANG_SETTING, A_mem=math.inf)  # every example memorizable (f = 1)


def _costs(ratio: float, lam: float) -> dict[str, float]:
    """The squared-loss model's y, c_m, c_g, D and lam at D = ratio * D_crit."""
    return {"y": Y, "c_m": C_M, "c_g": C_G, "D": ratio * CRITICAL_DATA_SIZE, "lam": lam}


def _stable(ratio: float, lam: float) -> str:
    """Name of the stable fixed point of the squared-loss flow (none: '')."""
    points = fixed_points(**_costs(ratio, lam))
    return next((fp.name for fp in points if fp.feasible and fp.stability == "stable"), "")


def _delays(ratio: float, lam: float) -> dict[str, float | None]:
    """Closed-form memorization and grokking times (None: does not happen) at the experiment's default seeds."""
    return predictions(model_values(ratio, lam, 1.0, RATE_RATIO, m0=M0, g0=G0))


def _equilibrium(model_sizes: object, data_sizes: object, setting: HuangSetting = HUANG_SETTING
                 ) -> dict[str, np.ndarray]:
    """The cross-entropy model's long-run state on the grid data_sizes x model_sizes, one Newton solve for all."""
    eq = huang_equilibrium(np.atleast_1d(model_sizes), np.atleast_1d(data_sizes), setting)
    return {key: eq[key] for key in ("w_G", "w_M", "validation")}


SPREAD = np.array([1.0, 1.25, 1.6, 2.0])
"""Each search point of an equilibrium claim checks this small grid of multiples (one vectorized solve)."""


def _critical_size(model_size: object, setting: HuangSetting = HUANG_SETTING) -> float | np.ndarray:
    cv = setting.curve_values()
    return evaluate("huang.critical_data_size", B_crit=cv["B_crit"], M=model_size, nu=cv["nu"])


CROSSING_DATA_SIZE = float(evaluate("huang.crossing_data_size", **HUANG_SETTING.curve_values()))


def _dip_depth(validation: np.ndarray) -> float:
    """Largest fall of validation accuracy below its running maximum along model size (0: monotone)."""
    return float(np.max(np.maximum.accumulate(validation) - validation))


# --- Varma et al. ---------------------------------------------------------------------------------------
def _critical_size_proof() -> Proof:
    formula = get("grokking.critical_data_size").expr
    rate = get("grokking.memorizer_invasion_rate")
    lam = sp.Symbol("lam", positive=True)
    u = sp.Symbol("u", positive=True)
    invasion = rate.expr.subs(rate.param("lam").symbol, lam)
    d = rate.param("D").symbol
    free = not any(s.name in ("lam", "eta_m", "eta_g", "y") for s in formula.free_symbols)
    return Proof.combine(
        Proof([("D_crit, solved from a vanishing memorizer's growth rate at the generalizing state", formula),
               ("its free symbols (no weight decay, learning rate or target among them)",
                sp.FiniteSet(*formula.free_symbols))], holds=free),
        Proof.identity(invasion.subs(d, formula), 0, "the invasion rate vanishes at D = D_crit for every lam"),
        Proof.sign(invasion.subs(d, formula * (1 + u)), "negative",
                   "above D_crit (D = D_crit (1 + u)) a vanishing memorizer shrinks, for every lam > 0"),
        Proof.sign(invasion.subs(d, formula / (1 + u)), "positive",
                   "below D_crit (D = D_crit / (1 + u)) it grows back, for every lam > 0"),
    )


@claim(
    "The critical data size D_crit does not depend on weight decay",
    id="grokking.critical_size_independent_of_weight_decay",
    source=f"{VARMA}, §3-4 (D_crit; the ungrokked accuracy does not depend on weight decay because D_crit does not)",
    about=("grokking.critical_data_size", "grokking.memorizer_invasion_rate"),
    domain={"ratio": (0.05, 20.0), "lam": (1e-6, 1.0)},
    log=("ratio", "lam"),
    reading="in the squared-loss two-circuit model: the data size where the generalizing state stops resisting a "
            "memorizer, D_crit = c_g/c_m, contains no weight decay (nor learning rate), and for every lam > 0 the "
            "stable circuit switches exactly there; "
            "the body checks pointwise: the stable fixed point is the generalizer iff D > D_crit",
    proof=_critical_size_proof,
    examples=40,
)
def critical_size_independent_of_weight_decay(ratio: float, lam: float) -> Outcome:
    stable = _stable(ratio, lam)
    return Outcome(stable == ("generalizer" if ratio > 1 else "memorizer"), stable=stable)


@claim(
    "A grokked network trained further on a dataset smaller than D_crit ungroks: its test accuracy falls back",
    id="grokking.ungrokking",
    source=f"{VARMA}, §4 (ungrokking; examples only removed)",
    about=("grokking.t_ungrok", "grokking.critical_data_size", "grokking.generalizer_invasion_rate"),
    domain={"retrain_ratio": (0.02, 0.99), "lam": (1e-5, 0.05), "residual": (1e-12, 1e-2)},
    log=("retrain_ratio", "lam", "residual"),
    examples=40,
    reading="squared-loss model, grokked start (generalizing margin at its stationary value y - lam c_g/2, a "
            "residual memorizing margin), retrained on D' = retrain_ratio * D_crit < D_crit: the grokked state "
            "is no longer stable (the memorizer is the stable point) and the test margin falls to y/2 after the "
            "finite time t_ungrok",
)
def ungrokking(retrain_ratio: float, lam: float, residual: float) -> Outcome:
    values = _costs(retrain_ratio, lam)
    grokked = evaluate("grokking.generalizing_margin", y=Y, lam=lam, c_g=C_G)
    t = evaluate("grokking.t_ungrok", m_s=residual, g_s=grokked, eta_m=1.0, eta_g=RATE_RATIO, **values)
    stable = _stable(retrain_ratio, lam)
    return Outcome(stable == "memorizer" and 0 < t < math.inf, t_ungrok=t, stable=stable)


@claim(
    "The transition depends on its direction: a grokked network keeps its test accuracy down to about half the data "
    "size at which grokking appears",
    id="grokking.hysteresis",
    source=f"{VARMA}, App. A.2 (ungrokking keeps ~0.7 test accuracy down to D' ~ 800-1000, semi-grokking needs ~2000)",
    about=("grokking.t_ungrok", "grokking.critical_data_size"),
    domain={"retrain_ratio": (0.5, 0.99), "lam": (1e-5, 0.05)},
    log=("lam",),
    reading="squared-loss model (margins of degree 2 in the weights): retrained on D' between D_crit/2 and D_crit, "
            "the grokked state stays stable (the generalizer remains the stable fixed point); in this model "
            "grokking and ungrokking share the one threshold D_crit, so there is no hysteresis",
    examples=20,
)
def hysteresis(retrain_ratio: float, lam: float) -> Outcome:
    stable = _stable(retrain_ratio, lam)
    return Outcome(stable == "generalizer", stable=stable)


@claim(
    "The test accuracy a network ends with after ungrokking does not depend on weight decay",
    id="grokking.ungrokked_accuracy_independent_of_weight_decay",
    source=f"{VARMA}, §4 (ungrokking prediction (iii)) and §5 (curves for several weight decays overlay)",
    about=("grokking.equilibrium_ratio",),
    domain={"model_size": (8.0, 150.0), "data_ratio": (0.2, 0.35), "lam": (1e-3, 0.05), "lam_other": (1e-3, 0.05)},
    log=("model_size", "lam", "lam_other"),
    reading="cross-entropy model (Varma's App. C/D, r = p/kappa > 1) below D_crit(M), every example memorized, "
            "on the 4 x 4 grid (M, D) = (model_size, data_ratio D_crit(M)) x (1, 1.25, 1.6, 2): the regularized "
            "objective's minimum at two weight decays has the same w_G/w_M (rtol 1e-6), so the test prediction "
            "(which circuit's class wins) and the argmax accuracy are the same; the soft accuracy exp(-test loss) "
            "does move with lam (values shown)",
    examples=5,
)
def ungrokked_accuracy_independent_of_weight_decay(model_size: float, data_ratio: float, lam: float,
                                                   lam_other: float, rtol: float = 1e-6) -> Outcome:
    sizes, data = model_size * SPREAD, data_ratio * _critical_size(model_size) * SPREAD
    one = _equilibrium(sizes, data, dataclasses.replace(FULL_CAPACITY, lam=lam))
    two = _equilibrium(sizes, data, dataclasses.replace(FULL_CAPACITY, lam=lam_other))
    ratio, ratio_other = one["w_G"] / one["w_M"], two["w_G"] / two["w_M"]
    ok = np.allclose(ratio, ratio_other, rtol=rtol, atol=0) and np.array_equal(ratio > 1, ratio_other > 1)
    return Outcome(bool(ok), largest_ratio_change=float(np.max(np.abs(ratio / ratio_other - 1))),
                   soft_accuracy_change=float(np.max(np.abs(one["validation"] - two["validation"]))))


@claim(
    "With r = p/kappa > 1 both circuits survive and w_G/w_M = (P_M/P_G)^(p/(r-1)), independent of weight decay",
    id="grokking.equilibrium_ratio",
    source=f"{VARMA}, App. D, Theorem D.4",
    about=("grokking.equilibrium_ratio", "huang.critical_data_size"),
    domain={"model_size": (8.0, 150.0), "data_size": (500.0, 4000.0), "lam": (1e-3, 0.05), "kappa": (1.05, 1.9)},
    log=("model_size", "data_size", "lam"),
    reading="the minimum of the full cross-entropy objective (damped Newton on (w_G, w_M), every example "
            "memorized) against the closed form, rtol 1e-6, on the 4 x 4 grid (model_size, data_size) x (1, 1.25, "
            "1.6, 2); P_G and P_M are the norms Huang et al.'s curves give at (M, D)",
    examples=8,
)
def equilibrium_ratio(model_size: float, data_size: float, lam: float, kappa: float, rtol: float = 1e-6) -> Outcome:
    setting = dataclasses.replace(FULL_CAPACITY, lam=lam, kappa=kappa)
    sizes, data = model_size * SPREAD, data_size * SPREAD
    eq = _equilibrium(sizes, data, setting)
    cv = setting.curve_values()
    p_g = (_critical_size(sizes, setting) / cv["B_crit"]) ** setting.beta
    p_m = (data[:, None] / cv["B_crit"]) ** setting.beta
    expected = evaluate("grokking.equilibrium_ratio", P_G=p_g[None, :], P_M=p_m, p=setting.p, kappa=kappa)
    found = eq["w_G"] / eq["w_M"]
    return Outcome(bool(np.allclose(found, expected, rtol=rtol, atol=0)),
                   largest_relative_error=float(np.max(np.abs(found / expected - 1))))


@claim(
    "Near D_crit training ends at a middling test accuracy (semi-grokking)",
    id="grokking.semi_grokking",
    source=f"{VARMA}, §4 (semi-grokking); {HUANG}, §3 (semi-grokking zone)",
    about=("grokking.equilibrium_ratio", "huang.critical_data_size"),
    domain={"model_size": (8.0, 300.0), "lam": (1e-3, 0.05)},
    log=("model_size", "lam"),
    reading="cross-entropy model, every example memorized, D at 11 points spanning D_crit(M) (1 +- 0.1): the "
            "long-run test accuracy (mass on the correct class) is strictly between 0.1 and 0.9 at each; the "
            "delay before it is claim grokking.steps_fall_with_data's divergence at D_crit",
    examples=10,
)
def semi_grokking(model_size: float, lam: float) -> Outcome:
    data = np.linspace(0.9, 1.1, 11) * _critical_size(model_size)
    validation = _equilibrium(model_size, data, dataclasses.replace(FULL_CAPACITY, lam=lam))["validation"][:, 0]
    return Outcome(bool(np.all((validation > 0.1) & (validation < 0.9))), lowest=float(validation.min()),
                   highest=float(validation.max()))


# --- Power et al. ---------------------------------------------------------------------------------------
@claim(
    "The steps needed to generalize rise steeply as the training fraction falls, without bound at a minimum fraction",
    id="grokking.steps_fall_with_data",
    source=f"{POWER}, Fig. 1 (centre) and §3.1",
    about=("grokking.t_generalize", "grokking.critical_slowing_amplitude"),
    domain={"ratio": (1.0001, 10.0), "step": (1.001, 2.0), "lam": (1e-4, 4e-3)},
    log=("ratio", "lam"),
    reading="squared-loss model: the grokking time t_generalize falls as D grows (at D and D * step) on "
            "D_crit < D <= 10 D_crit, and t_generalize (D/D_crit - 1) is within 1% of the derived amplitude "
            "at D = D_crit (1 + 1e-7): the time diverges like 1/(D - D_crit) at the minimum fraction",
    examples=40,
)
def steps_fall_with_data(ratio: float, step: float, lam: float, rtol: float = 0.01) -> Outcome:
    def t_gen(r: float) -> float:
        values = _costs(r, lam)
        return evaluate("grokking.t_generalize", m0=M0, g0=G0, eta_m=1.0, eta_g=RATE_RATIO, **values)

    near = 1 + 1e-7
    amplitude = evaluate("grokking.critical_slowing_amplitude", m0=M0, g0=G0, y=Y, lam=lam, c_m=C_M, c_g=C_G,
                         eta_m=1.0, eta_g=RATE_RATIO)
    here, further = t_gen(ratio), t_gen(ratio * step)
    scaled = t_gen(near) * (near - 1)
    return Outcome(further < here and math.isclose(scaled, amplitude, rel_tol=rtol), t_generalize=here,
                   t_generalize_more_data=further, scaled_delay=scaled, amplitude=amplitude)


@claim(
    "Over the same range, the steps needed to fit the training set fall as data is removed",
    id="grokking.train_fit_faster_with_less_data",
    source=f"{POWER}, §3.1 (steps to 99% train accuracy vs training fraction)",
    about=("grokking.t_memorize",),
    domain={"ratio": (0.05, 10.0), "step": (1.001, 2.0), "lam": (1e-4, 4e-3)},
    log=("ratio", "lam"),
    reading="squared-loss model: the memorization time t_memorize at D is shorter than at D * step (the "
            "memorizer must store every example, so its cost and its fitting time grow with D)",
    examples=40,
)
def train_fit_faster_with_less_data(ratio: float, step: float, lam: float) -> Outcome:
    def t_mem(r: float) -> float:
        return evaluate("grokking.t_memorize", m0=M0, y=Y, lam=lam, c_m=C_M, D=r * CRITICAL_DATA_SIZE, eta_m=1.0)

    less, more = t_mem(ratio), t_mem(ratio * step)
    return Outcome(less < more, t_memorize=less, t_memorize_more_data=more)


@claim(
    "Weight decay is the most data-efficient intervention: it more than halves the data needed to generalize",
    id="grokking.weight_decay_halves_data",
    source=f"{POWER}, §3.2 and Fig. 2",
    about=("grokking.comprehension_data_size", "grokking.critical_data_size"),
    domain={"rate_ratio": (1e-3, 1.0), "init_generalizing": (1e-9, 1e-2)},
    log=("rate_ratio", "init_generalizing"),
    holds_on={"rate_ratio": (1e-3, 0.5), "init_generalizing": (1e-9, 1e-4)},
    reading="squared-loss model with an unlimited budget of steps: with weight decay the data needed is D_crit; "
            "without it the generalizer must win the first race, which needs the comprehension size; 'more than "
            "halves' means comprehension size > 2 D_crit (memorizer seed 1e-2); it holds only while the "
            "generalizer learns slowly from a small seed",
    examples=40,
)
def weight_decay_halves_data(rate_ratio: float, init_generalizing: float) -> Outcome:
    without = evaluate("grokking.comprehension_data_size", m0=M0, g0=init_generalizing, y=Y, c_m=C_M, c_g=C_G,
                       eta_m=1.0, eta_g=rate_ratio)
    return Outcome(without > 2 * CRITICAL_DATA_SIZE, without_weight_decay=without, with_weight_decay=CRITICAL_DATA_SIZE)


# --- Liu et al. -----------------------------------------------------------------------------------------
@claim(
    "With too much weight decay the model does not even fit the training data (confusion)",
    id="grokking.confusion_at_large_weight_decay",
    source=f"{LIU}, §5 (phase diagram: confusion)",
    about=("grokking.memorizer_fit_weight_decay", "grokking.generalizer_fit_weight_decay"),
    domain={"ratio": (0.05, 100.0), "excess": (1.001, 100.0)},
    log=("ratio", "excess"),
    reading="squared-loss model: above both circuits' fit weight decays (lam = excess times the larger), the "
            "stable fixed point's training margin is below y/2, i.e. training accuracy below 1/2",
    examples=40,
)
def confusion_at_large_weight_decay(ratio: float, excess: float) -> Outcome:
    data = ratio * CRITICAL_DATA_SIZE
    edge = max(evaluate("grokking.memorizer_fit_weight_decay", y=Y, c_m=C_M, D=data),
               evaluate("grokking.generalizer_fit_weight_decay", y=Y, c_g=C_G))
    points = fixed_points(**_costs(ratio, excess * edge))
    # At D = D_crit the one-circuit points are degenerate (a line of fixed points joins them): count them too.
    stable = [fp for fp in points if fp.feasible and fp.stability in ("stable", "degenerate")]
    margin = max((fp.memorizing_margin + fp.generalizing_margin for fp in stable), default=math.inf)
    return Outcome(margin < Y / 2, train_margin=margin, weight_decay=excess * edge)


@claim(
    "With enough data the model generalizes without a delay (comprehension)",
    id="grokking.comprehension_with_enough_data",
    source=f"{LIU}, §5 (phase diagram: comprehension)",
    about=("grokking.comprehension_data_size", "grokking.t_generalize", "grokking.t_memorize"),
    domain={"excess": (1.01, 30.0), "lam": (1e-6, 0.1)},
    log=("excess", "lam"),
    reading="squared-loss model, D = excess times the comprehension size (the data size above which the "
            "generalizer wins the first race without weight decay): at any weight decay the generalizer is the "
            "stable end state and no memorize-then-generalize delay is predicted",
    examples=40,
)
def comprehension_with_enough_data(excess: float, lam: float) -> Outcome:
    size = evaluate("grokking.comprehension_data_size", m0=M0, g0=G0, y=Y, c_m=C_M, c_g=C_G, eta_m=1.0,
                    eta_g=RATE_RATIO)
    ratio = excess * size / CRITICAL_DATA_SIZE
    delays = _delays(ratio, lam)
    stable = _stable(ratio, lam)
    return Outcome(delays["t_generalize_predicted"] is None and stable == "generalizer", stable=stable,
                   t_memorize=delays["t_memorize_predicted"] or math.inf)


# --- Huang et al. ---------------------------------------------------------------------------------------
@claim(
    "Model size and data size split into four zones: progression, ungrokking, grokking and semi-grokking",
    id="grokking.huang_zones",
    source=f"{HUANG}, §3 and Fig. 1",
    about=("huang.memorization_capacity", "huang.critical_data_size"),
    domain={"model_size": (4.0, 300.0), "data_size": (500.0, 10000.0)},
    log=("model_size", "data_size"),
    reading="the rule-based zone map (progression: D > D_mem(M); semi-grokking: |ln D/D_crit(M)| <= 0.15; "
            "grokking: D > D_crit(M); else ungrokking) against the cross-entropy model's long-run state on the "
            "4 x 4 grid (model_size, data_size) x (1, 1.25, 1.6, 2): the "
            "generalizer dominates (w_G > w_M) in progression and grokking, the memorizer in ungrokking, and "
            "semi-grokking ends between 0.1 and 0.9 test accuracy",
    examples=8,
)
def huang_zones(model_size: float, data_size: float) -> Outcome:
    sizes, data = model_size * SPREAD, data_size * SPREAD
    zones = np.array(HUANG_ZONES)[huang_zone(sizes, data)]
    eq = _equilibrium(sizes, data)
    generalizer_wins = eq["w_G"] > eq["w_M"]
    middling = (eq["validation"] > 0.1) & (eq["validation"] < 0.9)
    expected = np.select([zones == "ungrokking", zones == "semi-grokking"], [~generalizer_wins, middling],
                         generalizer_wins)
    wrong = np.argwhere(~expected)
    if wrong.size == 0:
        return Outcome(True, zones=sorted(set(zones.ravel())))
    row, col = wrong[0]
    return Outcome(False, zone=str(zones[row, col]), model=float(sizes[col]), data=float(data[row]),
                   w_G=float(eq["w_G"][row, col]), w_M=float(eq["w_M"][row, col]),
                   validation=float(eq["validation"][row, col]))


_SIZES = np.geomspace(2.0, 2000.0, 60)


@claim(
    "Above the crossing data size D*, validation accuracy rises monotonically with model size: no double descent",
    id="grokking.huang_no_double_descent_above_crossing",
    source=f"{HUANG}, §4, Prediction 1",
    about=("huang.crossing_data_size", "huang.memorization_capacity", "huang.critical_data_size"),
    domain={"data_ratio": (1.0, 10.0)},
    log=("data_ratio",),
    holds_on={"data_ratio": (3.0, 10.0)},
    reading="cross-entropy model over model sizes 2..2000 (60 log-spaced) at D = data_ratio * D*: validation "
            "never falls more than 0.01 below its running maximum; just above D* a dip survives and shrinks "
            "with D (0.59 at D*, 0.10 at 1.5 D*, below 0.01 from 3 D*)",
    examples=4,
)
def huang_no_double_descent_above_crossing(data_ratio: float, tolerance: float = 0.01) -> Outcome:
    validation = huang_equilibrium(_SIZES, np.array([data_ratio * CROSSING_DATA_SIZE]))["validation"][0]
    depth = _dip_depth(validation)
    return Outcome(depth <= tolerance, dip=depth)


@claim(
    "Below D*, validation accuracy rises, falls, then rises again as the model grows: model-wise double descent",
    id="grokking.huang_double_descent_below_crossing",
    source=f"{HUANG}, §4, Prediction 1 and Fig. 6",
    about=("huang.crossing_data_size", "huang.dip_window_start", "huang.dip_window_end"),
    domain={"data_ratio": (0.2, 0.999)},
    reading="cross-entropy model over model sizes 2..2000 at D = data_ratio * D*: validation falls at least 0.1 "
            "below its running maximum, and the largest model recovers at least 0.1 above the lowest point",
    examples=6,
)
def huang_double_descent_below_crossing(data_ratio: float, depth: float = 0.1) -> Outcome:
    validation = huang_equilibrium(_SIZES, np.array([data_ratio * CROSSING_DATA_SIZE]))["validation"][0]
    dip, recovery = _dip_depth(validation), float(validation[-1] - validation.min())
    return Outcome(dip >= depth and recovery >= depth, dip=dip, recovery=recovery)


def _harder_task_proof() -> Proof:
    formula = get("huang.crossing_data_size")
    b = formula.param("B_crit").symbol
    return Proof.sign(sp.diff(formula.expr, b), "positive",
                      "d D*/d B_crit: raising the critical-data-size curve (a harder task) raises D*")


@claim(
    "A harder task raises the critical-data-size curve, so data sizes that showed no double descent now show it",
    id="grokking.huang_harder_task_moves_crossing",
    source=f"{HUANG}, §4, Prediction 2",
    about=("huang.crossing_data_size",),
    domain={"difficulty": (1.0, 10.0), "factor": (1.01, 10.0)},
    log=("difficulty", "factor"),
    reading="D* = D_mem(M*) = D_crit(M*) increases with the prefactor B_crit of D_crit(M) = B_crit M^-nu (proved "
            "for all positive constants); "
            "the body checks pointwise: D* at difficulty * factor exceeds D* at difficulty",
    proof=_harder_task_proof,
    examples=40,
)
def huang_harder_task_moves_crossing(difficulty: float, factor: float) -> Outcome:
    def crossing(d: float) -> float:
        return evaluate("huang.crossing_data_size", **dataclasses.replace(HUANG_SETTING, difficulty=d).curve_values())

    return Outcome(crossing(difficulty * factor) > crossing(difficulty), crossing=crossing(difficulty))


def _window_proof() -> Proof:
    start, end, star = (get(f"huang.{n}") for n in ("dip_window_start", "dip_window_end", "crossing_data_size"))
    d = start.param("D").symbol
    # Compared as logarithms: both ends are products of powers of the (positive) constants.
    ends = [sp.expand_log(sp.log(e.expr.subs(d, star.expr)), force=True) for e in (start, end)]
    return Proof.identity(*ends, "at D = D* the dip window [M_mem(D), M_crit(D)] has equal ends (logs compared)")


@claim(
    "The model-size window of the double-descent dip shrinks to nothing as D approaches D*",
    id="grokking.huang_dip_window_closes",
    source=f"{HUANG}, §4 (the dip lies between the two curves, which cross at the star)",
    about=("huang.dip_window_start", "huang.dip_window_end", "huang.crossing_data_size"),
    domain={"data_ratio": (0.05, 0.999)},
    log=("data_ratio",),
    reading="the window's ends M_mem(D) (capacity reaches D) and M_crit(D) (D_crit falls to D) coincide at "
            "D = D* for all positive constants (proved); the body checks pointwise: below D* the window is non-empty",
    proof=_window_proof,
    examples=40,
)
def huang_dip_window_closes(data_ratio: float) -> Outcome:
    cv = HUANG_SETTING.curve_values()
    data = data_ratio * CROSSING_DATA_SIZE
    start = evaluate("huang.dip_window_start", D=data, A_mem=cv["A_mem"], mu=cv["mu"])
    end = evaluate("huang.dip_window_end", D=data, B_crit=cv["B_crit"], nu=cv["nu"])
    return Outcome(start < end, start=start, end=end)


@claim(
    "Trained with memorization data, the algorithmic task generalizes only at about 1570 times the single-task size",
    id="grokking.huang_1570x",
    source=f"{HUANG}, §5 and Fig. 8",
    about=("emergence.multitask_transition_scale",),
    domain={"memorization_data": (3000.0, 6000.0), "algorithmic_data": (2000.0, 4000.0)},
    reading="shared-capacity extension of the cross-entropy model: the model size where the algorithmic task's "
            "generalizer overtakes its memorizer with memorization_data random labels, divided by the same size "
            "without them, lies within a factor 2 of 1570 (Huang et al.'s own number spans their whole sweep, "
            "1-layer d=64 to 8-layer d=1024, so it is a lower-resolution bound)",
    examples=15,
)
def huang_1570x(memorization_data: float, algorithmic_data: float) -> Outcome:
    cv = HUANG_SETTING.curve_values()

    def scale(random_labels: float) -> float:
        return evaluate("emergence.multitask_transition_scale", D=algorithmic_data, D_r=random_labels, **cv)

    ratio = scale(memorization_data) / scale(0.0)
    return Outcome(1570 / 2 <= ratio <= 1570 * 2, ratio=ratio)


# --- the source documents, item 12 ------------------------------------------------------------------------
@claim(
    "With moderate data the model memorizes first, then the efficient circuit wins under weight decay: grokking",
    id="grokking.memorize_then_generalize",
    source="source documents, seeds.md item 12",
    about=("grokking.t_memorize", "grokking.t_generalize", "grokking.critical_data_size"),
    domain={"ratio": (0.3, 100.0), "lam": (1e-4, 5e-3)},
    log=("ratio", "lam"),
    holds_on={"ratio": (1.05, 20.0)},
    reading="squared-loss model (memorizer 10x faster, seeds 1e-2 and 1e-6): the memorizer fits first "
            "(t_memorize < t_generalize, both finite) and the generalizer is the stable end state; 'moderate' "
            "read as 1.05-20 D_crit: below D_crit the memorizer wins for good, above the comprehension size "
            "(~33 D_crit) the generalizer comes first",
    examples=40,
)
def memorize_then_generalize(ratio: float, lam: float) -> Outcome:
    delays = _delays(ratio, lam)
    t_mem, t_gen = delays["t_memorize_predicted"], delays["t_generalize_predicted"]
    stable = _stable(ratio, lam)
    ok = t_mem is not None and t_gen is not None and t_mem < t_gen and stable == "generalizer"
    return Outcome(ok, t_memorize=t_mem or math.inf, t_generalize=t_gen or math.inf, stable=stable)


@claim(
    "In multi-task training an algorithmic task is crowded out by memorization tasks until the model is large enough",
    id="grokking.crowded_out_until_large",
    source="source documents, seeds.md item 12",
    about=("emergence.multitask_transition_scale", "emergence.spare_model_size"),
    domain={"memorization_data": (0.0, 1e5), "more": (1.0, 1e4)},
    reading="shared-capacity extension of the cross-entropy model (algorithmic data 3000): the model size where "
            "the algorithmic task's generalizer overtakes its memorizer is finite and grows with the "
            "memorization data (memorization_data + more random labels need a larger model)",
    examples=40,
)
def crowded_out_until_large(memorization_data: float, more: float) -> Outcome:
    cv = HUANG_SETTING.curve_values()

    def scale(random_labels: float) -> float:
        return evaluate("emergence.multitask_transition_scale", D=3000.0, D_r=random_labels, **cv)

    low, high = scale(memorization_data), scale(memorization_data + more)
    return Outcome(math.isfinite(high) and low < high, transition=low, transition_more_data=high)
