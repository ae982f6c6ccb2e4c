"""Closed forms derived from the two-circuit models, each registered with its assumptions.

Squared-loss (Lotka-Volterra) model, in margins m = e^a, g = e^b:
critical data size, stationary margins, the exact first integral, memorization time, grokking and
ungrokking times (one crossing formula serves both), the critical-slowing amplitude and the
small-weight-decay limit of lam * t_grok, and the comprehension data size without weight decay.
Cross-entropy model (Varma et al. App. D): stationary logit (r = 1), equilibrium ratio (r > 1) and
the plateau delay (r = 1). Nothing here is typed by hand: each form is solved, integrated or taken
as a limit from the model's derived flow or objective.
"""

from __future__ import annotations

from functools import cache

import sympy as sp

from derivations.analysis import analyse, critical_value
from derivations.cache import Derivations
from derivations.roots import unique_solution
from theory.circuits import VARMA, generalization_cost, memorization_cost
from theory.dynamics import CROSS_ENTROPY, SQUARED_LOSS
from theory.functions import power_of_sum
from theory.registry import Derivation, register
from theory.symbols import (
    P_G,
    P_M,
    POSITIVE,
    D,
    P_c,
    a,
    b,
    c_g,
    c_m,
    eta,
    eta_g,
    eta_m,
    f,
    g,
    g0,
    g_s,
    kappa,
    lam,
    m,
    m0,
    m_s,
    p,
    q,
    s_G,
    s_M,
    t,
    w,
    w_G,
    w_M,
    y,
)

TC = "two-circuit squared-loss model (this package's construction after Varma et al. 2023)"


_store = Derivations(__name__)


def _split_logs(expr: sp.Expr) -> sp.Expr:
    """Factor log arguments and split them, so that no log of a huge power (m0**(D c_m ...)) underflows."""
    split = sp.expand(sp.expand_log(expr.replace(sp.log, lambda x: sp.log(sp.factor(x))), force=True))
    if split.has(sp.I):  # log(-x) branches must have cancelled for a real-valued form
        raise ArithmeticError(f"complex terms survived splitting logs: {split}")
    return sp.factor_terms(split)

# --- squared-loss model ------------------------------------------------------------------------------
# The generic analysis of the model's flow (derivations.analysis) works in the margins m = e^a, g = e^b.
_analysis = analyse(SQUARED_LOSS)
_to_margins = dict(zip(_analysis.variables, (m, g)))
rate_m, rate_g = (e.subs(_to_margins) for e in _analysis.rates.values())
"""Per-capita growth rates d ln m/dt and d ln g/dt as functions of the margins m, g."""


def _margins_at(label: str) -> dict[sp.Symbol, sp.Expr]:
    """The fixed point where the circuits in ``label`` are present (named by state variable), in m and g."""
    return {_to_margins[v]: e for v, e in _analysis.point(label).location.items()}


# Fixed points: the generalizer alone (m -> 0) and the memorizer alone (g -> 0).
generalizing_margin = _margins_at("theta_g")[g]
memorizing_margin = _margins_at("theta_m")[m]
register(
    "grokking.generalizing_margin", generalizing_margin, [y, lam, c_g],
    source=TC, description="stationary margin of the generalizing circuit alone, y - lam c_g / 2",
    constraints=[(lam * c_g < 2 * y, "the generalizer has a positive stationary margin only if lam c_g < 2 y")],
    derivation=Derivation("solve", rate_g.subs(m, 0), g, model="SQUARED_LOSS",
                          note="fixed point of the generalizer alone: its rate d ln g/dt vanishes with m = 0"),
)
register(
    "grokking.memorizing_margin", memorizing_margin, [y, lam, c_m, D],
    source=TC, description="stationary margin of the memorizing circuit alone, y - lam c_m D / 2",
    constraints=[(lam * c_m * D < 2 * y, "the memorizer has a positive stationary margin only if lam c_m D < 2 y")],
    derivation=Derivation("solve", rate_m.subs(g, 0), m, model="SQUARED_LOSS",
                          note="fixed point of the memorizer alone: its rate d ln m/dt vanishes with g = 0"),
)

