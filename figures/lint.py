"""A figure lint built from the Matplotlib objects: what a reviewer rejects, found before a reviewer sees it.

``problems(fig)`` draws the figure with Agg and reads the drawn artists' window extents in display
coordinates, so a legend placed outside the axes (``fig.legend`` beside the plot, ``bbox_to_anchor``)
passes and one sitting on a curve does not. Rules:

* no legend, text (annotation, label, caption) or colourbar covers plotted data: no line vertex or
  segment, marker, scatter offset, errorbar bar, filled area, bar or image cell inside its extent;
* every axes with visible data has x and y labels (a labelled axes sharing that axis suffices, as does
  ``fig.supxlabel``/``supylabel``); every colourbar has a label;
* no bare ASCII Greek words (``alpha``, ``lam``, ``sigma2``) and no ASCII sub/superscripts (``N_c``,
  ``C^((a-b)``) in visible text outside mathtext (``$...$``);
* no log axis spans more than ``MAX_DECADES`` decades.
"""

from __future__ import annotations

import re

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import Collection, LineCollection, PathCollection, QuadMesh
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.lines import Line2D
from matplotlib.text import Text
from matplotlib.transforms import Bbox

MAX_DECADES = 20.0
# An obstruction must overlap data by more than this (display pixels) to count: a vertex on the very edge
# of a legend's padding is not hidden.
INSET = 1.0

_GREEK = ("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "kappa", "lambda", "lam",
          "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega")
# Longest names first so "lambda" wins over "lam"; no letter before, no lower-case letter after: "alpha_N",
# "sigma2" and "Lambda" are caught, "alphabet", "chinchilla", "beta" inside "theta" are not.
_GREEK_RE = re.compile(r"(?<![A-Za-z])(" + "|".join(sorted(_GREEK, key=len, reverse=True)) + r")(?![a-z])",
                       re.IGNORECASE)
_SCRIPT_RE = re.compile(r"\w\^|\^[\w({]|\*\*|[A-Za-z0-9)]_[A-Za-z0-9{(]")
_DOLLAR_RE = re.compile(r"(?<!\\)\$")


def problems(fig: Figure) -> list[str]:
    """Everything a reviewer would reject in ``fig``, one message per problem, naming the axes."""
    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    all_axes = _all_axes(fig)
    names = _axes_names(all_axes)
    data_axes = [ax for ax in all_axes if _colorbar(ax) is None and _has_data(ax)]
    found: list[str] = []
    for what, box in _obstructions(fig, all_axes, renderer):
        for ax in data_axes:
            covered = _covered(ax, box)
            if covered:
                found.append(f"{names[ax]}: {what} covers {covered}")
    for ax in all_axes:
        found += [f"{names[ax]}: {p}" for p in _label_problems(fig, ax)]
        found += [f"{names[ax]}: {p}" for p in _log_span_problems(ax)]
    found += _text_problems(fig, all_axes, names)
    return found


# --- naming --------------------------------------------------------------------------------------------
def _all_axes(fig: Figure) -> list[Axes]:
    """The figure's axes and, after each, its inset axes (``inset_axes`` children are not in ``fig.axes``)."""
    found: list[Axes] = []

    def add(ax: Axes) -> None:
        found.append(ax)
        for child in ax.child_axes:
            add(child)

    for ax in fig.axes:
        add(ax)
    return found


def _axes_names(all_axes: list[Axes]) -> dict[Axes, str]:
    names = {}
    for i, ax in enumerate(all_axes):
        cb = _colorbar(ax)
        # A secondary axis (secondary_xaxis) is axes-like but has no title of its own.
        title = "".join(ax.get_title(loc) for loc in ("center", "left", "right")) if hasattr(ax, "get_title") else ""
        if cb is not None:
            names[ax] = f"colorbar axes {i}"
        else:
            names[ax] = f"axes {i} {title!r}" if title else f"axes {i}"
    return names


def _colorbar(ax: Axes):
    return getattr(ax, "_colorbar", None)


# --- what counts as data ---------------------------------------------------------------------------------
def _visible_lines(ax: Axes) -> list[Line2D]:
    return [ln for ln in ax.lines if ln.get_visible() and len(ln.get_xydata())]


def _visible_collections(ax: Axes) -> list[Collection]:
    return [c for c in ax.collections if c.get_visible() and (len(c.get_paths()) or len(c.get_offsets()))]


def _bar_patches(ax: Axes) -> list:
    return [p for c in ax.containers if isinstance(c, BarContainer) for p in c.patches if p.get_visible()]


def _visible_images(ax: Axes) -> list[AxesImage]:
    return [im for im in ax.images if im.get_visible() and not np.ma.getmaskarray(im.get_array()).all()]


def _has_data(ax: Axes) -> bool:
    return ax.get_visible() and bool(_visible_lines(ax) or _visible_collections(ax) or _bar_patches(ax)
                                     or _visible_images(ax))


