"""Finite test sets and the emergence score: how sampling turns a smooth accuracy curve into a jump.

An accuracy measured on n_test items is Binomial(n_test, Acc)/n_test: at small scales it reads exactly
0 with probability (1 - Acc)^n_test, so the first scale with a nonzero reading, the apparent emergence
threshold, sits near Acc = 1/n_test and moves to smaller models as the test set grows (Schaeffer et al.
2023, App. A; ``emergence.resolution_threshold_scale``). :func:`breakthroughness` is BIG-bench's
emergence score (Srivastava et al. 2022, as written in Schaeffer et al. 2023, Eq. 1).
"""

from __future__ import annotations

import numpy as np

from derivations.evaluate import check_domain, evaluate
from theory.symbols import CLOSED_UNIT_INTERVAL, COUNT, NONNEGATIVE_INTEGER, POSITIVE, REAL


def breakthroughness(y: np.ndarray) -> float:
    """sign(argmax - argmin) (max - min) / sqrt(median of squared successive differences), points sorted by scale.

    A flat curve scores 0; a single jump on an otherwise flat curve has median 0 and scores +-inf.
    """
    y = check_domain("y", y, REAL, "a finite score at each scale")
    if y.ndim != 1 or y.size < 3:
        raise ValueError(f"y must be a 1-d sequence of at least 3 values, got shape {y.shape}")
    spread = float(np.sign(np.argmax(y) - np.argmin(y)) * (y.max() - y.min()))
    roughness = float(np.sqrt(np.median(np.diff(y) ** 2)))
    if spread == 0.0:
        return 0.0
    return spread / roughness if roughness > 0 else float(np.copysign(np.inf, spread))


def sampled_accuracy(accuracy: np.ndarray, n_test: int, rng: np.random.Generator, repeats: int = 1) -> np.ndarray:
    """Observed accuracies on n_test items, shape (repeats, *accuracy.shape)."""
    n_test = int(check_domain("n_test", n_test, COUNT, "number of test items"))
    repeats = int(check_domain("repeats", repeats, COUNT, "number of sampled readings"))
    accuracy = check_domain("accuracy", accuracy, CLOSED_UNIT_INTERVAL, "expected accuracy")
    return rng.binomial(n_test, accuracy, size=(repeats, *accuracy.shape)) / n_test


def apparent_threshold(scales: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """First scale with a nonzero observed accuracy, per row of ``observed`` (inf: none)."""
    scales = check_domain("scales", scales, POSITIVE, "model scales")
    observed = np.atleast_2d(check_domain("observed", observed, CLOSED_UNIT_INTERVAL, "observed accuracies"))
    if scales.ndim != 1 or observed.ndim != 2 or observed.shape[1] != scales.size:
        raise ValueError(f"observed must have shape (rows, {scales.size}) to match scales, got {observed.shape}")
    hit = observed > 0
    first = np.argmax(hit, axis=1)
    return np.where(hit.any(axis=1), scales[first], np.inf)


def finite_test_illusion(scales: np.ndarray, test_sizes: tuple[int, ...], c: float = 1.18e9, alpha: float = -0.445,
                         length: int = 5, repeats: int = 200, seed: int = 0) -> dict[str, np.ndarray]:
    """Exact-match curves sampled on test sets of each size: apparent thresholds against the resolution scale."""
    scales = check_domain("scales", scales, POSITIVE, "model scales")
    length = int(check_domain("length", length, COUNT, "target length in tokens"))
    sizes = check_domain("test_sizes", test_sizes, COUNT, "test-set sizes")
    if sizes.ndim != 1 or sizes.size == 0:
        raise ValueError(f"test_sizes must be a non-empty sequence, got shape {sizes.shape}")
    repeats = int(check_domain("repeats", repeats, COUNT, "sampled curves per test-set size"))
    seed = int(check_domain("seed", seed, NONNEGATIVE_INTEGER, "random seed"))
    accuracy = evaluate("emergence.exact_match_accuracy", N=scales, c=c, alpha=alpha, L=length)
    rngs = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(sizes.size)]
    out: dict[str, np.ndarray] = {"scale": scales, "accuracy": accuracy, "test_size": sizes}
    thresholds, example = [], []
    for n_test, rng in zip(sizes.astype(int), rngs):
        observed = sampled_accuracy(accuracy, n_test, rng, repeats)
        thresholds.append(apparent_threshold(scales, observed))
        example.append(observed[0])
    out["apparent_threshold"] = np.array(thresholds)  # (test sizes, repeats)
    out["example_observed"] = np.array(example)  # one sampled curve per test size
    out["resolution_scale"] = evaluate("emergence.resolution_threshold_scale", c=c, alpha=alpha, L=length,
                                       n_test=out["test_size"])
    return out
