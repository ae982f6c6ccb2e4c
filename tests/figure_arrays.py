"""A registered figure's fast-mode arrays, computed once per test session and shared by every figure test
and the figure lint (computing every figure's data takes tens of seconds)."""

from functools import cache

import numpy as np

from figures.registry import data, get_figure


@cache
def _arrays(name: str) -> dict[str, np.ndarray]:
    return data(get_figure(name), fast=True)[0]


def figure_arrays(name: str) -> dict[str, np.ndarray]:
    """Copies of the figure's fast-mode arrays, so no test sees another's edits."""
    return {k: v.copy() for k, v in _arrays(name).items()}