# Weight decay at which a circuit alone can no longer fit (stationary margin down to y/2): Liu's phase edges.
_FIT_EDGES = {"memorizer": (memorizing_margin, [y, c_m, D], "grokking.memorizing_margin"),
              "generalizer": (generalizing_margin, [y, c_g], "grokking.generalizing_margin")}
for _name, (_margin, _params, _margin_name) in _FIT_EDGES.items():
    register(
        f"grokking.{_name}_fit_weight_decay", unique_solution(sp.Eq(_margin, y / 2), lam), _params, source=TC,
        description=f"weight decay above which the {_name} alone has a stationary margin below y/2",
        derivation=Derivation("solve", sp.Eq(_margin, y / 2), lam, from_formulas=(_margin_name,)),
    )

# Competitive exclusion: the growth rate of a vanishing circuit at the other's fixed point (the Jacobian
# eigenvalue transverse to it). Its sign decides which circuit can invade, hence the winner.
_invasions = {(inv.circuit, inv.at): inv.rate for inv in _analysis.invasion_rates}
invasion_rate = _invasions["theta_m", "theta_g"]
generalizer_invasion_rate = _invasions["theta_g", "theta_m"]
register(
    "grokking.memorizer_invasion_rate", invasion_rate, [eta_m, lam, c_m, c_g, D],
    source=TC, description="growth rate of a vanishing memorizer at the generalizing state; < 0 iff D > D_crit",
    derivation=Derivation("substitution", rate_m, model="SQUARED_LOSS", from_formulas=("grokking.generalizing_margin",),
                          note="the memorizer's rate d ln m/dt at m = 0, g = the generalizing margin"),
)
register(
    "grokking.generalizer_invasion_rate", generalizer_invasion_rate, [eta_g, lam, c_m, c_g, D],
    source=TC, description="growth rate of a vanishing generalizer at the memorizing state; > 0 iff D > D_crit",
    derivation=Derivation("substitution", rate_g, model="SQUARED_LOSS", from_formulas=("grokking.memorizing_margin",),
                          note="the generalizer's rate d ln g/dt at g = 0, m = the memorizing margin"),
)

# Critical data size, dynamically: where a vanishing memorizer stops growing at the generalizing state.
critical_data_size = _store("critical_data_size", lambda: critical_value(_analysis, D))
register(
    "grokking.critical_data_size", critical_data_size, [c_m, c_g],
    source=f"{VARMA}, §3 (D_crit); {TC}",
    description="data size above which the generalizing circuit excludes the memorizer; independent of lam and eta",
    derivation=Derivation("solve", invasion_rate, D, from_formulas=("grokking.memorizer_invasion_rate",),
                          note="where a vanishing memorizer stops growing at the generalizing state"),
)
# The same size from the efficiency model: where the two circuits' costs are equal (tests check they agree).
efficiency_crossing = _store(
    "efficiency_crossing", lambda: unique_solution(sp.Eq(memorization_cost, generalization_cost), D)
)

# Exact first integral. Both log-rates are affine in the shared residual, so ln g - k ln m drifts at a
# constant speed: k is fixed by cancelling the state dependence.
# The analysis finds it as b - k a - drift t and verifies that it is constant along the flow.
(_conserved,) = _analysis.conserved
exchange_rate = -sp.diff(_conserved, a)
drift = -sp.diff(_conserved, t)
first_integral = (b - sp.log(g0)) - exchange_rate * (a - sp.log(m0)) - drift * t
register(
    "grokking.first_integral", first_integral, [a, b, t, m0, g0, D, c_m, c_g, eta_m, eta_g, lam],
    source=TC, description="Phi(a, b, t); zero along every trajectory started at (ln m0, ln g0)",
    derivation=Derivation("flow", model="SQUARED_LOSS",
                          note="the conserved quantity b - k a - drift t that derivations.analysis finds for the "
                               "flow and verifies constant along it (both log-rates are affine in the shared "
                               "residual, so k = (d rate_g/dm) / (d rate_m/dm) cancels the state dependence)"),
)

