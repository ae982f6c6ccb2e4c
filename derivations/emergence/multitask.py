"""Emergence from circuit competition: an algorithmic task trained alongside random-label memorization tasks.

Huang et al. (2024, arXiv 2402.15175, §5) train modular addition together with random-label data:
addition generalizes only in much larger models than when trained alone, because the random labels
have no generalizing circuit and keep their share of the memorization capacity. This module extends
the two-circuit cross-entropy model (:data:`theory.dynamics.CROSS_ENTROPY`, Huang's curves from
:mod:`theory.circuits`) to that setting. The modelling choices, this package's:

* capacity is counted in memorized examples, D_mem(M) = A M^mu; the random-label examples of all the
  memorization tasks (D_r in total: only the total matters) keep D_r of it for good, so the
  algorithmic task's circuits live in the spare part, a model of size M_s
  with D_mem(M_s) = D_mem(M) - D_r (no spare capacity: no generalizing circuit at all);
* inside it, the algorithmic task's two circuits compete as in Huang's grokking zone: the memorizer
  fits all D examples (f = 1), the generalizing circuit's norm is that of a model of size M_s;
* the reported validation accuracy is the long-training limit, the regularized objective's minimum
  (convex for r = p/kappa >= 1), not a trajectory: :func:`derivations.grokking.phases.huang_equilibrium` at the
  spare size, with unbounded capacity for the algorithmic memorizer (f = 1).

Validation accuracy is the cross-entropy model's exp(-test loss), the mass on the correct class. The
memorizer votes for a wrong class on unseen inputs, so a memorizer alone scores below chance (1/q); the
normalized score therefore runs from that level (0) to perfect (1), not from chance.

With no random labels this is Huang's single-task model restricted to f = 1, so it has no progression
zone (small models that cannot memorize, yet generalize): small models here simply memorize.

The generalizing circuit overtakes the memorizer (w_G = w_M) where D_crit(M_s) = D; the scale M at
which that happens is derived in SymPy (``emergence.multitask_transition_scale``).
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from functools import cache

import numpy as np
import sympy as sp
from scipy.optimize import OptimizeWarning, curve_fit, minimize

from derivations.cache import Derivations
from derivations.compile import compile_expr
from derivations.evaluate import check_domain, evaluate
from derivations.experiments import Setting, experiment
from derivations.grokking.phases import HuangSetting, huang_equilibrium
from derivations.roots import unique_solution
from theory import circuits
from theory.dynamics import CROSS_ENTROPY
from theory.functions import log_space, power_of_sum
from theory.registry import Derivation, get, register
from theory.symbols import (
    P_M,
    POSITIVE,
    REAL,
    A_mem,
    B_crit,
    D,
    Domain,
    M,
    beta_m,
    declare,
    f,
    kappa,
    mu,
    nu,
    p,
    q,
    w_G,
    w_M,
)
from theory.symbols import lam as lam_sym

HUANG = f"{circuits.HUANG}, §5 (multi-task emergence)"
MODEL = "this package's shared-capacity extension of the two-circuit model"

D_r = declare("D_r", "D_r", "random-label training examples (memorization only)", nonnegative=True)
M_s = sp.Symbol("M_s", positive=True)

_store = Derivations(__name__)


_spare_capacity = sp.Eq(circuits.memorization_capacity.subs(M, M_s), circuits.memorization_capacity - D_r)
spare_model_size = _store("spare_model_size", lambda: unique_solution(_spare_capacity, M_s))
register(
    "emergence.spare_model_size", log_space(power_of_sum(spare_model_size)), [M, D_r, A_mem, mu],
    source=f"{HUANG}; {MODEL}",
    description="size of a model whose whole capacity equals what the random labels leave: D_mem(M_s) = D_mem(M) - D_r",
    # As M > (D_r / A_mem)^(1/mu): the same condition, without M^mu overflowing at large mu.
    constraints=[(M > (D_r / A_mem) ** (1 / mu), "needs spare capacity: A_mem M^mu > D_r")],
    derivation=Derivation("solve", _spare_capacity, M_s, from_formulas=("huang.memorization_capacity",)),
)
# The generalizing circuit wins where D_crit(M_s) falls to the algorithmic data size D (Huang's D_crit rule).
_winning_spare_size = unique_solution(sp.Eq(circuits.critical_data_size_of_model.subs(M, M_s), D), M_s)
_transition = sp.Eq(spare_model_size, _winning_spare_size)
multitask_transition_scale = _store("transition_scale", lambda: sp.powsimp(unique_solution(_transition, M), force=True))
register(
    "emergence.multitask_transition_scale", log_space(power_of_sum(multitask_transition_scale)),
    [D, D_r, A_mem, mu, B_crit, nu],
    source=f"{HUANG}; {MODEL}",
    description="model size where the algorithmic task's generalizing circuit overtakes its memorizer (w_G = w_M)",
    derivation=Derivation("solve", _transition, M,
                          from_formulas=("emergence.spare_model_size", "huang.critical_data_size"),
                          note="the spare size equals the size M_s whose critical data size D_crit(M_s) is D"),
)

_store.save()

POINTS = Domain(5.0, 2000.0, lo_closed=True, hi_closed=True, integer=True)
# Bounds of the settings: beyond any trained network or data set, and inside them every quantity of the model
# (powers up to D^(mu/nu) ~ D^4.8, capacities A M^2) stays well inside double precision.
MODEL_SIZE = Domain(1.0, 1e12, lo_closed=True, hi_closed=True)
EXAMPLES = Domain(1.0, 1e12, lo_closed=True, hi_closed=True)
RANDOM_EXAMPLES = Domain(0.0, 1e12, lo_closed=True, hi_closed=True)
DIFFICULTY = Domain(1e-6, 1e6, lo_closed=True, hi_closed=True)
# A 10-90% width and a two-parameter fit need the rise sampled, not jumped over.
RESOLVED = 2
# Steepness range of the fitted law: from a rise over ~14 decades (0.1) to a near-step (width 1.0003).
ALPHA_FIT = Domain(0.1, 1e4, lo_closed=True, hi_closed=True)


@cache
def _memorizer_alone():
    """Objective, its w_M-derivative and validation accuracy without a generalizer (w_G = 0), all examples stored."""
    norm = circuits.memorization_norm_of_model.subs(circuits.memorizable_fraction, 1)
    alone = {f: 1, w_G: 0, P_M: norm}
    objective = CROSS_ENTROPY.objective.subs(alone)
    args = (w_M, q, lam_sym, p, kappa, D, B_crit, beta_m)
    return (compile_expr(args, objective), compile_expr(args, sp.diff(objective, w_M)),
            compile_expr(args, CROSS_ENTROPY.observables["test_accuracy"].subs(alone)))


def _memorizer_alone_equilibrium(algorithmic_data: float, setting: HuangSetting) -> tuple[float, float]:
    """(w_M, validation accuracy) of the memorizer alone. Its cost does not depend on M: one solve serves all sizes."""
    objective, slope, accuracy = _memorizer_alone()
    args = (setting.q, setting.lam, setting.p, setting.kappa, algorithmic_data, setting.curve_values()["B_crit"],
            setting.beta)
    res = minimize(lambda x: objective(x[0], *args), [1.0], jac=lambda x: np.atleast_1d(slope(x[0], *args)),
                   bounds=[(1e-12, None)], method="L-BFGS-B", options={"ftol": 1e-15, "gtol": 1e-12})
    return float(res.x[0]), float(accuracy(res.x[0], *args))


def multitask_equilibrium(model_sizes: np.ndarray, algorithmic_data: float, memorization_data: float,
                          setting: HuangSetting | None = None) -> dict[str, np.ndarray | float]:
    """Circuit strengths and validation accuracy of the algorithmic task at each model size, and the validation
    accuracy of the memorizer alone (what every model without spare capacity scores)."""
    setting = setting or HuangSetting()
    sizes = check_domain("model_sizes", model_sizes, MODEL_SIZE, "model sizes (hidden widths)")
    if sizes.ndim != 1:
        raise ValueError(f"model_sizes must be a 1-d sequence, got shape {sizes.shape}")
    algorithmic_data = float(check_domain("algorithmic_data", algorithmic_data, EXAMPLES,
                                          "training examples of the algorithmic task"))
    memorization_data = float(check_domain("memorization_data", memorization_data, RANDOM_EXAMPLES,
                                           "random-label training examples"))
    check_domain("difficulty", setting.difficulty, DIFFICULTY, "multiplier of the critical data size")
    cv = setting.curve_values()
    capacity = evaluate("huang.memorization_capacity", A_mem=cv["A_mem"], M=sizes, mu=cv["mu"])
    room = capacity > memorization_data
    spare = np.zeros_like(sizes)
    w = np.zeros((2, sizes.size))
    validation = np.empty_like(sizes)
    alone_w_m, alone_validation = _memorizer_alone_equilibrium(algorithmic_data, setting)
    if room.any():
        spare[room] = evaluate("emergence.spare_model_size", M=sizes[room], D_r=memorization_data,
                               A_mem=cv["A_mem"], mu=cv["mu"])
        # Huang's equilibrium at the spare size, with the algorithmic memorizer never short of capacity (f = 1).
        eq = huang_equilibrium(spare[room], [algorithmic_data], dataclasses.replace(setting, A_mem=math.inf))
        w[0, room], w[1, room], validation[room] = eq["w_G"][0], eq["w_M"][0], eq["validation"][0]
    w[1, ~room], validation[~room] = alone_w_m, alone_validation
    return {"model_size": sizes, "spare_model_size": spare, "w_G": w[0], "w_M": w[1], "validation": validation,
            "memorizer_alone_validation": alone_validation}


def fit_critical_scale_law(model_sizes: np.ndarray, score: np.ndarray) -> tuple[float, float]:
    """Least-squares fit of the critical-scale law 1 - exp(-(M/M_c)^alpha) to a score in [0, 1]: (M_c, alpha).

    Raises ``RuntimeError`` if the least-squares search does not converge."""
    sizes = check_domain("model_sizes", model_sizes, POSITIVE)
    score = check_domain("score", score, REAL)
    if sizes.ndim != 1 or sizes.shape != score.shape or sizes.size < 2:
        raise ValueError(f"model_sizes and score must be 1-d of the same length >= 2, got shapes {sizes.shape} "
                         f"and {score.shape}")
    law = get("emergence.critical_scale_probability")
    curve = compile_expr(law.symbols, law.expr)
    middle = sizes[np.argmin(np.abs(score - 0.5))]
    # Start from the steepness whose 10-90% width matches the data's (width = width(alpha=1)^(1/alpha)).
    start = 2.0
    m10, m90 = crossing_scale(sizes, score, 0.1), crossing_scale(sizes, score, 0.9)
    if m10 is not None and m90 is not None and m90 > m10:
        unit = evaluate("emergence.critical_scale_width_ratio", alpha=1.0)
        start = float(np.clip(math.log(unit) / math.log(m90 / m10), ALPHA_FIT.lo, ALPHA_FIT.hi))
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        # An undetermined covariance is no concern: only the estimate is used.
        warnings.simplefilter("ignore", OptimizeWarning)
        (log_scale, steepness), _ = curve_fit(lambda m, ln_c, a: curve(m, np.exp(ln_c), a), sizes, score,
                                              p0=[math.log(middle), start],
                                              bounds=([-np.inf, ALPHA_FIT.lo], [np.inf, ALPHA_FIT.hi]))
    return math.exp(log_scale), float(steepness)


def crossing_scale(model_sizes: np.ndarray, values: np.ndarray, level: float) -> float | None:
    """First model size at which an increasing curve reaches ``level`` from below (log-linear interpolation);
    None if it never does, or is already there at the first size."""
    model_sizes = check_domain("model_sizes", model_sizes, POSITIVE)
    values = check_domain("values", values, REAL)
    level = float(check_domain("level", level, REAL))
    if model_sizes.ndim != 1 or model_sizes.shape != values.shape:
        raise ValueError(f"model_sizes and values must be 1-d of the same length, got shapes {model_sizes.shape} "
                         f"and {values.shape}")
    above = np.nonzero(values >= level)[0]
    if above.size == 0 or above[0] == 0:
        return None
    i = above[0]
    x0, x1 = np.log(model_sizes[i - 1]), np.log(model_sizes[i])
    return float(np.exp(x0 + (level - values[i - 1]) / (values[i] - values[i - 1]) * (x1 - x0)))


def _check_transition_inside(score: np.ndarray, model_min: float, model_max: float, predicted: float) -> None:
    """A ``ValueError`` naming the settings to change unless the rise runs from below 10% to 90% in the range."""
    if score[0] < 0.1 and score[-1] >= 0.9:
        return
    if predicted > MODEL_SIZE.hi:
        raise ValueError(f"algorithmic_data, difficulty: the transition (predicted near M = {predicted:.3g}) lies "
                         f"beyond the largest model size allowed ({MODEL_SIZE.hi:g}); more algorithmic_data or a "
                         "lower difficulty bring it in")
    raise ValueError(f"model_min, model_max: the rise of validation accuracy (predicted near M = {predicted:.3g}) is "
                     f"not inside [{model_min:g}, {model_max:g}]; choose a range around it (model sizes in "
                     f"{MODEL_SIZE})")


def run_emergence(algorithmic_data: float = 3000.0, memorization_data: float = 6000.0, difficulty: float = 1.0,
                  model_min: float = 4.0, model_max: float = 4000.0, points: int = 41) -> dict:
    """Validation curve over model sizes, the fitted critical-scale law and the closed-form transition.

    Every value is finite; ``crossing_scale`` (w_G = w_M) is None where the circuits do not cross inside the range,
    ``transition_alpha`` and ``fitted_law_width`` where the rise is a near-step sharper than the fit's largest alpha.
    A setting outside its domain, a range that misses the transition or a grid too coarse to sample the rise raise
    a ``ValueError`` that names the setting.
    """
    algorithmic_data = float(check_domain("algorithmic_data", algorithmic_data, EXAMPLES,
                                          "training examples of the algorithmic task"))
    memorization_data = float(check_domain("memorization_data", memorization_data, RANDOM_EXAMPLES,
                                           "random-label training examples"))
    difficulty = float(check_domain("difficulty", difficulty, DIFFICULTY, "multiplier of the critical data size"))
    model_min = float(check_domain("model_min", model_min, MODEL_SIZE, "smallest model size"))
    model_max = float(check_domain("model_max", model_max, MODEL_SIZE, "largest model size"))
    points = int(check_domain("points", points, POINTS, "number of model sizes"))
    if model_max <= model_min:
        raise ValueError(f"model_max must exceed model_min, got {model_max:g} <= {model_min:g}")
    setting = HuangSetting(difficulty=difficulty)
    sizes = np.geomspace(model_min, model_max, points)
    out = multitask_equilibrium(sizes, algorithmic_data, memorization_data, setting)
    floor = out["memorizer_alone_validation"]
    score = (out["validation"] - floor) / (1 - floor)
    cv = setting.curve_values()
    predicted = evaluate("emergence.multitask_transition_scale", D=algorithmic_data, D_r=memorization_data,
                         A_mem=cv["A_mem"], mu=cv["mu"], B_crit=cv["B_crit"], nu=cv["nu"])
    _check_transition_inside(score, model_min, model_max, predicted)
    m10, m90 = crossing_scale(sizes, score, 0.1), crossing_scale(sizes, score, 0.9)
    inside = int(np.count_nonzero((score > 0.1) & (score < 0.9)))
    if inside < RESOLVED:
        raise ValueError(f"points: {inside} of {points} model sizes fall inside the rise from 10% to 90% (M = "
                         f"{m10:.6g} to {m90:.6g}); use more points ({POINTS}) or a range closer around it")
    fitted_scale, fitted_alpha = fit_critical_scale_law(sizes, score)
    # A steepness pinned at the fit's upper bound is no estimate: the rise is sharper than the law describes.
    steep = None if fitted_alpha >= ALPHA_FIT.hi * (1 - 1e-6) else fitted_alpha
    return {
        **out,
        "normalized_validation": score,
        "transition_scale": fitted_scale,
        "transition_alpha": steep,
        "transition_width": m90 / m10,
        "fitted_law_width": None if steep is None else evaluate("emergence.critical_scale_width_ratio", alpha=steep),
        "predicted_transition_scale": predicted,
        "crossing_scale": crossing_scale(sizes, out["w_G"] - out["w_M"], 0.0),
        # The size whose whole capacity the random labels fill (Huang's dip-window start at D = D_r).
        "capacity_threshold": 0.0 if memorization_data == 0 else evaluate(
            "huang.dip_window_start", D=memorization_data, A_mem=cv["A_mem"], mu=cv["mu"]),
    }


@experiment(
    "emergence",
    "algorithmic task + random-label memorization sharing capacity: validation vs model size, fitted transition",
    {
        "algorithmic_data": Setting(3000.0, EXAMPLES, "training examples of the algorithmic task"),
        "memorization_data": Setting(6000.0, RANDOM_EXAMPLES, "random-label (memorization-only) training examples"),
        "difficulty": Setting(1.0, DIFFICULTY, "multiplier of the critical data size (a harder task)"),
        "model_min": Setting(4.0, MODEL_SIZE, "smallest model size (hidden width)"),
        "model_max": Setting(4000.0, MODEL_SIZE, "largest model size (hidden width)"),
        "points": Setting(41, POINTS, "number of model sizes, log-spaced"),
    },
)
def _emergence_experiment(values: dict[str, float]) -> dict:
    return run_emergence(**values)
