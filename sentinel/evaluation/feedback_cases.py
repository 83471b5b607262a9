"""An engineer's judgement of a ticket as an eval case: the window, the verdict and the label.

A confirmed ticket becomes an incident window (`min_severity`, WARNING by default); a rejected
one (a false positive) becomes a hard negative the checker must stay below WARNING on. The
window runs from the start of the recent window judged at the opening check to the ticket's
resolution (or its last check while open), and the case replays it padded either side, clipped
to the fixture that holds the data. The case names the ticket, who judged it, when and why, so
the next `sentinel eval run` scores it like any other.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import yaml

from sentinel.errors import FixtureError
from sentinel.evaluation.cases import CaseFeedback, CaseManifest, CaseTags, Period
from sentinel.models import FixtureManifest, LabelledWindow, Status
from sentinel.store import Feedback, Ticket

FEEDBACK_HEADER = (
    "# Eval case from an engineer's judgement of a ticket (docs/evals.md). Written by\n"
    "# `sentinel eval add-case --from-ticket`; `sentinel eval make-cases` keeps it.\n"
)


def ticket_window(ticket: Ticket, window_minutes: int) -> tuple[datetime, datetime]:
    """From the start of the data the opening check judged to the resolution (or last check)."""
    start = ticket.opened_at - timedelta(minutes=window_minutes)
    end = ticket.resolved_at or ticket.last_checked_at
    return start, max(end, ticket.opened_at + timedelta(minutes=1))


def case_from_ticket(
    ticket: Ticket,
    feedback: Feedback,
    fixture: FixtureManifest,
    window_minutes: int,
    pad: timedelta = timedelta(hours=6),
    kind: str | None = None,
    min_severity: Status = Status.WARNING,
) -> CaseManifest:
    """The case for one judged ticket, over data held by `fixture`."""
    start, end = ticket_window(ticket, window_minutes)
    if start < fixture.start or end > fixture.end:
        raise FixtureError(
            f"ticket {ticket.id} ({start:%Y-%m-%dT%H:%M}Z..{end:%Y-%m-%dT%H:%M}Z) lies outside "
            f"fixture {fixture.name!r} ({fixture.start:%Y-%m-%dT%H:%M}Z.."
            f"{fixture.end:%Y-%m-%dT%H:%M}Z): record that stretch first (`sentinel record`) "
            f"and pass it with --fixture"
        )
    rejected = feedback.false_positive
    kind = kind or ("false_positive" if rejected else "confirmed_incident")
    who = f"{feedback.judgement} by {feedback.judged_by} {feedback.judged_at:%Y-%m-%d %H:%M}Z"
    note = f"ticket {ticket.id} {who}" + (f": {feedback.reason}" if feedback.reason else "")
    window = LabelledWindow(
        start=start,
        end=end,
        kind=kind,
        min_severity=None if rejected else min_severity,
        hard_negative=rejected,
        metrics=sorted({str(a["metric"]) for a in ticket.anomalies if a.get("metric")}),
        note=note,
    )
    slug = re.sub(r"[^a-z0-9_.-]+", "-", ticket.service.lower()).strip("-") or "service"
    return CaseManifest(
        id=f"{slug}-ticket-{ticket.id}-{ticket.opened_at:%m%d-%H%M}",
        description=f"{'false positive' if rejected else 'confirmed incident'}: {note}",
        fixture=fixture.name,
        service=ticket.service,
        period=Period(
            start=max(fixture.start, (start - pad).replace(minute=0, second=0, microsecond=0)),
            end=min(fixture.end, end + pad),
        ),
        windows=[window],
        tags=CaseTags(
            kind=kind,
            difficulty="hard" if rejected else "medium",
            hard_negative=rejected,
            extra=["feedback"],
        ),
        feedback=CaseFeedback(
            ticket=ticket.id,
            judgement=feedback.judgement,
            judged_by=feedback.judged_by,
            judged_at=feedback.judged_at,
            reason=feedback.reason,
            verdict=f"{ticket.severity.value}: {' '.join(ticket.summary.split())}",
        ),
    )


def write_feedback_case(case: CaseManifest, directory: Path) -> Path:
    """Write (or replace: the newest judgement counts) the case's YAML, named after its id."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{case.id}.yaml"
    body = case.model_dump(mode="json", exclude_defaults=True)
    body["tags"] = case.tags.model_dump(mode="json")
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(FEEDBACK_HEADER + yaml.safe_dump(body, sort_keys=False, width=99))
    tmp.replace(path)
    return path
