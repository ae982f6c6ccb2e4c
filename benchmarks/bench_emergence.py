"""Multi-task emergence curve: the package's path against a plain per-point baseline in the same run.

Fast path: :func:`derivations.emergence.multitask.multitask_equilibrium` (Huang's vectorized damped
Newton at the spare model sizes). Baseline: one ``scipy.optimize.minimize`` (L-BFGS-B, analytic
gradient) per model size on the same compiled objective. Accuracy: the largest difference in
validation accuracy between the two.

Run: python benchmarks/bench_emergence.py [--points 400] [--repeats 3]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import sympy as sp
from scipy.optimize import minimize

from derivations.compile import compile_expr
from derivations.emergence.multitask import multitask_equilibrium
from derivations.grokking.phases import HuangSetting
from theory import circuits
from theory.dynamics import CROSS_ENTROPY
from theory.symbols import P_G, P_M, B_crit, D, M, beta_m, f, kappa, lam, nu, p, q, w_G, w_M


def baseline(spare: np.ndarray, data: float, setting: HuangSetting) -> np.ndarray:
    """Validation accuracy by one L-BFGS-B run per model size (w_G held at 0 where there is no spare room)."""
    cv = setting.curve_values()
    norms = compile_expr((M, D, B_crit, nu, beta_m), [
        circuits.generalization_norm_of_model,
        circuits.memorization_norm_of_model.subs(circuits.memorizable_fraction, 1)])
    objective = CROSS_ENTROPY.objective.subs(f, 1)
    args = (w_G, w_M, q, lam, p, kappa, P_G, P_M)
    value = compile_expr(args, objective)
    gradient = compile_expr(args, [sp.diff(objective, v) for v in (w_G, w_M)])
    accuracy = compile_expr(args, CROSS_ENTROPY.observables["test_accuracy"].subs(f, 1))
    out = np.empty_like(spare)
    for i, m_s in enumerate(spare):
        p_g, p_m = norms(m_s if m_s > 0 else 1.0, data, cv["B_crit"], cv["nu"], setting.beta)
        par = (setting.q, setting.lam, setting.p, setting.kappa, p_g, p_m)
        res = minimize(lambda x, a=par: value(*x, *a), [1.0, 1.0], jac=lambda x, a=par: np.array(gradient(*x, *a)),
                       bounds=[(1e-12, None) if m_s > 0 else (1e-12, 1e-12), (1e-12, None)], method="L-BFGS-B",
                       options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 5000})
        out[i] = accuracy(*res.x, *par)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=400)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    setting = HuangSetting()
    sizes = np.geomspace(4.0, 1e4, args.points)
    fast_times, base_times = [], []
    for _ in range(args.repeats):
        start = time.perf_counter()
        ours = multitask_equilibrium(sizes, 3000.0, 6000.0, setting)
        fast_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        reference = baseline(ours["spare_model_size"], 3000.0, setting)
        base_times.append(time.perf_counter() - start)
    fast, base = min(fast_times), min(base_times)
    print(f"multi-task equilibrium, {args.points} model sizes (best of {args.repeats})")
    print(f"  package (vectorized Newton): {fast * 1e3:8.1f} ms")
    print(f"  baseline (L-BFGS-B per point): {base * 1e3:6.1f} ms")
    print(f"  speed-up: x{base / fast:.1f}; max |validation difference| = "
          f"{np.max(np.abs(ours['validation'] - reference)):.2e}")


if __name__ == "__main__":
    main()
