"""The one protocol the pipeline reads metrics through, so a live check and an eval step are the
same code with a different source and clock."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, runtime_checkable

import numpy as np
import pandas as pd

from sentinel.config import MetricConfig, ServiceConfig


@runtime_checkable
class MetricSource(Protocol):
    """Answers range queries for a service's configured metrics.

    `range` returns the metric as the configured PromQL would evaluate it: a float Series named
    after the metric, indexed by a tz-aware UTC DatetimeIndex named `timestamp`, sorted, with
    no NaN (missing samples are simply absent, so gaps are missing rows). A source may keep
    +-Inf where the backend really answered it (+Inf latency is beyond every threshold, not
    missing data); the assessor judges it. An empty Series means "no data" and is not an error.
    """

    @property
    def description(self) -> str:
        """Where the data comes from, e.g. `fixture:api-service (synthetic)`; named in verdicts."""
        ...

    def range(
        self,
        service: ServiceConfig,
        metric: MetricConfig,
        start: datetime,
        end: datetime,
        step_seconds: int,
    ) -> pd.Series: ...


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
