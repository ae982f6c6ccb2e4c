"""``circuitcomp derive`` and ``circuitcomp simulate FILE.py``: a user's model file, its JSON, and bad input as
exit code 2 with one line."""

import json

import numpy as np
import pytest
import sympy as sp
from user_models import POWER_LAW

from derivations.cli import main
from derivations.simulate import resolve_values
from derivations.usermodel import from_user_file, load_model

# dx/dt = -gamma (x^5 - (f - lam) x + D): no closed-form roots. Its symbols have the names and assumptions of
# declared package symbols (the package's f is a fraction in (0, 1]); here f is any positive number.
QUINTIC = '''
import sympy as sp
from theory.dynamics import Model
x = sp.Symbol("x", real=True)
f, D, gamma = sp.symbols("f D gamma", positive=True)
lam = sp.Symbol("lam", nonnegative=True)
QUINTIC = Model(name="quintic_pull", state=(x,), params=(f, D, lam, gamma),
                objective=x**6 / 6 - (f - lam) * x**2 / 2 + D * x, rates=(gamma,), coordinates=(x,), to_state=(x,),
                observables={"x": x}, defaults={D: 1.0, lam: 0.5, gamma: 2.0}, initial={x: 0})
'''


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("user") / "power_law.py"
    path.write_text(POWER_LAW)
    return str(path)


@pytest.fixture(scope="module")
def quintic_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("user") / "quintic.py"
    path.write_text(QUINTIC)
    return str(path)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _expressions(node):
    if isinstance(node, dict) and set(node) == {"expr", "latex"}:
        yield node["expr"]
    elif isinstance(node, dict):
        for value in node.values():
            yield from _expressions(value)
    elif isinstance(node, list):
        for value in node:
            yield from _expressions(value)


def test_derive_json_gives_the_critical_size_and_parses_back(model_file, capsys):
    code, out, _ = run(capsys, "derive", model_file, "--solve-for", "D", "--json")
    assert code == 0
    result = json.loads(out)
    assert list(result) == ["model", "flow", "fixed_points", "invasion_rates", "critical", "conserved"]
    assert set(result["fixed_points"][0]) >= {"state", "eigenvalues", "stable_when"}
    names = {s: sp.Symbol(s, positive=True)
             for s in ("y", "c_m", "c_g", "D", "lam", "gamma", "eta_m", "eta_g", "theta_m", "theta_g")}
    critical = sp.sympify(result["critical"]["D"]["expr"], locals=names)
    assert sp.simplify(critical - (names["c_g"] / names["c_m"]) ** (1 / names["gamma"])) == 0
    names |= {s: sp.Symbol(s, real=True) for s in ("a", "b")} | {"t": sp.Symbol("t", nonnegative=True)}
    for text in _expressions(result):  # every expression is a string SymPy reads back with the model's symbols
        assert not sp.sympify(text, locals=names).free_symbols - set(names.values())
    # The first integral's total derivative along the printed flow vanishes identically.
    (phi,) = [sp.sympify(c["expr"], locals=names) for c in result["conserved"]]
    flow = {names[u]: sp.sympify(e["expr"], locals=names) for u, e in result["flow"].items()}
    assert sp.expand(sp.diff(phi, names["t"]) + sum(sp.diff(phi, u) * e for u, e in flow.items())) == 0


def test_derive_text_is_readable(model_file, capsys):
    code, out, _ = run(capsys, "derive", model_file)
    assert code == 0
    assert "stable when: c_g < D**gamma*c_m" in out and "theta_m at theta_g" in out
    assert "conserved along the flow" in out


def test_simulate_a_model_file_with_events(model_file, capsys, tmp_path):
    trajectory = tmp_path / "run.csv"
    code, out, _ = run(capsys, "simulate", f"{model_file}:POWER", "D=30", "horizon=20000", "--event",
                       "grok=test_margin>0.5", "--event", "never=train_margin<0", "--json", "--out", str(trajectory))
    assert code == 0
    result = json.loads(out)
    assert set(result) == {"model", "final", "events", "settings"}
    # D = 30 > D_crit = 50^(2/3) = 13.6: the generalizer wins, with margin y - lam c_g / 2 = 0.95.
    assert result["final"]["test_margin"] == pytest.approx(0.95, abs=1e-6)
    assert result["events"]["grok"] > 0 and result["events"]["never"] is None
    assert result["settings"]["D"] == 30.0 and result["settings"]["horizon"] == 20000.0
    assert trajectory.read_text().startswith("t,train_margin,test_margin")


