"""A small fixture (two days, 1-minute step) built in code, and a real Prometheus serving it.

Shared by the Prometheus, recording and OpenMetrics tests so the server starts once per module.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from sentinel.config import MetricConfig, ServiceConfig
from sentinel.fixtures.files import Fixture, load_fixture, save_fixture
from sentinel.fixtures.openmetrics import write_openmetrics
from sentinel.models import FixtureManifest, FixtureMetric
from sentinel.sources.selectors import selector
from tests.servers import RunningPrometheus, prometheus_server

START = datetime(2026, 1, 5, tzinfo=UTC)
END = START + timedelta(days=2)
STEP = 60
WEIRD = 'we"ird\\svc'  # a label value with a quote and a backslash
SERVICE = "t-svc"

GAUGE_GAP = (START + timedelta(hours=10), START + timedelta(hours=10, minutes=20))
COUNTER_GAP = (START + timedelta(hours=30), START + timedelta(hours=30, minutes=15))
RESET_AT = START + timedelta(hours=20)


def build_frame() -> pd.DataFrame:
    """Raw samples: a daily-seasonal gauge with a gap, two counters (one with a reset and a gap)."""
    grid = pd.date_range(START, END, freq=f"{STEP}s", tz="UTC", name="timestamp")
    hours = (grid - grid[0]).total_seconds().to_numpy() / 3600
    rng = np.random.default_rng(7)
    gauge = 0.25 + 0.1 * np.sin(2 * np.pi * hours / 24) + rng.normal(0, 0.005, len(grid))
    keep_gauge = ~((grid >= GAUGE_GAP[0]) & (grid < GAUGE_GAP[1]))
    per_s = 50 + 20 * np.sin(2 * np.pi * hours / 24)
    total = np.cumsum(per_s * STEP)
    total = np.where(grid >= RESET_AT, total - total[grid.get_loc(RESET_AT)] + 3.0, total)
    keep_counter = ~((grid >= COUNTER_GAP[0]) & (grid < COUNTER_GAP[1]))
    weird = np.cumsum(np.full(len(grid), 2.0 * STEP))
    parts = [
        pd.DataFrame(
            {"timestamp": grid[keep_gauge], "metric": "latency_p99", "value": gauge[keep_gauge]}
        ),
        pd.DataFrame(
            {
                "timestamp": grid[keep_counter],
                "metric": "request_rate",
                "value": total[keep_counter],
            }
        ),
        pd.DataFrame({"timestamp": grid, "metric": "weird_rate", "value": weird}),
    ]
    return pd.concat(parts, ignore_index=True)


def manifest(name: str = "t-svc") -> FixtureManifest:
    return FixtureManifest(
        name=name,
        service=SERVICE,
        kind="recorded",
        step_seconds=STEP,
        start=START,
        end=END,
        data_file=f"{name}.parquet",
        metrics=[
            FixtureMetric(
                name="latency_p99", series=selector({"service": SERVICE}, "lat_p99"), type="gauge"
            ),
            FixtureMetric(
                name="request_rate",
                series=selector({"service": SERVICE}, "http_requests_total"),
                type="counter",
            ),
            FixtureMetric(
                name="weird_rate",
                series=selector({"service": WEIRD}, "http_requests_total"),
                type="counter",
            ),
        ],
    )


def service_config() -> ServiceConfig:
    """The services.yaml entry whose PromQL reads the fixture's series back."""
    return ServiceConfig(
        name=SERVICE,
        interval_seconds=60,
        fixture="t-svc",
        metrics=[
            MetricConfig(
                name="latency_p99",
                query=f"max({selector({'service': SERVICE}, 'lat_p99')})",
                type="gauge",
            ),
            MetricConfig(
                name="request_rate",
                query=f"sum(rate({selector({'service': SERVICE}, 'http_requests_total')}[5m]))",
                type="counter",
            ),
            MetricConfig(
                name="weird_rate",
                query=f"sum(rate({selector({'service': WEIRD}, 'http_requests_total')}[5m]))",
                type="counter",
            ),
        ],
    )


def write_fixture(directory: Path) -> Fixture:
    save_fixture(manifest(), build_frame(), directory)
    return load_fixture("t-svc", directory)


@dataclass(frozen=True)
class Served:
    prometheus: RunningPrometheus
    fixture: Fixture
    fixtures_dir: Path


@contextmanager
def served_fixture(workdir: Path) -> Iterator[Served]:
    """Build the fixture, export it to OpenMetrics, backfill it and serve it from Prometheus."""
    fixtures_dir = workdir / "fixtures"
    fixture = write_fixture(fixtures_dir)
    om = workdir / "t-svc.om"
    write_openmetrics(fixture, om)
    with prometheus_server(workdir, om) as prom:
        yield Served(prom, fixture, fixtures_dir)
