"""``circuitcomp fit grokking [FILE.csv]``: the two-circuit model fitted to training runs, and its predictions.

Options are checked before the file is read; a bad row exits 2 naming its row and column.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

DATA_FILE = Path(__file__).with_name("data") / "real_runs.csv"
"""Real runs of a small MLP on (a + b) mod 97 (provenance in the .md file beside it)."""
BOOTSTRAP = 100
MAX_BOOTSTRAP = 100_000
PREDICT_KEYS = {"fraction": (0.0, 1.0), "weight_decay": (0.0, math.inf), "lr": (0.0, math.inf)}


def configure(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Fit the two-circuit squared-loss model (critical fraction, the circuits' rates and the memorizer's "
        "initial size, the weight-decay scale, the scatter of log times) to runs by maximum likelihood in log "
        "time; a run whose t_memorize or t_generalize is empty never had the event within its steps (censored). "
        "Columns: fraction, weight_decay, lr, steps, t_memorize, t_generalize; others are ignored.")
    parser.add_argument("law", choices=["grokking"], help="the model to fit")
    parser.add_argument("file", nargs="?", default=str(DATA_FILE),
                        help="CSV with one run per row (default: the shipped real runs)")
    parser.add_argument("--bootstrap", type=int, default=BOOTSTRAP, metavar="K",
                        help=f"bootstrap refits for the intervals (default {BOOTSTRAP}; 0: none)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the bootstrap resampling")
    parser.add_argument("--predict", nargs="+", metavar="key=value",
                        help="predict a new run: fraction=F weight_decay=W [lr=L] (default lr: the runs' common one)")
    parser.add_argument("--hold-out", action="store_true",
                        help="fit on a checkerboard half of the (fraction, weight_decay) settings and report how "
                             "well it predicts the other half")
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def _setting(predict: list[str] | None) -> dict[str, float] | None:
    from derivations.cli import parse_assignments

    if predict is None:
        return None
    given = parse_assignments(predict)
    unknown = sorted(set(given) - set(PREDICT_KEYS))
    if unknown:
        raise ValueError(f"--predict: unknown key {unknown[0]!r}; expected {', '.join(PREDICT_KEYS)}")
    out = {}
    for key, text in given.items():
        lo, hi = PREDICT_KEYS[key]
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not (lo < value <= hi and math.isfinite(value)):
            domain = f"in ({lo:g}, {hi:g}]" if math.isfinite(hi) else f"> {lo:g}"
            raise ValueError(f"--predict: {key} must be a number {domain}, got {text!r}")
        out[key] = value
    for key in ("fraction", "weight_decay"):
        if key not in out:
            raise ValueError(f"--predict: {key} is required (fraction=F weight_decay=W [lr=L])")
    return out


def prediction(fit, samples, setting: dict[str, float], seed: int = 0) -> dict:
    """Predicted times for a new run at ``setting`` (None where the fitted model says never) and the 95% interval
    of its t_generalize: the bootstrap refits ``samples`` (or the fit alone) with the fitted scatter."""
    from derivations.grokking import fit as model

    tm, tg = (float(t) for t in model.predict(fit.x, setting["fraction"], setting["weight_decay"], setting["lr"]))
    rows = samples if samples is not None else fit.x[None]
    return {
        **setting,
        "t_memorize": tm if math.isfinite(tm) else None,
        "t_generalize": tg if math.isfinite(tg) else None,
        "t_generalize_interval": model.prediction_interval(rows, setting["fraction"], setting["weight_decay"],
                                                           setting["lr"], seed),
    }


def handler(args: argparse.Namespace) -> int:
    import numpy as np

    from derivations.cli import dumps
    from derivations.grokking import fit as model
    from derivations.grokking.rundata import read_runs

    if not 0 <= args.bootstrap <= MAX_BOOTSTRAP:
        raise ValueError(f"--bootstrap must be an integer in [0, {MAX_BOOTSTRAP}], got {args.bootstrap}")
    if args.seed < 0:
        raise ValueError(f"--seed must be an integer >= 0, got {args.seed}")
    setting = _setting(args.predict)
    rows = read_runs(args.file)
    runs = rows.distinct()
    repeated = sorted(set(rows.rows.tolist()) - set(runs.rows.tolist()))
    if setting is not None and "lr" not in setting:
        rates = np.unique(runs.lr)
        if rates.size != 1:
            raise ValueError(f"--predict: lr is required (the runs use {rates.size} learning rates)")
        setting["lr"] = float(rates[0])
    held_out = None
    if args.hold_out:
        keep = model.holdout_mask(runs)
        runs, held_out = runs.take(keep), runs.take(~keep)
    fit = model.fit_runs(runs)
    samples = model.bootstrap(runs, fit, args.bootstrap, args.seed) if args.bootstrap else None
    result = model.summary(runs, fit, samples, args.seed)
    result["repeated_rows"] = repeated  # the same settings and seed as an earlier row: one run, counted once
    if held_out is not None:
        result["hold_out"] = {"fitted_rows": runs.rows.tolist(), "held_out_rows": held_out.rows.tolist(),
                              "errors": model.prediction_errors(held_out, fit),
                              "runs": model.summary(held_out, fit)["runs"]}
    if setting is not None:
        result["prediction"] = prediction(fit, samples, setting, args.seed)
    if args.json:
        print(dumps(result))
    else:
        _print(result)
    return 0


def _fmt(value: float | None) -> str:
    return "never" if value is None else f"{value:.4g}"


def _print(result: dict) -> None:
    censored = result["censored"]
    print(f"two-circuit model fitted to {result['n_runs']} runs (censored: t_memorize {censored['t_memorize']}, "
          f"t_generalize {censored['t_generalize']}); log-likelihood {result['log_likelihood']:.6g}")
    for name, c in result["constants"].items():
        band = f"  95% [{c['interval'][0]:.4g}, {c['interval'][1]:.4g}]" if "interval" in c else ""
        print(f"  {name:>18} = {c['value']:<10.4g}{band}  ({c['meaning']})")
    print("  row  fraction  weight_decay  t_memorize (predicted)  t_generalize (predicted)")
    for r in result["runs"]:
        memorize = f"{_fmt(r['t_memorize']):>10} ({_fmt(r['t_memorize_predicted'])})"
        generalize = f"{_fmt(r['t_generalize']):>12} ({_fmt(r['t_generalize_predicted'])})"
        print(f"  {r['row']:>3}  {r['fraction']:>8g}  {r['weight_decay']:>12g}  {memorize}  {generalize}")
    if "hold_out" in result:
        errors = result["hold_out"]["errors"]
        for key, event in (("near_critical", "t_generalize"), ("away_from_critical", "t_generalize"),
                           ("memorization", "t_memorize")):
            e = errors[key]
            print(f"  held out, {key.replace('_', ' ')}: {e['runs']} runs, {event} off by a factor "
                  f"{_fmt(e['median_factor'])} (median), {_fmt(e['worst_factor'])} (worst)")
        never = errors["never_generalized"]
        print(f"  held out, never generalized: {never['runs']} runs, {never['predicted_later_than_steps']} predicted "
              "not to within their steps")
    if "prediction" in result:
        p = result["prediction"]
        low, high = p["t_generalize_interval"]
        print(f"prediction at fraction={p['fraction']:g} weight_decay={p['weight_decay']:g} lr={p['lr']:g}: "
              f"t_memorize {_fmt(p['t_memorize'])}, t_generalize {_fmt(p['t_generalize'])} "
              f"(95% for a new run: [{low:.4g}, {high:.4g}])")
