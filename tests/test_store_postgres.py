"""The ticket store and the budget ledger on a real PostgreSQL server (initdb in a temp folder).

Upserts are idempotent, feedback is kept, concurrent writers (processes, and two real `sentinel run` loops) open
each ticket once, the store reconnects after the server is killed with SIGKILL and restarted,
and the ledger's advisory lock holds the call cap across processes.
"""

from __future__ import annotations

import multiprocessing
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from sentinel.errors import BudgetExceeded
from sentinel.llm.budget import CostGuard
from sentinel.models import Status
from sentinel.notify import AlertBuilder
from sentinel.store import Store, StoreError
from tests.loop_fixtures import make_fixture, verdict, write_config
from tests.servers import PostgresServer, kill_group, postgres_server
from tests.test_run_loop import events, expected_tickets, start_run

pytestmark = pytest.mark.postgres
T0 = datetime(2026, 11, 3, 12, 0, tzinfo=UTC)
FORK = multiprocessing.get_context("fork")  # cheap; each child opens its own engine


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


@pytest.fixture(scope="module")
def pg():
    with postgres_server() as server:
        yield server


@pytest.fixture
def url(pg, request):
    return pg.create_database(request.node.name[:60].lower())


def assert_consistent(store: Store) -> None:
    """One ticket per opening check, at most one open per service, every event queued once,
    and exactly the tickets the recorded verdicts imply."""
    tickets = store.tickets()
    assert len({(t.service, t.opened_at) for t in tickets}) == len(tickets)
    opened = Counter(t.service for t in tickets if t.state == "open")
    assert max(opened.values(), default=0) <= 1
    outbox = Counter((o.ticket_id, o.event) for o in store.outbox())
    assert all(n == 1 for n in outbox.values())
    got = sorted(
        (t.service, t.opened_at.isoformat(), t.resolved_at.isoformat() if t.resolved_at else None)
        for t in tickets
    )
    assert got == expected_tickets(store)


def test_tickets_open_escalate_and_resolve_and_a_repeated_check_changes_nothing(url):
    store = Store(url, alert_builder=AlertBuilder())
    assert store.engine.dialect.name == "postgresql"
    assert store.record(verdict("api", at(1), Status.WARNING)).move == "open"
    assert store.record(verdict("api", at(2), Status.CRITICAL)).move == "escalate"
    again = store.record(verdict("api", at(2), Status.CRITICAL, reasoning="rerun"))
    assert again.duplicate
    assert store.record(verdict("api", at(3), Status.NORMAL)).move == "resolve"
    assert store.record(verdict("api", at(1), Status.WARNING)).duplicate
    [ticket] = store.tickets()
    assert (ticket.state, ticket.severity, ticket.opened_at, ticket.resolved_at) == (
        "resolved",
        Status.CRITICAL,
        at(1),
        at(3),
    )
    assert [o.event for o in store.outbox(ticket.id)] == ["firing", "escalate:CRITICAL", "resolved"]
    assert len(store.verdicts()) == 3 and "rerun" not in store.verdicts()[1].reasoning
    store.judge(ticket.id, "rejected", "bob", reason="load test")
    store.close()
    reopened = Store(url)  # tables exist: opening again creates nothing and loses nothing
    assert len(reopened.verdicts()) == 3 and reopened.tickets()[0].state == "resolved"
    [judged] = reopened.feedback(ticket.id)
    assert (judged.judgement, judged.judged_by, judged.reason) == ("rejected", "bob", "load test")


def _writer(url: str, minutes: list[int], errors: multiprocessing.Queue) -> None:
    try:
        store = Store(url, alert_builder=AlertBuilder())
        for i in minutes:
            for n in range(3):
                status = (
                    Status.NORMAL
                    if i % 4 == 0
                    else Status.WARNING
                    if i % 4 < 3
                    else Status.CRITICAL
                )
                store.record(verdict(f"svc{n}", at(i), status))
        store.close()
        errors.put("")
    except Exception as exc:  # reported to the parent: a child's traceback is not a failure
        errors.put(f"{type(exc).__name__}: {exc}")


