"""`sentinel tickets list|show|confirm|reject`: the anomaly tickets the loop opened and resolved,
and engineers' judgement of them (which `sentinel eval add-case --from-ticket` turns into cases)."""

from __future__ import annotations

from typing import Annotated

import typer

from sentinel.cli import ConfigOption, DbOption, app
from sentinel.errors import SentinelError

tickets_app = typer.Typer(
    help="List, show, confirm and reject anomaly tickets.", no_args_is_help=True
)
app.add_typer(tickets_app, name="tickets")

ByOption = Annotated[
    str | None,
    typer.Option(
        metavar="NAME",
        help="Who judges [default: $SENTINEL_USER, else the login name].",
        show_default=False,
    ),
]
TicketId = Annotated[
    int, typer.Argument(metavar="TICKET_ID", help="Ticket id, as `sentinel tickets list` shows.")
]


@tickets_app.command("list")
def list_tickets(
    state: Annotated[str, typer.Option(metavar="STATE", help="open, resolved or all.")] = "all",
    service: Annotated[
        str | None,
        typer.Option(
            metavar="NAME", help="Only this service [default: every service].", show_default=False
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """One line per ticket, newest last."""
    from sentinel.store import Store

    if state not in {"open", "resolved", "all"}:
        raise SentinelError(f"--state {state!r}: use open, resolved or all")
    store = Store.open(db)
    tickets = store.tickets(state=None if state == "all" else state, service=service)
    if not tickets:
        typer.echo("no tickets")
        return
    typer.echo(f"{'ID':>5}  {'STATE':<9} {'SEVERITY':<9} {'SERVICE':<20} {'OPENED':<17} RESOLVED")
    for t in tickets:
        resolved = f"{t.resolved_at:%Y-%m-%d %H:%M}" if t.resolved_at else "-"
        typer.echo(
            f"{t.id:>5}  {t.state:<9} {t.severity.value:<9} {t.service:<20} "
            f"{t.opened_at:%Y-%m-%d %H:%M}  {resolved}"
        )


@tickets_app.command("show")
def show_ticket(ticket_id: TicketId, db: DbOption = None) -> None:
    """A ticket's details, anomalies and the delivery state of its alerts."""
    from sentinel.store import Store

    store = Store.open(db)
    t = store.ticket(ticket_id)
    if t is None:
        raise SentinelError(f"no ticket {ticket_id}")
    typer.echo(f"ticket {t.id}  {t.state}  {t.severity.value}  {t.service}")
    typer.echo(f"opened      {t.opened_at.isoformat()}")
    typer.echo(f"resolved    {t.resolved_at.isoformat() if t.resolved_at else '-'}")
    typer.echo(f"last check  {t.last_checked_at.isoformat()} {t.last_status.value}")
    typer.echo(f"summary     {t.summary}")
    typer.echo(f"reasoning   {t.reasoning}")
    for a in t.anomalies:
        typer.echo(
            f"  - {a['metric']}: {a['current_value']:.4g} vs baseline {a['baseline_value']:.4g} "
            f"({a['deviation_pct']:+.0f}%, {a['direction']}, confidence {a['confidence']:.2f})"
        )
    for f in store.feedback(ticket_id):
        reason = f": {f.reason}" if f.reason else ""
        typer.echo(
            f"judged      {f.judgement} by {f.judged_by} {f.judged_at:%Y-%m-%d %H:%M}Z{reason}"
        )
    typer.echo("alerts:")
    for item in store.outbox(ticket_id):
        state = (
            f"delivered {item.delivered_at:%Y-%m-%d %H:%M:%S}"
            if item.delivered_at
            else f"pending (attempts {item.attempts}, next {item.next_attempt_at:%H:%M:%S})"
        )
        error = (
            f"  last error: {item.last_error}" if item.last_error and not item.delivered_at else ""
        )
        typer.echo(f"  {item.event:<20} {state}{error}")


@tickets_app.command("confirm")
def confirm_ticket(
    ticket_id: TicketId,
    by: ByOption = None,
    note: Annotated[
        str,
        typer.Option(metavar="TEXT", help="Free text, e.g. the incident id.", show_default=False),
    ] = "",
    db: DbOption = None,
) -> None:
    """Record that the ticket was a real incident (then: sentinel eval add-case --from-ticket)."""
    from sentinel import feedback

    f = feedback.confirm(ticket_id, by=by, note=note, db=db)
    typer.echo(f"ticket {ticket_id} confirmed by {f.judged_by} at {f.judged_at:%Y-%m-%d %H:%M}Z")
    typer.echo(f"next: sentinel eval add-case --from-ticket {ticket_id}")


@tickets_app.command("reject")
def reject_ticket(
    ticket_id: TicketId,
    reason: Annotated[str, typer.Option(metavar="TEXT", help="Why it is a false positive.")],
    by: ByOption = None,
    suppress: Annotated[
        str | None,
        typer.Option(
            metavar="KIND",
            help="Also print a suppression for the services file: maintenance (the ticket's "
            "window) or known-issue (the service/metric from now on) [default: none].",
            show_default=False,
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(
            metavar="TIME",
            help="known-issue: expires then, ISO (UTC if no offset) [default: never].",
            show_default=False,
        ),
    ] = None,
    config: ConfigOption = None,
    db: DbOption = None,
) -> None:
    """Record that the ticket was a false positive; optionally print the matching suppression."""
    from sentinel import feedback

    if suppress not in {None, "maintenance", "known-issue"}:
        raise SentinelError(f"--suppress {suppress!r}: use maintenance or known-issue")
    f = feedback.reject(ticket_id, reason=reason, by=by, db=db)
    typer.echo(f"ticket {ticket_id} rejected by {f.judged_by} at {f.judged_at:%Y-%m-%d %H:%M}Z")
    if suppress is not None:
        kind = "maintenance" if suppress == "maintenance" else "known-issue"
        from sentinel.cli.record import parse_time

        expires = parse_time(until) if until else None
        typer.echo(feedback.suppression(ticket_id, kind=kind, db=db, config=config, until=expires))
    typer.echo(f"next: sentinel eval add-case --from-ticket {ticket_id} (a hard negative)")
