"""Full-batch AdamW on modular addition, with the times at which the net memorizes, generalizes and ungroks.

Set-up as in Power et al. 2022 scaled to a CPU: AdamW, betas (0.9, 0.98), the whole training set every
step. Accuracies are measured on all p^2 pairs in one forward pass every ``eval_every`` steps, so an event
time is the first checked step past its threshold. Same settings and seed give the same step counts:
the initialization is seeded from the run's seed, and every op used (matmul, embedding and its backward,
cross-entropy, fused AdamW) is deterministic on the CPU for a given thread count. (Asking torch for
deterministic algorithms would import its compiler stack, seconds per process, and change nothing here.)
"""

from __future__ import annotations

import functools
import os
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from derivations.sweep import sweep
from derivations.training import ACCURACY_THRESHOLD, GRACE_STEPS, UNGROK_THRESHOLD, resolve_settings, store
from derivations.training.networks import build
from derivations.training.task import split

PROGRESS_SECONDS = 2.0  # at most one progress line per this many seconds (steps decide results, never time)
# torch's generator is global to the process: runs started in threads (a dask worker with several threads)
# seed and initialize one at a time, so each net's initial weights depend on its own seed only.
_INIT_LOCK = threading.Lock()


class _Progress:
    def __init__(self, enabled: bool, total: int) -> None:
        self.enabled, self.total, self.last, self.shown = enabled, total, time.monotonic(), None

    def __call__(self, phase: str, step: int, train: float, test: float, final: bool = False) -> None:
        now = time.monotonic()
        if self.enabled and (now - self.last >= PROGRESS_SECONDS or final and self.shown != (phase, step)):
            self.last, self.shown = now, (phase, step)
            print(f"train grokking: {phase}step {step}/{self.total}  train accuracy {train:.3f}  "
                  f"test accuracy {test:.3f}", file=sys.stderr, flush=True)


def _phase(net: Any, optimizer: Any, data: tuple, train_idx: Any, test_idx: Any, steps: int, eval_every: int,
           stop: Callable[[int, float, float], bool], report: Callable[[int, float, float], None]) -> tuple:
    """Train on ``train_idx`` for up to ``steps`` steps, checking accuracies every ``eval_every`` steps until
    ``stop(step, train_accuracy, test_accuracy)``; returns (steps taken, last train and test accuracy)."""
    import torch
    import torch.nn.functional as F

    x, y = data
    x_train, y_train = x[train_idx], y[train_idx]
    step = 0
    while step < steps:
        chunk = min(eval_every, steps - step)
        for _ in range(chunk):
            optimizer.zero_grad(set_to_none=True)
            loss = F.cross_entropy(net(x_train), y_train)
            loss.backward()
            optimizer.step()
        step += chunk
        if not torch.isfinite(loss):
            raise ValueError(f"training diverged (loss {loss.item()}) by step {step}: lower lr")
        with torch.no_grad():
            correct = (net(x).argmax(dim=1) == y).double()
        train_acc, test_acc = correct[train_idx].mean().item(), correct[test_idx].mean().item()
        report(step, train_acc, test_acc)
        if stop(step, train_acc, test_acc):
            break
    return step, train_acc, test_acc


