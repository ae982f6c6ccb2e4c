"""The figure lint: each rule caught on a small synthetic figure, none raised on clean ones, then every figure."""

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from figure_arrays import computed, fast_arrays, figure_arrays, keep

from figures.lint import problems, text_problem
from figures.registry import STYLE, all_figures, get_figure

X = np.linspace(0.0, 1.0, 50)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def labelled(ax, title: str = "panel"):
    ax.set(xlabel="x", ylabel="y", title=title)
    return ax


def one_axes(**kwargs):
    fig, ax = plt.subplots(**kwargs)
    return fig, labelled(ax)


# --- clean figures: no false positives -------------------------------------------------------------------
def test_legend_beside_the_axes_is_clean():
    fig, ax = one_axes()
    ax.plot(X, X, label="rising")
    ax.plot(X, 1 - X, label="falling")
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1))
    assert problems(fig) == []


def test_figure_legend_outside_with_constrained_layout_is_clean():
    fig, axes = plt.subplots(1, 2, layout="constrained", sharey=True)
    for ax in axes:
        ax.plot(X, X**2, label="square")
        ax.set_xlabel(r"$\gamma = p/n$")
    axes[0].set_ylabel("risk")  # a shared y axis in a row: the first label suffices
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside right upper")
    assert problems(fig) == []


def test_legend_in_an_empty_corner_mathtext_and_colorbar_label_are_clean():
    fig, ax = one_axes()
    ax.plot(X, X, label=r"$\alpha = 1$, $\lambda^2$")
    ax.legend(loc="upper left")  # the rising line never reaches the upper-left corner
    ax.set_yscale("log")
    ax.set_ylim(1e-10, 1e5)  # 15 decades
    mesh = ax.inset_axes([0.6, 0.05, 0.35, 0.2]).pcolormesh(np.ones((2, 2)))
    mesh.axes.set(xlabel="u", ylabel="v")
    fig.colorbar(mesh, ax=ax, label="density")
    assert problems(fig) == [], problems(fig)


def test_legend_over_the_masked_part_of_a_mesh_is_clean():
    fig, ax = one_axes()
    values = np.ma.masked_array(np.ones((10, 10)), mask=np.zeros((10, 10), bool))
    values.mask[5:, :5] = True  # the upper-left quarter is not drawn
    ax.pcolormesh(np.arange(11), np.arange(11), values)
    ax.plot([6, 9], [1, 3], label="a line")
    ax.legend(loc="upper left")
    assert problems(fig) == []


# --- each rule, violated ---------------------------------------------------------------------------------
def test_legend_on_a_line_names_the_axes_and_the_line():
    fig, ax = one_axes()
    ax.set_title("risk vs width")
    ax.plot(X, 0.5 + 0 * X, label="flat")
    ax.legend(loc="center left")
    found = problems(fig)
    assert len(found) == 1 and "risk vs width" in found[0] and "legend" in found[0] and "'flat'" in found[0]


def test_a_segment_through_the_legend_counts_even_with_no_vertex_inside():
    fig, ax = one_axes()
    ax.plot([0, 1], [0.5, 0.5], label="two points")
    ax.legend(loc="center")
    assert any("legend covers 1 segment " in p for p in problems(fig))


def test_markers_scatter_and_errorbars_under_the_legend():
    fig, axes = plt.subplots(1, 3)
    for ax in axes:
        labelled(ax)
    axes[0].plot(X, 0.5 + 0 * X, "o", label="dots")
    axes[1].scatter(X, 0.5 + 0 * X, label="scatter")
    axes[2].errorbar([0.5], [0.5], yerr=[0.4], fmt="none", label="bar")
    axes[2].set_xlim(0, 1)
    for ax in axes:
        ax.legend(loc="center")
    found = problems(fig)
    assert [sum(f"axes {i} " in p for p in found) for i in range(3)] == [1, 1, 1], found


def test_bands_and_bars_under_the_legend():
    fig, axes = plt.subplots(1, 2)
    for ax in axes:
        labelled(ax)
    axes[0].fill_between(X, 0.2, 0.8, label="band")  # the legend sits inside the band, on no edge
    axes[1].bar([0, 1, 2], [1, 1, 1], width=0.9, label="bars")
    for ax in axes:
        ax.legend(loc="center")
    found = problems(fig)
    assert any("axes 0 " in p and "'band'" in p for p in found)
    assert any("axes 1 " in p and "bar" in p for p in found)


def test_legend_inside_an_image_covers_it():
    fig, axes = plt.subplots(1, 2)
    for ax in axes:
        labelled(ax)
    axes[0].imshow(np.eye(5))
    axes[0].plot([0, 1], [0, 0], label="line")
    axes[1].pcolormesh(np.eye(5))
    axes[1].plot([0, 1], [0, 0], label="line")
    for ax in axes:
        ax.legend(loc="lower right")
    found = problems(fig)
    assert any("axes 0 " in p and "image" in p for p in found)
    assert any("axes 1 " in p and "cell" in p for p in found)


