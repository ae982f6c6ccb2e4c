"""The two-circuit squared-loss model fitted to real training runs by maximum likelihood in log time.

How a run's settings enter the model (the only modelling choices here; the times themselves are the registered
closed forms ``grokking.t_memorize`` and ``grokking.t_generalize``, substituted and compiled, never retyped):

* data size: ``D = fraction`` with ``c_m = 1`` and ``y = 1``. The model is unchanged under
  (c_m, c_g, lam, eta) -> (s c_m, s c_g, lam / s, s eta), so ``c_m = 1`` only fixes units, and the critical data
  size ``c_g / c_m`` (``grokking.critical_data_size``) is the critical training fraction ``f_crit = c_g``.
* weight decay and learning rate: AdamW moves each weight by about ``lr`` per step (a normalized gradient) and
  decays it by ``lr * weight_decay`` per step. So the model's rates are ``eta_m = r_m lr``, ``eta_g = r_g lr`` and
  its weight decay is ``lam = kappa * weight_decay``: a circuit's decay per step, ``eta lam``, is
  ``r kappa`` times AdamW's ``lr * weight_decay``. Memorizing takes ~ 1/lr steps, the delay ~ 1/(lr wd).
* initial sizes: the generalizer's start ``g0`` enters only through log(y / 2 g0) / r_g, so it cannot be told
  apart from its rate: it is held at the model's default and ``r_g`` is fitted. The memorizer's start ``m0``
  is fitted (it enters t_memorize beyond log m0 / r_m, weakly: its bootstrap interval says how weakly).

Errors are log-normal in time, one scale per event; a run that ended before an event contributes the
probability of a later event (``derivations.grokking.likelihood``). Where the model says the generalizer
crosses before the memorizer (no delay), the predicted generalization time is the memorization time. The
closed forms take the generalizer as negligible while the memorizer fits: where the delay is short (large
fractions) the model's own flow generalizes and memorizes earlier than they say.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np
import sympy as sp

from derivations.compile import compile_expr
from derivations.evaluate import evaluate
from derivations.grokking import forms  # noqa: F401  (registers the closed forms)
from derivations.grokking.likelihood import censored_lognormal
from derivations.grokking.rundata import Runs
from theory.dynamics import SQUARED_LOSS
from theory.registry import get
from theory.symbols import D, c_g, c_m, eta_g, eta_m, g0, lam, m0, y

fraction, weight_decay, lr = sp.symbols("fraction weight_decay lr", positive=True)
log_f_crit, log_kappa, log_rate_m, log_rate_g, log_m0 = sp.symbols(
    "log_f_crit log_kappa log_rate_m log_rate_g log_m0", real=True)
THETA = (log_f_crit, log_kappa, log_rate_m, log_rate_g, log_m0)
SETTINGS = (fraction, weight_decay, lr, g0)
TO_MODEL = {y: 1, c_m: 1, D: fraction, c_g: sp.exp(log_f_crit), lam: sp.exp(log_kappa) * weight_decay,
            eta_m: sp.exp(log_rate_m) * lr, eta_g: sp.exp(log_rate_g) * lr, m0: sp.exp(log_m0)}
INIT_GENERALIZING = float(SQUARED_LOSS.defaults[g0])
CONSTANTS = ("critical_fraction", "weight_decay_scale", "memorizer_rate", "generalizer_rate", "init_memorizing",
             "sigma_memorize", "sigma_generalize")
MEANINGS = {
    "critical_fraction": "c_g / c_m: below this training fraction the memorizer wins (never generalizes)",
    "weight_decay_scale": "kappa: the model's weight decay lam = kappa * weight_decay",
    "memorizer_rate": "r_m: the memorizer's learning rate eta_m = r_m * lr",
    "generalizer_rate": f"r_g: the generalizer's learning rate eta_g = r_g * lr (with g0 = {INIT_GENERALIZING:g})",
    "init_memorizing": "m0: the memorizer's initial margin (target y = 1)",
    "sigma_memorize": "scatter of log t_memorize about the model (log-normal scale)",
    "sigma_generalize": "scatter of log t_generalize about the model (log-normal scale)",
}
LOG_RATE_BOUND = 40.0
LOG_M0_RANGE = (-60.0, math.log(0.5) - 1e-9)  # m0 < y/2: the memorizer starts below the threshold
# Scatter of log times: at least 2%, the resolution of a time measured every few steps (every 10 in the shipped
# runs, 2% of 500 steps). Without a floor, runs that the model fits exactly would send the scale, and the
# likelihood, to their limits.
LOG_SIGMA_RANGE = (math.log(0.02), 3.0)
FTOL = 1e-9  # on the negative log-likelihood (tens): far below what moves an interval
MAX_ITERATIONS = 150  # converging starts take under 100; the others wander along a flat direction
EDGE = 1e-6  # kept (in log) from a bound where the likelihood of an observed run falls to 0


@cache
def _compiled():
    """Both registered times and their gradients in THETA, as one NumPy function of (THETA, SETTINGS)."""
    exprs = []
    for name in ("grokking.t_memorize", "grokking.t_generalize"):
        expr = get(name).expr
        if isinstance(expr, sp.Piecewise):  # its D = D_crit case (+inf) is a mask in log_times: the other branch
            expr = expr.args[-1].expr       # compiles to plain arithmetic instead of a select at every call
        expr = expr.subs(TO_MODEL)
        exprs += [expr, *(sp.diff(expr, p) for p in THETA)]
    return compile_expr((*THETA, *SETTINGS), exprs)


@cache
def _regimes():
    """Where the model memorizes (lam below the registered ``grokking.memorizer_fit_weight_decay``) and where it
    then generalizes (D above ``grokking.critical_data_size``), as one NumPy function of (THETA, SETTINGS)."""
    fits = sp.StrictLessThan(lam, get("grokking.memorizer_fit_weight_decay").expr).subs(TO_MODEL)
    above = sp.StrictGreaterThan(D, get("grokking.critical_data_size").expr).subs(TO_MODEL)
    return compile_expr((*THETA, *SETTINGS), [fits, above])


def log_times(theta: np.ndarray, fr: np.ndarray, wd: np.ndarray, rate: np.ndarray) -> tuple[np.ndarray, ...]:
    """Predicted log t_memorize and log t_generalize with their gradients in THETA ((5, n) each).

    +inf where the model says never: the memorizer cannot fit (lam c_m D >= y), or the fraction is at or below
    the critical one. Below the delay's onset (the generalizer would cross first) t_generalize is t_memorize.
    """
    fr, wd, rate = np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in (fr, wd, rate)))
    shape = np.broadcast_shapes(fr.shape, *(np.shape(p) for p in theta))  # theta may hold rows of draws
    fits, above = _regimes()(*theta, fr, wd, rate, INIT_GENERALIZING)
    memorizes = np.broadcast_to(fits, shape)
    grokks = memorizes & np.broadcast_to(above, shape)
    with np.errstate(all="ignore"):  # outside a form's domain: NaN, masked below
        out = np.array([np.broadcast_to(v, shape) for v in _compiled()(*theta, fr, wd, rate, INIT_GENERALIZING)])
        k = len(THETA) + 1
        tm, tg = out[:k], out[k:]
        tg = np.where(grokks & ~(tg[0] > tm[0]), tm, tg)
        mu_m, mu_g = np.log(tm[0]), np.log(tg[0])
        d_m, d_g = tm[1:] / tm[0], tg[1:] / tg[0]
    return (np.where(memorizes, mu_m, np.inf), np.where(memorizes, d_m, 0.0),
            np.where(grokks, mu_g, np.inf), np.where(grokks, d_g, 0.0))


def negative_log_likelihood(x: np.ndarray, runs: Runs) -> tuple[float, np.ndarray]:
    """Minus the censored log-normal log-likelihood of ``runs`` at x = (THETA, log sigma_m, log sigma_g), with
    its gradient."""
    mu_m, d_m, mu_g, d_g = log_times(x[:5], runs.fraction, runs.weight_decay, runs.lr)
    total, grad = 0.0, np.zeros(7)
    for k, (t, mu, d_theta) in enumerate(((runs.t_memorize, mu_m, d_m), (runs.t_generalize, mu_g, d_g))):
        seen = np.isfinite(t)
        ll, d_mu, d_log_s = censored_lognormal(np.log(np.where(seen, t, runs.steps)), seen, mu, x[5 + k])
        total += float(np.sum(ll))
        grad[:5] += d_theta @ d_mu
        grad[5 + k] = np.sum(d_log_s)
    if not math.isfinite(total):
        return 1e300, np.zeros(7)
    return -total, -grad


def check_identifiable(runs: Runs) -> None:
    """Refuse data from which the model's constants cannot be fitted, saying what is missing."""
    grokked = np.isfinite(runs.t_generalize)
    if grokked.sum() < 3:
        raise ValueError(f"the data cannot identify the model: {grokked.sum()} run(s) generalized within their "
                         "steps; the fit needs at least 3")
    if np.unique(runs.fraction[grokked]).size < 2:
        raise ValueError("the data cannot identify the model: the runs that generalized share one fraction; the "
                         "critical fraction needs at least 2")
    if np.unique(runs.weight_decay).size < 2:
        raise ValueError("the data cannot identify the model: every run has the same weight_decay; its scale "
                         "needs at least 2")


