"""A registered figure's fast-mode arrays, computed once per test session and shared by every figure test
and the figure lint (computing every figure's data takes tens of seconds)."""

import numpy as np

from figures.registry import data, get_figure

_ARRAYS: dict[str, dict[str, np.ndarray]] = {}


def computed(name: str) -> bool:
    return name in _ARRAYS


def keep(name: str, arrays: dict[str, np.ndarray]) -> None:
    """Store arrays computed elsewhere (the figure lint computes the missing ones in worker processes)."""
    _ARRAYS[name] = arrays


def fast_arrays(name: str) -> dict[str, np.ndarray]:
    """The figure's fast-mode arrays, computed in this process (cached by the caller through keep)."""
    return data(get_figure(name), fast=True)[0]


def figure_arrays(name: str) -> dict[str, np.ndarray]:
    """Copies of the figure's fast-mode arrays, so no test sees another's edits."""
    if name not in _ARRAYS:
        keep(name, fast_arrays(name))
    return {k: v.copy() for k, v in _ARRAYS[name].items()}
