"""The robust Chinchilla fit: published replication numbers, exact and noisy recovery, the CLI and its errors."""

import json
import math
import time

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.integrate import quad
from scipy.optimize import minimize
from scipy.stats import norm

from derivations.cli import main
from derivations.compile import compile_expr
from derivations.evaluate import evaluate
from derivations.scaling import fit
from theory.scaling import CHINCHILLA_SETS

REFIT = CHINCHILLA_SETS["besiroglu2024"].values
TRUTH = np.array([math.log(REFIT["A"]), math.log(REFIT["B"]), math.log(REFIT["E"]), REFIT["alpha"], REFIT["beta"]])


@pytest.fixture(scope="module")
def runs() -> fit.RunData:
    return fit.read_runs(fit.DATA_FILE)


@pytest.fixture(scope="module")
def grid(runs) -> fit.GridFit:
    return fit.fit_grid(runs)


def _synthetic(runs: fit.RunData, noise: float = 0.0, seed: int = 0) -> fit.RunData:
    predict = compile_expr((*fit.PARAMS, fit.log_N, fit.log_D), fit.log_prediction)
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    log_loss = predict(*TRUTH, runs.log_N, runs.log_D) + noise * rng.standard_normal(runs.n)
    return fit.RunData(runs.log_N, runs.log_D, log_loss, runs.rows)


# --- the pieces ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("delta", [1e-3, 0.1, 1.0, 3.0])
def test_huber_normalizer_matches_quadrature_and_the_replications_formula(delta):
    z = evaluate("fit.huber_normalizer", huber_delta=delta)
    huber = compile_expr((fit.r, fit.delta), fit.huber)
    numeric = 2 * (quad(lambda x: math.exp(-huber(x, delta)), 0, delta)[0]
                   + quad(lambda x: math.exp(-huber(x, delta)), delta, np.inf)[0])
    assert z == pytest.approx(numeric, rel=1e-8)
    written = math.sqrt(2 * math.pi) * (1 - 2 * norm.sf(delta)) + 2 * math.exp(-delta**2 / 2) / delta
    assert z == pytest.approx(written, rel=1e-12)


@pytest.mark.parametrize(("r", "d", "expected"), [
    (0.5, 1.0, 0.125), (-0.5, 1.0, 0.125),  # quadratic branch r^2/2
    (3.0, 1.0, 2.5), (-3.0, 2.0, 4.0),      # linear branch delta (|r| - delta/2)
    (1.0, 1.0, 0.5),                          # the branches meet at |r| = delta
])
def test_huber_loss_values(r, d, expected):
    # Huber 1964: rho(r) = r^2/2 for |r| <= delta, delta |r| - delta^2/2 beyond.
    assert evaluate("fit.huber_loss", residual=r, huber_delta=d) == pytest.approx(expected, rel=1e-15)


@given(st.floats(1e7, 1e12), st.floats(1e8, 1e13))
def test_log_prediction_is_the_log_of_the_chinchilla_loss(n, d):
    log_pred = evaluate("fit.log_loss_prediction", log_N=math.log(n), log_D=math.log(d), log_A=TRUTH[0],
                        log_B=TRUTH[1], log_E=TRUTH[2], alpha=TRUTH[3], beta=TRUTH[4])
    assert log_pred == pytest.approx(math.log(evaluate("scaling.chinchilla_loss", N=n, D=d, **REFIT)), rel=1e-12)


@pytest.mark.parametrize("which", ["huber", "likelihood"])
def test_gradient_and_hessian_match_finite_differences(runs, which):
    objective = fit.huber_objective() if which == "huber" else fit.likelihood_objective()
    x = np.append(TRUTH + [0.3, -0.2, 0.05, 0.02, -0.03], -4.0)[: len(objective.params)]
    f, g, h = objective(x, runs, hessian=True)
    step = 1e-6
    for j in range(len(x)):
        e = np.zeros_like(x)
        e[j] = step
        fp, gp = objective(x + e, runs)
        fm, gm = objective(x - e, runs)
        assert (fp - fm)[0] / (2 * step) == pytest.approx(g[0, j], rel=1e-5, abs=1e-9 * abs(f[0]))
        assert (gp - gm)[0] / (2 * step) == pytest.approx(h[0, j], rel=1e-4, abs=1e-6 * np.abs(h).max())