def _bounds(runs: Runs) -> list[tuple[float, float]]:
    """Box bounds on x; the open edges (an observed run the model calls impossible) kept EDGE away."""
    seen = np.isfinite(runs.t_memorize) | np.isfinite(runs.t_generalize)
    log_f_max = math.log(float(np.min(runs.fraction[np.isfinite(runs.t_generalize)]))) - EDGE
    log_kappa_max = -math.log(float(np.max(runs.fraction[seen] * runs.weight_decay[seen]))) - EDGE
    rates = (-LOG_RATE_BOUND, LOG_RATE_BOUND)
    return [(log_f_max - 15, log_f_max), (log_kappa_max - 15, log_kappa_max), rates, rates, LOG_M0_RANGE,
            LOG_SIGMA_RANGE, LOG_SIGMA_RANGE]


@dataclass(frozen=True)
class GrokkingFit:
    """Fitted x = (log f_crit, log kappa, log r_m, log r_g, log m0, log sigma_m, log sigma_g) and its likelihood."""

    x: np.ndarray
    log_likelihood: float
    n_runs: int

    @property
    def constants(self) -> dict[str, float]:
        return constants_of(self.x)


def constants_of(x: np.ndarray) -> dict[str, float]:
    """The fitted constants by name, from x (critical fraction by ``grokking.critical_data_size``)."""
    x = np.asarray(x, dtype=float)
    critical = evaluate("grokking.critical_data_size", c_m=1.0, c_g=math.exp(x[0]))
    return dict(zip(CONSTANTS, (float(critical), *(float(v) for v in np.exp(x[1:])))))


