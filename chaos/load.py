"""1,000 services for 60 s: `benchmarks/bench_loop.py` (the real loop, fixtures, SQLite) run as
its own process; the row quotes its throughput, skipped slots and peak memory. Cold start is the
faults helper's (#21); the quick run uses 100 services for 10 s."""

from __future__ import annotations

import subprocess
import sys

from chaos.table import Row, guarded
from sentinel.config import PROJECT_ROOT

GROUP = "load"
KEYS = ("checks done", "checks/s", "slots skipped", "peak RSS (MB)", "load average")


def _row(services: int, duration: int) -> Row:
    argv = [sys.executable, "benchmarks/bench_loop.py", "--services", str(services),
            "--duration", str(duration), "--interval", "30"]  # fmt: skip
    proc = subprocess.run(
        argv, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=duration * 10 + 300
    )
    if proc.returncode:
        return Row(GROUP, f"{services} services", proc.stderr.strip()[-300:], "CRASHED")
    lines = {
        k.strip(): v.strip()
        for k, _, v in (line.strip().partition("  ") for line in proc.stdout.splitlines())
        if k.strip() in KEYS
    }
    demand = services / 30 * duration
    outcome = f"demand {demand:.0f} checks; " + "; ".join(f"{k} {lines.get(k, '?')}" for k in KEYS)
    skipped = float(lines.get("slots skipped", "0").split()[0])
    done = float(lines.get("checks done", "0").split()[0])
    keeps_up = not skipped and done >= 0.9 * demand
    # falling behind is the loop's (faults #21: cold start); on a loaded machine say so
    return Row(GROUP, f"{services} services for {duration} s", outcome,
               "ok" if keeps_up else "note (faults #21: keeps up?)")  # fmt: skip


def rows(quick: bool = False) -> list[Row]:
    services, duration = (100, 10) if quick else (1000, 60)
    return [guarded(GROUP, f"{services} services", lambda: _row(services, duration))]