def test_batched_lbfgs_agrees_with_scipy_on_rosenbrock_batches():
    def rosen(x, _rows):
        f = (1 - x[:, 0]) ** 2 + 100 * (x[:, 1] - x[:, 0] ** 2) ** 2
        g = np.stack([-2 * (1 - x[:, 0]) - 400 * x[:, 0] * (x[:, 1] - x[:, 0] ** 2), 200 * (x[:, 1] - x[:, 0] ** 2)], 1)
        return f, g

    starts = np.array([[-1.2, 1.0], [2.0, 2.0], [0.0, -1.0], [-0.5, 3.0]])
    ends, values = fit.batched_lbfgs(rosen, starts)
    for x0, end in zip(starts, ends):
        ref = minimize(lambda x: rosen(x[None], None)[0][0], x0, jac=lambda x: rosen(x[None], None)[1][0],
                       method="L-BFGS-B", options={"ftol": 1e-15, "gtol": 1e-12})
        assert end == pytest.approx(ref.x, abs=1e-5)
    assert np.all(values < 1e-10)


# --- the data ------------------------------------------------------------------------------------------------------
def test_packaged_data_and_the_outlier_rule(runs):
    assert runs.n == 240 and runs.dropped_rows == (1, 2, 3, 4, 5)
    everything = fit.read_runs(fit.DATA_FILE, drop_highest=0)
    assert everything.n == 245
    dropped_loss = np.exp(everything.log_L[np.isin(everything.rows, runs.dropped_rows)])
    assert np.all(dropped_loss >= 3.4470 - 1e-4) and np.exp(runs.log_L).max() < 3.4470
    # Ranges of the extracted runs, as Besiroglu et al. 2024 (§2) describe the data set.
    assert np.exp(everything.log_N).min() == pytest.approx(5.73e7, rel=1e-3)
    assert np.exp(everything.log_D).max() == pytest.approx(3.18e11, rel=1e-3)


# --- the published replication ------------------------------------------------------------------------------------
def test_grid_fit_reproduces_the_replications_grid_optimum(grid):
    # Besiroglu et al.'s notebook: A 477.84, B 2143.86, E 1.8172, alpha 0.34731, beta 0.36718, objective 0.0010182740
    # (their L-BFGS-B stopped at default tolerances, hence B's 4th digit differs in this flat direction).
    p = grid.params
    assert grid.objective == pytest.approx(0.0010182740, abs=5e-11)  # printed to 10 decimals
    assert p["E"] == pytest.approx(1.8172, abs=1e-4)
    assert p["alpha"] == pytest.approx(0.34731, abs=2e-5) and p["beta"] == pytest.approx(0.36718, abs=2e-5)
    assert p["A"] == pytest.approx(477.84, rel=1e-3) and p["B"] == pytest.approx(2143.86, rel=1e-3)
    # Several distinct start points polish to this optimum: the evidence that it is the global one.
    assert grid.n_starts == 4500 and grid.starts_at_best >= 3


def test_pruning_keeps_the_optimum_of_running_every_start(runs):
    starts = fit.grid_starts(10)
    pruned = fit.fit_grid(runs, starts)
    full = fit.fit_grid(runs, starts, prune=(), iterations=1000)
    assert pruned.objective == pytest.approx(full.objective, rel=1e-12)


def test_subsampled_grid_search_finds_the_full_data_optimum(runs, grid, monkeypatch):
    # The search on 60 of the 240 runs, then the polish on all of them, lands on the full search's optimum.
    monkeypatch.setattr(fit, "GRID_RUNS", 60)
    sub = runs.subsample(60)
    assert sub.n == 60 and sub.log_N.min() <= np.quantile(runs.log_N, 0.05)
    assert fit.fit_grid(runs).objective == pytest.approx(grid.objective, rel=1e-12)


