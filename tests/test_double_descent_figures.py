"""Double-descent figures' data and the ``simulate double-descent`` experiment show what their captions claim."""

import json
import math

import numpy as np
import pytest
from figure_arrays import figure_arrays

from derivations import cli
from derivations.experiments import get_experiment
from figures.registry import all_figures, get_figure

Z = 4.5  # standard errors: a false alarm has probability < 1e-5 per comparison

DD_FIGURES = {"dd_hastie", "dd_ridge", "dd_misspecified", "dd_bhx", "dd_random_features", "dd_sample_wise",
              "dd_gradient_flow", "dd_early_stopping", "dd_ablations"}


compute = figure_arrays  # fast-mode data, computed once per session


def test_every_double_descent_figure_is_registered():
    assert DD_FIGURES <= {spec.name for spec in all_figures()}


def test_hastie_peak_and_null_risk():
    d = compute("dd_hastie")
    g = d["gamma"]
    for snr in (0.5, 1.0, 5.0):
        risk = d[f"risk_{snr:g}"]
        assert risk[np.argmin(np.abs(g - 1))] > 50
        assert abs(risk[-1] - snr) <= (1 + snr) / (g[-1] - 1)  # |R - r2| <= (sigma2 + r2)/(gamma - 1): the null risk
        # Dots come from the simulation, the curve from the formula: they agree to a few percent.
        assert d[f"mc_{snr:g}"] == pytest.approx(np.interp(d["gamma_mc"], g, risk), rel=0.1)


def test_optimal_ridge_curve_has_no_peak_and_lies_below_the_others():
    d = compute("dd_ridge")
    assert np.all(np.diff(d["optimal"]) > 0)
    for lam in (0.01, 0.1, 1.0):
        assert np.all(d["optimal"] <= d[f"ridge_{lam:g}"] * (1 + 1e-12))


def test_misspecified_minimum_beyond_threshold():
    d = compute("dd_misspecified")
    assert float(d["best"]) > 1 and d["risk"].min() < d["risk"][d["gamma"] < 1].min()


def test_bhx_second_descent_wins():
    d = compute("dd_bhx")
    assert np.nanargmin(np.where(np.isfinite(d["risk"]), d["risk"], np.nan)) == 100
    assert d["mc"] == pytest.approx(np.interp(d["p_mc"], d["p"], d["risk"]), rel=0.15)


def test_sample_wise_onset_and_monotone_optimal_ridge():
    d = compute("dd_sample_wise")
    n, risk = d["n"], d["risk"]
    with np.errstate(invalid="ignore"):  # inf - inf at the interpolation threshold
        rising = np.diff(risk) > 0
    assert np.all(rising[(n[:-1] >= d["onset"]) & (n[:-1] <= 97)]) and np.all(np.diff(d["optimal"]) < 0)


def test_gradient_flow_early_stopping_is_smooth_in_alpha():
    d = compute("dd_gradient_flow")
    assert d["converged"].max() > 3 * d["early_stopped"].max()
    assert np.all(d["early_stopped"] <= d["converged"] + 1e-9)
    assert np.all(np.diff(d["early_stopped"]) < 0)  # monotone in alpha: no peak once stopped early


def test_early_stopping_two_u_curves():
    d = compute("dd_early_stopping")
    total, fixed = d["total"], d["fixed"]
    minima = np.flatnonzero((total[1:-1] < total[:-2]) & (total[1:-1] < total[2:]))
    assert minima.size == 2
    assert np.sum((fixed[1:-1] < fixed[:-2]) & (fixed[1:-1] < fixed[2:])) == 1
    for part in (d["fast"], d["slow"]):  # the caption's two U-curves: each falls, then rises
        falling = np.diff(part) < 0
        assert falling[0] and not falling[-1] and not np.any(falling[1:] & ~falling[:-1])


