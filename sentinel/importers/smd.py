"""Server Machine Dataset (OmniAnomaly, KDD 2019; InterFusion's processed copy).

Per machine: `machine-<id>_train.csv.gz` (unlabelled, treated as history), `_test.csv.gz` (same
columns + `label`) and `_interpretation.txt` (`start-end:d1,d2,...`, test rows and the 1-based
dimensions that show each segment). The source has row numbers, not times: row i of train is
`start + i min`, test follows train without a gap. Windows come from the per-minute `label`
column (one window per run of 1s: [first row, last row + 1 min)); their metrics from the
interpretation line that overlaps them.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from sentinel.errors import FixtureError
from sentinel.importers.validate import (
    check_numeric,
    check_window,
    licence_of,
    require_columns,
    source_of,
)
from sentinel.importers.write import Imported, ImportedService
from sentinel.models import ImportInfo, LabelledWindow, Status

VERSION = "1"
DEFAULT_START = datetime(2024, 1, 1, tzinfo=UTC)  # a Monday 00:00 UTC
CHUNK_ROWS = 4096
_SEGMENT = re.compile(r"^(\d+)-(\d+):([\d,]+)$")


def read(
    path: Path,
    progress: bool = True,
    start: datetime = DEFAULT_START,
    machines: list[str] | None = None,
) -> Imported:
    """Read every machine in `path` (or only `machines`, e.g. ['machine-1-6'])."""
    if not path.is_dir():
        raise FixtureError(f"{path}: not a directory (expected machine-*_test.csv.gz files)")
    found = sorted(p.name.removesuffix("_test.csv.gz") for p in path.glob("machine-*_test.csv.gz"))
    wanted = machines or found
    unknown = sorted(set(wanted) - set(found))
    if unknown or not wanted:
        raise FixtureError(f"{path}: no test file for {unknown or 'any machine'} (found {found})")
    if start.utcoffset() is None:
        raise FixtureError(f"--start {start}: give a UTC time, e.g. 2024-01-01T00:00:00Z")
    services, files = [], []
    for machine in tqdm(wanted, desc="smd", unit="machine", disable=not progress):
        svc, used = _machine(path, machine, start, progress)
        services.append(svc)
        files += used
    info = ImportInfo(
        format="smd",
        importer_version=VERSION,
        source=source_of(path, "SMD"),
        licence=licence_of(path),
        files=files,
        choices={
            "timestamps": f"row i of train at {start:%Y-%m-%dT%H:%MZ} ({start:%A}) + i minutes; "
            "test rows follow train without a gap. The source has row numbers only: the daily "
            "cycle is real, its phase is not",
            "history": "train rows are baseline history (unlabelled, mostly normal); checks "
            "run over the test rows only",
            "windows": "one incident per run of label=1 minutes, [first, last + 1 min), "
            "min_severity WARNING; metrics from the overlapping interpretation line",
            "metrics": "m00..m37 as in the source (min-max scaled by the authors), gauges; "
            "interpretation dimension d is metric m{d-1}",
        },
    )
    return Imported(info=info, services=services, step_seconds=60, series_prefix="smd")


def _machine(
    path: Path, machine: str, start: datetime, progress: bool
) -> tuple[ImportedService, list[str]]:
    train_path, test_path = path / f"{machine}_train.csv.gz", path / f"{machine}_test.csv.gz"
    interp_path = path / f"{machine}_interpretation.txt"
    for p in (train_path, interp_path):
        if not p.exists():
            raise FixtureError(f"{p}: missing (every machine needs _train, _test, _interpretation)")
    train = _read_rows(train_path, with_label=False, progress=progress)
    test = _read_rows(test_path, with_label=True, progress=progress)
    if list(train.columns) != [c for c in test.columns if c != "label"]:
        raise FixtureError(f"{test_path}: row 1 (header): columns differ from {train_path.name}")
    labels = test.pop("label")
    frame = pd.concat([train, test], ignore_index=True)
    frame.index = pd.DatetimeIndex(
        [start + timedelta(minutes=i) for i in range(len(frame))], name="timestamp"
    )
    test_start = start + timedelta(minutes=len(train))
    segments = _interpretation(interp_path, len(test), len(frame.columns))
    windows = _windows(test_path, labels, segments, test_start, list(frame.columns))
    data_end = frame.index[-1].to_pydatetime() + timedelta(minutes=1)
    for w in windows:
        check_window(f"{test_path}", w.start, w.end, test_start, data_end)
    svc = ImportedService(
        name=machine,
        frame=frame,
        labels=windows,
        description=f"SMD {machine}: {len(train)} train + {len(test)} test minutes, 38 metrics "
        "(CPU, memory, disk, network, TCP; names unpublished, min-max scaled). REAL data.",
        eval_start=test_start,
    )
    return svc, [train_path.name, test_path.name, interp_path.name]


def _read_rows(path: Path, with_label: bool, progress: bool) -> pd.DataFrame:
    """Stream one CSV in chunks; `t` must count 0, 1, 2, ... (one row a minute)."""
    if not path.exists():
        raise FixtureError(f"{path}: missing")
    chunks = []
    expected = 0
    with (
        pd.read_csv(path, chunksize=CHUNK_ROWS) as reader,
        tqdm(desc=path.name, unit="row", disable=not progress, leave=False) as bar,
    ):
        for chunk in reader:
            header = list(chunk.columns)
            required = ["t", "m00"] + (["label"] if with_label else [])
            require_columns(path, header, required)
            t = pd.to_numeric(chunk["t"], errors="coerce").to_numpy()
            bad = np.flatnonzero(t != np.arange(expected, expected + len(chunk)))
            if len(bad):
                line = expected + int(bad[0]) + 2
                raise FixtureError(
                    f"{path}: row {line}: t={chunk['t'].iloc[int(bad[0])]}, expected {expected + int(bad[0])} "
                    "(rows must be one a minute, sorted, no duplicates or gaps)"
                )
            values = check_numeric(path, chunk.drop(columns=["t"]), first_line=expected + 2)
            chunks.append(values)
            expected += len(chunk)
            bar.update(len(chunk))
    if not chunks:
        raise FixtureError(f"{path}: no data rows")
    frame = pd.concat(chunks, ignore_index=True)
    if with_label and not frame["label"].isin([0.0, 1.0]).all():
        i = int((~frame["label"].isin([0.0, 1.0])).to_numpy().argmax())
        raise FixtureError(f"{path}: row {i + 2}: label must be 0 or 1")
    return frame


def _interpretation(
    path: Path, n_test: int, n_metrics: int
) -> list[tuple[int, int, list[int], int]]:
    """(start row, end row, 0-based dims, line) per line; rows must lie inside the test file."""
    out = []
    for line_no, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        m = _SEGMENT.match(line.strip())
        if not m:
            raise FixtureError(
                f"{path}: row {line_no}: expected 'start-end:d1,d2,...', got {line!r}"
            )
        lo, hi = int(m.group(1)), int(m.group(2))
        dims = [int(d) - 1 for d in m.group(3).split(",") if d]
        if not 0 <= lo <= hi <= n_test or any(not 0 <= d < n_metrics for d in dims):
            raise FixtureError(
                f"{path}: row {line_no}: segment {lo}-{hi} or dimensions outside the data "
                f"({n_test} test rows, {n_metrics} metrics)"
            )
        out.append((lo, hi, dims, line_no))
    return out


def _windows(
    path: Path,
    labels: pd.Series,
    segments: list[tuple[int, int, list[int], int]],
    test_start: datetime,
    metrics: list[str],
) -> list[LabelledWindow]:
    flags = labels.to_numpy() == 1
    runs, begin = [], None
    for i, flag in enumerate([*flags, False]):
        if flag and begin is None:
            begin = i
        elif not flag and begin is not None:
            runs.append((begin, i))  # [begin, i) in test rows
            begin = None
    windows = []
    for lo, hi in runs:
        dims = sorted({d for s, e, ds, _ in segments if s < hi and lo <= e for d in ds})
        lines = [n for s, e, _, n in segments if s < hi and lo <= e]
        windows.append(
            LabelledWindow(
                start=test_start + timedelta(minutes=lo),
                end=test_start + timedelta(minutes=hi),
                kind="smd_anomaly",
                min_severity=Status.WARNING,
                metrics=[metrics[d] for d in dims],
                note=f"test rows {lo}-{hi - 1} labelled anomalous"
                + (f"; interpretation line(s) {lines}" if lines else "; no interpretation line"),
            )
        )
    return windows