def _minimize(runs: Runs, start: np.ndarray, bounds: list[tuple[float, float]]) -> tuple[np.ndarray, float]:
    from scipy.optimize import minimize

    start = np.clip(start, [b[0] for b in bounds], [b[1] for b in bounds])
    res = minimize(negative_log_likelihood, start, args=(runs,), jac=True, method="SLSQP", bounds=bounds,
                   options={"maxiter": MAX_ITERATIONS, "ftol": FTOL})
    return res.x, float(res.fun)


def _starts(runs: Runs, bounds: list[tuple[float, float]]) -> list[np.ndarray]:
    """A few starts over the critical fraction and kappa; the rates matched to the median times at each."""
    starts = []
    for f_share in (0.5, 0.9):
        for k_share in (0.1, 0.5, 0.9):
            x = np.array([bounds[0][1] + math.log(f_share), bounds[1][1] + math.log(k_share), 0.0, 0.0, math.log(1e-2),
                          math.log(0.3), math.log(0.3)])
            for k, t in ((2, runs.t_memorize), (3, runs.t_generalize)):
                mu = log_times(x[:5], runs.fraction, runs.weight_decay, runs.lr)[2 * (k - 2)]
                ok = np.isfinite(t) & np.isfinite(mu)
                if ok.any():  # a time scales as 1/rate: shift the log rate by the median log ratio
                    x[k] = np.clip(np.median(mu[ok] - np.log(t[ok])), -LOG_RATE_BOUND, LOG_RATE_BOUND)
            starts.append(x)
    return starts


def fit_runs(runs: Runs, start: np.ndarray | None = None) -> GrokkingFit:
    """Maximum-likelihood fit (SLSQP with the closed forms' SymPy gradients) from every start of :func:`_starts`,
    keeping the best; or from ``start`` alone (a bootstrap refit from the full data's optimum)."""
    check_identifiable(runs)
    bounds = _bounds(runs)
    starts = _starts(runs, bounds) if start is None else [start]
    x, value = min((_minimize(runs, s, bounds) for s in starts), key=lambda r: r[1])
    if not value < 1e299:
        raise ValueError("the data cannot identify the model: no constants make every observed run possible")
    return GrokkingFit(x, -value, runs.n)


