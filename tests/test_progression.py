"""Huang et al.'s Takeaway 4 in the cross-entropy model: progression is driven by cross-entropy (its
timing ignores weight decay), grokking by weight decay (its timing scales as 1/weight decay)."""

import numpy as np

from derivations.simulate import Event, simulate
from theory.dynamics import CROSS_ENTROPY

TAKEOVER = {"takeover": Event("test_margin", 0.0, +1)}  # the test argmax flips to the generalizer


def takeover_step(f: float, lam: float) -> float:
    tr = simulate(CROSS_ENTROPY, 2e5, {"f": f, "lam": lam}, events=TAKEOVER, n_points=50)
    assert tr.events["takeover"] is not None
    return tr.events["takeover"]


def test_progression_timing_ignores_weight_decay_while_grokking_scales_inversely():
    lams = np.array([0.0025, 0.005, 0.01])
    progression = np.array([takeover_step(0.6, lam) for lam in lams])
    grokking = np.array([takeover_step(1.0, lam) for lam in lams])
    # Elasticity d ln(steps) / d ln(lam): about 0 for cross-entropy-driven progression (an independent
    # simulation found ~1500 steps for every lam), about -1 for weight-decay-driven grokking.
    slope = np.polyfit(np.log(lams), np.log(progression), 1)[0]
    assert abs(slope) < 0.25
    slope = np.polyfit(np.log(lams), np.log(grokking), 1)[0]
    assert -1.05 < slope < -0.8
    assert np.all(grokking > 3 * progression)
