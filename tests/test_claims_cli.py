"""``circuitcomp claims``: the listing, ``show``, ``check ID|FILE.py``, ``--markdown``; JSON keys and exit codes.

The shipped verdicts are replaced by a file written from this test's own claims, so these tests do not
depend on the catalog. Counterexamples are recomputed from the source's formula typed here.
"""

import json
import math

import pytest

from derivations.claims import load_file, registry, shipped
from derivations.cli import main

USER_FILE = '''
from derivations.claims import claim, Outcome
from derivations.evaluate import evaluate

@claim("Below N_c, P(emergence) stays under 0.1", source="my reading of a step", domain={"ratio": (0.01, 1.0),
       "alpha": (1.0, 6.0)}, log=("ratio",), about=("emergence.critical_scale_probability",), examples=30)
def step_below(ratio, alpha):
    p = evaluate("emergence.critical_scale_probability", N=ratio, N_c=1.0, alpha=alpha)
    return Outcome(p < 0.1, P=p)

@claim("x^2 + 1 >= 2x", source="AM-GM", domain={"x": (-3.0, 3.0)})
def am_gm(x):
    return x**2 + 1 >= 2 * x
'''


def critical_scale(ratio: float, alpha: float) -> float:
    """1 - exp(-(N/N_c)^alpha), as seeds.md item 1 states it."""
    return 1.0 - math.exp(-(ratio**alpha))


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["claims", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def user_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("user") / "my_claims.py"
    path.write_text(USER_FILE)
    return path


@pytest.fixture(scope="module")
def user_records(user_file):
    """The user's claims (by id) and their records, checked once for the module."""
    claims = tuple(sorted(load_file(user_file), key=lambda c: c.id))
    return claims, [shipped.record(c) for c in claims]


@pytest.fixture
def catalog(user_records, tmp_path, monkeypatch):
    """The user's claims stand in for the registered ones, with a current verdicts file of their own."""
    claims, records = user_records
    monkeypatch.setattr(registry, "_catalog", lambda: claims)
    monkeypatch.setattr(shipped, "PATH", tmp_path / "verdicts.json")
    shipped.write(records)
    return claims


def test_check_a_file_gives_verdicts_whose_counterexample_holds_up(capsys, user_file):
    code, out, err = run(capsys, "check", str(user_file), "--json")
    assert code == 0 and err == ""
    first, second = json.loads(out)["claims"]
    assert set(first) >= {"id", "statement", "verdict", "examples", "counterexample", "values"}
    assert (first["id"], first["verdict"]) == ("step_below", "fails")
    assert critical_scale(**first["counterexample"]) >= 0.1
    assert first["values"]["P"] == pytest.approx(critical_scale(**first["counterexample"]), rel=1e-12)
    assert (second["id"], second["verdict"], second["examples"], second["counterexample"]) == ("am_gm", "proved", 0,
                                                                                               None)


def test_check_options_and_text_output(capsys, user_file):
    code, out, _ = run(capsys, "--json", "check", str(user_file), "--examples", "10", "--seed", "3")
    assert code == 0 and json.loads(out)["claims"][0]["evidence"]["seed"] == 3
    code, out, _ = run(capsys, "check", str(user_file))
    assert code == 0 and "verdict:   fails" in out and "counterexample: ratio=" in out


def one_line_error(code: int, out: str, err: str) -> str:
    assert code == 2 and out == "" and "Traceback" not in err and err.count("\n") == 1
    return err


@pytest.mark.parametrize("text, message", [
    ("x = 1\n", "defines no claim"),
    ("def f(:\n", "does not load: SyntaxError"),
    ("import no_such_module_here\n", "does not load: ModuleNotFoundError"),
    ("from derivations.claims import claim\n@claim('s', domain={'x': (2.0, 1.0)})\ndef f(x):\n    return True\n",
     "x has an empty domain"),
    ("from derivations.claims import claim\n@claim('s', domain={'x': (0.0, 1.0)})\ndef f(x):\n    return 1 / 0\n",
     "claim f: body raised ZeroDivisionError: division by zero at x="),
])
def test_check_bad_files_exit_2_with_one_line(capsys, tmp_path, text, message):
    path = tmp_path / "bad.py"
    path.write_text(text)
    assert message in one_line_error(*run(capsys, "check", str(path)))


@pytest.mark.parametrize("argv, message", [
    (("check", "no_such_file.py"), "no such file"),
    (("check", "stepbelow"), "did you mean step_below"),
    (("check", "step_below", "--examples", "0"), "examples must be a positive integer"),
    (("check", "step_below", "--seed", "-1"), "seed must be a nonnegative integer"),
    (("show", "am-gm"), "unknown claim 'am-gm'; did you mean am_gm"),
    (("--verdict", "true"), "invalid choice"),
    (("--markdown", "no/such/folder/claims.md"), "does not exist"),
])
def test_bad_input_exits_2_with_one_line(capsys, catalog, argv, message):
    assert message in one_line_error(*run(capsys, *argv))


def test_check_a_registered_claim_by_id(capsys, catalog):
    code, out, _ = run(capsys, "check", "am_gm", "--json")
    assert code == 0 and json.loads(out)["claims"][0]["verdict"] == "proved"


def test_listing_reads_the_shipped_verdicts_and_filters(capsys, catalog):
    code, out, err = run(capsys, "--json")
    items = json.loads(out)["claims"]
    assert code == 0 and err == "" and [c["id"] for c in items] == ["am_gm", "step_below"]
    assert all(set(c) >= {"id", "statement", "source", "verdict", "about", "evidence"} for c in items)
    code, out, _ = run(capsys, "--json", "--verdict", "fails")
    assert [c["id"] for c in json.loads(out)["claims"]] == ["step_below"]
    code, out, _ = run(capsys, "--source", "am-GM")
    assert code == 0 and "am_gm" in out and "step_below" not in out and "proved" in out


def test_stale_verdicts_still_answer_and_say_so(capsys, catalog):
    document = json.loads(shipped.PATH.read_text())
    shipped.PATH.write_text(json.dumps({**document, "key": "other sources"}))
    code, out, err = run(capsys)
    assert code == 0 and "step_below" in out
    assert "stale" in err and "python -m derivations.claims --regenerate" in err


def test_missing_verdicts_are_computed_with_progress(capsys, catalog):
    shipped.PATH.unlink()
    code, out, err = run(capsys, "--verdict", "proved")
    assert code == 0 and "am_gm" in out and "[2/2] step_below: fails" in err


def test_show_prints_the_evidence(capsys, catalog):
    code, out, _ = run(capsys, "show", "step_below")
    assert code == 0 and "source:    my reading of a step" in out and "verdict:   fails" in out
    assert "formula:   emergence.critical_scale_probability = " in out and "values there:   P=" in out
    code, out, _ = run(capsys, "show", "am_gm")
    assert "verdict:   proved" in out and "(x - 1)**2" in out


def test_markdown_report(capsys, catalog, tmp_path):
    target = tmp_path / "claims.md"
    code, out, _ = run(capsys, "--markdown", str(target))
    text = target.read_text()
    assert code == 0 and out.strip() == str(target.resolve())
    assert "| [step_below](#step_below) | fails |" in text and "## am_gm" in text
    assert r"Counterexample: $\mathrm{ratio} = " in text and r"$\left(x - 1\right)^{2}$" in text
    code, out, _ = run(capsys, "--markdown", "-", "--verdict", "proved")
    assert code == 0 and out.startswith("# Claims and their verdicts") and "step_below" not in out
