"""A small, seeded NAB-layout sample, so the NAB adapter can be run and tested without NAB.

SYNTHETIC data, made here: three categories, 14 days at 5-minute steps with a daily cycle.
- artificialWithAnomaly/spikes.csv: two short spikes, each inside a labelled window;
- realSynthetic/shift_with_gaps.csv: irregular steps, a 6-hour scrape gap and a level shift;
- artificialNoAnomaly/flat.csv: a constant series (MAD = 0) with no windows.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

START = pd.Timestamp("2026-01-05 00:00:00")
DAYS = 14
STEP = "5min"


def _daily(ts: pd.DatetimeIndex) -> np.ndarray:
    hours = ts.hour + ts.minute / 60
    return 50 + 20 * np.sin(2 * np.pi * (hours - 6) / 24)


def sample_frames(seed: int = 7) -> tuple[dict[str, pd.DataFrame], dict[str, list[list[str]]]]:
    """The sample's data files and its combined_windows.json content."""
    rng = np.random.default_rng(seed)
    ts = pd.date_range(START, periods=DAYS * 288, freq=STEP)
    fmt = "%Y-%m-%d %H:%M:%S.%f"
    files: dict[str, pd.DataFrame] = {}
    labels: dict[str, list[list[str]]] = {}

    spikes = np.asarray(_daily(ts) + rng.normal(0, 1.5, len(ts)))
    windows = []
    for day, hour in ((9, 14), (12, 3)):
        at = START + pd.Timedelta(days=day, hours=hour)
        i = ts.get_loc(at)
        spikes[i : i + 3] += 60
        windows.append(
            [(at - pd.Timedelta(hours=2)).strftime(fmt), (at + pd.Timedelta(hours=2)).strftime(fmt)]
        )
    files["artificialWithAnomaly/spikes.csv"] = pd.DataFrame({"timestamp": ts, "value": spikes})
    labels["artificialWithAnomaly/spikes.csv"] = windows

    jitter = pd.to_timedelta(rng.integers(-60, 60, len(ts)), unit="s")
    irregular = (ts + jitter).sort_values()
    shift = np.asarray(_daily(irregular) + rng.normal(0, 1.5, len(ts)))
    shift_at = START + pd.Timedelta(days=11, hours=10)
    shift[irregular >= shift_at] += 25
    gap = (irregular >= START + pd.Timedelta(days=8)) & (
        irregular < START + pd.Timedelta(days=8, hours=6)
    )
    frame = pd.DataFrame({"timestamp": irregular[~gap], "value": shift[~gap]})
    files["realSynthetic/shift_with_gaps.csv"] = frame
    labels["realSynthetic/shift_with_gaps.csv"] = [
        [
            (shift_at - pd.Timedelta(hours=3)).strftime(fmt),
            (shift_at + pd.Timedelta(hours=3)).strftime(fmt),
        ]
    ]

    files["artificialNoAnomaly/flat.csv"] = pd.DataFrame({"timestamp": ts, "value": 42.0})
    labels["artificialNoAnomaly/flat.csv"] = []
    return files, labels


def write_sample(root: Path, seed: int = 7) -> Path:
    """Write the sample under `root` in NAB's layout; returns root."""
    files, labels = sample_frames(seed)
    for key, frame in files.items():
        path = Path(root) / "data" / key
        path.parent.mkdir(parents=True, exist_ok=True)
        out = frame.assign(
            timestamp=pd.DatetimeIndex(frame["timestamp"]).strftime("%Y-%m-%d %H:%M:%S")
        )
        out.to_csv(path, index=False)
    label_path = Path(root) / "labels" / "combined_windows.json"
    label_path.parent.mkdir(parents=True, exist_ok=True)
    label_path.write_text(json.dumps(labels, indent=2, sort_keys=True) + "\n")
    return Path(root)
