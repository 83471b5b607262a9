"""Small fixtures and configs for the production-loop tests (scheduler, store, run, crash)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from sentinel.config import SentinelConfig
from sentinel.fixtures.files import save_fixture
from sentinel.models import (
    Anomaly,
    FixtureManifest,
    FixtureMetric,
    GeneratorInfo,
    Provenance,
    Status,
    Verdict,
)

START = datetime(2026, 11, 1, tzinfo=UTC)
DAYS = 3
# Huge latency spikes (x40 for 40 minutes) every 6 hours on day 3: any detector alerts on them.
SPIKES = [START + timedelta(days=2, hours=h) for h in (2, 8, 14, 20)]


def make_fixture(directory: Path, name: str = "svc") -> Path:
    """A 3-day, 1-minute gauge fixture with a daily cycle, noise and four big spikes."""
    ts = pd.date_range(START, START + timedelta(days=DAYS), freq="60s", inclusive="left")
    rng = np.random.default_rng(7)
    hours = ts.hour.to_numpy() + ts.minute.to_numpy() / 60
    latency = 0.2 + 0.05 * np.sin(hours / 24 * 2 * np.pi) + rng.normal(0, 0.005, len(ts))
    for spike in SPIKES:
        inside = (ts >= spike) & (ts < spike + timedelta(minutes=40))
        latency[inside] *= 40
    data = pd.DataFrame({"timestamp": ts, "metric": "latency", "value": latency})
    manifest = FixtureManifest(
        name=name,
        service=name,
        kind="synthetic",
        step_seconds=60,
        start=START,
        end=START + timedelta(days=DAYS),
        data_file=f"{name}.parquet",
        generator=GeneratorInfo(name="tests.loop_fixtures", version="1", seed=7),
        metrics=[FixtureMetric(name="latency", series="latency_seconds", type="gauge")],
    )
    return save_fixture(manifest, data, directory)


def write_config(path: Path, services: dict[str, int], fixture: str = "svc") -> Path:
    """A services file: each named service reads `fixture` and is checked every N seconds."""
    body = {
        "version": 1,
        "history_days": 2,
        "services": [
            {
                "name": name,
                "interval_seconds": interval,
                "fixture": fixture,
                "metrics": [
                    {"name": "latency", "query": "latency_seconds", "type": "gauge"},
                ],
            }
            for name, interval in services.items()
        ],
    }
    path.write_text(yaml.safe_dump(body, sort_keys=False))
    return path


def config_for(services: dict[str, int]) -> SentinelConfig:
    return SentinelConfig.model_validate(
        {
            "services": [
                {
                    "name": n,
                    "interval_seconds": i,
                    "metrics": [{"name": "latency", "query": "latency_seconds"}],
                }
                for n, i in services.items()
            ]
        }
    )


def verdict(service: str, at: datetime, status: Status, reasoning: str = "") -> Verdict:
    anomalies = (
        [
            Anomaly(
                metric="latency",
                current_value=2.0,
                baseline_value=0.2,
                deviation_pct=900.0,
                direction="up",
                confidence=0.9,
            )
        ]
        if status.alerts
        else []
    )
    return Verdict(
        service=service,
        checked_at=at,
        status=status,
        anomalies=anomalies,
        reasoning=reasoning or f"{status.value} at {at:%H:%M}",
        provenance=Provenance(path="statistical", detector="test"),
    )
