"""``circuitcomp simulate double-descent``: a Monte Carlo sweep with the closed form on the same grid.

Three axes (``axis=model|sample|epoch``):

* model: min-norm (``lam = 0``) or ridge least squares on n Gaussian samples, p = 1 .. 3n features;
* sample: the same at fixed p, n = 1 .. 3p (sample-wise double descent: more data can hurt);
* epoch: gradient descent on two feature scales (Heckel-Yilmaz Fig. 2 scales, step 0.1), risk vs
  iteration k. The bump needs sigma2/n near Fig. 2's 0.1: e.g. ``n=100 sigma2=10`` (Fig. 2 itself is
  n = 10, sigma2 = 1, where the large-n closed form is only approximate).

Each returns the grid, the Monte Carlo mean and standard error (with bias and variance where the
estimator defines them; the noise floor sigma2 is reported separately and excluded from the risks),
the closed form on the grid and the peak of both curves.
"""

from __future__ import annotations

import numpy as np

from derivations.double_descent import montecarlo as mc
from derivations.evaluate import evaluate
from derivations.experiments import Setting, experiment
from derivations.sweep import sweep
from theory.symbols import NONNEGATIVE, POSITIVE, Domain

AXES = ("model", "sample", "epoch")
HECKEL_YILMAZ_FIG2 = {"s1": 1.0, "theta_1": 0.45, "s2": 0.15, "theta_2": 3.0, "eta1": 0.1, "eta2": 0.1}
COUNT = Domain(1.0, integer=True, lo_closed=True)


def _peak(grid: np.ndarray, curve: np.ndarray, interior: bool) -> float | None:
    """Grid point of the curve's maximum (``interior``: of its largest interior local maximum), None if none."""
    if not interior:
        return float(grid[int(np.argmax(curve))])
    inner = np.flatnonzero((curve[1:-1] > curve[:-2]) & (curve[1:-1] > curve[2:])) + 1
    return float(grid[inner[np.argmax(curve[inner])]]) if inner.size else None


def _least_squares_point(n: float, p: float, lam: float, r2: float, sigma2: float, repeats: int,
                         rng: np.random.Generator) -> tuple[float, float, float, float]:
    draws = mc.least_squares(rng, int(n), int(p), lam, r2, sigma2, repeats)
    return draws.risk.mean(), mc.Draws.se(draws.risk), draws.bias.mean(), draws.variance.mean()


def _closed_form(n: np.ndarray, p: np.ndarray, lam: float, r2: float, sigma2: float) -> dict[str, np.ndarray]:
    """Exact finite-sample risk for min-norm LS; the proportional-limit ridge risk (gamma = p/n) for lam > 0."""
    if lam == 0:
        return {
            "risk": evaluate("double_descent.finite_sample_risk", n=n, p=p, r2=r2, sigma2=sigma2),
            "bias": evaluate("double_descent.finite_sample_bias", n=n, p=p, r2=r2),
            "variance": evaluate("double_descent.finite_sample_variance", n=n, p=p, sigma2=sigma2),
            "asymptotic": evaluate("double_descent.ridgeless_risk", gamma=p / n, r2=r2, sigma2=sigma2),
        }
    gamma = p / n
    return {"risk": evaluate("double_descent.ridge_risk", gamma=gamma, lam=lam, r2=r2, sigma2=sigma2),
            "bias": evaluate("double_descent.ridge_bias", gamma=gamma, lam=lam, r2=r2),
            "variance": evaluate("double_descent.ridge_variance", gamma=gamma, lam=lam, sigma2=sigma2)}


