"""`circuitcomp fit grokking` against a plain maximum-likelihood fit written the obvious way, in the same run.

Fast path: :func:`derivations.grokking.fit.fit_runs`, the command's fit (the registered closed forms and their
SymPy gradients compiled once into one NumPy function, the censored log-normal likelihood with its exact
gradient, SLSQP from six starts), and a bootstrap of ``--draws`` refits. Baseline: the same likelihood from
``scipy.stats.norm.logpdf``/``logsf`` with the times from ``derivations.evaluate.evaluate`` on the same registered
forms (domain checks at every call), minimized by ``scipy.optimize.minimize(method="L-BFGS-B")`` with
finite-difference gradients from the same starts. Printed beside the times: both optima's log-likelihoods.

Runs: the shipped real runs (``--runs`` another CSV). Times are process CPU seconds, best of ``--repeat``
(steadier than wall time on a shared machine); BLAS single-threaded.

Run: python benchmarks/bench_grokking_fit.py [--runs FILE.csv] [--draws 100] [--repeat 3]
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # before NumPy loads BLAS

import argparse  # noqa: E402
import math  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from scipy.optimize import minimize  # noqa: E402
from scipy.stats import norm  # noqa: E402
from timing import cpu_best  # noqa: E402

from derivations.evaluate import evaluate  # noqa: E402
from derivations.grokking import fit  # noqa: E402
from derivations.grokking.fit_command import DATA_FILE  # noqa: E402
from derivations.grokking.rundata import Runs, read_runs  # noqa: E402


def plain_log_likelihood(x: np.ndarray, runs: Runs) -> float:
    """The censored log-normal log-likelihood, evaluated formula by formula on the runs the model allows."""
    f_crit, kappa, rate_m, rate_g, m0, s_m, s_g = np.exp(x)
    lam = kappa * runs.weight_decay
    memorizes = lam * runs.fraction < 1
    grokks = memorizes & (runs.fraction > f_crit)
    tm, tg = np.full(runs.n, np.inf), np.full(runs.n, np.inf)
    common = {"y": 1.0, "c_m": 1.0, "m0": m0}
    try:
        tm[memorizes] = evaluate("grokking.t_memorize", lam=lam[memorizes], D=runs.fraction[memorizes],
                                 eta_m=rate_m * runs.lr[memorizes], **common)
        tg[grokks] = evaluate("grokking.t_generalize", lam=lam[grokks], D=runs.fraction[grokks], c_g=f_crit,
                              eta_m=rate_m * runs.lr[grokks], eta_g=rate_g * runs.lr[grokks], g0=fit.INIT_GENERALIZING,
                              **common)
    except ValueError:
        return -math.inf
    tg = np.where(grokks & (tg <= tm), tm, tg)
    total = 0.0
    for t, predicted, s in ((runs.t_memorize, tm, s_m), (runs.t_generalize, tg, s_g)):
        seen = np.isfinite(t)
        with np.errstate(divide="ignore"):
            mu = np.log(predicted)
        total += norm.logpdf(np.log(t[seen]), mu[seen], s).sum()
        total += norm.logsf(np.log(runs.steps[~seen]), mu[~seen], s).sum()
    return float(total)


def plain_fit(runs: Runs) -> tuple[np.ndarray, float]:
    bounds = fit._bounds(runs)

    def objective(x: np.ndarray) -> float:
        value = plain_log_likelihood(x, runs)
        return -value if math.isfinite(value) else 1e300

    best = None
    for start in fit._starts(runs, bounds):
        res = minimize(objective, np.clip(start, *np.array(bounds).T), method="L-BFGS-B", bounds=bounds)
        if best is None or res.fun < best.fun:
            best = res
    return best.x, -float(best.fun)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", default=str(DATA_FILE), help="CSV of runs (default: the shipped real runs)")
    parser.add_argument("--draws", type=int, default=100, help="bootstrap refits to time")
    parser.add_argument("--repeat", type=int, default=3, help="best of this many timings")
    args = parser.parse_args()
    if args.draws < 0 or args.repeat < 1:
        parser.error("--draws must be >= 0 and --repeat >= 1")
    runs = read_runs(args.runs).distinct()  # as the command counts them: one row per run
    t0 = time.process_time()
    fit._compiled()  # derived and compiled once per process: timed apart from the fits
    compile_seconds = time.process_time() - t0
    fast_seconds, fast = cpu_best(lambda: fit.fit_runs(runs), args.repeat)
    plain_seconds, (plain_x, plain_ll) = cpu_best(lambda: plain_fit(runs), args.repeat)
    print(f"{runs.n} runs from {args.runs}")
    print(f"  fit (compiled forms + exact gradients, SLSQP): {fast_seconds:.3f} s CPU, log-likelihood "
          f"{fast.log_likelihood:.6f}  (+ {compile_seconds:.2f} s to derive and compile the gradients, once)")
    print(f"  plain (evaluate + scipy.stats, L-BFGS-B with finite differences): {plain_seconds:.3f} s CPU, "
          f"log-likelihood {plain_ll:.6f}")
    print(f"  speed-up {plain_seconds / fast_seconds:.1f}x; log-likelihood difference "
          f"{fast.log_likelihood - plain_ll:+.2e} (positive: the fast fit found the higher maximum)")
    print(f"  plain log-likelihood at the fast optimum {plain_log_likelihood(fast.x, runs):.6f} (same function)")
    if args.draws:
        seconds, _ = cpu_best(lambda: fit.bootstrap(runs, fast, args.draws), 1)
        print(f"  bootstrap: {args.draws} refits in {seconds:.2f} s CPU ({1e3 * seconds / args.draws:.0f} ms each)")


if __name__ == "__main__":
    main()
