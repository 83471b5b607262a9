"""Verdicts, tickets and the alert outbox in one SQL database (SQLite by default, PostgreSQL by URL).

One transaction per check records the verdict, moves the service's ticket (open on WARNING or
CRITICAL, escalate, resolve on NORMAL) and queues the matching Alertmanager event in the outbox.
Unique constraints make it idempotent: recording the same (service, checked_at) twice changes
nothing, so a crashed and restarted loop can re-run checks without duplicating a ticket or alert.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import structlog
from sqlalchemy import (
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    func,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlalchemy.types import TypeDecorator
from tenacity import RetryCallState, retry, retry_if_exception, stop_after_attempt, wait_exponential

from sentinel.config import PROJECT_ROOT, Settings
from sentinel.errors import SentinelError
from sentinel.models import Status, Verdict
from sentinel.redact import redact, redact_model

DEFAULT_DB = PROJECT_ROOT / "var" / "sentinel.db"
log = structlog.get_logger("sentinel.store")


class StoreError(SentinelError):
    """The database is locked, down or rejected a write, even after retries."""


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out on every backend (SQLite stores naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use UTC-aware datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class VerdictRow(Base):
    __tablename__ = "verdicts"
    __table_args__ = (UniqueConstraint("service", "checked_at", name="uq_verdict_service_time"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service: Mapped[str] = mapped_column(String(200), index=True)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16))
    json: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TicketRow(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        UniqueConstraint("service", "opened_at", name="uq_ticket_service_opened"),
        # At most one open ticket per service, enforced by the database itself.
        Index(
            "uq_ticket_one_open",
            "service",
            unique=True,
            sqlite_where=text("state = 'open'"),
            postgresql_where=text("state = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service: Mapped[str] = mapped_column(String(200), index=True)
    state: Mapped[str] = mapped_column(String(16))  # open | resolved
    severity: Mapped[str] = mapped_column(String(16))  # worst status seen while open
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_status: Mapped[str] = mapped_column(String(16))
    last_checked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    summary: Mapped[str] = mapped_column(Text)
    reasoning: Mapped[str] = mapped_column(Text)
    anomalies_json: Mapped[str] = mapped_column(Text)
    opened_verdict_id: Mapped[int] = mapped_column(ForeignKey("verdicts.id"))


class OutboxRow(Base):
    __tablename__ = "outbox"
    __table_args__ = (UniqueConstraint("ticket_id", "event", name="uq_outbox_ticket_event"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    event: Mapped[str] = mapped_column(String(40))  # firing | escalate:<STATUS> | resolved
    payload: Mapped[str] = mapped_column(Text)  # the JSON list POSTed to /api/v2/alerts
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str] = mapped_column(Text, default="")


# ---------------------------------------------------------------------------------------------
# Pure ticket logic: what a new verdict does to the service's open ticket.
# ---------------------------------------------------------------------------------------------

TicketMove = Literal["open", "escalate", "resolve", "update", "none"]


def ticket_move(
    open_severity: Status | None, status: Status, unjudged_ticket_metric: bool = False
) -> TicketMove:
    """Open on WARNING/CRITICAL, escalate to a worse alerting status, resolve on NORMAL.

    WATCH and UNKNOWN leave an open ticket open (no data is not recovery), and so does a
    NORMAL that could not judge a metric the ticket was raised on.
    """
    if open_severity is None:
        return "open" if status.alerts else "none"
    if status == Status.NORMAL:
        return "update" if unjudged_ticket_metric else "resolve"
    if status.alerts and status > open_severity:
        return "escalate"
    return "update"


@dataclass(frozen=True)
class RecordResult:
    """What recording one verdict did."""

    duplicate: bool
    move: TicketMove = "none"
    ticket_id: int | None = None
    stale: bool = False

    @property
    def queued_alert(self) -> bool:
        return self.move in {"open", "escalate", "resolve"}


@dataclass(frozen=True)
class Ticket:
    id: int
    service: str
    state: str
    severity: Status
    opened_at: datetime
    last_status: Status
    last_checked_at: datetime
    resolved_at: datetime | None
    summary: str
    reasoning: str
    anomalies: list[dict[str, Any]]

    @classmethod
    def from_row(cls, row: TicketRow) -> Ticket:
        return cls(
            id=row.id,
            service=row.service,
            state=row.state,
            severity=Status(row.severity),
            opened_at=row.opened_at,
            last_status=Status(row.last_status),
            last_checked_at=row.last_checked_at,
            resolved_at=row.resolved_at,
            summary=row.summary,
            reasoning=row.reasoning,
            anomalies=json.loads(row.anomalies_json),
        )


@dataclass(frozen=True)
class OutboxItem:
    id: int
    ticket_id: int
    event: str
    payload: list[dict[str, Any]]
    attempts: int
    next_attempt_at: datetime
    delivered_at: datetime | None
    last_error: str


# The alert payload is built by notify.py; the store only needs a function to call.
AlertBuilder = Callable[[Ticket, str, datetime], list[dict[str, Any]]]


def _is_locked(exc: BaseException) -> bool:
    if not isinstance(exc, OperationalError):
        return False
    msg = str(exc.orig if exc.orig is not None else exc).lower()
    return "locked" in msg or "busy" in msg


def _is_transient(exc: BaseException) -> bool:
    """Locked, busy, connection refused or dropped: the DBAPI's OperationalError family."""
    return isinstance(exc, OperationalError)


