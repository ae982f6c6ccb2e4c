"""Phase-diagram sweeps at 100 x 100 points, each against a plain per-point baseline in the same run.

1. Liu-style phase diagram over D/D_crit and weight decay (squared-loss model).

Fast path: :func:`derivations.grokking.phases.liu_phase_diagram` (all points at once, vectorized Rosenbrock).
Baseline: a plain loop of ``scipy.integrate.solve_ivp`` with default settings (RK45, rtol 1e-3) and
its own event detection, one call per grid point, on the same compiled right-hand side. The baseline
is timed on a random sample of grid points and scaled to the full grid (running all 10,000 takes
hours on the stiff corner). Accuracy: both are compared with an LSODA reference at rtol 1e-9 on the
sample (phase labels and event times).

2. Huang-style equilibrium over (model size, data size) (cross-entropy model): vectorized damped Newton
   on all points against one ``scipy.optimize.minimize`` (L-BFGS-B, analytic gradient) per point;
   accuracy: the largest difference in validation accuracy.

Run: python benchmarks/bench_phase_diagram.py [--grid 100] [--sample 40]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from scipy.integrate import solve_ivp
from scipy.optimize import minimize

from derivations.compile import compile_model
from derivations.grokking.phases import (
    _CE_PARAMS,
    _newton_pieces,
    classify_liu,
    huang_equilibrium,
    huang_model_values,
    liu_phase_diagram,
)
from derivations.grokking.runs import CRITICAL_DATA_SIZE, model_values
from derivations.simulate import Event, simulate
from theory.dynamics import SQUARED_LOSS

HORIZON = 1e5
EVENTS = {"t_memorizer": Event("memorizing_margin", 0.5), "t_generalizer": Event("generalizing_margin", 0.5)}


def _values(ratio: float, lam: float) -> dict:
    return {**model_values(ratio, lam, 1.0, 0.1), "m0": 1e-2, "g0": 1e-6, "sigma": 0.25}


def baseline_point(ratio: float, lam: float) -> tuple[float, float]:
    """One plain solve_ivp call with default method and tolerances; events via solve_ivp's own detection."""
    compiled = compile_model(SQUARED_LOSS)
    vals = {s: v for s, v in SQUARED_LOSS.defaults.items()}
    vals.update({s: _values(ratio, lam)[s.name] for s in SQUARED_LOSS.defaults})
    params = compiled.parameter_values(vals)
    u0 = compiled.initial_state(vals)

    def event(name: str):
        ev = EVENTS[name]

        def crossing(t, u, *p):
            return float(compiled.observe(ev.observable, u, p)) - ev.threshold

        crossing.direction = 1
        return crossing

    sol = solve_ivp(compiled.rhs, (0.0, HORIZON), u0, args=params,
                    events=[event("t_memorizer"), event("t_generalizer")])
    first = [te[0] if te.size else np.inf for te in sol.t_events]
    return first[0], first[1]


def reference_point(ratio: float, lam: float) -> tuple[float, float]:
    tr = simulate(SQUARED_LOSS, HORIZON, _values(ratio, lam), events=EVENTS, n_points=50)
    return tuple(np.inf if tr.events[k] is None else tr.events[k] for k in EVENTS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", type=int, default=100)
    parser.add_argument("--sample", type=int, default=40)
    args = parser.parse_args()
    ratios, lams = np.geomspace(0.2, 100, args.grid), np.geomspace(1e-4, 1, args.grid)
    compile_model(SQUARED_LOSS)  # compile once, outside both timings
    liu_phase_diagram(ratios[:2], lams[:2])  # warm caches

    start = time.perf_counter()
    fast = liu_phase_diagram(ratios, lams, horizon=HORIZON)
    t_fast = time.perf_counter() - start

    rng = np.random.default_rng(0)
    idx = rng.choice(args.grid * args.grid, size=args.sample, replace=False)
    rows, cols = np.unravel_index(idx, (args.grid, args.grid))
    start = time.perf_counter()
    with np.errstate(all="ignore"):  # RK45's rejected trial steps overflow exp() on the stiff corner
        base = [baseline_point(ratios[c], lams[r]) for r, c in zip(rows, cols)]
    t_base_sample = time.perf_counter() - start
    t_base = t_base_sample / args.sample * args.grid**2

    ref = np.array([reference_point(ratios[c], lams[r]) for r, c in zip(rows, cols)])
    base = np.array(base)
    fast_t = np.stack([fast["t_memorizer"][rows, cols], fast["t_generalizer"][rows, cols]], axis=1)
    ref_phase = classify_liu(ref[:, 0], ref[:, 1])
    both = np.isfinite(ref) & np.isfinite(fast_t)
    rel = np.abs(fast_t[both] / ref[both] - 1).max() if both.any() else 0.0
    rel_base = np.abs(base[np.isfinite(base) & np.isfinite(ref)] / ref[np.isfinite(base) & np.isfinite(ref)] - 1)
    print(f"grid {args.grid} x {args.grid} = {args.grid**2} points, horizon {HORIZON:g} steps, "
          f"D_crit {CRITICAL_DATA_SIZE:g}")
    print(f"vectorized ensemble (ROS2, rtol 1e-4):  {t_fast:8.2f} s for all points")
    print(f"plain solve_ivp loop (RK45 defaults):   {t_base_sample:8.2f} s for {args.sample} sampled points "
          f"-> {t_base:8.1f} s estimated for the grid")
    print(f"speed-up: {t_base / t_fast:.0f}x")
    agree = np.mean(fast["phase"][rows, cols] == ref_phase)
    print(f"accuracy vs LSODA rtol 1e-9 on the sample: phases agree {agree:.0%}"
          f" (baseline {np.mean(classify_liu(base[:, 0], base[:, 1]) == ref_phase):.0%}); "
          f"max relative event-time error {rel:.1e} (baseline {rel_base.max() if rel_base.size else 0:.1e})")

    huang(args.grid, 10 * args.sample)


def huang(n: int, sample: int) -> None:
    sizes, data = np.geomspace(4, 300, n), np.geomspace(1000, 12000, n)
    huang_equilibrium(sizes[:2], data[:2])  # compile outside the timing
    start = time.perf_counter()
    fast = huang_equilibrium(sizes, data)
    t_fast = time.perf_counter() - start
    objective, grad, _, accuracy = _newton_pieces()
    rng = np.random.default_rng(1)
    rows, cols = rng.integers(0, n, sample), rng.integers(0, n, sample)
    worst = 0.0
    start = time.perf_counter()
    for r, c in zip(rows, cols):
        values = huang_model_values(sizes[c], data[r])
        params = [float(values[s.name]) for s in _CE_PARAMS]
        res = minimize(lambda w, p=params: objective(*w, *p), x0=[1.0, 1.0], method="L-BFGS-B",
                       jac=lambda w, p=params: np.array(grad(*w, *p)), bounds=[(1e-12, None)] * 2,
                       options={"ftol": 1e-15, "gtol": 1e-10})
        worst = max(worst, abs(accuracy(*res.x, *params)[0] - fast["validation"][r, c]))
    t_base = (time.perf_counter() - start) / sample * n * n
    print(f"\nHuang equilibrium, {n} x {n} points")
    print(f"vectorized damped Newton: {t_fast:8.2f} s;  per-point L-BFGS-B: {t_base:8.1f} s estimated from {sample}"
          f" points;  speed-up {t_base / t_fast:.0f}x;  max |validation difference| {worst:.1e}")


if __name__ == "__main__":
    main()