# --- obstructions: legends, texts, colourbars --------------------------------------------------------------
def _obstructions(fig: Figure, all_axes: list[Axes], renderer) -> list[tuple[str, Bbox]]:
    found = []
    legends = list(fig.legends) + [ax.get_legend() for ax in all_axes if ax.get_legend() is not None]
    for leg in legends:
        if leg.get_visible():
            found.append(("the legend", leg.get_window_extent(renderer)))
    texts = list(fig.texts) + [t for ax in all_axes for t in ax.texts]
    for t in texts:
        if t.get_visible() and t.get_text().strip():
            box = t.get_window_extent(renderer)
            patch = t.get_bbox_patch()
            if patch is not None:
                box = Bbox.union([box, patch.get_window_extent(renderer)])
            found.append((f"the text {_short(t.get_text())!r}", box))
    for ax in all_axes:
        if _colorbar(ax) is not None and ax.get_visible():
            found.append(("a colorbar", ax.get_window_extent(renderer)))
    return found


def _short(text: str, n: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 3] + "..."


def _region(artist, box: Bbox) -> Bbox | None:
    """The part of ``box`` where ``artist`` can draw (its clip box), shrunk by ``INSET``; None if empty."""
    x0, y0, x1, y1 = box.extents
    if artist.get_clip_on() and artist.get_clip_box() is not None:
        c = artist.get_clip_box().extents
        x0, y0, x1, y1 = max(x0, c[0]), max(y0, c[1]), min(x1, c[2]), min(y1, c[3])
    x0, y0, x1, y1 = x0 + INSET, y0 + INSET, x1 - INSET, y1 - INSET
    return Bbox([[x0, y0], [x1, y1]]) if x1 > x0 and y1 > y0 else None


def _covered(ax: Axes, box: Bbox) -> str:
    """What of ``ax``'s data lies inside ``box`` (empty string: nothing)."""
    hits = []
    for ln in _visible_lines(ax):
        region = _region(ln, box)
        if region is None:
            continue
        xy = ln.get_transform().transform(np.asarray(ln.get_xydata(), float))
        drawn = ln.get_linestyle() not in ("None", "none", "", " ")
        segments = drawn and len(xy) > 1
        n = _segments_inside(xy[:-1], xy[1:], region) if segments else _points_inside(xy, region)
        if n:
            hits.append(f"{_count(n, 'segment' if segments else 'point')} of {_label(ln)}")
    for coll in _visible_collections(ax):
        region = _region(coll, box)
        if region is not None and (n := _collection_inside(coll, region)):
            hits.append(f"{_count(n, 'cell' if isinstance(coll, QuadMesh) else 'element')} of {_label(coll)}")
    for patch in _bar_patches(ax):
        region = _region(patch, box)
        if region is not None and patch.get_window_extent().overlaps(region):
            hits.append(f"a bar of {_label(patch)}")
            break
    for im in _visible_images(ax):
        region = _region(im, box)
        if region is not None and im.get_window_extent().overlaps(region):
            hits.append("the image")
    return "; ".join(hits)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _label(artist) -> str:
    label = artist.get_label()
    return f"{label!r}" if label and not label.startswith("_") else f"an unlabelled {type(artist).__name__}"


def _points_inside(xy: np.ndarray, box: Bbox) -> int:
    x0, y0, x1, y1 = box.extents
    ok = np.isfinite(xy).all(axis=1)
    x, y = xy[ok, 0], xy[ok, 1]
    return int(np.count_nonzero((x > x0) & (x < x1) & (y > y0) & (y < y1)))


def _segments_inside(p: np.ndarray, q: np.ndarray, box: Bbox) -> int:
    """Segments p[i] -> q[i] that cross ``box`` (Liang-Barsky clipping, vectorised); non-finite ends break a line."""
    ok = np.isfinite(p).all(axis=1) & np.isfinite(q).all(axis=1)
    p, d = p[ok], q[ok] - p[ok]
    lo, hi = np.zeros(len(p)), np.ones(len(p))
    inside = np.ones(len(p), bool)
    x0, y0, x1, y1 = box.extents
    edges = ((-d[:, 0], p[:, 0] - x0), (d[:, 0], x1 - p[:, 0]), (-d[:, 1], p[:, 1] - y0), (d[:, 1], y1 - p[:, 1]))
    with np.errstate(divide="ignore", invalid="ignore"):
        for den, num in edges:
            inside &= (den != 0) | (num > 0)  # parallel to this edge: inside only on the box's side of it
            t = num / den
            lo = np.where(den < 0, np.maximum(lo, t), lo)
            hi = np.where(den > 0, np.minimum(hi, t), hi)
    return int(np.count_nonzero(inside & (lo <= hi)))


