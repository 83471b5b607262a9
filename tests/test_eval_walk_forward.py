"""Walk-forward replay: no look-ahead, runs resume."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from sentinel.agent import Agent
from sentinel.config import load_config
from sentinel.evaluation.cases import load_suite
from sentinel.evaluation.walk_forward import (
    check_times,
    plan,
    read_records,
    replay,
)
from sentinel.models import Provenance, Status, Verdict
from sentinel.pipeline import Assessment, ServiceData
from sentinel.sources.fixture_source import FixtureSource
from tests.evalkit import SPIKE, make_suite


class SpyAssessor:
    """Records the latest timestamp it was shown and alerts inside the labelled spike."""

    name = "spy"

    def __init__(self) -> None:
        self.latest_seen: list[tuple[datetime, pd.Timestamp]] = []

    def assess(self, data: ServiceData) -> Assessment:
        newest = max(s.index.max() for s in data.series.values() if len(s))
        self.latest_seen.append((data.at, newest))
        status = Status.WARNING if SPIKE.contains(data.at) else Status.NORMAL
        verdict = Verdict(
            service=data.service.name,
            checked_at=data.at,
            status=status,
            provenance=Provenance(path="statistical", detector=self.name),
        )
        return Assessment(verdict, 0.0, self.name)


def test_check_times_are_epoch_aligned_and_deduplicated():
    t0 = datetime(2026, 11, 1, 0, 2, tzinfo=UTC)
    times = check_times(
        [(t0, t0 + timedelta(minutes=20)), (t0, t0 + timedelta(minutes=10))], timedelta(minutes=5)
    )
    assert times[0] == datetime(2026, 11, 1, 0, 5, tzinfo=UTC)
    assert times[-1] == datetime(2026, 11, 1, 0, 20, tzinfo=UTC)
    assert len(times) == len(set(times)) == 4


def test_replay_never_shows_data_after_the_check_time(tmp_path: Path):
    fixtures, config_path, suite_dir = make_suite(tmp_path)
    config = load_config(config_path)
    suite = load_suite(suite_dir, config, fixtures)
    spy = SpyAssessor()
    agent = Agent(config, FixtureSource(fixtures), spy)
    schedule = plan(suite, timedelta(minutes=15))
    result = replay(
        agent,
        {"svc": config.service("svc")},
        schedule,
        tmp_path / "s.jsonl",
        progress=False,
    )
    assert len(result.records) == len(schedule["svc"]) == len(spy.latest_seen)
    assert all(newest <= pd.Timestamp(at) for at, newest in spy.latest_seen)
    assert any(r.verdict.status == Status.WARNING for r in result.records)


def test_interrupted_stream_resumes_without_repeating_checks(tmp_path: Path):
    fixtures, config_path, suite_dir = make_suite(tmp_path)
    config = load_config(config_path)
    suite = load_suite(suite_dir, config, fixtures)
    schedule = plan(suite, timedelta(minutes=30))
    services = {"svc": config.service("svc")}
    stream = tmp_path / "s.jsonl"
    first = {"svc": schedule["svc"][:5]}
    replay(
        Agent(config, FixtureSource(fixtures), SpyAssessor()),
        services,
        first,
        stream,
        progress=False,
    )
    with stream.open("a") as fh:
        fh.write('{"service": "svc", "at": "2026-')  # torn write from a killed run
    spy2 = SpyAssessor()
    result = replay(
        Agent(config, FixtureSource(fixtures), spy2),
        services,
        schedule,
        stream,
        progress=False,
    )
    assert result.resumed == 5
    assert len(spy2.latest_seen) == len(schedule["svc"]) - 5
    times = [r.at for r in read_records(stream)]
    assert times == sorted(set(times)) and len(times) == len(schedule["svc"])


@pytest.mark.parametrize("cadence", [timedelta(minutes=5), timedelta(hours=1)])
def test_plan_covers_the_union_of_case_periods(tmp_path: Path, cadence: timedelta):
    fixtures, config_path, suite_dir = make_suite(tmp_path)
    suite = load_suite(suite_dir, load_config(config_path), fixtures)
    times = plan(suite, cadence)["svc"]
    for case in suite.cases:
        p = case.manifest.period
        inside = [t for t in times if p.start < t <= p.end]
        assert len(inside) == int((p.end - p.start) / cadence)


class HalfGate:
    """Escalates every other assessment, so a record can be checked against the gate's word."""

    def __init__(self) -> None:
        self.calls = 0

    def escalate(self, assessment: Assessment) -> bool:
        self.calls += 1
        return self.calls % 2 == 0


def test_records_carry_the_gate_decision_and_score_of_each_outcome(tmp_path: Path):
    fixtures, config_path, suite_dir = make_suite(tmp_path)
    config = load_config(config_path)
    suite = load_suite(suite_dir, config, fixtures)
    schedule = {"svc": plan(suite, timedelta(hours=1))["svc"][:4]}
    agent = Agent(config, FixtureSource(fixtures), SpyAssessor(), HalfGate())
    result = replay(
        agent, {"svc": config.service("svc")}, schedule, tmp_path / "s.jsonl", progress=False
    )
    assert [r.escalated for r in result.records] == [False, True, False, True]
    assert all(r.escalation_score == 0.0 for r in result.records)
    assert agent.counts["escalated"] == 0  # no judge: the gate's word is recorded, nothing called