def bootstrap(runs: Runs, fit: GrokkingFit, draws: int, seed: int = 0) -> np.ndarray:
    """Refits on ``draws`` resamples of the runs (drawn with replacement, seeded), each from ``fit``'s optimum;
    resamples the model cannot be fitted to (e.g. no run generalized) are drawn again. Rows of x."""
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    out, attempts = [], 0
    while len(out) < draws:
        if attempts == 10 * draws:
            raise ValueError(f"--bootstrap: only {len(out)} of {attempts} resamples of the runs could be fitted (too "
                             "few runs that generalized); use fewer draws or more runs")
        attempts += 1
        sample = runs.take(rng.integers(0, runs.n, runs.n))
        try:
            out.append(fit_runs(sample, fit.x).x)
        except ValueError:
            continue
    return np.array(out).reshape(draws, len(fit.x))


def predict(x: np.ndarray, fr: float | np.ndarray, wd: float | np.ndarray, rate: float | np.ndarray
            ) -> tuple[np.ndarray, np.ndarray]:
    """Predicted (t_memorize, t_generalize) in steps at x; +inf where the model says never."""
    mu_m, _, mu_g, _ = log_times(np.asarray(x)[:5], fr, wd, rate)
    return np.exp(mu_m), np.exp(mu_g)


def prediction_interval(samples: np.ndarray, fr: float, wd: float, rate: float, seed: int = 0,
                        per_draw: int = 200) -> list[float]:
    """95% interval of a new run's t_generalize: each parameter row in ``samples`` (bootstrap refits, or the fit
    alone) with ``per_draw`` draws of its log-normal scatter. +inf where the model says never."""
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    _, tg = predict(samples.T[:5, :], fr, wd, rate)
    z = rng.standard_normal((samples.shape[0], per_draw))
    with np.errstate(invalid="ignore"):
        draws = np.where(np.isinf(tg)[:, None], np.inf, np.log(tg)[:, None] + np.exp(samples[:, 6])[:, None] * z)
    low, high = np.percentile(draws, [2.5, 97.5], method="inverted_cdf")  # no inf - inf
    return [float(np.exp(low)), float(np.exp(high))]


def summary(runs: Runs, fit: GrokkingFit, samples: np.ndarray | None = None, seed: int = 0) -> dict:
    """JSON-ready: the constants (with 95% bootstrap intervals when ``samples`` are given), the critical
    fraction, and every run's measured vs predicted times (None: censored / the model says never)."""
    constants = {name: {"value": value, "meaning": MEANINGS[name]} for name, value in fit.constants.items()}
    if samples is not None and len(samples):
        # Each constant is an increasing function of its own coordinate of x: percentiles map through.
        low, high = (constants_of(row) for row in np.percentile(samples, [2.5, 97.5], axis=0))
        for name in CONSTANTS:
            constants[name]["interval"] = [low[name], high[name]]
    tm, tg = predict(fit.x, runs.fraction, runs.weight_decay, runs.lr)
    per_run = []
    for i in range(runs.n):
        per_run.append({
            "row": int(runs.rows[i]), "fraction": runs.fraction[i], "weight_decay": runs.weight_decay[i],
            "lr": runs.lr[i], "steps": runs.steps[i],
            **({"seed": _finite_or_none(runs.extra["seed"][i])} if "seed" in runs.extra else {}),
            **{key: _finite_or_none(value[i]) for key, value in (
                ("t_memorize", runs.t_memorize), ("t_memorize_predicted", tm),
                ("t_generalize", runs.t_generalize), ("t_generalize_predicted", tg))},
        })
    return {
        "model": "two-circuit squared-loss model: grokking.t_memorize and grokking.t_generalize",
        "critical_fraction": fit.constants["critical_fraction"],
        "constants": constants,
        "fixed": {"init_generalizing": INIT_GENERALIZING, "c_m": 1.0, "y": 1.0},
        "log_likelihood": fit.log_likelihood,
        "n_runs": runs.n,
        "censored": {key: int(np.sum(~np.isfinite(getattr(runs, key)))) for key in ("t_memorize", "t_generalize")},
        "bootstrap": {"draws": 0 if samples is None else len(samples), "seed": seed},
        "runs": per_run,
    }


