"""Where emergence sits and how sharp it is: closed forms derived in SymPy from :mod:`theory.emergence`.

Write u = ln N. The sharpness of a curve y(u) on a log axis is its maximum slope; its location is the
inflection (d^2y/du^2 = 0); its onset, the knee, is the maximum of d^2y/du^2 (third derivative zero).
Everything here is solved, differentiated, integrated or taken as a limit, never typed:

* mirage: inflection scale c L^(1/|alpha|), accuracy 1/e there, maximum slope |alpha|/e whatever L
  (see claim emergence.mirage_longer_sharper), the shift factor between lengths,
  the onset, and the scale where a finite test set first resolves a nonzero accuracy;
* critical-scale law: 1 - 1/e at N_c, steepest at N_c in ln N (at N_c ((alpha-1)/alpha)^(1/alpha) in N),
  quantiles, the 10-90% width ratio (ln 10 / ln(10/9))^(1/alpha), the probability mass inside the
  window N_c (1 +- eps) where emergence is informally said to happen, and the onset;
* the emergence point of a pure power-law loss: |d^2L/dN^2| and the scale where the curve (ln N, L) bends
  most, alpha_N L = 1/sqrt 2 (see claims documents.emergence_point_argmax and
  documents.emergence_point_log_axis);
* the loss-threshold scale N_eta; the quanta continuum loss and the exponents alpha_N = alpha,
  alpha_D = alpha/(alpha + 1).
"""

from __future__ import annotations

import sympy as sp

from derivations.cache import Derivations
from derivations.roots import select_root, unique_solution
from theory.emergence import (
    DU,
    INFORMAL,
    MICHAUD,
    N0,
    SCHAEFFER,
    L,
    L_inf,
    N,
    N_c,
    a_q,
    alpha,
    alpha_m,
    alpha_N,
    alpha_q,
    b_q,
    c,
    critical_scale_probability,
    eps,
    eta_loss,
    exact_match_accuracy,
    scaling_loss,
    tau,
)
from theory.registry import Derivation, register
from theory.symbols import COUNT, UNIT_INTERVAL, D, Domain, declare

_store = Derivations(__name__)
_ACCURACY = ("emergence.exact_match_accuracy",)
_LAW = ("emergence.critical_scale_probability",)

level = declare("P", "P", "probability level of the critical-scale law", Domain(0.0, 1.0), positive=True)
n_test = declare("n_test", r"n_{\mathrm{test}}", "number of test items", COUNT,
                 positive=True, integer=True)
n_q = declare("n", "n", "number of quanta learned (continuum)", positive=True)
C_q = declare("C_q", "C_q", "parameters needed per quantum", positive=True)


def log_derivative(expr: sp.Expr, order: int) -> sp.Expr:
    """d^order expr / (d ln N)^order, as N d/dN applied ``order`` times."""
    for _ in range(order):
        expr = N * sp.diff(expr, N)
    return expr


def _tidy(expr: sp.Expr) -> sp.Expr:
    """Split and denest powers of positive quantities: (N_c^alpha x)^(1/alpha) -> N_c x^(1/alpha)."""
    return sp.powsimp(sp.powdenest(sp.expand_power_base(expr, force=True), force=True), force=True)


def _onset(metric: sp.Expr) -> sp.Expr:
    """The knee: the root of d^3y/du^3 where d^2y/du^2 is positive (the curve bends upward most)."""
    roots = sp.solve(sp.factor(log_derivative(metric, 3)), N)
    curvature = log_derivative(metric, 2)
    samples = [{c: 1, L: 2, N_c: 1, alpha: 3, alpha_m: sp.Rational(-1, 2)},
               {c: 5, L: 7, N_c: 20, alpha: sp.Rational(1, 3), alpha_m: -4},
               {c: sp.Rational(1, 10), L: 1, N_c: sp.Rational(1, 7), alpha: 12, alpha_m: sp.Rational(-1, 9)}]
    return _tidy(select_root(roots, lambda r: curvature.subs(N, r) > 0, samples))


_u = sp.Symbol("u", real=True)  # ln N, for the records: the derivations apply N d/dN instead