def test_numeric_fixed_points_with_symbols_named_like_the_packages(quintic_file, capsys):
    # f = 3 lies outside the package's own f in (0, 1]: the file's f is only assumed positive.
    code, out, _ = run(capsys, "derive", quintic_file, "f=3", "--json")
    assert code == 0
    result = json.loads(out)
    assert list(result) == ["model", "flow", "fixed_points", "invasion_rates", "critical", "conserved"]
    # Independent route: the companion-matrix roots of x^5 - (f - lam) x + D, and the derivative of the flow there.
    roots = sorted(r.real for r in np.roots([1, 0, 0, 0, -2.5, 1.0]) if abs(r.imag) < 1e-9)
    points = sorted(result["fixed_points"], key=lambda fp: float(fp["state"]["x"]["expr"]))
    assert [float(fp["state"]["x"]["expr"]) for fp in points] == pytest.approx(roots, rel=1e-10)
    for fp, root in zip(points, roots):
        (eigenvalue,) = [float(e["expr"]) for e in fp["eigenvalues"]]
        assert eigenvalue == pytest.approx(-2.0 * (5 * root**4 - 2.5), rel=1e-8)
        assert fp["stable_when"] == [{"expr": str(eigenvalue < 0), "latex": rf"\text{{{eigenvalue < 0}}}"}]
    # The file's lam is typeset by its own name, not as the package's \lambda.
    assert "lam" in result["flow"]["x"]["latex"] and "lambda" not in result["flow"]["x"]["latex"]
    code, out, _ = run(capsys, "simulate", quintic_file, "f=3", "horizon=50", "--json")
    assert code == 0 and json.loads(out)["final"]["x"] == pytest.approx(roots[0], abs=1e-7)  # from 0, pulled down


def test_a_built_in_model_imported_into_a_file_keeps_its_declared_domains(tmp_path):
    path = tmp_path / "reexport.py"
    path.write_text("from theory.dynamics import CROSS_ENTROPY\n")
    model = load_model(str(path))
    assert not from_user_file(model)
    with pytest.raises(ValueError, match=r"f must be in \(0, 1\]"):
        resolve_values(model, {"f": 2.0})


BAD_FILES = {
    "raises.py": ("raise RuntimeError('boom')", "does not load: RuntimeError: boom"),
    "syntax.py": ("def (", "does not load: SyntaxError"),
    "empty.py": ("x = 1", "defines no theory.dynamics.Model"),
    "two.py": (POWER_LAW + "OTHER = POWER.__class__(**{**POWER.__dict__, 'name': 'other'})", "several models"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_files_exit_2_in_one_line(name, capsys, tmp_path):
    text, message = BAD_FILES[name]
    path = tmp_path / name
    path.write_text(text)
    for command in ("derive", "simulate"):
        code, _, err = run(capsys, command, str(path))
        assert code == 2 and message in err and err.count("\n") == 1


@pytest.mark.parametrize("argv, message", [
    (["derive", "{f}", "--solve-for", "nope"], "unknown symbol 'nope'"),
    (["derive", "{f}", "--solve-for", "y"], "no invasion rate"),
    (["derive", "{f}:NOPE"], "has no model 'NOPE'"),
    (["derive", "/no/such/file.py"], "does not exist"),
    (["derive", "{q}"], "give parameter values (name=value ...) to find the fixed points numerically"),
    (["derive", "{q}", "f=3", "--solve-for", "D"], "SymPy did not solve for the fixed points"),
    (["derive", "{q}", "f=-1"], "f must be in (0, inf)"),
    (["derive", "{q}", "f=3", "bogus=1"], "unknown parameter 'bogus'"),
    (["simulate", "{q}", "f=3", "gamma=0"], "gamma must be in (0, inf)"),
    (["simulate", "{f}", "gamma=-1"], "gamma must be in (0, inf)"),
    (["simulate", "{f}", "horizon=0"], "horizon must be in (0, inf)"),
    (["simulate", "{f}", "bogus=1"], "unknown parameter 'bogus'"),
    (["simulate", "{f}", "--event", "x=nothing>1"], "unknown observable 'nothing'"),
    (["simulate", "{f}", "--event", "x=test_margin"], "--event must look like"),
    (["simulate", "{f}", "--out", "run.txt"], "unsupported file type"),
])
def test_bad_input_exits_2_in_one_line(argv, message, model_file, quintic_file, capsys):
    code, _, err = run(capsys, *[a.format(f=model_file, q=quintic_file) for a in argv])
    assert code == 2 and message in err and err.count("\n") == 1 and "Traceback" not in err
