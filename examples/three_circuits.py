"""Three circuits: a memorizer, a general circuit, and a cheaper one that covers only part of the data.

The squared-loss two-circuit model of ``theory.dynamics.SQUARED_LOSS`` with a third circuit. A fraction
phi of the examples (train and test alike) follows a pattern that a *partial* circuit of cost c_p
captures; the *general* circuit (cost c_g) solves every example; the *memorizer* stores examples one by
one at cost c_m per example, so its weights on the covered examples (theta_m1) and on the rest (theta_m0)
are separate parameters. The loss is squared error on each block, weighted by its share of the data.

The analysis finds every fixed point with the conditions under which it is stable, and the invasion
rates. Reading which fixed point is feasible and stable as D grows, and explaining each change by the
invasion rate that vanishes there (an exact boundary), gives the order of takeover when c_p < phi c_g
(the partial circuit is cheaper per example it covers):

    memorization    (theta_m1+theta_m0)  test accuracy 0,
    semi-grokking   (theta_m0+theta_p)   test accuracy stuck near phi: the partial circuit owns the
                                         covered examples, the memorizer the rest,
    grokking        (theta_g+theta_p)    test accuracy near 1,

and the two boundaries D_p = c_p/(phi c_m) and D_g = (c_g - c_p)/((1 - phi) c_m). The second lies above
c_g/c_m, where the general circuit would win without the partial one: the partial circuit delays grokking.
Simulations from the model's initial state must end on the predicted plateau at every D, and a run above
D_g must pass through the semi-grokking plateau on its way (the partial circuit invades the memorizer
faster than the general one does).

Units and domains (all parameters positive; 0 < phi < 1):
    D        number of training examples;  phi  fraction of examples (train and test) the partial circuit covers
    c_m      memorizer's squared norm per unit margin per example
    c_g, c_p squared norm per unit margin of the general and the partial circuit
    y        target margin;  lam  weight decay, per unit time;  eta_m, eta_g  learning rates of the memorizer and of
             the general and partial circuits (time = optimizer steps)
    sigma    log-normal spread of per-example margins (soft accuracy)

Run: ``python examples/three_circuits.py`` (a few seconds; exit status 1 if derivation and simulation disagree).
"""

from __future__ import annotations

import sys

import numpy as np
import sympy as sp

from derivations.analysis import analyse, critical_boundaries, critical_value
from derivations.compile import broadcast_call, compile_expr, compile_model
from derivations.simulate import Event, simulate
from theory.dynamics import Model
from theory.functions import normal_cdf

norms = sp.symbols("theta_m1 theta_m0 theta_g theta_p", positive=True)
logs = sp.symbols("u_m1 u_m0 u_g u_p", real=True)  # log margins: the solver's coordinates
y, c_m, c_g, c_p, phi, D, lam, eta_m, eta_g, sigma = sp.symbols(
    "y c_m c_g c_p phi D lam eta_m eta_g sigma", positive=True)

costs = (c_m * phi * D, c_m * (1 - phi) * D, c_g, c_p)  # squared norm per unit margin of each circuit
z_m1, z_m0, z_g, z_p = (theta**2 / cost for theta, cost in zip(norms, costs))
covered, rest = z_m1 + z_g + z_p, z_m0 + z_g  # training margin on each block


def soft_accuracy(margin: sp.Expr) -> sp.Expr:
    """Fraction of examples whose log-normal margin exceeds y / 2."""
    return normal_cdf(sp.log(2 * margin / y) / sigma)


MODEL = Model(
    name="three_circuits",
    state=norms,
    params=(y, c_m, c_g, c_p, phi, D, lam, eta_m, eta_g, sigma),
    objective=phi * (y - covered) ** 2 / 2 + (1 - phi) * (y - rest) ** 2 / 2 + lam / 2 * sum(t**2 for t in norms),
    rates=(eta_m, eta_m, eta_g, eta_g),  # the two structured circuits learn alike
    coordinates=logs,
    to_state=tuple(sp.sqrt(cost) * sp.exp(u / 2) for cost, u in zip(costs, logs)),
    observables={"general_margin": z_g, "partial_margin": z_p,
                 "train_accuracy": phi * soft_accuracy(covered) + (1 - phi) * soft_accuracy(rest),
                 # On a test example the memorizer contributes nothing.
                 "test_accuracy": phi * soft_accuracy(z_g + z_p) + (1 - phi) * soft_accuracy(z_g)},
    defaults={y: 1.0, c_m: 0.1, c_g: 5.0, c_p: 1.0, phi: 0.5, D: 100.0, lam: 0.01,
              eta_m: 1.0, eta_g: 0.1, sigma: 0.25},
    initial={logs[0]: sp.log(sp.Rational(1, 100)), logs[1]: sp.log(sp.Rational(1, 100)),
             logs[2]: sp.log(sp.Rational(1, 10**6)), logs[3]: sp.log(sp.Rational(1, 10**6))},
)

PHASES = {"theta_m1+theta_m0": "memorization", "theta_m0+theta_p": "semi-grokking", "theta_g+theta_p": "grokking"}
HORIZON = 1e7  # steps
SIZES = (10.0, 40.0, 60.0, 160.0)  # one per phase, and 60: above c_g/c_m = 50 but below the delayed threshold
TOLERANCE = 1e-3  # final test accuracy against its value at the derived stable fixed point
GRID = np.geomspace(1.0, 1e4, 401)  # sizes at which the stable fixed point is read; exact edges come from the analysis


