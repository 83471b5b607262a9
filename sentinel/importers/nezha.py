"""Nezha (FSE 2023) fault-injection data, metrics only: per-pod minute metrics and fault lists.

Layout: `<date>/metric/<pod>_metric.csv.gz` and `<date>/<date>-fault_list.json`. A service is a
pod's deployment (`frontend-579b9bff58-t2dbm` -> `frontend`); its days are joined into one
fixture (the gap between them is missing rows), so a later day's faults see the earlier day as
history. Timestamps come from the `Time` column (the Go wall clock), floored to the minute: the
`TimeStamp` column is garbled in at least one file (adservice, 2022-08-22: values in 2028, out of
order). Only the injection time is given, so the detection window is a choice: from the
injection minute for `window` minutes, cut short at the next injection into the same service so
windows never overlap; the same for every detector.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
from tqdm.auto import tqdm

from sentinel.errors import FixtureError
from sentinel.importers.validate import (
    check_increasing,
    check_numeric,
    check_window,
    licence_of,
    metric_name,
    require_columns,
    source_of,
    unit_of,
)
from sentinel.importers.write import Imported, ImportedService
from sentinel.models import ImportInfo, LabelledWindow, Status

VERSION = "1"
DEFAULT_WINDOW_MIN = 10
ID_COLUMNS = ("Time", "TimeStamp", "PodName")
SYSTEMS = {"2022-08": "OnlineBoutique", "2023-01": "TrainTicket"}
_POD = re.compile(r"^(?P<service>.+)-[a-z0-9]{6,10}-[a-z0-9]{5}$")


def read(
    path: Path,
    progress: bool = True,
    window_minutes: int = DEFAULT_WINDOW_MIN,
    dates: list[str] | None = None,
    services: list[str] | None = None,
) -> Imported:
    """Read every date folder in `path` (or only `dates`), every service (or only `services`)."""
    if not path.is_dir():
        raise FixtureError(f"{path}: not a directory (expected <date>/metric/*_metric.csv.gz)")
    found = sorted(p.name for p in path.iterdir() if (p / "metric").is_dir())
    wanted = dates or found
    unknown = sorted(set(wanted) - set(found))
    if unknown or not wanted:
        raise FixtureError(f"{path}: no date folder {unknown or ''} with metric/ (found {found})")
    if window_minutes <= 0:
        raise FixtureError(f"--window {window_minutes}: give a positive number of minutes")
    root_causes = _root_causes(path)
    pods: dict[str, list[pd.DataFrame]] = {}
    faults: list[tuple[Path, str, dict[str, str]]] = []
    files: list[str] = []
    metric_files = [
        f for d in wanted for f in sorted((path / d / "metric").glob("*_metric.csv.gz"))
    ]
    for f in tqdm(metric_files, desc="nezha", unit="pod", disable=not progress):
        service = _service(f)
        if services and service not in services:
            continue
        pods.setdefault(service, []).append(_read_pod(f))
        files.append(str(f.relative_to(path)))
    if not pods:
        raise FixtureError(f"{path}: no metric files for services {services} in {wanted}")
    for d in wanted:
        fault_path = path / d / f"{d}-fault_list.json"
        if not fault_path.is_file():
            raise FixtureError(f"{fault_path}: missing fault list")
        files.append(str(fault_path.relative_to(path)))
        faults += [(fault_path, d, entry) for entry in _fault_entries(fault_path)]
    frames = {s: _join(s, parts) for s, parts in sorted(pods.items())}
    labels = _labels(faults, frames, window_minutes, root_causes, services)
    out = [
        ImportedService(
            name=s,
            frame=frame,
            labels=labels.get(s, []),
            description=f"Nezha {SYSTEMS.get(_system_key(frame), 'microservice')} service "
            f"{s}: per-pod metrics at one minute, injected faults labelled. REAL data.",
            units={metric_name(c): unit_of(c) for c in _raw_columns(pods[s][0])},
        )
        for s, frame in frames.items()
    ]
    info = ImportInfo(
        format="nezha",
        importer_version=VERSION,
        source=source_of(path, "Nezha"),
        licence=licence_of(path),
        files=files,
        choices={
            "services": "one fixture per deployment (pod name minus its two hash parts); the "
            "selected days are joined, the gap between them is missing rows",
            "timestamps": "the Time column (Go wall clock) floored to the minute; TimeStamp is "
            "ignored (garbled in adservice 2022-08-22)",
            "windows": f"an incident from the injection minute for {window_minutes} min (cut "
            "at the next injection into the same service), min_severity WARNING, for every "
            "fault type; metrics: the root-cause metric when it is a column, else none",
            "metrics": "every numeric column, as gauges, names snake_cased (% -> pct); "
            "front_service, dependency, source_50 and destination_50 are not imported",
            "seasonality": "none: hours of history hold no daily or weekly cycle",
        },
    )
    return Imported(
        info=info,
        services=out,
        step_seconds=60,
        series_prefix="nezha",
        seasonality="none",
        history_days=2,
        case_pad=timedelta(hours=1),
    )


def _service(path: Path) -> str:
    pod = path.name.removesuffix("_metric.csv.gz")
    m = _POD.match(pod)
    return m.group("service") if m else pod


def _raw_columns(frame: pd.DataFrame) -> list[str]:
    return list(frame.attrs["columns"])


def _read_pod(path: Path) -> pd.DataFrame:
    raw = pd.read_csv(path, dtype=str)
    header = list(raw.columns)
    require_columns(path, header, ID_COLUMNS)
    values = [c for c in header if c not in ID_COLUMNS]
    if not values:
        raise FixtureError(f"{path}: row 1 (header): no metric columns besides {ID_COLUMNS}")
    wall = raw["Time"].str.slice(0, 19)
    ts = pd.to_datetime(wall, format="%Y-%m-%d %H:%M:%S", utc=True, errors="coerce")
    if ts.isna().any():
        i = int(ts.isna().to_numpy().argmax())
        raise FixtureError(f"{path}: row {i + 2}: Time {raw['Time'].iloc[i]!r} is not a time")
    minute = pd.DatetimeIndex(ts).floor("min")
    check_increasing(path, minute)
    frame = check_numeric(path, raw[values])
    frame.columns = [metric_name(c) for c in values]
    frame.index = pd.DatetimeIndex(minute, name="timestamp")
    frame.attrs["columns"] = values
    return frame


def _join(service: str, parts: list[pd.DataFrame]) -> pd.DataFrame:
    columns = list(parts[0].columns)
    for p in parts[1:]:
        if list(p.columns) != columns:
            raise FixtureError(f"service {service!r}: metric columns differ between days")
    frame = pd.concat(parts).sort_index(kind="stable")
    if frame.index.has_duplicates:
        t = frame.index[frame.index.duplicated()][0]
        raise FixtureError(f"service {service!r}: two files hold minute {t} (overlapping days)")
    return frame


def _system_key(frame: pd.DataFrame) -> str:
    return f"{frame.index[0]:%Y-%m}"


def _fault_entries(path: Path) -> list[dict[str, str]]:
    try:
        body = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise FixtureError(f"{path}: row {exc.lineno}: malformed JSON: {exc.msg}") from exc
    if not isinstance(body, dict):
        raise FixtureError(f"{path}: expected {{hour: [faults]}}")
    entries = [e for hour in sorted(body) for e in body[hour]]
    for i, e in enumerate(entries):
        missing = [k for k in ("inject_time", "inject_pod", "inject_type") if k not in e]
        if missing:
            raise FixtureError(f"{path}: fault #{i + 1}: missing {missing}")
    return entries


def _labels(
    faults: list[tuple[Path, str, dict[str, str]]],
    frames: dict[str, pd.DataFrame],
    window_minutes: int,
    root_causes: dict[str, dict[str, str]],
    only: list[str] | None,
) -> dict[str, list[LabelledWindow]]:
    by_service: dict[str, list[tuple[datetime, Path, int, dict[str, str]]]] = {}
    for n, (path, _, e) in enumerate(faults):
        service = _service(Path(f"{e['inject_pod']}_metric.csv.gz"))
        if only and service not in only:
            continue
        if service not in frames:
            raise FixtureError(
                f"{path}: fault {e['inject_time']} names pod {e['inject_pod']!r}, which has no "
                "metric file"
            )
        try:
            at = datetime.strptime(e["inject_time"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
        except ValueError as exc:
            raise FixtureError(f"{path}: fault #{n + 1}: inject_time: {exc}") from exc
        by_service.setdefault(service, []).append((at.replace(second=0), path, n, e))
    out: dict[str, list[LabelledWindow]] = {}
    for service, items in by_service.items():
        items.sort(key=lambda x: x[0])
        index = frames[service].index
        data_start, data_end = index[0].to_pydatetime(), index[-1].to_pydatetime()
        windows = []
        for k, (start, path, _, e) in enumerate(items):
            end = start + timedelta(minutes=window_minutes)
            if k + 1 < len(items):
                end = min(end, items[k + 1][0])
            if start <= data_end:  # a window may not outrun the data; a start may not
                end = min(end, data_end + timedelta(minutes=1))
            check_window(
                f"{path}: fault {e['inject_time']}",
                start,
                end,
                data_start,
                data_end + timedelta(minutes=1),
            )
            cause = root_causes.get(service, {}).get(e["inject_type"], "")
            metric = metric_name(cause) if cause else ""
            windows.append(
                LabelledWindow(
                    start=start,
                    end=end,
                    kind=e["inject_type"],
                    min_severity=Status.WARNING,
                    metrics=[metric] if metric in frames[service].columns else [],
                    note=f"{e['inject_type']} injected into {e['inject_pod']} at "
                    f"{e['inject_time']} UTC"
                    + (f"; root cause shows in: {cause}" if cause else ""),
                )
            )
        out[service] = windows
    return out


def _root_causes(path: Path) -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    for name in ("root_cause_hipster.json", "root_cause_ts.json"):
        f = path / name
        if f.is_file():
            for service, causes in json.loads(f.read_text()).items():
                merged.setdefault(service, {}).update(causes)
    return merged
