"""Claims of the double-descent papers (Hastie et al., Belkin-Hsu-Xu, Nakkiran, Mei-Montanari, Advani-Saxe)
and of the source documents' item 13, checked on the registered exact risks.

Risks exclude the label-noise floor (as the registered formulas do), so "test error falls" means the
excess risk falls; the floor is a constant and changes no comparison.
"""

from __future__ import annotations

import math

import numpy as np
import sympy as sp

from derivations.claims import Outcome, Proof, claim
from derivations.evaluate import evaluate
from theory.registry import get

HASTIE = "Hastie et al. 2022, arXiv 1903.08560"
BHX = "Belkin, Hsu, Xu 2020, arXiv 1903.07571"
NAKKIRAN = "Nakkiran 2019, More data can hurt for linear regression, arXiv 1912.07242"
MEI_MONTANARI = "Mei, Montanari 2022, arXiv 1905.10451"
ADVANI_SAXE = "Advani, Saxe, Sompolinsky 2020, arXiv 1710.03667"
STOPPING_TIMES = np.concatenate([[0.0], np.geomspace(1e-2, 1e6, 80)])
"""Gradient-flow times searched for the best stopping time (the error's minimum lies well inside)."""


def _ridgeless_pieces() -> tuple[sp.Expr, sp.Expr, dict[str, sp.Symbol]]:
    """The ridgeless risk's under- and over-parameterized pieces (gamma < 1, gamma > 1) and its symbols."""
    formula = get("double_descent.ridgeless_risk")
    symbols = {p.name: p.symbol for p in formula.params}
    gamma = symbols["gamma"]
    piecewise = sp.piecewise_fold(formula.expr.rewrite(sp.Piecewise)).args

    def piece_at(value: sp.Expr) -> sp.Expr:  # the first piece whose condition holds at gamma = value
        return next(expr for expr, cond in piecewise if cond.subs(gamma, value) == sp.true)

    under, over = piece_at(sp.Rational(1, 2)), piece_at(2)
    return under, over, symbols


# --- Hastie et al. --------------------------------------------------------------------------------------
def _peak_proof() -> Proof:
    under, over, s = _ridgeless_pieces()
    gamma = s["gamma"]
    return Proof.combine(
        Proof.limit(under, gamma, 1, sp.oo, "variance-only risk sigma2 gamma/(1 - gamma) as gamma -> 1-", "-"),
        Proof.limit(over, gamma, 1, sp.oo, "risk r2 (1 - 1/gamma) + sigma2/(gamma - 1) as gamma -> 1+", "+"),
        Proof.limit(under, gamma, 0, 0, "and -> 0 as gamma -> 0+ (finite below the threshold)"),
        Proof.limit(over, gamma, sp.oo, s["r2"], "and -> r2, the null risk, as gamma -> oo (finite above it)"),
    )


@claim(
    "The min-norm least-squares risk diverges at the interpolation threshold p = n and is finite on both sides",
    id="double_descent.ridgeless_peak_at_interpolation",
    source=f"{HASTIE}, Thm 1 and Fig. 2",
    about=("double_descent.ridgeless_risk",),
    domain={"gamma": (0.01, 100.0), "r2": (0.01, 100.0), "sigma2": (0.01, 100.0)},
    log=("gamma", "r2", "sigma2"),
    reading="isotropic features, gamma = p/n, label noise sigma2 > 0: the risk tends to +inf as gamma -> 1 from "
            "either side (proved); the body checks pointwise: finite at every gamma != 1",
    proof=_peak_proof,
    examples=40,
)
def ridgeless_peak_at_interpolation(gamma: float, r2: float, sigma2: float) -> Outcome:
    risk = evaluate("double_descent.ridgeless_risk", gamma=gamma, r2=r2, sigma2=sigma2)
    return Outcome(gamma == 1 or math.isfinite(risk), risk=risk)


