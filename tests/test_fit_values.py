"""The fit.* formulas and the fit's objectives against their published definitions evaluated by hand (mpmath at
high precision, quadrature), never through their SymPy expressions:

* Huber's loss as Hoffmann et al. 2022 (App. D.2) use it: r^2/2 for |r| <= delta, delta (|r| - delta/2) beyond,
  with delta = 1e-3;
* its normalizer Z(delta), the integral of exp(-Huber) over the line, by mpmath quadrature;
* the log of the Chinchilla loss L = E + A/N^alpha + B/D^beta (Hoffmann et al. 2022, eq. 2), summed term by term
  at 60 digits.

The points are chosen so that every term of each formula carries weight there: changing one factor, exponent,
sign or threshold moves a value off.
"""

import math

import mpmath
import numpy as np
import pytest
import sympy as sp

from derivations.evaluate import evaluate
from derivations.scaling import fit
from theory.registry import get
from theory.scaling import CHINCHILLA_SETS

HOFFMANN_DELTA = 1e-3  # Hoffmann et al. 2022, App. D.2: "we use delta = 10^-3"
REFIT = CHINCHILLA_SETS["besiroglu2024"].values
THETA = (math.log(REFIT["A"]), math.log(REFIT["B"]), math.log(REFIT["E"]), REFIT["alpha"], REFIT["beta"])
NAMES = ("log_A", "log_B", "log_E", "alpha", "beta")


def huber_by_hand(r, delta):
    """Huber 1964: quadratic up to the threshold, linear with slope delta beyond, continuous at |r| = delta."""
    return r * r / 2 if abs(r) <= delta else delta * (abs(r) - delta / 2)


def log_loss_by_hand(log_N, log_D, log_A, log_B, log_E, alpha, beta):
    """log(E + A/N^alpha + B/D^beta) with A = e^log_A etc., summed at 60 digits (mpmath has no overflow)."""
    with mpmath.workdps(60):
        a, b, e, n, d = (mpmath.exp(mpmath.mpf(x)) for x in (log_A, log_B, log_E, log_N, log_D))
        return mpmath.log(e + a / n ** mpmath.mpf(alpha) + b / d ** mpmath.mpf(beta))


# --- fit.huber_loss --------------------------------------------------------------------------------------------
# Multiples of delta on both branches and on both sides of 0: inside (0.3, 0.7), at the joint, just beyond it (1.3,
# 1.8, where a threshold of 2 delta or delta + 1 would still be quadratic) and far out (2.6, 7).
MULTIPLES = (0.0, 0.3, 0.7, 1.0, 1.3, 1.8, 2.6, 7.0)


@pytest.mark.parametrize("delta", [HOFFMANN_DELTA, 0.4, 2.5])
@pytest.mark.parametrize("multiple", [*MULTIPLES, *(-m for m in MULTIPLES[1:])])
def test_huber_loss_is_quadratic_inside_the_threshold_and_linear_beyond(delta, multiple):
    r = multiple * delta
    expected = huber_by_hand(r, delta)
    assert evaluate("fit.huber_loss", residual=r, huber_delta=delta) == pytest.approx(expected, rel=1e-13, abs=0)


def test_huber_loss_values_at_hoffmanns_threshold():
    # By hand: 0.5e-3^2/2 = 1.25e-7; beyond, 1e-3 (|r| - 0.5e-3): 4.5e-6 at r = -5e-3, 9.95e-5 at r = 0.1.
    for r, expected in ((5e-4, 1.25e-7), (-5e-3, 4.5e-6), (0.1, 9.95e-5)):
        assert evaluate("fit.huber_loss", residual=r, huber_delta=HOFFMANN_DELTA) == pytest.approx(expected, rel=1e-12)


# --- fit.huber_normalizer -------------------------------------------------------------------------------------------
def normalizer_by_quadrature(delta: float) -> float:
    with mpmath.workdps(30):
        dl = mpmath.mpf(delta)
        # The integrand is even and changes form at delta: integrate each piece of the half line separately.
        inside = mpmath.quad(lambda x: mpmath.exp(-x * x / 2), [0, dl])
        beyond = mpmath.quad(lambda x: mpmath.exp(-dl * (x - dl / 2)), [dl, mpmath.inf])
        return float(2 * (inside + beyond))


