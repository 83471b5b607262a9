"""`sentinel run` as a real process: SIGKILL mid-cycle and restart lose or duplicate no ticket;
SIGTERM stops it cleanly; tickets reach a real Alertmanager; /metrics is served.

The loop runs on a small fixture with a fast simulated clock (1,800 simulated seconds per real
second) so spikes every six simulated hours open and resolve tickets within seconds.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import requests

from sentinel.models import Status
from sentinel.store import Store, ticket_move
from tests.loop_fixtures import make_fixture, write_config
from tests.servers import alertmanager_server, free_port
from tests.test_notify import Webhook

pytestmark = pytest.mark.slow


def start_run(
    tmp_path: Path, log_name: str, *extra: str, db: str | None = None
) -> tuple[subprocess.Popen, Path]:
    """`sentinel run` on the loop fixture in `tmp_path`, recording into `db` (a path or URL;
    default tmp_path/sentinel.db)."""
    log = tmp_path / log_name
    cmd = [
        sys.executable,
        "-m",
        "sentinel",
        "run",
        "--config",
        str(tmp_path / "services.yaml"),
        "--fixtures-dir",
        str(tmp_path),
        "--fixture-start",
        "2026-11-03T01:00Z",
        "--speed",
        "1800",
        "--db",
        db or str(tmp_path / "sentinel.db"),
        "--workers",
        "2",
        *extra,
    ]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
    return proc, log


def events(log: Path) -> list[dict]:
    out = []
    for line in log.read_text().splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return out


def wait_for(predicate, proc: subprocess.Popen, log: Path, timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if proc.poll() is not None:
            raise AssertionError(
                f"sentinel run exited {proc.returncode}: {log.read_text()[-3000:]}"
            )
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out; log tail: {log.read_text()[-3000:]}")
        time.sleep(0.1)


def expected_tickets(store: Store) -> list[tuple[str, str, str | None]]:
    """Replay recorded verdicts in the order they were recorded through the pure ticket rules."""
    latest: dict[str, object] = {}
    open_: dict[str, tuple[str, Status]] = {}
    tickets: list[list] = []
    for v in store.verdicts():
        stale = v.service in latest and latest[v.service] > v.checked_at
        latest[v.service] = max(latest.get(v.service, v.checked_at), v.checked_at)
        if stale:
            continue
        current = open_.get(v.service)
        move = ticket_move(current[1] if current else None, v.status)
        if move == "open":
            tickets.append([v.service, v.checked_at.isoformat(), None])
            open_[v.service] = (len(tickets) - 1, v.status)
        elif move == "escalate":
            open_[v.service] = (current[0], v.status)
        elif move == "resolve":
            tickets[current[0]][2] = v.checked_at.isoformat()
            del open_[v.service]
    return sorted(tuple(t) for t in tickets)


@pytest.fixture
def loop_dir(tmp_path):
    make_fixture(tmp_path)
    write_config(tmp_path / "services.yaml", {"svc-a": 300, "svc-b": 600})
    return tmp_path


def test_sigkill_mid_cycle_then_restart_loses_and_duplicates_no_ticket(loop_dir):
    db = loop_dir / "sentinel.db"
    proc, log = start_run(loop_dir, "first.log")
    try:
        # the 02:00 spike opens tickets about 2 s (real) after start; kill once one exists and
        # checks are still being made
        wait_for(lambda: db.exists() and Store.open(db).tickets(), proc, log)
        wait_for(lambda: sum(e["event"] == "check_done" for e in events(log)) >= 12, proc, log)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    before = Store.open(db)
    tickets_before = {(t.id, t.service, t.opened_at) for t in before.tickets()}
    resolved_before = {t.id: t.resolved_at for t in before.tickets() if t.state == "resolved"}
    verdicts_before = len(before.verdicts())
    assert tickets_before

    proc, log2 = start_run(loop_dir, "second.log", "--duration", "25")
    try:
        assert proc.wait(120) == 0, log2.read_text()[-3000:]
    finally:
        if proc.poll() is None:
            proc.kill()
    after = Store.open(db)
    tickets_after = after.tickets()
    # nothing lost: every ticket from before the crash is still there, unchanged where resolved
    assert tickets_before <= {(t.id, t.service, t.opened_at) for t in tickets_after}
    for t in tickets_after:
        if t.id in resolved_before:
            assert t.resolved_at == resolved_before[t.id]
    # nothing duplicated: one ticket per (service, opening check), at most one open per service
    assert len({(t.service, t.opened_at) for t in tickets_after}) == len(tickets_after)
    assert (
        max(Counter(t.service for t in tickets_after if t.state == "open").values(), default=0) <= 1
    )
    # the restart re-ran already-recorded checks as duplicates and then went on past them
    assert any(e.get("duplicate") is True for e in events(log2) if e["event"] == "check_done")
    assert len(after.verdicts()) > verdicts_before
    assert len(tickets_after) > len(tickets_before)  # later spikes opened new tickets
    # and the tickets are exactly what the recorded verdicts imply
    got = sorted(
        (t.service, t.opened_at.isoformat(), t.resolved_at.isoformat() if t.resolved_at else None)
        for t in tickets_after
    )
    assert got == expected_tickets(after)
    dupes = sum(e.get("duplicate") is True for e in events(log2) if e["event"] == "check_done")
    print(
        f"crash test: before kill {len(tickets_before)} tickets / {verdicts_before} verdicts; "
        f"after restart {len(tickets_after)} tickets / {len(after.verdicts())} verdicts; "
        f"{dupes} re-run checks recognised as duplicates"
    )
    # one firing event per ticket, one resolved event per resolved ticket, none twice
    outbox = Counter((o.ticket_id, o.event) for o in after.outbox())
    assert all(n == 1 for n in outbox.values())
    for t in tickets_after:
        assert outbox[(t.id, "firing")] == 1
        assert outbox[(t.id, "resolved")] == (1 if t.state == "resolved" else 0)


@pytest.mark.alertmanager
def test_loop_alerts_a_real_alertmanager_serves_metrics_and_stops_on_sigterm(loop_dir):
    webhook = Webhook()
    port = free_port()
    with alertmanager_server(loop_dir, webhook.url) as am:
        proc, log = start_run(
            loop_dir, "am.log", "--alertmanager-url", am.url, "--metrics-port", str(port)
        )
        try:
            # the 02:00 spike opens tickets, the loop pushes them, Alertmanager fires the webhook
            firing = webhook.wait_for("firing", timeout_s=120)
            metrics = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(30) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
            webhook.server.shutdown()
    alert = firing["alerts"][0]
    assert alert["labels"]["alertname"] == "SentinelAnomaly"
    assert alert["labels"]["service"] in {"svc-a", "svc-b"}
    assert alert["labels"]["severity"] in {"warning", "critical"}
    assert "latency" in alert["annotations"]["anomalies"]
    assert 'sentinel_checks_total{service="svc-a"' in metrics
    assert "sentinel_alert_deliveries_total" in metrics
    stopped = [e for e in events(log) if e["event"] == "loop_stopped"]
    assert stopped and stopped[0]["reason"] == "SIGTERM"
    assert any(e["event"] == "alert_delivered" for e in events(log))
