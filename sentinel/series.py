"""Series hygiene, the ground floor both sources and detectors stand on: the one shape a metric
series has (`clean_series`, `empty_series`) and timestamps as int64 nanoseconds (`to_ns`).

Imports only numpy and pandas, so any layer may use it without pulling in another.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def to_ns(timestamps: pd.DatetimeIndex | np.ndarray | pd.Series) -> np.ndarray:
    """Timestamps as int64 nanoseconds since the epoch (UTC)."""
    if isinstance(timestamps, pd.Series):
        timestamps = pd.DatetimeIndex(timestamps)
    if isinstance(timestamps, pd.DatetimeIndex):
        if timestamps.tz is not None:
            timestamps = timestamps.tz_convert("UTC").tz_localize(None)
        return timestamps.as_unit("ns").asi8  # pandas 3 may hold us or s: asi8 is in that unit
    arr = np.asarray(timestamps)
    if arr.dtype == np.int64:  # already epoch ns: the detectors' hot path, no copy
        return arr
    if np.issubdtype(arr.dtype, np.datetime64):
        return arr.astype("datetime64[ns]").astype(np.int64)
    return arr.astype(np.int64)


_NS_PER = {"s": 1_000_000_000, "ms": 1_000_000, "us": 1_000}


def empty_series(name: str) -> pd.Series:
    """The canonical 'no data' answer."""
    index = pd.DatetimeIndex([], tz="UTC", name="timestamp")
    return pd.Series([], index=index, dtype="float64", name=name)


def clean_series(
    series: pd.Series, name: str | None = None, *, keep_inf: bool = False
) -> pd.Series:
    """Enforce the protocol's guarantees on any series: UTC index, sorted, unique (last sample
    wins), finite floats (with `keep_inf`, +-Inf stays: only NaN is a gap).

    With `name` the result is also shaped as `range` returns it (series named `name`, index
    named `timestamp`, the canonical empty series for no data). Input that already meets the
    guarantees is not copied: the detectors call this on every metric of every check.
    """
    if series.empty:
        return series.astype("float64") if name is None else empty_series(name)
    index = series.index
    if not (
        isinstance(index, pd.DatetimeIndex)
        and str(index.tz) == "UTC"
        and series.dtype == np.float64
        and index.is_monotonic_increasing
        and index.is_unique
        and _kept(series.to_numpy(), keep_inf).all()
    ):
        s = pd.to_numeric(series, errors="coerce").astype("float64")
        index = pd.DatetimeIndex(s.index)
        s.index = index.tz_localize("UTC") if index.tz is None else index.tz_convert("UTC")
        s = s[~s.index.duplicated(keep="last")].sort_index()
        series = s[_kept(s.to_numpy(), keep_inf)]
    return series if name is None else series.rename_axis("timestamp").rename(name)


def _kept(values: np.ndarray, keep_inf: bool) -> np.ndarray:
    return ~np.isnan(values) if keep_inf else np.isfinite(values)


def series_arrays(series: pd.Series, *, keep_inf: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """`clean_series(series, keep_inf=keep_inf)` as (int64 ns timestamps, float64 values).

    A series that is already UTC, float64, sorted and unique (what every source returns) is
    read straight from its buffers, with only the gaps dropped: no pandas index checks, which
    cost more than the detectors on a 28-day series. Anything else goes through clean_series.
    """
    index = series.index
    if (
        isinstance(index, pd.DatetimeIndex)
        and str(index.tz) == "UTC"
        and series.dtype == np.float64
    ):
        unit = index.unit
        ns = index.asi8 if unit == "ns" else index.asi8 * _NS_PER[unit]  # as_unit is slower
        values = series.to_numpy()
        if len(ns) < 2 or bool((ns[1:] > ns[:-1]).all()):
            keep = _kept(values, keep_inf)
            return (ns, values) if keep.all() else (ns[keep], values[keep])
    s = clean_series(series, keep_inf=keep_inf)
    return to_ns(pd.DatetimeIndex(s.index)), s.to_numpy(dtype=np.float64)


def ns_of(at: pd.Timestamp | np.datetime64 | object) -> int:
    """One point in time (a tz-aware datetime or Timestamp) as int64 nanoseconds since the epoch."""
    return int(pd.Timestamp(at).as_unit("ns").value)
