"""`adaptive`: seasonal robust z that adapts online to a new level and a noisier regime.

Why: on real telemetry (SMD, Nezha) a fixed seasonal baseline keeps scoring high for hours after
a level change (the fit absorbs a step only after ~12 h) and on series noisier than their
history, so one episode becomes hours of alarms. Here each point must deviate from BOTH
- the seasonal baseline (robust z from `sentinel.baseline`, as `seasonal_mad`), and
- the recent level: z minus the mean of `adapt_points` clipped z's ending `onset_points` before
  the point, divided by their standard deviation (at least 1).
A step therefore scores high at its onset, then fades as the trailing window fills with the new
level (one alarm per episode, at least `onset_points` long so the assessor's 5-point
aggregation sees it, then the detector adapts); the return to the old level agrees with
the seasonal baseline and raises nothing; a regime that is noisy for a while raises its own
scale. Both statistics are gathered only for points beyond 3 sigma (no Python loop over points),
so callers pass at least `adapt_points + onset_points` of context before the points they judge
(the assessor's 60-minute context around its 15-minute window does).

Short history degrades through the baseline's fallbacks (hour of week -> hour of day -> global
median/MAD) and a short `level_hours`, so a pod with two hours of data gets a verdict against its
own recent median; `history_hours_` says how much history backed it.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np

from sentinel.baseline import Trend
from sentinel.detectors.base import calibrate, detector_params
from sentinel.detectors.seasonal_mad import SeasonalBaselineDetector


def previous_stats(
    z: np.ndarray, rows: np.ndarray, cols: np.ndarray, window: int, clip: float, gap: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean, std and count of the `window` finite values ending `gap` points before each
    (row, col) of z, each clipped to +-clip. Gathers an [n_points, window] block, so it costs
    window x the number of points asked for, not a pass over z."""
    offsets = np.arange(-window - gap, -gap)
    c = cols[:, None] + offsets
    block = z[rows[:, None], np.maximum(c, 0)]
    block = np.where(c >= 0, np.clip(block, -clip, clip), np.nan)
    ok = np.isfinite(block)
    n = ok.sum(axis=1)
    b = np.where(ok, block, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = b.sum(axis=1) / n
        var = (b * b).sum(axis=1) / n - mean * mean
    return mean, np.sqrt(np.fmax(var, 0.0)), n


def order_statistic(z: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Row i's idx[i]-th smallest value (NaN counts as largest, as in np.sort), by one partial
    sort per distinct index instead of a full sort; z is reordered in place."""
    q = np.empty(z.shape[0])
    for k in np.unique(idx):
        rows = idx == k
        if rows.all():
            z.partition(int(k), axis=1)
            q[:] = z[:, k]
        else:
            q[rows] = np.partition(z[rows], int(k), axis=1)[:, k]
    return q


@detector_params
class AdaptiveDetector(SeasonalBaselineDetector):
    """min(seasonal |z|, |z - recent level| / recent spread), oriented, calibrated."""

    name = "adaptive"
    row_exact_pooling = True  # each series' fit is its own (base.Detector)

    trend: Trend = "auto"
    bucket_minutes: int = 5
    tolerance_minutes: int = 15
    level_hours: float = 24.0

    adapt_points: int = 30  # trailing window of the online level
    onset_points: int = 10  # ... ending this many points back: an onset alarms this long
    min_adapt_points: int = 5  # fewer previous points: judged against the baseline alone
    adapt_min_z: float = 3.0  # points closer to the baseline keep their seasonal z
    clip: float = float("inf")  # clip z for the recent level (inf: a 40-sigma step adapts too)
    tail_quantile: float = 0.99  # residual |z| quantile of history that should read as Gaussian
    max_tail_factor: float = 10.0

    z_watch: float = 5.0
    z_warning: float = 8.0
    z_critical: float = 15.0

    def _fit(self, x: np.ndarray, ns: np.ndarray) -> None:
        super()._fit(x, ns)
        self.tail_factor_ = self._tail_factor(x, ns)

    def _tail_factor(self, x: np.ndarray, ns: np.ndarray) -> np.ndarray:
        """How much heavier than Gaussian each series' residual tail is on its own history.

        Latency percentiles from histogram buckets jump by a factor of 2-10 between buckets, and
        MAD (the bulk's spread) says nothing about that tail: their robust z reaches 20 every
        hour. Dividing z by `quantile(|z|, tail_quantile) / Gaussian quantile` (at least 1) puts
        such a series on the scale of its own history's tail; a well-behaved series keeps ~1.
        """
        if x.shape[1] == 0:
            return np.ones(x.shape[0])
        z = np.abs(self.profile_.residuals(x, ns))
        n = np.isfinite(z).sum(axis=1)
        idx = np.clip(np.ceil(self.tail_quantile * n).astype(np.int64) - 1, 0, x.shape[1] - 1)
        q = order_statistic(z, idx)
        ref = NormalDist().inv_cdf(0.5 + self.tail_quantile / 2)
        factor = np.where((n > 0) & np.isfinite(q), q / ref, 1.0)
        return np.clip(factor, 1.0, self.max_tail_factor)

    def strength(self, x: np.ndarray, ns: np.ndarray) -> np.ndarray:
        """Signed strength: the smaller of the two deviations, NaN where x is not finite.

        Only points beyond `adapt_min_z` of the seasonal baseline look at their recent level
        (the rest cannot alarm: strength <= |z|), which keeps scoring near one pass over z.
        """
        z = self._residuals(x, ns)
        z /= self.tail_factor_[:, None]
        return self._adapt(z)

    def _adapt(self, z: np.ndarray, min_level: float = 0.0) -> np.ndarray:
        """Tail-scaled z -> the smaller of its seasonal and recent-level deviations, in place.

        With `min_level` > 0 the recent level counts only where it is itself at least that many
        sigma out (elsewhere a point keeps its full z)."""
        with np.errstate(invalid="ignore"):
            rows, cols = np.nonzero(np.abs(z) > self.adapt_min_z)
        if len(rows) == 0:
            return z
        zh = z[rows, cols]
        mean, std, n = previous_stats(
            z, rows, cols, self.adapt_points, self.clip, self.onset_points
        )
        active = n >= self.min_adapt_points
        if min_level > 0:
            active &= np.abs(mean) >= min_level
        local = (zh - np.where(active, mean, 0.0)) / np.where(active, np.fmax(std, 1.0), 1.0)
        # Same sign on both: a point back at the baseline after a step is not an anomaly.
        agree = np.sign(zh) == np.sign(local)
        z[rows, cols] = np.where(agree, np.sign(zh) * np.fmin(np.abs(zh), np.abs(local)), 0.0)
        return z

    def _score(self, x: np.ndarray, ns: np.ndarray) -> np.ndarray:
        s = self.strength(x, ns)
        if self.direction == "up":
            s = np.fmax(s, 0.0)
        elif self.direction == "down":
            s = np.fmax(-s, 0.0)
        else:
            s = np.abs(s)
        return calibrate(s, self.z_watch, self.z_warning, self.z_critical)
