"""Compute-optimal allocation of the Chinchilla form, derived by a Lagrangian in SymPy.

Minimizing L(N, D) = E + A/N^alpha + B/D^beta at fixed compute gives N_opt = G (C/6)^a and
D_opt = (C/6)^b / G with a = beta/(alpha+beta), b = alpha/(alpha+beta), and the optimal loss
L*(C) = E + K (C/6)^-gamma, gamma = alpha beta/(alpha+beta). Two constraints are solved side by side:
the FLOP count C = 6 N D (Hoffmann et al.) and the product N D = C that circulates in informal
derivations. Both give the same exponents; the product version is the FLOP version at 6 C, so its
tokens-per-parameter ratio is 6^(b-a) times the FLOP one. The ratio D_opt/N_opt grows as C^(b-a): it
is constant only when alpha = beta, so the "20 tokens per parameter" rule is not a property of the form
(see claims scaling.twenty_tokens_per_parameter and scaling.documents_lagrangian_ratio).
"""

from __future__ import annotations

import sympy as sp

from derivations.cache import Derivations
from derivations.roots import unique_solution
from theory.functions import log_space
from theory.registry import Derivation, register
from theory.scaling import BESIROGLU, HOFFMANN, A, B, C, E, N, alpha, beta, chinchilla_loss
from theory.symbols import D, declare

_store = Derivations(__name__)
_multiplier = sp.Symbol("lambda_C", positive=True)

L = declare("L", "L", "target loss, nats/token", positive=True)
FLOP_CONSTRAINT = 6 * N * D
"""Training FLOP of a dense transformer: ~6 per parameter per token (forward + backward)."""
PRODUCT_CONSTRAINT = N * D
"""The product constraint N D = C of informal derivations (not a FLOP count)."""


def _lagrangian(constraint: sp.Expr) -> sp.Expr:
    return chinchilla_loss + _multiplier * (C - constraint)


