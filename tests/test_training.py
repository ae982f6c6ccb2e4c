"""Real training: settings validation, the split, the run store and its CSV (no torch), and small seeded runs
(torch; skipped without the ``training`` extra)."""

from __future__ import annotations

import csv
import importlib.util
import json
import sqlite3

import numpy as np
import pytest

from derivations.cli import main
from derivations.training import INSTALL_HINT, resolve_settings, store
from derivations.training.task import split

SMALL = {"p": 23, "fraction": 0.5, "weight_decay": 1, "steps": 100}  # memorizes in about 40 steps, never generalizes


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# --- settings -------------------------------------------------------------------------------------------------

def test_defaults_are_the_documented_set_up():
    values = resolve_settings({})
    assert values == {"p": 97, "fraction": 0.5, "weight_decay": 1.0, "lr": 3e-3, "steps": 10000, "seed": 0,
                      "width": 128, "embed": 64, "model": "mlp", "eval_every": 10}
    assert all(isinstance(values[k], int) for k in ("p", "steps", "seed", "width", "embed", "eval_every"))


def test_retrain_steps_belong_to_the_key_only_with_retraining():
    assert "retrain_steps" not in resolve_settings({"retrain_steps": "50"})
    assert resolve_settings({"fraction": "0.7", "retrain_fraction": "0.1"})["retrain_steps"] == 3000


@pytest.mark.parametrize("given, message", [
    ({"fraction": "1.5"}, "fraction must be in (0, 1)"),
    ({"fraction": "abc"}, "fraction must be a number"),
    ({"p": "2"}, "p must be in integers in [3, 400]"),
    ({"steps": "10.5"}, "steps must be in integers"),
    ({"model": "cnn"}, "model must be one of mlp|transformer"),
    ({"lr": "0.5", "weight_decay": "2"}, "lr * weight_decay must be below 1"),
    ({"model": "transformer", "width": "30"}, "width must be a multiple of 4"),
    ({"fraction": "0.3", "retrain_fraction": "0.4"}, "retrain_fraction must be in (0, fraction = 0.3)"),
    ({"p": "3", "fraction": "0.01"}, "fraction must leave at least one training and one test pair"),
    ({"depth": "2"}, "unknown parameter(s) depth"),
    ({"p": "400", "width": "4096"}, "p and width: a pass over all p^2 = 160000 pairs needs about"),
])
def test_bad_settings_name_the_key_and_its_domain(given, message):
    with pytest.raises(ValueError) as err:
        resolve_settings(given)
    assert message in str(err.value) and "\n" not in str(err.value)


# --- the task ---------------------------------------------------------------------------------------------------

def test_split_partitions_the_pairs_and_labels_them_by_modular_addition():
    s = split(11, 0.4, seed=3, retrain_fraction=0.1)
    assert sorted(np.concatenate([s.train, s.test]).tolist()) == list(range(121))
    assert len(s.train) == 48 and len(s.retrain) == 12 and set(s.retrain) <= set(s.train)
    for (a, b), label in zip(s.pairs, s.labels):
        assert label == (a + b) - 11 * (a + b >= 11)
    again = split(11, 0.4, seed=3)
    assert np.array_equal(again.train, s.train) and again.retrain is None
    assert not np.array_equal(split(11, 0.4, seed=4).train, s.train)


# --- the store and its CSV --------------------------------------------------------------------------------------

def _fake_result(settings: dict, t_generalize: int | None) -> dict:
    return {**settings, "t_memorize": 40, "t_generalize": t_generalize, "final_train_accuracy": 1.0,
            "final_test_accuracy": 0.5, "steps_run": 100, "torch_version": "0"}


def test_store_keys_runs_by_their_full_settings(tmp_path):
    path = tmp_path / "deep" / "runs.sqlite"
    a, b = resolve_settings(SMALL), resolve_settings({**SMALL, "seed": "1"})
    store.put(path, a, _fake_result(a, 70))
    assert store.lookup(path, [dict(reversed(list(a.items()))), b]) == [_fake_result(a, 70), None]
    store.put(path, a, _fake_result(a, 80))  # a rerun replaces, never duplicates
    assert [r["t_generalize"] for r in store.runs(path)] == [80]


