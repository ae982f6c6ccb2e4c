"""Modular addition: all p^2 pairs (a, b) labelled (a + b) mod p, a seeded train/test split and retraining subset.

NumPy only, so a split can be inspected (and tested) without torch. The split and the subset draw from
separate seeded streams: the subset of a run does not change the split of another with the same seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Split:
    """Indices into the p^2 pairs: ``train`` and ``test`` partition them; ``retrain`` (if any) is inside ``train``."""

    pairs: np.ndarray  # (p^2, 2) operands
    labels: np.ndarray  # (p^2,) (a + b) mod p
    train: np.ndarray
    test: np.ndarray
    retrain: np.ndarray | None


def pairs(p: int) -> tuple[np.ndarray, np.ndarray]:
    """Every pair (a, b) with 0 <= a, b < p, row-major, and its label (a + b) mod p."""
    a, b = np.divmod(np.arange(p * p), p)
    return np.stack([a, b], axis=1), (a + b) % p


def split(p: int, fraction: float, seed: int, retrain_fraction: float | None = None) -> Split:
    """A random ``round(fraction * p^2)`` training pairs, the rest for testing; optionally a retraining subset
    of ``round(retrain_fraction * p^2)`` training pairs (ungrokking)."""
    operands, labels = pairs(p)
    order = np.random.default_rng([seed, 0]).permutation(p * p)
    n_train = round(fraction * p * p)
    train, test = np.sort(order[:n_train]), np.sort(order[n_train:])
    retrain = None
    if retrain_fraction is not None:
        chosen = np.random.default_rng([seed, 1]).permutation(n_train)[: round(retrain_fraction * p * p)]
        retrain = np.sort(train[chosen])
    return Split(operands, labels, train, test, retrain)
