"""The derivation cache returns what was computed, and recomputes when it cannot read."""

import pytest
import sympy as sp

from derivations.cache import Derivations

x = sp.Symbol("x", positive=True)


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


def test_corrupt_file_is_recomputed(tmp_path, monkeypatch):
    monkeypatch.setenv("CIRCUITCOMP_CACHE", str(tmp_path))
    store = Derivations("demo")
    store("v", lambda: x + 1)
    store.save()
    for path in tmp_path.iterdir():
        path.write_bytes(b"not a pickle")
    assert Derivations("demo")("v", lambda: x + 2) == x + 2


def test_off_disables(monkeypatch):
    monkeypatch.setenv("CIRCUITCOMP_CACHE", "off")
    store = Derivations("demo")
    store("v", lambda: x)
    store.save()
    with pytest.raises(AssertionError):
        Derivations("demo")("v", _never)