def test_likelihood_estimate_reproduces_the_published_point_estimate(runs, grid):
    # Published (Table 1 / notebook): A 482.01, B 2085.43, E 1.81686, alpha 0.3478, beta 0.3658; log scale -12.2666,
    # log-likelihood 879.77 on 240 runs.
    mle = fit.fit_likelihood(runs, grid.theta)
    p = mle.params
    assert p["A"] == pytest.approx(482.006, abs=0.01) and p["B"] == pytest.approx(2085.434, abs=0.02)
    assert p["E"] == pytest.approx(1.81686, abs=1e-5)
    assert p["alpha"] == pytest.approx(0.34781, abs=1e-5) and p["beta"] == pytest.approx(0.36585, abs=1e-5)
    assert mle.log_scale == pytest.approx(-12.2666, abs=1e-4)
    assert mle.log_likelihood == pytest.approx(879.77, abs=0.01)


def test_hoffmann_parameter_sets_fit_the_data_worse(runs):
    # Scale-only log-likelihoods from the notebook: rounded 562.25, unrounded 837.78.
    for name, expected in (("hoffmann_rounded", 562.25), ("hoffmann_unrounded", 837.78)):
        v = CHINCHILLA_SETS[name].values
        theta = np.array([math.log(v["A"]), math.log(v["B"]), math.log(v["E"]), v["alpha"], v["beta"]])
        assert fit.likelihood_at(theta, runs) == pytest.approx(expected, abs=0.01)


# --- recovery -----------------------------------------------------------------------------------------------------
def test_noiseless_synthetic_data_are_recovered_exactly(runs):
    result = fit.fit_grid(_synthetic(runs), fit.grid_starts(20))
    assert result.theta == pytest.approx(TRUTH, abs=1e-9)
    assert result.objective < 1e-20


@pytest.mark.parametrize("seed", [1, 2])
def test_noisy_synthetic_data_recover_E_and_a_within_bootstrap_error(runs, seed):
    data = _synthetic(runs, noise=0.005, seed=seed)
    result = fit.fit_grid(data, fit.grid_starts(20))
    draws = fit.bootstrap(data, result.theta, 30, seed=0, progress=False)

    def exponent_a(theta):
        return theta[..., 4] / (theta[..., 3] + theta[..., 4])

    for estimate, spread, truth in ((math.exp(result.theta[2]), np.exp(draws[:, 2]).std(), REFIT["E"]),
                                    (exponent_a(result.theta), exponent_a(draws).std(), exponent_a(TRUTH))):
        assert abs(estimate - truth) < 3 * spread


def test_bootstrap_refit_is_the_resamples_minimum(runs, grid):
    # Newton from the full-data optimum against scipy's L-BFGS-B from several grid starts on one resample.
    counts = np.random.default_rng(np.random.SeedSequence(5)).multinomial(runs.n, np.full(runs.n, 1 / runs.n))
    objective = fit.huber_objective()
    draw = fit.bootstrap(runs, grid.theta, 1, seed=5, progress=False)[0]
    refit = objective(draw, runs, counts[None].astype(float))[0][0]

    def fg(x):
        f, g = objective(x[None], runs, counts[None].astype(float))
        return f[0], g[0]

    others = [minimize(fg, x0, jac=True, method="L-BFGS-B", options={"ftol": 1e-15, "gtol": 1e-12}).fun
              for x0 in (grid.theta, *fit.grid_starts(400)[:6])]
    assert refit <= min(others) * (1 + 1e-9)


def test_bootstrap_is_seeded(runs, grid):
    first = fit.bootstrap(runs, grid.theta, 6, seed=11, progress=False)
    again = fit.bootstrap(runs, grid.theta, 6, seed=11, progress=False)
    other = fit.bootstrap(runs, grid.theta, 6, seed=12, progress=False)
    assert np.array_equal(first, again) and not np.array_equal(first, other)


def test_allocation_band_brackets_the_point_estimate(grid):
    draws = grid.theta + 0.01 * np.random.default_rng(np.random.SeedSequence(2)).standard_normal((50, 5))
    band = fit.percentile_band(fit.allocation(draws, fit.ALLOCATION_COMPUTE)["N_opt"])
    point = fit.allocation(grid.theta, fit.ALLOCATION_COMPUTE)["N_opt"]
    assert np.all(band["2.5"] < point * 1.05) and np.all(point < band["97.5"] * 1.05)


