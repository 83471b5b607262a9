"""The ticket store: tickets open, escalate and resolve; repeats change nothing; locks are retried."""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from sentinel.models import Status
from sentinel.notify import AlertBuilder
from sentinel.store import Store, StoreError, ticket_move
from tests.loop_fixtures import verdict

T0 = datetime(2026, 11, 3, 12, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


@pytest.fixture
def store(tmp_path):
    s = Store.open(tmp_path / "s.db", alert_builder=AlertBuilder())
    yield s
    s.close()


def test_ticket_moves_follow_the_status_ladder():
    assert ticket_move(None, Status.WARNING) == "open"
    assert ticket_move(None, Status.WATCH) == "none"
    assert ticket_move(Status.WARNING, Status.CRITICAL) == "escalate"
    assert ticket_move(Status.CRITICAL, Status.WARNING) == "update"
    assert ticket_move(Status.WARNING, Status.UNKNOWN) == "update"
    assert ticket_move(Status.WARNING, Status.NORMAL) == "resolve"
    assert ticket_move(Status.WARNING, Status.NORMAL, unjudged_ticket_metric=True) == "update"


def test_ticket_opens_on_warning_escalates_and_resolves_on_normal(store):
    assert store.record(verdict("api", at(0), Status.NORMAL)).move == "none"
    assert store.record(verdict("api", at(1), Status.WARNING)).move == "open"
    assert store.record(verdict("api", at(2), Status.WATCH)).move == "update"
    assert store.record(verdict("api", at(3), Status.CRITICAL)).move == "escalate"
    assert store.record(verdict("api", at(4), Status.NORMAL)).move == "resolve"
    [ticket] = store.tickets()
    assert (ticket.state, ticket.severity, ticket.opened_at, ticket.resolved_at) == (
        "resolved",
        Status.CRITICAL,
        at(1),
        at(4),
    )
    events = [o.event for o in store.outbox(ticket.id)]
    assert events == ["firing", "escalate:CRITICAL", "resolved"]
    escalation = store.outbox(ticket.id)[1].payload
    # the old severity's alert is ended and the new one fires
    assert [a["labels"]["severity"] for a in escalation] == ["warning", "critical"]
    assert "endsAt" in escalation[0] and "endsAt" not in escalation[1]


def test_normal_while_the_ticket_metric_is_unjudged_keeps_the_ticket_open(store):
    """UNKNOWN is not recovery: the metric that raised the ticket must itself read NORMAL."""
    store.record(verdict("api", at(0), Status.CRITICAL))  # raised on "latency"
    missing = verdict("api", at(1), Status.NORMAL).model_copy(update={"unjudged": ["latency"]})
    assert store.record(missing).move == "update"
    [ticket] = store.tickets()
    assert ticket.state == "open" and ticket.last_status == Status.NORMAL
    assert [o.event for o in store.outbox(ticket.id)] == ["firing"]
    other = verdict("api", at(2), Status.NORMAL).model_copy(update={"unjudged": ["errors"]})
    assert store.record(other).move == "resolve"  # an unrelated gap does not hold it open


def test_recording_the_same_check_twice_changes_nothing(store):
    first = store.record(verdict("api", at(1), Status.CRITICAL))
    again = store.record(verdict("api", at(1), Status.CRITICAL, reasoning="rerun"))
    assert not first.duplicate and again.duplicate
    assert len(store.verdicts()) == 1 and len(store.tickets()) == 1 and len(store.outbox()) == 1
    assert store.verdicts()[0].reasoning != "rerun"


def test_a_late_older_verdict_is_kept_but_does_not_move_tickets(store):
    store.record(verdict("api", at(5), Status.CRITICAL))
    late = store.record(verdict("api", at(4), Status.NORMAL))
    assert late.stale and not late.duplicate
    assert store.tickets(state="open")
    assert len(store.verdicts("api")) == 2


def test_a_new_ticket_opens_after_resolution_and_services_are_independent(store):
    store.record(verdict("api", at(1), Status.WARNING))
    store.record(verdict("db", at(1), Status.CRITICAL))
    store.record(verdict("api", at(2), Status.NORMAL))
    store.record(verdict("api", at(3), Status.WARNING))
    assert [(t.service, t.state) for t in store.tickets()] == [
        ("api", "resolved"),
        ("db", "open"),
        ("api", "open"),
    ]


def test_tickets_and_outbox_survive_reopening_the_database(tmp_path):
    path = tmp_path / "s.db"
    s1 = Store.open(path, alert_builder=AlertBuilder())
    s1.record(verdict("api", at(1), Status.WARNING))
    s1.close()
    s2 = Store.open(path)
    assert [o.event for o in s2.pending_outbox()] == ["firing"]
    assert s2.tickets(state="open")[0].service == "api"


def test_concurrent_writers_from_threads_lose_nothing(store):
    def write(service: str) -> None:
        for i in range(30):
            store.record(verdict(service, at(i), Status.WARNING if i % 3 else Status.NORMAL))

    threads = [threading.Thread(target=write, args=(f"svc{n}",)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(store.verdicts()) == 120
    assert len(store.tickets()) == 4 * 10  # opens at 1, 4, 7, ...; resolved at 3, 6, ...


def _hold_lock(path, seconds: float, ready: threading.Event) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN EXCLUSIVE")
    ready.set()
    time.sleep(seconds)
    conn.execute("COMMIT")
    conn.close()


def test_a_locked_database_is_retried_until_it_frees(tmp_path):
    path = tmp_path / "s.db"
    retries: list[str] = []
    store = Store.open(path, busy_timeout_s=0.05, lock_retries=30, on_retry=retries.append)
    ready = threading.Event()
    holder = threading.Thread(target=_hold_lock, args=(path, 0.6, ready))
    holder.start()
    ready.wait()
    result = store.record(verdict("api", at(1), Status.WARNING))
    holder.join()
    assert result.move == "open"
    assert retries and set(retries) == {"db_locked"}


def test_a_database_locked_for_good_is_reported_not_hung(tmp_path):
    path = tmp_path / "s.db"
    retries: list[str] = []
    store = Store.open(path, busy_timeout_s=0.05, lock_retries=3, on_retry=retries.append)
    ready = threading.Event()
    holder = threading.Thread(target=_hold_lock, args=(path, 1.0, ready))
    holder.start()
    ready.wait()
    with pytest.raises(StoreError, match="locked after 3 attempts"):
        store.record(verdict("api", at(1), Status.WARNING))
    holder.join()
    assert len(retries) == 2
    # nothing half-written: the same check records cleanly once the lock is gone
    assert store.record(verdict("api", at(1), Status.WARNING)).move == "open"


def test_an_unreachable_database_url_is_a_one_line_store_error(tmp_path):
    with pytest.raises(StoreError, match="cannot open ticket store"):
        Store(f"sqlite:///{tmp_path}/missing-dir/x.db")