@pytest.mark.parametrize("delta", [HOFFMANN_DELTA, 0.3, 1.0, 2.0, 5.0])
def test_huber_normalizer_is_the_integral_of_the_likelihood(delta):
    # At delta = 1 both terms (the Gaussian core, the exponential tails) are O(1); at 1e-3 the tails carry all but
    # 1e-6 of it, at 5 the core all but 1e-6: a tolerance of 1e-12 sees a changed factor in either term.
    assert evaluate("fit.huber_normalizer", huber_delta=delta) == pytest.approx(normalizer_by_quadrature(delta),
                                                                                 rel=1e-12)


def test_huber_normalizer_limits():
    # delta -> 0: two exponential tails of rate delta, Z ~ 2/delta; delta -> oo: the Gaussian integral sqrt(2 pi).
    assert evaluate("fit.huber_normalizer", huber_delta=1e-9) * 1e-9 == pytest.approx(2.0, rel=1e-12)
    assert evaluate("fit.huber_normalizer", huber_delta=40.0) == pytest.approx(math.sqrt(2 * math.pi), rel=1e-15)


# --- fit.log_loss_prediction ----------------------------------------------------------------------------------------
def _log_loss(**values: float) -> float:
    return evaluate("fit.log_loss_prediction", **values)


@pytest.mark.parametrize(("n", "d"), [(5.73e7, 1.0e9), (1.6e10, 3.18e11), (1e9, 2e10), (7e7, 2.5e11)])
def test_log_loss_prediction_at_the_replications_estimate(n, d):
    # Over the shipped runs' range E = 1.82, A/N^alpha ~ 0.1-1 and B/D^beta ~ 0.2-1.0 all carry weight.
    values = dict(zip(NAMES, THETA), log_N=math.log(n), log_D=math.log(d))
    assert _log_loss(**values) == pytest.approx(float(log_loss_by_hand(**values)), rel=1e-14)


@pytest.mark.parametrize("offset", [0.0, 700.0, 870.0, 5000.0, -800.0, -5000.0])
@pytest.mark.parametrize(("alpha", "beta", "log_N", "log_D"), [(0.34, 0.37, 21.0, 24.0), (1.7, 0.05, -3.0, 60.0)])
def test_log_loss_prediction_is_finite_wherever_its_value_is(offset, alpha, beta, log_N, log_D):
    # Exponents of 870 (value ~870) overflowed e^x in the unshifted form; -800 underflowed all three to log(0).
    # The three exponents are put within 0.5 of each other, so each term matters at every offset.
    log_A = offset + alpha * log_N + 0.2
    log_B = offset + beta * log_D - 0.3
    values = dict(log_N=log_N, log_D=log_D, log_A=log_A, log_B=log_B, log_E=offset, alpha=alpha, beta=beta)
    expected = float(log_loss_by_hand(**values))
    assert _log_loss(**values) == pytest.approx(expected, rel=1e-14, abs=1e-13)
    # The same point as a sum: offset + log(e^0.2 + e^-0.3 + 1).
    assert expected == pytest.approx(offset + math.log(math.exp(0.2) + math.exp(-0.3) + 1), rel=1e-14, abs=1e-13)


@pytest.mark.parametrize("dominant", ["log_A", "log_B", "log_E"])
def test_log_loss_prediction_when_one_term_dominates_by_far(dominant):
    # One exponent 2000 above the others: the value is that exponent (the others add e^-2000).
    values = dict(log_N=10.0, log_D=12.0, log_A=1.0, log_B=2.0, log_E=0.5, alpha=0.3, beta=0.4)
    values[dominant] += 2000.0
    by_hand = {"log_A": values["log_A"] - 0.3 * 10.0, "log_B": values["log_B"] - 0.4 * 12.0, "log_E": values["log_E"]}
    assert _log_loss(**values) == pytest.approx(by_hand[dominant], rel=1e-15)


def test_the_registered_form_is_the_derived_log_sum_exp_at_50_digits():
    # Exactly: with the maximum replaced by any m, the form does not depend on m, and at m = 0 it is the derived
    # log(e^x1 + e^x2 + e^x3). Numerically: both at 50 digits at 200 random points, exponents up to +-2000.
    registered = get("fit.log_loss_prediction")
    (shift,) = registered.expr.atoms(sp.Max)
    m = sp.Symbol("m", real=True)
    free_shift = registered.expr.subs(shift, m)
    assert sp.simplify(sp.diff(free_shift, m)) == 0
    assert free_shift.subs(m, 0) == fit.log_prediction_derived
    symbols = registered.symbols
    stable = sp.lambdify(symbols, registered.expr, modules="mpmath")
    derived = sp.lambdify(symbols, fit.log_prediction_derived, modules="mpmath")
    rng = np.random.default_rng(np.random.SeedSequence(50))
    with mpmath.workdps(50):
        for _ in range(200):
            point = dict(zip((s.name for s in symbols), rng.uniform(-1000, 1000, len(symbols))))
            point["alpha"], point["beta"] = rng.uniform(0, 2, 2)
            args = [mpmath.mpf(point[s.name]) for s in symbols]
            a, b = stable(*args), derived(*args)
            assert abs(a - b) <= mpmath.mpf(10) ** -45 * max(1, abs(b))


