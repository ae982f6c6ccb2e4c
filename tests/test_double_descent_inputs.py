"""``simulate double-descent`` on extreme input: a one-line error naming the setting and its domain, or a finite
answer (inf only where the expectation itself is infinite), at once; never a traceback, a hang or NaN."""

import math
import time

import numpy as np
import pytest

from derivations import cli
from derivations.double_descent import experiment as dd_exp
from derivations.experiments import get_experiment

EXTREMES = ["0", "1e-300", "1e300", "inf", "-inf", "nan", "-1", "1e20", "9223372036854775808", "1.5", "1e6", "abc", ""]
# The setting, and an axis on which it matters; small runs so that every accepted value finishes in moments.
SETTINGS = [("n", "model"), ("n", "epoch"), ("p", "sample"), ("lam", "model"), ("r2", "sample"), ("sigma2", "model"),
            ("sigma2", "epoch"), ("repeats", "model"), ("repeats", "epoch"), ("points", "sample"), ("steps", "epoch"),
            ("seed", "model")]
SMALL = {"repeats": 3, "points": 5}


def _numbers(value: object) -> list[float]:
    """Every float in a result (nested lists and arrays flattened)."""
    if isinstance(value, dict):
        return [x for v in value.values() for x in _numbers(v)]
    if isinstance(value, (list, tuple, np.ndarray)):
        return [x for v in value for x in _numbers(v)]
    if isinstance(value, (float, np.floating)):
        return [float(value)]
    return []


@pytest.mark.parametrize("value", EXTREMES)
@pytest.mark.parametrize(("key", "axis"), SETTINGS)
def test_extreme_values_fail_naming_the_setting_or_give_no_nan(key, axis, value):
    run = get_experiment("double-descent")
    given = {**SMALL, "axis": axis, key: value}
    start = time.perf_counter()
    try:
        out = run(**given)
    except ValueError as exc:
        message = str(exc)
        assert message.startswith(f"{key} must") or message.startswith("repeats"), message
        assert "\n" not in message and ("[" in message or "(" in message)  # the domain is stated
    else:
        assert not any(math.isnan(x) for x in _numbers(out))
        assert out["axis"] == axis
    assert time.perf_counter() - start < 20


@pytest.mark.parametrize(("given", "named"), [
    ({"axis": "model", "n": 1e20}, "n must be in integers in [1, 2000]"),
    ({"axis": "sample", "p": 1e20}, "p must be in integers in [1, 2000]"),
    ({"axis": "epoch", "steps": 1e30}, "steps must be in [2, 1e+09]"),
    ({"axis": "model", "n": 2 ** 63}, "n must be in integers in [1, 2000]"),
    ({"axis": "model", "lam": 1e-300}, "lam must be 0 (min-norm) or in [1e-08"),
    ({"axis": "model", "seed": 2.0 ** 60}, "seed must be in integers in [0, "),  # beyond 2^53 a float seed is inexact
])
def test_reported_cases_name_the_setting_and_its_domain(given, named):
    with pytest.raises(ValueError) as caught:
        get_experiment("double-descent")(**given)
    assert str(caught.value).startswith(named)


@pytest.mark.parametrize(("given", "names"), [
    ({"axis": "model", "n": 2000}, ("repeats", "n")),  # memory: 100 designs of 2000 x 6000
    ({"axis": "sample", "p": 1000, "repeats": 4, "points": 1000}, ("repeats", "points", "p")),  # work
    ({"axis": "epoch", "n": 2000, "repeats": 10 ** 6}, ("repeats", "n")),
])
def test_runs_beyond_the_memory_or_work_budget_are_refused_before_any_work(given, names):
    start = time.perf_counter()
    with pytest.raises(ValueError) as caught:
        get_experiment("double-descent")(**given)
    assert time.perf_counter() - start < 1
    assert all(name in str(caught.value) for name in names)


def test_budget_admits_the_largest_counts_with_few_repeats():
    # The budget is on the work, not on n alone: the largest n runs when the rest is small.
    dd_exp._check_budget("model", {"n": 1000, "p": 40, "repeats": 4, "points": 3, "seed": 0}, 0.0)
    dd_exp._check_budget("epoch", {"n": 2000, "p": 40, "repeats": 6000, "points": 40, "seed": 0}, 0.0)


def test_diverging_gradient_descent_is_reported_as_inf_not_nan():
    # n = 1: the sample Hessian x x' exceeds 2/eta = 20 for about 1 draw in 10^5 and gradient descent diverges
    # (seed 0 draws two such among 2 10^5).
    out = get_experiment("double-descent")(axis="epoch", n=1, repeats=200000, points=3, steps=1e6)
    assert out["diverged_repeats"] > 0
    assert np.isposinf(out["mc_risk"][-1]) and np.isposinf(out["mc_se"][-1])
    assert not any(math.isnan(x) for x in _numbers(out))


@pytest.mark.parametrize("args", [["axis=model", "n=1e20"], ["axis=sample", "p=1e20"], ["axis=epoch", "steps=1e30"]])
def test_cli_exits_2_with_one_line(args, capsys):
    # In process (tests/test_simulate_inputs.py runs the console script itself in a fresh process).
    assert cli.main(["simulate", "double-descent", *args]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("circuitcomp: error: " + args[1].split("=")[0] + " must")
