"""Engineers' judgements of tickets (confirmed incident or false positive), kept with who and when.

A judgement is appended, never overwritten: judging a ticket again records a second row and
the newest one counts, so the history of a disputed ticket is not lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from sentinel.errors import SentinelError
from sentinel.redact import redact
from sentinel.store.schema import FeedbackRow, TicketRow

Judgement = Literal["confirmed", "rejected"]
JUDGEMENTS: tuple[Judgement, ...] = ("confirmed", "rejected")


@dataclass(frozen=True)
class Feedback:
    id: int
    ticket_id: int
    judgement: Judgement
    reason: str
    judged_by: str
    judged_at: datetime

    @property
    def false_positive(self) -> bool:
        return self.judgement == "rejected"


def add_feedback(
    session: Session,
    ticket_id: int,
    judgement: Judgement,
    judged_by: str,
    reason: str = "",
    at: datetime | None = None,
) -> Feedback:
    """Append a judgement of `ticket_id`; a missing ticket or an unknown judgement is an error."""
    if judgement not in JUDGEMENTS:
        raise SentinelError(f"judgement {judgement!r}: use one of {', '.join(JUDGEMENTS)}")
    if not judged_by.strip():
        raise SentinelError("who judged the ticket is required (--by, or $SENTINEL_USER)")
    if session.get(TicketRow, ticket_id) is None:
        raise SentinelError(f"no ticket {ticket_id} (see `sentinel tickets list`)")
    row = FeedbackRow(
        ticket_id=ticket_id,
        judgement=judgement,
        reason=redact(reason)[:4000],
        judged_by=judged_by.strip()[:200],
        judged_at=(at or datetime.now(UTC)).astimezone(UTC),
    )
    session.add(row)
    session.flush()
    return _feedback(row)


def feedback_of(session: Session, ticket_id: int | None = None) -> list[Feedback]:
    """Judgements in the order they were made, of one ticket or of all."""
    q = select(FeedbackRow).order_by(FeedbackRow.id)
    if ticket_id is not None:
        q = q.where(FeedbackRow.ticket_id == ticket_id)
    return [_feedback(r) for r in session.scalars(q).all()]


def _feedback(r: FeedbackRow) -> Feedback:
    judgement: Judgement = "rejected" if r.judgement == "rejected" else "confirmed"
    return Feedback(r.id, r.ticket_id, judgement, r.reason, r.judged_by, r.judged_at)
