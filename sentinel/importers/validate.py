"""Checks every importer applies before writing anything: each error names the file and the row
(1-based line number in the file, header = line 1) so the user can open it and look."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from sentinel.errors import FixtureError


def require_columns(path: Path, header: Sequence[str], required: Iterable[str]) -> None:
    missing = [c for c in required if c not in header]
    if missing:
        raise FixtureError(
            f"{path}: row 1 (header): missing column(s) {missing}; found {list(header)}"
        )


def check_increasing(path: Path, times: pd.DatetimeIndex | pd.Series, first_line: int = 2) -> None:
    """Timestamps must be strictly increasing: a duplicate or a step back is an error naming the
    offending line (`first_line` = file line of times[0])."""
    ns = pd.DatetimeIndex(times).as_unit("ns").asi8
    if len(ns) < 2:
        return
    diff = np.diff(ns)
    bad = np.flatnonzero(diff <= 0)
    if len(bad):
        i = int(bad[0]) + 1
        what = "duplicate" if diff[bad[0]] == 0 else "unsorted (earlier than the row before)"
        raise FixtureError(
            f"{path}: row {first_line + i}: {what} timestamp {pd.Timestamp(ns[i], tz='UTC')}"
        )


def check_numeric(path: Path, frame: pd.DataFrame, first_line: int = 2) -> pd.DataFrame:
    """Value columns as float64; a cell that is not a number (blank is allowed: missing) fails.
    Columns the CSV parser already read as numbers pass without a second look."""
    out = {}
    for col in frame.columns:
        if pd.api.types.is_numeric_dtype(frame[col]):
            out[col] = frame[col].astype("float64")
            continue
        values = pd.to_numeric(frame[col], errors="coerce")
        bad = values.isna() & frame[col].notna() & (frame[col].astype(str).str.strip() != "")
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise FixtureError(
                f"{path}: row {first_line + i}: column {col!r} value {frame[col].iloc[i]!r} "
                "is not a number"
            )
        out[col] = values.astype("float64")
    return pd.DataFrame(out, index=frame.index)


def check_window(
    where: str, start: datetime, end: datetime, data_start: datetime, data_end: datetime
) -> None:
    """A labelled window must lie inside the data (`[data_start, data_end]`) and have length."""
    fmt = "%Y-%m-%dT%H:%MZ"
    if end <= start:
        raise FixtureError(f"{where}: window end {end:{fmt}} is not after start {start:{fmt}}")
    if start < data_start or end > data_end:
        raise FixtureError(
            f"{where}: window {start:{fmt}}..{end:{fmt}} lies outside the data "
            f"({data_start:{fmt}}..{data_end:{fmt}})"
        )


def metric_name(column: str) -> str:
    """A column header as a Sentinel metric key: `CpuUsageRate(%)` -> `cpu_usage_rate_pct`."""
    text = column.replace("%", "pct")
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text)
    text = re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_").lower()
    if not text or not text[0].isalpha():
        text = f"m_{text}"
    return text


def unit_of(column: str) -> str:
    """The unit in a header's trailing parentheses: `PodServerLatencyP90(s)` -> `s`."""
    m = re.search(r"\(([^)]*)\)\s*$", column)
    return m.group(1) if m else ""


def service_name(text: str) -> str:
    """A name the services file accepts (`^[A-Za-z0-9_.-]+$`)."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-") or "service"


def source_of(path: Path, fallback: str) -> str:
    """The data set's `SOURCE` line (upstream repository @ commit), if it ships one."""
    source = path / "SOURCE"
    return source.read_text().strip() if source.is_file() else f"{fallback}: {path.name}"


def licence_of(path: Path) -> str:
    """`MIT` when the folder's LICENSE is the MIT text; else `see LICENSE` or `unknown`."""
    licence = path / "LICENSE"
    if not licence.is_file():
        return "unknown (no LICENSE file beside the data)"
    text = licence.read_text()
    return (
        "MIT" if "MIT License" in text or "Permission is hereby granted" in text else "see LICENSE"
    )