def test_export_writes_one_row_per_run_with_empty_cells_for_never(tmp_path, capsys):
    path = tmp_path / "runs.sqlite"
    for fraction, t in ((0.5, 70), (0.3, None)):
        settings = resolve_settings({**SMALL, "fraction": fraction})
        store.put(path, settings, _fake_result(settings, t))
    out = tmp_path / "runs.csv"
    code, _, err = run(capsys, "runs", "export", "--store", str(path), "--csv", str(out))
    assert code == 0 and "2 runs" in err
    with open(out, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0])[:6] == ["fraction", "weight_decay", "lr", "steps", "t_memorize", "t_generalize"]
    assert [(r["fraction"], r["t_generalize"], r["retrain_fraction"]) for r in rows] == [("0.3", "", ""),
                                                                                          ("0.5", "70", "")]


def test_default_store_is_under_the_users_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert store.default_path() == tmp_path / "circuit-competition" / "runs.sqlite"


@pytest.mark.parametrize("make, message", [
    (lambda p: None, "no run store at"),
    (lambda p: p.write_text("not a database " * 100), "cannot use"),
    (lambda p: sqlite3.connect(p).execute("CREATE TABLE other (x)").connection.commit(), "cannot use"),
])
def test_export_refuses_what_is_not_a_run_store(tmp_path, capsys, make, message):
    path = tmp_path / "runs.sqlite"
    make(path)
    code, _, err = run(capsys, "runs", "export", "--store", str(path), "--csv", str(tmp_path / "x.csv"))
    assert code == 2 and message in err and err.count("\n") == 1
    assert not (tmp_path / "x.csv").exists()


def test_a_sweep_resumes_without_retraining_finished_runs(tmp_path, monkeypatch):
    """An interrupted sweep (here: the third run raises) keeps the finished runs; the rerun trains only the rest."""
    from derivations.training import loop

    trained = []

    def fake_train(settings, **_):
        trained.append(settings["fraction"])
        if len(trained) == 3 and settings["fraction"] == 0.7:
            raise KeyboardInterrupt
        return _fake_result(settings, int(100 / settings["fraction"]))

    monkeypatch.setattr(loop, "train", fake_train)
    path = tmp_path / "runs.sqlite"
    points = [{**SMALL, "fraction": f} for f in (0.5, 0.6, 0.7, 0.8)]
    with pytest.raises(KeyboardInterrupt):
        loop.run_sweep(points, path)
    assert len(store.runs(path)) == 2
    results = loop.run_sweep(points + points[:1], path)  # a repeated point is trained once
    assert trained == [0.5, 0.6, 0.7, 0.7, 0.8]
    assert [r["t_generalize"] for r in results] == [200, 166, 142, 125, 200]


# --- the command line -------------------------------------------------------------------------------------------

def test_train_without_torch_says_how_to_install(tmp_path, capsys, monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "torch" else real(name, *a))
    code, _, err = run(capsys, "train", "grokking", "steps=5", "--store", str(tmp_path / "runs.sqlite"))
    assert code == 2 and INSTALL_HINT in err


@pytest.mark.parametrize("argv, message", [
    (["fraction=2"], "fraction must be in (0, 1)"),
    (["--sweep", "fraction=0.5,x"], "fraction must be a number"),
    (["seed=1", "--sweep", "seed=1,2"], "parameter seed given both"),
    (["--out", "run.json"], "out must be a file name ending in .csv"),
    (["--n-jobs", "0"], "must be a positive integer"),
])
def test_train_refuses_bad_input_before_training(tmp_path, capsys, argv, message):
    code, _, err = run(capsys, "train", "grokking", *argv, "--store", str(tmp_path / "runs.sqlite"))
    assert code == 2 and message in err and err.count("\n") == 1


