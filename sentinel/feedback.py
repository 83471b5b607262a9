"""Close the loop from a notebook or the CLI: judge a ticket, turn it into an eval case, and turn
a false positive into a suppression the assessor already applies.

    from sentinel import feedback
    feedback.confirm(3, by="alice")                       # sentinel tickets confirm 3
    feedback.reject(4, reason="planned failover")         # sentinel tickets reject 4 --reason ...
    feedback.add_case(3)                                  # sentinel eval add-case --from-ticket 3
    print(feedback.suppression(4, kind="maintenance"))    # YAML for detection.suppressions
"""

from __future__ import annotations

import getpass
import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

import yaml

from sentinel.config import FIXTURES_DIR, KnownIssue, Suppression, load_config
from sentinel.errors import SentinelError
from sentinel.models import Status
from sentinel.store import Feedback, Store, Ticket

SuppressionKind = Literal["maintenance", "known-issue"]


def current_user() -> str:
    """Who is judging: $SENTINEL_USER, else the login name."""
    return os.environ.get("SENTINEL_USER") or getpass.getuser()


def confirm(
    ticket_id: int, by: str | None = None, note: str = "", db: str | None = None
) -> Feedback:
    """Record that the ticket was a real incident."""
    return _judge(ticket_id, "confirmed", by, note, db)


def reject(ticket_id: int, reason: str, by: str | None = None, db: str | None = None) -> Feedback:
    """Record that the ticket was a false positive, and why."""
    if not reason.strip():
        raise SentinelError("a rejection needs a reason (--reason), e.g. 'planned failover'")
    return _judge(ticket_id, "rejected", by, reason, db)


def _judge(
    ticket_id: int,
    judgement: Literal["confirmed", "rejected"],
    by: str | None,
    why: str,
    db: str | None,
) -> Feedback:
    store = Store.open(db)
    try:
        return store.judge(ticket_id, judgement, by or current_user(), why)
    finally:
        store.close()


def judged_ticket(store: Store, ticket_id: int) -> tuple[Ticket, Feedback]:
    """The ticket and its newest judgement, or a clear error saying how to judge it."""
    ticket = store.ticket(ticket_id)
    if ticket is None:
        raise SentinelError(f"no ticket {ticket_id} (see `sentinel tickets list`)")
    judged = store.feedback(ticket_id)
    if not judged:
        raise SentinelError(
            f"ticket {ticket_id} has no judgement yet: `sentinel tickets confirm {ticket_id}` "
            f"or `sentinel tickets reject {ticket_id} --reason ...` first"
        )
    return ticket, judged[-1]


def _judged(ticket_id: int, db: str | None) -> tuple[Ticket, Feedback]:
    store = Store.open(db)
    try:
        return judged_ticket(store, ticket_id)
    finally:
        store.close()


def add_case(
    ticket_id: int,
    out: Path | None = None,
    db: str | None = None,
    config: Path | None = None,
    fixtures_dir: Path = FIXTURES_DIR,
    fixture: str | None = None,
    pad: timedelta = timedelta(hours=6),
    kind: str | None = None,
    min_severity: Status = Status.WARNING,
) -> Path:
    """Write the judged ticket as an eval case into `out` (default evals/cases); its path."""
    from sentinel.evaluation.cases import DEFAULT_SUITE
    from sentinel.evaluation.feedback_cases import case_from_ticket, write_feedback_case
    from sentinel.fixtures.files import manifest_path, read_manifest

    cfg = load_config(config)
    ticket, judgement = _judged(ticket_id, db)
    service = cfg.service(ticket.service)
    path = manifest_path(fixture or service.fixture or service.name, fixtures_dir)
    if not path.exists():
        raise SentinelError(
            f"no fixture {path} holds {ticket.service}'s data: record the ticket's stretch with "
            f"`sentinel record` and pass it with --fixture"
        )
    case = case_from_ticket(
        ticket,
        judgement,
        read_manifest(path),
        cfg.detection.window_minutes,
        pad=pad,
        kind=kind,
        min_severity=min_severity,
    )
    return write_feedback_case(case, out or DEFAULT_SUITE)


def suppression(
    ticket_id: int,
    kind: SuppressionKind = "maintenance",
    db: str | None = None,
    config: Path | None = None,
    until: datetime | None = None,
) -> str:
    """YAML to paste under `detection:` in the services file so the assessor caps the same
    anomalies at WATCH: a maintenance window over the ticket's stretch, or a known issue of the
    service (and metric, if the ticket names one) until `until`."""
    from sentinel.evaluation.feedback_cases import ticket_window

    cfg = load_config(config)
    ticket, judgement = _judged(ticket_id, db)
    if not judgement.false_positive:
        raise SentinelError(f"ticket {ticket_id} was confirmed, not rejected: nothing to suppress")
    why = f"ticket {ticket.id} false positive: {judgement.reason}"
    metrics = sorted({str(a["metric"]) for a in ticket.anomalies if a.get("metric")})
    if kind == "maintenance":
        start, end = ticket_window(ticket, cfg.detection.window_minutes)
        items: list[Suppression | KnownIssue] = [
            Suppression(
                start=start, end=end, services=[ticket.service], metrics=metrics, reason=why
            )
        ]
        key, hint = "suppressions", ""
    else:  # one per metric the ticket names: never the whole service unless it names none
        items = [
            KnownIssue(service=ticket.service, metric=m, until=until, note=why)
            for m in metrics or [None]
        ]
        key = "known_issues"
        hint = "" if until else "; no `until`: it caps them until you remove it"
    body = {"detection": {key: [i.model_dump(mode="json", exclude_none=True) for i in items]}}
    return (
        f"# add to {key} under detection: in your services file (then `sentinel run` reloads "
        f"on SIGHUP){hint}\n" + yaml.safe_dump(body, sort_keys=False, width=99)
    )
