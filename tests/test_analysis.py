"""The generic analysis of a model written with its own symbols: fixed points against the flow, stability
conditions against numeric eigenvalues and simulation, the critical size against its closed form, the
conserved quantity and the phase diagram against integration."""

import dataclasses
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import sympy as sp
from user_models import POWER_LAW

from derivations import analysis
from derivations.analysis import Invasion, analyse, critical_boundaries, critical_value, stability_conditions
from derivations.evaluate import evaluate
from derivations.phase_diagram import phase_diagram
from derivations.simulate import Event, simulate
from theory.dynamics import CROSS_ENTROPY, Model
from theory.symbols import t

# The user's file of tests/user_models.py, executed as the loader would: every symbol the model's own.
_FILE: dict = {}
exec(POWER_LAW, _FILE)
POWER = _FILE["POWER"]
a, b, y, c_m, c_g, D, lam, gamma, eta_m, eta_g = (_FILE[k] for k in "a b y c_m c_g D lam gamma eta_m eta_g".split())
th_m, th_g = POWER.state
DEFAULTS = {s.name: v for s, v in POWER.defaults.items()}
D_CRIT = (5.0 / 0.1) ** (1 / 1.5)  # (c_g / c_m)^(1/gamma) at the defaults
RESULT = analyse(POWER)


def test_critical_size_is_the_power_law_closed_form():
    assert sp.simplify(critical_value(RESULT, D) - (c_g / c_m) ** (1 / gamma)) == 0


def test_every_fixed_point_solves_the_flow_and_its_eigenvalues_match_the_jacobian():
    jacobian = sp.Matrix(RESULT.field).jacobian(RESULT.variables)
    assert {fp.label for fp in RESULT.fixed_points} == {"origin", "theta_m", "theta_g"}
    for fp in RESULT.fixed_points:
        assert all(sp.cancel(e.subs(fp.location)) == 0 for e in RESULT.field)
        at = jacobian.subs(fp.location)
        # Sum and product of the eigenvalues are the trace and determinant (Vieta), an independent check.
        assert sp.cancel(sum(fp.eigenvalues) - at.trace()) == 0
        assert sp.cancel(sp.Mul(*fp.eigenvalues) - at.det()) == 0


def _holds(conditions, values):
    subs = {s: values[s.name] for s in POWER.params}
    return all(bool(c.subs(subs)) for c in conditions)


@pytest.mark.parametrize("ratio", [0.6, 1.5])
def test_the_stable_point_switches_at_the_critical_size_in_simulation(ratio):
    values = {**DEFAULTS, "D": ratio * D_CRIT}
    stable = [fp for fp in RESULT.fixed_points if _holds(fp.stable_when, values)]
    assert [fp.label for fp in stable] == ["theta_m" if ratio < 1 else "theta_g"]
    run = simulate(POWER, 2e4, {"D": values["D"]}, n_points=3)
    subs = {s: values[s.name] for s in POWER.params}
    expected = [float(v.subs(subs)) for v in stable[0].state.values()]
    state = [float(e.subs({a: run.u[0, -1], b: run.u[1, -1]}).subs(subs)) for e in POWER.to_state]
    assert state == pytest.approx(expected, abs=1e-6)


def test_stability_conditions_agree_with_numeric_eigenvalues():
    rng = np.random.default_rng(1)
    jacobian = sp.Matrix(RESULT.field).jacobian(RESULT.variables)
    params = POWER.params
    for fp in RESULT.fixed_points:
        at = sp.lambdify(params, jacobian.subs(fp.location))
        stable = sp.lambdify(params, sp.And(*fp.stable_when))
        for _ in range(15):
            values = {**DEFAULTS, "D": D_CRIT * rng.uniform(0.2, 3), "lam": rng.uniform(0.01, 1.0)}
            args = [values[s.name] for s in params]
            assert bool(stable(*args)) == bool(np.all(np.linalg.eigvals(np.array(at(*args), dtype=float)) < 0))


def test_hurwitz_conditions_for_complex_eigenvalues():
    # A damped oscillator x'' + c x' + k x = 0: stable iff k > 0 and c > 0 (eigenvalues complex for small c).
    k, c = sp.symbols("k c", real=True)
    conditions = stability_conditions(sp.Matrix([[0, 1], [-k, -c]]), None)
    assert set(conditions) == {sp.Gt(k, 0), sp.Gt(c, 0)} or set(conditions) == {sp.Lt(0, k), sp.Lt(0, c)}


