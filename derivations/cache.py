"""Slow symbolic derivations (solve, integrate, limit) read back instead of re-derived at every import.

A forms module asks its store for each result: ``value = store("name", lambda: slow_call())``, then
``store.save()``. The answer comes from, in order:

1. ``derivations/derived.json``, shipped with the package and written by
   ``python -m derivations.cache --regenerate``, which derives everything afresh (``--check``, run by
   the tests, derives again and compares, so SymPy stays the one source of truth);
2. the user's cache, one file per module in ``$CIRCUITCOMP_CACHE`` or ``~/.cache/circuit-competition``;
3. the derivation itself, whose result then goes into the user's cache.

Both files are keyed by a hash of every source file of ``theory`` and ``derivations`` (the user's cache
also by the SymPy and Python versions): after any edit they are ignored, so a stored result never
outlives the code that derived it. ``CIRCUITCOMP_CACHE=off`` ignores both and derives everything.
Files are JSON trees (:mod:`derivations.exprjson`) under a SHA-256 checksum: reading one executes no
code, and a missing, truncated, altered or unwritable file only costs the time to derive again.

The shipped file also holds the formula registry, so ``circuitcomp eval``, ``show`` and ``formulas``
answer without importing the formula families (:func:`shipped_formula`, :func:`shipped_records`).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import os
import sys
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import sympy

from derivations.atomic import atomic_open
from derivations.exprjson import FormatError, dump, load

SHIPPED = Path(__file__).with_name("derived.json")
_PACKAGES = ("theory", "derivations")


@cache
def _sources_hash(packages: tuple[str, ...]) -> str:
    digest = hashlib.sha256()
    for name in packages:
        root = Path(importlib.import_module(name).__path__[0])
        for path in sorted(root.rglob("*.py")):
            digest.update(str(path.relative_to(root).as_posix()).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:20]


def source_key(*packages: str) -> str:
    """Hash of the sources of ``packages`` (default: theory, derivations) and the SymPy and Python versions."""
    versions = f"{sympy.__version__} {sys.version_info[:2]}"
    return hashlib.sha256(f"{versions} {_sources_hash(packages or _PACKAGES)}".encode()).hexdigest()[:20]


def _folder() -> Path | None:
    setting = os.environ.get("CIRCUITCOMP_CACHE", "")
    if setting.lower() == "off":
        return None
    return Path(setting) if setting else Path.home() / ".cache" / "circuit-competition"


def _write(path: Path, document: dict) -> None:
    body = json.dumps(document, separators=(",", ":"))
    with atomic_open(path, "w", encoding="utf-8") as fh:
        fh.write(f"{hashlib.sha256(body.encode()).hexdigest()}\n{body}\n")


def _read(path: Path, key: str) -> dict:
    """The document at ``path`` if its checksum holds and it was written under ``key``; else ``{}``."""
    try:
        checksum, _, body = path.read_text(encoding="utf-8").partition("\n")
        body = body.rstrip("\n")
        if hashlib.sha256(body.encode()).hexdigest() != checksum:
            return {}
        document = json.loads(body)
    except (OSError, ValueError, RecursionError):  # missing, unreadable, not UTF-8, not JSON, absurdly deep
        return {}
    return document if isinstance(document, dict) and document.get("key") == key else {}


def _section(document: dict, name: str) -> dict:
    section = document.get(name)
    return section if isinstance(section, dict) else {}


@cache
def _shipped() -> dict:
    return _read(SHIPPED, _sources_hash(_PACKAGES))


def _storable(value: Any) -> Any:
    """``value``'s tree if it reads back as the same structure, else None (then it is not stored)."""
    try:
        tree = dump(value)
        return tree if dump(load(tree)) == tree else None
    except FormatError:
        return None


_MISSING = object()
_STORES: dict[str, Derivations] = {}


