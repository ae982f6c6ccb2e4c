"""`circuitcomp fit chinchilla` against a plain per-start loop of scipy L-BFGS-B, in the same run.

Fast path: :func:`derivations.scaling.fit.fit_chinchilla` without bootstrap, the command's whole fit (Hoffmann
et al.'s 4500-start grid as one pruned, batched L-BFGS with Newton polish, then the Huber-likelihood
estimate), and the grid search alone. Baseline: for each start, ``scipy.optimize.minimize(method="L-BFGS-B")``
with default tolerances on a hand-written NumPy objective and gradient (sum of Huber(delta = 1e-3) of the
log-loss residuals, log-sum-exp prediction): the replication's procedure with an analytic gradient. The
baseline is timed on every k-th start (``--baseline-stride``, default 10) and extrapolated to the 4500
starts; the printout says so. Both fit the packaged CSV after the replication's outlier rule.

Also printed: the wall time of the whole command in a fresh process, start-up and imports included.
Checks printed beside the times: the hand-written objective equals the package's SymPy-compiled one at the
optimum; the baseline's best objective and the fast one agree; running every start to convergence (no
pruning, no iteration cap) finds the same optimum as the pruned search.

BLAS runs single-threaded for both: on a 5-parameter problem OpenBLAS threads only contend (on a busy
2-core machine they made each L-BFGS-B iteration ~50x slower), which would flatter the batched path.
Times are process CPU seconds (steadier than wall time on a shared machine), best of ``--repeat``.

Run: python benchmarks/bench_fit.py [--baseline-stride 10] [--repeat 3]
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # before NumPy loads BLAS

import argparse  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

import numpy as np  # noqa: E402
from scipy.optimize import minimize  # noqa: E402
from timing import cpu_best  # noqa: E402

from derivations.scaling import fit  # noqa: E402


def handwritten(data: fit.RunData, delta: float = fit.HUBER_DELTA) -> Callable[[np.ndarray], tuple[float, np.ndarray]]:
    """Sum of Huber(log-sum-exp prediction - log loss) and its gradient in (log A, log B, log E, alpha, beta)."""
    log_n, log_d, log_l = data.log_N, data.log_D, data.log_L

    def value_and_gradient(x: np.ndarray) -> tuple[float, np.ndarray]:
        log_a, log_b, log_e, a, b = x
        t1, t2 = log_a - a * log_n, log_b - b * log_d
        top = np.maximum(np.maximum(t1, t2), log_e)
        e1, e2, e3 = np.exp(t1 - top), np.exp(t2 - top), np.exp(log_e - top)
        total = e1 + e2 + e3
        r = top + np.log(total) - log_l
        quadratic = np.abs(r) <= delta
        value = np.where(quadratic, 0.5 * r * r, delta * (np.abs(r) - 0.5 * delta)).sum()
        slope = np.where(quadratic, r, delta * np.sign(r)) / total
        w1, w2 = slope * e1, slope * e2
        return float(value), np.array([w1.sum(), w2.sum(), (slope * e3).sum(), -(w1 @ log_n), -(w2 @ log_d)])

    return value_and_gradient


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline-stride", type=int, default=10, help="time the baseline on every k-th start")
    parser.add_argument("--repeat", type=int, default=3, help="best of this many timings of the fast path")
    args = parser.parse_args()
    if args.baseline_stride < 1 or args.repeat < 1:
        parser.error("--baseline-stride and --repeat must be >= 1")
    data = fit.read_runs(fit.DATA_FILE)
    starts = fit.grid_starts()
    fit.fit_chinchilla(data, progress=False)  # compile outside the timings

    t_fit, result = cpu_best(lambda: fit.fit_chinchilla(data, progress=False), args.repeat)
    t_grid, grid = cpu_best(lambda: fit.fit_grid(data), args.repeat)
    t0 = time.process_time()
    exhaustive = fit.fit_grid(data, prune=(), iterations=1000)
    t_exhaustive = time.process_time() - t0

    value_and_gradient = handwritten(data)
    sample = starts[:: args.baseline_stride]
    t0 = time.process_time()
    best, converged = np.inf, 0
    with np.errstate(all="ignore"):
        for x0 in sample:
            res = minimize(value_and_gradient, x0, jac=True, method="L-BFGS-B")
            converged += bool(res.success)
            if res.success and res.fun < best:
                best = float(res.fun)
    t_loop = (time.process_time() - t0) * len(starts) / len(sample)

    t0, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-m", "derivations.cli", "fit", "chinchilla", "--json"], check=True,
                   stdout=subprocess.DEVNULL)
    t_command = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_command = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime

    compiled = fit.huber_objective()(grid.theta, data)[0][0]
    print(f"starts: {len(starts)}, runs: {data.n}; CPU seconds, fast path best of {args.repeat}")
    print(f"fit chinchilla (grid + likelihood):  {t_fit:8.3f} s   A = {result['A']:.3f}, B = {result['B']:.2f}")
    print(f"  grid search alone:                 {t_grid:8.3f} s   best objective {grid.objective:.12e}")
    print(f"  every start to convergence:        {t_exhaustive:8.3f} s   best objective {exhaustive.objective:.12e}")
    print(f"scipy L-BFGS-B loop, hand-written:   {t_loop:8.3f} s   best objective {best:.12e} "
          f"(timed on {len(sample)} starts, every {args.baseline_stride}th, x{len(starts) / len(sample):g}; "
          f"{converged} report success)")
    print(f"hand-written vs compiled objective at the optimum: {value_and_gradient(grid.theta)[0]:.15e} vs "
          f"{compiled:.15e}")
    print(f"relative objective differences: loop {(best - grid.objective) / grid.objective:.1e}, "
          f"exhaustive {(exhaustive.objective - grid.objective) / grid.objective:.1e}")
    print(f"speed-up over the loop: fit chinchilla {t_loop / t_fit:.0f}x, grid search {t_loop / t_grid:.0f}x")
    print(f"the whole command in a fresh process (start-up and imports included): {cpu_command:.2f} s CPU, "
          f"{t_command:.2f} s wall")


if __name__ == "__main__":
    main()