def test_invasion_rates_are_the_transverse_eigenvalues():
    for inv in RESULT.invasion_rates:
        assert any(sp.simplify(inv.rate - e) == 0 for e in RESULT.point(inv.at).eigenvalues)
    memorizer = next(i for i in RESULT.invasion_rates if i.at == "theta_g")
    assert memorizer.circuit == "theta_m"
    assert sp.simplify(memorizer.rate.subs(D, (c_g / c_m) ** (1 / gamma))) == 0


def test_first_integral_is_constant_along_a_simulated_run():
    (phi,) = RESULT.conserved
    run = simulate(POWER, 500.0, n_points=50)
    values = {s: v for s, v in POWER.defaults.items()}
    f = sp.lambdify((a, b, t), phi.subs(values))
    along = np.array([f(u[0], u[1], s) for u, s in zip(run.u.T, run.t)])
    assert np.ptp(along) < 1e-6 * np.abs(along).max()


def test_phase_diagram_switches_at_the_drawn_boundary():
    gammas = np.array([1.5, 2.0])
    ratios = np.array([0.7, 0.9, 1.1, 1.4])
    d_values = ratios * 50.0 ** (1 / 1.5)
    diagram = phase_diagram(POWER, ("D", d_values), ("gamma", gammas), horizon=1e4, values={"lam": 0.05})
    (line,) = diagram["boundaries"].values()
    assert line == pytest.approx(50.0 ** (1 / gammas))
    labels = np.array(diagram["labels"])[diagram["state"]]
    assert list(labels[0]) == ["theta_m", "theta_m", "theta_g", "theta_g"]
    assert set(labels[1]) == {"theta_g"}  # gamma = 2: D_crit = 7.1, below the whole grid


def test_balance_law_of_a_product_is_found_and_holds_in_simulation():
    u, v = sp.symbols("u v", real=True)
    s = sp.Symbol("s", positive=True)
    balanced = Model(name="product", state=(u, v), params=(s,), objective=(u * v - s) ** 2 / 2, rates=(1, 1),
                     coordinates=(u, v), to_state=(u, v), observables={"w": u * v}, defaults={s: 1.0},
                     initial={u: 0.5, v: 2.0})
    (law,) = analyse(balanced).conserved
    run = simulate(balanced, 50.0, n_points=20)
    along = sp.lambdify((u, v), law)(*run.u)
    assert np.ptp(along) < 1e-7 and abs(run.final("w") - 1.0) < 1e-6


def test_numeric_fixed_points_where_sympy_cannot_solve():
    # dx/dt = -(x^5 - x + k): SymPy finds no closed root; at k = 1 the one real root is Bring's, about -1.1673.
    x = sp.Symbol("x", real=True)
    k = sp.Symbol("k", positive=True)
    quintic = Model(name="quintic", state=(x,), params=(k,), objective=x**6 / 6 - x**2 / 2 + k * x, rates=(1,),
                    coordinates=(x,), to_state=(x,), observables={"x": x}, defaults={k: 1.0}, initial={x: 0.0})
    with pytest.raises(ValueError, match="given parameter values"):
        analyse(quintic)
    (point,) = analyse(quintic, values={"k": 1.0}).fixed_points
    (real_root,) = [r.real for r in np.roots([1, 0, 0, 0, -1, 1]) if abs(r.imag) < 1e-12]  # another method
    assert float(point.state[x]) == pytest.approx(real_root, rel=1e-12)
    assert point.stable_when == (sp.true,) and float(point.eigenvalues[0]) == pytest.approx(1 - 5 * real_root**4)


