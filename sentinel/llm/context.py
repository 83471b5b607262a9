"""What the model is shown about one check: per-metric numbers, seasonal context, deviations.

Pure: ServiceData + Assessment in, plain dicts out. Numbers are rounded to 4 significant digits
so prompts stay short and identical inputs give byte-identical prompts (the replay key).

`check_context` (prompts v1-seed, v2) recomputes an hour-level band from raw history; it is kept
so old prompt versions render as they did. `evidence_context` (v3) shows the detector's own
5-minute, trend-corrected expectation, robust scale and z (Assessment.evidence) with a 60-minute
trajectory, and the floor the answer cannot go below (sentinel.llm.floors).
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd

from sentinel.config import MetricConfig
from sentinel.llm.floors import floor_for
from sentinel.models import Status
from sentinel.pipeline import Assessment, MetricEvidence, ServiceData

RECENT = timedelta(minutes=15)


def sig(x: float | None, digits: int = 4) -> float | None:
    """Round to significant digits; None for missing or non-finite values."""
    if x is None or not math.isfinite(x):
        return None
    return float(f"{x:.{digits}g}")


def _value_at(series: pd.Series, t: pd.Timestamp) -> float | None:
    """The last sample at or before t, if it is within 5 minutes of t."""
    before = series[series.index <= t]
    if before.empty or t - before.index[-1] > pd.Timedelta(minutes=5):
        return None
    return float(before.iloc[-1])


def seasonal_slice(metric: MetricConfig, history: pd.Series, at: pd.Timestamp) -> pd.Series:
    """History at the same point of the season as `at` (hour of week, hour of day, or all)."""
    idx = history.index
    if metric.seasonality == "hour_of_week":
        mask = (idx.day_of_week == at.day_of_week) & (idx.hour == at.hour)
    elif metric.seasonality == "hour_of_day":
        mask = idx.hour == at.hour
    else:
        return history
    same = history[mask]
    return same if len(same) >= 10 else history


def _metric_head(metric: MetricConfig, series: pd.Series) -> dict[str, Any]:
    """What every prompt version shows first about a metric: what it is and its latest value."""
    return {
        "name": metric.name,
        "unit": metric.unit,
        "description": metric.description,
        "bad_direction": metric.bad_direction,
        "current": sig(float(series.iloc[-1])) if len(series) else None,
    }


def metric_context(metric: MetricConfig, series: pd.Series, at: pd.Timestamp) -> dict[str, Any]:
    """Current value, recent mean, seasonal baseline band and day/week-ago values of a metric."""
    recent = series[series.index > at - RECENT]
    history = series[series.index <= at - RECENT]
    same = seasonal_slice(metric, history, at) if not history.empty else history
    values = same.to_numpy(dtype=float)
    return {
        **_metric_head(metric, series),
        "recent_15m_mean": sig(float(recent.mean())) if len(recent) else None,
        "baseline": {
            "seasonality": metric.seasonality,
            "median": sig(float(np.median(values))) if len(values) else None,
            "p10": sig(float(np.percentile(values, 10))) if len(values) else None,
            "p90": sig(float(np.percentile(values, 90))) if len(values) else None,
            "samples": len(values),
        },
        "day_ago": sig(_value_at(series, at - pd.Timedelta(days=1))),
        "week_ago": sig(_value_at(series, at - pd.Timedelta(days=7))),
        "thresholds": metric.thresholds.model_dump(exclude_none=True),
    }


def check_context_frame(data: ServiceData, assessment: Assessment) -> dict[str, Any]:
    """The service, detector summary and deviations every prompt version shows; no metrics yet."""
    deviations = {
        a.metric: {
            "deviation_pct": sig(a.deviation_pct),
            "direction": a.direction,
            "confidence": sig(a.confidence, 2),
            "detail": a.detail,
        }
        for a in assessment.verdict.anomalies
    }
    return {
        "service": {
            "name": data.service.name,
            "description": data.service.description,
            "labels": dict(data.service.loki_selector),
        },
        "check_time": data.at.isoformat(),
        "detectors": {
            "name": assessment.detector,
            "status": assessment.verdict.status.value,
            "escalation_score": sig(assessment.escalation_score, 3),
        },
        "metrics": [],
        "deviations": deviations,
        "missing_metrics": dict(data.errors),
        "log_lines": list(data.logs),
    }


def check_context(data: ServiceData, assessment: Assessment) -> dict[str, Any]:
    """Everything data-like the v2 prompt shows, as one JSON-ready dict."""
    ctx = check_context_frame(data, assessment)
    at = pd.Timestamp(data.at)
    for metric in data.service.metrics:
        series = data.series.get(metric.name)
        if series is None or series.empty:
            continue
        entry = metric_context(metric, series, at)
        entry["detector_deviation"] = ctx["deviations"].get(metric.name)
        ctx["metrics"].append(entry)
    del ctx["deviations"]
    return ctx


def _trajectory(ev: MetricEvidence) -> dict[str, list[Any]]:
    return {
        "minutes_ago": [row[0] for row in ev.trajectory],
        "value": [sig(row[1]) for row in ev.trajectory],
        "expected": [sig(row[2]) for row in ev.trajectory],
        "z": [sig(row[3], 2) for row in ev.trajectory],
    }


def evidence_metric(
    metric: MetricConfig, series: pd.Series, at: pd.Timestamp, ev: MetricEvidence | None
) -> dict[str, Any]:
    """One metric for prompt v3: the detector's figures, trajectory and thresholds."""
    breach = None
    if ev is not None and ev.threshold_status > Status.NORMAL:
        breach = {"status": ev.threshold_status.value, "detail": ev.threshold_note}
    return {
        **_metric_head(metric, series),
        "detector": None
        if ev is None
        else {
            "expected": sig(ev.expected),
            "robust_scale": sig(ev.scale),
            "z": sig(ev.z, 3),
            "status": ev.status.value,
        },
        "trajectory_5m": _trajectory(ev) if ev is not None and ev.trajectory else None,
        "day_ago": sig(_value_at(series, at - pd.Timedelta(days=1))),
        "week_ago": sig(_value_at(series, at - pd.Timedelta(days=7))),
        "thresholds": metric.thresholds.model_dump(exclude_none=True),
        "threshold_breach": breach,
    }


def evidence_context(data: ServiceData, assessment: Assessment) -> dict[str, Any]:
    """Everything data-like the v3 prompt shows, as one JSON-ready dict (same keys as v2's)."""
    ctx = check_context_frame(data, assessment)
    at = pd.Timestamp(data.at)
    floor, why = floor_for(assessment)
    ctx["detectors"]["floor"] = {"status": floor.value, "why": why}
    for metric in data.service.metrics:
        series = data.series.get(metric.name)
        if series is None or series.empty:
            continue
        entry = evidence_metric(metric, series, at, assessment.evidence.get(metric.name))
        entry["detector_deviation"] = ctx["deviations"].get(metric.name)
        ctx["metrics"].append(entry)
    del ctx["deviations"]
    return ctx


def latest_values(data: ServiceData) -> dict[str, float]:
    """The last value of every metric that has data."""
    return {k: float(s.iloc[-1]) for k, s in data.series.items() if len(s)}
