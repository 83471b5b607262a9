"""Feedback closes the loop: a judged ticket is stored with who and when, becomes an eval case
the next eval scores, and a false positive becomes a suppression the config accepts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import yaml
from typer.testing import CliRunner

from sentinel import feedback
from sentinel.cli import _register, app
from sentinel.config import SentinelConfig, load_config
from sentinel.errors import SentinelError
from sentinel.evaluation.cases import GENERATED_HEADER, load_suite, remove_generated
from sentinel.models import Status, Verdict
from sentinel.store import Store
from tests.loop_fixtures import verdict

SPIKE = datetime(2026, 10, 29, 14, 10, tzinfo=UTC)  # inside the bundled api-service latency spike


def _verdict(at: datetime, status: Status) -> Verdict:
    """A verdict raised on the bundled config's latency_p99 metric."""
    v = verdict("api-service", at, status)
    return v.model_copy(
        update={"anomalies": [a.model_copy(update={"metric": "latency_p99"}) for a in v.anomalies]}
    )


@pytest.fixture
def db(tmp_path) -> str:
    """One resolved CRITICAL ticket for api-service over the bundled fixture's latency spike."""
    path = tmp_path / "t.db"
    store = Store.open(path)
    store.record(_verdict(SPIKE, Status.CRITICAL))
    store.record(_verdict(SPIKE + timedelta(minutes=40), Status.NORMAL))
    store.close()
    return str(path)


def test_a_judgement_is_stored_with_who_and_when_and_a_new_one_is_appended(db):
    feedback.confirm(1, by="alice", note="INC-7", db=db)
    feedback.reject(1, reason="it was the load test", by="bob", db=db)
    judged = Store.open(db).feedback(1)
    assert [(f.judgement, f.judged_by, f.reason) for f in judged] == [
        ("confirmed", "alice", "INC-7"),
        ("rejected", "bob", "it was the load test"),
    ]
    assert judged[0].judged_at.tzinfo is not None and judged[0].judged_at <= judged[1].judged_at


def test_judging_a_missing_ticket_or_rejecting_without_a_reason_is_a_clear_error(db):
    with pytest.raises(SentinelError, match="no ticket 9"):
        feedback.confirm(9, by="alice", db=db)
    with pytest.raises(SentinelError, match="needs a reason"):
        feedback.reject(1, reason=" ", by="alice", db=db)
    with pytest.raises(SentinelError, match="no judgement yet"):
        feedback.add_case(1, db=db)


def test_cli_confirm_then_add_case_then_eval_scores_the_new_case(db, tmp_path):
    _register()
    cases = tmp_path / "cases"
    runner = CliRunner()
    out = runner.invoke(app, ["tickets", "confirm", "1", "--by", "alice", "--db", db])
    assert out.exit_code == 0, out.output
    assert "confirmed by alice" in out.output
    shown = runner.invoke(app, ["tickets", "show", "1", "--db", db])
    assert "judged      confirmed by alice" in shown.output
    out = runner.invoke(
        app,
        ["eval", "add-case", "--from-ticket", "1", "--db", db, "--out", str(cases), "--pad", "1h"],
    )
    assert out.exit_code == 0, out.output
    [path] = cases.glob("*.yaml")
    body = yaml.safe_load(path.read_text())
    assert body["feedback"]["ticket"] == 1 and body["feedback"]["judged_by"] == "alice"
    assert body["feedback"]["verdict"].startswith("CRITICAL:")
    [window] = body["windows"]
    assert window["min_severity"] == "WARNING" and window["metrics"] == ["latency_p99"]
    assert window["start"] == "2026-10-29T13:55:00Z" and window["end"] == "2026-10-29T14:50:00Z"
    # the eval reads it like any case, and make-cases leaves it alone
    [case] = load_suite(cases, load_config(None)).cases
    assert case.manifest.feedback is not None
    assert remove_generated(cases) == 0 and path.exists()
    assert not path.read_text().startswith(GENERATED_HEADER)
    reports = tmp_path / "reports"
    run = ["eval", "run", "--suite", str(cases), "--strategies", "statistical"]
    out = runner.invoke(app, [*run, "--bootstrap", "0", "--out", str(reports)])
    assert out.exit_code == 0, out.output
    assert "1 incidents" in out.output and "1/1" in out.output  # scored and detected


def test_a_rejected_ticket_becomes_a_hard_negative_case_and_a_valid_suppression(db, tmp_path):
    feedback.reject(1, reason="planned load test", by="bob", db=db)
    path = feedback.add_case(1, out=tmp_path, db=db, pad=timedelta(hours=1))
    body = yaml.safe_load(path.read_text())
    assert body["tags"]["hard_negative"] is True
    assert body["windows"][0]["hard_negative"] is True
    assert "min_severity" not in body["windows"][0]
    load_suite(tmp_path, load_config(None))  # valid as a case
    config = load_config(None).model_dump(mode="json")
    until = datetime(2026, 11, 30, tzinfo=UTC)
    for kind, key in [("maintenance", "suppressions"), ("known-issue", "known_issues")]:
        snippet = yaml.safe_load(feedback.suppression(1, kind=kind, db=db, until=until))
        [item] = snippet["detection"][key]  # one per metric the ticket names
        assert "planned load test" in item.get("reason", item.get("note", ""))
        config["detection"][key] = [item]
    checked = SentinelConfig.model_validate(config).detection
    assert checked.suppressions[0].services == ["api-service"]
    assert checked.suppressions[0].start == datetime(2026, 10, 29, 13, 55, tzinfo=UTC)
    assert checked.known_issues[0].metric == "latency_p99"
    assert checked.known_issues[0].until == until


def test_a_ticket_outside_the_fixture_says_to_record_its_data_first(tmp_path):
    db = str(tmp_path / "t.db")
    store = Store.open(db)
    store.record(_verdict(datetime(2027, 1, 5, 9, tzinfo=UTC), Status.WARNING))
    store.judge(1, "confirmed", "alice")
    with pytest.raises(SentinelError, match="sentinel record"):
        feedback.add_case(1, out=tmp_path / "cases", db=db)
    assert not (tmp_path / "cases").exists()
