"""The detector's own numbers for the judge: expectation, robust scale, residual, trajectory.

Pure: a fitted detector and the scored context in, a MetricEvidence out. The judge's prompt used
to recompute an hour-level band from raw history, which disagreed with what the detector had
actually compared the point with (5-minute bucket, trend-corrected level). These are the
detector's figures, so the model and the detector argue about the same numbers.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sentinel.detectors.base import Detector
from sentinel.models import Status
from sentinel.pipeline import MetricEvidence
from sentinel.series import to_ns

STEP_MINUTES = 5


def detector_scale(detector: Detector, ns: np.ndarray) -> np.ndarray | None:
    """The detector's robust scale at each timestamp, or None when it has none.

    Seasonal detectors: the bucket's MAD-based scale times the recent level; the ensemble: its
    spike member's; z-score: the history's standard deviation.
    """
    members = getattr(detector, "members_", None)
    if members:
        return detector_scale(members[0], ns)
    profile = getattr(detector, "profile_", None)
    if profile is not None:
        return profile.expected(ns)[1][0]
    std = getattr(detector, "std_", None)
    if std is not None:
        return np.repeat(float(std[0]), len(ns))
    return None


def _finite(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def _median(x: np.ndarray) -> float | None:
    x = x[np.isfinite(x)]
    return float(np.median(x)) if len(x) else None


def trajectory(
    context: pd.Series, expected: np.ndarray, z: np.ndarray | None, at: pd.Timestamp
) -> tuple[tuple[int, float | None, float | None, float | None], ...]:
    """5-minute medians of the context, oldest first, labelled by minutes before `at`."""
    age = ((at - context.index) / pd.Timedelta(minutes=1)).to_numpy(dtype=float)
    step = np.floor(age / STEP_MINUTES).astype(int)  # 0 = the last 5 minutes
    values = context.to_numpy(dtype=float)
    rows = []
    for k in sorted(set(step.tolist()), reverse=True):
        sel = step == k
        rows.append(
            (
                int(k * STEP_MINUTES),
                _median(values[sel]),
                _median(expected[sel]),
                _median(z[sel]) if z is not None else None,
            )
        )
    return tuple(rows)


def metric_evidence(
    metric: str,
    detector: Detector,
    context: pd.Series,
    at: pd.Timestamp,
    status: Status,
    threshold_status: Status = Status.NORMAL,
    threshold_note: str = "",
) -> MetricEvidence:
    """Expectation, scale and z at the last point, plus the context's 5-minute trajectory."""
    ns = to_ns(pd.DatetimeIndex(context.index))
    expected = detector.expected(ns)[0]
    try:
        z: np.ndarray | None = detector.residuals(context)
    except NotImplementedError:
        z = None
    scale = detector_scale(detector, ns[-1:])
    return MetricEvidence(
        metric=metric,
        status=status,
        current=_finite(float(context.iloc[-1])),
        expected=_finite(float(expected[-1])),
        scale=_finite(float(scale[0])) if scale is not None else None,
        z=_finite(float(z[-1])) if z is not None else None,
        threshold_status=threshold_status,
        threshold_note=threshold_note,
        trajectory=trajectory(context, expected, z, at),
    )
