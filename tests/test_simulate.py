"""Event detection: crossings between output points are found to solver precision; a start on the threshold
is not a crossing; bad horizons and parameters are refused with the parameter named."""

import numpy as np
import pytest

from derivations.evaluate import evaluate
from derivations.simulate import Event, SimulationError, simulate
from theory.dynamics import CROSS_ENTROPY, SQUARED_LOSS

RISE_AND_FALL = {"up": Event("memorizing_margin", 0.5, +1), "down": Event("test_loss", 0.125, -1)}


def test_an_excursion_inside_one_output_interval_is_found():
    # Three output points (t = 0, 0.1, 1e5): the memorizer rises past 0.5 near t = 12 and the generalizer takes
    # over near t = 6e3 (test loss through (y/2)^2 / 2 = 0.125), both inside the last interval. Scanning
    # the solver's own steps must find both crossings.
    coarse = simulate(SQUARED_LOSS, 1e5, events=RISE_AND_FALL, n_points=3)
    fine = simulate(SQUARED_LOSS, 1e5, events=RISE_AND_FALL, n_points=4000)
    assert coarse.observables["memorizing_margin"].max() < 0.5  # invisible at the output points
    for key in RISE_AND_FALL:
        assert coarse.events[key] == pytest.approx(fine.events[key], rel=1e-8)
    assert 0 < coarse.events["up"] < 100 < coarse.events["down"]
    # The memorizer reaches y/2 at the logistic time (the generalizer is negligible this early).
    predicted = evaluate("grokking.t_memorize", m0=1e-2, y=1.0, lam=0.01, c_m=0.1, D=100.0, eta_m=1.0)
    assert coarse.events["up"] == pytest.approx(predicted, rel=1e-3)


def test_a_start_on_the_threshold_is_not_a_crossing():
    # The test margin w_G - w_M starts at exactly 0 (both strengths 0), dips below as the memorizer grows, and
    # crosses 0 upward only when the generalizer takes over: that later time is the event, not t = 0.
    tr = simulate(CROSS_ENTROPY, 6e4, events={"flip": Event("test_margin", 0.0, +1)}, n_points=200)
    assert tr.observables["test_margin"][0] == 0.0
    flip = tr.events["flip"]
    assert flip is not None and flip > 1000
    before, after = tr.t < 0.99 * flip, tr.t > 1.01 * flip
    assert np.all(tr.observables["test_margin"][before][1:] < 0) and np.all(tr.observables["test_margin"][after] > 0)


def test_a_start_already_beyond_the_threshold_is_the_start_time():
    tr = simulate(SQUARED_LOSS, 10.0, events={"low": Event("test_accuracy", 0.5, -1)}, n_points=5)
    assert tr.events["low"] == 0.0


def test_an_event_that_never_happens_is_none():
    tr = simulate(SQUARED_LOSS, 1e4, {"D": 20.0}, events={"gen": Event("test_accuracy", 0.5)}, n_points=10)
    assert tr.events["gen"] is None


@pytest.mark.parametrize("values, match", [({"lam": -1.0}, "lam"), ({"no_such": 1.0}, "no_such")])
def test_bad_parameters_are_named(values, match):
    with pytest.raises(ValueError, match=match):
        simulate(SQUARED_LOSS, 10.0, values)


@pytest.mark.parametrize("t_end", [0.0, float("inf")])
def test_bad_horizon(t_end):
    with pytest.raises(ValueError, match="t_end"):
        simulate(SQUARED_LOSS, t_end)


def test_trajectory_files(tmp_path):
    tr = simulate(SQUARED_LOSS, 100.0, n_points=5)
    tr.write(tmp_path / "run.csv")
    tr.write(tmp_path / "run.npz")
    header, *rows = (tmp_path / "run.csv").read_text().splitlines()
    assert header.split(",")[0] == "t" and len(rows) == 5
    with np.load(tmp_path / "run.npz") as archive:
        assert np.array_equal(archive["train_accuracy"], tr.observables["train_accuracy"])
    with pytest.raises(ValueError, match="csv or .npz"):
        tr.write(tmp_path / "run.txt")


def test_trajectory_files_replace_an_old_file_whole(tmp_path):
    target = tmp_path / "run.csv"
    target.write_text("old")
    simulate(SQUARED_LOSS, 100.0, n_points=5).write(target)
    assert target.read_text().startswith("t,") and [p.name for p in tmp_path.iterdir()] == ["run.csv"]


@pytest.mark.parametrize("bound, match", [({"max_steps": 5}, "5 steps"), ({"max_seconds": 0.0}, "0 s")])
def test_work_is_bounded(bound, match):
    with pytest.raises(SimulationError, match=match):
        simulate(SQUARED_LOSS, 1e5, **bound)


@pytest.mark.parametrize("k", [1e-250, 1e250])
def test_event_times_scale_inversely_with_the_learning_rates(k):
    # The flow is linear in (eta_m, eta_g): multiplying both by k runs the same path k times faster. At 1e+-250
    # this holds only if the solver's time unit follows the rates (no subnormal or overflowing steps).
    base = simulate(SQUARED_LOSS, 1e5, events=RISE_AND_FALL, n_points=5)
    fast = simulate(SQUARED_LOSS, 1e5 / k, {"eta_m": k, "eta_g": 0.1 * k}, events=RISE_AND_FALL, n_points=5)
    for key in RISE_AND_FALL:
        assert fast.events[key] * k == pytest.approx(base.events[key], rel=1e-6)
    assert fast.u[:, -1] == pytest.approx(base.u[:, -1], rel=1e-6)


def test_a_late_start_keeps_its_resolution():
    # The solver runs in local time: a start at 1e300 integrates the same path as a start at 0.
    early = simulate(SQUARED_LOSS, 1e4, n_points=5)
    late = simulate(SQUARED_LOSS, 1e300 + 1e286, t_start=1e300, n_points=5)
    assert late.t[0] == 1e300 and late.t[-1] == 1e300 + 1e286
    assert np.all(np.isfinite(late.u)) and late.u[1, -1] == pytest.approx(early.u[1, -1], rel=1e-6)


def test_a_step_that_overflows_is_retried_not_accepted():
    # A generalizer seeded at 1e-30 takes over late, after long steps: a trial step past the takeover overflows
    # exp() (NaN that the solver would accept). The run must match the closed-form grokking time instead.
    values = {"g0": 1e-30, "lam": 0.01, "D": 100.0}
    tr = simulate(SQUARED_LOSS, 1e5, values, events={"gen": Event("test_accuracy", 0.5)}, n_points=20)
    predicted = evaluate("grokking.t_generalize", m0=1e-2, g0=1e-30, y=1.0, lam=0.01, c_m=0.1, c_g=5.0, D=100.0,
                         eta_m=1.0, eta_g=0.1)
    assert np.all(np.isfinite(tr.u)) and tr.events["gen"] == pytest.approx(predicted, rel=0.02)
