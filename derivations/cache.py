"""A disk cache for slow symbolic derivations (solve, integrate, limit), so imports and the CLI stay quick.

Results are pickled per module, keyed by a hash of every source file of ``theory`` and
``derivations`` plus the SymPy and Python versions: any edit to a model or a derivation, or a new
SymPy, recomputes everything. The folder is ``$CIRCUITCOMP_CACHE`` (``off`` disables the cache) or
``~/.cache/circuit-competition``; an unwritable folder only costs speed.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import pickle
import sys
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import sympy


@cache
def source_key(*packages: str) -> str:
    """Hash of the sources of ``packages`` (default: theory, derivations) and the SymPy and Python versions."""
    digest = hashlib.sha256(f"{sympy.__version__} {sys.version_info[:2]}".encode())
    for name in packages or ("theory", "derivations"):
        package = importlib.import_module(name)
        root = Path(package.__path__[0])
        for path in sorted(root.rglob("*.py")):
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:20]


def _folder() -> Path | None:
    setting = os.environ.get("CIRCUITCOMP_CACHE", "")
    if setting.lower() == "off":
        return None
    return Path(setting) if setting else Path.home() / ".cache" / "circuit-competition"


class Derivations:
    """Named results of one module: ``value = store("name", lambda: slow_call())``; ``store.save()`` at the end."""

    def __init__(self, module: str) -> None:
        folder = _folder()
        self._path = None if folder is None else folder / f"{module}-{source_key()}.pickle"
        self._values: dict[str, Any] = {}
        self._dirty = False
        if self._path is not None and self._path.exists():
            try:
                self._values = pickle.loads(self._path.read_bytes())
            except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
                self._values = {}

    def __call__(self, name: str, build: Callable[[], Any]) -> Any:
        if name not in self._values:
            self._values[name] = build()
            self._dirty = True
        return self._values[name]

    def save(self) -> None:
        if not self._dirty or self._path is None:
            return
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self._path.parent, delete=False) as fh:
                pickle.dump(self._values, fh)
            os.replace(fh.name, self._path)  # atomic: concurrent processes never read half a file
        except OSError:
            pass
        self._dirty = False