# Memorization: while g is negligible the memorizer grows logistically; time for the train margin to hit y/2.
t_memorize = _store(
    "t_memorize", lambda: _split_logs(sp.integrate(sp.apart(1 / (m * rate_m.subs(g, 0)), m), (m, m0, y / 2)))
)
register(
    "grokking.t_memorize", t_memorize, [m0, y, lam, c_m, D, eta_m],
    source=TC, description="time for the memorizing circuit's margin to reach y/2 (generalizer negligible)",
    constraints=[
        (m0 < y / 2, "the memorizer must start below the threshold, m0 < y/2"),
        (lam * c_m * D < y, "the memorizer reaches y/2 only if lam c_m D < y (else: confusion)"),
    ],
    diverges="as lam c_m D -> y (the memorizer's stationary margin falls to y/2)",
    derivation=Derivation("integral", sp.Integral(1 / (m * rate_m.subs(g, 0)), (m, m0, y / 2)), model="SQUARED_LOSS",
                          note="dt = dm / (m d ln m/dt) with the generalizer negligible (g = 0)"),
)

# At the exchange the memorizer tracks its nullcline: m_x is where d ln m/dt = 0 with g = y/2.
exchange_memorizer = _store("exchange_memorizer", lambda: unique_solution(rate_m.subs(g, y / 2), m))


def crossing_equation(start_m: sp.Symbol, start_g: sp.Symbol) -> sp.Expr:
    """The first integral from (start_m, start_g) at the crossing: g = y/2, m = m_x (the time is its root)."""
    return first_integral.subs({a: sp.log(exchange_memorizer), b: sp.log(y / 2), m0: start_m, g0: start_g})


@cache
def crossing_time(start_m: sp.Symbol, start_g: sp.Symbol) -> sp.Expr:
    """Time for g to cross y/2 from (start_m, start_g), by the first integral with m = m_x at the crossing."""
    return _split_logs(unique_solution(crossing_equation(start_m, start_g), t))


_CROSSING_NOTE = ("the first integral at the crossing g = y/2, with the memorizer on its nullcline (d ln m/dt = 0); "
                  "set to +inf at D = D_crit exactly, the limit from the side where the form applies")


t_generalize = _store("t_generalize", lambda: crossing_time(m0, g0))


def _infinite_at_critical_size(time: sp.Expr) -> sp.Expr:
    """The crossing time, with its value at D = D_crit exactly: infinite (the invading circuit's rate is 0).

    The closed form divides a logarithm by D - D_crit, whose sign there depends on the start, so at D = D_crit
    it gives -inf for some starts; the limit from the side where the form applies is +inf for every start.
    """
    return sp.Piecewise((sp.oo, sp.Eq(D, c_g / c_m)), (time, True))


register(
    "grokking.t_generalize", _infinite_at_critical_size(t_generalize), [m0, g0, y, lam, c_m, c_g, D, eta_m, eta_g],
    source=TC, description="grokking time: the generalizer's margin reaches y/2 after the memorizer has fitted",
    constraints=[
        (D >= c_g / c_m, "grokking needs D >= D_crit = c_g / c_m"),
        (lam * c_m * D < y, "the memorizer must be able to fit first: lam c_m D < y"),
        (lam > 0, "without weight decay there is no delayed generalization (lam > 0)"),
    ],
    diverges="as D -> D_crit from above (critical slowing down, ~ 1/(D - D_crit)) and as lam -> 0 (~ 1/lam)",
    derivation=Derivation("solve", crossing_equation(m0, g0), t, from_formulas=("grokking.first_integral",),
                          note=_CROSSING_NOTE),
)
t_ungrok = _store("t_ungrok", lambda: crossing_time(m_s, g_s))
register(
    "grokking.t_ungrok", _infinite_at_critical_size(t_ungrok), [m_s, g_s, y, lam, c_m, c_g, D, eta_m, eta_g],
    source=f"{VARMA}, §4 (ungrokking); {TC}",
    description="time after switching a grokked state (m_s, g_s) to D < D_crit until test margin falls to y/2",
    constraints=[
        (D <= c_g / c_m, "ungrokking needs the new data size D <= D_crit = c_g / c_m"),
        (g_s > y / 2, "the start must be grokked, g_s > y/2"),
        (lam * c_m * D < y, "the memorizer must be able to fit: lam c_m D < y"),
        (lam > 0, "without weight decay there is no ungrokking (lam > 0)"),
    ],
    diverges="as D -> D_crit from below and as lam -> 0",
    derivation=Derivation("solve", crossing_equation(m_s, g_s), t, from_formulas=("grokking.first_integral",),
                          note=_CROSSING_NOTE),
)