def test_text_boxes_annotations_and_inset_colorbars_over_data():
    fig, axes = plt.subplots(1, 3)
    for ax in axes:
        labelled(ax)
        ax.plot(X, X)
    axes[0].text(0.5, 0.5, "note", bbox={"facecolor": "white"})
    axes[1].annotate("peak", (0.2, 0.2), xytext=(0.45, 0.48))
    mesh = axes[2].pcolormesh(np.eye(2), alpha=0)
    fig.colorbar(mesh, cax=axes[2].inset_axes([0.3, 0.3, 0.4, 0.4]), label="level")
    found = problems(fig)
    assert any("axes 0 " in p and "'note'" in p for p in found)
    assert any("axes 1 " in p and "'peak'" in p for p in found)
    assert any("axes 2 " in p and "colorbar" in p for p in found)


def test_missing_labels_and_unlabelled_colorbar():
    fig, axes = plt.subplots(1, 2)
    axes[0].plot(X, X)
    axes[0].set_title("no labels")
    mesh = axes[1].pcolormesh(np.eye(3))
    labelled(axes[1])
    fig.colorbar(mesh, ax=axes[1])
    found = problems(fig)
    assert "axes 0 'no labels': no x label" in found and "axes 0 'no labels': no y label" in found
    assert any("colorbar" in p and "no label" in p for p in found)


def test_unshared_neighbour_needs_its_own_y_label():
    fig, axes = plt.subplots(1, 2)
    for ax in axes:
        ax.plot(X, X)
        ax.set_xlabel("x")
    axes[0].set_ylabel("y")
    assert problems(fig) == ["axes 1: no y label"]


def test_log_axis_spanning_too_many_decades():
    fig, ax = one_axes()
    ax.plot(X + 1, np.logspace(-316, 12, X.size))
    ax.set_yscale("log")
    ax.set_ylim(1e-316, 1e12)  # a dying circuit's margin underflowing, as in a review finding
    assert any("log y axis spans 328 decades" in p for p in problems(fig))


@pytest.mark.parametrize("text", ["alpha = 1", "lam = 0.01", r"$N$ vs lambda", "sigma2", "N_eta",
                                  "slope -alpha/(alpha+1)", "Lambda", "C^((alpha-beta)/(alpha+beta))",
                                  "continuum ~ n^-0.4", "D_crit", "10**3", r"$\alpha$ and beta"])
def test_ascii_greek_and_scripts_are_caught(text):
    assert text_problem(text) is not None


@pytest.mark.parametrize("text", [r"$\alpha = 1$", "alphabet soup", "Chinchilla", "a number", "theorem",
                                  r"$C^{(\alpha-\beta)/(\alpha+\beta)}$", r"$D_{\rm crit}$", r"price \$5",
                                  "10-90% width", "multi-step", r"$\mathdefault{10^{3}}$", "metal", "pick"])
def test_plain_words_and_mathtext_pass(text):
    assert text_problem(text) is None


def test_greek_in_an_axis_label_is_reported_under_its_axes():
    fig, ax = one_axes()
    ax.plot(X, X)
    ax.set_title("weights")
    ax.set_xlabel("weight decay lam")
    assert problems(fig) == ["axes 0 'weights': bare Greek word 'lam' outside mathtext in 'weight decay lam'"]


# --- every registered figure -----------------------------------------------------------------------------
def _lint(name: str, arrays: dict) -> list[str]:
    with plt.style.context(str(STYLE)):
        fig = get_figure(name).plot(arrays)
    found = problems(fig)
    plt.close(fig)
    return found


def _compute_and_lint(name: str, arrays: dict | None) -> tuple[dict, list[str]]:
    arrays = fast_arrays(name) if arrays is None else arrays
    return arrays, _lint(name, arrays)


@pytest.fixture(scope="module")
def lint_reports() -> dict[str, list[str]]:
    """Every figure's lint report, drawn by two forked workers (drawing dominates: ~0.3 s a figure); the data
    other tests have not computed yet are computed by the workers too, and kept for those tests."""
    names = [spec.name for spec in all_figures()]
    given = [figure_arrays(name) if computed(name) else None for name in names]
    if "fork" not in multiprocessing.get_all_start_methods():
        results = [_compute_and_lint(name, arrays) for name, arrays in zip(names, given)]
    else:
        with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork")) as pool:
            results = list(pool.map(_compute_and_lint, names, given))
    for name, (arrays, _) in zip(names, results):
        if not computed(name):
            keep(name, arrays)
    return {name: report for name, (_, report) in zip(names, results)}


@pytest.mark.parametrize("name", [spec.name for spec in all_figures()])
def test_every_figure_passes_the_lint(name, lint_reports):
    assert lint_reports[name] == []
