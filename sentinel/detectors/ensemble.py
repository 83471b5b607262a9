"""`ensemble`: the per-point maximum of `seasonal_mad` (spikes) and `level_shift` (sustained
shifts), so one detector covers both shapes of incident without either one's blind spot.
"""

from __future__ import annotations

import numpy as np

from sentinel.baseline import Seasonality
from sentinel.detectors.base import Detector, Direction
from sentinel.detectors.level_shift import LevelShiftDetector
from sentinel.detectors.seasonal_mad import SeasonalMADDetector


class EnsembleDetector(Detector):
    """max(seasonal_mad, level_shift) per point; both share the same baseline settings."""

    name = "ensemble"
    row_exact_pooling = True  # each series' fit is its own (base.Detector)

    def __init__(
        self,
        direction: Direction = "both",
        seasonality: Seasonality = "hour_of_week",
        min_history: int = 30,
        spike: dict[str, float] | None = None,
        shift: dict[str, float] | None = None,
    ) -> None:
        self.direction = direction
        self.seasonality = seasonality
        self.min_history = min_history
        self.spike = spike or {}
        self.shift = shift or {}

    def _members(self) -> list[Detector]:
        common = {
            "direction": self.direction,
            "seasonality": self.seasonality,
            "min_history": self.min_history,
        }
        spike = SeasonalMADDetector(**common, **self.spike)
        # The CUSUM shares the spike detector's trend correction but keeps hourly buckets.
        shift = LevelShiftDetector(**common, **{"trend": spike.trend, **self.shift})
        return [spike, shift]

    def _fit(self, x: np.ndarray, ns: np.ndarray) -> None:
        spike, shift = self._members()
        spike.fit(x, ns)
        if spike._baseline_params() == shift._baseline_params():
            # Same baseline settings: fit it once and hand it to the second.
            shift.profile_, shift.n_history_, shift.ready_ = (
                spike.profile_,
                spike.n_history_,
                spike.ready_,
            )
            shift.fitted_ = True
        else:  # the CUSUM drifts on 5-minute buckets' residuals: it fits its own hourly profile
            shift.fit(x, ns)
        self.members_ = [spike, shift]

    def _score(self, x: np.ndarray, ns: np.ndarray) -> np.ndarray:
        return np.maximum.reduce([m._score(x, ns) for m in self.members_])

    def _residuals(self, x: np.ndarray, ns: np.ndarray) -> np.ndarray:
        return self.members_[0]._residuals(x, ns)

    def _expected(self, ns: np.ndarray) -> np.ndarray:
        return self.members_[0]._expected(ns)
