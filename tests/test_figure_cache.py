"""Rendering figures: the data cache survives any damage, files appear whole or not at all, outputs are
byte-stable, and ``circuitcomp figures`` checks its input before doing any work."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from figures import registry
from figures.__main__ import main
from figures.registry import CACHE_FOLDER, FigureSpec, data, render


def _compute(fast: bool) -> dict:
    x = np.geomspace(1.0, 1e3, 20 if fast else 40)
    return {"x": x, "y": x**-0.5, "grid": np.outer(x[:6], x[:6])}


def _plot_tiny(d: dict) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(2, 1.5))
    ax.plot(d["y"][:3])
    ax.set(xlabel="index", ylabel="value")
    return fig


def _plot(d: dict) -> plt.Figure:
    fig, axes = plt.subplots(1, 2, figsize=(6, 2.5), layout="constrained")
    axes[0].loglog(d["x"], d["y"], label=r"$x^{-1/2}$")
    axes[0].set(xlabel="$x$", ylabel="$y$", title=r"a power law, $\alpha = 1/2$")
    axes[0].legend(loc="upper left", bbox_to_anchor=(1.02, 1))
    mesh = axes[1].pcolormesh(np.log10(d["grid"]), rasterized=True)
    axes[1].set(xlabel="column", ylabel="row")
    fig.colorbar(mesh, ax=axes[1], label=r"$\log_{10}$ value")
    return fig


class Counting:
    """A compute function that counts its calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, fast: bool) -> dict:
        self.calls += 1
        return _compute(fast)


def spec(name: str = "probe", compute=_compute, plot=_plot_tiny) -> FigureSpec:
    return FigureSpec(name, "a probe figure", "this test", compute, plot)


def cache_files(folder):
    return sorted(folder.glob("*.npz"))


def test_cached_data_are_used_and_equal_the_computed(tmp_path):
    compute = Counting()
    first, first_cached = data(spec(compute=compute), True, tmp_path)
    second, second_cached = data(spec(compute=compute), True, tmp_path)
    assert (first_cached, second_cached, compute.calls) == (False, True, 1)
    assert second.keys() == first.keys() and all(np.array_equal(first[k], second[k]) for k in first)
    assert data(spec(compute=compute), True, tmp_path, read_cache=False)[1] is False
    assert compute.calls == 2
    assert data(spec(compute=compute), False, tmp_path)[1] is False  # fast and full data are cached apart


DAMAGE = {
    "empty": lambda b: b"",
    "truncated": lambda b: b[: len(b) // 2],
    "byte flips": lambda b: b[:200] + bytes(x ^ 0xFF for x in b[200:260]) + b[260:],
    "not a zip": lambda b: b"hello",
}


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE.keys())
def test_damaged_cache_file_is_recomputed_and_replaced(tmp_path, damage):
    compute = Counting()
    data(spec(compute=compute), True, tmp_path)
    [path] = cache_files(tmp_path)
    path.write_bytes(damage(path.read_bytes()))
    assert data(spec(compute=compute), True, tmp_path)[1] is False
    assert data(spec(compute=compute), True, tmp_path)[1] is True  # the rewritten file reads
    assert compute.calls == 2


def test_cache_file_needing_pickle_is_not_executed_but_recomputed(tmp_path):
    compute = Counting()
    data(spec(compute=compute), True, tmp_path)
    [path] = cache_files(tmp_path)
    np.savez(path, x=np.array([{"object": "loaded only with pickle"}], dtype=object))
    assert data(spec(compute=compute), True, tmp_path)[1] is False
    assert compute.calls == 2


def test_outputs_are_byte_stable(tmp_path):
    # Mathtext, a log axis, a legend outside, a rasterized mesh, a colorbar and a constrained layout.
    figure = spec(plot=_plot)
    first = render(figure, tmp_path, fast=True, use_cache=False)
    assert [p.suffix for p in first.paths] == [".pdf", ".png"]
    before = [p.read_bytes() for p in first.paths]
    again = render(figure, tmp_path, fast=True, use_cache=False)  # a second drawing, over the old files
    assert again.drawn and [p.read_bytes() for p in again.paths] == before


