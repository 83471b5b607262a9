"""kill -9 of `sentinel run` at random moments: escalations vs tickets (0 lost, 0 duplicated),
alert events vs what reached the (fake) Alertmanager, and recovery time after each restart.

Each cycle starts the real CLI on fixtures with a simulated clock that carries on from where
the last one stopped (like wall time), waits for its first new verdict, lets it run a random
0.2-3 s, and kills it with SIGKILL. Bounded by `kills` and by `budget_s` of wall time.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

from chaos.table import Row, guarded
from sentinel.config import PROJECT_ROOT
from tests.fakehttp import Reply, fake_server
from tests.loop_fixtures import START, make_fixture, write_config

GROUP = "restarts"
SPEED = 60.0  # simulated seconds per real second: a 60 s interval every second


def _count(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=5) as con:
            return con.execute("select count(*) from verdicts").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def _cycle(argv: list[str], db: Path, rng: random.Random, log: Path) -> float | None:
    """One start-run-kill; the seconds until the first new verdict (None: none in 90 s)."""
    before = _count(db)
    t0 = time.monotonic()
    with log.open("a") as err:
        proc = subprocess.Popen(argv, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=err)
    recovered = None
    while time.monotonic() - t0 < 90 and proc.poll() is None:
        if _count(db) > before:
            recovered = time.monotonic() - t0
            break
        time.sleep(0.1)
    time.sleep(rng.uniform(0.2, 3.0))
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    return recovered


def measure(kills: int, budget_s: float, seed: int = 1) -> Row:
    from sentinel.notify import Notifier
    from sentinel.store import Store

    rng = random.Random(seed)

    def am(req):
        return Reply(200, {})

    with tempfile.TemporaryDirectory() as tmp, fake_server(am) as fake_am:
        tmp_path = Path(tmp)
        fixtures = tmp_path / "fixtures"
        make_fixture(fixtures)
        cfg = write_config(tmp_path / "services.yaml", {"a": 60, "b": 60, "c": 120})
        db = tmp_path / "s.db"
        sim_start = START + timedelta(days=2, hours=1, minutes=50)  # 10 min before a spike
        started, recoveries, cycles = time.monotonic(), [], 0
        while cycles < kills and time.monotonic() - started < budget_s:
            at = sim_start + timedelta(seconds=(time.monotonic() - started) * SPEED)
            argv = [
                sys.executable, "-m", "sentinel", "run", "--config", str(cfg),
                "--fixtures-dir", str(fixtures), "--fixture-start", at.isoformat(),
                "--speed", str(SPEED), "--db", str(db), "--alertmanager-url", fake_am.url,
                "--log-level", "WARNING", "--workers", "2",
            ]  # fmt: skip
            recoveries.append(_cycle(argv, db, rng, tmp_path / "run.log"))
            cycles += 1
        store = Store.open(db)
        Notifier(store, fake_am.url).deliver_due()  # what a next clean start would send
        store.close()
        with sqlite3.connect(db) as con:
            verdicts = con.execute("select service, checked_at, status from verdicts").fetchall()
            tickets = con.execute(
                "select id, service, opened_at, resolved_at from tickets"
            ).fetchall()
            outbox = con.execute("select ticket_id, event, delivered_at from outbox").fetchall()
        am_posts = len(fake_am.requests)
    dup_verdicts = sum(n - 1 for n in Counter((s, t) for s, t, _ in verdicts).values())
    alerting = [(s, t) for s, t, st in verdicts if st in ("WARNING", "CRITICAL")]

    def covered(service: str, t: str) -> bool:
        return any(ts == service and o <= t and (r is None or r >= t) for _, ts, o, r in tickets)

    lost = sum(not covered(s, t) for s, t in alerting)
    undelivered = sum(d is None for _, _, d in outbox)
    dup_events = sum(n - 1 for n in Counter((tid, ev) for tid, ev, _ in outbox).values())
    times = [r for r in recoveries if r is not None]
    outcome = (
        f"{cycles} kills; {len(verdicts)} verdicts ({dup_verdicts} duplicated), "
        f"{len(alerting)} escalated verdicts, {len(tickets)} tickets, lost escalations {lost}; "
        f"{len(outbox)} alert events ({dup_events} duplicated, {undelivered} undelivered after "
        f"restart), {am_posts} POSTs at Alertmanager; recovery to first verdict "
        f"median {sorted(times)[len(times) // 2]:.1f} s, max {max(times):.1f} s"
        if times
        else f"{cycles} kills; no verdict after any restart"
    )
    bad = lost or dup_verdicts or dup_events or undelivered
    verdict = "LOST" if lost or undelivered else "DUPLICATED" if bad else "ok"
    return Row(GROUP, f"kill -9 x{cycles}", outcome, verdict)


def rows(quick: bool = False) -> list[Row]:
    kills, budget = (2, 120.0) if quick else (20, 600.0)
    return [guarded(GROUP, "kill -9", lambda: measure(kills, budget))]
