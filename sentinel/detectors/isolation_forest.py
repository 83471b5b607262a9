"""`isolation_forest`: scikit-learn's IsolationForest on seasonal residual features.

Features per point: the clipped robust residual z, its trailing mean over `window` points (a
sustained deviation) and its first difference (a jump). Residuals are already normalised per
series, so one forest is fitted on the pooled history of every series. Scores are calibrated on
the training scores: the training median maps to 0 and the `calibration_quantile` to the watch
level, so "as odd as the rarest 0.1 % of history" reads as watch-strength.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import ClassVar

import numpy as np
from sklearn.ensemble import IsolationForest
from sklearn.ensemble._iforest import _average_path_length

from sentinel.detectors.base import calibrate, detector_params
from sentinel.detectors.seasonal_mad import SeasonalBaselineDetector


def trailing_mean(z: np.ndarray, window: int) -> np.ndarray:
    """Mean of the last `window` finite values along the last axis (fewer at the start)."""
    ok = np.isfinite(z)
    c = np.cumsum(np.where(ok, z, 0.0), axis=-1)
    n = np.cumsum(ok, axis=-1)
    c_lag = np.zeros_like(c)
    n_lag = np.zeros_like(n)
    c_lag[..., window:] = c[..., :-window]
    n_lag[..., window:] = n[..., :-window]
    with np.errstate(invalid="ignore", divide="ignore"):
        return (c - c_lag) / (n - n_lag)


def forest_scores(forest: IsolationForest, X: np.ndarray) -> np.ndarray:
    """`forest.score_samples(X)`, the same sums in the same order, without the per-call input
    validation and the per-tree joblib dispatch: 50 trees on an hour of points cost ~20 ms
    through scikit-learn, most of it overhead. Uses the fitted forest's private path-length
    tables; without them (another scikit-learn) it is score_samples itself."""
    paths = getattr(forest, "_decision_path_lengths", None)
    leaf_avg = getattr(forest, "_average_path_length_per_tree", None)
    if paths is None or leaf_avg is None:
        return forest.score_samples(X)
    X = np.asarray(X, dtype=np.float32)  # what score_samples validates it to
    subsample = forest._max_features != X.shape[1]
    depths = np.zeros(X.shape[0])
    for tree, features, path, avg in zip(
        forest.estimators_, forest.estimators_features_, paths, leaf_avg, strict=True
    ):
        leaves = tree.tree_.apply(X[:, features] if subsample else X)
        depths += path[leaves] + avg[leaves] - 1.0
    denominator = len(forest.estimators_) * _average_path_length([forest._max_samples])
    scores = 2 ** (
        -np.divide(depths, denominator, out=np.ones_like(depths), where=denominator != 0)
    )
    return -scores


@detector_params
class IsolationForestDetector(SeasonalBaselineDetector):
    """IsolationForest on (z, trailing mean of z, diff of z)."""

    name = "isolation_forest"
    # One forest over every series it is fitted on: the assessor fits a service's metrics
    # together (one forest per service per refit instead of one per metric) and takes rows.
    pools_series: ClassVar[bool] = True

    window: int = 5
    clip: float = 20.0
    n_estimators: int = 50
    max_train: int = 5_000
    calibration_quantile: float = 0.999
    random_state: int = 0

    def _features(self, x: np.ndarray, ns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        z = np.clip(self._residuals(x, ns), -self.clip, self.clip)
        mean = trailing_mean(z, self.window)
        diff = np.diff(z, axis=-1, prepend=z[..., :1])
        feats = np.stack([z, np.nan_to_num(mean), np.nan_to_num(diff)], axis=-1)
        return z, feats.reshape(-1, 3)

    def _fit(self, x: np.ndarray, ns: np.ndarray) -> None:
        super()._fit(x, ns)
        z, feats = self._features(x, ns)
        feats = feats[np.isfinite(z).reshape(-1)]
        rng = np.random.default_rng(self.random_state)
        if len(feats) > self.max_train:
            feats = feats[rng.choice(len(feats), self.max_train, replace=False)]
        if len(feats) < 2:  # nothing to learn from: never ready, scores 0
            feats = np.zeros((2, 3))
            self.ready_ = np.zeros_like(self.ready_)
        self.forest_ = IsolationForest(
            n_estimators=self.n_estimators, random_state=self.random_state
        ).fit(feats)
        train = -forest_scores(self.forest_, feats)
        self.median_score_ = float(np.median(train))
        top = float(np.quantile(train, self.calibration_quantile))
        self.spread_ = max(top - self.median_score_, 1e-6)

    def _score(self, x: np.ndarray, ns: np.ndarray) -> np.ndarray:
        z, feats = self._features(x, ns)
        raw = -forest_scores(self.forest_, feats).reshape(z.shape)
        strength = np.maximum(raw - self.median_score_, 0.0) / self.spread_
        if self.direction == "up":
            strength = np.where(z > 0, strength, 0.0)
        elif self.direction == "down":
            strength = np.where(z < 0, strength, 0.0)
        strength = np.where(np.isfinite(z), strength, 0.0)
        return calibrate(strength, 1.0, 1.15, 1.3)

    def row(self, i: int) -> IsolationForestDetector:
        """The fitted detector for series `i` alone: its row of the seasonal profile and of the
        readiness arrays, sharing the pooled forest and its calibration."""
        self._check_fitted()
        one = copy.copy(self)
        rows = slice(i, i + 1)
        p = self.profile_
        one.profile_ = replace(
            p,
            location=p.location[rows],
            scale=p.scale[rows],
            level=p.level[rows],
            n_history=p.n_history[rows],
            fallback_buckets=p.fallback_buckets[rows],
            offset=p.offset[rows] if p.offset is not None else None,
            fitted=p.fitted[rows] if p.fitted is not None else None,
        )
        one.n_history_ = self.n_history_[rows]
        one.history_hours_ = self.history_hours_[rows]
        one.ready_ = self.ready_[rows]
        return one
