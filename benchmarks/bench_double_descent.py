"""Double-descent closed forms over 10^6 points against hand-written NumPy, and a Monte Carlo figure's cost.

For each curve three timings over the same 10^6 random in-domain points:

* ``compiled``: the registered SymPy expression compiled by ``derivations.compile.compile_expr``;
* ``evaluate``: ``derivations.evaluate.evaluate`` (compiled call plus domain and constraint checks);
* ``numpy``: the baseline, the formula typed directly in NumPy (only here, as the yardstick).

The ratios compiled/numpy and evaluate/numpy are printed (target: compiled within 2x); the two
results must agree to 1e-9. Then the time of one Monte Carlo figure (``dd_hastie``, full size).

Run: python benchmarks/bench_double_descent.py [--points 1000000] [--repeats 7]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

from derivations.compile import compile_expr
from derivations.evaluate import evaluate
from figures.registry import get_figure
from theory.registry import get


def _best_of(repeats: int, fn: Callable[[], np.ndarray]) -> tuple[float, np.ndarray]:
    best, out = np.inf, None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


# --- baselines: the formulas typed by hand ------------------------------------------------------------
def ridgeless_numpy(gamma, r2, sigma2):
    with np.errstate(divide="ignore"):
        under = sigma2 * gamma / (1 - gamma)
        over = r2 * (1 - 1 / gamma) + sigma2 / (gamma - 1)
    return np.where(gamma < 1, under, np.where(gamma == 1, np.inf, over))


def ridge_numpy(gamma, lam, r2, sigma2):
    root = np.sqrt((1 - gamma + lam) ** 2 + 4 * gamma * lam)
    bias = r2 * ((gamma - 1) ** 2 + gamma * lam + lam + (gamma - 1) * root) / (2 * gamma * root)
    variance = sigma2 * (gamma + lam + 1 - root) / (2 * root)
    return bias + variance


def optimal_ridge_numpy(gamma, r2, sigma2):
    return (r2 * (gamma - 1) - sigma2 * gamma + np.sqrt((r2 * (1 - gamma) + sigma2 * gamma) ** 2
                                                         + 4 * gamma**2 * r2 * sigma2)) / (2 * gamma)


def finite_sample_numpy(n, p, r2, sigma2):
    with np.errstate(divide="ignore"):
        under = sigma2 * p / (n - p - 1)
        over = r2 * (1 - n / p) + sigma2 * n / (p - n - 1)
    return np.where(p <= n - 2, under, np.where(p >= n + 2, over, np.inf))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(np.random.SeedSequence(2024))
    size = args.points
    gamma = np.exp(rng.uniform(np.log(0.05), np.log(20), size))
    lam = np.exp(rng.uniform(np.log(1e-4), np.log(10), size))
    r2, sigma2 = rng.uniform(0.1, 5, size), rng.uniform(0.1, 2, size)
    n = rng.integers(5, 500, size).astype(float)
    p = rng.integers(1, 1000, size).astype(float)
    cases = [
        ("double_descent.ridgeless_risk", {"gamma": gamma, "r2": r2, "sigma2": sigma2}, ridgeless_numpy),
        ("double_descent.ridge_risk", {"gamma": gamma, "lam": lam, "r2": r2, "sigma2": sigma2}, ridge_numpy),
        ("double_descent.optimal_ridge_risk", {"gamma": gamma, "r2": r2, "sigma2": sigma2}, optimal_ridge_numpy),
        ("double_descent.finite_sample_risk", {"n": n, "p": p, "r2": r2, "sigma2": sigma2}, finite_sample_numpy),
    ]
    print(f"{'formula':<36} {'numpy s':>9} {'compiled s':>11} {'ratio':>6} {'evaluate s':>11} {'ratio':>6}")
    for name, values, baseline in cases:
        formula = get(name)
        compiled = compile_expr(formula.symbols, formula.expr)
        ordered = [values[q.name] for q in formula.params]
        t_numpy, expected = _best_of(args.repeats, lambda f=baseline, v=values: f(**v))
        with np.errstate(divide="ignore", invalid="ignore"):
            t_compiled, got = _best_of(args.repeats, lambda f=compiled, a=ordered: f(*a))
        t_eval, _ = _best_of(1, lambda f=name, v=values: evaluate(f, **v))
        finite = np.isfinite(expected)
        if not (np.array_equal(np.isinf(got), ~finite) and np.allclose(got[finite], expected[finite], rtol=1e-9)):
            raise AssertionError(f"{name}: compiled and hand-written results differ")
        print(f"{name:<36} {t_numpy:9.3f} {t_compiled:11.3f} {t_compiled / t_numpy:6.2f} {t_eval:11.3f} "
              f"{t_eval / t_numpy:6.1f}")
    spec = get_figure("dd_hastie")
    start = time.perf_counter()
    spec.compute(False)
    print(f"Monte Carlo figure dd_hastie (full size): {time.perf_counter() - start:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
