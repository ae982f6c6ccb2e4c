"""Fitting the two-circuit model to runs: the censored likelihood against SciPy's normal distribution, the fit
against runs simulated by the model's own flow (with censoring), the command's bad input and its prediction."""

import json
import math

import numpy as np
import pytest
from scipy.stats import norm

from derivations.cli import main
from derivations.grokking import fit as model
from derivations.grokking.fit_command import prediction
from derivations.grokking.likelihood import censored_lognormal
from derivations.grokking.rundata import REQUIRED, Runs

HEADER = ",".join(REQUIRED)
# Known constants: critical fraction, weight-decay scale, memorizer and generalizer rates, m0, log-time scatters.
TRUE = {"critical_fraction": 0.2, "weight_decay_scale": 0.3, "memorizer_rate": 5.0, "generalizer_rate": 0.5,
        "init_memorizing": 0.01, "sigma_memorize": 0.05, "sigma_generalize": 0.05}
X_TRUE = np.log(list(TRUE.values()))
LR, CAP = 0.003, 20_000.0
SETTINGS = [(0.15, 3.0), (0.25, 3.0), (0.3, 1.0), (0.3, 3.0), (0.45, 1.0), (0.45, 3.0), (0.7, 0.3), (0.7, 1.0),
            (0.7, 3.0)]


def test_likelihood_is_the_normal_density_and_survival_of_log_time_with_exact_gradients():
    log_t = np.log([50.0, 400.0, 3000.0, 3000.0, 10.0])
    observed = np.array([True, True, False, False, True])
    mu, log_s = np.array([4.0, 6.5, 7.0, 12.0, 1.0]), math.log(0.4)
    ll, d_mu, d_log_s = censored_lognormal(log_t, observed, mu, log_s)
    expected = np.where(observed, norm.logpdf(log_t, mu, 0.4), norm.logsf(log_t, mu, 0.4))
    np.testing.assert_allclose(ll, expected, rtol=1e-12)
    h = 1e-6
    np.testing.assert_allclose(d_mu, (censored_lognormal(log_t, observed, mu + h, log_s)[0] - ll) / h, rtol=1e-4)
    np.testing.assert_allclose(d_log_s, (censored_lognormal(log_t, observed, mu, log_s + h)[0] - ll) / h, rtol=1e-4,
                               atol=1e-6)
    # "Never" (mu = +inf): certain for a censored run, impossible for an observed one.
    ll, d_mu, _ = censored_lognormal(log_t[2:], observed[2:], np.full(3, np.inf), log_s)
    assert ll.tolist() == [0.0, 0.0, -math.inf] and d_mu.tolist() == [0.0, 0.0, 0.0]


@pytest.fixture(scope="module")
def simulated() -> Runs:
    """Runs of the model's flow (integrated, not the closed forms) at the known constants: seeded log-normal
    scatter, and censored where the event comes after the cap."""
    rng = np.random.default_rng(7)
    times = []
    for fraction, wd in SETTINGS:
        summary = model.model_run(X_TRUE, fraction, wd, LR, horizon=CAP, n_points=10).summary
        times.append([np.nan if summary[k] is None else summary[k] for k in ("t_memorize", "t_generalize")])
    times = np.array(times) * np.exp(0.05 * rng.standard_normal((len(SETTINGS), 2)))
    times[times > CAP] = np.nan
    fr, wd = np.array(SETTINGS).T
    n = len(SETTINGS)
    return Runs(fr, wd, np.full(n, LR), np.full(n, CAP), times[:, 0], times[:, 1], np.arange(1, n + 1))


@pytest.fixture(scope="module")
def fitted(simulated) -> model.GrokkingFit:
    return model.fit_runs(simulated)


def test_the_fit_recovers_the_constants_of_simulated_runs(simulated, fitted):
    assert np.isnan(simulated.t_generalize).sum() >= 2  # below f_crit, and near it at low weight decay
    c = fitted.constants
    assert c["critical_fraction"] == pytest.approx(TRUE["critical_fraction"], rel=0.05)
    # The delay scales as 1/(kappa r_g): their product is what the delays identify.
    assert c["weight_decay_scale"] * c["generalizer_rate"] == pytest.approx(
        TRUE["weight_decay_scale"] * TRUE["generalizer_rate"], rel=0.15)
    # A setting the fit never saw: the fitted closed forms against the flow at the true constants.
    expected = model.model_run(X_TRUE, 0.35, 2.0, LR, horizon=CAP, n_points=10).summary["t_generalize"]
    assert float(model.predict(fitted.x, 0.35, 2.0, LR)[1]) == pytest.approx(expected, rel=0.1)


