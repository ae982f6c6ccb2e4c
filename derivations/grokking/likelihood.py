"""Log-normal likelihood of event times with right-censoring, and its derivatives.

An observed time t contributes log N(log t; mu, s) (the density of log t); a run that ended at ``cap`` before
the event contributes the survival log P(log T > log cap) = log Phi(-(log cap - mu) / s). ``mu = +inf`` (the
model says: never) gives a censored run log-likelihood 0 and an observed one -inf. The tail terms go through
``scipy.special.log_ndtr``, so a censored run far in the tail keeps its digits instead of log(0).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import log_ndtr

_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


def censored_lognormal(log_t: np.ndarray, observed: np.ndarray, mu: np.ndarray,
                       log_s: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-run log-likelihood and its derivatives in ``mu`` and in ``log_s``.

    ``log_t`` holds the log event time where ``observed``, else the log of the cap (the last step seen).
    """
    s = math.exp(log_s)
    never = np.isposinf(mu)
    # mu = +inf makes z = -inf and 0 * inf below; those entries are replaced at the end.
    with np.errstate(invalid="ignore", over="ignore"):
        z = (log_t - mu) / s
        ll = np.where(observed, -z**2 / 2 - log_s - _LOG_SQRT_2PI, log_ndtr(-z))
        # Censored: d log Phi(-z)/dz = -phi(z)/Phi(-z), the inverse Mills ratio, from logs so it stays finite.
        d_z = np.where(observed, -z, -np.exp(-z**2 / 2 - _LOG_SQRT_2PI - log_ndtr(-z)))
        d_mu = -d_z / s  # dz/dmu = -1/s
        d_log_s = -d_z * z - observed  # dz/dlog_s = -z; the density's own -log_s gives -1
    ll = np.where(never, np.where(observed, -np.inf, 0.0), ll)
    return ll, np.where(never, 0.0, d_mu), np.where(never, 0.0, d_log_s)