def train(settings: Mapping[str, object], *, progress: bool = True, threads: int | None = None) -> dict:
    """Train one network; the full settings and its results (``t_memorize``, ``t_generalize``: step or None).

    ``settings`` are checked first (``ValueError`` naming the key). The main phase stops ``GRACE_STEPS``
    after the net generalizes, or at ``steps``. With ``retrain_fraction`` training then continues for
    ``retrain_steps`` on the retraining subset; ``t_ungrok`` counts steps from that restart until the test
    accuracy falls below ``UNGROK_THRESHOLD``. ``threads`` sets torch's intra-op threads and leaves them so:
    runs in threads of one process (a dask worker) must not change each other's arithmetic midway.
    """
    import torch

    values = resolve_settings(settings)
    data = split(values["p"], values["fraction"], values["seed"], values.get("retrain_fraction"))
    if threads is not None and torch.get_num_threads() != threads:
        torch.set_num_threads(threads)
    start = time.perf_counter()
    with _INIT_LOCK, torch.random.fork_rng(devices=[]):  # the caller's generator is left as it was
        torch.manual_seed(values["seed"])
        net = build(values["model"], values["p"], values["width"], values["embed"])
    optimizer = torch.optim.AdamW(net.parameters(), lr=values["lr"], betas=(0.9, 0.98),
                                  weight_decay=values["weight_decay"], fused=True)
    tensors = (torch.from_numpy(data.pairs), torch.from_numpy(data.labels))
    test_idx = torch.from_numpy(data.test)
    result = {**values, "t_memorize": None, "t_generalize": None}
    show = _Progress(progress, values["steps"])

    def main_stop(step: int, train_acc: float, test_acc: float) -> bool:
        if result["t_memorize"] is None and train_acc > ACCURACY_THRESHOLD:
            result["t_memorize"] = step
        if result["t_generalize"] is None and test_acc > ACCURACY_THRESHOLD:
            result["t_generalize"] = step
        return result["t_generalize"] is not None and step >= result["t_generalize"] + GRACE_STEPS

    steps_run, train_acc, test_acc = _phase(
        net, optimizer, tensors, torch.from_numpy(data.train), test_idx, values["steps"], values["eval_every"],
        main_stop, lambda *a: show("", *a))
    show("", steps_run, train_acc, test_acc, final=True)
    if data.retrain is not None:
        result.update(grokked_test_accuracy=test_acc, t_ungrok=None)

        def retrain_stop(step: int, train_acc: float, test_acc: float) -> bool:
            if result["t_ungrok"] is None and test_acc < UNGROK_THRESHOLD:
                result["t_ungrok"] = step
            return False

        show.total = values["retrain_steps"]
        retrained, train_acc, test_acc = _phase(
            net, optimizer, tensors, torch.from_numpy(data.retrain), test_idx, values["retrain_steps"],
            values["eval_every"], retrain_stop, lambda *a: show("retraining ", *a))
        show("retraining ", retrained, train_acc, test_acc, final=True)
        steps_run += retrained
    result.update(final_train_accuracy=train_acc, final_test_accuracy=test_acc, steps_run=steps_run,
                  torch_version=torch.__version__, seconds=round(time.perf_counter() - start, 3))
    return result


def _describe(result: Mapping[str, object], keys: Sequence[str]) -> str:
    return " ".join(f"{k}={result[k]}" for k in keys if result.get(k) is not None)


def train_and_store(store_path: str | os.PathLike, **settings: object) -> dict:
    """One run of a sweep (one intra-op thread: the sweep's workers share the cores), recorded when it finishes."""
    result = train(settings, progress=False, threads=1)
    store.put(store_path, settings, result)
    print(f"train grokking: finished {_describe(result, list(settings))}: "
          f"{_describe(result, ['t_memorize', 't_generalize', 't_ungrok', 'seconds'])}", file=sys.stderr, flush=True)
    return result


def run_sweep(points: Sequence[Mapping[str, object]], store_path: str | os.PathLike, *, n_jobs: int = 1) -> list[dict]:
    """The results of every settings in ``points``, training only those not yet in the store.

    Runs go through :func:`derivations.sweep.sweep` (joblib with ``n_jobs != 1``, so
    ``joblib.parallel_config(backend="dask")`` moves them onto a dask cluster); each worker writes its
    finished run into the store itself, so an interrupted sweep loses no finished run.
    """
    settings = [resolve_settings(p) for p in points]
    unique = {store.run_key(s): s for s in settings}
    found = dict(zip(unique, store.lookup(store_path, list(unique.values()))))
    todo = [unique[k] for k, r in found.items() if r is None]
    if todo:
        print(f"train grokking: {len(unique) - len(todo)} of {len(unique)} runs already in the store, "
              f"training {len(todo)}", file=sys.stderr, flush=True)
        fresh = sweep(functools.partial(train_and_store, os.fspath(store_path)), todo,
                      n_jobs=min(n_jobs, len(todo)) if n_jobs > 0 else n_jobs, progress="train grokking runs")
        # Workers on another machine write into their own copy of the path: record their runs here too.
        for s, result, there in zip(todo, fresh, store.lookup(store_path, todo)):
            found[store.run_key(s)] = result
            if there is None:
                store.put(store_path, s, result)
    return [found[store.run_key(s)] for s in settings]
