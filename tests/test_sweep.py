"""Sweeps: grid order, per-point seeds independent of scheduling, serial and joblib runs identical."""

import numpy as np
import pytest

from derivations.sweep import grid, sweep


def noisy(x: float, y: float, rng: np.random.Generator) -> float:
    return x * 10 + y + rng.standard_normal()


def test_grid_is_the_cartesian_product_first_axis_slowest():
    assert grid(x=[1, 2], y=[5, 6, 7]) == [
        {"x": 1, "y": 5}, {"x": 1, "y": 6}, {"x": 1, "y": 7}, {"x": 2, "y": 5}, {"x": 2, "y": 6}, {"x": 2, "y": 7},
    ]


def test_seeds_follow_the_point_not_the_schedule(capsys):
    points = grid(x=[0, 1, 2], y=[0, 1])
    serial = sweep(noisy, points, seed=7, progress="demo")
    assert "demo: 6/6" in capsys.readouterr().err
    # Each point's draw comes from its own spawned seed: a sub-grid sees the same draws by position.
    expected = [p["x"] * 10 + p["y"] + np.random.default_rng(s).standard_normal()
                for p, s in zip(points, np.random.SeedSequence(7).spawn(len(points)))]
    assert serial == expected
    assert sweep(noisy, points, seed=8) != serial


def test_joblib_gives_the_serial_results():
    pytest.importorskip("joblib")
    points = grid(x=[0, 1, 2, 3], y=[0, 1])
    assert sweep(noisy, points, seed=3, n_jobs=2) == sweep(noisy, points, seed=3)


def test_without_seed_no_rng_is_passed():
    assert sweep(lambda x: 2 * x, [{"x": 1}, {"x": 4}]) == [2, 8]
