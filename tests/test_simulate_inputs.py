"""`circuitcomp simulate grokking` cannot be broken: every setting anywhere in its declared domain, and moderate
random combinations, finish within seconds with finite or null values, or exit 2 with one line naming a setting;
output paths are checked before the run and written atomically."""

import dataclasses
import json
import math
import os
import subprocess
import sys
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from derivations import experiments
from derivations.cli import main
from derivations.experiments import get_experiment

GROKKING = get_experiment("grokking")
BUDGET = 12.0  # seconds per run; each phase stops itself after 50000 steps or 5 s (a few hundred steps is typical)
EXAMPLES = max(8, settings.default.max_examples // 10)


def _run_cli(argv: list[str], capsys) -> tuple[int, str, str, float]:
    start = time.perf_counter()
    code = main(argv)
    elapsed = time.perf_counter() - start
    out, err = capsys.readouterr()
    return code, out, err, elapsed


def _no_nan(text: str) -> dict:
    def refuse(constant: str) -> float:
        if constant == "NaN":
            raise AssertionError("NaN in the output")
        return float(constant)

    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize("args, code, named", [
    (["horizon=1e-300"], 0, None),
    (["lr=1e300"], 0, None),
    (["init_generalizing=1e-30"], 0, None),
    (["horizon=1e300"], 0, None),
    (["weight_decay=1e-300"], 2, "weight_decay"),
    (["weight_decay=1e-12", "retrain_ratio=0.5"], 2, "weight_decay"),
    (["rate_ratio=1e300"], 2, "rate_ratio"),
    (["retrain_ratio=1e-300"], 2, "retrain_ratio"),
    (["horizon=1e300", "retrain_ratio=0.5"], 0, None),
    (["horizon=1e300", "lr=1e10"], 2, "horizon=1e+300 and lr=1e+10"),
])
def test_the_reported_extreme_inputs_finish_or_name_the_setting(args, code, named, capsys):
    status, out, err, elapsed = _run_cli(["simulate", "grokking", *args, "--json"], capsys)
    assert status == code and elapsed < BUDGET
    if code == 0:
        summary = _no_nan(out)
        assert 0 <= summary["final_test_accuracy"] <= 1 and err == ""
    else:
        assert err.count("\n") == 1 and err.startswith("circuitcomp: error:") and named in err
        assert "Traceback" not in err and out == ""


def test_a_tiny_horizon_leaves_the_state_where_it_started():
    # Over 1e-300 steps nothing moves: the accuracies are those of the initial margins (m0 = 1e-2, g0 = 1e-6).
    s = GROKKING(horizon="1e-300")
    assert s["t_memorize"] is None and s["t_generalize"] is None
    assert s["final_train_accuracy"] == pytest.approx(0.5 * math.erfc(-math.log(2 * (1e-2 + 1e-6)) / (0.25 * 2**0.5)),
                                                      rel=1e-12)


def _in_domain(key: str) -> st.SearchStrategy:
    """Log-uniform over a setting's whole declared domain (open ends approached to within double precision)."""
    setting = GROKKING.settings[key]
    lo = math.log10(max(setting.domain.lo, 1e-300))
    hi = math.log10(setting.domain.hi * (0.98 if not setting.domain.hi_closed else 1.0))
    inside = st.floats(lo, hi).map(lambda e: 10.0**e).filter(setting.domain.contains)
    return st.one_of(inside, st.sampled_from(setting.also)) if setting.also else inside


def _moderate(key: str) -> st.SearchStrategy:
    """Within two decades of the default (or of the domain's edge), clipped to the domain."""
    setting = GROKKING.settings[key]
    centre = setting.default or 1.0
    return st.floats(-2, 2).map(lambda e: centre * 10.0**e).filter(setting.domain.contains)


def _check_run(values: dict) -> None:
    start = time.perf_counter()
    try:
        summary = GROKKING(**values)
    except ValueError as exc:
        message = str(exc)
        assert "\n" not in message and any(key in message for key in GROKKING.settings), message
    else:
        summary.pop("trajectory")
        for key, value in summary.items():
            assert value is None or not math.isnan(value), key
            if key.startswith("t_") and not key.endswith("_predicted") and value is not None:
                assert math.isfinite(value) and value >= 0, key
        assert 0 <= summary["final_test_accuracy"] <= 1
    assert time.perf_counter() - start < BUDGET


ONE_EXTREME = st.sampled_from(sorted(GROKKING.settings)).flatmap(
    lambda key: st.tuples(st.just(key), _in_domain(key)))


@settings(max_examples=EXAMPLES)
@given(extreme=ONE_EXTREME, other=ONE_EXTREME)
def test_any_two_settings_anywhere_in_their_domains(extreme, other):
    _check_run(dict([extreme, other]))


@settings(max_examples=EXAMPLES)
@given(st.fixed_dictionaries({key: _moderate(key) for key in GROKKING.settings
                              if key not in ("horizon", "retrain_ratio")},
                             optional={"retrain_ratio": _moderate("retrain_ratio")}))
def test_moderate_random_combinations(values):
    _check_run(values)


def _forbid_run(monkeypatch, name: str) -> None:
    """Replace experiment ``name``'s run by one that fails: the output path must be checked before it."""
    def refuse(values):
        raise AssertionError("the run started before the output path was checked")

    monkeypatch.setitem(experiments._EXPERIMENTS, name, dataclasses.replace(get_experiment(name), run=refuse))


@pytest.fixture
def no_run(monkeypatch):
    _forbid_run(monkeypatch, "grokking")


@pytest.mark.parametrize("path, message", [
    ("", "empty"),
    ("missing-folder/run.csv", "does not exist"),
    ("run.txt", ".csv or .npz"),
    ("run", ".csv or .npz"),
    ("a-file.csv/run.csv", "does not exist"),
    (".", "folder"),
])
def test_bad_output_paths_are_refused_before_the_run(path, message, tmp_path, monkeypatch, capsys, no_run):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a-file.csv").write_text("x")
    (tmp_path / "folder.csv").mkdir()
    target = "folder.csv" if path == "." else path
    status, out, err, _ = _run_cli(["simulate", "grokking", "--out", target], capsys)
    assert status == 2 and err.count("\n") == 1 and "out" in err and message in err and out == ""


def test_an_unwritable_folder_is_refused_before_the_run(tmp_path, capsys, no_run):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    if os.access(locked, os.W_OK):
        pytest.skip("this user may write into a read-only folder (root)")
    status, _, err, _ = _run_cli(["simulate", "grokking", "--out", str(locked / "run.csv")], capsys)
    assert status == 2 and "permission denied" in err


def test_an_experiment_without_a_trajectory_refuses_out_before_running(tmp_path, monkeypatch, capsys):
    def refuse(values):
        raise AssertionError("the run started before --out was refused")

    bare = experiments.Experiment("bare", "an experiment that writes no trajectory", {}, refuse)
    monkeypatch.setitem(experiments._EXPERIMENTS, "bare", bare)
    status, _, err, _ = _run_cli(["simulate", "bare", "--out", str(tmp_path / "x.csv")], capsys)
    assert status == 2 and "no trajectory" in err


def test_a_fresh_process_prints_no_warning_and_one_line_per_error():
    # Warnings (solver retries, overflowing trial states) reach stderr only in a real process, not under pytest.
    runs = [["horizon=1e100", "retrain_ratio=0.5"], ["data_ratio=1e300", "weight_decay=1e10"],
            ["horizon=1e300", "lr=1e10"]]
    code = ("import sys\nfrom derivations.cli import main\n"
            f"codes = [main(['simulate', 'grokking', *args]) for args in {runs!r}]\nprint(codes)")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and p.stdout.splitlines()[-1] == "[0, 0, 2]"
    assert p.stderr.count("\n") == 1 and p.stderr.startswith("circuitcomp: error:"), p.stderr


@pytest.mark.parametrize("suffix", [".csv", ".npz"])
def test_trajectories_are_written_whole_and_nothing_else_is_left(suffix, tmp_path, capsys):
    target = tmp_path / f"run{suffix}"
    status, _, err, _ = _run_cli(["simulate", "grokking", "horizon=100", "--out", str(target)], capsys)
    assert status == 0 and err == ""
    assert [p.name for p in tmp_path.iterdir()] == [target.name]  # no temporary file beside it
    if suffix == ".npz":
        with np.load(target) as archive:
            assert archive["t"][-1] == 100.0 and np.all(np.isfinite(archive["train_accuracy"]))
    else:
        header, *rows = target.read_text().splitlines()
        assert header.startswith("t,") and float(rows[-1].split(",")[0]) == 100.0
