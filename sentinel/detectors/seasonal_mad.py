"""`seasonal_mad`: robust z-scores against the seasonal median/MAD baseline.

The workhorse: each point is compared with the median of its 5-minute bucket of the week (scaled
by the recent level) in units of its hour's MAD; a point far from its own bucket may match a
bucket up to 15 minutes either side, so a cron job running a few minutes early or late is not an
anomaly at each edge. Scoring is two gathers and two arithmetic passes
over a 2-D array, so it is cheap enough for ten thousand series.
"""

from __future__ import annotations

import numpy as np

from sentinel.baseline import BaselineParams, Seasonality, SeasonalProfile, Trend, fit_profile
from sentinel.detectors.base import Detector, Direction, calibrate, detector_params, orient


@detector_params
class SeasonalBaselineDetector(Detector):
    """Shared parameters and fit for detectors that work on seasonal robust residuals."""

    direction: Direction = "both"
    seasonality: Seasonality = "hour_of_week"
    bucket_minutes: int = 60  # season bucket length; must divide an hour
    tolerance_minutes: int = 0  # a point may match a bucket this far either side (job jitter)
    min_bucket_samples: int = 20
    min_history: int = 30
    min_rel_scale: float = 0.02
    level_hours: float = 24.0
    trend: Trend = "multiplicative"  # see sentinel.baseline: multiplicative | additive | auto

    def _baseline_params(self) -> BaselineParams:
        return BaselineParams(
            seasonality=self.seasonality,
            bucket_minutes=self.bucket_minutes,
            tolerance_minutes=self.tolerance_minutes,
            min_bucket_samples=self.min_bucket_samples,
            min_history=self.min_history,
            min_rel_scale=self.min_rel_scale,
            level_hours=self.level_hours,
            trend=self.trend,
        )

    def _fit(self, x: np.ndarray, ns: np.ndarray) -> None:
        self.profile_: SeasonalProfile = fit_profile(x, ns, self._baseline_params())

    def _residuals(self, x: np.ndarray, ns: np.ndarray) -> np.ndarray:
        return self.profile_.residuals(x, ns)

    def _expected(self, ns: np.ndarray) -> np.ndarray:
        return self.profile_.expected(ns)[0]


@detector_params
class SeasonalMADDetector(SeasonalBaselineDetector):
    """Robust seasonal residual |z| mapped to a score; one-sided per `direction`."""

    name = "seasonal_mad"
    row_exact_pooling = True  # each series' fit is its own (base.Detector)

    trend: Trend = "auto"  # a persisting additive step stops alarming once absorbed (~12 h)
    bucket_minutes: int = 5  # follows a nightly job's edges, not just its hour
    tolerance_minutes: int = 15  # ... even when it starts or ends up to 15 min off

    z_watch: float = 5.0
    z_warning: float = 8.0
    z_critical: float = 15.0

    def _score(self, x: np.ndarray, ns: np.ndarray) -> np.ndarray:
        z = self._residuals(x, ns)
        z = np.abs(z, out=z) if self.direction == "both" else orient(z, self.direction)
        return calibrate(z, self.z_watch, self.z_warning, self.z_critical)