# --- the objectives built on them -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def runs() -> fit.RunData:
    return fit.read_runs(fit.DATA_FILE)


def _sum_huber_by_hand(theta, runs: fit.RunData, offset: float = 0.0) -> float:
    total = mpmath.mpf(0)
    with mpmath.workdps(40):
        for n, d, loss in zip(runs.log_N, runs.log_D, runs.log_L):
            predicted = log_loss_by_hand(n, d, *theta)
            total += huber_by_hand(predicted - (mpmath.mpf(loss) + offset), HOFFMANN_DELTA)
    return float(total)


# The estimate, a point near it, and one where E = e^-1000 is negligible beside the other terms (e^1000 times
# smaller: shifting by the smallest exponent instead of the largest would overflow there).
@pytest.mark.parametrize("step", [(0, 0, 0, 0, 0), (0.3, -0.2, 0.05, 0.02, -0.03), (0, 0, -1000, 0, 0)])
def test_sum_huber_objective_is_hoffmanns_with_delta_1e_3(runs, step):
    # Most residuals lie beyond delta = 1e-3 (linear branch, slope delta): a changed threshold or a changed
    # prediction both move the sum.
    theta = np.add(THETA, step)
    f, _ = fit.huber_objective()(theta, runs)
    assert f[0] == pytest.approx(_sum_huber_by_hand(theta, runs), rel=1e-10)


def test_objective_and_gradient_are_unchanged_when_every_scale_is_multiplied_by_e_to_the_800(runs):
    # A, B, E and every observed loss times e^800: each residual is unchanged, so the objective and its gradient
    # are too, although e^800 overflows double precision.
    theta = np.add(THETA, (0.3, -0.2, 0.05, 0.02, -0.03))
    far = theta + (800.0, 800.0, 800.0, 0.0, 0.0)
    shifted = fit.RunData(runs.log_N, runs.log_D, runs.log_L + 800.0, runs.rows)
    f, g = fit.huber_objective()(theta, runs)
    f_far, g_far = fit.huber_objective()(far, shifted)
    assert np.isfinite(f_far[0]) and f_far[0] == pytest.approx(f[0], rel=1e-9)
    assert g_far[0] == pytest.approx(g[0], rel=1e-6, abs=1e-9 * np.abs(g).max())


def test_gradient_is_the_finite_difference_of_the_objective_by_hand(runs):
    # Central differences of the hand-written sum at 40 digits: an independent check of the derivatives taken with
    # the log-sum-exp's shift held fixed. A residual crossing delta within the step (where Huber's curvature jumps)
    # costs O(step) in the quotient, far below the tolerance.
    theta = np.add(THETA, (0.3, -0.2, 0.05, 0.02, -0.03))
    _, g = fit.huber_objective()(theta, runs)
    h = 1e-7
    for j in range(len(theta)):
        e = np.zeros(len(theta))
        e[j] = h
        numeric = (_sum_huber_by_hand(theta + e, runs) - _sum_huber_by_hand(theta - e, runs)) / (2 * h)
        assert g[0, j] == pytest.approx(numeric, rel=1e-5, abs=1e-8)


def test_likelihood_objective_is_the_negative_huber_log_likelihood(runs):
    # Per run: Huber(r / s) + log Z(delta) + log s, with Z by quadrature, at a scale of the fitted one's order
    # (e^-12.27), where the Huber part (~1.5 per run) is comparable to log Z (7.6) and log s.
    theta = np.add(THETA, (0.3, -0.2, 0.05, 0.02, -0.03))
    log_s = -12.0
    f, _ = fit.likelihood_objective()(np.append(theta, log_s), runs)
    scale = math.exp(log_s)
    expected = mpmath.mpf(0)
    with mpmath.workdps(40):
        for n, d, loss in zip(runs.log_N, runs.log_D, runs.log_L):
            residual = (log_loss_by_hand(n, d, *theta) - mpmath.mpf(loss)) / scale
            expected += huber_by_hand(residual, HOFFMANN_DELTA)
    expected += runs.n * (math.log(normalizer_by_quadrature(HOFFMANN_DELTA)) + log_s)
    assert f[0] == pytest.approx(float(expected), rel=1e-10)
