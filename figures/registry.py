"""Registered figures: ``compute(fast) -> dict of arrays`` (cached as .npz) and ``plot(data) -> Figure``.

Tests compare the data behind each figure, never pixels. Output files are byte-stable: fixed
metadata, no dates, one style sheet.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import pkgutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from derivations.cache import source_key

STYLE = Path(__file__).with_name("style.mplstyle")


@dataclass(frozen=True)
class FigureSpec:
    """A figure: what it shows, its source, its settings, and how to compute and draw it."""

    name: str
    description: str
    source: str
    compute: Callable[[bool], dict[str, np.ndarray]]
    plot: Callable[[dict[str, np.ndarray]], object]
    settings: dict = field(default_factory=dict)

    def key(self, fast: bool) -> str:
        # The package's sources are part of the key: editing a model or a figure invalidates its cached data.
        code = source_key("theory", "derivations", "figures")
        blob = json.dumps({"name": self.name, "settings": self.settings, "fast": fast, "code": code},
                          sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


_FIGURES: dict[str, FigureSpec] = {}
_SKIP = {"__main__", "registry"}


def figure(name: str, description: str, source: str, settings: dict | None = None) -> Callable:
    """Decorator on ``compute(fast)``; the figure is registered when its plot is attached.

    Usage::

        @figure("grokking_curves", "...", "Varma et al. 2023 Fig. 1")
        def compute(fast): ...

        @compute.plot
        def plot(data): ...
    """

    def wrap(compute: Callable[[bool], dict]) -> Callable:
        def register_plot(plot: Callable[[dict], object]) -> Callable:
            if name in _FIGURES:
                raise ValueError(f"figure {name!r} is registered twice")
            _FIGURES[name] = FigureSpec(name, description, source, compute, plot, dict(settings or {}))
            return plot

        compute.plot = register_plot  # type: ignore[attr-defined]
        return compute

    return wrap


def load_all() -> None:
    import figures

    for module in pkgutil.iter_modules(figures.__path__):
        if module.name not in _SKIP and not module.name.startswith("_"):
            importlib.import_module(f"figures.{module.name}")


def all_figures() -> list[FigureSpec]:
    load_all()
    return [_FIGURES[k] for k in sorted(_FIGURES)]


def get_figure(name: str) -> FigureSpec:
    load_all()
    try:
        return _FIGURES[name]
    except KeyError:
        raise KeyError(f"unknown figure {name!r}; see python -m figures --list") from None


def data(spec: FigureSpec, fast: bool, cache_dir: Path | None = None) -> dict[str, np.ndarray]:
    """The figure's arrays, from the cache when its key matches."""
    if cache_dir is not None:
        path = cache_dir / f"{spec.name}-{spec.key(fast)}.npz"
        if path.exists():
            with np.load(path) as npz:
                return {k: npz[k] for k in npz.files}
    arrays = {k: np.asarray(v) for k, v in spec.compute(fast).items()}
    if cache_dir is not None:
        cache_dir.mkdir(parents=True, exist_ok=True)
        np.savez(path, **arrays)
    return arrays


def render(spec: FigureSpec, out_dir: Path, fast: bool = False, use_cache: bool = True) -> tuple[list[Path], float]:
    """Compute (or load) and save the figure as PDF and PNG; returns the paths and the seconds taken."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    start = time.perf_counter()
    arrays = data(spec, fast, out_dir / ".cache" if use_cache else None)
    with plt.style.context(str(STYLE)):
        fig = spec.plot(arrays)
        out_dir.mkdir(parents=True, exist_ok=True)
        paths = [out_dir / f"{spec.name}.pdf", out_dir / f"{spec.name}.png"]
        fig.savefig(paths[0], metadata={"CreationDate": None, "ModDate": None, "Producer": None, "Creator": None})
        fig.savefig(paths[1], metadata={"Software": None})
        plt.close(fig)
    return paths, time.perf_counter() - start
