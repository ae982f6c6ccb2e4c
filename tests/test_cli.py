"""The ``circuitcomp`` command line: JSON shapes, infinities, trajectory files, and one-line errors (exit 2)."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from derivations.cli import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_eval_json_matches_the_critical_size(capsys):
    code, out, _ = run(capsys, "eval", "grokking.critical_data_size", "c_m=0.1", "c_g=5", "--json")
    assert code == 0 and json.loads(out) == {"name": "grokking.critical_data_size", "value": 50.0}


def test_divergence_prints_infinity(capsys):
    args = "m0=0.01 g0=1e-6 y=1 lam=0.01 c_m=0.1 c_g=5 D=50 eta_m=1 eta_g=0.1".split()
    code, out, _ = run(capsys, "eval", "grokking.t_generalize", *args, "--json")
    assert code == 0 and '"value": Infinity' in out and json.loads(out)["value"] == float("inf")


@pytest.mark.parametrize("argv, message", [
    (["eval", "grokking.critical_data_size", "c_m=0.1"], "missing parameter(s) c_g"),
    (["eval", "grokking.critical_data_size", "c_m=-1", "c_g=5"], "c_m must be in"),
    (["eval", "grokking.critical_data_size", "c_m=abc", "c_g=5"], "c_m must be a real number"),
    (["eval", "grokking.critical_data_size", "c_m0.1"], "expected key=value"),
    (["eval", "grokking.critical_dat_size", "c_m=1"], "did you mean grokking.critical_data_size"),
    (["simulate", "grokking", "data_ratio=-2"], "data_ratio must be in"),
    (["simulate", "grokking", "lr=fast"], "lr must be a number"),
    (["simulate", "grokking", "weight_dcay=0.1"], "unknown parameter(s) weight_dcay"),
    (["simulate", "no-such-experiment"], "unknown experiment"),
])
def test_bad_input_exits_2_with_one_line(capsys, argv, message):
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert err.startswith("circuitcomp: error:") and message in err and err.count("\n") == 1


def test_simulate_grokking_json_and_trajectory(capsys, tmp_path):
    out_file = tmp_path / "run.npz"
    code, out, _ = run(capsys, "simulate", "grokking", "data_ratio=2", "--json", "--out", str(out_file))
    result = json.loads(out)
    assert code == 0
    assert result["t_generalize"] > 10 * result["t_memorize"] and result["final_test_accuracy"] >= 0.95
    assert abs(result["t_generalize"] / result["t_generalize_predicted"] - 1) < 0.1
    with np.load(out_file) as archive:
        assert archive["test_accuracy"][-1] == pytest.approx(result["final_test_accuracy"])


def test_simulate_ungrokking_and_no_grokking(capsys, tmp_path):
    code, out, _ = run(capsys, "simulate", "grokking", "retrain_ratio=0.5", "--json", "--out", str(tmp_path / "r.csv"))
    result = json.loads(out)
    assert code == 0 and result["grokked_test_accuracy"] > 0.95 and result["final_test_accuracy"] < 0.05
    assert (tmp_path / "r.csv").read_text().startswith("t,")
    code, out, _ = run(capsys, "simulate", "grokking", "weight_decay=0", "--json")
    result = json.loads(out)
    assert result["t_generalize"] is None and result["t_generalize_predicted"] is None


def test_listing_commands(capsys):
    code, out, _ = run(capsys, "formulas", "--json")
    names = {r["name"] for r in json.loads(out)}
    assert code == 0 and {"grokking.critical_data_size", "grokking.t_generalize"} <= names
    code, out, _ = run(capsys, "show", "grokking.t_ungrok")
    assert code == 0 and "LaTeX" in out and "source" in out and "applies when" in out
    code, out, _ = run(capsys, "simulate")
    assert code == 0 and "data_ratio" in out and "retrain_ratio" in out


def test_console_entry_point_runs_as_a_program():
    # One real process: the module entry point, argument parsing and exit code, as a user's shell sees them.
    p = subprocess.run([sys.executable, "-m", "derivations.cli", "eval", "grokking.critical_data_size", "c_m=0",
                        "c_g=5"],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 2 and "Traceback" not in p.stderr and "c_m" in p.stderr


@pytest.mark.parametrize("argv, message, helper", [
    ([], "required: COMMAND", "circuitcomp"),
    (["nosuch"], "invalid choice: 'nosuch'", "circuitcomp"),
    (["eval"], "required: name", "circuitcomp eval"),
    (["eval", "grokking.critical_data_size", "--bogus"], "unrecognized arguments: --bogus", "circuitcomp"),
    (["simulate", "grokking", "--out"], "--out: expected one argument", "circuitcomp simulate"),
    (["formulas", "--json=yes"], "ignored explicit argument", "circuitcomp formulas"),
    (["fit", "chinchilla", "--bootstrap", "many"], "--bootstrap", "circuitcomp fit"),
])
def test_usage_mistakes_are_one_line_with_a_hint(capsys, argv, message, helper):
    # argparse's own errors read like every other error: one line, exit 2, pointing at a --help.
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.startswith("circuitcomp: error:") and message in err and err.count("\n") == 1
    assert f"(see `{helper} --help`)" in err


def _in_a_new_process(argv: list[str]) -> tuple[str, list[str]]:
    """stdout of ``circuitcomp argv`` and which heavy modules it imported."""
    heavy = ["figures", "figures.command", "matplotlib", "derivations.scaling.fit", "derivations.simulate",
             "derivations.double_descent.forms", "scipy.integrate", "scipy.optimize"]
    code = ("import sys\nfrom derivations.cli import main\ntry:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
            f"print([m for m in {heavy!r} if m in sys.modules], file=sys.stderr)")
    p = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, timeout=120)
    return p.stdout, json.loads(p.stderr.strip().splitlines()[-1].replace("'", '"'))


def test_help_lists_every_command_without_importing_them():
    out, imported = _in_a_new_process(["--help"])
    assert all(name in out for name in ("formulas", "show", "eval", "simulate", "fit", "figures"))
    assert imported == []


def test_eval_imports_only_what_it_needs():
    # With the shipped registry, evaluating a double-descent formula imports no figure, fit, simulator or
    # SymPy derivation of its family.
    from derivations.cache import shipped_records

    assert shipped_records() is not None, "derivations/derived.json is stale: python -m derivations.cache --regenerate"
    out, imported = _in_a_new_process(["eval", "double_descent.ridge_risk", "gamma=2", "lam=0.1", "r2=1",
                                       "sigma2=1"])
    assert float(out) > 0 and imported == []


@pytest.mark.parametrize("argv", [
    ["eval", "double_descent.ridge_risk", "gamma=0.5", "lam=0.1", "r2=1", "sigma2=1"],
    ["eval", "grokking.t_generalize", *"m0=0.01 g0=1e-6 y=1 lam=0.01 c_m=0.1 c_g=5 D=80 eta_m=1 eta_g=0.1".split()],
    ["eval", "emergence.critical_scale_probability", "N=1e9", "N_c=1e10", "alpha=0.7"],
    ["show", "scaling.compute_optimal_params", "--json"],
    ["formulas", "--json"],
])
def test_shipped_registry_answers_as_the_modules_do(capsys, monkeypatch, argv):
    shipped = run(capsys, *argv)
    monkeypatch.setenv("CIRCUITCOMP_CACHE", "off")  # no shipped registry: the formula comes from its module
    assert run(capsys, *argv) == shipped and shipped[0] == 0


def test_extra_commands_are_the_modules_commands():
    from derivations.commands import EXTRA, resolve

    for name, (_, help) in EXTRA.items():
        command = resolve(name)
        assert command.help == help and callable(command.configure) and callable(command.handler)


@pytest.mark.parametrize("preset, expected", [(None, "1"), ("3", "3")])
def test_one_blas_thread_unless_the_user_chose(preset, expected):
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}
    if preset:
        env["OPENBLAS_NUM_THREADS"] = preset
    code = "import os, derivations.cli\nprint(os.environ['OPENBLAS_NUM_THREADS'], os.environ['OMP_NUM_THREADS'])"
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert p.stdout.split() == [expected, "1"]