def test_train_refuses_a_store_it_cannot_write_before_training(tmp_path, capsys):
    code, _, err = run(capsys, "train", "grokking", "steps=5", "--store", str(tmp_path))  # a folder
    assert code == 2 and "store: cannot use" in err and err.count("\n") == 1


# --- real runs (torch) ------------------------------------------------------------------------------------------

def _plain_t_memorize(torch, settings: dict) -> int | None:
    """An independent loop written the obvious way (unfused AdamW, accuracy on the training pairs only)."""
    from derivations.training.networks import build

    s = split(settings["p"], settings["fraction"], settings["seed"])
    x, y = torch.from_numpy(s.pairs[s.train]), torch.from_numpy(s.labels[s.train])
    torch.manual_seed(settings["seed"])
    net = build("mlp", settings["p"], settings["width"], settings["embed"])
    opt = torch.optim.AdamW(net.parameters(), lr=settings["lr"], betas=(0.9, 0.98),
                            weight_decay=settings["weight_decay"])
    for step in range(1, settings["steps"] + 1):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(net(x), y).backward()
        opt.step()
        if step % 10 == 0 and (net(x).argmax(1) == y).float().mean().item() > 0.99:
            return step
    return None


def test_a_small_run_memorizes_is_deterministic_and_agrees_with_a_plain_loop(torch):
    state = torch.random.get_rng_state()
    from derivations.training.loop import train

    first = train(SMALL, progress=False)
    second = train(SMALL, progress=False)
    assert first["t_memorize"] is not None and first["final_train_accuracy"] > 0.99
    assert first["t_generalize"] is None and first["final_test_accuracy"] < 0.2  # memorized, not generalized
    same = ("t_memorize", "t_generalize", "final_train_accuracy", "final_test_accuracy", "steps_run")
    assert {k: first[k] for k in same} == {k: second[k] for k in same}
    assert torch.equal(torch.random.get_rng_state(), state)  # the caller's generator is untouched
    assert first["t_memorize"] == _plain_t_memorize(torch, resolve_settings(SMALL))


def test_retraining_reports_the_ungrokking_fields(torch):
    from derivations.training.loop import train

    r = train({**SMALL, "steps": 60, "fraction": 0.6, "retrain_fraction": 0.2, "retrain_steps": 40}, progress=False)
    assert r["steps_run"] == 100 and r["retrain_steps"] == 40 and 0 <= r["grokked_test_accuracy"] <= 1
    # a memorizing net is already below the threshold at the first check after the restart
    assert r["t_ungrok"] == 10 and r["final_test_accuracy"] < 0.5


def test_train_json_and_store_through_the_command_line(torch, tmp_path, capsys):
    path, out = tmp_path / "runs.sqlite", tmp_path / "run.csv"
    argv = ["train", "grokking", "p=13", "steps=50", "--json", "--store", str(path), "--out", str(out)]
    code, printed, err = run(capsys, *argv)
    result = json.loads(printed)
    assert code == 0 and result["steps_run"] == 50 and "step 50/50" in err
    code, again, err = run(capsys, *argv)  # the second time it comes from the store
    assert code == 0 and json.loads(again) == result and "not retrained" in err
    with open(out, newline="") as fh:
        assert [row["steps_run"] for row in csv.DictReader(fh)] == ["50"]


def test_the_transformer_option_trains_and_is_deterministic(torch):
    from derivations.training.loop import train

    settings = {**SMALL, "model": "transformer", "width": 32, "embed": 32, "steps": 80, "lr": 1e-2}
    first, second = train(settings, progress=False), train(settings, progress=False)
    assert first["model"] == "transformer" and first["steps_run"] == 80
    assert first["t_memorize"] is not None and first["final_train_accuracy"] > 0.99  # it memorizes (about step 60)
    assert {k: first[k] for k in ("t_memorize", "final_train_accuracy")} == \
        {k: second[k] for k in ("t_memorize", "final_train_accuracy")}
