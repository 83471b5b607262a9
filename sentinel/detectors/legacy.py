"""Statistical assessment of a service (first cut; the detector issue replaces it).

Compares the mean of the last 15 minutes of each metric with the median of the same
hour-of-week in history strictly before the window, scaled by the robust spread (MAD).
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd

from sentinel.agent import Assessment, ServiceData
from sentinel.config import MetricConfig
from sentinel.models import Action, Anomaly, Provenance, Status, Verdict

RECENT = timedelta(minutes=15)


class SeasonalMedianAssessor:
    """Hour-of-week median/MAD comparison of the recent window, per metric."""

    name = "seasonal_median_v0"

    def __init__(self, watch_z: float = 4.0, warning_z: float = 6.0, critical_z: float = 10.0):
        self.watch_z, self.warning_z, self.critical_z = watch_z, warning_z, critical_z

    def assess(self, data: ServiceData) -> Assessment:
        anomalies: list[Anomaly] = []
        statuses: list[Status] = []
        for metric in data.service.metrics:
            series = data.series.get(metric.name)
            if series is None or series.empty:
                continue
            result = self._metric(metric, series, data)
            if result:
                status, anomaly = result
                statuses.append(status)
                anomalies.append(anomaly)
        status = Status.worst(statuses) if statuses else Status.NORMAL
        verdict = Verdict(
            service=data.service.name,
            checked_at=data.at,
            status=status,
            anomalies=sorted(anomalies, key=lambda a: -abs(a.deviation_pct)),
            reasoning=_reasoning(status, anomalies),
            recommended_action=Action.NOTIFY_TRIAGE
            if status.alerts
            else (Action.CONTINUE_MONITORING if status == Status.WATCH else Action.NONE),
            provenance=Provenance(
                path="statistical", detector=self.name, data_source=data.data_source
            ),
        )
        score = min(1.0, max((a.confidence for a in anomalies), default=0.0))
        return Assessment(verdict=verdict, escalation_score=score, detector=self.name)

    def _metric(
        self, metric: MetricConfig, series: pd.Series, data: ServiceData
    ) -> tuple[Status, Anomaly] | None:
        recent = series[series.index > data.at - RECENT]
        history = series[series.index <= data.at - RECENT]
        if recent.empty or len(history) < 60:
            return None
        current = float(recent.mean())
        how = data.at.weekday() * 24 + data.at.hour
        hist_how = history.index.dayofweek * 24 + history.index.hour
        same = history[hist_how == how] if metric.seasonality == "hour_of_week" else history
        if len(same) < 30:
            same = history
        baseline = float(np.median(same))
        mad = float(np.median(np.abs(same - baseline))) * 1.4826
        scale = max(mad, abs(baseline) * 0.02, 1e-9)
        z = (current - baseline) / scale
        bad = {"up": z > 0, "down": z < 0, "both": True}[metric.bad_direction]
        az = abs(z)
        if not bad or az < self.watch_z:
            return None
        status = (
            Status.CRITICAL
            if az >= self.critical_z
            else Status.WARNING
            if az >= self.warning_z
            else Status.WATCH
        )
        deviation = (current - baseline) / abs(baseline) * 100 if baseline else float("inf")
        return status, Anomaly(
            metric=metric.name,
            current_value=current,
            baseline_value=baseline,
            deviation_pct=deviation if np.isfinite(deviation) else 1e9,
            direction="up" if z > 0 else "down",
            confidence=float(min(1.0, az / (2 * self.critical_z))),
            detail=f"robust z = {z:+.1f} vs hour-of-week baseline",
        )


def _reasoning(status: Status, anomalies: list[Anomaly]) -> str:
    if not anomalies:
        return "All metrics within their seasonal baselines."
    parts = [f"{a.metric} {a.deviation_pct:+.0f}% ({a.detail})" for a in anomalies]
    return f"{status.value}: " + "; ".join(parts)