def _second_descent_proof() -> Proof:
    _, over, s = _ridgeless_pieces()
    gamma, r2, sigma2 = s["gamma"], s["r2"], s["sigma2"]
    u, w, sd = sp.symbols("u w s", positive=True)
    # gamma = 1 + u; r = s (1 + u) / (u (1 + w)) with w > 0 is exactly r u < s (1 + u), i.e. gamma < gamma* =
    # r/(r - s) when r > s and every gamma > 1 when r <= s: the stretch the statement is about.
    slope = sp.diff(over, gamma).subs({gamma: 1 + u, sigma2: sd**2, r2: (sd * (1 + u) / (u * (1 + w))) ** 2})
    return Proof.sign(slope, "negative",
                      "d R/d gamma on gamma = 1 + u > 1, with sqrt(r2) u = sqrt(sigma2) (1 + u)/(1 + w), w > 0 "
                      "(every point past the threshold and before the minimum gamma* = r/(r - sigma))")


@claim(
    "Past the interpolation threshold, test error falls again",
    id="double_descent.second_descent",
    source="source documents, seeds.md item 13",
    about=("double_descent.ridgeless_risk", "double_descent.ridgeless_best_gamma"),
    domain={"gamma": (1.0001, 100.0), "r2": (0.01, 100.0), "sigma2": (0.01, 100.0)},
    log=("gamma", "r2", "sigma2"),
    reading="Hastie et al.'s isotropic min-norm risk: it decreases in gamma on (1, gamma*) with gamma* = r/(r - "
            "sigma) when r2 > sigma2 and on all of (1, oo) otherwise (proved); "
            "the body checks pointwise: the risk at gamma * 1.001 "
            "is below the risk at gamma wherever gamma * 1.001 < gamma*; beyond gamma* it rises again toward r2",
    proof=_second_descent_proof,
    examples=40,
)
def second_descent(gamma: float, r2: float, sigma2: float) -> Outcome:
    best = evaluate("double_descent.ridgeless_best_gamma", r2=r2, sigma2=sigma2) if r2 > sigma2 else math.inf
    here = evaluate("double_descent.ridgeless_risk", gamma=gamma, r2=r2, sigma2=sigma2)
    further = evaluate("double_descent.ridgeless_risk", gamma=gamma * 1.001, r2=r2, sigma2=sigma2)
    return Outcome(gamma * 1.001 >= best or further < here, risk=here, risk_further=further, best_gamma=best)


@claim(
    "The over-parameterized minimum of the test risk can beat the under-parameterized one",
    id="double_descent.overparameterized_beats_underparameterized",
    source=f"{HASTIE}, §5.1 (misspecified model); {BHX}, Thm 1 and Fig. 1",
    about=("double_descent.random_subset_test_mse",),
    domain={"n": (10, 60), "features_per_sample": (1.5, 5.0), "snr": (0.1, 100.0)},
    integers=("n",),
    log=("snr",),
    holds_on={"snr": (5.0, 100.0)},
    reading="min-norm least squares on p of D Gaussian features chosen at random (the features left out act as "
            "noise, Hastie's misspecified model with the captured signal growing with p), n samples, D = "
            "features_per_sample * n, ||w||^2/sigma2 = snr: the best p >= n + 2 has lower test error than the "
            "best p <= n - 2. In Hastie's well-specified isotropic model it never does (the risk -> 0 as gamma -> 0)",
    examples=40,
)
def overparameterized_beats_underparameterized(n: int, features_per_sample: float, snr: float) -> Outcome:
    total = int(round(features_per_sample * n))
    p = np.arange(1, total + 1)
    keep = (p <= n - 2) | (p >= n + 2)  # the expected risk is infinite for p in {n - 1, n, n + 1}
    risk = evaluate("double_descent.random_subset_test_mse", p=p[keep], n=n, D=total, w2=snr, sigma2=1.0)
    under, over = risk[p[keep] <= n - 2].min(), risk[p[keep] >= n + 2].min()
    return Outcome(over < under, best_under=float(under), best_over=float(over))