# --- the command ---------------------------------------------------------------------------------------------------
def test_cli_json_has_the_estimate_and_bootstrap_ci(capsys):
    # Without FILE the shipped runs are fitted.
    assert main(["fit", "chinchilla", "--json", "--bootstrap", "8", "--seed", "3"]) == 0
    out = json.loads(capsys.readouterr().out)
    for key in ("A", "B", "E", "alpha", "beta", "objective", "ci", "grid", "likelihood", "allocation"):
        assert key in out
    assert out["A"] == pytest.approx(482.006, abs=0.01)
    assert set(out["ci"]["alpha"]) == {"2.5", "97.5"}
    assert out["ci"]["alpha"]["2.5"] <= out["ci"]["alpha"]["97.5"]
    assert out["dropped_rows"] == [1, 2, 3, 4, 5]


def _write(tmp_path, text: str):
    path = tmp_path / "runs.csv"
    path.write_text(text)
    return str(path)


def _good_rows(runs: fit.RunData, k: int = 12) -> list[str]:
    return [f"{math.exp(n)},{math.exp(d)},{math.exp(v)}" for n, d, v in zip(runs.log_N[:k], runs.log_D[:k],
                                                                           runs.log_L[:k])]


@pytest.mark.parametrize(("body", "message"), [
    ("params,tokens\n1e9,2e10\n", "no column 'loss'"),
    ("params,tokens,loss\n1e9,2e10,abc\n", "row 1 (line 2), column 'loss'"),
    ("params,tokens,loss\n1e9,2e10,2.5\n-1e9,2e10,2.5\n", "row 2 (line 3), column 'params'"),
    ("params,tokens,loss\n1e9,,2.5\n", "row 1 (line 2), column 'tokens'"),
    ("params,tokens,loss\n1e9,2e10,2.5\n2e9,2e10,2.4\n", "usable rows"),
])
def test_bad_files_exit_2_naming_the_row_or_column(tmp_path, capsys, body, message):
    path = _write(tmp_path, body)
    code = main(["fit", "chinchilla", path, "--params-column", "params", "--tokens-column", "tokens",
                 "--drop-highest", "0"])
    assert code == 2
    assert message in capsys.readouterr().err


