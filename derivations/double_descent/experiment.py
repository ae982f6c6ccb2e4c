"""``circuitcomp simulate double-descent``: a Monte Carlo sweep with the closed form on the same grid.

Three axes (``axis=model|sample|epoch``):

* model: min-norm (``lam = 0``) or ridge least squares on n Gaussian samples, p = 1 .. 3n features;
* sample: the same at fixed p, n = 1 .. 3p (sample-wise double descent; see claim double_descent.more_data_can_hurt);
* epoch: gradient descent on two feature scales (Heckel-Yilmaz Fig. 2 scales, step 0.1), risk vs
  iteration k. The bump needs sigma2/n near Fig. 2's 0.1: e.g. ``n=100 sigma2=10`` (Fig. 2 itself is
  n = 10, sigma2 = 1, where the large-n closed form is only approximate).

Each returns the grid, the Monte Carlo mean and standard error (with bias and variance where the
estimator defines them; the noise floor sigma2 is reported separately and excluded from the risks),
the closed form on the grid and the peak of both curves. On the epoch axis a draw whose Hessian makes
the step too large diverges (possible at very small n): its risk is +inf, counted in ``diverged_repeats``.
Every setting has a stated maximum and a run's memory and work are bounded before it starts, so bad or
oversized input fails at once with a message naming the setting.
"""

from __future__ import annotations

import numpy as np

from derivations.double_descent import montecarlo as mc
from derivations.evaluate import evaluate
from derivations.experiments import Setting, experiment
from derivations.sweep import sweep
from theory.symbols import Domain

AXES = ("model", "sample", "epoch")
HECKEL_YILMAZ_FIG2 = {"s1": 1.0, "theta_1": 0.45, "s2": 0.15, "theta_2": 3.0, "eta1": 0.1, "eta2": 0.1}


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
    grid = _size_grid(n if axis == "model" else p, points)
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
    mean = mc.Draws.mean(draws.risk)  # +inf where some draw's steps were too large and gradient descent diverged
    return {
        "axis": "epoch", "grid": grid, "mc_risk": mean, "mc_se": mc.Draws.se(draws.risk), "noise": sigma2,
        "diverged_repeats": int(np.sum(np.isinf(draws.risk[:, -1]))),
        "closed_form_risk": closed, "peak": _peak(grid, mean, interior=True),
        "peak_predicted": _peak(grid, closed, interior=True),
        "closed_form": "Heckel-Yilmaz large-n approximation (exact as n/d -> oo)",
    }


# Every numeric setting has a sane maximum the computation handles exactly (no overflow, no precision
# loss, bounded memory and time); a joint budget below bounds the work of a whole run.
MAX_COUNT = 2000  # n and p
MAX_SCALE = 1e6  # r2, sigma2, lam: risks scale linearly in r2 and sigma2, so larger values show nothing new
MIN_RIDGE = 1e-8  # below it the ridge closed forms lose precision near gamma = 1; lam = 0 is min-norm itself
MAX_ENTRIES = 2.5e7  # Gaussian entries held at once (repeats x design size): about 200 MB
MAX_FLOPS = 3e10  # Gram-matrix work of a model or sample sweep: about half a minute on one core

SETTINGS = {
    "axis": Setting("model", None, "model: vary p; sample: vary n; epoch: vary k", choices=AXES),
    "n": Setting(40, Domain(1.0, MAX_COUNT, lo_closed=True, hi_closed=True, integer=True),
                 "training samples (fixed on the model and epoch axes)"),
    "p": Setting(40, Domain(1.0, MAX_COUNT, lo_closed=True, hi_closed=True, integer=True),
                 "features (fixed on the sample axis)"),
    "lam": Setting(0.0, Domain(0.0, MAX_SCALE, lo_closed=True, hi_closed=True),
                   f"ridge penalty n lam ||b||^2 (0: min-norm; else at least {MIN_RIDGE:g})"),
    "r2": Setting(1.0, Domain(0.0, MAX_SCALE, lo_closed=True, hi_closed=True), "signal strength ||beta||^2"),
    "sigma2": Setting(1.0, Domain(0.0, MAX_SCALE, hi_closed=True),
                      "label-noise variance (excluded from the risks, reported as 'noise')"),
    "repeats": Setting(100, Domain(2.0, 1e6, integer=True, lo_closed=True, hi_closed=True),
                       "Monte Carlo repeats per grid point"),
    "points": Setting(40, Domain(3.0, 1000.0, integer=True, lo_closed=True, hi_closed=True), "grid points"),
    "steps": Setting(1e4, Domain(2.0, 1e9, lo_closed=True, hi_closed=True), "largest iteration on the epoch axis"),
    "seed": Setting(0, Domain(0.0, 2.0**53, integer=True, lo_closed=True, hi_closed=True),
                    "random seed (SeedSequence; integers up to 2^53 are exact)"),
}


def _size_grid(fixed: int, points: int) -> np.ndarray:
    """The varied count on the model and sample axes: 1 .. 3 x the fixed one."""
    return np.unique(np.round(np.linspace(1, 3 * fixed, points)).astype(int))


def _check_budget(axis: str, counts: dict[str, int], lam: float) -> None:
    """A ``ValueError`` naming the settings to lower if a run would exceed memory or time, before any work."""
    if 0 < lam < MIN_RIDGE:
        raise ValueError(f"lam must be 0 (min-norm) or in [{MIN_RIDGE:g}, {MAX_SCALE:g}], got {lam:g}")
    repeats, n = counts["repeats"], counts["n"]
    if axis == "epoch":
        if repeats * n * 2 > MAX_ENTRIES:
            raise ValueError(f"repeats x n must be at most {MAX_ENTRIES / 2:g} on the epoch axis (memory), "
                             f"got {repeats} x {n}: lower repeats or n")
        return
    fixed_name = "n" if axis == "model" else "p"
    fixed = counts[fixed_name]
    grid = _size_grid(fixed, counts["points"]).astype(float)
    if repeats * fixed * grid[-1] > MAX_ENTRIES:
        raise ValueError(f"repeats x {fixed_name} x 3{fixed_name} must be at most {MAX_ENTRIES:g} (memory of the "
                         f"largest design), got {repeats} x {fixed} x {int(grid[-1])}: lower repeats or {fixed_name}")
    flops = repeats * float(np.sum(fixed * grid * np.minimum(fixed, grid)))
    if flops > MAX_FLOPS:
        raise ValueError(f"repeats, points and {fixed_name} ask for {flops:.2g} operations, more than the budget of "
                         f"{MAX_FLOPS:g} (about half a minute): lower repeats, points or {fixed_name}")


@experiment("double-descent", "Monte Carlo risk vs model size, sample size or epoch, with the closed form",
            SETTINGS)
def run(values: dict[str, float]) -> dict:
    axis = values["axis"]
    counts = {k: int(values[k]) for k in ("n", "p", "repeats", "points", "seed")}
    _check_budget(axis, counts, values["lam"])
    if axis == "epoch":
        return epoch_sweep(counts["n"], values["sigma2"], counts["repeats"], counts["points"], values["steps"],
                           counts["seed"])
    return size_sweep(axis, counts["n"], counts["p"], values["lam"], values["r2"], values["sigma2"],
                      counts["repeats"], counts["points"], counts["seed"])
