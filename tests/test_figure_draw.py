"""figures.draw: a divergence is drawn as broken branches that leave the top of the axes, plus a marked asymptote."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
from matplotlib import pyplot as plt  # noqa: E402

from figures.draw import asymptote, divergent_line  # noqa: E402


def _top_in_pixels(ax, line) -> float:
    return ax.transData.transform(line.get_xydata())[:, 1].max()


def test_branches_never_join_across_and_run_off_the_top():
    fig, ax = plt.subplots()
    x = np.linspace(0.1, 3, 200)
    y = 1 / np.abs(x - 1)  # +inf at x = 1, finite on both sides
    lines = divergent_line(ax, x, y, at=1.0, label="risk")
    ax.set_ylim(0, 5)
    fig.canvas.draw()
    top = ax.transAxes.transform((0, 1))[1]
    colours = {line.get_color() for line in lines}
    assert len(colours) == 1 and [ln.get_label() for ln in lines].count("risk") == 1
    for line in lines:  # no drawn segment crosses x = 1
        xs = line.get_xdata()
        assert np.all(xs <= 1) or np.all(xs >= 1)
    # Both sides reach above the axes' top (no plateau, no branch ending in mid-air).
    assert sum(_top_in_pixels(ax, ln) > top for ln in lines if np.all(ln.get_xdata() <= 1)) >= 1
    assert sum(_top_in_pixels(ax, ln) > top for ln in lines if np.all(ln.get_xdata() >= 1)) >= 1
    plt.close(fig)


def test_integer_curve_with_infinite_values_runs_off_at_the_first_infinite_point():
    fig, ax = plt.subplots()
    p = np.arange(0, 11.0)
    risk = np.full(p.shape, np.inf)  # inf at 4, 5, 6, as an expectation next to a threshold
    far = np.abs(p - 5) > 1
    risk[far] = 1 + 1 / np.abs(p[far] - 5)
    lines = divergent_line(ax, p, risk, at=5)
    runs = [ln for ln in lines if ln.get_ydata().max() > 1e6]
    assert sorted(float(r.get_xdata()[-1]) for r in runs) == [4.0, 6.0]
    # Autoscaling sees only the finite curve, not the run-off.
    assert ax.get_ylim()[1] < 3
    plt.close(fig)


def test_asymptote_is_a_dashed_vertical_line_with_its_label_outside_the_axes():
    fig, ax = plt.subplots()
    ax.plot([0, 2], [0, 1])
    line = asymptote(ax, 1.0, label=r"$\gamma = 1$")
    asymptote(ax, 1.5, label="b")
    assert np.allclose(line.get_xdata(), 1.0) and line.get_linestyle() == "--"
    (top,) = ax.child_axes
    assert [t.get_text() for t in top.get_xticklabels()] == [r"$\gamma = 1$", "b"]
    fig.canvas.draw()
    label_box = top.get_xticklabels()[0].get_window_extent()
    assert label_box.y0 >= ax.get_window_extent().y1 - 1
    plt.close(fig)


def test_asymptote_label_survives_a_later_change_of_scale():
    fig, ax = plt.subplots()
    ax.plot([0.1, 10], [1, 2])
    asymptote(ax, 1.0, label="here")
    ax.set_xscale("log")  # after the label: Matplotlib would reset the secondary axis's labels
    fig.canvas.draw()
    (top,) = ax.child_axes
    assert [t.get_text() for t in top.get_xticklabels() if t.get_visible()] == ["here"]
    plt.close(fig)


def test_run_off_clears_even_a_curve_far_above_the_default_height():
    fig, ax = plt.subplots()
    x = np.linspace(0.5, 1.5, 100)  # 1 itself is not on the grid
    y = 1e15 / np.abs(x - 1)  # values far above 1e12 near the pole
    lines = divergent_line(ax, x, y, at=1.0, c="k")  # the alias "c" and the branch colour do not clash
    assert max(ln.get_ydata().max() for ln in lines) >= 1e3 * y.max()
    plt.close(fig)