def _collection_inside(coll: Collection, box: Bbox) -> int:
    if isinstance(coll, QuadMesh):
        return _mesh_cells_inside(coll, box)
    if isinstance(coll, PathCollection):
        offsets = np.asarray(coll.get_offsets(), float)
        return _points_inside(coll.get_offset_transform().transform(offsets), box) if len(offsets) else 0
    transform = coll.get_transform()
    if isinstance(coll, LineCollection):
        n = 0
        for seg in coll.get_segments():
            xy = transform.transform(np.asarray(seg, float))
            n += _segments_inside(xy[:-1], xy[1:], box) if len(xy) > 1 else _points_inside(xy, box)
        return n
    # Filled areas (fill_between, stackplot, filled contours): covered if a path meets the box or holds it.
    return sum(path.intersects_bbox(box, filled=True) for path in
               (transform.transform_path(p) for p in coll.get_paths()))


def _mesh_cells_inside(mesh: QuadMesh, box: Bbox) -> int:
    coords = np.asarray(mesh.get_coordinates(), float)
    xy = mesh.get_transform().transform(coords.reshape(-1, 2)).reshape(coords.shape)
    corners = np.stack([xy[:-1, :-1], xy[1:, :-1], xy[:-1, 1:], xy[1:, 1:]])
    lo, hi = corners.min(axis=0), corners.max(axis=0)
    x0, y0, x1, y1 = box.extents
    overlap = (lo[..., 0] < x1) & (hi[..., 0] > x0) & (lo[..., 1] < y1) & (hi[..., 1] > y0)
    values = mesh.get_array()
    if values is not None and np.ndim(values) >= 2 and np.shape(values)[:2] == overlap.shape:
        overlap &= ~np.ma.getmaskarray(values)[..., 0] if np.ndim(values) == 3 else ~np.ma.getmaskarray(values)
    return int(np.count_nonzero(overlap))


# --- labels and scales ---------------------------------------------------------------------------------------
def _label_problems(fig: Figure, ax: Axes) -> list[str]:
    cb = _colorbar(ax)
    if cb is not None:
        return [] if cb.long_axis.get_label_text().strip() else ["colorbar has no label"]
    if not _has_data(ax) or not ax.axison:
        return []
    found = []
    for name, axis, siblings, sup in (("x", ax.xaxis, ax.get_shared_x_axes(), getattr(fig, "_supxlabel", None)),
                                      ("y", ax.yaxis, ax.get_shared_y_axes(), getattr(fig, "_supylabel", None))):
        if not axis.get_visible() or axis.get_label_text().strip():
            continue
        if sup is not None and sup.get_text().strip():
            continue
        others = siblings.get_siblings(ax)
        if any((o.xaxis if name == "x" else o.yaxis).get_label_text().strip() for o in others if o is not ax):
            continue
        found.append(f"no {name} label")
    return found


def _log_span_problems(ax: Axes) -> list[str]:
    found = []
    for name, scale, lims in (("x", ax.get_xscale(), ax.get_xlim()), ("y", ax.get_yscale(), ax.get_ylim())):
        lo, hi = sorted(lims)
        if scale == "log" and lo > 0 and np.isfinite(hi):
            decades = np.log10(hi) - np.log10(lo)
            if decades > MAX_DECADES:
                found.append(f"log {name} axis spans {decades:.0f} decades (more than {MAX_DECADES:.0f})")
    return found


# --- text ----------------------------------------------------------------------------------------------------
def plain_parts(text: str) -> str:
    """The parts of ``text`` Matplotlib draws as plain text (outside ``$...$``; all of it if the $ are unbalanced)."""
    parts = _DOLLAR_RE.split(text)
    if len(parts) % 2 == 0:  # an odd number of $: Matplotlib draws the string literally
        return text
    return " ".join(parts[::2])


def text_problem(text: str) -> str | None:
    """Why ``text`` would be rejected (bare Greek, ASCII sub/superscripts), or None."""
    plain = plain_parts(text)
    greek = _GREEK_RE.search(plain)
    if greek:
        return f"bare Greek word {greek.group(0)!r} outside mathtext in {_short(text)!r}"
    script = _SCRIPT_RE.search(plain)
    if script:
        return f"ASCII sub/superscript {script.group(0)!r} outside mathtext in {_short(text)!r}"
    return None


def _text_problems(fig: Figure, all_axes: list[Axes], names: dict[Axes, str]) -> list[str]:
    # Each text once, under the axes that draws it (axis labels, ticks, legend entries) or "figure".
    owner: dict[int, str] = {}
    for ax in all_axes:  # parents before their insets: an inset names the texts it draws
        for t in ax.findobj(Text):
            owner[id(t)] = names[ax]
    found, seen = [], set()
    for t in fig.findobj(Text):
        text = t.get_text()
        if not t.get_visible() or not text.strip() or text in seen:
            continue
        seen.add(text)
        problem = text_problem(text)
        if problem:
            found.append(f"{owner.get(id(t), 'figure')}: {problem}")
    return found
