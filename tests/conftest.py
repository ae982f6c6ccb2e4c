"""Shared test settings: hypothesis profiles chosen by HYPOTHESIS_PROFILE (default "ci")."""

import os

from hypothesis import HealthCheck, settings

# Batched small LAPACK calls (Monte Carlo over repeats) slow down by 10-100x when OpenBLAS threads fight over
# two busy cores; one thread per process is faster here. Set before NumPy is first imported.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

# ci: derandomized (reproducible) and small; thorough: many random examples, for nightly runs.
settings.register_profile(
    "ci", max_examples=25, deadline=None, derandomize=True, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("thorough", max_examples=400, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