def test_a_prediction_below_the_critical_fraction_is_never(fitted):
    below = {"fraction": fitted.constants["critical_fraction"] / 2, "weight_decay": 1.0, "lr": LR}
    p = prediction(fitted, None, below)
    assert p["t_generalize"] is None and p["t_memorize"] > 0 and p["t_generalize_interval"][1] == math.inf


def test_holdout_is_a_checkerboard_with_every_fraction_and_weight_decay_on_both_sides(simulated):
    keep = model.holdout_mask(simulated)
    for values in (simulated.fraction, simulated.weight_decay):
        for v in np.unique(values):
            if np.sum(values == v) > 1:
                assert keep[values == v].any() and (~keep[values == v]).any()


def _csv(tmp_path, rows: list[str], header: str = HEADER) -> str:
    path = tmp_path / "runs.csv"
    path.write_text("\n".join([header, *rows]) + "\n")
    return str(path)


# Measured runs (p = 97 MLP, AdamW lr 3e-3) as tabulated in the package's research notes on real training.
GOOD = [f"{f},{wd},0.003,{cap},{tm},{tg}" for f, wd, cap, tm, tg in [
    (0.3, 0.3, 10000, 100, ""), (0.3, 1, 10000, 110, 5850), (0.3, 3, 10000, 380, 2540), (0.4, 0.3, 10000, 120, ""),
    (0.4, 1, 10000, 140, 1830), (0.4, 3, 10000, 490, 960), (0.5, 0.3, 10000, 140, 2370), (0.5, 1, 10000, 170, 750),
    (0.5, 1, 10000, 170, 970), (0.5, 1, 10000, 170, 870), (0.5, 3, 10000, 330, 480), (0.7, 0.3, 10000, 150, 910),
    (0.7, 1, 10000, 160, 460), (0.7, 3, 10000, 220, 290), (0.1, 3, 3000, 70, ""), (0.15, 3, 3000, 110, ""),
    (0.2, 3, 10000, 150, ""), (0.25, 3, 10000, 220, 5860)]]


@pytest.mark.parametrize(("bad", "row", "column"), [
    ("abc,1,0.003,10000,100,", 2, "fraction"),
    ("1.5,1,0.003,10000,100,", 2, "fraction"),
    ("0.3,-1,0.003,10000,100,", 2, "weight_decay"),
    ("0.3,1,,10000,100,", 2, "lr"),
    ("0.3,1,0.003,10000,nan,", 2, "t_memorize"),
    ("0.3,1,0.003,10000,100,20000", 2, "t_generalize"),  # after the run's last step
])
def test_a_bad_row_exits_2_naming_its_row_and_column(tmp_path, capsys, bad, row, column):
    path = _csv(tmp_path, [GOOD[0], bad, *GOOD[1:]])
    assert main(["fit", "grokking", path, "--json"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"row {row} " in err and repr(column) in err


@pytest.mark.parametrize(("rows", "header", "message"), [
    (GOOD, "fraction,weight_decay,lr,steps,t_memorize", "no column 't_generalize'"),
    ([*GOOD, "0.3,1,0.003,10000,100,200,7"], HEADER, "row 19"),
    ([], HEADER, "no runs"),
    ([r.rsplit(",", 1)[0] + "," for r in GOOD], HEADER, "cannot identify"),  # nothing generalized
    ([r for r in GOOD if r.startswith("0.5,")], HEADER, "cannot identify"),  # one fraction
])
def test_bad_files_exit_2_in_one_line(tmp_path, capsys, rows, header, message):
    assert main(["fit", "grokking", _csv(tmp_path, rows, header)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


@pytest.mark.parametrize(("words", "name"), [(["fraction=2", "weight_decay=1"], "fraction"),
                                             (["fraction=0.4"], "weight_decay"), (["fraction=0.4", "wd=1"], "wd")])
def test_bad_predict_words_exit_2_before_fitting(tmp_path, capsys, words, name):
    assert main(["fit", "grokking", _csv(tmp_path, GOOD), "--predict", *words]) == 2
    assert name in capsys.readouterr().err


def test_prediction_and_hold_out_json(tmp_path, capsys):
    path = _csv(tmp_path, GOOD)
    assert main(["fit", "grokking", path, "--bootstrap", "3", "--hold-out", "--predict", "fraction=0.45",
                 "weight_decay=1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    p = out["prediction"]
    assert p["lr"] == 0.003 and 0 < p["t_memorize"] < p["t_generalize"]
    low, high = p["t_generalize_interval"]
    assert low < p["t_generalize"] < high
    assert {"critical_fraction", "constants", "runs"} <= set(out)
    held = out["hold_out"]
    assert len(out["runs"]) + len(held["runs"]) == len(GOOD) and set(held["held_out_rows"]).isdisjoint(
        held["fitted_rows"])
    assert held["errors"]["away_from_critical"]["median_factor"] >= 1
    assert all("interval" in c for c in out["constants"].values())
