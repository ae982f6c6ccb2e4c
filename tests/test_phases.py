"""Phase diagrams: Liu phases against the closed-form boundaries, Huang's equilibrium against App. D."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.optimize import minimize

from derivations.compile import compile_expr
from derivations.evaluate import evaluate
from derivations.grokking.phases import (
    LIU_PHASES,
    HuangSetting,
    classify_liu,
    huang_equilibrium,
    huang_model_values,
    huang_zone,
    liu_phase_diagram,
)
from derivations.simulate import simulate
from theory.dynamics import CROSS_ENTROPY
from theory.symbols import P_G, P_M, f, kappa, p, q, w_G, w_M
from theory.symbols import lam as lam_sym

SETTING = HuangSetting()
CROSS = {k: evaluate(f"huang.crossing_{k}_size", **SETTING.curve_values()) for k in ("model", "data")}


def test_classification_rules():
    inf = np.inf
    got = classify_liu(np.array([inf, 5.0, 5.0, inf, 5.0]), np.array([inf, inf, 500.0, 7.0, 3.0]))
    assert [LIU_PHASES[i] for i in got] == ["confusion", "memorization", "grokking", "comprehension",
                                            "comprehension"]


def test_liu_phases_follow_closed_form_boundaries():
    ratios = np.array([0.5, 0.8, 2.0, 5.0, 60.0])
    lams = np.array([1e-3, 1e-2, 0.5])
    d = liu_phase_diagram(ratios, lams)
    names = np.array(LIU_PHASES)[d["phase"]]
    # Below D_crit with a memorizer that fits: memorization, whatever the weight decay.
    assert set(names[:2, :2].ravel()) == {"memorization"}
    # Neither circuit can reach y/2 once lam > y/c_g = 0.2 and lam > y/(c_m D).
    assert names[2, 0] == "confusion"
    # Between D_crit and the comprehension size (33.5 D_crit at lam -> 0): grokking.
    assert set(names[:2, 2:4].ravel()) == {"grokking"}
    # Above the comprehension size the generalizer wins the first race.
    d_comp = evaluate("grokking.comprehension_data_size", m0=1e-2, g0=1e-6, y=1, c_m=0.1, c_g=5, eta_m=1, eta_g=0.1)
    assert 60.0 * 50 > d_comp and names[0, 4] == "comprehension"


@given(p_m=st.floats(0.5, 3.0), lam=st.floats(1e-3, 2e-2))
def test_equilibrium_ratio_matches_theorem(p_m, lam):
    # f = 1: the objective's minimum, found here by scipy's L-BFGS-B (not by the package's Newton solver),
    # has w_G/w_M = (P_M/P_G)^(p/(r-1)), whatever the weight decay.
    objective = compile_expr((w_G, w_M), CROSS_ENTROPY.objective.subs(
        {q: 113, lam_sym: lam, p: 2, kappa: 1.2, P_G: 1, P_M: p_m, f: 1}))
    res = minimize(lambda x: objective(*x), x0=[1.0, 1.0], bounds=[(1e-12, None)] * 2, method="L-BFGS-B",
                   options={"ftol": 1e-15, "gtol": 1e-11})
    expected = evaluate("grokking.equilibrium_ratio", P_G=1.0, P_M=p_m, p=2.0, kappa=1.2)
    assert res.x[0] / res.x[1] == pytest.approx(expected, rel=1e-3)


def test_huang_equilibrium_ratio_at_full_capacity():
    # Large models memorize everything (f = 1): the Newton minimum obeys Varma's App. D ratio.
    m, d = np.array([200.0]), np.array([4000.0])
    eq = huang_equilibrium(m, d)
    p_g = (evaluate("huang.critical_data_size", B_crit=SETTING.B_crit, M=200.0, nu=SETTING.nu) / SETTING.B_crit) ** 0.5
    p_m = (4000.0 / SETTING.B_crit) ** 0.5
    expected = evaluate("grokking.equilibrium_ratio", P_G=p_g, P_M=p_m, p=2.0, kappa=1.2)
    assert eq["w_G"][0, 0] / eq["w_M"][0, 0] == pytest.approx(expected, rel=1e-6)


@given(size=st.floats(8.0, 300.0), data=st.floats(500.0, 8000.0))
def test_training_ends_at_the_huang_equilibrium(size, data):
    # The phase diagram reads the Newton minimum; the gradient flow run long enough must end there.
    values = {k: float(v) for k, v in huang_model_values(np.array(size), np.array(data)).items()}
    tr = simulate(CROSS_ENTROPY, 1e7, values, n_points=3)
    eq = huang_equilibrium(np.array([size]), np.array([data]))
    assert tr.final("w_G") == pytest.approx(eq["w_G"][0, 0], rel=1e-6)
    assert tr.final("w_M") == pytest.approx(eq["w_M"][0, 0], rel=1e-6)


def _dip_depth(curve: np.ndarray) -> float:
    return float(np.max(np.maximum.accumulate(curve) - curve))


def test_double_descent_dip_below_crossing_and_deeper_for_harder_task():
    # Verdicts: claims grokking.huang_double_descent_below_crossing and grokking.huang_harder_task_moves_crossing.
    sizes = np.geomspace(4, 300, 120)
    below, above = 0.7 * CROSS["data"], 2.0 * CROSS["data"]
    base = huang_equilibrium(sizes, np.array([below, above]))["validation"]
    assert _dip_depth(base[0]) > 0.5 > _dip_depth(base[1])
    # Harder task (D_crit x 1.5): the same data size shows a deeper dip (Huang et al. Prediction 2).
    harder = huang_equilibrium(sizes, np.array([above]), HuangSetting(difficulty=1.5))["validation"]
    assert _dip_depth(harder[0]) > _dip_depth(base[1])


def test_dip_sits_in_the_derived_window():
    sizes = np.geomspace(4, 300, 400)
    data = 3000.0
    val = huang_equilibrium(sizes, np.array([data]))["validation"][0]
    start = evaluate("huang.dip_window_start", D=data, A_mem=SETTING.A_mem, mu=SETTING.mu)
    end = evaluate("huang.dip_window_end", D=data, B_crit=SETTING.B_crit, nu=SETTING.nu)
    lowest = sizes[np.argmin(val)]
    assert start <= lowest <= end


def test_crossing_matches_independent_values():
    # Solved numerically outside this package: M* = 30.18, D* = 4098.5 for these constants.
    assert CROSS["model"] == pytest.approx(30.18, abs=0.01)
    assert CROSS["data"] == pytest.approx(4098.5, abs=0.1)


def test_zone_map():
    zones = huang_zone(np.array([8.0, 32.0, 200.0]), np.array([3000.0]))
    # M = 8: capacity 288 < 3000 -> progression; M = 32: D_crit = 4000 > 3000 -> ungrokking; M = 200 -> grokking.
    assert list(zones[0]) == [0, 1, 2]


@pytest.mark.parametrize(("call", "name"), [
    (lambda: huang_equilibrium(np.array([-1.0]), np.array([100.0])), "model_sizes"),
    (lambda: huang_zone(np.array([10.0]), np.array([np.nan])), "data_sizes"),
    (lambda: huang_zone(np.array([10.0]), np.array([100.0]), band=-0.1), "band"),
    (lambda: liu_phase_diagram(np.array([1.0]), np.array([-1e-3])), "weight_decays"),
    (lambda: liu_phase_diagram(np.array([0.0]), np.array([1e-3])), "data_ratios"),
    (lambda: HuangSetting(difficulty=0.0), "difficulty"),
])
def test_phase_diagrams_name_the_bad_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()
