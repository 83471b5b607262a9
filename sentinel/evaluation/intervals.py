"""95% confidence intervals that stay honest at 0 and 1 (pure functions, no I/O).

With 8 incidents, a bootstrap of 8/8 detected resamples nothing but 1.0 and reports [1.00, 1.00],
which a reader takes as certainty. Instead:
- proportions (recall, precision, hard-negative violation rate): the Wilson score interval
  (scipy's `binomtest(k, n).proportion_ci(method="wilson")`): 8/8 gives [0.68, 1.00];
- F1 (not a proportion): from the Wilson bounds of precision and recall, F1(low P, low R) to
  F1(high P, high R), as F1 rises with both;
- false alarms per day (a count over days): the exact Poisson (Garwood) interval, 0 false alarms
  in 7 days giving [0.0, 0.53];
- median time to detect: a seeded percentile bootstrap over the detected incidents.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import binomtest, chi2

Interval = tuple[float, float]
LEVEL = 0.95
METHODS = {
    "precision": "Wilson score",
    "recall": "Wilson score",
    "hard_negative_violation_rate": "Wilson score",
    "f1": "F1 of the Wilson bounds of precision and recall",
    "false_alarms_per_day": "exact Poisson (Garwood)",
    "ttd_median_s": "percentile bootstrap",
}


def wilson(successes: int, trials: int) -> Interval | None:
    """Wilson score interval of a proportion; None without trials."""
    if trials <= 0:
        return None
    ci = binomtest(int(successes), int(trials)).proportion_ci(LEVEL, method="wilson")
    return float(ci.low), float(ci.high)


def f1_bounds(precision: Interval | None, recall: Interval | None) -> Interval | None:
    """F1 at both ends of the precision and recall intervals."""
    if precision is None or recall is None:
        return None
    return _f1(precision[0], recall[0]), _f1(precision[1], recall[1])


def poisson_rate(events: int, exposure: float) -> Interval | None:
    """Exact (Garwood) interval of a rate: `events` seen over `exposure` (e.g. days)."""
    if exposure <= 0:
        return None
    alpha = 1 - LEVEL
    low = chi2.ppf(alpha / 2, 2 * events) / 2 if events else 0.0
    high = chi2.ppf(1 - alpha / 2, 2 * (events + 1)) / 2
    return float(low) / exposure, float(high) / exposure


def bootstrap_median(values: np.ndarray, n_boot: int, seed: int) -> Interval | None:
    """Percentile bootstrap interval of a median (seeded, so reruns agree)."""
    if not len(values) or n_boot <= 0:
        return None
    rng = np.random.default_rng(seed)
    draws = np.median(values[rng.integers(0, len(values), (n_boot, len(values)))], axis=1)
    alpha = 100 * (1 - LEVEL) / 2
    return float(np.percentile(draws, alpha)), float(np.percentile(draws, 100 - alpha))


def _f1(p: float, r: float) -> float:
    return 0.0 if p + r == 0 else 2 * p * r / (p + r)
