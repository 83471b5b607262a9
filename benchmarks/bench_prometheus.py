"""Benchmark: reading from a REAL Prometheus (the Debian binary, TSDB backfilled via promtool).

1. Fetch 35 days at 1-minute step for 100 gauge series: in one query (chunked under the
   11,000-points limit) and as 100 single-series queries.
2. One check cycle's queries: every metric of both configured services (config/services.yaml)
   over 28 days of history at 60 s, against the bundled fixtures backfilled into the same server.

Run: .venv/bin/python benchmarks/bench_prometheus.py [--series 100 --days 35 --repeat 3]
Prints a table; not part of the test suite. Figures depend on the machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sentinel.config import load_config  # noqa: E402
from sentinel.fixtures.files import load_fixture  # noqa: E402
from sentinel.fixtures.openmetrics import openmetrics_lines  # noqa: E402
from sentinel.pipeline import collect  # noqa: E402
from sentinel.sources.prometheus import PrometheusSource  # noqa: E402
from tests.servers import prometheus_server  # noqa: E402

START = datetime(2026, 1, 1, tzinfo=UTC)


def write_openmetrics(path: Path, series: int, days: int, fixtures: list[str]) -> int:
    """Synthetic gauges `bench_gauge{series="i"}` plus the bundled fixtures, in one file."""
    n = days * 1440 + 1
    t0 = int(START.timestamp())
    times = [str(t0 + 60 * i) for i in range(n)]
    rng = np.random.default_rng(0)
    samples = 0
    with path.open("w") as fh:
        fh.write("# TYPE bench_gauge gauge\n")
        for s in range(series):
            values = 100 + 10 * np.sin(np.arange(n) * 2 * np.pi / 1440) + rng.normal(0, 1, n)
            prefix = f'bench_gauge{{series="{s}"}} '
            fh.writelines(
                f"{prefix}{v!r} {t}\n" for v, t in zip(values.tolist(), times, strict=True)
            )
            samples += n
        for name in fixtures:
            for line in openmetrics_lines(load_fixture(name)):
                if line != "# EOF":
                    fh.write(line + "\n")
                    samples += not line.startswith("#")
        fh.write("# EOF\n")
    return samples


def timed(fn, repeat: int) -> tuple[float, object]:
    runs, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        runs.append(time.perf_counter() - t)
    return statistics.median(runs), result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--series", type=int, default=100)
    ap.add_argument("--days", type=int, default=35)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    config = load_config(ROOT / "config" / "services.yaml")
    fixtures = [s.fixture for s in config.services if s.fixture]
    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        t = time.perf_counter()
        samples = write_openmetrics(work / "bench.om", args.series, args.days, fixtures)
        rows.append(
            ("write OpenMetrics", f"{time.perf_counter() - t:.1f} s", f"{samples:,} samples")
        )
        t = time.perf_counter()
        with prometheus_server(work, work / "bench.om") as prom:
            rows.append(
                ("promtool backfill + prometheus ready", f"{time.perf_counter() - t:.1f} s", "")
            )
            end = START + timedelta(days=args.days)
            with PrometheusSource(prom.url, timeout_s=300, retries=0) as src:
                secs, frame = timed(
                    lambda: src.query_range("bench_gauge", START, end, 60), args.repeat
                )
                rows.append(
                    (
                        f"{args.series} series x {args.days} d x 1 min, one query",
                        f"{secs:.2f} s",
                        f"{len(frame):,} points, median of {args.repeat}",
                    )
                )
                secs, total = timed(
                    lambda: sum(
                        len(src.query_range(f'bench_gauge{{series="{i}"}}', START, end, 60))
                        for i in range(args.series)
                    ),
                    args.repeat,
                )
                rows.append(
                    (
                        f"same, {args.series} single-series queries",
                        f"{secs:.2f} s",
                        f"{total:,} points, median of {args.repeat}",
                    )
                )
                for service in config.services:
                    fixture = load_fixture(service.fixture or service.name)
                    at = fixture.manifest.end
                    history = timedelta(days=config.history_days)
                    secs, data = timed(
                        lambda s=service, a=at, h=history: collect(src, s, a, h, 60), args.repeat
                    )
                    points = sum(len(v) for v in data.series.values())
                    note = f"{len(service.metrics)} metrics, {points:,} points" + (
                        f", errors: {data.errors}" if data.errors else ""
                    )
                    rows.append(
                        (
                            f"check cycle queries: {service.name} ({config.history_days} d)",
                            f"{secs:.2f} s",
                            note,
                        )
                    )
    width = max(len(r[0]) for r in rows)
    print(f"{'measurement':<{width}}  {'time':>9}  notes")
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>9}  {note}")


if __name__ == "__main__":
    main()
