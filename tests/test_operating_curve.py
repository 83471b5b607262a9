"""The operating curve: its headline point is the headline, raising the bar trades alarms for
recall by the headline's rules, and `best_within` keeps to a false-alarm budget."""

from datetime import UTC, datetime, timedelta

from sentinel.evaluation.operating_curve import (
    HEADLINE,
    ServiceChecks,
    alerts_at,
    best_within,
    operating_curve,
    operating_point,
)
from sentinel.evaluation.scoring import score_service, summarize
from sentinel.models import LabelledWindow, Status

DAY = datetime(2026, 11, 2, tzinfo=UTC)
N, WATCH, W, C = Status.NORMAL, Status.WATCH, Status.WARNING, Status.CRITICAL


def at(h: int, m: int = 0) -> datetime:
    return DAY + timedelta(hours=h, minutes=m)


WINDOWS = (
    ("a", LabelledWindow(start=at(2), end=at(3), kind="spike", min_severity=W)),
    ("b", LabelledWindow(start=at(10), end=at(11), kind="spike", min_severity=W)),
)
FLAGGED = {
    at(2, 10): (C, 0.95),  # detects a, confidently
    at(10, 20): (W, 0.4),  # detects b, weakly
    at(15, 0): (W, 0.3),  # false alarm, weak
    at(18, 0): (C, 0.99),  # false alarm, confident
    at(20, 0): (WATCH, 0.9),  # below the headline: never an alarm there
}
CHECKS = tuple(
    (DAY + timedelta(minutes=5 * i), *FLAGGED.get(DAY + timedelta(minutes=5 * i), (N, 0.0)))
    for i in range(288)
)
SERVICE = ServiceChecks("api", CHECKS, WINDOWS, ((DAY, DAY + timedelta(days=1)),))


def test_alerts_at_orders_by_status_then_confidence():
    assert alerts_at((DAY, C, 0.0), W, 0.9)  # a higher status always alerts
    assert not alerts_at((DAY, WATCH, 1.0), W, 0.0)  # a lower one never does
    assert alerts_at((DAY, W, 0.5), W, 0.5)
    assert not alerts_at((DAY, W, 0.49), W, 0.5)


def test_headline_point_equals_the_headline_scoring():
    timeline = [(t, s) for t, s, _ in CHECKS]
    headline = summarize([score_service("api", timeline, WINDOWS, SERVICE.observed)], n_boot=0)
    point = operating_point([SERVICE], *HEADLINE)
    assert point.is_headline and point.label == "WARNING+"
    assert point.metrics == headline
    assert (point.metrics.detected, point.metrics.false_alarms) == (2, 2)


def test_raising_the_bar_drops_weak_alarms_first():
    point = operating_point([SERVICE], W, 0.5)
    # b's weak detection and the weak false alarm go; the confident false alarm stays
    assert (point.metrics.detected, point.metrics.false_alarms) == (1, 1)
    assert point.label == "WARNING+ conf >= 0.5"
    watch = operating_point([SERVICE], WATCH, 0.0)
    assert (watch.metrics.detected, watch.metrics.false_alarms) == (2, 3)


def test_best_within_keeps_to_the_budget():
    curve = operating_curve([SERVICE])
    assert any(p.is_headline for p in curve)
    headline = next(p for p in curve if p.is_headline)
    at_headline_rate = best_within(curve, headline.metrics.false_alarms_per_day or 0.0)
    assert at_headline_rate is not None
    # confidence >= 0.4 drops only the weak false alarm (0.3): F1 0.67 -> 0.80
    assert at_headline_rate.label == "WARNING+ conf >= 0.4"
    assert (headline.metrics.f1, at_headline_rate.metrics.f1) == (2 / 3, 0.8)
    assert best_within(curve, 1.0) == at_headline_rate  # its one false alarm fits a budget of 1
    # every point keeps the confident false alarm (CRITICAL 0.99): no point has none
    assert best_within(curve, 0.0) is None
