"""All fixed points of the squared-loss flow: they solve F = 0, the stable one is where training ends, and
stability switches where the two circuits' parameter costs cross."""

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

import derivations.grokking.fixed_points as fp
from derivations.evaluate import evaluate
from derivations.simulate import simulate
from theory.circuits import generalization_cost, memorization_cost
from theory.dynamics import SQUARED_LOSS
from theory.registry import get
from theory.symbols import D, c_g, c_m


def test_every_listed_point_solves_the_flow_and_none_is_missing():
    for at in fp.LOCATIONS.values():
        assert sp.simplify(fp.flow.subs(at)) == sp.zeros(2, 1)
    assert set(fp.LOCATIONS) == {"origin", "memorizer", "generalizer"}


def test_transverse_eigenvalues_are_the_invasion_rates():
    invade_m = get("grokking.memorizer_invasion_rate").expr
    invade_g = get("grokking.generalizer_invasion_rate").expr
    assert any(sp.simplify(e - invade_m) == 0 for e in fp.EIGENVALUES["generalizer"])
    assert any(sp.simplify(e - invade_g) == 0 for e in fp.EIGENVALUES["memorizer"])


@given(ratio=st.one_of(st.floats(0.2, 0.95), st.floats(1.05, 5.0)), lam=st.floats(1e-3, 3e-2))
def test_the_one_stable_point_is_where_training_ends(ratio, lam):
    d = ratio * evaluate("grokking.critical_data_size", c_m=0.1, c_g=5.0)
    points = [p for p in fp.fixed_points(D=d, lam=lam, c_m=0.1, c_g=5.0) if p.feasible]
    stable = [p for p in points if p.stability == "stable"]
    assert len(stable) == 1 and stable[0].name == ("memorizer" if ratio < 1 else "generalizer")
    # Long enough to leave the saddle (from a 1e-6 seed) and settle: 40 times the slowest rate anywhere.
    slowest = min(abs(e) for p in points for e in p.eigenvalues)
    tr = simulate(SQUARED_LOSS, 40 / slowest, {"D": d, "lam": lam, "c_m": 0.1, "c_g": 5.0}, n_points=3)
    end = (tr.final("memorizing_margin"), tr.final("generalizing_margin"))
    assert end == pytest.approx((stable[0].memorizing_margin, stable[0].generalizing_margin), abs=1e-6)


@given(cost_m=st.floats(0.01, 1.0), cost_g=st.floats(0.5, 20.0))
def test_stability_switches_where_the_parameter_costs_cross(cost_m, cost_g):
    # The data size at which theory.circuits' two parameter costs are equal, solved here on its own.
    (crossing,) = sp.solve(sp.Eq(memorization_cost, generalization_cost).subs({c_m: cost_m, c_g: cost_g}), D)
    crossing = float(crossing)
    def stability(d: float) -> dict[str, str]:
        return {p.name: p.stability for p in fp.fixed_points(D=d, c_m=cost_m, c_g=cost_g, lam=1e-3)}

    below, above, at = stability(0.9 * crossing), stability(1.1 * crossing), stability(crossing)
    assert below["memorizer"] == "stable" and below["generalizer"] == "saddle"
    assert above["memorizer"] == "saddle" and above["generalizer"] == "stable"
    assert at["memorizer"] == at["generalizer"] == "degenerate" and at["origin"] == "unstable"


def test_bad_parameters_are_named():
    with pytest.raises(ValueError, match="unknown parameter"):
        fp.fixed_points(bogus=1.0)
    with pytest.raises(ValueError, match=r"D must be in \(0, inf\)"):
        fp.fixed_points(D=-1.0)
    with pytest.raises(ValueError, match="lam must be a number"):
        fp.fixed_points(lam=np.nan)