def _in_log_n(metric: sp.Expr, order: int) -> sp.Derivative:
    """d^order metric / d(ln N)^order, unevaluated (what :func:`log_derivative` computes)."""
    return sp.Derivative(metric.subs(N, sp.exp(_u)), (_u, order))


def _onset_record(metric: sp.Expr, name: str) -> Derivation:
    """The record of :func:`_onset`."""
    return Derivation("solve", _in_log_n(metric, 3), _u, from_formulas=(name,),
                      note="the knee, with u = ln N: the root where the second derivative is positive "
                           "(computed as N d/dN three times, solved for N)")


def _inflection_record(metric: sp.Expr, name: str) -> Derivation:
    """The record of an inflection in ln N."""
    return Derivation("solve", _in_log_n(metric, 2), _u, from_formulas=(name,),
                      note="the inflection in ln N, u = ln N (computed as N d/dN twice, solved for N)")


# --- mirage --------------------------------------------------------------------------------------------
mirage_inflection_scale = _store(
    "mirage_inflection", lambda: unique_solution(sp.factor(log_derivative(exact_match_accuracy, 2)), N)
)
register(
    "emergence.mirage_inflection_scale", mirage_inflection_scale, [c, alpha_m, L],
    source=f"{SCHAEFFER}, §2 model; inflection in ln N derived here",
    description="scale of the exact-match inflection in ln N (the emergence point), c L^(1/|alpha|)",
    derivation=_inflection_record(exact_match_accuracy, *_ACCURACY),
)
register(
    "emergence.mirage_inflection_accuracy", _tidy(exact_match_accuracy.subs(N, mirage_inflection_scale)), [],
    source=f"{SCHAEFFER}, §2 model; derived here", description="exact-match accuracy at the inflection, 1/e for any L",
    derivation=Derivation("substitution", exact_match_accuracy,
                          from_formulas=(*_ACCURACY, "emergence.mirage_inflection_scale")),
)
register(
    "emergence.mirage_max_slope", _tidy(log_derivative(exact_match_accuracy, 1).subs(N, mirage_inflection_scale)),
    [alpha_m],
    source=f"{SCHAEFFER}, §2 model; derived here",
    description="maximum slope dAcc/dln N, |alpha|/e: independent of the target length L",
    derivation=Derivation("substitution", _in_log_n(exact_match_accuracy, 1),
                          from_formulas=(*_ACCURACY, "emergence.mirage_inflection_scale"),
                          note="the slope in u = ln N at the inflection"),
)
# Acc_L(N) = Acc_1(N / factor): every target length is the L = 1 curve shifted in ln N.
mirage_translation_factor = _tidy(mirage_inflection_scale / mirage_inflection_scale.subs(L, 1))
register(
    "emergence.mirage_translation_factor", mirage_translation_factor, [alpha_m, L],
    source=f"{SCHAEFFER}, §2 model; derived here",
    description="Acc_L(N) = Acc_1(N / factor) with factor L^(1/|alpha|): longer targets shift, never steepen",
    derivation=Derivation("composition", from_formulas=("emergence.mirage_inflection_scale",),
                          note="the inflection scale at L over the one at L = 1"),
)
register(
    "emergence.mirage_onset_scale", _store("mirage_onset", lambda: _onset(exact_match_accuracy)), [c, alpha_m, L],
    source=f"{SCHAEFFER}, §2 model; derived here",
    description="knee of exact match on a log axis (maximum of d^2Acc/dln N^2), below the inflection",
    derivation=_onset_record(exact_match_accuracy, *_ACCURACY),
)
register(
    "emergence.resolution_threshold_scale",
    _store("resolution", lambda: _tidy(unique_solution(sp.Eq(exact_match_accuracy, 1 / n_test), N))),
    [c, alpha_m, L, n_test],
    source=f"{SCHAEFFER}, App. A (resolution 1/n_test); derived here",
    description="scale where the expected exact match reaches one item in n_test: moves left as n_test grows",
    diverges="at n_test = 1 (accuracy 1 is reached only as N -> infinity)",
    derivation=Derivation("solve", sp.Eq(exact_match_accuracy, 1 / n_test), N, from_formulas=_ACCURACY),
)

