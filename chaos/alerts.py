"""Alertmanager down for a while, then back (the real binary): every ticket event waits in the
outbox and is delivered once, none lost; the order of each ticket's events is measured too
(event order through outages is the faults helper's, #21)."""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

from chaos.table import Row, guarded, timed
from tests.fakehttp import Reply, fake_server
from tests.loop_fixtures import verdict
from tests.servers import free_port

GROUP = "alertmanager"


def _row(services: int) -> Row:
    from sentinel.models import Status
    from sentinel.notify import AlertBuilder, Notifier
    from sentinel.store import Store
    from tests.servers import alertmanager_server

    def hook(req):
        return Reply(200, {})

    with tempfile.TemporaryDirectory() as tmp, fake_server(hook) as webhook:
        store = Store.open(Path(tmp) / "s.db", alert_builder=AlertBuilder())
        now = datetime.now(UTC).replace(microsecond=0)
        names = [f"svc-{i}" for i in range(services)]
        for n in names:  # every service fires; half of them resolve during the outage
            store.record(verdict(n, now - timedelta(minutes=3), Status.WARNING))
        down = Notifier(store, f"http://127.0.0.1:{free_port()}", attempts=1, timeout_s=0.5)
        failed_rounds = 0
        for _ in range(3):
            failed_rounds += down.deliver_due() == 0
        for n in names[::2]:
            store.record(verdict(n, now - timedelta(minutes=1), Status.NORMAL))
        pending = store.outbox_depth()
        with alertmanager_server(Path(tmp), webhook.url + "/hook") as am, timed() as elapsed:
            back = Notifier(store, am.url)
            delivered = 0
            while store.outbox_depth() and elapsed() < 60:
                delivered += back.deliver_due(datetime.now(UTC) + timedelta(hours=1))
            drain_s = elapsed()
            time.sleep(2.5)  # group_wait/interval 1 s: let the webhook see the last group
            active = requests.get(am.url + "/api/v2/alerts", timeout=5).json()
        events = store.outbox()
        store.close()
    firing = [a["labels"]["service"] for a in active if a["status"]["state"] == "active"]
    want_firing = sorted(names[1::2])
    dupes = len(firing) - len(set(firing))
    lost = sorted(set(want_firing) - set(firing))
    stale = sorted(set(firing) - set(want_firing))
    per_ticket: dict[int, list[str]] = {}
    for e in sorted(events, key=lambda e: e.delivered_at or datetime.max.replace(tzinfo=UTC)):
        per_ticket.setdefault(e.ticket_id, []).append(e.event)
    out_of_order = sum(1 for evs in per_ticket.values() if evs and evs[0] != "firing")
    outcome = (
        f"{services} tickets, {pending} events queued while down ({failed_rounds} failed rounds); "
        f"back: {delivered} delivered in {drain_s:.1f} s; active in AM {len(firing)} "
        f"(want {len(want_firing)}): lost {len(lost)}, duplicated {dupes}, stale {len(stale)}; "
        f"tickets whose resolve went before firing: {out_of_order}; webhook posts {len(webhook.requests)}"
    )
    bad = (
        "LOST"
        if lost
        else "DUPLICATED"
        if dupes
        else "note (faults #21)"
        if stale or out_of_order
        else "ok"
    )
    return Row(GROUP, "down, then back", outcome, bad)


def rows(quick: bool = False) -> list[Row]:
    return [guarded(GROUP, "down, then back", lambda: _row(4 if quick else 20))]