def _finite_or_none(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


# --- hold-out check ----------------------------------------------------------------------------------------
NEAR_CRITICAL = 1.5  # a run is "near the critical fraction" below this multiple of it


def holdout_mask(runs: Runs) -> np.ndarray:
    """True for the runs to fit on: a checkerboard over the (fraction, weight_decay) grid, so every fraction and
    every weight decay appears on both sides and each held-out setting sits between fitted neighbours. The fitted
    side holds the corner of the largest fraction and weight decay, so no held-out run asks the model to
    extrapolate beyond the fitted fraction x weight decay (where its memorizer stops fitting). All seeds of a
    setting fall on the same side."""
    i = np.unique(runs.fraction, return_inverse=True)[1].ravel()
    j = np.unique(runs.weight_decay, return_inverse=True)[1].ravel()
    return (i + j) % 2 == (i.max() + j.max()) % 2


def prediction_errors(runs: Runs, fit: GrokkingFit) -> dict:
    """How well ``fit`` predicts ``runs`` (e.g. held out): the factor max(pred/measured, measured/pred) of
    t_generalize, median and worst, near the critical fraction (< NEAR_CRITICAL times it) and away from it, and
    of t_memorize; for runs that never generalized, how many the model also says would not within their steps."""
    tm, tg = predict(fit.x, runs.fraction, runs.weight_decay, runs.lr)

    def factor(predicted: np.ndarray, measured: np.ndarray) -> np.ndarray:
        seen = np.isfinite(measured)
        return np.exp(np.abs(np.log(predicted[seen] / measured[seen])))

    def spread(values: np.ndarray) -> dict:
        return {"runs": int(values.size), "median_factor": float(np.median(values)) if values.size else None,
                "worst_factor": float(np.max(values)) if values.size else None}

    near = runs.fraction < NEAR_CRITICAL * fit.constants["critical_fraction"]
    out = {"near_critical": spread(factor(tg[near], runs.t_generalize[near])),
           "away_from_critical": spread(factor(tg[~near], runs.t_generalize[~near])),
           "memorization": spread(factor(tm, runs.t_memorize))}
    censored = ~np.isfinite(runs.t_generalize)
    out["never_generalized"] = {"runs": int(censored.sum()),
                                "predicted_later_than_steps": int(np.sum(tg[censored] > runs.steps[censored]))}
    return out


# --- the fitted model, simulated ----------------------------------------------------------------------------
def model_run(x: np.ndarray, fraction: float, weight_decay: float, lr: float, retrain_fraction: float | None = None,
              horizon: float | None = None, n_points: int = 200):
    """Simulate the model's flow (``derivations.grokking.runs.run_grokking``) at fitted x for a run's settings.

    run_grokking counts data in units of its own critical size with c_m = C_M; the model is unchanged under
    (c_m, c_g, lam, eta) -> (s c_m, s c_g, lam / s, s eta), and s = C_M * CRITICAL_DATA_SIZE / f_crit takes this
    fit's units (c_m = 1 per unit of fraction) to those. Time stays in optimizer steps.
    """
    from derivations.grokking.runs import C_M, CRITICAL_DATA_SIZE, run_grokking

    f_crit, kappa, rate_m, rate_g, init_m = (math.exp(v) for v in np.asarray(x, dtype=float)[:5])
    s = C_M * CRITICAL_DATA_SIZE / f_crit
    return run_grokking(
        data_ratio=fraction / f_crit, weight_decay=kappa * weight_decay / s, lr=s * rate_m * lr,
        rate_ratio=rate_g / rate_m, retrain_ratio=None if retrain_fraction is None else retrain_fraction / f_crit,
        horizon=horizon, init_memorizing=init_m, init_generalizing=INIT_GENERALIZING, n_points=n_points)


RETRAIN_AFTER = 200  # steps after generalizing at which the shipped runs switch to the subset


def retrained_test_accuracy(x: np.ndarray, fraction: float, weight_decay: float, lr: float,
                            retrain_fraction: float, retrain_steps: float) -> float:
    """The model's test accuracy ``retrain_steps`` after switching to ``retrain_fraction``, the switch made
    RETRAIN_AFTER steps after its own predicted generalization (as in the shipped runs). Soft accuracy: the
    share of examples whose margin exceeds half the target."""
    _, tg = predict(x, fraction, weight_decay, lr)
    horizon = float(tg) + RETRAIN_AFTER if math.isfinite(tg) else None
    run = model_run(x, fraction, weight_decay, lr, retrain_fraction, horizon=horizon)
    trajectory = run.trajectory
    at = trajectory.info["switch_time"] + retrain_steps
    return float(np.interp(at, trajectory.t, trajectory.observables["test_accuracy"]))
