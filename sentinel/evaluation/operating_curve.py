"""A strategy's F1 over its operating points, to compare detectors at equal false alarms.

The headline scores one operating point: a check alerts at WARNING or above. Moving that bar
traces a curve. Each point alerts on the checks whose (status, top anomaly confidence) is at
least (`min_status`, `min_confidence`) in that order - (WARNING, 0.0) is the headline - and is
scored by the headline's own rules (`scoring.score_service`, `scoring.summarize`: alarm events,
the grace period, no point-adjust). `best_within` picks a strategy's best F1 at or below a false
alarm budget, such as another strategy's headline rate: the comparison "beats X on F1 at equal
or fewer false alarms per day" needs.

Pure: check records and labelled windows in, points out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sentinel.evaluation.scoring import DEFAULT_GRACE, Metrics, score_service, summarize
from sentinel.models import LabelledWindow, Status

LEVELS = (Status.WATCH, Status.WARNING, Status.CRITICAL)
CONFIDENCES = (0.0, 0.2, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99)
HEADLINE = (Status.WARNING, 0.0)

Check = tuple[datetime, Status, float]  # when, status, top anomaly confidence


@dataclass(frozen=True)
class ServiceChecks:
    """One service's checks and what they are scored against."""

    service: str
    checks: tuple[Check, ...]
    windows: tuple[tuple[str, LabelledWindow], ...]  # (case id, window)
    observed: tuple[tuple[datetime, datetime], ...]  # replayed spans, for false alarms per day


@dataclass(frozen=True)
class OperatingPoint:
    """The headline metrics when checks alert at (`min_status`, `min_confidence`) or above."""

    min_status: Status
    min_confidence: float
    metrics: Metrics

    @property
    def is_headline(self) -> bool:
        return (self.min_status, self.min_confidence) == HEADLINE

    @property
    def label(self) -> str:
        if self.min_confidence == 0.0:
            return f"{self.min_status.value}+"
        return f"{self.min_status.value}+ conf >= {self.min_confidence:g}"

    def to_json(self) -> dict[str, Any]:
        m = self.metrics
        return {
            "min_status": self.min_status.value,
            "min_confidence": self.min_confidence,
            "precision": m.precision,
            "recall": m.recall,
            "f1": m.f1,
            "f1_ci": m.ci.get("f1"),
            "false_alarms": m.false_alarms,
            "false_alarms_per_day": m.false_alarms_per_day,
            "detected": m.detected,
            "incidents": m.incidents,
        }


def alerts_at(check: Check, min_status: Status, min_confidence: float) -> bool:
    """Whether a check alerts at this operating point: a higher status always does; the same
    status does when its top confidence reaches `min_confidence`."""
    _, status, confidence = check
    if status.rank != min_status.rank:
        return status.rank > min_status.rank
    return confidence >= min_confidence


def operating_point(
    services: Sequence[ServiceChecks],
    min_status: Status,
    min_confidence: float,
    grace: timedelta = DEFAULT_GRACE,
) -> OperatingPoint:
    """Score every service with checks alerting at this point (intervals, no bootstrap)."""
    outcomes = []
    for s in services:
        timeline = [
            (c[0], Status.WARNING if alerts_at(c, min_status, min_confidence) else Status.NORMAL)
            for c in s.checks
        ]
        outcomes.append(score_service(s.service, timeline, s.windows, s.observed, grace=grace))
    return OperatingPoint(min_status, min_confidence, summarize(outcomes, n_boot=0))


def operating_curve(
    services: Sequence[ServiceChecks],
    grace: timedelta = DEFAULT_GRACE,
    levels: Sequence[Status] = LEVELS,
    confidences: Sequence[float] = CONFIDENCES,
) -> list[OperatingPoint]:
    """Every (level, confidence) point, most alarms first; the headline point is among them."""
    return [operating_point(services, s, c, grace) for s in levels for c in confidences]


def best_within(
    curve: Sequence[OperatingPoint], max_false_alarms_per_day: float
) -> OperatingPoint | None:
    """The point with the highest F1 at or below the budget (ties: fewer false alarms, then the
    headline); None when every point raises more false alarms than the budget."""
    inside = [
        p
        for p in curve
        if p.metrics.f1 is not None
        and (p.metrics.false_alarms_per_day or 0.0) <= max_false_alarms_per_day + 1e-12
    ]
    if not inside:
        return None
    return max(
        inside,
        key=lambda p: (p.metrics.f1, -(p.metrics.false_alarms_per_day or 0.0), p.is_headline),
    )


__all__ = [
    "CONFIDENCES",
    "HEADLINE",
    "LEVELS",
    "OperatingPoint",
    "ServiceChecks",
    "alerts_at",
    "best_within",
    "operating_curve",
    "operating_point",
]
