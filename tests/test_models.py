"""The vocabulary: ordered statuses, verdict round trips, manifest validation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from sentinel.models import (
    Action,
    Anomaly,
    FixtureManifest,
    LabelledWindow,
    Provenance,
    Status,
    Usage,
    Verdict,
)

T0 = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)


def test_statuses_are_ordered_and_unknown_never_masks_a_finding():
    assert Status.NORMAL < Status.WATCH < Status.WARNING < Status.CRITICAL
    assert Status.UNKNOWN < Status.NORMAL
    assert Status.worst([Status.UNKNOWN, Status.WARNING, Status.WATCH]) is Status.WARNING
    assert Status.worst([]) is Status.UNKNOWN
    assert [s.alerts for s in (Status.WATCH, Status.WARNING, Status.CRITICAL)] == [
        False,
        True,
        True,
    ]


def make_verdict() -> Verdict:
    return Verdict(
        service="api-service",
        checked_at=T0,
        status=Status.WARNING,
        anomalies=[
            Anomaly(
                metric="latency_p99",
                current_value=0.9,
                baseline_value=0.3,
                deviation_pct=200.0,
                direction="up",
                confidence=0.8,
            )
        ],
        reasoning="p99 tripled",
        recommended_action=Action.NOTIFY_TRIAGE,
        provenance=Provenance(path="llm", response_source="replay", model="claude-haiku-4-5"),
        usage=Usage(input_tokens=1200, output_tokens=150, cache_read_input_tokens=1000),
        cost_usd=0.0012,
    )


def test_verdict_round_trips_through_json():
    verdict = make_verdict()
    again = Verdict.model_validate_json(verdict.model_dump_json())
    assert again == verdict
    assert again.status is Status.WARNING
    assert again.top_anomaly.metric == "latency_p99"


def test_verdict_rejects_naive_time_and_bad_confidence():
    data = make_verdict().model_dump()
    with pytest.raises(ValidationError):
        Verdict.model_validate({**data, "checked_at": datetime(2026, 11, 2)})
    data["anomalies"][0]["confidence"] = 1.5
    with pytest.raises(ValidationError):
        Verdict.model_validate(data)


def test_one_line_shows_status_and_top_anomaly():
    line = make_verdict().one_line()
    assert "WARNING" in line and "latency_p99 +200%" in line and "[llm:claude-haiku-4-5]" in line


def test_usage_adds_up():
    total = Usage(input_tokens=10, output_tokens=2) + Usage(
        input_tokens=5, cache_read_input_tokens=7
    )
    assert (total.input_tokens, total.output_tokens, total.cache_read_input_tokens) == (15, 2, 7)


def window(**kw) -> dict:
    return {"start": T0, "end": T0 + timedelta(minutes=30), "kind": "latency_spike", **kw}


def test_incident_window_needs_alerting_severity():
    assert LabelledWindow(**window(min_severity="WARNING")).min_severity is Status.WARNING
    with pytest.raises(ValidationError, match="needs min_severity"):
        LabelledWindow(**window(min_severity="WATCH"))
    with pytest.raises(ValidationError, match="hard negative has no min_severity"):
        LabelledWindow(**window(hard_negative=True, min_severity="WARNING"))


def test_manifest_rejects_window_outside_range_and_unknown_metric():
    manifest = {
        "name": "x",
        "service": "api-service",
        "kind": "recorded",
        "step_seconds": 60,
        "start": T0 - timedelta(days=1),
        "end": T0 + timedelta(days=1),
        "data_file": "x.parquet",
        "metrics": [{"name": "latency_p99", "series": "p99", "type": "gauge"}],
        "labels": [window(min_severity="WARNING", metrics=["latency_p99"])],
    }
    assert len(FixtureManifest.model_validate(manifest).incidents) == 1
    bad = {**manifest, "labels": [window(min_severity="WARNING", metrics=["cpu"])]}
    with pytest.raises(ValidationError, match="unknown metrics"):
        FixtureManifest.model_validate(bad)
    late = {**manifest, "end": T0 + timedelta(minutes=10)}
    with pytest.raises(ValidationError, match="outside the fixture range"):
        FixtureManifest.model_validate(late)
    with pytest.raises(ValidationError, match="must name its generator"):
        FixtureManifest.model_validate({**manifest, "kind": "synthetic"})
    with pytest.raises(ValidationError, match="Extra inputs"):
        FixtureManifest.model_validate({**manifest, "colour": "blue"})


def test_provenance_is_typed_and_reads_back_the_old_path_strings():
    from sentinel.models import Provenance, Route

    old = Provenance.model_validate({"path": "tiered:sonnet", "note": "escalated: disagreement"})
    assert (old.route, old.model, old.escalated) == (Route.TIERED, "sonnet", True)
    assert old.path == "tiered:sonnet"
    assert Provenance.model_validate_json(old.model_dump_json()) == old
    fallback = Provenance(route=Route.LLM_FALLBACK, model=None)
    assert fallback.path == "llm-fallback" and fallback.route.asked_model
    assert not fallback.route.judged_by_model
