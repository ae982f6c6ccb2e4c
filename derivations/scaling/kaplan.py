"""Kaplan et al.'s derived results, from their fitted forms in :mod:`theory.scaling`.

* **Compute-efficient frontier.** To reach loss L with N parameters at the critical batch, L(N, S_min)
  fixes the steps S_min(N, L), and the compute is C_min = 6 N B_crit(L) S_min. Minimizing it over N gives
  N_opt(L), and along that frontier N, B_crit and S_min are powers of C_min with exponents
  alpha_C/alpha_N, alpha_C/alpha_B, alpha_C/alpha_S, where alpha_C = 1/(1/alpha_S + 1/alpha_B + 1/alpha_N)
  is Kaplan's §6 exponent (tests check the derived and the printed forms agree). With the rounded
  fits N ~ C^0.68, not the empirical 0.73 Kaplan also report (see claim scaling.kaplan_model_size_exponent).
* **Overfitting.** delta L = L(N, D)/L(N, inf) - 1 from the joint form; keeping it below delta needs
  D >= D_c (N/N_c)^(alpha_N/alpha_D) / ((1 + delta)^(1/alpha_D) - 1), Kaplan's "D > 5e3 N^0.74" at
  delta = 0.02.
* **Early stopping.** The step at which L(N, S) has fallen to within L(N, D) - L(N, inf) of its
  converged value, a lower bound on the early-stopping step.
"""

from __future__ import annotations

import sympy as sp

from derivations.cache import Derivations
from derivations.roots import unique_solution
from theory.functions import log_space, power_of_sum
from theory.registry import Derivation, register
from theory.scaling import (
    KAPLAN,
    L,
    N,
    S_min,
    alpha_B,
    alpha_N,
    alpha_S,
    critical_batch,
    kaplan_loss,
    kaplan_params_loss,
    kaplan_steps_loss,
)
from theory.symbols import D, declare

_store = Derivations(__name__)
DERIVED = f"{KAPLAN}, §6.1 (derived here from Eqs. (1.6) and the B_crit(L) fit)"

delta = declare("delta_L", r"\delta", "tolerated relative excess loss from finite data", positive=True)

# --- compute-efficient frontier -----------------------------------------------------------------------
steps_to_loss = _store("steps_to_loss", lambda: unique_solution(sp.Eq(kaplan_steps_loss, L), S_min))
"""S_min(N, L): steps at the critical batch for an N-parameter model to reach loss L (needs L > L(N))."""
compute_to_loss = 6 * N * critical_batch * steps_to_loss
frontier_params = _store(
    "frontier_params", lambda: unique_solution(sp.diff(sp.expand_log(sp.log(compute_to_loss), force=True), N), N)
)
"""N_opt(L): the model size that reaches loss L with the least compute."""
frontier_compute = _store("frontier_compute", lambda: sp.simplify(compute_to_loss.subs(N, frontier_params)))
frontier_steps = _store("frontier_steps", lambda: sp.simplify(steps_to_loss.subs(N, frontier_params)))


def _log_slope(expr: sp.Expr) -> sp.Expr:
    return sp.diff(sp.expand_log(sp.log(expr), force=True), L)


def _exponent_in_compute(name: str, expr: sp.Expr) -> sp.Expr:
    """d log(expr)/d log(C_min) along the frontier, both sides parameterized by the loss L (cached)."""
    return _store(f"{name}_exponent", lambda: sp.simplify(_log_slope(expr) / _log_slope(frontier_compute)))


frontier_loss_exponent = _store("loss_exponent", lambda: sp.simplify(-1 / (L * _log_slope(frontier_compute))))
_FRONTIER_FITS = ("scaling.kaplan_steps_loss", "scaling.kaplan_critical_batch")
_FRONTIER_NOTE = ("along the frontier C_min(L) = 6 N B_crit(L) S_min(N, L) at the N solving d log C_min/dN = 0, "
                  "with S_min(N, L) solved from L(N, S_min) = L; both sides parameterized by L")
_d_log_compute = sp.Derivative(sp.log(frontier_compute), L)
register(
    "scaling.kaplan_frontier_loss_exponent", frontier_loss_exponent, [alpha_S, alpha_B, alpha_N], source=DERIVED,
    description="alpha_C in L ~ C_min^-alpha_C along the derived frontier (Kaplan's min_compute_exponent)",
    derivation=Derivation("derivative", -1 / (L * _d_log_compute), from_formulas=_FRONTIER_FITS, note=_FRONTIER_NOTE),
)
_FRONTIER = {"params": (frontier_params, "N_opt", "alpha_N"), "batch": (critical_batch, "B_crit", "alpha_B"),
             "steps": (frontier_steps, "S_min", "alpha_S")}
