"""Refuted claims next to their counterexamples: each panel sweeps one argument of a claim through its domain,
the other arguments held at the shipped counterexample, and draws what the claim's own body computes there,
beside what the statement says."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from matplotlib import pyplot as plt

from figures.registry import figure


@dataclass(frozen=True)
class Panel:
    """A claim drawn against one of its arguments: ``value`` (a number its body reports) against ``sweep``."""

    claim: str
    sweep: str
    value: str
    title: str
    xlabel: str
    ylabel: str
    said: Callable[[np.ndarray], np.ndarray]  # what the statement says the value is, drawn dashed
    said_label: str
    logy: bool = False
    curve_label: str = "computed at the counterexample"
    sub_label: str = ""  # the curve inside the stated sub-domain; default: the arguments moved there


PANELS = (
    Panel("documents.critical_scale_step", "ratio", "P", "A: emergence as a step at $N_c$",
          r"$N/N_c$", "P(emergence)", lambda x: np.where(x < 1.0, 0.0, 1.0), "the documents' step"),
    Panel("scaling.twenty_tokens_per_parameter", "C", "tokens_per_param", "B: 20 tokens per parameter",
          r"compute $C$ (FLOP)", r"$D_{opt}/N_{opt}$", lambda x: np.full_like(x, 20.0), "20, as stated",
          curve_label="Hoffmann et al.'s printed fit (the counterexample)",
          sub_label="Besiroglu et al.'s refit (the stated sub-domain)"),
    Panel("grokking.huang_1570x", "memorization_data", "ratio", "C: the 1570-fold transition size",
          "memorization examples", "transition size, with / without", lambda x: np.full_like(x, 1570.0),
          "1570, as stated", logy=True),
    Panel("grokking.huang_no_double_descent_above_crossing", "data_ratio", "dip", r"D: no double descent above $D^*$",
          r"$D/D^*$", "largest fall of validation accuracy", lambda x: np.zeros_like(x), "none, as stated"),
)


def _grid(interval, n: int) -> np.ndarray:
    if interval.log:
        return np.geomspace(interval.lo, interval.hi, n)
    return np.linspace(interval.lo, interval.hi, n)


def _curve(claim, point: dict, sweep: str, xs: np.ndarray, value: str) -> tuple[np.ndarray, np.ndarray]:
    """The body's ``value`` and answer along ``xs`` (NaN where the body does not apply)."""
    ys, oks = np.full(xs.size, np.nan), np.zeros(xs.size, dtype=bool)
    for i, x in enumerate(xs):
        try:
            ok, values = claim.evaluate({**point, sweep: float(x)})
        except ValueError:  # outside the body's own range (a ClaimError is a ValueError): a gap in the curve
            continue
        ys[i], oks[i] = values[value], ok
    return ys, oks


def _sub_point(claim, cex: dict, sweep: str) -> dict | None:
    """The counterexample moved to the lower corner of the stated sub-domain (None if it restricts only the sweep)."""
    if claim.holds_on is None:
        return None
    moved = {k: iv.integer_bounds()[0] if iv.integer else iv.lo for k, iv in claim.holds_on.items()
             if k != sweep and iv != claim.domain[k]}
    return {**cex, **moved} if moved else None


@figure("claims_overview",
        "four refuted claims next to their counterexamples: what the statement says (dashed), what the claim's own "
        "check computes along one argument at the counterexample (solid, red where the claim fails; dot: the "
        "counterexample), and, for a conditional claim, inside its stated sub-domain (green)",
        source="the claims catalog (derivations/claims/catalog) and its shipped verdicts",
        settings={"panels": [p.claim for p in PANELS]})
def claims_overview(fast: bool) -> dict:
    from derivations.claims import get_claim, shipped
    from derivations.claims.report import symbol

    records = (shipped.read() or shipped.Shipped([], False)).by_id()
    out: dict[str, np.ndarray] = {}
    for i, panel in enumerate(PANELS):
        record = records.get(panel.claim)
        if record is None or record["counterexample"] is None:
            continue  # not refuted (any more): the panel stays empty
        claim, cex = get_claim(panel.claim), record["counterexample"]
        xs = _grid(claim.domain[panel.sweep], 15 if fast else 60)
        out[f"x{i}"] = xs
        out[f"y{i}"], out[f"ok{i}"] = _curve(claim, cex, panel.sweep, xs, panel.value)
        out[f"cex{i}"] = np.array([cex[panel.sweep], claim.evaluate(cex)[1][panel.value]])
        out[f"verdict{i}"] = np.array(record["verdict"])
        if claim.holds_on is not None and claim.holds_on[panel.sweep] != claim.domain[panel.sweep]:
            out[f"sub_span{i}"] = np.array([claim.holds_on[panel.sweep].lo, claim.holds_on[panel.sweep].hi])
        sub = _sub_point(claim, cex, panel.sweep)
        if sub is not None:
            out[f"sub{i}"], _ = _curve(claim, sub, panel.sweep, xs, panel.value)
            out[f"sub_at{i}"] = np.array(", ".join(f"${symbol(k)} = {v:g}$" for k, v in sub.items()
                                                   if k != panel.sweep and v != cex[k]))
    return out


def _legend_below(ax: plt.Axes) -> None:
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2))


@claims_overview.plot
def _(d: dict) -> plt.Figure:
    fig, axes = plt.subplots(2, 2, figsize=(10, 9.6), layout="constrained")
    for i, (panel, ax) in enumerate(zip(PANELS, axes.flat)):
        if f"x{i}" not in d:
            ax.set_axis_off()
            continue
        xs, ys, ok = d[f"x{i}"], d[f"y{i}"], d[f"ok{i}"].astype(bool)
        ax.plot(xs, panel.said(xs), color="0.35", ls="--", label=panel.said_label)
        ax.plot(xs, ys, color="C0", label=panel.curve_label)
        # Markers too: a failing stretch may be a single grid point, which a line alone would not show.
        ax.plot(xs, np.where(ok, np.nan, ys), color="C1", lw=3, alpha=0.8, marker="o", ms=3,
                label="where the claim fails")
        if f"sub{i}" in d:
            ax.plot(xs, d[f"sub{i}"], color="C2",
                    label=panel.sub_label or f"inside the stated sub-domain ({d[f'sub_at{i}']})")
        if f"sub_span{i}" in d:
            ax.axvspan(*d[f"sub_span{i}"], color="C2", alpha=0.12, lw=0, label="the stated sub-domain")
        ax.plot(*d[f"cex{i}"], "o", color="C1", ms=6, mec="k", label="the counterexample")
        if xs[0] > 0 and xs[-1] / xs[0] > 30:
            ax.set_xscale("log")
        if panel.logy:
            ax.set_yscale("log")
        ax.set_xlabel(panel.xlabel)
        ax.set_ylabel(panel.ylabel)
        ax.set_title(f"{panel.title} ({d[f'verdict{i}']})")
        _legend_below(ax)
    return fig