@claim(
    "The ridge penalty lam* = sigma2 gamma / r2 minimizes the ridge risk",
    id="double_descent.optimal_ridge_penalty",
    source=f"{HASTIE}, Thm 6; Dobriban, Wager 2018",
    about=("double_descent.optimal_ridge_lambda", "double_descent.ridge_risk"),
    domain={"gamma": (0.05, 20.0), "other": (1e-3, 1e3), "r2": (0.1, 10.0), "sigma2": (0.1, 10.0)},
    log=("gamma", "other", "r2", "sigma2"),
    reading="the ridge risk at lam* is at most the ridge risk at lam = other * lam* (relative tolerance 1e-12 "
            "for rounding)",
    examples=40,
)
def optimal_ridge_penalty(gamma: float, other: float, r2: float, sigma2: float, rtol: float = 1e-12) -> Outcome:
    best = evaluate("double_descent.optimal_ridge_lambda", gamma=gamma, r2=r2, sigma2=sigma2)
    at_best = evaluate("double_descent.ridge_risk", gamma=gamma, lam=best, r2=r2, sigma2=sigma2)
    elsewhere = evaluate("double_descent.ridge_risk", gamma=gamma, lam=other * best, r2=r2, sigma2=sigma2)
    return Outcome(at_best <= elsewhere * (1 + rtol), at_optimum=at_best, elsewhere=elsewhere)


@claim(
    "Optimally tuned ridge regression removes the double-descent peak",
    id="double_descent.optimal_ridge_removes_peak",
    source=f"{HASTIE}, Thm 6 and Fig. 6",
    about=("double_descent.optimal_ridge_risk", "double_descent.ridgeless_risk"),
    domain={"gamma": (0.01, 100.0), "step": (1.0001, 3.0), "r2": (0.1, 10.0), "sigma2": (0.1, 10.0)},
    log=("gamma", "r2", "sigma2"),
    reading="the optimally tuned risk R*(gamma) is finite, rises with gamma (at gamma and gamma * step) and never "
            "exceeds the ridgeless risk: no peak at gamma = 1",
    examples=40,
)
def optimal_ridge_removes_peak(gamma: float, step: float, r2: float, sigma2: float) -> Outcome:
    here = evaluate("double_descent.optimal_ridge_risk", gamma=gamma, r2=r2, sigma2=sigma2)
    further = evaluate("double_descent.optimal_ridge_risk", gamma=gamma * step, r2=r2, sigma2=sigma2)
    ridgeless = evaluate("double_descent.ridgeless_risk", gamma=gamma, r2=r2, sigma2=sigma2)
    return Outcome(math.isfinite(further) and here < further and here <= ridgeless, risk=here, risk_further=further,
                   ridgeless=ridgeless)


# --- Nakkiran ---------------------------------------------------------------------------------------------
@claim(
    "More data can hurt: at a fixed number of features, adding samples can raise the test risk",
    id="double_descent.more_data_can_hurt",
    source=f"{NAKKIRAN}, §2",
    about=("double_descent.finite_sample_risk", "double_descent.more_data_hurts_onset"),
    domain={"p": (8, 2000), "position": (0.0, 1.0), "r2": (0.1, 10.0), "sigma2": (0.1, 10.0)},
    integers=("p",),
    log=("r2", "sigma2"),
    reading="exact expected risk of min-norm least squares with n Gaussian samples and p features: one more "
            "sample raises the risk for every n from the derived onset up to the pole (n + 1 <= p - 2), and "
            "lowers it for every n + 1 below the onset; n = 1 + position (p - 4), the two samples around the "
            "onset skipped (the onset is where the derivative in a continuous n vanishes)",
    examples=40,
)
def more_data_can_hurt(p: int, position: float, r2: float, sigma2: float) -> Outcome:
    n = 1 + int(position * (p - 4))
    onset = evaluate("double_descent.more_data_hurts_onset", p=p, r2=r2, sigma2=sigma2)
    now, more = (evaluate("double_descent.finite_sample_risk", n=k, p=p, r2=r2, sigma2=sigma2) for k in (n, n + 1))
    if n >= math.ceil(onset):
        ok = more > now
    elif n + 1 <= math.floor(onset):
        ok = more < now
    else:
        ok = True  # the one step that straddles the onset
    return Outcome(ok, n=n, onset=onset, risk=now, risk_one_more_sample=more)


