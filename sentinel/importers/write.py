"""Write an imported data set: one fixture per service, a services file naming their metrics,
and eval cases from the labelled windows. Same input, same bytes: no clock, no absolute paths."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from tqdm.auto import tqdm

from sentinel.evaluation.cases import (
    CaseManifest,
    CaseTags,
    Period,
    cases_from_fixture,
    remove_generated,
    write_cases,
)
from sentinel.fixtures.files import save_fixture
from sentinel.models import FixtureManifest, FixtureMetric, ImportInfo, LabelledWindow

SERVICES_FILE = "services.yaml"
CASES_DIR = "cases"
FIXTURES_SUBDIR = "fixtures"
COMPRESSION_LEVEL = 3  # zstd: seconds, not minutes, for 8 x 1.8 M rows (files stay local)


@dataclass
class ImportedService:
    """One service (machine, pod, series file): wide samples (UTC index, one column a metric)."""

    name: str
    frame: pd.DataFrame
    labels: list[LabelledWindow]
    description: str
    units: dict[str, str] = field(default_factory=dict)
    eval_start: datetime | None = None
    """Check times start here (e.g. SMD's test half); earlier data is baseline history."""


@dataclass
class Imported:
    """A whole data set as read and validated, before anything is written."""

    info: ImportInfo
    services: list[ImportedService]
    step_seconds: int
    series_prefix: str
    seasonality: str = "hour_of_week"
    history_days: int = 28
    case_pad: timedelta = timedelta(hours=2)


def write_import(data: Imported, out: Path, progress: bool = True) -> list[Path]:
    """Write `fixtures/`, `services.yaml` and `cases/` under `out` (a suite folder for
    `sentinel eval run --suite OUT`); returns the manifest paths."""
    out = Path(out)
    fixtures = out / FIXTURES_SUBDIR
    fixtures.mkdir(parents=True, exist_ok=True)
    paths, manifests = [], []
    for svc in tqdm(data.services, desc="writing", unit="fixture", disable=not progress):
        manifest = _manifest(data, svc)
        paths.append(save_fixture(manifest, _long(svc.frame), fixtures, COMPRESSION_LEVEL))
        manifests.append((svc, manifest))
    (out / SERVICES_FILE).write_text(_services_yaml(data))
    cases_dir = out / CASES_DIR
    remove_generated(cases_dir)
    for svc, manifest in manifests:
        write_cases(_cases(svc, manifest, data), cases_dir)
    return paths


def _cases(svc: ImportedService, manifest: FixtureManifest, data: Imported) -> list[CaseManifest]:
    """One case per labelled window, plus one background case per stretch of data (a gap of
    over an hour splits them), so false alarms per day count only days that have data."""
    start = svc.eval_start or manifest.start
    last_days = (manifest.end - start) / timedelta(days=1)
    cases = cases_from_fixture(manifest, svc.name, last_days, data.case_pad)[:-1]
    index = svc.frame.index
    step = pd.Timedelta(seconds=data.step_seconds)
    breaks = np.flatnonzero(np.diff(index.as_unit("ns").asi8) > pd.Timedelta(hours=1).value)
    firsts = [0, *(breaks + 1)]
    lasts = [*breaks, len(index) - 1]
    for i, (a, b) in enumerate(zip(firsts, lasts, strict=True)):
        lo = max(index[a].floor("h").to_pydatetime(), start)
        hi = (index[b] + step).to_pydatetime()
        if hi <= lo:
            continue
        cases.append(
            CaseManifest(
                id=f"{svc.name}-background-{i + 1}".lower(),
                description="every check time in this stretch, for false alarms per day",
                fixture=manifest.name,
                service=svc.name,
                period=Period(start=lo, end=hi),
                tags=CaseTags(kind="background", background=True),
            )
        )
    return cases


def _series(data: Imported, svc: ImportedService, metric: str) -> str:
    return f'{data.series_prefix}_{metric}{{service="{svc.name}"}}'


def _manifest(data: Imported, svc: ImportedService) -> FixtureManifest:
    index = svc.frame.index
    step = timedelta(seconds=data.step_seconds)
    return FixtureManifest(
        name=svc.name,
        service=svc.name,
        kind="imported",
        description=svc.description,
        step_seconds=data.step_seconds,
        start=index[0].floor("h").to_pydatetime(),  # hour-aligned: eval periods start on it
        end=(index[-1] + step).to_pydatetime(),
        data_file=f"{svc.name}.parquet",
        imported=data.info,
        metrics=[
            FixtureMetric(
                name=m, series=_series(data, svc, m), type="gauge", unit=svc.units.get(m, "")
            )
            for m in svc.frame.columns
        ],
        labels=svc.labels,
    )


def _long(frame: pd.DataFrame) -> pd.DataFrame:
    """Wide -> the fixture's long format; NaN cells are gaps (missing rows), not samples."""
    n = len(frame)
    parts = []
    for col in frame.columns:
        values = frame[col].to_numpy(dtype="float64")
        keep = ~np.isnan(values)
        parts.append(
            pd.DataFrame(
                {
                    "timestamp": frame.index[keep],
                    "metric": np.repeat(col, int(keep.sum())) if n else [],
                    "value": values[keep],
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def _services_yaml(data: Imported) -> str:
    """A services file for the imported services: every metric a gauge, judged both ways
    (the import cannot know which direction is bad), no absolute thresholds."""
    services = []
    for svc in data.services:
        services.append(
            {
                "name": svc.name,
                "description": svc.description,
                "interval_seconds": data.step_seconds,
                "fixture": svc.name,
                "metrics": [
                    {
                        "name": m,
                        "query": f"max({_series(data, svc, m)})",
                        "type": "gauge",
                        "unit": svc.units.get(m, ""),
                        "bad_direction": "both",
                        "seasonality": data.seasonality,
                    }
                    for m in svc.frame.columns
                ],
            }
        )
    body = {"version": 1, "history_days": data.history_days, "services": services}
    header = (
        f"# Services file for data imported by `sentinel fixtures import {data.info.format}` "
        f"from {data.info.source}.\n# Generated: re-import to change. Detection and llm settings "
        "are the defaults (docs/detectors.md).\n"
    )
    return header + yaml.safe_dump(body, sort_keys=False, width=99)
