"""Small fixtures, configs and suites built in tests for the eval modules (no bundled data)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from sentinel.config import Settings, load_config
from sentinel.fixtures.files import save_fixture
from sentinel.models import FixtureManifest, FixtureMetric, GeneratorInfo, LabelledWindow

START = datetime(2026, 11, 1, tzinfo=UTC)
END = START + timedelta(days=3)
SPIKE = LabelledWindow(
    start=START + timedelta(days=2, hours=12),
    end=START + timedelta(days=2, hours=13),
    kind="latency_spike",
    min_severity="WARNING",
    metrics=["latency"],
)
CALM = LabelledWindow(
    start=START + timedelta(days=2, hours=6),
    end=START + timedelta(days=2, hours=7),
    kind="weekly_peak",
    hard_negative=True,
    metrics=["latency"],
)


def make_fixture(directory: Path) -> Path:
    """Three days of a flat noisy gauge (and a counter) with a x5 spike inside SPIKE."""
    idx = pd.date_range(START, END - timedelta(minutes=1), freq="60s")
    rng = np.random.default_rng(1)
    latency = 0.2 + rng.normal(0, 0.01, len(idx))
    latency[(idx >= SPIKE.start) & (idx < SPIKE.end)] *= 5
    requests = np.cumsum(np.full(len(idx), 600.0))
    frame = pd.concat(
        [
            pd.DataFrame({"timestamp": idx, "metric": "latency", "value": latency}),
            pd.DataFrame({"timestamp": idx, "metric": "requests", "value": requests}),
        ]
    )
    manifest = FixtureManifest(
        name="tiny",
        service="svc",
        kind="synthetic",
        step_seconds=60,
        start=START,
        end=END,
        data_file="tiny.parquet",
        generator=GeneratorInfo(name="tests.evalkit", version="1", seed=1),
        metrics=[
            FixtureMetric(name="latency", series="lat", type="gauge"),
            FixtureMetric(name="requests", series="req_total", type="counter"),
        ],
        labels=[CALM, SPIKE],
    )
    return save_fixture(manifest, frame, directory)


def make_config(path: Path) -> Path:
    path.write_text(
        yaml.safe_dump(
            {
                "version": 1,
                "history_days": 1,
                "llm": {"budget_state": None, "max_retries": 0, "timeout_s": 5.0},
                "services": [
                    {
                        "name": "svc",
                        "interval_seconds": 60,
                        "fixture": "tiny",
                        "metrics": [
                            {"name": "latency", "query": "lat", "type": "gauge"},
                            {"name": "requests", "query": "rate(req_total[5m])", "type": "counter"},
                        ],
                    }
                ],
            }
        )
    )
    load_config(path)  # fail here, not in the test, if the schema moved
    return path


def case_body(window: LabelledWindow | None, **over: object) -> dict:
    """A case covering `window` (or a background case) padded by two hours."""
    w = window or SPIKE
    body: dict = {
        "id": f"svc-{w.kind.replace('_', '-')}" if window else "svc-background",
        "fixture": "tiny",
        "service": "svc",
        "period": {
            "start": (w.start - timedelta(hours=2)).isoformat(),
            "end": (w.end + timedelta(hours=2)).isoformat(),
        },
        "windows": [window.model_dump(mode="json")] if window else [],
        "tags": {
            "kind": w.kind if window else "background",
            "hard_negative": bool(window and window.hard_negative),
            "background": window is None,
        },
    }
    body.update(over)
    return body


def write_case(directory: Path, body: dict, name: str | None = None) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name or body['id']}.yaml"
    path.write_text(yaml.safe_dump(body, sort_keys=False))
    return path


def make_suite(root: Path) -> tuple[Path, Path, Path]:
    """(fixtures dir, config path, suite dir) for a two-case suite."""
    fixtures = root / "fixtures"
    make_fixture(fixtures)
    config = make_config(root / "services.yaml")
    suite = root / "cases"
    write_case(suite, case_body(SPIKE))
    write_case(suite, case_body(CALM))
    return fixtures, config, suite


def no_credentials() -> Settings:
    """Settings with every credential blanked (model strategies cannot run live)."""
    return Settings(_env_file=None, anthropic_api_key=None, aws_region=None, bedrock_model_id=None)