# --- Mei-Montanari --------------------------------------------------------------------------------------
def _rf_risk(psi1: float, psi2: float, lam: float, snr: float) -> float:
    return evaluate("double_descent.random_features_risk", psi1=psi1, psi2=psi2, lam=lam, F1sq=1.0, tau2=1 / snr,
                    Fstar2=0.0)


@claim(
    "Ridgeless random-features regression peaks at N = n, the interpolation threshold",
    id="double_descent.random_features_peak",
    source=f"{MEI_MONTANARI}, Thm 1 and Fig. 1",
    about=("double_descent.random_features_risk",),
    domain={"psi2": (0.3, 10.0), "distance": (0.05, 10.0), "snr": (0.1, 10.0)},
    log=("psi2", "distance", "snr"),
    reading="random ReLU features, lam = 0, linear target F1^2 = 1, noise tau2 = 1/snr: the risk at N/n = "
            "1 +- 1e-4 exceeds the risk at N/n = (1 + distance)^(+-1) on the same side",
    examples=40,
)
def random_features_peak(psi2: float, distance: float, snr: float) -> Outcome:
    near = [_rf_risk(psi2 * f, psi2, 0.0, snr) for f in (1 - 1e-4, 1 + 1e-4)]
    far = [_rf_risk(psi2 * f, psi2, 0.0, snr) for f in (1 / (1 + distance), 1 + distance)]
    return Outcome(near[0] > far[0] and near[1] > far[1], near_below=near[0], near_above=near[1], far_below=far[0],
                   far_above=far[1])


@claim(
    "The ridgeless random-features risk is smallest at infinite width (N/d -> oo)",
    id="double_descent.random_features_best_at_infinite_width",
    source=f"{MEI_MONTANARI}, §3 (the kernel limit psi1 -> oo minimizes the ridgeless risk)",
    about=("double_descent.random_features_risk",),
    domain={"psi2": (0.3, 10.0), "width_ratio": (0.01, 100.0), "snr": (0.05, 20.0)},
    log=("psi2", "width_ratio", "snr"),
    holds_on={"snr": (1.0, 20.0)},
    reading="random ReLU features, lam = 0, linear target F1^2 = 1, noise tau2 = 1/snr: the risk at N/n = "
            "width_ratio is at least the risk at N/n = 1e4 (the kernel limit to within its 1e-4 relative change); "
            "at low SNR the null predictor of a very narrow model does better",
    examples=40,
)
def random_features_best_at_infinite_width(psi2: float, width_ratio: float, snr: float) -> Outcome:
    here, widest = _rf_risk(psi2 * width_ratio, psi2, 0.0, snr), _rf_risk(psi2 * 1e4, psi2, 0.0, snr)
    return Outcome(here >= widest, risk=here, widest=widest)


RIDGE_GRID = np.concatenate([[0.0], np.geomspace(1e-6, 1e2, 150)])
"""Penalties searched for the optimally tuned random-features risk (0 is the ridgeless limit)."""


