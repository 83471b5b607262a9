"""`zscore`: the seed's mean/std comparison, kept as the naive reference.

No seasonality, no robustness: a weekly peak or one past outage inflates the mean and std. It is
here so the numbers can show what the robust detectors buy.
"""

from __future__ import annotations

import numpy as np

from sentinel.detectors.base import Detector, Direction, calibrate, detector_params, orient


@detector_params
class ZScoreDetector(Detector):
    """|x - mean| / std over the whole history; std = 0 is floored at `eps * max(1, |mean|)`."""

    name = "zscore"

    direction: Direction = "both"
    z_watch: float = 3.0
    z_warning: float = 4.0
    z_critical: float = 6.0
    min_history: int = 30
    eps: float = 1e-9

    def _fit(self, x: np.ndarray, ns: np.ndarray) -> None:
        finite = np.where(np.isfinite(x), x, np.nan)
        has = np.isfinite(x).any(axis=1)
        mean = _safe(np.nanmean, finite, has)
        std = _safe(np.nanstd, finite, has)
        self.mean_ = np.nan_to_num(mean)
        self.std_ = np.maximum(np.nan_to_num(std), self.eps * np.maximum(1.0, np.abs(self.mean_)))

    def _residuals(self, x: np.ndarray, ns: np.ndarray) -> np.ndarray:
        return (x - self.mean_[:, None]) / self.std_[:, None]

    def _score(self, x: np.ndarray, ns: np.ndarray) -> np.ndarray:
        z = orient(self._residuals(x, ns), self.direction)
        return calibrate(z, self.z_watch, self.z_warning, self.z_critical)

    def _expected(self, ns: np.ndarray) -> np.ndarray:
        return np.repeat(self.mean_[:, None], len(ns), axis=1)


def _safe(fn, x: np.ndarray, has: np.ndarray) -> np.ndarray:
    """Apply a nan-reduction per row, 0 for rows with no finite value (no warnings)."""
    out = np.zeros(x.shape[0])
    if has.any():
        out[has] = fn(x[has], axis=1)
    return out
