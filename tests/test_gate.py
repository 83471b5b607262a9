"""The gate: escalate at the configured threshold, count the escalation rate."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sentinel.config import load_config
from sentinel.gate import ThresholdGate, build_gate
from sentinel.models import Provenance, Status, Verdict
from sentinel.pipeline import Assessment


def assessment(score: float, service: str = "api") -> Assessment:
    verdict = Verdict(
        service=service,
        checked_at=datetime(2026, 11, 1, tzinfo=UTC),
        status=Status.NORMAL,
        provenance=Provenance(path="statistical"),
    )
    return Assessment(verdict=verdict, escalation_score=score, detector="seasonal_mad")


def test_escalates_at_and_above_the_threshold_only():
    gate = ThresholdGate(0.5)
    assert [gate.escalate(assessment(s)) for s in (0.0, 0.49, 0.5, 0.9)] == [
        False,
        False,
        True,
        True,
    ]


def test_reports_its_escalation_rate_per_run_and_service():
    gate = ThresholdGate(0.6)
    assert gate.escalation_rate == 0.0
    for s, svc in ((0.1, "api"), (0.7, "api"), (0.9, "db"), (0.2, "db")):
        gate.escalate(assessment(s, svc))
    assert gate.escalation_rate == pytest.approx(0.5)
    assert gate.by_service == {"api": 1, "db": 1}
    assert "escalated 2 of 4 checks (50.0%)" in gate.report()


def test_threshold_comes_from_config_and_is_validated():
    config = load_config()
    assert build_gate(config).threshold == config.detection.gate.threshold
    with pytest.raises(ValueError, match="within"):
        ThresholdGate(1.5)
