"""`sentinel tickets list|show` read the store the loop writes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from typer.testing import CliRunner

from sentinel.cli import _register, app
from sentinel.models import Status
from sentinel.notify import AlertBuilder
from sentinel.store import Store
from tests.loop_fixtures import verdict

T0 = datetime(2026, 11, 3, 12, tzinfo=UTC)


def _store(tmp_path) -> str:
    db = tmp_path / "t.db"
    s = Store.open(db, alert_builder=AlertBuilder())
    s.record(verdict("api-service", T0, Status.CRITICAL, "p99 latency 10x baseline"))
    s.record(verdict("database", T0, Status.WARNING))
    s.record(verdict("database", T0 + timedelta(minutes=1), Status.NORMAL))
    s.close()
    return str(db)


def test_list_shows_every_ticket_and_filters_by_state(tmp_path):
    _register()
    db = _store(tmp_path)
    out = CliRunner().invoke(app, ["tickets", "list", "--db", db])
    assert out.exit_code == 0, out.output
    assert "api-service" in out.output and "database" in out.output
    opened = CliRunner().invoke(app, ["tickets", "list", "--db", db, "--state", "open"])
    assert "api-service" in opened.output and "database" not in opened.output


def test_show_prints_reasoning_anomalies_and_alert_delivery_state(tmp_path):
    _register()
    db = _store(tmp_path)
    out = CliRunner().invoke(app, ["tickets", "show", "1", "--db", db])
    assert out.exit_code == 0, out.output
    assert "p99 latency 10x baseline" in out.output
    assert "latency: 2 vs baseline 0.2" in out.output
    assert "firing" in out.output and "pending (attempts 0" in out.output


def test_show_of_a_missing_ticket_is_a_clear_error(tmp_path):
    _register()
    out = CliRunner().invoke(app, ["tickets", "show", "99", "--db", _store(tmp_path)])
    assert out.exit_code != 0
    assert "no ticket 99" in str(out.exception)