for _kind, (_expr, _quantity, _own) in _FRONTIER.items():
    register(
        f"scaling.kaplan_frontier_{_kind}_exponent", _exponent_in_compute(_kind, _expr), [alpha_S, alpha_B, alpha_N],
        source=DERIVED, description=f"{_quantity} ~ C_min^(alpha_C/{_own}) along the compute-efficient frontier",
        derivation=Derivation("derivative", sp.Derivative(sp.log(_expr), L) / _d_log_compute,
                              from_formulas=_FRONTIER_FITS, note=_FRONTIER_NOTE),
    )


def _parameters(expr: sp.Expr, *leading: sp.Symbol) -> list[sp.Symbol]:
    """The free symbols of ``expr``: ``leading`` first, the constants after them in name order."""
    return [*leading, *sorted(expr.free_symbols - set(leading), key=str)]


# --- overfitting and early stopping ---------------------------------------------------------------------
OVERFIT = f"{KAPLAN}, §4.2 (derived here from the joint form Eq. (1.5))"
# L(N, D) is a power base^alpha_D, so L(N, D)/L(N, inf) is (base(N, D)/base(N, inf))^alpha_D.
_base, _power = kaplan_loss.as_base_exp()
_converged_base = _store("converged_base", lambda: sp.limit(_base, D, sp.oo))
converged_loss = sp.powdenest(_converged_base**_power, force=True)
"""L(N, inf) of the joint form: the single-variable L(N) = (N_c/N)^alpha_N with the joint fit's constants."""
_base_ratio = sp.powsimp(sp.expand(_base / _converged_base), force=True)  # 1 + x, x = D_c (N/N_c)^(a_N/a_D)/D
overfitting = _base_ratio**_power - 1
# Registered forms evaluate (1 + x)^alpha_D - 1 as expm1(alpha_D log1p(x)) and products of powers in log space:
# at N = 1e9, D = 1e26 the excess loss is ~1e-17 of the loss, which the plain forms cancel to 0.
register(
    "scaling.kaplan_overfitting", power_of_sum(overfitting), _parameters(overfitting, N, D),
    source=OVERFIT, description="delta L = L(N, D)/L(N, inf) - 1: relative excess loss from finite data",
    derivation=Derivation("limit", sp.Limit(_base, D, sp.oo), from_formulas=("scaling.kaplan_loss",),
                          note="L(N, inf) is this limit of the joint form's base to the power alpha_D"),
)
_x = sp.Symbol("x", positive=True)


def _data_for_overfitting() -> sp.Expr:
    # Solved in two steps, (1 + x)^alpha_D - 1 = delta for x, then x(D) for D, so that the root keeps the
    # (1 + delta)^(1/alpha_D) - 1 that expm1 can evaluate (a one-step solve expands it into a difference of powers).
    relative = unique_solution(sp.Eq((1 + _x) ** _power - 1, delta), _x)
    return unique_solution(sp.Eq(_base_ratio - 1, relative), D)


data_for_overfitting = _store("data_for_overfitting", _data_for_overfitting)
register(
    "scaling.kaplan_data_to_avoid_overfitting", log_space(power_of_sum(data_for_overfitting)),
    _parameters(data_for_overfitting, N, delta), source=OVERFIT,
    description="tokens D at which delta L equals delta; D ~ N^(alpha_N/alpha_D) (5e3 N^0.74 at delta = 0.02)",
    derivation=Derivation("solve", sp.Eq(overfitting, delta), D, from_formulas=("scaling.kaplan_overfitting",),
                          note="in two steps, (1 + x)^alpha_D - 1 = delta for x, then x(D) = x for D"),
)
_excess = sp.Symbol("excess", positive=True)  # L(N, D) - L(N, inf), kept whole while solving
# L(N, D) - L(N, inf) = L(N, inf) delta L by the definition of delta L: a product, with no difference to cancel.
early_stopping_steps = _store(
    "early_stopping_steps",
    lambda: unique_solution(sp.Eq(kaplan_steps_loss - kaplan_params_loss, _excess), S_min),
).subs(_excess, converged_loss * overfitting)
register(
    "scaling.kaplan_early_stopping_steps", log_space(power_of_sum(early_stopping_steps)),
    _parameters(early_stopping_steps, N, D),
    source=f"{KAPLAN}, §5.3 (derived here from Eqs. (1.5) and (1.6))",
    description="S_c/(L(N, D) - L(N, inf))^(1/alpha_S): steps before finite data stops the loss falling",
    derivation=Derivation("solve", sp.Eq(kaplan_steps_loss - kaplan_params_loss, _excess), S_min,
                          from_formulas=("scaling.kaplan_steps_loss", "scaling.kaplan_params_loss",
                                         "scaling.kaplan_overfitting"),
                          note="then the excess L(N, D) - L(N, inf) written as L(N, inf) delta L"),
)

_store.save()
