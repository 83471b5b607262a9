"""Load benchmark of the production loop: N services (default 1,000) on the bundled fixtures.

Generates a services file where service i copies api-service or database from
config/services.yaml (alternating) under a new name, runs the real scheduler + pipeline + SQLite
ticket store for a bounded time, and prints checks/s, CPU and peak memory.

    .venv/bin/python benchmarks/bench_loop.py               # 1,000 services, 60 s
    .venv/bin/python benchmarks/bench_loop.py --services 200 --duration 20 --workers 4

Intervals are short on purpose (default 10 s: 100 checks/s demanded at 1,000 services) so the
workers are saturated and the figure is the loop's capacity, not the demand. "skipped" counts
slots that came round while the service's previous check was still queued or running.
"""

from __future__ import annotations

import argparse
import platform
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sentinel.checks import build_agent  # noqa: E402
from sentinel.config import DEFAULT_CONFIG, FIXTURES_DIR, ServiceConfig, load_config  # noqa: E402
from sentinel.models import Provenance, Status, Verdict  # noqa: E402
from sentinel.scheduler import Scheduler, SimulatedClock, check_with  # noqa: E402
from sentinel.sources.fixture_source import FixtureSource  # noqa: E402
from sentinel.store import Store  # noqa: E402
from sentinel.telemetry import Telemetry, configure_logging  # noqa: E402


def make_config(path: Path, services: int, interval: int) -> Path:
    base = yaml.safe_load(DEFAULT_CONFIG.read_text())
    templates = base["services"]
    out = []
    for i in range(services):
        svc = dict(templates[i % len(templates)])
        svc["name"] = f"{svc['name']}-{i:04d}"
        svc["interval_seconds"] = interval
        out.append(svc)
    base["services"] = out
    path.write_text(yaml.safe_dump(base, sort_keys=False))
    return path


def noop_check(svc: ServiceConfig, at: datetime) -> Verdict:
    return Verdict(
        service=svc.name,
        checked_at=at,
        status=Status.NORMAL,
        provenance=Provenance(path="statistical", detector="noop", note="benchmark no-op"),
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--services", type=int, default=1000)
    p.add_argument("--duration", type=float, default=60.0, help="seconds of loop time")
    p.add_argument("--interval", type=int, default=10, help="check interval of every service (s)")
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--start", default="2026-11-02T12:00:00+00:00", help="simulated start time")
    p.add_argument(
        "--pipeline",
        choices=["full", "noop"],
        default="full",
        help="noop: a check that reads no data, to measure the loop + store overhead alone",
    )
    args = p.parse_args()

    configure_logging("WARNING")
    tmp = Path(tempfile.mkdtemp(prefix="sentinel-bench-"))
    config = load_config(make_config(tmp / "services.yaml", args.services, args.interval))
    agent = build_agent(config, FixtureSource(FIXTURES_DIR))
    store = Store.open(tmp / "bench.db")
    telemetry = Telemetry()
    start = datetime.fromisoformat(args.start).astimezone(UTC)
    t_warm = time.monotonic()
    for svc in config.services[: len(yaml.safe_load(DEFAULT_CONFIG.read_text())["services"])]:
        agent.check(svc, start)  # load each fixture once, outside the measurement
    warm_s = time.monotonic() - t_warm
    check = check_with(agent) if args.pipeline == "full" else noop_check
    scheduler = Scheduler(
        config,
        check,
        clock=SimulatedClock(start),
        store=store,
        telemetry=telemetry,
        workers=args.workers,
        jitter=0.9,  # spread the 1,000 services over the interval
    )
    usage0 = resource.getrusage(resource.RUSAGE_SELF)
    rss_before_mb = usage0.ru_maxrss / 1024
    t0 = time.monotonic()
    scheduler.run(duration_s=args.duration)
    wall = time.monotonic() - t0
    usage1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (usage1.ru_utime - usage0.ru_utime) + (usage1.ru_stime - usage0.ru_stime)
    get = telemetry.registry.get_sample_value
    skipped = sum(
        get("sentinel_checks_skipped_total", {"reason": r}) or 0 for r in ("overlap", "missed")
    )
    hist_sum = get("sentinel_check_duration_seconds_sum") or 0.0
    hist_n = get("sentinel_check_duration_seconds_count") or 0.0
    statuses = {
        s: sum(
            get("sentinel_checks_total", {"service": svc.name, "status": s}) or 0
            for svc in config.services
        )
        for s in ("NORMAL", "WATCH", "WARNING", "CRITICAL", "UNKNOWN")
    }
    demanded = args.services / args.interval
    rows = [
        ("services", f"{args.services}"),
        ("interval (s)", f"{args.interval}  (demand {demanded:.1f} checks/s)"),
        ("workers", f"{args.workers}"),
        ("loop time (s)", f"{wall:.1f}"),
        ("checks done", f"{scheduler.completed}"),
        ("checks/s", f"{scheduler.completed / wall:.1f}"),
        ("mean check (ms)", f"{1000 * hist_sum / hist_n:.1f}" if hist_n else "-"),
        ("slots skipped", f"{skipped:.0f}"),
        ("verdicts by status", " ".join(f"{k}={v:.0f}" for k, v in statuses.items() if v)),
        ("tickets opened", f"{len(store.tickets())}"),
        ("CPU (s)", f"{cpu:.1f}  ({100 * cpu / wall:.0f}% of one core)"),
        ("CPU per check (ms)", f"{1000 * cpu / max(scheduler.completed, 1):.0f}"),
        ("peak RSS (MB)", f"{usage1.ru_maxrss / 1024:.0f}  (before loop {rss_before_mb:.0f})"),
        ("fixture warm-up (s)", f"{warm_s:.1f}  (not in the figures above)"),
        ("load average", " ".join(f"{x:.1f}" for x in __import__("os").getloadavg())),
        ("machine", f"{platform.python_implementation()} {platform.python_version()}, "
                    f"{__import__('os').cpu_count()} CPUs"),
    ]  # fmt: skip
    width = max(len(k) for k, _ in rows)
    what = (
        "full pipeline, FixtureSource"
        if args.pipeline == "full"
        else "no-op checks: loop + store only"
    )
    print(f"\nSentinel loop benchmark ({args.services} services on fixtures, {what}, SQLite)")
    for k, v in rows:
        print(f"  {k:<{width}}  {v}")


if __name__ == "__main__":
    main()
