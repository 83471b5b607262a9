"""`episode`: an onset score plus a CUSUM on level_shift's own baseline, one alarm per episode.

Why: on real data (SMD, Nezha, NAB-layout SMD) the whole-history z of `zscore` finds more of the
labelled faults than any seasonal score on hours of history, while `level_shift`'s CUSUM (hourly
buckets, multiplicative trend) finds SMD's persisting shifts that a per-point test misses. Each
alone loses somewhere. This detector scores every point with
- an onset strength: a z (`base`: `global` = the history's mean/std as `zscore`, or `seasonal`
  = robust seasonal residual scaled by the history's own tail, as `adaptive`), optionally
  (`gate`) only as strong as its deviation from the recent level (30 points ending 10 before),
  so a persisting state stops re-alarming once the recent window holds it;
- optionally (`shift`) a two-sided CUSUM of the clipped seasonal residuals (level_shift's);
and returns the larger calibrated score. Every component is a parameter, so the ablation is a
set of `detection.params` overrides, not separate code.
"""

from __future__ import annotations

from statistics import NormalDist
from typing import Literal

import numpy as np

from sentinel.baseline import Trend
from sentinel.detectors.adaptive import AdaptiveDetector, order_statistic
from sentinel.detectors.base import calibrate, detector_params, orient
from sentinel.detectors.level_shift import two_sided_cusum
from sentinel.detectors.seasonal_mad import SeasonalBaselineDetector

Base = Literal["global", "seasonal"]


@detector_params
class EpisodeDetector(AdaptiveDetector):
    """max(onset score, CUSUM shift score); components switch with `base`, `gate`, `shift`."""

    name = "episode"

    base: Base = "global"
    gate: bool = False  # measured: the gate split Nezha episodes and lost faults (dev F1 0.63)
    shift: bool = True

    # level_shift's baseline: hourly buckets, multiplicative trend (the SMD winner's)
    trend: Trend = "multiplicative"
    bucket_minutes: int = 60
    tolerance_minutes: int = 0

    z_watch: float = 3.0  # zscore's anchors for the global z ...
    z_warning: float = 4.0
    z_critical: float = 6.0
    adapt_min_z: float = 2.5  # ... so points above 2.5 sigma look at their recent level
    global_tail: bool = True  # divide the global z by its history's own tail factor ...
    tail_quantile: float = 0.999  # ... at this quantile, or the most extreme one the history
    tail_support: float = 10.0  # ... supports with this many points beyond it (short: ~1)
    gate_level: float = 0.0  # the gate acts only after a recent level at least this far out
    eps: float = 1e-9

    drift: float = 2.5  # level_shift uses 2; 2.5 halved SMD dev false alarms at equal recall
    shift_clip: float = 5.0
    h_watch: float = 25.0
    h_warning: float = 60.0
    h_critical: float = 150.0

    def _fit(self, x: np.ndarray, ns: np.ndarray) -> None:
        if self.base == "seasonal":
            super()._fit(x, ns)  # profile + the seasonal residuals' tail factor
        else:
            SeasonalBaselineDetector._fit(self, x, ns)  # the CUSUM's profile only
        ok = np.isfinite(x)
        n = ok.sum(axis=1)
        xf = np.where(ok, x, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(n > 0, xf.sum(axis=1) / n, 0.0)
            var = np.where(n > 0, (np.where(ok, x - mean[:, None], 0.0) ** 2).sum(axis=1) / n, 0.0)
        self.mean_ = mean
        self.std_ = np.maximum(np.sqrt(var), self.eps * np.maximum(1.0, np.abs(mean)))
        self.global_tail_ = np.ones(x.shape[0])
        if self.global_tail and x.shape[1]:
            zg = np.abs((x - mean[:, None]) / self.std_[:, None])
            self.global_tail_ = self._tail_of(zg)

    def _tail_of(self, z: np.ndarray) -> np.ndarray:
        """quantile(|z|, tail_quantile) / its Gaussian value per series, in [1, max_tail_factor]."""
        n = np.isfinite(z).sum(axis=1)
        # the most extreme quantile the history supports with `tail_support` points beyond it
        qs = np.clip(1.0 - self.tail_support / np.maximum(n, 1), 0.5, self.tail_quantile)
        idx = np.clip(np.ceil(qs * n).astype(np.int64) - 1, 0, z.shape[1] - 1)
        q = order_statistic(z, idx)  # z (a temporary) is reordered in place; NaN count as largest
        dist = NormalDist()
        ref = np.array([dist.inv_cdf(0.5 + v / 2) for v in qs])
        factor = np.where((n > 0) & np.isfinite(q), q / ref, 1.0)
        return np.clip(factor, 1.0, self.max_tail_factor)

    def onset_strength(self, x: np.ndarray, ns: np.ndarray) -> np.ndarray:
        """Signed onset strength in z units (before orientation)."""
        if self.base == "global":
            z = x - self.mean_[:, None]
            z *= (1.0 / (self.std_ * self.global_tail_))[:, None]
        else:
            z = self._residuals(x, ns)
            z /= self.tail_factor_[:, None]
        return self._gated(z) if self.gate else z

    def _gated(self, z: np.ndarray) -> np.ndarray:
        """`adaptive`'s online-level gate, applied only where the recent level (mean z of the
        trailing window) is at least `gate_level` sigma out: a point after an ordinary stretch
        keeps its full z (a slow ramp still alarms), a point inside an episode that has already
        alarmed for a while must exceed that episode's own level (one alarm per episode)."""
        return self._adapt(z, min_level=self.gate_level)

    def _score(self, x: np.ndarray, ns: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            z = self.onset_strength(x, ns)
            onset = np.abs(z, out=z) if self.direction == "both" else orient(z, self.direction)
        score = calibrate(onset, self.z_watch, self.z_warning, self.z_critical)
        if not self.shift:
            return score
        s = self.shift_strength(x, ns)
        return np.fmax(
            score, calibrate(s, self.h_watch, self.h_warning, self.h_critical), out=score
        )

    def shift_strength(self, x: np.ndarray, ns: np.ndarray) -> np.ndarray:
        """Two-sided CUSUM of the clipped seasonal residuals beyond `drift` (level_shift's
        statistic), computed in place on two buffers: scoring is memory-bound, not arithmetic."""
        r = self._residuals(x, ns)
        np.clip(r, -self.shift_clip, self.shift_clip, out=r)
        gaps = np.isnan(r)
        out = two_sided_cusum(r, self.drift, self.direction)
        if gaps.any():
            out[gaps] = 0.0  # no residual (a gap, or no baseline): no score
        return out

    def _expected(self, ns: np.ndarray) -> np.ndarray:
        if self.base == "global":
            return np.repeat(self.mean_[:, None], len(ns), axis=1)
        return super()._expected(ns)