# --- the informal critical-scale law --------------------------------------------------------------------
register(
    "emergence.critical_scale_value_at_critical", critical_scale_probability.subs(N, N_c), [],
    source=f"{INFORMAL}: the critical-scale law; derived here",
    description="probability at N = N_c: 1 - 1/e ~ 0.632, not 1/2 and not a step, whatever alpha",
    derivation=Derivation("substitution", critical_scale_probability, from_formulas=_LAW, note="at N = N_c"),
)
critical_scale_steepest_log = _store(
    "steepest_log", lambda: unique_solution(sp.factor(log_derivative(critical_scale_probability, 2)), N)
)
register(
    "emergence.critical_scale_steepest_log_scale", critical_scale_steepest_log, [N_c, alpha],
    source=f"{INFORMAL}: the critical-scale law; derived here",
    description="inflection in ln N of the critical-scale law: N_c itself",
    derivation=_inflection_record(critical_scale_probability, *_LAW),
)
register(
    "emergence.critical_scale_max_log_slope",
    _tidy(log_derivative(critical_scale_probability, 1).subs(N, critical_scale_steepest_log)), [alpha],
    source=f"{INFORMAL}: the critical-scale law; derived here", description="maximum slope dP/dln N, alpha/e",
    derivation=Derivation("substitution", _in_log_n(critical_scale_probability, 1),
                          from_formulas=(*_LAW, "emergence.critical_scale_steepest_log_scale"),
                          note="the slope in u = ln N at the inflection in ln N"),
)
register(
    "emergence.critical_scale_steepest_scale",
    _store("steepest_linear", lambda: _tidy(unique_solution(sp.factor(sp.diff(critical_scale_probability, N, 2)), N))),
    [N_c, alpha],
    source=f"{INFORMAL}: the critical-scale law; derived here",
    description="inflection in N (linear axis): N_c ((alpha - 1)/alpha)^(1/alpha); none for alpha <= 1",
    constraints=[(alpha > 1, "a linear-axis inflection needs alpha > 1")],
    derivation=Derivation("solve", sp.Derivative(critical_scale_probability, (N, 2)), N, from_formulas=_LAW),
)
critical_scale_quantile = _store("quantile", lambda: unique_solution(sp.Eq(critical_scale_probability, level), N))
# Registered with log(1/(1 - P)) as -log(1 - P), which compiles to -log1p(-P): the quotient form loses every digit
# for P below 1e-16 (it gave 0 for P = 3e-19). The two logarithms agree for P < 1 (tests/test_emergence.py).
_tail = sp.log(-1 / (level - 1))
if not critical_scale_quantile.has(_tail):
    raise ArithmeticError("critical_scale_quantile: the solved form no longer holds log(1/(1 - P))")
register(
    "emergence.critical_scale_quantile", critical_scale_quantile.subs(_tail, -sp.log(1 - level)), [level, N_c, alpha],
    source=f"{INFORMAL}: the critical-scale law; derived here", description="scale at which the probability reaches P",
    derivation=Derivation("solve", sp.Eq(critical_scale_probability, level), N, from_formulas=_LAW,
                          note="log(1/(1 - P)) then written as -log(1 - P), exact for small P"),
)
critical_scale_width = _tidy(sp.expand_log(
    critical_scale_quantile.subs(level, sp.Rational(9, 10)) / critical_scale_quantile.subs(level, sp.Rational(1, 10)),
    force=True))
