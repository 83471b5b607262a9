"""Pure ticket logic: what a new verdict does to the service's open ticket, and the read models."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sentinel.models import Status, Verdict
from sentinel.store.schema import OutboxRow, TicketRow

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


def holds_open(ticket: TicketRow, verdict: Verdict) -> bool:
    """Whether the verdict left unjudged a metric the ticket was raised on (any, if it names none)."""
    if not verdict.unjudged:
        return False
    raised_on = {a.get("metric") for a in json.loads(ticket.anomalies_json)}
    return not raised_on or bool(raised_on & set(verdict.unjudged))


def outbox_item(r: OutboxRow) -> OutboxItem:
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
