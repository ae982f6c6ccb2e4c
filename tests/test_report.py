"""The derivation report: every formula on its family's page with how it was obtained, byte-stable pages, and
derivation records that name real formulas and state equations the registered forms really solve."""

import ast
import math
import re
from pathlib import Path

import pytest
import sympy as sp

from derivations import report
from derivations.cli import main
from derivations.exprjson import dump, load
from theory.registry import KINDS, Derivation, formulas, get

ALL = formulas()
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> tuple[Path, list[dict[str, bytes]]]:
    """Two runs of ``circuitcomp report`` from the same folder: the files each wrote, by name."""
    root = tmp_path_factory.mktemp("report")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        for out in ("first", "second"):
            assert main(["report", "--out", out]) == 0
    return root, [{p.name: p.read_bytes() for p in sorted((root / out).iterdir())} for out in ("first", "second")]


@pytest.fixture(scope="module")
def pages(runs) -> dict[str, str]:
    return {name: data.decode() for name, data in runs[1][0].items()}


def test_every_registered_formula_has_one_section_on_its_family_page(pages):
    headings = {name: re.findall(r"^### `([^`]+)`$", text, re.M) for name, text in pages.items()}
    placed = {formula: page for page, names in headings.items() for formula in names}
    assert sum(map(len, headings.values())) == len(placed) == len(ALL)
    for f in ALL:
        assert placed[f.name] == f"{report.family_of(f.name)}.md"
    assert {"grokking.md", "double_descent.md", "scaling.md", "emergence.md", "README.md"} <= set(pages)
    section = pages["grokking.md"].split("### `grokking.critical_data_size`")[1].split("\n### ")[0]
    assert f"$$\n{get('grokking.critical_data_size').latex}\n$$" in section
    assert "Solved for $D$" in section and "grokking.memorizer_invasion_rate" in section


def test_a_second_run_writes_the_same_bytes_with_no_machine_paths(runs):
    root, (first, second) = runs
    assert first == second and len(first) >= 5
    text = b"".join(first.values()).decode()
    assert str(root) not in text and str(ROOT) not in text and str(Path.home()) not in text
    assert not re.search(r"\b20\d\d-\d\d-\d\d\b", text)  # no dates


def test_the_command_prints_the_absolute_folder_and_refuses_a_file(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "file").write_text("")
    assert main(["report", "--out", "file"]) == 2
    assert "--out must be a folder" in capsys.readouterr().err
    monkeypatch.setattr(report, "write_report", lambda out: [out / "README.md"])
    assert main(["report"]) == 0
    assert str(tmp_path / "circuitcomp-report") in capsys.readouterr().out


def _register_calls(path: Path) -> list[ast.Call]:
    source = path.read_text(encoding="utf-8")
    if "register(" not in source:
        return []
    return [node for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Call)
            and getattr(node.func, "id", getattr(node.func, "attr", None)) == "register"]


def test_every_registration_in_derivations_says_how_its_formula_was_obtained():
    calls = {path: _register_calls(path) for path in sorted((ROOT / "derivations").rglob("*.py"))}
    assert sum(map(len, calls.values())) > 50
    missing = [f"{path.relative_to(ROOT)}:{call.lineno}" for path, found in calls.items() for call in found
               if "derivation" not in {k.arg for k in call.keywords}]
    assert not missing


def test_derivation_records_name_registered_formulas_and_carry_what_they_were_applied_to():
    names = {f.name for f in ALL}
    derived = [f for f in ALL if f.derivation.kind != "definition"]
    assert len(derived) > 80
    for f in derived:
        record = f.derivation
        assert set(record.from_formulas) <= names - {f.name}, f.name
        assert record.expression is not None or record.from_formulas or record.model, f.name
        assert load(dump(record)) == record, f.name  # it ships in derived.json with its formula
    assert set(report._HOW) == set(KINDS)  # every kind of record reads as a sentence on the page
    with pytest.raises(ValueError, match="kind must be one of"):
        Derivation("guess")
    with pytest.raises(ValueError, match="unknown exactly when it is a solve"):
        Derivation("solve", sp.Symbol("x"))