def test_ablations_each_remove_the_peak():
    d = compute("dd_ablations")
    peak = d["unablated"].max()
    assert abs(np.log(d["ratio"][np.argmax(d["unablated"])])) < 0.2
    for curve in (*d["cut"], d["lead"], d["clean"]):
        assert curve.max() < 0.2 * peak
    # The caption's claim: a cut at 1 leaves a bump near P = N, a cut at 3 leaves none (the MSE falls with N).
    at_one, at_three = d["cut"]
    near = np.abs(np.log(d["ratio"])) < 0.5
    assert at_one[near].max() > 1.15 * at_one[0]
    assert np.all(np.diff(at_three) < 0.05 * at_three[:-1])  # ordered by N: falling, within the sampling noise


@pytest.mark.parametrize(("name", "panel", "at"), [
    ("dd_hastie", 0, 1.0), ("dd_ridge", 0, 1.0), ("dd_misspecified", 0, 1.0), ("dd_bhx", 0, 40),
    ("dd_random_features", 0, 1.0), ("dd_sample_wise", 0, 100), ("dd_gradient_flow", 1, 1.0),
])
def test_divergences_are_drawn_as_divergences(name, panel, at):
    """Broken at the pole, both branches leaving through the top of the axes, a dashed asymptote there."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    spec = get_figure(name)
    fig = spec.plot(compute(name))
    ax = fig.axes[panel]
    top = ax.get_ylim()[1]
    lines = [(ln.get_xdata(), ln.get_ydata()) for ln in ax.lines]
    assert any(np.allclose(x, at) and ln.get_linestyle() == "--" for (x, _), ln in zip(lines, ax.lines))
    for x, y in ((np.asarray(x, float), np.asarray(y, float)) for x, y in lines):
        crossing = (x[:-1] - at) * (x[1:] - at) < 0
        assert not np.any(crossing & (np.maximum(y[:-1], y[1:]) > top))  # never joined across above the axes
    for side in (np.less_equal, np.greater_equal):  # each branch runs off the top
        assert any(np.all(side(np.asarray(x, float), at)) and np.max(y) > top for x, y in lines if len(x) > 1)
    plt.close(fig)


@pytest.mark.parametrize("axis", ["model", "sample", "epoch"])
def test_simulate_axes_return_curve_peak_and_closed_form(axis):
    exp = get_experiment("double-descent")
    extra = {"n": 100, "sigma2": 10.0, "repeats": 200} if axis == "epoch" else {"repeats": 40, "n": 20, "p": 20}
    out = exp(axis=axis, points=25, **extra)
    assert out["axis"] == axis and len(out["grid"]) == len(out["mc_risk"]) == len(out["closed_form_risk"])
    if axis == "epoch":
        assert 12 < out["peak"] < 100 and 12 < out["peak_predicted"] < 100
    else:
        assert abs(out["peak"] - 20) <= 2 and abs(out["peak_predicted"] - 20) <= 2
        # The closed form is the exact finite-sample expectation; away from the pole the risk has finite variance.
        finite = np.isfinite(out["closed_form_risk"]) & (np.abs(out["grid"] - 20) > 6)
        gap = np.abs(out["mc_risk"][finite] - out["closed_form_risk"][finite])
        assert np.all(gap <= Z * out["mc_se"][finite]), (gap, out["mc_se"][finite])


def test_simulate_rejects_bad_axis():
    with pytest.raises(ValueError, match="axis"):
        get_experiment("double-descent")(axis="width")


def test_cli_eval_and_simulate_json(capsys):
    assert cli.main(["eval", "double_descent.ridgeless_risk", "gamma=1", "r2=1", "sigma2=1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["value"] == math.inf
    assert cli.main(["simulate", "double-descent", "axis=sample", "points=4", "repeats=3", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"grid", "mc_risk", "closed_form_risk", "peak"} <= set(out)
    assert cli.main(["eval", "double_descent.ridge_risk", "gamma=2", "lam=-1", "r2=1", "sigma2=1"]) == 2
    err = capsys.readouterr().err
    assert "lam" in err and "Traceback" not in err


def test_every_formula_prints_and_describes_itself():
    from theory.registry import formulas

    records = [f.as_dict() for f in formulas() if f.name.startswith("double_descent.")]
    assert len(records) >= 20
    for record in records:
        assert record["latex"] and record["source"] and record["description"]