def test_other_headers_via_column_options(tmp_path, capsys, runs):
    path = _write(tmp_path, "n,d,L\n" + "\n".join(_good_rows(runs, 40)) + "\n")
    assert main(["fit", "chinchilla", path, "--params-column", "n", "--tokens-column", "d", "--loss-column", "L",
                 "--drop-highest", "0", "--estimator", "grid", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n_runs"] == 40 and out["dropped_rows"] == [] and out["objective"] > 0
    assert main(["fit", "chinchilla", path, "--flop-column", "x", "--tokens-column", "d"]) == 2
    assert main(["fit", "chinchilla", str(tmp_path / "missing.csv")]) == 2



# --- bad input: exit 2, one line, before the work -----------------------------------------------------------------
def _run(argv: list[str], capsys) -> tuple[int, str, float, str]:
    start = time.perf_counter()
    code = main(argv)
    seconds = time.perf_counter() - start
    captured = capsys.readouterr()
    return code, captured.err, seconds, captured.out


def _csv(rows) -> str:
    return "Model Size,Training FLOP,loss\n" + "".join(f"{n:.17g},{c:.17g},{v:.17g}\n" for n, c, v in rows)


def _shipped(k: int | None = None) -> list[tuple[float, float, float]]:
    everything = fit.read_runs(fit.DATA_FILE, drop_highest=0)
    n, d, v = np.exp(everything.log_N), np.exp(everything.log_D), np.exp(everything.log_L)
    return list(zip(n, 6 * n * d, v))[:k]


def test_a_utf8_bom_header_is_accepted(tmp_path, runs):
    path = tmp_path / "bom.csv"
    path.write_text(fit.DATA_FILE.read_text(), encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with_bom = fit.read_runs(path)
    assert np.array_equal(with_bom.log_L, runs.log_L) and with_bom.dropped_rows == runs.dropped_rows


@pytest.mark.parametrize("extra", [(1e-300, 1e300, 2.5), (1e300, 1e-300, 2.5)])
def test_a_row_whose_tokens_overflow_or_underflow_is_named(tmp_path, capsys, extra):
    # Both numbers are valid; their quotient D = FLOP/(6N) is inf (or 0), so row 31 is refused by name.
    path = _write(tmp_path, _csv([*_shipped(30), extra]))
    code, err, seconds, _ = _run(["fit", "chinchilla", path, "--drop-highest", "0"], capsys)
    assert code == 2 and "row 31 (line 32): tokens D = FLOP/(6 N)" in err
    assert len(err.strip().splitlines()) == 1 and seconds < 30


@pytest.mark.parametrize(("rows", "column"), [
    ([(1e9, 6 * 1e9 * 2e10, 2.5)] * 20, "params ('Model Size')"),  # identical rows
    ([(10.0**k, 6 * 10.0**k * 1e10, 2 + 1 / k) for k in range(7, 14)], "tokens ('Training FLOP'/(6 N))"),  # one D
])
def test_data_that_cannot_identify_the_law_are_refused_before_fitting(tmp_path, capsys, rows, column):
    # With two or fewer values of N, E + A/N^alpha takes at most two values: three parameters stay free.
    code, err, seconds, _ = _run(["fit", "chinchilla", _write(tmp_path, _csv(rows)), "--drop-highest", "0"], capsys)
    assert code == 2 and "the data cannot identify the law" in err and column in err
    assert len(err.strip().splitlines()) == 1 and seconds < 30


@pytest.mark.parametrize(("options", "parameter"), [
    (["--loss-column", "Training FLOP", "--flop-column", "loss"], "alpha"),  # loss grows with N
    (["--loss-column", "Model Size", "--params-column", "loss"], "beta"),
])
def test_a_wrong_column_says_the_data_cannot_identify_the_law(capsys, options, parameter):
    code, err, _, _ = _run(["fit", "chinchilla", *options], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "the data cannot identify the law" in err and f"gives {parameter} = -" in err and "columns" in err


@pytest.mark.parametrize("scale", [1e-300, 1e300])
def test_extreme_but_valid_losses_end_in_one_line(tmp_path, capsys, scale):
    # Valid positive numbers whose fit overflows (a Hessian of infinities) or leaves the start grid's range:
    # a result or exit 2 with one line, never a traceback.
    rows = [(n, c, v * scale) for n, c, v in _shipped(60)]
    code, err, seconds, out = _run(["fit", "chinchilla", _write(tmp_path, _csv(rows)), "--json"], capsys)
    assert code in (0, 2) and len(err.strip().splitlines()) <= 1 and seconds < 60
    assert ("the data cannot identify the law" in err) if code else "NaN" not in out


@pytest.mark.parametrize(("options", "message"), [
    (["--seed", "-1"], "--seed must be an integer >= 0"),
    (["--bootstrap", "-1"], "--bootstrap must be an integer in [0, 100000]"),
    (["--bootstrap", "1000000000"], "--bootstrap must be an integer in [0, 100000]"),
    (["--drop-highest", "-2"], "--drop-highest must be >= 0"),
])
def test_bad_options_are_refused_before_any_work(tmp_path, capsys, options, message):
    # Named before the file is even opened: a missing file would otherwise be the complaint.
    code, err, seconds, _ = _run(["fit", "chinchilla", str(tmp_path / "missing.csv"), *options], capsys)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1 and seconds < 5


def test_a_large_file_is_fast_and_reports_progress(tmp_path, capsys):
    # 2e4 noisy runs of the published law over the shipped runs' ranges (10x the grid's subsample; 1e5 take
    # about 3 s), and the stages appear on stderr.
    rng = np.random.default_rng(np.random.SeedSequence(7))
    n = 20_000
    params = np.exp(rng.uniform(math.log(5e7), math.log(2e10), n))
    tokens = np.exp(rng.uniform(math.log(1e9), math.log(3e11), n))
    loss = evaluate("scaling.chinchilla_loss", N=params, D=tokens, **REFIT) * np.exp(0.01 * rng.standard_normal(n))
    path = tmp_path / "large.csv"
    np.savetxt(path, np.column_stack([params, 6 * params * tokens, loss]), delimiter=",", fmt="%.10g",
               header="Model Size,Training FLOP,loss", comments="")
    code, err, seconds, _ = _run(["fit", "chinchilla", str(path), "--json"], capsys)
    assert code == 0 and seconds < 120  # ~1 s on a quiet 2-core machine
    assert "fit: grid: 4500 starts on 2000 of 19995 runs" in err and "fit: likelihood" in err
