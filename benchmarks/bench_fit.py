"""The Chinchilla fit over Hoffmann et al.'s full grid of 4500 starts, against a plain per-start loop, same run.

Fast path: :func:`derivations.scaling.fit.fit_grid` (all starts in one batched L-BFGS with successive pruning, Newton
polish of the best); also shown without pruning, to check that pruning does not change the optimum.
Baseline: a loop calling ``scipy.optimize.minimize(method="L-BFGS-B")`` once per start with default
tolerances and the analytic gradient from the same compiled SymPy objective (the replication's procedure,
with gradients instead of finite differences). Both fit the packaged CSV after the replication's outlier
rule. Printed: both wall times, the speed ratio, both best objectives and their relative difference.

BLAS runs single-threaded for both: on a 5-parameter problem OpenBLAS threads only contend (on a busy
2-core machine they made each L-BFGS-B iteration ~50x slower), which would flatter the batched path.

Run: python benchmarks/bench_fit.py [--stride 1]   (stride k uses every k-th start, for a quick look)
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # before NumPy loads BLAS

import argparse  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from scipy.optimize import minimize  # noqa: E402

from derivations.scaling.fit import DATA_FILE, HUBER_DELTA, fit_grid, grid_starts, huber_objective, read_runs  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stride", type=int, default=1, help="use every k-th start of the grid")
    args = parser.parse_args()
    data = read_runs(DATA_FILE)
    starts = grid_starts(args.stride)
    objective = huber_objective()
    fit_grid(data, starts[:2])  # compile outside the timings

    t0 = time.perf_counter()
    fast = fit_grid(data, starts)
    t_fast = time.perf_counter() - t0
    t0 = time.perf_counter()
    unpruned = fit_grid(data, starts, prune=())
    t_unpruned = time.perf_counter() - t0

    run_args = (data.log_N, data.log_D, data.log_L, HUBER_DELTA)

    def value_and_gradient(x: np.ndarray) -> tuple[float, np.ndarray]:
        out = objective.first(*x, *run_args)
        return float(np.sum(out[0])), np.array([np.sum(o) for o in out[1:]])

    t0 = time.perf_counter()
    best, converged = np.inf, 0
    with np.errstate(all="ignore"):
        for x0 in starts:
            res = minimize(value_and_gradient, x0, jac=True, method="L-BFGS-B")
            converged += bool(res.success)
            if res.success and res.fun < best:
                best = float(res.fun)
    t_loop = time.perf_counter() - t0

    print(f"starts: {len(starts)}, runs: {data.n}")
    print(f"batched L-BFGS + Newton polish: {t_fast:8.2f} s   best objective {fast.objective:.12e}")
    print(f"  same, no pruning:             {t_unpruned:8.2f} s   best objective {unpruned.objective:.12e}")
    print(f"scipy L-BFGS-B loop:            {t_loop:8.2f} s   best objective {best:.12e} "
          f"({converged} of {len(starts)} starts report success)")
    print(f"speed-up: {t_loop / t_fast:.1f}x   relative objective difference (loop - batched)/batched: "
          f"{(best - fast.objective) / fast.objective:.2e}")


if __name__ == "__main__":
    main()
