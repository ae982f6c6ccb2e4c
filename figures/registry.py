"""Registered figures: ``compute(fast) -> dict of arrays`` (cached as .npz) and ``plot(data) -> Figure``.

Tests compare the data behind each figure, never pixels. Output files are byte-stable (fixed metadata,
no dates, one style sheet) and written whole or not at all (``derivations.atomic``); a figure whose
files are already what drawing it again would write is not redrawn.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import json
import pkgutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from derivations.atomic import atomic_open, atomic_path
from derivations.cache import source_key

STYLE = Path(__file__).with_name("style.mplstyle")
CACHE_FOLDER = ".cache"  # inside the output folder: each figure's data (.npz) and a record of its files (.json)
FORMATS = ("pdf", "png")
# No dates, versions or tool names in the files: the same figure gives the same bytes on every run.
_METADATA = {"pdf": {"CreationDate": None, "ModDate": None, "Producer": None, "Creator": None},
             "png": {"Software": None}}


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
_SKIP = {"__main__", "command", "lint", "registry"}  # machinery, not figures


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


@dataclass(frozen=True)
class Rendered:
    """One rendered figure: its files, the seconds taken, whether its data came from the cache, and
    whether it was drawn (False: the files on disk were already exactly what a drawing would write)."""

    name: str
    paths: list[Path]
    seconds: float
    cached: bool
    drawn: bool = True


def data(spec: FigureSpec, fast: bool, cache_dir: Path | None = None,
         read_cache: bool = True) -> tuple[dict[str, np.ndarray], bool]:
    """The figure's arrays and whether they came from ``cache_dir`` (written there when computed).

    A cache file that cannot be read (0 bytes, truncated, corrupted, from another NumPy) is recomputed
    and replaced: the cache only ever costs or saves time.
    """
    path = None if cache_dir is None else cache_dir / f"{spec.name}-{spec.key(fast)}.npz"
    if path is not None and read_cache:
        arrays = _read_npz(path)
        if arrays is not None:
            return arrays, True
    arrays = {k: np.asarray(v) for k, v in spec.compute(fast).items()}
    if path is not None:
        with contextlib.suppress(OSError):  # an unwritable cache folder only costs time
            path.parent.mkdir(parents=True, exist_ok=True)
            with atomic_open(path, "wb") as fh:
                np.savez(fh, **arrays)
    return arrays, False


def _read_npz(path: Path) -> dict[str, np.ndarray] | None:
    try:
        with np.load(path, allow_pickle=False) as npz:  # no pickle: a cache file never runs code
            return {k: npz[k] for k in npz.files}
    except FileNotFoundError:
        return None
    except Exception:  # noqa: BLE001 - any unreadable entry (EOFError, BadZipFile, CRC, bad header) is recomputed
        return None


def save(fig, out_dir: Path, name: str) -> list[Path]:
    """Write ``fig`` as ``name``.pdf and ``name``.png (atomically, byte-stable) and close it."""
    import matplotlib
    import matplotlib.pyplot as plt

    # savefig(bbox_inches="tight") and a layout engine each add a full draw per file. Lay the figure out
    # once, freeze that layout, find the tight box once, and crop both files to it: one draw per file.
    dpi = matplotlib.rcParams["savefig.dpi"]
    fig.set_dpi(dpi)
    renderer = fig.canvas.get_renderer()
    engine = fig.get_layout_engine()
    if engine is not None:
        engine.execute(fig)
        fig.set_layout_engine(None)
    box = fig.get_tightbbox(renderer).padded(matplotlib.rcParams["savefig.pad_inches"])
    paths = []
    for fmt in FORMATS:
        path = out_dir / f"{name}.{fmt}"
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=fmt, dpi=dpi, bbox_inches=box, metadata=_METADATA[fmt])
        paths.append(path)
    plt.close(fig)
    return paths


def render(spec: FigureSpec, out_dir: Path, fast: bool = False, use_cache: bool = True) -> Rendered:
    """Compute (or load from ``out_dir/.cache``) and save the figure as PDF and PNG.

    With ``use_cache`` a figure whose files are unchanged since this package wrote them from the same
    data, code, style and Matplotlib settings is not drawn again. ``use_cache=False`` recomputes the data
    (refreshing the cache) and redraws.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    start = time.perf_counter()
    cache_dir = out_dir / CACHE_FOLDER
    paths = [out_dir / f"{spec.name}.{fmt}" for fmt in FORMATS]
    stamp_path = cache_dir / f"{spec.name}.json"
    with plt.style.context(str(STYLE)):
        stamp = {"key": _render_key(spec, fast)}
        if use_cache and _read_json(stamp_path) == {**stamp, **_digests(paths)}:
            return Rendered(spec.name, paths, time.perf_counter() - start, cached=True, drawn=False)
        arrays, cached = data(spec, fast, cache_dir, read_cache=use_cache)
        out_dir.mkdir(parents=True, exist_ok=True)
        paths = save(spec.plot(arrays), out_dir, spec.name)
    with contextlib.suppress(OSError), atomic_open(stamp_path, "w") as fh:
        json.dump({**stamp, **_digests(paths)}, fh)
    return Rendered(spec.name, paths, time.perf_counter() - start, cached)


def _render_key(spec: FigureSpec, fast: bool) -> str:
    """What the files depend on: the data's key, and every Matplotlib setting in force (style included)."""
    import matplotlib

    settings = json.dumps({k: str(v) for k, v in sorted(matplotlib.rcParams.items())})
    blob = f"{spec.key(fast)} {matplotlib.__version__} {settings}"
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _digests(paths: list[Path]) -> dict[str, str | None]:
    def digest(path: Path) -> str | None:
        try:
            return hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            return None

    return {path.name: digest(path) for path in paths}


def _read_json(path: Path) -> object:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):  # missing or damaged: treated as no record, so the figure is redrawn
        return None
