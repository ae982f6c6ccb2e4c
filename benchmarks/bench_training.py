"""Steps per second of the training loop against plain PyTorch loops written the obvious way, in the same run.

Ours: :func:`derivations.training.loop.train` (full batch, fused AdamW, accuracies on all pairs in one
forward pass every 10 steps). Baselines, same network, seed, optimizer settings and check schedule:
"plain" indexes the training tensors directly, uses the default AdamW and measures train and test
accuracy with two forward passes; "DataLoader" feeds the same full batch through a ``TensorDataset`` and a
``DataLoader`` (the tutorial pattern: per-example indexing and collation every step). Each repeat runs
ours and the baselines interleaved, so a busy machine slows all alike; CPU time (user + system) is printed
beside wall time, the steadier measure on a shared machine. All runs use one torch thread. The run is
p = 97, fraction 0.3, weight decay 1 (memorizes, no early stop within the steps).

    python benchmarks/bench_training.py [--steps 300] [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

from derivations.training import resolve_settings
from derivations.training.loop import train
from derivations.training.networks import build
from derivations.training.task import split


def plain(settings: dict, loader: bool) -> float:
    """The obvious loop; returns the final train accuracy (to check it trains the same network)."""
    s = split(settings["p"], settings["fraction"], settings["seed"])
    x, y = torch.from_numpy(s.pairs), torch.from_numpy(s.labels)
    x_train, y_train, x_test, y_test = x[s.train], y[s.train], x[s.test], y[s.test]
    batches = DataLoader(TensorDataset(x_train, y_train), batch_size=len(s.train)) if loader else [(x_train, y_train)]
    torch.manual_seed(settings["seed"])
    net = build("mlp", settings["p"], settings["width"], settings["embed"])
    opt = torch.optim.AdamW(net.parameters(), lr=settings["lr"], betas=(0.9, 0.98),
                            weight_decay=settings["weight_decay"])
    for step in range(1, settings["steps"] + 1):
        for xb, yb in batches:
            net.train()
            opt.zero_grad()
            loss = F.cross_entropy(net(xb), yb)
            loss.backward()
            opt.step()
        if step % settings["eval_every"] == 0:
            net.eval()
            with torch.no_grad():
                train_acc = (net(x_train).argmax(1) == y_train).float().mean().item()
                (net(x_test).argmax(1) == y_test).float().mean().item()
    return train_acc


def timed(fn) -> tuple[float, float, object]:
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(1)
    settings = resolve_settings({"p": 97, "fraction": 0.3, "weight_decay": 1, "steps": args.steps})
    train({**settings, "steps": 10}, progress=False, threads=1)  # torch's one-time imports, outside the timings
    cases = {
        "ours": lambda: train(settings, progress=False, threads=1)["final_train_accuracy"],
        "plain": lambda: plain(settings, loader=False),
        "DataLoader": lambda: plain(settings, loader=True),
    }
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
    accuracy = {}
    for _ in range(args.repeats):
        for name, fn in cases.items():
            wall, cpu, accuracy[name] = timed(fn)
            times[name].append((wall, cpu))
    wall = {name: statistics.median(t[0] for t in ts) for name, ts in times.items()}
    cpu = {name: statistics.median(t[1] for t in ts) for name, ts in times.items()}
    print(f"p=97 fraction=0.3 MLP, {args.steps} full-batch steps, accuracy checked every 10, one thread, "
          f"median of {args.repeats}")
    for name in cases:
        ratio = "" if name == "ours" else (f"; its time / ours: {wall[name] / wall['ours']:.2f}x wall, "
                                           f"{cpu[name] / cpu['ours']:.2f}x CPU")
        print(f"  {name:>10}: {args.steps / wall[name]:6.1f} steps/s wall, {args.steps / cpu[name]:6.1f} per CPU s; "
              f"final train accuracy {accuracy[name]:.4f}{ratio}")


if __name__ == "__main__":
    main()
