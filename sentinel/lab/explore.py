"""Data helpers for the tuning notebooks: series, baseline bands, detector scores, alarms.

Notebooks stay short and call these; each is plain data in, data out, tested in
tests/test_explore.py. Everything fits on history strictly before the window it looks at, like
the live check (which refits hourly; here one fit covers the window, which is close enough to
see what a setting does, and the eval measures the real thing).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from sentinel.config import MetricConfig, ServiceConfig
from sentinel.detectors.registry import DETECTORS, make_detector_for
from sentinel.evaluation.scoring import DEFAULT_GRACE, in_incident
from sentinel.models import LabelledWindow
from sentinel.series import to_ns
from sentinel.sources.base import MetricSource


def metric_series(
    source: MetricSource,
    service: ServiceConfig,
    start: datetime,
    end: datetime,
    step_seconds: int = 60,
) -> dict[str, pd.Series]:
    """Each metric of a service as the check sees it (counters already as rates)."""
    return {m.name: source.range(service, m, start, end, step_seconds) for m in service.metrics}


def split_history(series: pd.Series, window_start: datetime) -> tuple[pd.Series, pd.Series]:
    """(history strictly before `window_start`, the window itself)."""
    ts = pd.Timestamp(window_start)
    return series[series.index < ts], series[series.index >= ts]


def baseline_band(
    series: pd.Series, metric: MetricConfig, window_start: datetime, z: float | None = None
) -> pd.DataFrame:
    """value / expected / lower / upper over the window, from a seasonal_mad fit on history.

    The band is expected ± z robust sigmas; by default z is the detector's WATCH level, so a
    point outside the band is (at least) a watch-strength point.
    """
    history, window = split_history(series, window_start)
    det = make_detector_for("seasonal_mad", metric).fit(history)
    z = det.z_watch if z is None else z
    expected, scale = det.profile_.expected(to_ns(window.index))
    lower = expected[0] - z * scale[0]
    if (series.dropna() >= 0).all():  # a rate or a count: the band stops at zero
        lower = np.maximum(lower, 0.0)
    return pd.DataFrame(
        {
            "value": window.to_numpy(),
            "expected": expected[0],
            "lower": lower,
            "upper": expected[0] + z * scale[0],
        },
        index=window.index,
    )


def detector_scores(
    series: pd.Series,
    metric: MetricConfig,
    window_start: datetime,
    detectors: Iterable[str] = tuple(DETECTORS),
) -> pd.DataFrame:
    """Each detector's score (0..1, same scale for all) over the window, fit on history."""
    history, window = split_history(series, window_start)
    out = {}
    for name in detectors:
        det = make_detector_for(name, metric).fit(history)
        out[name] = det.score_samples(window)
    return pd.DataFrame(out, index=window.index)


def alarm_points(
    scores: pd.Series, threshold: float, min_points: int = 3, window_minutes: int = 15
) -> pd.Series:
    """True where a check at that time would alarm: at least `min_points` points scored at or
    above `threshold` within the last `window_minutes` (the assessor's aggregation rule)."""
    hits = (scores >= threshold).astype(float)
    count = hits.rolling(f"{window_minutes}min").sum()
    return count >= min_points


def spans(
    flags: pd.Series, gap: timedelta = timedelta(minutes=5)
) -> list[tuple[datetime, datetime]]:
    """Runs of True as (first, last) times; runs less than `gap` apart merge into one alarm."""
    times = flags.index[flags.to_numpy(dtype=bool)]
    out: list[tuple[datetime, datetime]] = []
    for t in times:
        if out and t - out[-1][1] <= gap:
            out[-1] = (out[-1][0], t)
        else:
            out.append((t, t))
    return [(a.to_pydatetime(), b.to_pydatetime()) for a, b in out]


def labels_in(
    labels: Sequence[LabelledWindow], start: datetime, end: datetime, metric: str | None = None
) -> list[LabelledWindow]:
    """Labelled windows overlapping [start, end], optionally only those naming `metric`."""
    return [
        w
        for w in labels
        if w.end > start
        and w.start < end
        and (metric is None or not w.metrics or metric in w.metrics)
    ]


def alarm_table(
    scores: pd.Series,
    labels: Sequence[LabelledWindow],
    thresholds: Iterable[float],
    min_points: int = 3,
    window_minutes: int = 15,
    grace: timedelta = DEFAULT_GRACE,
) -> pd.DataFrame:
    """Per threshold: alarms raised, incidents caught, hard negatives hit, false alarms, by the
    eval's rules (sentinel.evaluation.scoring): an incident is caught by an alarming point inside
    it, an alarm is false unless one of its points is `in_incident` (inside an incident or
    `grace` after it; an alarm in a hard negative is false), `grace` defaulting to the eval's.
    """
    incidents = [w for w in labels if not w.hard_negative]
    negatives = [w for w in labels if w.hard_negative]
    rows = []
    for th in thresholds:
        flags = alarm_points(scores, th, min_points, window_minutes)
        times = [t.to_pydatetime() for t in flags.index[flags.to_numpy(dtype=bool)]]
        found = spans(flags)

        def hits(w: LabelledWindow, times=times) -> bool:
            return any(w.contains(t) for t in times)

        def labelled(a: datetime, b: datetime, times=times) -> bool:
            return any(in_incident(t, incidents, grace) for t in times if a <= t <= b)

        rows.append(
            {
                "threshold": th,
                "alarms": len(found),
                "incidents caught": f"{sum(hits(w) for w in incidents)}/{len(incidents)}",
                "hard negatives hit": f"{sum(hits(w) for w in negatives)}/{len(negatives)}",
                "false alarms": sum(not labelled(a, b) for a, b in found),
            }
        )
    return pd.DataFrame(rows).set_index("threshold")


def score_summary(scores: pd.DataFrame, labels: Sequence[LabelledWindow]) -> pd.DataFrame:
    """Per detector: peak score inside incidents, inside hard negatives, and the 99th percentile
    elsewhere. A good detector is high in the first column and low in the other two."""
    idx = scores.index
    inc = np.zeros(len(idx), dtype=bool)
    neg = np.zeros(len(idx), dtype=bool)
    for w in labels:
        inside = (idx >= pd.Timestamp(w.start)) & (idx <= pd.Timestamp(w.end))
        if w.hard_negative:
            neg |= inside
        else:
            inc |= inside
    rest = ~(inc | neg)

    def peak(mask: np.ndarray, col: str) -> float:
        return float(scores[col][mask].max()) if mask.any() else float("nan")

    return pd.DataFrame(
        {
            "peak in incidents": {c: peak(inc, c) for c in scores},
            "peak in hard negatives": {c: peak(neg, c) for c in scores},
            "p99 elsewhere": {
                c: float(np.nanpercentile(scores[c][rest], 99)) if rest.any() else float("nan")
                for c in scores
            },
        }
    ).round(2)
