"""A user's own export: one CSV with a timestamp column and value columns, plus a windows file
(CSV with `start,end` and optional `kind,metrics,note`; `metrics` separated by `;`).

Every value column becomes a gauge metric (names snake_cased); the step is the median spacing.
Shared with the NAB importer, which reads one such series per file.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from sentinel.errors import FixtureError
from sentinel.importers.validate import (
    check_increasing,
    check_numeric,
    check_window,
    metric_name,
    require_columns,
    service_name,
    unit_of,
)
from sentinel.importers.write import Imported, ImportedService
from sentinel.models import ImportInfo, LabelledWindow, Status

VERSION = "1"


def read_series(path: Path, timestamp_column: str) -> tuple[pd.DataFrame, dict[str, str], int]:
    """Wide frame (UTC index), units, step seconds; rejects bad rows naming file and row."""
    if not path.is_file():
        raise FixtureError(f"{path}: no such file")
    raw = pd.read_csv(path)
    require_columns(path, list(raw.columns), [timestamp_column])
    values = [c for c in raw.columns if c != timestamp_column]
    if not values:
        raise FixtureError(f"{path}: row 1 (header): no value columns besides {timestamp_column!r}")
    ts = pd.to_datetime(raw[timestamp_column], utc=True, errors="coerce", format="mixed")
    if ts.isna().any():
        i = int(ts.isna().to_numpy().argmax())
        raise FixtureError(
            f"{path}: row {i + 2}: {timestamp_column} {raw[timestamp_column].iloc[i]!r} is not a time"
        )
    check_increasing(path, ts)
    frame = check_numeric(path, raw[values])
    frame.columns = [metric_name(c) for c in values]
    frame.index = pd.DatetimeIndex(ts, name="timestamp")
    if len(frame) < 2:
        raise FixtureError(f"{path}: needs at least two rows")
    step = int(np.median(np.diff(frame.index.as_unit("ns").asi8)) // 1_000_000_000)
    if step <= 0:
        raise FixtureError(f"{path}: timestamps closer than a second apart")
    return frame, {metric_name(c): unit_of(c) for c in values}, step


def window(
    where: str, start: object, end: object, frame: pd.DataFrame, step: int, **fields: object
) -> LabelledWindow:
    """An incident `[start, end + one step)` (ends are inclusive in the files), inside the data."""
    try:
        lo, hi = pd.Timestamp(start), pd.Timestamp(end)
    except (ValueError, TypeError) as exc:
        raise FixtureError(f"{where}: not a time: {exc}") from exc
    lo = lo.tz_localize("UTC") if lo.tzinfo is None else lo.tz_convert("UTC")
    hi = hi.tz_localize("UTC") if hi.tzinfo is None else hi.tz_convert("UTC")
    data_start = frame.index[0].to_pydatetime()
    data_end = frame.index[-1].to_pydatetime() + timedelta(seconds=step)
    hi_excl = hi.to_pydatetime() + timedelta(seconds=step)
    if lo.to_pydatetime() < data_end:  # the extra step may not outrun the data; a start may not
        hi_excl = min(hi_excl, data_end)
    check_window(where, lo.to_pydatetime(), hi_excl, data_start, data_end)
    return LabelledWindow(
        start=lo.to_pydatetime(), end=hi_excl, min_severity=Status.WARNING, **fields
    )  # type: ignore[arg-type]


def read(
    path: Path,
    progress: bool = True,
    windows: Path | None = None,
    timestamp_column: str = "timestamp",
    service: str | None = None,
    source: str | None = None,
    licence: str | None = None,
) -> Imported:
    if windows is None:
        raise FixtureError("csv import needs --windows FILE (a CSV with start,end columns)")
    frame, units, step = read_series(path, timestamp_column)
    name = service_name(service or path.stem).lower()  # case ids are lowercase
    table = pd.read_csv(windows, dtype=str, keep_default_na=False)
    require_columns(windows, list(table.columns), ["start", "end"])
    labels = []
    for i, row in table.iterrows():
        metrics = [m for m in row.get("metrics", "").split(";") if m]
        unknown = sorted(set(metrics) - set(frame.columns))
        if unknown:
            raise FixtureError(f"{windows}: row {int(i) + 2}: unknown metrics {unknown}")
        labels.append(
            window(
                f"{windows}: row {int(i) + 2}",
                row["start"],
                row["end"],
                frame,
                step,
                kind=row.get("kind") or "incident",
                metrics=metrics,
                note=row.get("note", ""),
            )
        )
    info = ImportInfo(
        format="csv",
        importer_version=VERSION,
        source=source or f"user CSV {path.name}",
        licence=licence or "unknown (not given with --licence)",
        files=[path.name, windows.name],
        choices={
            "metrics": "every column but the timestamp, as gauges, names snake_cased",
            "step": f"{step} s, the median spacing of the timestamps",
            "windows": "[start, end + one step): ends are inclusive in the file; "
            "min_severity WARNING",
        },
    )
    svc = ImportedService(
        name=name, frame=frame, labels=labels, description=f"{name}: {path.name}", units=units
    )
    return Imported(info=info, services=[svc], step_seconds=step, series_prefix="csv")
