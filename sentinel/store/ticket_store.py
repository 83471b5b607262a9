"""Verdicts, tickets and the alert outbox in one SQL database (SQLite by default, PostgreSQL by URL).

One transaction per check records the verdict, moves the service's ticket (open on WARNING or
CRITICAL, escalate, resolve on NORMAL) and queues the matching Alertmanager event in the outbox.
Unique constraints make it idempotent: recording the same (service, checked_at) twice changes
nothing, so a crashed and restarted loop can re-run checks without duplicating a ticket or alert.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import structlog
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from tenacity import RetryCallState, retry, retry_if_exception, stop_after_attempt, wait_exponential

from sentinel.models import Status, Verdict
from sentinel.redact import redact, redact_model
from sentinel.store.engine import (
    StoreError,
    create_tables,
    database_url,
    ensure_sqlite_folder,
    is_locked,
    is_transient,
    lock_key,
    make_engine,
    safe_url,
)
from sentinel.store.feedback import Feedback, Judgement, add_feedback, feedback_of
from sentinel.store.schema import Base, OutboxRow, TicketRow, VerdictRow
from sentinel.store.tickets import (
    AlertBuilder,
    OutboxItem,
    RecordResult,
    Ticket,
    due_in_ticket_order,
    holds_open,
    outbox_item,
    ticket_move,
)

log = structlog.get_logger("sentinel.store")


class Store:
    """Thread-safe persistence of verdicts, tickets and the alert outbox."""

    def __init__(
        self,
        url: str,
        alert_builder: AlertBuilder | None = None,
        busy_timeout_s: float = 5.0,
        lock_retries: int = 5,
        on_retry: Callable[[str], None] | None = None,
    ) -> None:
        self.url = url
        self.alert_builder = alert_builder
        self.lock_retries = lock_retries
        self.on_retry = on_retry
        self.busy_timeout_s = busy_timeout_s
        self.engine = make_engine(url, busy_timeout_s)
        self._write_lock = threading.Lock() if self.engine.dialect.name == "sqlite" else None
        try:
            create_tables(self.engine, Base.metadata)
        except OperationalError as exc:
            raise StoreError(f"cannot open ticket store {safe_url(url)}: {exc.orig}") from exc

    @classmethod
    def open(cls, db: str | Path | None = None, **kwargs: Any) -> Store:
        url = database_url(db)
        ensure_sqlite_folder(url)
        return cls(url, **kwargs)

    # -- writes --------------------------------------------------------------------------------

    def record(self, verdict: Verdict) -> RecordResult:
        """Persist a verdict and apply its ticket move atomically; a repeat is a no-op.

        What is stored (verdict JSON, ticket text, alert payloads) has credentials blanked."""
        clean = redact_model(verdict)
        return self._write(lambda s: self._record(s, clean))

    def _record(self, session: Session, verdict: Verdict) -> RecordResult:
        now = datetime.now(UTC)
        at = verdict.checked_at.astimezone(UTC)
        if self.engine.dialect.name == "postgresql":
            # Writers of one service take turns (two replicas, or threads of one loop): without
            # it both can see no open ticket and open one each (SQLite: BEGIN IMMEDIATE).
            lock_key("sentinel_ticket", verdict.service, session.connection())
        latest = session.scalar(
            select(func.max(VerdictRow.checked_at)).where(VerdictRow.service == verdict.service)
        )
        ins = self._insert(VerdictRow).values(
            service=verdict.service,
            checked_at=at,
            status=verdict.status.value,
            json=verdict.model_dump_json(),
            recorded_at=now,
        )
        # RETURNING, not rowcount: psycopg reports no rowcount for a skipped ORM insert.
        verdict_id = session.scalar(
            ins.on_conflict_do_nothing(index_elements=["service", "checked_at"]).returning(
                VerdictRow.id
            )
        )
        if verdict_id is None:
            return RecordResult(duplicate=True)
        if latest is not None and latest > at:
            # An older check arriving late (e.g. after a restart) is history, not news.
            return RecordResult(duplicate=False, stale=True)
        ticket = session.scalars(
            select(TicketRow).where(TicketRow.service == verdict.service, TicketRow.state == "open")
        ).one_or_none()
        move = ticket_move(
            Status(ticket.severity) if ticket else None,
            verdict.status,
            ticket is not None and holds_open(ticket, verdict),
        )
        if move == "none":
            return RecordResult(duplicate=False)
        summary = verdict.one_line()
        anomalies = json.dumps([a.model_dump(mode="json") for a in verdict.anomalies])
        if move == "open":
            ticket = TicketRow(
                service=verdict.service,
                state="open",
                severity=verdict.status.value,
                opened_at=at,
                last_status=verdict.status.value,
                last_checked_at=at,
                summary=summary,
                reasoning=verdict.reasoning,
                anomalies_json=anomalies,
                opened_verdict_id=verdict_id,
            )
            session.add(ticket)
            session.flush()
        else:
            assert ticket is not None
            previous = Ticket.from_row(ticket)
            ticket.last_status = verdict.status.value
            ticket.last_checked_at = at
            if move == "escalate":
                ticket.severity = verdict.status.value
                ticket.summary, ticket.reasoning = summary, verdict.reasoning
                ticket.anomalies_json = anomalies
            elif move == "resolve":
                ticket.state, ticket.resolved_at = "resolved", at
            session.flush()
        if move in {"open", "escalate", "resolve"}:
            event_name = {"open": "firing", "resolve": "resolved"}.get(
                move, f"escalate:{verdict.status.value}"
            )
            current = Ticket.from_row(ticket)
            payload = self._payload(
                current, event_name, at, previous if move == "escalate" else None
            )
            session.add(
                OutboxRow(
                    ticket_id=ticket.id,
                    event=event_name,
                    payload=json.dumps(payload),
                    created_at=now,
                    attempts=0,
                    next_attempt_at=now,
                    last_error="",
                )
            )
        return RecordResult(duplicate=False, move=move, ticket_id=ticket.id)

    def _payload(
        self, ticket: Ticket, event_name: str, at: datetime, previous: Ticket | None
    ) -> list[dict[str, Any]]:
        if self.alert_builder is None:
            return []
        alerts = []
        if previous is not None:  # escalation changes the severity label: end the old alert
            alerts += self.alert_builder(previous, "resolved", at)
        alerts += self.alert_builder(
            ticket, "resolved" if event_name == "resolved" else "firing", at
        )
        return alerts

    def mark_delivered(self, outbox_id: int) -> None:
        def go(s: Session) -> None:
            row = s.get(OutboxRow, outbox_id)
            if row is not None:
                row.delivered_at = datetime.now(UTC)
                row.attempts += 1
                row.last_error = ""

        self._write(go)

    def mark_failed(self, outbox_id: int, error: str, retry_in: timedelta) -> None:
        def go(s: Session) -> None:
            row = s.get(OutboxRow, outbox_id)
            if row is not None:
                row.attempts += 1
                row.last_error = redact(error)[:2000]
                row.next_attempt_at = datetime.now(UTC) + retry_in

        self._write(go)

    # -- reads ---------------------------------------------------------------------------------

    def pending_outbox(self, now: datetime | None = None, limit: int = 100) -> list[OutboxItem]:
        """Undelivered events in creation order; with `now`, only those due by then whose
        ticket has no earlier event still backing off (a resolution never overtakes its
        firing)."""
        q = select(OutboxRow).where(OutboxRow.delivered_at.is_(None)).order_by(OutboxRow.id)
        with Session(self.engine) as s:
            items = [outbox_item(r) for r in s.scalars(q).all()]
        if now is None:
            return items[:limit]
        return due_in_ticket_order(items, now)[:limit]

    def outbox(self, ticket_id: int | None = None) -> list[OutboxItem]:
        q = select(OutboxRow).order_by(OutboxRow.id)
        if ticket_id is not None:
            q = q.where(OutboxRow.ticket_id == ticket_id)
        with Session(self.engine) as s:
            return [outbox_item(r) for r in s.scalars(q).all()]

    def outbox_depth(self) -> int:
        with Session(self.engine) as s:
            return (
                s.scalar(
                    select(func.count())
                    .select_from(OutboxRow)
                    .where(OutboxRow.delivered_at.is_(None))
                )
                or 0
            )

    def tickets(self, state: str | None = None, service: str | None = None) -> list[Ticket]:
        q = select(TicketRow).order_by(TicketRow.id)
        if state:
            q = q.where(TicketRow.state == state)
        if service:
            q = q.where(TicketRow.service == service)
        with Session(self.engine) as s:
            return [Ticket.from_row(r) for r in s.scalars(q).all()]

    def ticket(self, ticket_id: int) -> Ticket | None:
        with Session(self.engine) as s:
            row = s.get(TicketRow, ticket_id)
            return Ticket.from_row(row) if row else None

    def judge(
        self,
        ticket_id: int,
        judgement: Judgement,
        judged_by: str,
        reason: str = "",
        at: datetime | None = None,
    ) -> Feedback:
        """Record an engineer's judgement of a ticket (sentinel.store.feedback)."""
        return self._write(lambda s: add_feedback(s, ticket_id, judgement, judged_by, reason, at))

    def feedback(self, ticket_id: int | None = None) -> list[Feedback]:
        with Session(self.engine) as s:
            return feedback_of(s, ticket_id)

    def verdict_at(self, service: str, checked_at: datetime) -> Verdict | None:
        """The verdict recorded for one check (e.g. the one that opened a ticket)."""
        q = select(VerdictRow.json).where(
            VerdictRow.service == service, VerdictRow.checked_at == checked_at
        )
        with Session(self.engine) as s:
            found = s.scalar(q)
        return Verdict.model_validate_json(found) if found else None

    def verdicts(
        self, service: str | None = None, since: datetime | None = None, limit: int | None = None
    ) -> list[Verdict]:
        """Recorded verdicts in insertion order."""
        q = select(VerdictRow.json).order_by(VerdictRow.id)
        if service:
            q = q.where(VerdictRow.service == service)
        if since:
            q = q.where(VerdictRow.checked_at >= since)
        if limit:
            q = q.limit(limit)
        with Session(self.engine) as s:
            return [Verdict.model_validate_json(j) for j in s.scalars(q).all()]

    def close(self) -> None:
        self.engine.dispose()

    # -- plumbing ------------------------------------------------------------------------------

    def _insert(self, table: type[Base]) -> Any:
        return (pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert)(table)

    def _write(self, fn: Callable[[Session], Any]) -> Any:
        """Run `fn` in one transaction, retrying while the database is locked or busy."""

        def before_sleep(state: RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            kind = "db_locked" if exc is not None and is_locked(exc) else "db_unavailable"
            log.warning("store_retry", kind=kind, attempt=state.attempt_number, error=str(exc))
            if self.on_retry:
                self.on_retry(kind)

        @retry(
            retry=retry_if_exception(is_transient),
            stop=stop_after_attempt(self.lock_retries),
            wait=wait_exponential(multiplier=0.05, max=2.0),
            before_sleep=before_sleep,
            reraise=True,
        )
        def attempt() -> Any:
            if self._write_lock is not None:
                with self._write_lock, Session(self.engine) as s, s.begin():
                    return fn(s)
            with Session(self.engine) as s, s.begin():
                return fn(s)

        try:
            return attempt()
        except OperationalError as exc:
            what = "locked" if is_locked(exc) else "unavailable"
            raise StoreError(
                f"ticket store {safe_url(self.url)} {what} after {self.lock_retries} attempts: "
                f"{exc.orig}"
            ) from exc