register(
    "emergence.critical_scale_width_ratio", critical_scale_width, [alpha],
    source=f"{INFORMAL}: the critical-scale law; derived here",
    description="N_90 / N_10, the 10-90% width: (ln 10 / ln(10/9))^(1/alpha); about 2.6 at alpha = 3.2",
    derivation=Derivation("composition", from_formulas=("emergence.critical_scale_quantile",),
                          note="the quantile at P = 9/10 over the one at P = 1/10"),
)
register(
    "emergence.window_probability_mass",
    critical_scale_probability.subs(N, N_c * (1 + eps)) - critical_scale_probability.subs(N, N_c * (1 - eps)),
    [alpha, eps],
    source=(f"{INFORMAL}: the critical-scale law, and the claim that emergence happens within N_c (1 +- eps); "
            "derived here"),
    description="probability gained inside the window [N_c (1 - eps), N_c (1 + eps)]; 0.23 for alpha 3.2, eps 0.1",
    domains={eps: UNIT_INTERVAL},
    derivation=Derivation("composition", from_formulas=_LAW, note="P(N_c (1 + eps)) - P(N_c (1 - eps))"),
)
register(
    "emergence.critical_scale_onset_scale", _store("critical_onset", lambda: _onset(critical_scale_probability)),
    [N_c, alpha],
    source=f"{INFORMAL}: the critical-scale law's emergence point; maximum of d^2P/dln N^2 derived here",
    description="knee of the critical-scale law on a log axis: N_c ((3 - sqrt 5)/2)^(1/alpha), P ~ 0.32 there",
    derivation=_onset_record(critical_scale_probability, *_LAW),
)

# --- emergence point of a pure power-law loss ------------------------------------------------------------
power_law_loss = (N_c / N) ** alpha_N
power_law_second_derivative = sp.diff(power_law_loss, N, 2)
"""d^2L/dN^2 of a pure power law (its argmax as an emergence point: see claim documents.emergence_point_argmax)."""
_curve_curvature = log_derivative(power_law_loss, 2) / (1 + log_derivative(power_law_loss, 1) ** 2) ** sp.Rational(3, 2)
power_law_curvature_scale = _store(
    "curvature_scale", lambda: _tidy(unique_solution(sp.factor(sp.diff(_curve_curvature, N)), N, positive=True))
)
register(
    "emergence.power_law_curvature_scale", power_law_curvature_scale, [N_c, alpha_N],
    source=f"{INFORMAL}: the emergence point taken as argmax |d^2L/dN^2|; curvature of (ln N, L) derived here",
    description="where the curve (ln N, L = (N_c/N)^alpha_N) bends most: alpha_N L = 1/sqrt 2; depends on L's unit",
    derivation=Derivation("solve", sp.Derivative(_curve_curvature, N), N,
                          note="the curvature of the curve (ln N, L) is stationary; its positive root"),
)

# --- signal-to-noise of an average (the informal claim that it jumps above N_c, made precise) ------------
snr_1 = declare("snr_1", r"\mathrm{SNR}_1", "signal-to-noise ratio of one noisy estimate", positive=True)
_i, _sigma = sp.symbols("i sigma", positive=True)
# Variance of the mean of N independent estimates of variance sigma^2: sum of N variances over N^2.
_variance_of_mean = sp.summation(_sigma**2, (_i, 1, N)) / N**2
register(
    "emergence.averaged_signal_to_noise", sp.powsimp(snr_1 * _sigma / sp.sqrt(_variance_of_mean), force=True),
    [N, snr_1],
    source=f"{INFORMAL}: the claim that the SNR jumps above N_c; the average of N independent estimates, derived here",
    description="SNR of an average of N independent estimates, sqrt(N) SNR_1: smooth in N, with no jump",
    derivation=Derivation("summation", snr_1 * _sigma / sp.sqrt(sp.Sum(_sigma**2, (_i, 1, N)) / N**2),
                          note="the variance of the mean of N independent estimates of variance sigma^2"),
)

# --- loss threshold --------------------------------------------------------------------------------------
_gap = sp.Symbol("gap", positive=True)  # eta - L_inf > 0, so that the root is written without (-1)^(1/alpha_N)
register(
    "emergence.loss_threshold_scale",
    _store("threshold",
           lambda: _tidy(unique_solution(sp.Eq(scaling_loss, L_inf + _gap), N)).subs(_gap, eta_loss - L_inf)),
    [eta_loss, L_inf, N0, alpha_N],
    source=f"{DU}, §4 (threshold N_0 (eta - L_inf)^(-1/alpha_N)); derived here",
    description="scale where L_inf + (N0/N)^alpha_N falls to the threshold eta; the ability appears above it",
    constraints=[(eta_loss >= L_inf, "the threshold cannot lie below the irreducible loss: eta >= L_inf")],
    diverges="at eta = L_inf (a threshold the loss never falls below)",
    derivation=Derivation("solve", sp.Eq(scaling_loss, eta_loss), N,
                          from_formulas=("emergence.threshold_performance_of_scale",),
                          note="solved with eta - L_inf as one positive symbol, so no (-1)^(1/alpha_N) appears"),
)

