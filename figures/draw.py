"""Drawing helpers shared by the figure modules: a divergence drawn as a divergence.

A curve that goes to +inf at a known abscissa is drawn as separate branches, each running off the top
of the axes toward the divergence, never joined across it and never clipped into a flat plateau; a thin
dashed vertical line marks the asymptote, and its optional label sits above the axes, clear of the data.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.cbook import normalize_kwargs
from matplotlib.lines import Line2D

ASYMPTOTE = {"color": "0.45", "lw": 0.8, "ls": (0, (4, 3)), "zorder": 1.5}
# The least ordinate a branch runs to at a divergence (at least 1000 times the curve's largest finite value):
# far above the axes' top on linear and log scales, yet small enough for the renderer's path clipping.
_OFF_TOP = 1e12


def _run_off(xs: np.ndarray, ys: np.ndarray, toward: float, left: bool, height: float) -> tuple[np.ndarray, ...]:
    """A branch's segment from its last finite point (nearest the divergence) up past the top of the axes.

    It ends at the branch's first point where the curve is already +inf (the expectation itself diverges
    there, as for integer counts next to the threshold), otherwise at the divergence ``toward``.
    """
    finite = np.flatnonzero(np.isfinite(ys))
    edge = finite[-1] if left else finite[0]
    beyond = range(edge + 1, xs.size) if left else range(edge - 1, -1, -1)
    infinite = [i for i in beyond if np.isposinf(ys[i])]
    end = xs[infinite[0]] if infinite else toward
    return np.array([xs[edge], end]), np.array([ys[edge], height])


def divergent_line(ax: Axes, x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray,
                   at: float | Sequence[float], **line_kwargs) -> list[Line2D]:
    """Plot ``y(x)``, a curve that diverges to +inf at each abscissa in ``at``, as broken branches.

    Non-finite values of ``y`` are left out (+inf next to a divergence is where a branch runs off the
    top). Each branch that borders a divergence gets a steep segment from its last finite point up past
    the top of the axes, so the curve leaves the axes instead of ending in mid-air or a plateau; those
    segments stay out of autoscaling. ``line_kwargs`` go to every branch (``label`` only to the first),
    so all branches share one colour. Returns the drawn lines. Mark the asymptote with :func:`asymptote`.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"x and y must be 1-d arrays of one length, got shapes {x.shape} and {y.shape}")
    poles = np.sort(np.atleast_1d(np.asarray(at, dtype=float)))
    height = max(_OFF_TOP, 1e3 * float(np.max(np.abs(y), where=np.isfinite(y), initial=0.0)))
    edges = np.concatenate([[-np.inf], poles, [np.inf]])
    lines: list[Line2D] = []
    kwargs = normalize_kwargs(line_kwargs, Line2D)  # one spelling per property ("c" -> "color")
    for lo, hi in zip(edges[:-1], edges[1:]):
        inside = (x > lo) & (x < hi)
        xs, ys = x[inside], y[inside]
        if not np.isfinite(ys).any():
            continue
        keep = np.isfinite(ys)
        (line,) = ax.plot(xs[keep], ys[keep], **kwargs)
        lines.append(line)
        kwargs.pop("label", None)
        kwargs["color"] = line.get_color()  # every branch and run-off in the first branch's colour
        style = {k: v for k, v in kwargs.items() if k not in ("marker", "markersize")}
        for pole, left in ((lo, False), (hi, True)):
            if np.isfinite(pole):
                # add_artist, not plot: the run-off must not enter the data limits that autoscaling uses.
                lines.append(ax.add_artist(Line2D(*_run_off(xs, ys, pole, left, height), **style)))
    return lines


def asymptote(ax: Axes, x: float, label: str | None = None) -> Line2D:
    """A thin dashed vertical line at ``x``; ``label`` is written above the axes at ``x``, never over data.

    The label is a tick of a secondary x-axis on top, so Matplotlib lifts the title above it. Several
    calls on one axes share that secondary axis.
    """
    line = ax.axvline(x, **ASYMPTOTE)
    if label is not None:
        top = getattr(ax, "_asymptote_axis", None)
        if top is None:
            top = ax.secondary_xaxis("top")
            top.grid(False)
            top.spines["top"].set_visible(False)
            top.tick_params(axis="x", length=2, pad=1, labelsize="small", colors="0.3")
            top.asymptotes = []
            rescale = top._set_scale

            def set_scale() -> None:
                # Matplotlib drops a secondary axis's tick labels when it follows a change of the parent's
                # scale (set after this call, e.g. a log x axis): put them back each time.
                rescale()
                _label_ticks(top)

            top._set_scale = set_scale
            ax._asymptote_axis = top
        top.asymptotes.append((float(x), label))
        _label_ticks(top)
    return line


def _label_ticks(top: Axes) -> None:
    ticks = sorted(top.asymptotes)
    top.set_xticks([t for t, _ in ticks], labels=[text for _, text in ticks])
    top.set_xticks([], minor=True)