def stable_labels(analysis, sizes: np.ndarray) -> list[str]:
    """At each D in ``sizes`` (other parameters at their defaults), the label of the one fixed point that is
    feasible (no negative margin) and satisfies its stability conditions: both compiled, evaluated at once."""
    args = [sizes if s == D else MODEL.defaults[s] for s in MODEL.params]
    holds = np.array([
        np.all(broadcast_call(compile_expr(MODEL.params, list(fp.location.values())), sizes.shape, *args) >= 0, axis=0)
        & np.all(broadcast_call(compile_expr(MODEL.params, list(fp.stable_when)), sizes.shape, *args) > 0, axis=0)
        for fp in analysis.fixed_points])
    return [analysis.fixed_points[int(np.argmax(h))].label if h.sum() == 1 else "no single stable point"
            for h in holds.T]


def takeovers(analysis) -> list[tuple[float, str, str]]:
    """The stable fixed point as D grows: (D where it takes over, its label, the invasion that makes it)."""
    labels = stable_labels(analysis, GRID)
    changes = [(0.0, labels[0], "")]
    for k in np.flatnonzero(np.array(labels[1:]) != np.array(labels[:-1])):
        before, lo, hi = labels[k], GRID[k], GRID[k + 1]
        # The boundary inside this grid step: a circuit's invasion rate at the point it destabilizes vanishes.
        found = [b for b in critical_boundaries(analysis, D, at=before)
                 if lo <= float(b.expr.subs(MODEL.defaults)) <= hi]
        edge = float(found[0].expr.subs(MODEL.defaults)) if len(found) == 1 else np.nan
        why = f"{found[0].circuit} invades {before} at D = {found[0].expr}" if len(found) == 1 else "unexplained"
        changes.append((edge, labels[k + 1], why))
    return changes


def test_accuracy(analysis, point, size: float) -> float:
    """Test accuracy at ``point`` (a fixed point) for D = ``size``: the level a run settling there ends on."""
    values = {**MODEL.defaults, D: size}
    margins = np.array([float(point.location[v].subs(values)) for v in analysis.variables])
    compiled = compile_model(MODEL)
    with np.errstate(divide="ignore"):  # an absent circuit: log margin -inf, accuracy contribution 0
        return float(compiled.observe("test_accuracy", np.log(margins)[:, None], compiled.parameter_values(values))[0])


def main() -> int:
    analysis = analyse(MODEL)
    labels = [fp.label for fp in analysis.fixed_points]
    print(f"derived    {len(labels)} fixed points: {', '.join(labels)}")
    settings = ", ".join(f"{s} = {MODEL.defaults[s]:g}" for s in (c_m, c_g, c_p, phi, lam))
    print(f"           the stable one as D grows ({settings}):")
    changes = takeovers(analysis)
    for start, label, why in changes:
        print(f"             from D = {start:<4g} {label:<18} {PHASES.get(label, '?'):<14} {why}".rstrip())
    alone = critical_value(analysis, D, at="theta_m1+theta_m0", circuit="theta_g")
    print(f"           (without theta_p, theta_g would take over from D = {alone} = "
          f"{float(alone.subs(MODEL.defaults)):g})")
    agree = [label for _, label, _ in changes] == list(PHASES) and all(np.isfinite([c[0] for c in changes]))
    print(f"simulated  final test accuracy after {HORIZON:g} steps, and at the derived stable point:")
    events = {"leaves 0": Event("test_accuracy", 0.25), "reaches 1": Event("test_accuracy", 0.75)}
    for size in SIZES:
        run = simulate(MODEL, HORIZON, {"D": size}, events=events)
        label = stable_labels(analysis, np.array([size]))[0]
        if label not in PHASES:
            print(f"             D = {size:<5g} {run.final('test_accuracy'):.4f}   derived: {label}")
            agree = False
            continue
        expected, final = test_accuracy(analysis, analysis.point(label), size), run.final("test_accuracy")
        agree &= abs(final - expected) < TOLERANCE
        print(f"             D = {size:<5g} {final:.4f}   derived {expected:.4f}   {PHASES[label]}")
    # The last run grokks; on its way it must sit on the semi-grokking plateau.
    start, end = run.events["leaves 0"], run.events["reaches 1"]
    if start is None or end is None:
        print(f"             D = {SIZES[-1]:g}: test accuracy never {'rises' if start is None else 'reaches 0.75'}")
        return 1
    middle = np.sqrt(start * end)
    level = float(np.interp(middle, run.t, run.observables["test_accuracy"]))
    stuck = test_accuracy(analysis, analysis.point("theta_m0+theta_p"), SIZES[-1])
    agree &= end > 3 * start and abs(level - stuck) < 0.01
    print(f"             D = {SIZES[-1]:g} on its way: {level:.4f} at step {middle:.3g} (semi-grokking plateau, "
          f"derived {stuck:.4f}; from step {start:.3g} to {end:.3g})")
    print("derivation and simulation agree" if agree else "derivation and simulation DISAGREE")
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
