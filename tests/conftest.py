"""Shared test settings: hypothesis profiles chosen by HYPOTHESIS_PROFILE (default "ci"); the background check of
the shipped derivations. Figure data shared by tests: tests/figure_arrays.py."""

import os
import subprocess
import sys

import pytest
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


FRESH_DERIVATION_TEST = "test_the_shipped_file_is_a_fresh_derivation"


def pytest_collection_modifyitems(items):
    """The test that waits for the background derivation runs last, so the rest of the suite overlaps it."""
    items.sort(key=lambda item: item.name == FRESH_DERIVATION_TEST)


@pytest.fixture(scope="session", autouse=True)
def shipped_derivations_check(request):
    """The process deriving everything afresh to compare with derivations/derived.json (tests/test_cache.py).

    It takes about 10 s of CPU, so it starts with the session when that test is selected and runs on the
    other core while the rest of the suite runs.
    """
    if not any(item.name == FRESH_DERIVATION_TEST for item in request.session.items):
        yield None
        return
    process = subprocess.Popen([sys.executable, "-m", "derivations.cache", "--check"], text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    yield process
    process.kill()
    process.communicate()