@pytest.mark.parametrize("split", ["same checks", "interleaved checks"])
def test_concurrent_processes_open_each_ticket_once(url, split):
    """Two replicas recording the same checks (every upsert races) or alternate checks of the
    same services (every ticket opening races): nothing fails, nothing is duplicated."""
    minutes = list(range(40))
    parts = [minutes, minutes] if split == "same checks" else [minutes[0::2], minutes[1::2]]
    parts += parts  # four writers
    errors = FORK.Queue()
    procs = [FORK.Process(target=_writer, args=(url, p, errors)) for p in parts]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    assert [errors.get(timeout=5) for _ in procs] == [""] * len(procs)
    store = Store(url)
    assert len(store.verdicts()) == 3 * 40
    assert store.tickets()
    assert_consistent(store)


def test_two_sentinel_run_loops_share_one_database_without_duplicates(pg, url, tmp_path):
    """Two replicas of the loop (10 s each: the 02:00 spike opens and resolves tickets)."""
    make_fixture(tmp_path)
    write_config(tmp_path / "services.yaml", {"svc-a": 300, "svc-b": 600})
    procs, logs = zip(
        *(start_run(tmp_path, f"run{n}.log", "--duration", "10", db=url) for n in range(2)),
        strict=True,
    )
    try:
        for proc, log in zip(procs, logs, strict=True):
            assert proc.wait(180) == 0, log.read_text()[-3000:]
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
    store = Store(url)
    assert store.tickets(), "the spikes should have opened tickets"
    assert_consistent(store)
    done = [e for log in logs for e in events(log) if e["event"] == "check_done"]
    assert not [e for log in logs for e in events(log) if e.get("kind") == "store"]
    # both replicas checked the same scheduled times: each check is recorded by one of them
    # and recognised as a duplicate by the other
    recorded = [e for e in done if not e["duplicate"]]
    assert len(recorded) == len(store.verdicts()) < len(done)
    assert len({(v.service, v.checked_at) for v in store.verdicts()}) == len(store.verdicts())


def test_the_store_reconnects_after_the_server_is_killed_and_restarted():
    server = PostgresServer()
    try:
        with server.running():
            url = server.create_database("crash")
            store = Store(url, alert_builder=AlertBuilder(), lock_retries=2)
            store.record(verdict("api", at(1), Status.WARNING))
            store.record(verdict("db", at(1), Status.CRITICAL))
            kill_group(int((server.data / "postmaster.pid").read_text().split()[0]))
            # down: a clear StoreError that hides the password, not a hang or a traceback
            with pytest.raises(StoreError, match="unavailable after 2 attempts") as down:
                store.record(verdict("api", at(2), Status.CRITICAL))
            assert server.PASSWORD not in str(down.value)
        with server.running():  # crash recovery from the WAL, same data and port
            assert store.record(verdict("api", at(2), Status.CRITICAL)).move == "escalate"
            assert store.record(verdict("api", at(1), Status.WARNING)).duplicate
            tickets = {t.service: t for t in store.tickets()}
            assert tickets["api"].severity == Status.CRITICAL and tickets["db"].state == "open"
            assert [o.event for o in store.outbox()] == ["firing", "firing", "escalate:CRITICAL"]
            assert len(store.verdicts()) == 3
            store.close()
    finally:
        server.remove()


def _ledger_call(url: str, results: multiprocessing.Queue) -> None:
    guard = CostGuard(calls_per_hour=3, ledger=url)
    try:
        guard.admit(T0)
    except BudgetExceeded:
        results.put(0)
        return
    guard.record(T0, 0.25)
    results.put(1)


def test_the_ledgers_advisory_lock_holds_the_call_cap_across_processes(url):
    results = FORK.Queue()
    procs = [FORK.Process(target=_ledger_call, args=(url, results)) for _ in range(8)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    assert sum(results.get(timeout=5) for _ in procs) == 3
    guard = CostGuard(monthly_budget_usd=0.75, ledger=url)
    assert guard.month_spend(T0) == pytest.approx(0.75)
    with pytest.raises(BudgetExceeded, match="monthly_budget_usd"):
        guard.admit(T0 + timedelta(hours=2))