# --- quanta: continuum limit of the Zipf tail -------------------------------------------------------------
_k, _s = sp.symbols("k s", positive=True)  # integration variable; a positive exponent for the integral
_tail = _store("tail", lambda: _tidy(sp.integrate(_k ** -(_s + 1), (_k, n_q, sp.oo)).subs(_s, alpha_q)))
quanta_loss = a_q + (b_q - a_q) * _tail / sp.zeta(alpha_q + 1)
register(
    "emergence.quanta_loss", quanta_loss, [n_q, alpha_q, a_q, b_q],
    source=f"{MICHAUD}, §3 (continuum form of the tail sum)",
    description="mean loss after n quanta, a + (b - a) n^-alpha / (alpha zeta(alpha + 1))",
    constraints=[(a_q < b_q, "a learned quantum must lower the loss: a < b")],
    derivation=Derivation("integral", sp.Integral(_k ** -(alpha_q + 1), (_k, n_q, sp.oo)),
                          from_formulas=("emergence.quanta_probability", "emergence.quanta_loss_discrete"),
                          note="the tail sum over unlearned quanta as an integral: a + (b - a) tail / zeta(alpha + 1)"),
)
quanta_loss_of_scale = _tidy(quanta_loss.subs(n_q, N / C_q))
register(
    "emergence.quanta_loss_of_scale", quanta_loss_of_scale, [N, C_q, alpha_q, a_q, b_q],
    source=f"{MICHAUD}, §3 (n = N / C)", description="mean loss of a model of N parameters that holds N/C quanta",
    constraints=[(a_q < b_q, "needs a < b")],
    derivation=Derivation("substitution", quanta_loss, from_formulas=("emergence.quanta_loss",), note="n = N / C"),
)
# A quantum is learned once tau training examples use it: D p_n = tau at the last one learned.
_last_learned = sp.Eq(D * n_q ** -(alpha_q + 1) / sp.zeta(alpha_q + 1), tau)
_learned_from_data = _store("learned_from_data", lambda: unique_solution(_last_learned, n_q))
quanta_loss_of_data = _tidy(quanta_loss.subs(n_q, _learned_from_data))
register(
    "emergence.quanta_loss_of_data", quanta_loss_of_data, [D, tau, alpha_q, a_q, b_q],
    source=f"{MICHAUD}, §3 (multi-epoch: quantum n is learned once D p_n >= tau)",
    description="mean loss after D examples: quanta with at least tau examples are learned",
    constraints=[(a_q < b_q, "needs a < b")],
    derivation=Derivation("solve", _last_learned, n_q, from_formulas=("emergence.quanta_loss",),
                          note="the last quantum learned has D p_n = tau; the root put into the continuum loss"),
)


def loss_exponent(reducible_loss: sp.Expr, scale: sp.Symbol) -> sp.Expr:
    """-d ln(reducible loss)/d ln(scale): the power-law exponent, constant when the loss is a pure power law."""
    return sp.factor(sp.expand_log(-scale * sp.diff(sp.log(reducible_loss), scale), force=True))


register(
    "emergence.quanta_parameter_exponent", loss_exponent(quanta_loss_of_scale - a_q, N), [alpha_q],
    source=f"{MICHAUD}, §3 (alpha_N = alpha)", description="exponent of L(N) - a in N: alpha",
    derivation=Derivation("derivative", -N * sp.Derivative(sp.log(quanta_loss_of_scale - a_q), N),
                          from_formulas=("emergence.quanta_loss_of_scale",)),
)
register(
    "emergence.quanta_data_exponent", loss_exponent(quanta_loss_of_data - a_q, D), [alpha_q],
    source=f"{MICHAUD}, §3 (alpha_D = alpha/(alpha + 1))", description="exponent of L(D) - a in D: alpha/(alpha + 1)",
    derivation=Derivation("derivative", -D * sp.Derivative(sp.log(quanta_loss_of_data - a_q), D),
                          from_formulas=("emergence.quanta_loss_of_data",)),
)

_store.save()
