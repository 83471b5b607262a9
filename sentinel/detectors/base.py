"""The detector API shared by every detector: scikit-learn's shape, time series inputs.

`fit(history)` learns from history (a pd.Series, or an array plus timestamps); `score_samples(
values, timestamps)` gives each point an anomaly score in [0, 1]. Inputs are 1-D (one series) or
2-D `[n_series, n_points]` sharing one time axis; outputs have the input's shape. Learned state
lives in trailing-underscore attributes.

Scores are calibrated on one scale so thresholds mean the same for every detector:
0.5 = watch-strength, 0.7 = warning-strength, 0.9 = critical-strength (`SCORE_LEVELS`).
Non-finite inputs score 0 (a gap is not an anomaly); a series fitted on fewer than
`min_history` finite samples is not `ready_` and scores 0 everywhere.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from sentinel.models import BadDirection
from sentinel.series import clean_series, to_ns

Direction = BadDirection  # the detectors' name for sentinel.models.BadDirection
SCORE_LEVELS = {"watch": 0.5, "warning": 0.7, "critical": 0.9}

detector_params = dataclass(kw_only=True, eq=False, repr=False)
"""Class decorator: a detector's parameters are keyword-only fields with defaults.

The generated __init__ stores them as given (scikit-learn's convention), a subclass adds its
fields to its base's, and equality and repr stay Detector's (identity; `get_params()`)."""


def calibrate(strength: np.ndarray, watch: float, warning: float, critical: float) -> np.ndarray:
    """Map a non-negative strength (|z|, CUSUM sum, ...) to [0, 1] through the level anchors.

    Piecewise linear: 0 -> 0, watch -> 0.5, warning -> 0.7, critical -> 0.9, 2*critical -> 1;
    NaN -> 0. Most points sit below `watch`, where the map is one multiplication; np.interp
    (about 10x slower per point) runs only on the few points above it.
    """
    s = np.fmax(strength, 0.0)  # fmax drops NaN: a gap scores 0; a new array, mapped in place
    hot = s > watch
    hot_scores = None
    if hot.any():
        xp = np.array([watch, warning, critical, 2.0 * critical])
        hot_scores = np.interp(s[hot], xp, np.array([0.5, 0.7, 0.9, 1.0]))
    s *= 0.5 / watch
    if hot_scores is not None:
        s[hot] = hot_scores
    return s


def orient(z: np.ndarray, direction: Direction) -> np.ndarray:
    """Keep only the bad side of a signed deviation (NaN stays NaN)."""
    if direction == "up":
        return np.fmax(z, 0.0)
    if direction == "down":
        return np.fmax(-z, 0.0)
    return np.abs(z)


def as_arrays(
    values: Any, timestamps: Any | None = None, *, clean: bool = False
) -> tuple[np.ndarray, np.ndarray, bool]:
    """(values[n_series, n_points] float64, timestamps int64 ns, input_was_1d).

    With `clean`, the time axis is sorted and de-duplicated (last sample wins), as a fit needs.
    """
    if isinstance(values, pd.Series) and timestamps is None:
        s = clean_series(values) if clean else values
        return s.to_numpy(dtype=np.float64)[None, :], to_ns(pd.DatetimeIndex(s.index)), True
    if timestamps is None:
        raise ValueError("timestamps are required unless values is a pandas Series")
    x = np.asarray(values, dtype=np.float64)
    one_d = x.ndim == 1
    x = np.atleast_2d(x)
    ns = to_ns(timestamps)
    if x.shape[1] != len(ns):
        raise ValueError(f"{x.shape[1]} values per series but {len(ns)} timestamps")
    if clean and len(ns) and not bool((ns[1:] > ns[:-1]).all()):  # sorted and unique: no copy
        order = np.argsort(ns, kind="stable")
        ns, x = ns[order], x[:, order]
        keep = np.append(ns[1:] != ns[:-1], True)  # last of each run of equal timestamps
        ns, x = ns[keep], x[:, keep]
    return x, ns, one_d


def history_hours(x: np.ndarray, ns: np.ndarray) -> np.ndarray:
    """Per series, hours from its first to its last finite sample (0 with fewer than two)."""
    ok = np.isfinite(x)
    if not len(ns) or not ok.any():
        return np.zeros(x.shape[0])
    has = ok.any(axis=1)
    first = np.argmax(ok, axis=1)
    last = len(ns) - 1 - np.argmax(ok[:, ::-1], axis=1)
    return np.where(has, (ns[last] - ns[first]) / 3.6e12, 0.0)


def describe_history(hours: float) -> str:
    """'2.5 h', '3.0 days' or '4.1 weeks' of history, for verdicts."""
    if hours < 48:
        return f"{hours:.1f} h"
    if hours < 24 * 21:
        return f"{hours / 24:.1f} days"
    return f"{hours / 168:.1f} weeks"


class Detector:
    """Base class: input handling, readiness and the sort-then-restore dance for scoring."""

    name: ClassVar[str] = "base"
    # True when one 2-D fit of several series (same parameters, same history axis) gives every
    # series exactly its single-series fit, so `row(i)` of the pooled fit is that fit: the
    # assessor then fits a service's metrics together (~1.4x on 38 SMD metrics).
    # tests/test_assessor_arrays.py checks the verdicts are identical for each such detector.
    row_exact_pooling: ClassVar[bool] = False
    min_history: int = 30

    def fit(self, history: Any, timestamps: Any | None = None) -> Detector:
        x, ns, _ = as_arrays(history, timestamps, clean=True)
        self.n_history_ = np.isfinite(x).sum(axis=1)
        self.history_hours_ = history_hours(x, ns)
        self.ready_ = self.n_history_ >= self.min_history
        self._fit(x, ns)
        self.fitted_ = True
        return self

    def score_samples(self, values: Any, timestamps: Any | None = None) -> np.ndarray:
        x, ns, one_d = self._prepare(values, timestamps)
        if np.isinf(x).any():  # +-Inf is broken data, like a gap: never a score of 1
            x = np.where(np.isinf(x), np.nan, x)
        sorted_already = len(ns) < 2 or bool((ns[1:] >= ns[:-1]).all())  # no argsort then
        if sorted_already:
            xs, nss = x, ns
        else:
            order = np.argsort(ns, kind="stable")
            xs, nss = x[:, order], ns[order]
        scores = self._score(xs, nss)  # in [0, 1], 0 where xs is not finite
        if not self.ready_.all():
            scores = np.where(self.ready_[:, None], scores, 0.0)
        if not sorted_already:
            restored = np.empty_like(scores)
            restored[:, order] = scores
            scores = restored
        return scores[0] if one_d else scores

    def score_last(self, values: Any, timestamps: Any, n: int) -> np.ndarray:
        """`score_samples(values, timestamps)[..., -n:]`: the scores of the last `n` points.

        A detector whose score at a point depends only on that point and the `lookback_points`
        before it scores just those on time-sorted input (the assessor scores an hour of
        context to judge a 15-minute window); the others score everything and slice.
        """
        x, ns, one_d = self._prepare(values, timestamps)
        lookback = self.lookback_points()
        keep = n + lookback if lookback is not None else len(ns)
        if keep < len(ns) and (len(ns) < 2 or bool((ns[1:] >= ns[:-1]).all())):
            x, ns = x[:, -keep:], ns[-keep:]
        scores = self.score_samples(x, ns)[:, -n:] if n else np.zeros((x.shape[0], 0))
        return scores[0] if one_d else scores

    def row(self, i: int) -> Detector:
        """The fitted detector of series `i` alone, for a detector fitted on several series
        whose fitted state is per series along the first axis (every array of length
        n_series, a fitted profile's arrays, member detectors); shared values stay shared.
        Only meaningful when the detector's fit treats series independently."""
        self._check_fitted()
        n = len(self.ready_)
        one = copy.copy(self)
        for name, value in vars(self).items():
            if name.endswith("_"):
                setattr(one, name, _row_of(value, i, n))
        return one

    def lookback_points(self) -> int | None:
        """How many earlier points a point's score may depend on; None: the whole scored input
        (a CUSUM, a trailing level). Lets `score_last` score only what is asked for."""
        return None

    def expected(self, timestamps: Any) -> np.ndarray:
        """What the detector expected at each timestamp, `[n_series, n_points]`."""
        self._check_fitted()
        return self._expected(to_ns(timestamps))

    def residuals(self, values: Any, timestamps: Any | None = None) -> np.ndarray:
        """Signed deviation in the detector's own units (z for z-style detectors)."""
        x, ns, one_d = self._prepare(values, timestamps)
        z = self._residuals(x, ns)
        return z[0] if one_d else z

    def _prepare(self, values: Any, timestamps: Any | None) -> tuple[np.ndarray, np.ndarray, bool]:
        self._check_fitted()
        x, ns, one_d = as_arrays(values, timestamps)
        if x.shape[0] != len(self.ready_):
            raise ValueError(f"fitted on {len(self.ready_)} series, got {x.shape[0]}")
        return x, ns, one_d

    def _check_fitted(self) -> None:
        if not getattr(self, "fitted_", False):
            raise RuntimeError(f"{type(self).__name__} is not fitted: call fit(history) first")

    def get_params(self) -> dict[str, Any]:
        return {
            k: v for k, v in vars(self).items() if not k.endswith("_") and not k.startswith("_")
        }

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    # Subclasses implement these on 2-D arrays sorted by time. `_score` returns values in
    # [0, 1] and 0 where the input is not finite (`calibrate` does both).
    def _fit(self, x: np.ndarray, ns: np.ndarray) -> None:
        raise NotImplementedError

    def _score(self, x: np.ndarray, ns: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _expected(self, ns: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _residuals(self, x: np.ndarray, ns: np.ndarray) -> np.ndarray:
        raise NotImplementedError


def _row_of(value: Any, i: int, n: int) -> Any:
    """Row `i` of one piece of fitted state (see Detector.row)."""
    if isinstance(value, np.ndarray) and value.ndim >= 1 and value.shape[0] == n:
        return value[i : i + 1]
    if isinstance(value, Detector):
        return value.row(i)
    if isinstance(value, list) and value and all(isinstance(v, Detector) for v in value):
        return [v.row(i) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        rows = {
            f.name: _row_of(getattr(value, f.name), i, n)
            for f in dataclasses.fields(value)
            if isinstance(getattr(value, f.name), np.ndarray)
        }
        return dataclasses.replace(value, **rows) if rows else value
    return value
