"""Arora and Goyal's skill graph as a Monte Carlo, with the binomial tail and its Chernoff bound overlaid.

Each of ``n_pieces`` text pieces uses ``k`` distinct skills drawn uniformly; the model fails a random
set of pieces of measure theta; a skill fails when at least beta_s theta of its pieces fail. For a
random failure set the fraction of failing skills has expectation mean_s P[Bin(deg_s, theta) >=
beta_s theta deg_s] (linearity of expectation, whatever the overlaps), which the Chernoff form
``emergence.skill_failure_tail_bound`` bounds from above. This is a reconstruction of the type of
statement in Arora and Goyal (2023, arXiv 2307.15936, Thm. 8), not the paper's inequality.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import binom

from derivations.evaluate import evaluate


def skill_graph(n_skills: int, n_pieces: int, k: int, rng: np.random.Generator) -> np.ndarray:
    """Skills of each text piece, shape (n_pieces, k): k distinct skills per piece, uniformly at random."""
    if not 1 <= k <= n_skills:
        raise ValueError(f"k must be in [1, n_skills = {n_skills}], got {k}")
    return np.argpartition(rng.random((n_pieces, n_skills)), k - 1, axis=1)[:, :k]


def failure_threshold(degree: np.ndarray, theta: float, beta_s: float) -> np.ndarray:
    """Smallest failure count that reaches the rate beta_s theta (round-off at exact integers forgiven)."""
    return np.ceil(beta_s * theta * np.asarray(degree, float) - 1e-9)


def failing_skill_fraction(pieces: np.ndarray, n_skills: int, theta: float, beta_s: float,
                           rng: np.random.Generator, repeats: int = 50) -> np.ndarray:
    """Fraction of skills whose failed-piece rate is >= beta_s theta, for ``repeats`` random failure sets."""
    degree = np.bincount(pieces.ravel(), minlength=n_skills)
    needed = failure_threshold(degree, theta, beta_s)
    out = np.empty(repeats)
    for r in range(repeats):
        failed = rng.random(pieces.shape[0]) < theta
        failures = np.bincount(pieces[failed].ravel(), minlength=n_skills)
        out[r] = np.mean((degree > 0) & (failures >= needed))
    return out


def tail_predictions(pieces: np.ndarray, n_skills: int, theta: float, beta_s: float) -> tuple[float, float]:
    """(exact expected failing fraction, Chernoff bound), both averaged over the graph's skill degrees."""
    degree = np.bincount(pieces.ravel(), minlength=n_skills)
    exact = binom.sf(failure_threshold(degree, theta, beta_s) - 1, degree, theta)  # P[X > threshold - 1]
    bound = evaluate("emergence.skill_failure_tail_bound", theta=theta, beta_s=beta_s, degree=np.maximum(degree, 1))
    return float(np.mean(np.where(degree > 0, exact, 0.0))), float(np.mean(bound))