@pytest.mark.parametrize("values", [
    {"q": 113, "lam": 0.005, "p": 2, "kappa": 1.2, "P_G": 1, "P_M": 2, "f": 1, "eta": 0.01},
    {"q": 97, "lam": 0.01, "p": 3, "kappa": 1.5, "P_G": 1, "P_M": 1.5, "f": 1, "eta": 0.02},
])
def test_cross_entropy_interior_fixed_point_found_numerically(monkeypatch, values):
    # SymPy cannot solve this flow (its attempt takes SOLVE_SECONDS): go straight to the numeric route, with the
    # two balance laws g1^2 - g2^2 and m1^2 - m2^2 that put the fixed points on curves.
    ratio = evaluate("grokking.equilibrium_ratio", **{k: values[k] for k in ("P_G", "P_M", "p", "kappa")})
    conserved = analysis._conserved(CROSS_ENTROPY, analysis._frame(CROSS_ENTROPY))
    monkeypatch.setattr(analysis, "_symbolic_cached", lambda model: {"failed": "skipped", "conserved": conserved})
    result = analyse(CROSS_ENTROPY, values)
    end = simulate(CROSS_ENTROPY, 1e8, values, n_points=3).u[:, -1]  # a long run from the initial condition
    point = min(result.fixed_points, key=lambda fp: np.abs(np.array(list(fp.state.values()), float) - end).max())
    g1, g2, m1, m2 = (float(point.state[s]) for s in CROSS_ENTROPY.state)
    assert [g1, g2, m1, m2] == pytest.approx(end, rel=1e-6)
    assert g1 * g2 / (m1 * m2) == pytest.approx(ratio, rel=1e-6)  # Varma et al. App. D, derived symbolically
    # Stability by another route: the flow is -eta times the objective's gradient, so its Jacobian is -eta times
    # the Hessian, here by central differences. One zero eigenvalue per balance law (along the curve of fixed
    # points); the others negative.
    subs = {s: values.get(s.name, v) for s, v in CROSS_ENTROPY.defaults.items()}
    objective = sp.lambdify(CROSS_ENTROPY.state, CROSS_ENTROPY.objective.subs(CROSS_ENTROPY.intermediates).subs(subs))
    x, h = np.array([g1, g2, m1, m2]), 1e-4
    steps = np.eye(4) * h
    hessian = np.array([[(objective(*(x + di + dj)) - objective(*(x + di - dj)) - objective(*(x - di + dj))
                          + objective(*(x - di - dj))) / (4 * h * h) for dj in steps] for di in steps])
    expected = np.sort(-values["eta"] * np.linalg.eigvalsh(hessian))
    found = np.sort(np.array(point.eigenvalues, float))
    assert found[-2:].tolist() == [0, 0] and np.abs(expected[-2:]).max() < 1e-7
    assert found[:2] == pytest.approx(expected[:2], rel=1e-5) and found[1] < 0
    assert point.stable_when == (sp.true,)


def test_user_symbols_take_their_domains_from_assumptions():
    with pytest.raises(ValueError, match=r"gamma must be in \(0, inf\)"):
        simulate(POWER, 10.0, {"gamma": -1.0})
    run = simulate(POWER, 10.0, {"gamma": 2.0}, events={"fit": Event("train_margin", 0.5, 1)})
    assert run.values["gamma"] == 2.0


def test_a_boundary_with_several_roots_is_refused():
    assert [b.expr for b in critical_boundaries(RESULT, D)] == [(c_g / c_m) ** (1 / gamma)]
    assert critical_value(RESULT, D, at="theta_m", circuit="theta_g") == (c_g / c_m) ** (1 / gamma)
    assert critical_boundaries(RESULT, D, at="theta_m", circuit="theta_m") == []
    with pytest.raises(ValueError, match="no invasion rate"):
        critical_value(RESULT, eta_g)
    # A memorizer whose cost c_m (D - gamma)^2 is lowest at D = gamma may tie with the generalizer twice.
    twice = Invasion("theta_g", "theta_m", c_g - c_m * (D - gamma) ** 2)
    with pytest.raises(ValueError, match="vanishes at several values of D"):
        critical_boundaries(dataclasses.replace(RESULT, invasion_rates=(twice,)), D)


def test_analysis_in_a_worker_thread_runs_without_the_signal_time_limit(monkeypatch):
    # Only the main thread may install the profiling-timer handler; a worker thread must still get its analysis.
    monkeypatch.setattr(analysis, "_symbolic_cached", analysis._symbolic)  # derived in the thread, not read back
    u = sp.Symbol("u", real=True)
    s = sp.Symbol("s", positive=True)
    well = Model(name="double_well", state=(u,), params=(s,), objective=(u**2 - s) ** 2 / 4, rates=(1,),
                 coordinates=(u,), to_state=(u,), observables={"u": u}, defaults={s: 1.0}, initial={u: 0.5})
    with ThreadPoolExecutor(1) as pool:  # the worker's exception, if any, is raised here
        result = pool.submit(analyse, well).result(timeout=60)
    # du/dt = -u (u^2 - s): the top of the hill at 0 (eigenvalue s) and the two wells at +-sqrt(s) (eigenvalue -2s).
    points = {fp.state[u]: fp.eigenvalues for fp in result.fixed_points}
    assert points == {0: (s,), sp.sqrt(s): (-2 * s,), -sp.sqrt(s): (-2 * s,)}
