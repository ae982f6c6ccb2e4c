"""A training sweep moved onto a dask cluster with ``joblib.parallel_config(backend="dask")`` gives the serial results.

Skipped without the ``training`` and ``distributed`` extras.
"""

import pytest

pytest.importorskip("torch")
distributed = pytest.importorskip("distributed")
joblib = pytest.importorskip("joblib")

from derivations.training import store  # noqa: E402
from derivations.training.loop import run_sweep  # noqa: E402

POINTS = [{"p": 13, "fraction": f, "weight_decay": wd, "steps": 60} for f in (0.5, 0.7) for wd in (1, 3)]
SAME = ("t_memorize", "t_generalize", "final_train_accuracy", "final_test_accuracy", "steps_run")


def test_the_dask_sweep_gives_the_serial_results(tmp_path):
    serial = run_sweep(POINTS, tmp_path / "serial.sqlite")
    # Two single-threaded workers: with one, joblib would see one slot and run the sweep in this process.
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client, distributed.get_task_stream(client) as tasks, \
            joblib.parallel_config(backend="dask"):
        remote = run_sweep(POINTS, tmp_path / "dask.sqlite", n_jobs=2)
    assert len(tasks.data) >= len(POINTS), "the runs did not go to the cluster"
    assert [{k: r[k] for k in SAME} for r in remote] == [{k: r[k] for k in SAME} for r in serial]
    assert len(store.runs(tmp_path / "dask.sqlite")) == len(POINTS)  # the workers wrote every run
