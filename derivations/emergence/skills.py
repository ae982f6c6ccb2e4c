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

from derivations.evaluate import check_domain, evaluate
from theory.emergence import OPEN_UNIT
from theory.symbols import COUNT, NONNEGATIVE_INTEGER, POSITIVE, Domain


def _count(name: str, value: int, description: str) -> int:
    """``value`` as an int, or a ``ValueError`` naming ``name`` unless it is a positive integer."""
    return int(check_domain(name, value, COUNT, description))


def _degrees(pieces: np.ndarray, n_skills: int) -> np.ndarray:
    """Skill degrees of a skill graph given as the skills of each text piece, after checking the graph."""
    n_skills = _count("n_skills", n_skills, "number of skills")
    skills = check_domain("pieces", pieces, Domain(0.0, n_skills - 1.0, lo_closed=True, hi_closed=True, integer=True),
                          "skill indices of each text piece")
    if skills.ndim != 2 or skills.shape[0] == 0:
        raise ValueError(f"pieces must have shape (n_pieces >= 1, k), got {skills.shape}")
    return np.bincount(skills.astype(int).ravel(), minlength=n_skills)


def skill_graph(n_skills: int, n_pieces: int, k: int, rng: np.random.Generator) -> np.ndarray:
    """Skills of each text piece, shape (n_pieces, k): k distinct skills per piece, uniformly at random."""
    n_skills = _count("n_skills", n_skills, "number of skills")
    n_pieces = _count("n_pieces", n_pieces, "number of text pieces")
    k = int(check_domain("k", k, Domain(1.0, n_skills, lo_closed=True, hi_closed=True, integer=True),
                         "skills per text piece, at most n_skills"))
    return np.argpartition(rng.random((n_pieces, n_skills)), k - 1, axis=1)[:, :k]


def failure_threshold(degree: np.ndarray, theta: float, beta_s: float) -> np.ndarray:
    """Smallest failure count that reaches the rate beta_s theta (round-off at exact integers forgiven)."""
    degree = check_domain("degree", degree, NONNEGATIVE_INTEGER, "text pieces of each skill")
    theta = float(check_domain("theta", theta, OPEN_UNIT, "fraction of text pieces failed"))
    beta_s = float(check_domain("beta_s", beta_s, POSITIVE, "failure-rate multiplier of a failing skill"))
    return np.ceil(beta_s * theta * degree - 1e-9)


def failing_skill_fraction(pieces: np.ndarray, n_skills: int, theta: float, beta_s: float,
                           rng: np.random.Generator, repeats: int = 50) -> np.ndarray:
    """Fraction of skills whose failed-piece rate is >= beta_s theta, for ``repeats`` random failure sets."""
    degree = _degrees(pieces, n_skills)
    needed = failure_threshold(degree, theta, beta_s)
    repeats = _count("repeats", repeats, "number of random failure sets")
    pieces = np.asarray(pieces, int)
    out = np.empty(repeats)
    for r in range(repeats):
        failed = rng.random(pieces.shape[0]) < theta
        failures = np.bincount(pieces[failed].ravel(), minlength=degree.size)
        out[r] = np.mean((degree > 0) & (failures >= needed))
    return out


def tail_predictions(pieces: np.ndarray, n_skills: int, theta: float, beta_s: float) -> tuple[float, float]:
    """(exact expected failing fraction, Chernoff bound), both averaged over the graph's skill degrees."""
    degree = _degrees(pieces, n_skills)
    from scipy.stats import binom  # imported here: scipy.stats costs a second at import, only this uses it

    exact = binom.sf(failure_threshold(degree, theta, beta_s) - 1, degree, theta)  # P[X > threshold - 1]
    bound = evaluate("emergence.skill_failure_tail_bound", theta=theta, beta_s=beta_s, degree=np.maximum(degree, 1))
    return float(np.mean(np.where(degree > 0, exact, 0.0))), float(np.mean(bound))