def size_sweep(axis: str, n: int, p: int, lam: float, r2: float, sigma2: float, repeats: int, points: int,
               seed: int) -> dict:
    """Risk vs number of features (axis 'model', n fixed) or of samples (axis 'sample', p fixed)."""
    fixed = n if axis == "model" else p
    grid = np.unique(np.round(np.linspace(1, 3 * fixed, points)).astype(int))
    ns, ps = (np.full_like(grid, n), grid) if axis == "model" else (grid, np.full_like(grid, p))
    rows = sweep(_least_squares_point, [{"n": a, "p": b, "lam": lam, "r2": r2, "sigma2": sigma2, "repeats": repeats}
                                        for a, b in zip(ns, ps)], seed=seed, progress=f"double-descent {axis}")
    mean, se, bias, variance = (np.array(c) for c in zip(*rows))
    closed = _closed_form(ns.astype(float), ps.astype(float), lam, r2, sigma2)
    out = {
        "axis": axis, "grid": grid, "mc_risk": mean, "mc_se": se, "mc_bias": bias, "mc_variance": variance,
        "noise": sigma2, "closed_form_risk": closed["risk"], "closed_form_bias": closed["bias"],
        "closed_form_variance": closed["variance"],
        "peak": _peak(grid, mean, interior=False), "peak_predicted": _peak(grid, closed["risk"], interior=False),
        "closed_form": "exact finite-sample Gaussian expectation" if lam == 0 else "proportional-limit ridge risk",
    }
    if "asymptotic" in closed:
        out["asymptotic_risk"] = closed["asymptotic"]
    return out


def epoch_sweep(n: int, sigma2: float, repeats: int, points: int, steps: float, seed: int) -> dict:
    """Risk vs gradient-descent iteration on two feature scales (epoch-wise double descent)."""
    grid = np.unique(np.round(np.geomspace(1, steps, points)).astype(int))
    hy = HECKEL_YILMAZ_FIG2
    draws = mc.gradient_descent_two_scale(mc.rng_from(seed), n, grid, sigma2, (hy["s1"], hy["s2"]),
                                          (hy["theta_1"], hy["theta_2"]), (hy["eta1"], hy["eta2"]), repeats)
    closed = evaluate("double_descent.early_stopping_risk", k=grid, n=n, sigma2=sigma2, **hy)
    mean = draws.risk.mean(axis=0)
    return {
        "axis": "epoch", "grid": grid, "mc_risk": mean, "mc_se": mc.Draws.se(draws.risk), "noise": sigma2,
        "closed_form_risk": closed, "peak": _peak(grid, mean, interior=True),
        "peak_predicted": _peak(grid, closed, interior=True),
        "closed_form": "Heckel-Yilmaz large-n approximation (exact as n/d -> oo)",
    }


SETTINGS = {
    "axis": Setting("model", None, "model: vary p; sample: vary n; epoch: vary k", choices=AXES),
    "n": Setting(40, COUNT, "training samples (fixed on the model and epoch axes)"),
    "p": Setting(40, COUNT, "features (fixed on the sample axis)"),
    "lam": Setting(0.0, NONNEGATIVE, "ridge penalty n lam ||b||^2 (0: min-norm)"),
    "r2": Setting(1.0, NONNEGATIVE, "signal strength ||beta||^2"),
    "sigma2": Setting(1.0, POSITIVE, "label-noise variance (excluded from the risks, reported as 'noise')"),
    "repeats": Setting(100, Domain(2.0, integer=True, lo_closed=True), "Monte Carlo repeats per grid point"),
    "points": Setting(40, Domain(3.0, integer=True, lo_closed=True), "grid points"),
    "steps": Setting(1e4, Domain(2.0, lo_closed=True), "largest iteration on the epoch axis"),
    "seed": Setting(0, Domain(0.0, integer=True, lo_closed=True), "random seed (SeedSequence)"),
}


@experiment("double-descent", "Monte Carlo risk vs model size, sample size or epoch, with the closed form",
            SETTINGS)
def run(values: dict[str, float]) -> dict:
    axis = values["axis"]
    counts = {k: int(values[k]) for k in ("n", "p", "repeats", "points", "seed")}
    if axis == "epoch":
        return epoch_sweep(counts["n"], values["sigma2"], counts["repeats"], counts["points"], values["steps"],
                           counts["seed"])
    return size_sweep(axis, counts["n"], counts["p"], values["lam"], values["r2"], values["sigma2"],
                      counts["repeats"], counts["points"], counts["seed"])