def database_url(db: str | Path | None = None, settings: Settings | None = None) -> str:
    """`--db` (a path or URL) wins, then DATABASE_URL, then var/sentinel.db."""
    if db is not None:
        s = str(db)
        return s if "://" in s else f"sqlite:///{Path(s).expanduser().resolve()}"
    settings = settings or Settings()
    if settings.database_url is not None:
        return settings.database_url.get_secret_value()
    return f"sqlite:///{DEFAULT_DB}"


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
        self.engine = _make_engine(url, busy_timeout_s)
        self._write_lock = threading.Lock() if self.engine.dialect.name == "sqlite" else None
        try:
            Base.metadata.create_all(self.engine)
        except OperationalError as exc:
            raise StoreError(f"cannot open ticket store {_safe_url(url)}: {exc.orig}") from exc

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
        result = session.execute(
            ins.on_conflict_do_nothing(index_elements=["service", "checked_at"])
        )
        if result.rowcount == 0:
            return RecordResult(duplicate=True)
        verdict_id = session.scalar(
            select(VerdictRow.id).where(
                VerdictRow.service == verdict.service, VerdictRow.checked_at == at
            )
        )
        if latest is not None and latest > at:
            # An older check arriving late (e.g. after a restart) is history, not news.
            return RecordResult(duplicate=False, stale=True)
        ticket = session.scalars(
            select(TicketRow).where(TicketRow.service == verdict.service, TicketRow.state == "open")
        ).one_or_none()
        move = ticket_move(
            Status(ticket.severity) if ticket else None,
            verdict.status,
            ticket is not None and _holds_open(ticket, verdict),
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
            items = [_outbox_item(r) for r in s.scalars(q).all()]
        if now is None:
            return items[:limit]
        return due_in_ticket_order(items, now)[:limit]

    def outbox(self, ticket_id: int | None = None) -> list[OutboxItem]:
        q = select(OutboxRow).order_by(OutboxRow.id)
        if ticket_id is not None:
            q = q.where(OutboxRow.ticket_id == ticket_id)
        with Session(self.engine) as s:
            return [_outbox_item(r) for r in s.scalars(q).all()]

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
            kind = "db_locked" if exc is not None and _is_locked(exc) else "db_unavailable"
            log.warning("store_retry", kind=kind, attempt=state.attempt_number, error=str(exc))
            if self.on_retry:
                self.on_retry(kind)

        @retry(
            retry=retry_if_exception(_is_transient),
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
            what = "locked" if _is_locked(exc) else "unavailable"
            raise StoreError(
                f"ticket store {_safe_url(self.url)} {what} after {self.lock_retries} attempts: "
                f"{exc.orig}"
            ) from exc


def due_in_ticket_order(pending: list[OutboxItem], now: datetime) -> list[OutboxItem]:
    """The due events of `pending` (creation order), skipping every event queued behind an
    earlier one of the same ticket that is not due yet."""
    blocked: set[int] = set()
    due = []
    for item in pending:
        if item.ticket_id in blocked:
            continue
        if item.next_attempt_at > now:
            blocked.add(item.ticket_id)
            continue
        due.append(item)
    return due


def _holds_open(ticket: TicketRow, verdict: Verdict) -> bool:
    """Whether the verdict left unjudged a metric the ticket was raised on (any, if it names none)."""
    if not verdict.unjudged:
        return False
    raised_on = {a.get("metric") for a in json.loads(ticket.anomalies_json)}
    return not raised_on or bool(raised_on & set(verdict.unjudged))


def _outbox_item(r: OutboxRow) -> OutboxItem:
    return OutboxItem(
        id=r.id,
        ticket_id=r.ticket_id,
        event=r.event,
        payload=json.loads(r.payload),
        attempts=r.attempts,
        next_attempt_at=r.next_attempt_at,
        delivered_at=r.delivered_at,
        last_error=r.last_error,
    )


def _safe_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<database>"


def ensure_sqlite_folder(url: str) -> None:
    """Create the folder of a SQLite file (a fresh clone has no var/); other URLs untouched."""
    if url.startswith("sqlite:///") and ":memory:" not in url:
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


def _make_engine(url: str, busy_timeout_s: float) -> Engine:
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(
        url, connect_args={"timeout": busy_timeout_s, "check_same_thread": False}
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # let SQLAlchemy's BEGIN below be the only one
        cur = dbapi_conn.cursor()
        if ":memory:" not in url:
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Take the write lock up front so two writers never deadlock upgrading a read lock.
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine
