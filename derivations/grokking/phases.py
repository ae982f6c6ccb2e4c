"""Phase diagrams: Liu et al.'s four phases over (data size, weight decay) and Huang et al.'s zones over
(model size, data size), from the two-circuit models.

* :func:`liu_phase_diagram` integrates the squared-loss model at every grid point at once (the generic
  :func:`derivations.phase_diagram.phase_diagram`) and classifies each run by which circuit first reaches
  half the target margin within the horizon (Liu et al. 2022, arXiv 2205.10343, §5 phase names).
* :func:`huang_equilibrium` finds the cross-entropy model's minimum (convex for r = p/kappa >= 1) at
  every (M, D) by vectorized damped Newton, with the memorizable fraction f = min(1, D_mem(M)/D) and
  norms from :mod:`theory.circuits`; :func:`huang_zone` is Huang et al.'s rule-based zone map.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from functools import cache

import numpy as np
import sympy as sp

from derivations.cache import Derivations
from derivations.compile import broadcast_call, compile_expr
from derivations.evaluate import check_domain, evaluate
from derivations.grokking.runs import C_G, C_M, CRITICAL_DATA_SIZE, Y
from derivations.phase_diagram import phase_diagram
from derivations.simulate import Event
from theory import circuits
from theory.dynamics import CROSS_ENTROPY, SQUARED_LOSS
from theory.symbols import (
    NONNEGATIVE,
    P_G,
    P_M,
    POSITIVE,
    A_mem,
    B_crit,
    D,
    Domain,
    M,
    beta_m,
    f,
    kappa,
    lam,
    mu,
    nu,
    p,
    q,
    w_G,
    w_M,
)

LIU_PHASES = ("confusion", "memorization", "grokking", "comprehension")
HUANG_ZONES = ("progression", "ungrokking", "grokking", "semi-grokking")

_CIRCUIT_EVENTS = {
    "t_memorizer": Event("memorizing_margin", Y / 2, +1),
    "t_generalizer": Event("generalizing_margin", Y / 2, +1),
}


def classify_liu(t_memorizer: np.ndarray, t_generalizer: np.ndarray) -> np.ndarray:
    """Phase index into :data:`LIU_PHASES` from the times each circuit first reaches y/2 (inf: never)."""
    mem, gen = np.isfinite(t_memorizer), np.isfinite(t_generalizer)
    out = np.zeros(np.shape(t_memorizer), dtype=int)  # confusion: neither circuit fits
    out[mem & ~gen] = 1
    out[mem & gen & (t_generalizer > t_memorizer)] = 2
    out[gen & (~mem | (t_generalizer <= t_memorizer))] = 3
    return out


def liu_phase_diagram(
    data_ratios: np.ndarray, weight_decays: np.ndarray, horizon: float = 1e5, rate_ratio: float = 0.1,
) -> dict[str, np.ndarray]:
    """Event times and phases on the grid weight_decays x data_ratios (rows: weight decay)."""
    dd, ll = np.meshgrid(check_domain("data_ratios", data_ratios, POSITIVE, "D / D_crit"),
                         check_domain("weight_decays", weight_decays, NONNEGATIVE))
    check_domain("horizon", horizon, POSITIVE, "steps")
    check_domain("rate_ratio", rate_ratio, POSITIVE, "eta_g / eta_m")
    values = {"y": Y, "c_m": C_M, "c_g": C_G, "eta_m": 1.0, "eta_g": rate_ratio}
    diagram = phase_diagram(SQUARED_LOSS, ("D", dd[0] * CRITICAL_DATA_SIZE), ("lam", ll[:, 0]), horizon, values,
                            events=_CIRCUIT_EVENTS)
    t_m, t_g = diagram["events"]["t_memorizer"], diagram["events"]["t_generalizer"]
    return {"data_ratio": np.asarray(data_ratios, float), "weight_decay": np.asarray(weight_decays, float),
            "t_memorizer": t_m, "t_generalizer": t_g, "phase": classify_liu(t_m, t_g)}


# --- Huang et al.: equilibrium of the cross-entropy model over (M, D) ------------------------------------
def _critical_curve_through(readoffs: tuple[tuple[float, float], ...]) -> tuple[float, float]:
    """(B_crit, nu) of D_crit = B_crit M^-nu (theory.circuits) through two (M, D_crit) read-offs."""
    equations = [sp.Eq(sp.log(circuits.critical_data_size_of_model.subs({M: size})), sp.log(d))
                 for size, d in readoffs]
    (solution,) = sp.solve([sp.expand_log(e, force=True) for e in equations], [B_crit, nu], dict=True)
    return float(solution[B_crit]), float(solution[nu])


_UNBOUNDED = Domain(0.0, math.inf, hi_closed=True)
_store = Derivations(__name__)
_HUANG_B_CRIT, _HUANG_NU = _store("huang_curve", lambda: _critical_curve_through(((32.0, 4000.0), (64.0, 3000.0))))
_store.save()


@dataclass(frozen=True)
class HuangSetting:
    """Illustrative constants echoing Huang et al.'s read-offs (their §4.2): D_crit(32) = 4000,
    D_crit(64) = 3000, D_mem = 4.5 M^2; Varma's q, weight decay, p, kappa; beta = 1/2. ``difficulty``
    multiplies D_crit (a harder task, Huang et al. §4.3)."""

    A_mem: float = 4.5
    mu: float = 2.0
    nu: float = _HUANG_NU
    B_crit: float = _HUANG_B_CRIT
    beta: float = 0.5
    q: int = 113
    lam: float = 0.005
    p: float = 2.0
    kappa: float = 1.2
    difficulty: float = 1.0

    def __post_init__(self) -> None:
        for name, value in dataclasses.asdict(self).items():
            # A_mem = inf is a model with unbounded memorization capacity (f = 1 at every size).
            check_domain(name, value, _UNBOUNDED if name == "A_mem" else POSITIVE, "HuangSetting field")

    def curve_values(self) -> dict[str, float]:
        return {"A_mem": self.A_mem, "mu": self.mu, "B_crit": self.B_crit * self.difficulty, "nu": self.nu}


_W = (w_G, w_M)
_CE_PARAMS = (q, lam, p, kappa, P_G, P_M, f)


@cache
def _newton_pieces():
    objective = CROSS_ENTROPY.objective
    grad = [sp.diff(objective, v) for v in _W]
    hess = [sp.diff(gi, v) for gi in grad for v in _W]
    args = (*_W, *_CE_PARAMS)
    val = CROSS_ENTROPY.observables
    return (compile_expr(args, objective), compile_expr(args, grad), compile_expr(args, hess),
            compile_expr(args, [val["test_accuracy"], val["train_accuracy"]]))


@cache
def _huang_inputs():
    """Compiled (P_G, P_M, f) as functions of (M, D) and the curve constants, from theory.circuits."""
    args = (M, D, A_mem, mu, B_crit, nu, beta_m)
    return compile_expr(args, [circuits.generalization_norm_of_model, circuits.memorization_norm_of_model,
                               circuits.memorizable_fraction])


def huang_model_values(model_sizes: np.ndarray, data_sizes: np.ndarray, setting: HuangSetting = HuangSetting()
                       ) -> dict[str, np.ndarray]:
    """Cross-entropy model parameters (q, lam, p, kappa, P_G, P_M, f) at each (M, D), broadcast together."""
    mm, dd = np.broadcast_arrays(check_domain("model_sizes", model_sizes, POSITIVE),
                                 check_domain("data_sizes", data_sizes, POSITIVE))
    cv = setting.curve_values()
    p_g, p_m, frac = broadcast_call(_huang_inputs(), mm.shape, mm, dd, cv["A_mem"], cv["mu"], cv["B_crit"],
                                    cv["nu"], setting.beta)
    return {"q": setting.q, "lam": setting.lam, "p": setting.p, "kappa": setting.kappa, "P_G": p_g, "P_M": p_m,
            "f": frac}


def huang_equilibrium(model_sizes: np.ndarray, data_sizes: np.ndarray, setting: HuangSetting = HuangSetting(),
                      iterations: int = 80) -> dict[str, np.ndarray]:
    """Equilibrium strengths and accuracies on the grid data_sizes x model_sizes (rows: data size)."""
    mm, dd = np.meshgrid(np.asarray(model_sizes, float), np.asarray(data_sizes, float))
    shape = mm.shape
    values = huang_model_values(mm, dd, setting)
    params = tuple(values[s.name] for s in _CE_PARAMS)
    objective, grad, hess, accuracy = _newton_pieces()
    w = np.ones((2, *shape))
    for _ in range(iterations):
        g = broadcast_call(grad, shape, *w, *params)
        h = broadcast_call(hess, shape, *w, *params).reshape(2, 2, *shape)
        step = np.linalg.solve(np.moveaxis(h, (0, 1), (-2, -1)), np.moveaxis(g, 0, -1)[..., None])[..., 0]
        step = np.moveaxis(step, -1, 0)
        # Fraction-to-boundary: never cross w = 0, where the penalty w^r stops being smooth.
        limit = np.where(step > 0, 0.9 * w / np.where(step > 0, step, 1.0), np.inf).min(axis=0)
        t = np.minimum(1.0, limit)
        base = broadcast_call(objective, shape, *w, *params)
        for _ in range(30):  # backtracking: the objective must not increase
            trial = w - t * step
            worse = broadcast_call(objective, shape, *trial, *params) > base + 1e-15
            if not worse.any():
                break
            t = np.where(worse, t / 2, t)
        w = w - t * step
    gradient = np.abs(broadcast_call(grad, shape, *w, *params)).max()
    if gradient > 1e-8:
        raise RuntimeError(f"huang_equilibrium: Newton did not converge (max |gradient| = {gradient:.2e})")
    test_acc, train_acc = broadcast_call(accuracy, shape, *w, *params)
    return {"model_size": np.asarray(model_sizes, float), "data_size": np.asarray(data_sizes, float),
            "w_G": w[0], "w_M": w[1], "validation": test_acc, "train": train_acc}


def huang_zone(model_sizes: np.ndarray, data_sizes: np.ndarray, setting: HuangSetting = HuangSetting(),
               band: float = 0.15) -> np.ndarray:
    """Zone index into :data:`HUANG_ZONES` (rows: data size): progression if D > D_mem(M); else
    semi-grokking if |ln(D / D_crit(M))| <= band; else grokking if D > D_crit(M); else ungrokking."""
    mm, dd = np.meshgrid(check_domain("model_sizes", model_sizes, POSITIVE),
                         check_domain("data_sizes", data_sizes, POSITIVE))
    check_domain("band", band, NONNEGATIVE, "half-width of the semi-grokking band in ln D")
    cv = setting.curve_values()
    d_mem = evaluate("huang.memorization_capacity", A_mem=cv["A_mem"], M=mm, mu=cv["mu"])
    d_crit = evaluate("huang.critical_data_size", B_crit=cv["B_crit"], M=mm, nu=cv["nu"])
    zone = np.where(dd > d_crit, 2, 1)
    zone = np.where(np.abs(np.log(dd / d_crit)) <= band, 3, zone)
    return np.where(dd > d_mem, 0, zone)