data_ratio = D / critical_data_size
critical_slowing_amplitude = _store(
    "critical_slowing_amplitude", lambda: sp.limit(t_generalize * (data_ratio - 1), D, critical_data_size, dir="+")
)
register(
    "grokking.critical_slowing_amplitude", critical_slowing_amplitude, [m0, g0, y, lam, c_m, c_g, eta_m, eta_g],
    source=TC, description="lim_{D -> D_crit+} t_generalize * (D/D_crit - 1): the delay ~ amplitude / (D/D_crit - 1)",
    constraints=[(lam * c_g < y, "needs lam c_g < y")],
    # Like t_generalize it needs weight decay: the amplitude grows as 1/lam, and lam = 0 has no delay to measure.
    domains={lam: POSITIVE},
    derivation=Derivation("limit", sp.Limit(t_generalize * (data_ratio - 1), D, critical_data_size, "+"),
                          from_formulas=("grokking.t_generalize", "grokking.critical_data_size")),
)
delay_weight_decay_product = _store(
    "delay_weight_decay_product", lambda: sp.limit(lam * t_generalize, lam, 0, dir="+")
)
register(
    "grokking.delay_weight_decay_product", delay_weight_decay_product, [m0, g0, y, c_m, c_g, D, eta_m, eta_g],
    source=TC, description="lim_{lam -> 0+} lam * t_generalize: the delay scales as this constant / lam",
    constraints=[(D > c_g / c_m, "needs D > D_crit")],
    derivation=Derivation("limit", sp.Limit(lam * t_generalize, lam, 0, "+"), from_formulas=("grokking.t_generalize",)),
)

# Without weight decay the state freezes once the residual vanishes; the generalizer wins the early race
# (reaches y/2 when the memorizer does) only above this data size.
_race = first_integral.subs({lam: 0, a: sp.log(y / 2), b: sp.log(y / 2)})
comprehension_data_size = _store("comprehension_data_size", lambda: _split_logs(unique_solution(_race, D)))
register(
    "grokking.comprehension_data_size", comprehension_data_size, [m0, g0, y, c_m, c_g, eta_m, eta_g],
    source=TC, description="without weight decay, the data size above which the generalizer wins the first race",
    constraints=[(m0 < y / 2, "needs m0 < y/2"), (g0 < y / 2, "needs g0 < y/2")],
    derivation=Derivation("solve", _race, D, from_formulas=("grokking.first_integral",),
                          note="the first integral without weight decay with both margins at y/2 at once"),
)

# --- cross-entropy model -------------------------------------------------------------------------------
_objective_w = CROSS_ENTROPY.objective.subs(f, 1)


def _single_circuit_objective(r: sp.Expr) -> sp.Expr:
    """Objective of one circuit alone (the other's strength zero) with cost P_c and penalty exponent r."""
    return _objective_w.subs({w_M: 0, w_G: w, P_G: P_c, kappa: p / r})