# Solved forms whose registered expression is the root itself: substituted for the unknown, the recorded
# equation must vanish at a point where the formula's constraints hold (values chosen to satisfy them).
ROOTS = {
    "grokking.critical_data_size": {"eta_m": 0.7, "lam": 0.01, "c_m": 0.1, "c_g": 5.0},
    "grokking.memorizer_fit_weight_decay": {"y": 1.0, "c_m": 0.1, "D": 30.0},
    "grokking.t_generalize": {"m0": 0.01, "g0": 1e-4, "y": 1.0, "lam": 0.01, "c_m": 0.1, "c_g": 5.0, "D": 80.0,
                              "eta_m": 1.0, "eta_g": 0.1},
    "huang.crossing_model_size": {"A_mem": 2.0, "mu": 1.5, "B_crit": 300.0, "nu": 0.8},
    "double_descent.early_stopping_matched_step": {"s1": 2.0, "s2": 0.3, "eta1": 0.1},
    "emergence.critical_scale_quantile": {"P": 0.3, "N_c": 10.0, "alpha": 3.2},
    "scaling.kaplan_data_to_avoid_overfitting": {"N": 1e9, "delta_L": 0.02, "N_c": 8.8e13, "D_c": 5.4e13,
                                                 "alpha_N": 0.076, "alpha_D": 0.095},
}


@pytest.mark.parametrize("name", sorted(ROOTS))
def test_a_solved_form_satisfies_the_equation_its_record_names(name):
    formula = get(name)
    record = formula.derivation
    assert record.kind == "solve"
    values = {s: sp.Float(ROOTS[name][s.name], 30) for s in record.expression.free_symbols | set(formula.symbols)
              if s != record.unknown}
    root = formula.expr.subs(values)
    lhs, rhs = (side.subs(record.unknown, root).subs(values) for side in (record.expression.lhs, record.expression.rhs))
    lhs, rhs = complex(lhs.evalf(30)), complex(rhs.evalf(30))
    assert math.isfinite(abs(lhs)) and abs(lhs - rhs) <= 1e-20 * max(1.0, abs(lhs), abs(rhs))


def test_jupyter_shows_a_formula_as_latex_and_as_its_report_section():
    formula = get("grokking.critical_data_size")
    assert formula._repr_latex_() == r"$\displaystyle \mathtt{grokking.critical\_data\_size}(c_m, c_g) = " \
        + formula.latex + "$"
    assert formula._repr_markdown_() == report.formula_markdown(formula.as_dict())
    assert formula._repr_markdown_().startswith("### `grokking.critical_data_size`")


def test_figures_are_found_by_the_formula_names_in_their_own_code(pages):
    source = '''
from figures.registry import figure
KEYS = ("model", "data")

def _helper():
    return evaluate("grokking.t_generalize")

@figure("demo", "d", "s")
def compute(fast):
    return [_helper(), [evaluate(f"huang.crossing_{k}_size") for k in KEYS], f"{fast}"]

@compute.plot
def _(d):
    return evaluate("emergence.quanta_loss")

@figure("other", "d", "s")
def other(fast):
    return evaluate("scaling.chinchilla_loss")
'''
    uses = report._module_uses(source, frozenset(f.name for f in ALL))
    assert uses == {"demo": {"grokking.t_generalize", "huang.crossing_model_size", "huang.crossing_data_size",
                             "emergence.quanta_loss"},
                    "other": {"scaling.chinchilla_loss"}}
    section = pages["grokking.md"].split("### `grokking.t_generalize`")[1].split("\n### ")[0]
    assert "**Figures:** `delay_law`, `liu_phase_diagram`" in section
