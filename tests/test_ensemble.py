"""The vectorized Rosenbrock ensemble against LSODA at tight tolerance, point by point."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from derivations.ensemble import integrate_ensemble
from derivations.simulate import Event, SimulationError, simulate
from theory.dynamics import SQUARED_LOSS

EVENTS = {"mem": Event("memorizing_margin", 0.5), "gen": Event("generalizing_margin", 0.5)}


# Each example integrates up to four LSODA references at rtol 1e-9: a third of the profile's examples.
@settings(max_examples=max(8, settings.default.max_examples // 3))
@given(
    ratios=st.lists(st.floats(1.2, 8.0), min_size=1, max_size=4),
    lam=st.floats(3e-3, 3e-2),
)
def test_event_times_match_lsoda(ratios, lam):
    d = np.array(ratios) * 50.0
    res = integrate_ensemble(SQUARED_LOSS, {"D": d, "lam": lam}, 3e5, events=EVENTS)
    for i, size in enumerate(d):
        ref = simulate(SQUARED_LOSS, 3e5, {"D": size, "lam": lam}, events=EVENTS, n_points=20)
        for name in EVENTS:
            expected = np.inf if ref.events[name] is None else ref.events[name]  # None: never crossed
            assert res.events[name][i] == pytest.approx(expected, rel=2e-3)


def test_final_state_matches_lsoda_and_never_is_inf():
    d = np.array([20.0, 100.0])  # below D_crit the generalizer never reaches y/2
    res = integrate_ensemble(SQUARED_LOSS, {"D": d}, 2e4, events=EVENTS)
    assert np.isinf(res.events["gen"][0]) and np.isfinite(res.events["gen"][1])
    for i, size in enumerate(d):
        ref = simulate(SQUARED_LOSS, 2e4, {"D": size}, n_points=5)
        # log margins: compare where they are O(1); a decaying circuit's log margin drifts linearly
        assert res.u[:, i] == pytest.approx(ref.u[:, -1], rel=1e-3, abs=1e-3)


def test_unknown_parameter_is_named():
    with pytest.raises(ValueError, match="bogus"):
        integrate_ensemble(SQUARED_LOSS, {"bogus": 1.0}, 10.0)


def test_out_of_domain_parameter_is_named_with_its_domain():
    with pytest.raises(ValueError, match=r"D must be in \(0, inf\)"):
        integrate_ensemble(SQUARED_LOSS, {"D": np.array([10.0, -1.0])}, 10.0)
    with pytest.raises(ValueError, match="lam must be a number"):
        integrate_ensemble(SQUARED_LOSS, {"lam": np.nan}, 10.0)


@pytest.mark.parametrize("bound, match", [({"max_steps": 3}, "after 3 steps"), ({"max_seconds": 0.0}, "after 0 s")])
def test_work_is_bounded(bound, match):
    with pytest.raises(SimulationError, match=match):
        integrate_ensemble(SQUARED_LOSS, {"D": np.array([60.0, 100.0])}, 1e5, **bound)
