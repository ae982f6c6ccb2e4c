"""The derivation cache: JSON trees that read back exactly and execute nothing; any damaged file is
recomputed; the shipped derivations and registry are what a fresh derivation gives."""

import hashlib
import json

import pytest
import sympy as sp

from derivations import cache
from derivations.cache import Derivations
from derivations.exprjson import FormatError, dump, load
from theory.functions import expit
from theory.registry import get

x = sp.Symbol("x", positive=True)
n = sp.Symbol("n", integer=True, nonnegative=True)


def _never() -> sp.Expr:
    raise AssertionError("a cached value was recomputed")


def test_round_trip(tmp_path, monkeypatch):
    monkeypatch.setenv("CIRCUITCOMP_CACHE", str(tmp_path))
    first = Derivations("demo")
    value = first("root", lambda: sp.solve(x**2 - 2, x)[0])
    first.save()
    second = Derivations("demo")
    assert second("root", _never) == value == sp.sqrt(2)
    assert second("root", _never).is_positive  # assumptions survive the round trip
    assert [p.suffix for p in tmp_path.iterdir()] == [".json"]


def test_a_new_source_key_replaces_the_old_file(tmp_path, monkeypatch):
    monkeypatch.setenv("CIRCUITCOMP_CACHE", str(tmp_path))
    (tmp_path / "demo-0123456789abcdef0123.json").write_text("from an earlier version of the sources")
    store = Derivations("demo")
    store("v", lambda: x)
    store.save()
    assert [p.name for p in tmp_path.iterdir()] == [f"demo-{cache.source_key()}.json"]


EXPRESSIONS = [
    sp.Float("0.1", 40) * x + sp.Float(1e-300) + sp.Float("-2.5e300"),  # exact binary values, any precision
    sp.Rational(-7, 3) * x ** sp.Rational(1, 3) + sp.Integer(3) ** 200,
    sp.Piecewise((x, x < 1), (sp.oo, sp.Eq(x, 1)), (sp.zoo * n, True)),
    sp.Tuple(sp.pi, sp.E, sp.I, sp.nan, -sp.oo, sp.EulerGamma, sp.true, sp.false),
    sp.ImmutableMatrix([[x, 1], [sp.log(n + 1), expit(x)]]),
    sp.exp(sp.log(x) + n, evaluate=False),  # stays unevaluated: not rewritten to x*exp(n)
    sp.Integral(sp.exp(-x**2), (x, 0, sp.oo)),
    sp.Max(x, n) >= sp.Min(x, 2),
]


@pytest.mark.parametrize("expr", EXPRESSIONS, ids=range(len(EXPRESSIONS)))
def test_expressions_read_back_identically(expr):
    tree = json.loads(json.dumps(dump(expr)))
    back = load(tree)
    assert back == expr and sp.srepr(back) == sp.srepr(expr)


def test_plain_values_and_formula_records_read_back():
    value = {x: [1, 2.5, float("inf"), -0.0, None, "text", True], (1, "a"): {"nested": (x,)}}
    back = load(json.loads(json.dumps(dump(value))))
    assert back == value and str(back[(1, "a")]["nested"][0].assumptions0) == str(x.assumptions0)
    formula = get("grokking.t_ungrok")  # a record with parameters, domains and constraints
    assert formula.constraints and load(dump(formula)) == formula


@pytest.mark.parametrize("value", [sp.Dummy("d"), sp.Function("f")(x), object(), {1, 2}, b"bytes"])
def test_values_outside_the_format_are_refused(value):
    with pytest.raises(FormatError):
        dump(value)


@pytest.mark.parametrize("tree", [
    {"eval": ["1"]},                                          # no such node
    {"package": ["os", "system", []]},                        # only this package's modules
    {"package": ["theory.registry", "Formula", []]},          # only SymPy classes
    {"record": ["Path", {}]},                                 # only the registry's records
    {"record": ["Domain", {"lo": {"float": "0x0p+0"}}]},      # every field, no more, no fewer
    {"Symbol": ["x", {"positive": "yes"}]},
    {"Integer": "12"}, {"Float": [0, 1, 2]}, {"Rational": [1.5, 2]},
    {"Add": [1, {"Symbol": ["x", {}]}]},                      # SymPy nodes take SymPy arguments
    {"dict": [[{"list": []}, 1]]},                            # unhashable key
    {"list": [1], "tuple": [2]}, [1, 2], 1.5,
])
def test_foreign_trees_are_refused(tree):
    with pytest.raises(FormatError):
        load(tree)


def _saved_file(tmp_path, monkeypatch):
    monkeypatch.setenv("CIRCUITCOMP_CACHE", str(tmp_path))
    store = Derivations("demo")
    store("v", lambda: x + 1)
    store.save()
    (path,) = tmp_path.iterdir()
    return path


def _flip(i: int):
    return lambda data: data[:i] + bytes([data[i] ^ 1]) + data[i + 1:]


def _with_checksum(body: str) -> bytes:
    return f"{hashlib.sha256(body.encode()).hexdigest()}\n{body}\n".encode()


CORRUPTIONS = {
    "empty": lambda data: b"",
    "truncated": lambda data: data[: len(data) // 2],
    "old pickle": lambda data: b"\x80\x04\x95\x00\x00\x00\x00\x00\x00\x00\x00.",
    "not UTF-8": lambda data: b"\xff\xfe" + data,
    **{f"byte {i} flipped": _flip(i) for i in (0, 70, -10)},
    "a foreign node, checksum intact": lambda data: _with_checksum(
        data.decode().partition("\n")[2].strip().replace('"Symbol"', '"os.system"')),
    "wrong types, checksum intact": lambda data: _with_checksum(json.dumps({"key": ["not", "a", "key"]})),
    "absurdly deep, checksum intact": lambda data: _with_checksum("[" * 100_000 + "]" * 100_000),
}


@pytest.mark.parametrize("corrupt", CORRUPTIONS.values(), ids=CORRUPTIONS.keys())
def test_a_damaged_file_is_recomputed_and_rewritten(tmp_path, monkeypatch, corrupt):
    path = _saved_file(tmp_path, monkeypatch)
    path.write_bytes(corrupt(path.read_bytes()))
    store = Derivations("demo")
    assert store("v", lambda: x + 2) == x + 2  # recomputed (x + 2 marks the recomputation), not fatal
    store.save()
    assert Derivations("demo")("v", _never) == x + 2  # and the rewritten file reads again


def test_off_disables(monkeypatch):
    monkeypatch.setenv("CIRCUITCOMP_CACHE", "off")
    store = Derivations("demo")
    store("v", lambda: x)
    store.save()
    with pytest.raises(AssertionError):
        Derivations("demo")("v", _never)
    assert cache.shipped_records() is None and cache.shipped_formula("grokking.critical_data_size") is None


def test_an_unwritable_folder_costs_only_speed(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("CIRCUITCOMP_CACHE", str(blocker / "cache"))
    store = Derivations("demo")
    assert store("v", lambda: x) == x
    store.save()


REGENERATE = "python -m derivations.cache --regenerate"


def test_the_shipped_file_matches_the_sources():
    assert cache._shipped(), f"derivations/derived.json is stale or missing: run `{REGENERATE}`"


def test_the_shipped_file_is_a_fresh_derivation(shipped_derivations_check):
    # `python -m derivations.cache --check` (started with the session, see conftest.py) derives every stored
    # result and the whole formula registry from nothing, with the caches off, and compares them
    # structurally with the shipped file.
    output, _ = shipped_derivations_check.communicate(timeout=900)
    assert shipped_derivations_check.returncode == 0, output
