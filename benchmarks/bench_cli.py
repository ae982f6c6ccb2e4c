"""Cold-process timings of ``circuitcomp eval`` and ``circuitcomp formulas --json`` against importing SymPy and NumPy.

Every command runs as a new process with an empty derivation cache (what a new user meets first),
repeated and interleaved with the baseline ``python -c "import sympy, numpy"`` so that a busy machine
slows all of them alike; the ratios of medians are compared with the targets (eval <= 1.6x,
formulas --json <= 2.8x). CPU time (user + system) is printed beside wall time: on a contended
machine it is the steadier measure. The last row runs eval with one OpenBLAS thread per CPU instead of
the command line's default of one, to show what that default is worth.

    python benchmarks/bench_cli.py [--repeats 7]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

BASELINE = ["-c", "import sympy, numpy"]
EVAL = ["-m", "derivations.cli", "eval", "double_descent.ridge_risk", "gamma=2", "lam=0.1", "r2=1", "sigma2=1"]
CASES = {  # name: (arguments, target ratio, environment)
    "eval double_descent.ridge_risk": (EVAL, 1.6, {}),
    "formulas --json": (["-m", "derivations.cli", "formulas", "--json"], 2.8, {}),
    "eval, a BLAS thread per CPU": (EVAL, None, {"OPENBLAS_NUM_THREADS": str(os.cpu_count())}),
}


def _run(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one new interpreter running ``args``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, *args], env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=7)
    repeats = parser.parse_args().repeats

    from derivations.cache import shipped_records

    if shipped_records() is None:
        print("warning: derivations/derived.json does not match the sources (python -m derivations.cache "
              "--regenerate): these timings include deriving")
    times: dict[str, list[tuple[float, float]]] = {"baseline": [], **{name: [] for name in CASES}}
    with tempfile.TemporaryDirectory() as folder:
        for i in range(repeats + 1):
            for name, (args, _, extra) in [("baseline", (BASELINE, None, {})), *CASES.items()]:
                env = {**os.environ, **extra, "CIRCUITCOMP_CACHE": os.path.join(folder, f"{name}-{i}")}  # empty
                sample = _run(args, env)
                if i:  # the first round only warms the file system cache
                    times[name].append(sample)
    base_wall, base_cpu = (statistics.median(t[k] for t in times["baseline"]) for k in (0, 1))
    print(f"{'':32} {'wall s':>7} {'ratio':>6} {'CPU s':>7} {'ratio':>6} {'target':>7}")
    print(f"{'python -c import sympy, numpy':32} {base_wall:7.2f} {'':6} {base_cpu:7.2f}")
    failed = False
    for name, (_, target, _) in CASES.items():
        wall, cpu = (statistics.median(t[k] for t in times[name]) for k in (0, 1))
        ratios = f"{wall:7.2f} {wall / base_wall:6.2f} {cpu:7.2f} {cpu / base_cpu:6.2f}"
        if target is None:
            print(f"{name:32} {ratios}")
            continue
        verdict = "ok" if wall / base_wall <= target else "SLOW"
        failed |= verdict != "ok"
        print(f"{name:32} {ratios} {target:6.1f}x {verdict}")
    print(f"median of {repeats} cold processes each, interleaved; {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