class Derivations:
    """Derived results of one module: ``value = store("name", lambda: slow_call())``, then ``store.save()``."""

    def __init__(self, module: str) -> None:
        folder = _folder()
        self.module = module
        self._values: dict[str, Any] = {}
        self._new: dict[str, Any] = {}
        self._path = None if folder is None else folder / f"{module}-{source_key()}.json"
        self._sources: list[dict] = []
        if self._path is not None:
            self._sources = [_section(_section(_shipped(), "derivations"), module),
                             _section(_read(self._path, source_key()), "entries")]
        _STORES[module] = self

    def __call__(self, name: str, build: Callable[[], Any]) -> Any:
        if name not in self._values:
            value = self._stored(name)
            if value is _MISSING:
                value = build()
                self._new[name] = value
            self._values[name] = value
        return self._values[name]

    def _stored(self, name: str) -> Any:
        for source in self._sources:
            if name in source:
                try:
                    return load(source[name])
                except FormatError:
                    continue
        return _MISSING

    def trees(self) -> dict[str, Any]:
        """Every entry as a JSON tree; :class:`FormatError` names one that cannot be stored faithfully."""
        trees = {name: _storable(value) for name, value in self._values.items()}
        for name, tree in trees.items():
            if tree is None:
                raise FormatError(f"{self.module}: {name} does not survive a JSON round trip")
        return trees

    def save(self) -> None:
        """Add what was derived in this run to the user's cache (an unwritable folder only costs speed)."""
        if not self._new or self._path is None:
            return
        entries = {name: tree for name, tree in self._sources[1].items()}
        entries.update((name, _storable(value)) for name, value in self._new.items())
        self._new = {}
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            _write(self._path, {"key": source_key(), "entries": {k: v for k, v in entries.items() if v is not None}})
            for old in self._path.parent.glob(f"{self.module}-*"):  # earlier sources' files are never read again
                if old != self._path:
                    old.unlink(missing_ok=True)
        except OSError:
            pass


def shipped_records() -> dict[str, dict] | None:
    """Every registered formula's ``as_dict()`` by name, as shipped; None when stale, absent or switched off."""
    if _folder() is None:
        return None
    formulas = _section(_shipped(), "formulas")
    records = {name: entry.get("record") for name, entry in formulas.items() if isinstance(entry, dict)}
    return records if records and all(isinstance(r, dict) for r in records.values()) else None


def shipped_formula(name: str):
    """The registered formula ``name`` as shipped (a :class:`theory.registry.Formula`), or None if not shipped."""
    from theory.registry import Formula

    if shipped_records() is None:
        return None
    entry = _section(_shipped(), "formulas").get(name)
    try:
        formula = load(entry["formula"]) if isinstance(entry, dict) and "formula" in entry else None
    except FormatError:
        return None
    return formula if isinstance(formula, Formula) and formula.name == name else None


def _fresh() -> dict:
    """The shipped file's content derived from nothing (the caches must be off: see :func:`main`)."""
    from theory.registry import formulas

    if _folder() is not None:
        raise RuntimeError("deriving afresh needs CIRCUITCOMP_CACHE=off")
    listed = formulas()  # imports every module: every store fills, every formula registers
    document = {
        "key": _sources_hash(_PACKAGES),
        "sympy": sympy.__version__,
        "derivations": {module: store.trees() for module, store in sorted(_STORES.items())},
        "formulas": {f.name: {"record": f.as_dict(), "formula": _storable(f)} for f in listed},
    }
    unstorable = [name for name, entry in document["formulas"].items() if entry["formula"] is None]
    if unstorable:
        raise FormatError(f"formulas that do not survive a JSON round trip: {', '.join(unstorable)}")
    return document


def _entries(document: dict) -> dict[str, Any]:
    """Every stored derivation and formula of a document, by a readable name."""
    entries = {f"formula {name}": entry for name, entry in _section(document, "formulas").items()}
    for module, values in _section(document, "derivations").items():
        entries.update((f"{module}: {name}", tree) for name, tree in values.items())
    return entries


def check(path: Path = SHIPPED) -> list[str]:
    """What in the shipped file differs from a fresh derivation (structurally); empty when nothing does."""
    fresh = _fresh()
    shipped = _read(path, fresh["key"])
    if not shipped:
        return [f"{path.name} is missing, damaged, or derived from other sources"]
    old, new = _entries(shipped), _entries(fresh)
    differ = [name for name in sorted(old.keys() | new.keys()) if old.get(name) != new.get(name)]
    if differ and shipped.get("sympy") != fresh["sympy"]:
        differ.append(f"(shipped with SymPy {shipped.get('sympy')}, derived now with SymPy {fresh['sympy']})")
    return differ


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m derivations.cache", description=__doc__.split("\n")[0])
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--regenerate", action="store_true",
                        help=f"derive every stored result and the formula registry afresh into {SHIPPED.name}")
    action.add_argument("--check", action="store_true",
                        help=f"derive afresh and compare with {SHIPPED.name}; exit 1 if anything differs")
    if parser.parse_args(argv).regenerate:
        _write(SHIPPED, _fresh())
        print(f"wrote {SHIPPED}")
        return 0
    differ = check()
    for name in differ:
        print(f"differs from a fresh derivation: {name}")
    if differ:
        print("run `python -m derivations.cache --regenerate`")
    return 1 if differ else 0


if __name__ == "__main__":
    # Derive afresh: neither the shipped file nor a user's cache may answer. The package's own module
    # (not this __main__ copy) is the one the forms modules register their stores with.
    os.environ["CIRCUITCOMP_CACHE"] = "off"
    from derivations import cache as _package_module

    sys.exit(_package_module.main())