@claim(
    "With the ridge penalty tuned, the random-features risk has no peak and falls as the model widens",
    id="double_descent.random_features_optimal_ridge",
    source=f"{MEI_MONTANARI}, §3 (optimal regularization removes the peak; the risk is then decreasing in psi1)",
    about=("double_descent.random_features_risk",),
    domain={"psi2": (0.3, 10.0), "width_ratio": (0.05, 20.0), "step": (1.01, 3.0), "snr": (0.1, 20.0)},
    log=("psi2", "width_ratio", "snr"),
    reading="random ReLU features, linear target F1^2 = 1, noise tau2 = 1/snr, penalty minimized over 0 and 150 "
            "values in [1e-6, 1e2]: the tuned risk at N/n = width_ratio * step is at most the tuned risk at N/n = "
            "width_ratio (relative tolerance 1e-3 for the penalty grid), across N = n",
    examples=15,
)
def random_features_optimal_ridge(psi2: float, width_ratio: float, step: float, snr: float,
                                  rtol: float = 1e-3) -> Outcome:
    widths = psi2 * width_ratio * np.array([[1.0], [step]])
    risk = evaluate("double_descent.random_features_risk", psi1=widths, psi2=psi2, lam=RIDGE_GRID[None, :], F1sq=1.0,
                    tau2=1 / snr, Fstar2=0.0)
    here, wider = risk.min(axis=1)
    return Outcome(bool(wider <= here * (1 + rtol)), tuned_risk=float(here), tuned_risk_wider=float(wider))


# --- Advani-Saxe ----------------------------------------------------------------------------------------
def _flow(alpha: float) -> tuple[float, float]:
    """(best early-stopped error, error at convergence) of gradient flow from w(0) = 0, teacher variance 1,
    noise 0.25; at convergence it is the min-norm risk at gamma = 1/alpha."""
    risk = evaluate("double_descent.gradient_flow_risk", alpha=alpha, t=STOPPING_TIMES, sigma_w0_2=0.0,
                    sigma_wbar_2=1.0, sigma_eps_2=0.25)
    return float(np.min(risk)), evaluate("double_descent.ridgeless_risk", gamma=1 / alpha, r2=1.0, sigma2=0.25)


@claim(
    "Overtraining hurts most at the interpolation threshold alpha = 1",
    id="double_descent.overtraining_worst_at_threshold",
    source=f"{ADVANI_SAXE}, §3 and Fig. 3",
    about=("double_descent.gradient_flow_risk", "double_descent.ridgeless_risk"),
    domain={"alpha": (0.2, 5.0), "closer": (0.05, 0.95)},
    log=("alpha",),
    reading="gradient flow (teacher variance 1, noise 0.25, zero init): the overtraining E_g(oo) - min_t E_g(t) "
            "at alpha' = 1 + closer (alpha - 1), nearer the threshold on the same side, exceeds its value at alpha",
    examples=40,
)
def overtraining_worst_at_threshold(alpha: float, closer: float) -> Outcome:
    nearer = 1 + closer * (alpha - 1)
    (best, end), (best_near, end_near) = _flow(alpha), _flow(nearer)
    return Outcome(alpha == 1 or end_near - best_near > end - best, overtraining=end - best,
                   overtraining_nearer=end_near - best_near)


@claim(
    "Stopped at the best time, gradient descent shows no peak at the interpolation threshold",
    id="double_descent.early_stopping_removes_peak",
    source=f"{ADVANI_SAXE}, §3 and Fig. 3 (error at the optimal stopping time vs alpha)",
    about=("double_descent.gradient_flow_risk",),
    domain={"alpha": (0.2, 5.0), "step": (1.001, 2.0)},
    log=("alpha",),
    reading="gradient flow (teacher variance 1, noise 0.25, zero init), best stopping time searched over 81 "
            "times in [0, 1e6]: the early-stopped error falls as alpha (samples per parameter) grows, from alpha "
            "to alpha * step, across alpha = 1 (tolerance 1e-3 for the time grid)",
    examples=40,
)
def early_stopping_removes_peak(alpha: float, step: float, atol: float = 1e-3) -> Outcome:
    here, more = _flow(alpha)[0], _flow(alpha * step)[0]
    return Outcome(more <= here + atol, best_error=here, best_error_more_data=more)
