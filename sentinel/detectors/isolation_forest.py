"""`isolation_forest`: scikit-learn's IsolationForest on seasonal residual features.

Features per point: the clipped robust residual z, its trailing mean over `window` points (a
sustained deviation) and its first difference (a jump). Residuals are already normalised per
series, so one forest is fitted on the pooled history of every series (`isolation_forest`), or
one per series (`isolation_forest_metric`, each metric its own forest).

Scores are calibrated on the training scores' quantiles: the training median maps to 0, P99 to
watch (0.5), P99.9 to warning (0.7), P99.99 to critical (0.9) and the largest possible raw score
(1) to 1, so "rarer than 99.9 % of history" alerts. Why anchors per level: a raw IsolationForest
score is bounded by 1 and a 50-tree forest's rarely passes 0.85, so a linear map anchored on one
quantile (the first calibration) put warning above anything the forest reaches and it never
alarmed on real data (SMD machine-1-6: median 0.363, P99.9 0.817, warning at 0.885, peak 0.77).
"""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import ClassVar

import numpy as np
from sklearn.ensemble import IsolationForest
from sklearn.ensemble._iforest import _average_path_length

from sentinel.detectors.base import detector_params
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


# Scores at the anchors: median, watch, warning, critical, the raw maximum (1).
LEVEL_SCORES = np.array([0.0, 0.5, 0.7, 0.9, 1.0])


def raw_anchors(quantiles: np.ndarray) -> np.ndarray:
    """Raw-score anchors for `LEVEL_SCORES`: the training quantiles (median, watch, warning,
    critical), then 1, made strictly increasing (a forest's scores tie often, and a tied anchor
    would jump a level) and kept below 1."""
    anchors = np.append(np.minimum(np.asarray(quantiles, dtype=np.float64), 1.0 - 1e-6), 1.0)
    step = 1e-6
    for i in range(1, len(anchors) - 1):
        anchors[i] = min(max(anchors[i], anchors[i - 1] + step), 1.0 - step * (len(anchors) - i))
    return anchors


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
    watch_quantile: float = 0.99
    warning_quantile: float = 0.999
    critical_quantile: float = 0.9999
    random_state: int = 0

    def _features(self, x: np.ndarray, ns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        z = np.clip(self._residuals(x, ns), -self.clip, self.clip)
        mean = trailing_mean(z, self.window)
        diff = np.diff(z, axis=-1, prepend=z[..., :1])
        feats = np.stack([z, np.nan_to_num(mean), np.nan_to_num(diff)], axis=-1)
        return z, feats.reshape(-1, 3)

    def _groups(self, n_series: int) -> list[np.ndarray]:
        """The rows each forest is fitted on: all of them, pooled."""
        return [np.arange(n_series)]

    def _fit(self, x: np.ndarray, ns: np.ndarray) -> None:
        super()._fit(x, ns)
        z, feats = self._features(x, ns)
        feats = feats.reshape(*z.shape, 3)
        self.forests_: list[IsolationForest] = []
        self.forest_of_row_ = np.zeros(len(x), dtype=np.intp)
        self.anchors_ = np.zeros((len(x), len(LEVEL_SCORES)))
        for j, rows in enumerate(self._groups(len(x))):
            train = feats[rows][np.isfinite(z[rows])]
            if len(train) < 2:  # nothing to learn from: never ready, scores 0
                self.ready_[rows] = False
                train = np.zeros((2, 3))
            forest, anchors = self._fit_forest(train)
            self.forests_.append(forest)
            self.forest_of_row_[rows] = j
            self.anchors_[rows] = anchors

    def _fit_forest(self, feats: np.ndarray) -> tuple[IsolationForest, np.ndarray]:
        """One forest on (a sample of) these feature rows and its raw-score anchors."""
        rng = np.random.default_rng(self.random_state)
        if len(feats) > self.max_train:
            feats = feats[rng.choice(len(feats), self.max_train, replace=False)]
        forest = IsolationForest(n_estimators=self.n_estimators, random_state=self.random_state)
        forest.fit(feats)
        train = -forest_scores(forest, feats)
        quantiles = [0.5, self.watch_quantile, self.warning_quantile, self.critical_quantile]
        return forest, raw_anchors(np.quantile(train, quantiles))

    def _score(self, x: np.ndarray, ns: np.ndarray) -> np.ndarray:
        z, feats = self._features(x, ns)
        feats = feats.reshape(*z.shape, 3)
        score = np.zeros(z.shape)
        for j, forest in enumerate(self.forests_):
            rows = np.flatnonzero(self.forest_of_row_ == j)
            raw = -forest_scores(forest, feats[rows].reshape(-1, 3)).reshape(len(rows), -1)
            for i, r in zip(rows, raw, strict=True):
                score[i] = np.interp(r, self.anchors_[i], LEVEL_SCORES)
        if self.direction == "up":
            score = np.where(z > 0, score, 0.0)
        elif self.direction == "down":
            score = np.where(z < 0, score, 0.0)
        return np.where(np.isfinite(z), score, 0.0)

    def row(self, i: int) -> IsolationForestDetector:
        """The fitted detector for series `i` alone: its row of the seasonal profile and of the
        readiness arrays, with its forest (shared when pooled) and its calibration."""
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
        one.forests_ = [self.forests_[self.forest_of_row_[i]]]
        one.forest_of_row_ = np.zeros(1, dtype=np.intp)
        one.anchors_ = self.anchors_[rows]
        return one


class IsolationForestPerMetricDetector(IsolationForestDetector):
    """`isolation_forest` with one forest per series: each metric's history alone."""

    name = "isolation_forest_metric"
    pools_series: ClassVar[bool] = False

    def _groups(self, n_series: int) -> list[np.ndarray]:
        return [np.array([i]) for i in range(n_series)]
