"""The one protocol the pipeline reads metrics through, so a live check and an eval step are the
same code with a different source and clock."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, runtime_checkable

import pandas as pd

from sentinel.config import MetricConfig, ServiceConfig


@runtime_checkable
class MetricSource(Protocol):
    """Answers range queries for a service's configured metrics.

    `range` returns the metric as the configured PromQL would evaluate it: a float Series named
    after the metric, indexed by a tz-aware UTC DatetimeIndex named `timestamp`, sorted, with
    no NaN/Inf (missing or non-finite samples are simply absent, so gaps are missing rows).
    An empty Series means "no data" and is not an error.
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


def clean_series(series: pd.Series, name: str) -> pd.Series:
    """Enforce the protocol's guarantees on any series: UTC index, sorted, unique, finite floats."""
    if series.empty:
        return empty_series(name)
    s = pd.to_numeric(series, errors="coerce").astype("float64")
    index = pd.DatetimeIndex(s.index)
    index = index.tz_localize("UTC") if index.tz is None else index.tz_convert("UTC")
    s.index = index.rename("timestamp")
    s = s[~s.index.duplicated(keep="last")].sort_index()
    s = s[s.notna() & ~s.isin([float("inf"), float("-inf")])]
    return s.rename(name)