def lagrangian_optimum(constraint: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    """(N_opt, D_opt) minimizing the Chinchilla loss subject to ``constraint = C``, from the stationarity
    of the Lagrangian L + lambda (C - constraint) in (N, D, lambda)."""
    equations = [sp.diff(_lagrangian(constraint), v) for v in (N, D, _multiplier)]
    (solution,) = sp.solve(equations, [N, D, _multiplier], dict=True)  # unique for positive N, D, lambda
    return solution[N], solution[D]


def _lagrangian_record(constraint: sp.Expr, note: str) -> Derivation:
    """The record of :func:`lagrangian_optimum`: the Lagrangian's gradient set to zero."""
    unknowns = (N, D, _multiplier)
    gradient = sp.Tuple(*(sp.Derivative(_lagrangian(constraint), v) for v in unknowns))
    return Derivation("solve", sp.Eq(gradient, sp.Tuple(0, 0, 0), evaluate=False), sp.Tuple(*unknowns),
                      from_formulas=("scaling.chinchilla_loss",), note=note)


def _slope_record(expr: sp.Expr, name: str, sign: int = 1) -> Derivation:
    """The record of :func:`log_slope`: d log(expr) / d log C, from the registered form ``name``."""
    return Derivation("derivative", sign * C * sp.Derivative(sp.log(expr), C), from_formulas=(name,))


def log_slope(expr: sp.Expr, var: sp.Symbol) -> sp.Expr:
    """d log(expr) / d log(var): the exponent of a power law in ``var``."""
    return sp.factor(sp.cancel(var * sp.diff(sp.expand_log(sp.log(expr), force=True), var)))


# --- C = 6 N D ------------------------------------------------------------------------------------------
N_opt, D_opt = _store("flop_optimum", lambda: lagrangian_optimum(FLOP_CONSTRAINT))
params_exponent = log_slope(N_opt, C)
tokens_exponent = log_slope(D_opt, C)
# G = N_opt / (C/6)^a does not depend on C (tests check it), so its value at C = 6 is G.
allocation_prefactor = N_opt.subs(C, 6)
optimal_reducible_loss = chinchilla_loss.subs({N: N_opt, D: D_opt}) - E
loss_exponent = _store("loss_exponent", lambda: -log_slope(optimal_reducible_loss, C))
loss_prefactor = optimal_reducible_loss.subs(C, 6)  # K = (L* - E)(C/6)^gamma, again C-independent
optimal_loss = E + loss_prefactor * (C / 6) ** -loss_exponent
_K = sp.Symbol("K", positive=True)
compute_for_loss = _store(
    "compute_for_loss",
    lambda: unique_solution(sp.Eq(E + _K * (C / 6) ** -loss_exponent, L), C).subs(_K, loss_prefactor),
)
tokens_per_param = sp.cancel(D_opt / N_opt)
ratio_exponent = sp.factor(tokens_exponent - params_exponent)
constant_ratio_condition = sp.solve(ratio_exponent, beta)
"""Values of beta (in terms of alpha) at which D_opt/N_opt does not depend on C: [alpha]."""

ALLOC = f"{HOFFMANN}, §3.3 Eq. (4) (derived here by a Lagrangian under C = 6ND)"
_SAME = "the same A, B, alpha, beta"
# The allocation forms are products of powers such as C^beta / 6^beta: registered in log space, so that large
# exponents give the ratio instead of inf / inf. L - E > 0 is written as one positive symbol first, so that
# the logs of its two negative factors (E - L and -1) never appear.
_gap = sp.Symbol("gap", positive=True)
register(
    "scaling.compute_optimal_params", log_space(N_opt), [C, A, B, alpha, beta], source=ALLOC,
    description="N_opt(C) = G (C/6)^a: the loss-minimizing parameter count at compute C = 6 N D",
    derivation=_lagrangian_record(FLOP_CONSTRAINT, "its N, written in log space"),
)
register(
    "scaling.compute_optimal_tokens", log_space(D_opt), [C, A, B, alpha, beta], source=ALLOC,
    description="D_opt(C) = (C/6)^b / G: the loss-minimizing token count at compute C = 6 N D",
    derivation=_lagrangian_record(FLOP_CONSTRAINT, "its D, written in log space"),
)
register(
    "scaling.optimal_loss", optimal_loss, [C, E, A, B, alpha, beta],
    source=f"{ALLOC}; closed form as in {BESIROGLU}",
    description="L*(C) = E + K (C/6)^-gamma: the lowest loss reachable with compute C",
    derivation=Derivation("substitution", chinchilla_loss,
                          from_formulas=("scaling.chinchilla_loss", "scaling.compute_optimal_params",
                                         "scaling.compute_optimal_tokens"),
                          note="the loss at (N_opt, D_opt), written as E + K (C/6)^-gamma"),
)
register(
    "scaling.compute_for_loss", log_space(compute_for_loss.subs(E, L - _gap)).subs(_gap, L - E),
    [L, E, A, B, alpha, beta],
    source=f"{ALLOC}; inverse of L*(C), as in {BESIROGLU}",
    description="compute C needed for a compute-optimal model to reach loss L (inverse of optimal_loss)",
    constraints=[(L > E, "the target loss must exceed the irreducible loss, L > E")],
    diverges="as L -> E from above",
    derivation=Derivation("solve", sp.Eq(E + _K * (C / 6) ** -loss_exponent, L), C,
                          from_formulas=("scaling.optimal_loss", "scaling.loss_prefactor"),
                          note="then K put back, written in log space"),
)
register(
    "scaling.params_exponent", params_exponent, [alpha, beta], source=ALLOC,
    description="a = beta/(alpha+beta) in N_opt ~ C^a",
    derivation=_slope_record(N_opt, "scaling.compute_optimal_params"),
)
register(
    "scaling.tokens_exponent", tokens_exponent, [alpha, beta], source=ALLOC,
    description="b = alpha/(alpha+beta) in D_opt ~ C^b; a + b = 1",
    derivation=_slope_record(D_opt, "scaling.compute_optimal_tokens"),
)
register(
    "scaling.loss_exponent", loss_exponent, [alpha, beta], source=ALLOC,
    description="gamma = alpha beta/(alpha+beta) in L*(C) - E ~ C^-gamma",
    derivation=_slope_record(optimal_reducible_loss, "scaling.optimal_loss", sign=-1),
)
register(
    "scaling.allocation_prefactor", log_space(allocation_prefactor), [A, B, alpha, beta], source=ALLOC,
    description="G = (alpha A/(beta B))^(1/(alpha+beta)) in N_opt = G (C/6)^a",
    derivation=Derivation("substitution", N_opt, from_formulas=("scaling.compute_optimal_params",),
                          note="N_opt at C = 6 (it is N_opt / (C/6)^a, free of C)"),
)
register(
    "scaling.loss_prefactor", loss_prefactor, [A, B, alpha, beta], source=ALLOC,
    description="K = A G^-alpha + B G^beta in L*(C) = E + K (C/6)^-gamma",
    derivation=Derivation("substitution", optimal_reducible_loss, from_formulas=("scaling.optimal_loss",),
                          note="L* - E at C = 6 (it is (L* - E)(C/6)^gamma, free of C)"),
)
register(
    "scaling.tokens_per_param", log_space(tokens_per_param), [C, A, B, alpha, beta], source=ALLOC,
    description="D_opt/N_opt at compute C (C = 6 N D); depends on C unless alpha = beta",
    derivation=Derivation("composition", from_formulas=("scaling.compute_optimal_tokens",
                                                        "scaling.compute_optimal_params"), note="their ratio"),
)
register(
    "scaling.tokens_per_param_exponent", ratio_exponent, [alpha, beta], source=ALLOC,
    description="b - a = (alpha - beta)/(alpha + beta): D_opt/N_opt ~ C^(b-a); zero iff alpha = beta",
    derivation=Derivation("composition", from_formulas=("scaling.tokens_exponent", "scaling.params_exponent"),
                          note="their difference"),
)

# --- N D = C (the product constraint) -------------------------------------------------------------------
N_opt_product, D_opt_product = _store("product_optimum", lambda: lagrangian_optimum(PRODUCT_CONSTRAINT))
PRODUCT = "informal derivations' constraint N D = C (not a FLOP count); Lagrangian derived here"
register(
    "scaling.product_constraint_params", log_space(N_opt_product), [C, A, B, alpha, beta], source=PRODUCT,
    description=f"N_opt under N D = C; equals compute_optimal_params at 6 C for {_SAME}",
    derivation=_lagrangian_record(PRODUCT_CONSTRAINT, "its N, written in log space"),
)
register(
    "scaling.product_constraint_tokens", log_space(D_opt_product), [C, A, B, alpha, beta], source=PRODUCT,
    description=f"D_opt under N D = C; equals compute_optimal_tokens at 6 C for {_SAME}",
    derivation=_lagrangian_record(PRODUCT_CONSTRAINT, "its D, written in log space"),
)
register(
    "scaling.product_constraint_tokens_per_param", log_space(sp.cancel(D_opt_product / N_opt_product)),
    [C, A, B, alpha, beta], source=PRODUCT,
    description="D_opt/N_opt under N D = C: 6^(b-a) times the FLOP-constraint ratio at the same C",
    derivation=Derivation("composition", from_formulas=("scaling.product_constraint_tokens",
                                                        "scaling.product_constraint_params"), note="their ratio"),
)

_store.save()