_force_balance = sp.diff(_single_circuit_objective(1), w)
stationary_logit = _store("stationary_logit", lambda: unique_solution(_force_balance, w))
register(
    "grokking.stationary_logit", stationary_logit, [q, lam, p, P_c],
    source=f"{VARMA}, App. D (force balance; closed form for r = p/kappa = 1)",
    description="stationary logit of one circuit under cross-entropy and a linear (r = 1) norm penalty",
    constraints=[(lam * P_c**p / p < (q - 1) / q, "needs lam P^p / p < (q-1)/q (else the logit stays 0)")],
    diverges="at lam = 0 (without a penalty the logit grows without bound)",
    derivation=Derivation("solve", _force_balance, w, model="CROSS_ENTROPY",
                          note="force balance: the objective's derivative for one circuit alone with r = 1"),
)

# r > 1: both stationarity conditions share the cross-entropy slope, so their difference fixes the ratio.
_stationarity_gap = sp.diff(_objective_w, w_G) - sp.diff(_objective_w, w_M)
_w_G_at_equilibrium = _store(
    "w_G_at_equilibrium", lambda: unique_solution(sp.powsimp(_stationarity_gap, force=True), w_G)
)
equilibrium_ratio = sp.powsimp(sp.powdenest(_w_G_at_equilibrium / w_M, force=True), force=True)
register(
    "grokking.equilibrium_ratio", equilibrium_ratio, [P_G, P_M, p, kappa],
    source=f"{VARMA}, App. D, Theorem D.4",
    description="w_G / w_M at the interior equilibrium, (P_M/P_G)^(p/(r-1)); independent of lam, q, eta and seeds",
    constraints=[(p > kappa, "an interior equilibrium needs r = p/kappa > 1")],
    derivation=Derivation("solve", sp.powsimp(_stationarity_gap, force=True), w_G, model="CROSS_ENTROPY",
                          note="the difference of the two stationarity conditions (their shared cross-entropy slope "
                               "cancels); the root divided by w_M"),
)

# r = 1 plateau: the memorizer sits where its force balances, so the generalizer's log-strength grows at
# -2 (dL/dw_G - dL/dw_M); it must make up the squared seed ratio (the phase-1 invariant w_G/w_M = (s_G/s_M)^2).
_plateau_rate = -2 * _stationarity_gap.subs(kappa, p)
cross_entropy_delay = sp.log((s_M / s_G) ** 2) / (_plateau_rate * eta)
# The rate holds P_M^p - P_G^p, which cancels as P_M -> P_G (D -> D_crit). With P_M = P_G (1 + u) it is
# P_G^p ((1 + u)^p - 1), evaluated by expm1 from u = (P_M - P_G)/P_G, whose difference is exact.
_u = sp.Symbol("u", positive=True)
_stable_rate = power_of_sum(sp.factor(sp.expand_power_base(_plateau_rate.subs(P_M, P_G * (1 + _u)), force=True)))
register(
    "grokking.cross_entropy_delay",
    cross_entropy_delay.subs(_plateau_rate, _stable_rate).subs(_u, (P_M - P_G) / P_G),
    [s_G, s_M, lam, p, P_G, P_M, eta],
    source=f"{VARMA}, App. C/D (plateau growth rate, r = 1; derived here)",
    description="steps from memorization to the test-argmax flip w_G = w_M (r = 1); ~ 1/(lam (P_M^p - P_G^p))",
    constraints=[(P_M > P_G, "delayed generalization needs a more efficient generalizer, P_M > P_G"),
                 (s_M > s_G, "a plateau needs the generalizer to start behind, s_M > s_G (else no delay)")],
    # The plateau rate is proportional to lam: without weight decay there is no plateau to leave.
    domains={lam: POSITIVE},
    derivation=Derivation("flow", _plateau_rate, model="CROSS_ENTROPY",
                          note="the generalizer's log-strength grows at this rate, -2 (dL/dw_G - dL/dw_M) with r = 1, "
                               "while the memorizer sits at its force balance; the delay is ln((s_M/s_G)^2) over "
                               "eta times it"),
)

_store.save()