def test_unchanged_files_are_not_redrawn_and_changed_ones_are(tmp_path):
    first = render(spec(), tmp_path, fast=True)
    pdf, png = first.paths
    assert first.drawn and not render(spec(), tmp_path, fast=True).drawn
    png.write_bytes(b"edited")  # any change to a file, or a missing file, means drawing again
    again = render(spec(), tmp_path, fast=True)
    assert again.drawn and again.cached and png.read_bytes()[:4] == b"\x89PNG"
    pdf.unlink()
    assert render(spec(), tmp_path, fast=True).drawn and pdf.exists()
    assert render(spec(), tmp_path, fast=False).drawn  # other data: drawn
    assert render(spec(), tmp_path, fast=True, use_cache=False).drawn
    (tmp_path / CACHE_FOLDER / "probe.json").write_text("{damaged")
    assert render(spec(), tmp_path, fast=True).drawn


def test_a_crash_while_saving_leaves_the_old_files_and_no_temporary_ones(tmp_path, monkeypatch):
    render(spec(), tmp_path, fast=True)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}

    def crash(self, fname, **kwargs):
        with open(fname, "wb") as fh:
            fh.write(b"half a figure")
        raise KeyboardInterrupt

    monkeypatch.setattr(plt.Figure, "savefig", crash)
    with pytest.raises(KeyboardInterrupt):
        render(spec(), tmp_path, fast=True, use_cache=False)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()} == before
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp")]


def test_a_crash_while_caching_leaves_no_cache_file(tmp_path, monkeypatch):
    def crash(file, **arrays):
        file.write(b"PK half an archive")
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", crash)
    with pytest.raises(KeyboardInterrupt):
        data(spec(), True, tmp_path)
    assert not list(tmp_path.iterdir())


# --- the command --------------------------------------------------------------------------------------------
@pytest.fixture
def probes(monkeypatch):
    """Two probe figures registered for the duration of one test."""
    for name in ("probe_a", "probe_b"):
        monkeypatch.setitem(registry._FIGURES, name, spec(name))
    return ["probe_a", "probe_b"]


def test_command_reports_absolute_folder_and_cache_use(tmp_path, capsys, probes, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["--only", *probes, "--fast", "--out", "out", "--jobs", "2"]) == 0  # two worker processes
    assert main(["--only", *probes, "--fast", "--out", "out", "--jobs", "1"]) == 0  # in this process
    assert (tmp_path / "out" / CACHE_FOLDER).is_dir()
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"rendering 2 figures into {tmp_path / 'out'}"
    assert sum("computed" in line for line in lines) == 2 and sum("up to date" in line for line in lines) == 2
    assert sorted(p.name for p in (tmp_path / "out").glob("probe_*")) == [
        "probe_a.pdf", "probe_a.png", "probe_b.pdf", "probe_b.png"]


@pytest.mark.parametrize("argv, message", [
    (["--only", "no_such_figure", "nor_this"], "unknown figures no_such_figure, nor_this"),
    (["--jobs", "0"], "--jobs must be a whole number >= 1"),
    (["--jobs", "two"], "invalid int value"),
    (["--out", ""], "--out must name a folder"),
    (["--bogus"], "unrecognized arguments"),
])
def test_command_rejects_bad_input_in_one_line(tmp_path, capsys, argv, message):
    assert main([*argv, "--out", str(tmp_path)] if "--out" not in argv else argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_command_refuses_an_output_path_that_is_a_file(tmp_path, capsys, probes):
    target = tmp_path / "taken"
    target.write_text("x")
    assert main(["--only", probes[0], "--out", str(target)]) == 2
    assert "is a file" in capsys.readouterr().err
    assert target.read_text() == "x"
