"""Answer range queries from recorded fixtures, evaluated the way the PromQL query would be.

Gauges are looked up like an instant vector (last sample within the 5-minute lookback);
counters get `rate()` over the metric's `rate_window`, with counter resets handled.

Both depend only on raw samples up to each grid time, so each (fixture, metric, step) is
evaluated once over the whole fixture and later queries on the same grid are array slices:
a walk-forward eval or a 1,000-service loop then costs a slice per check, not a 28-day rate().
"""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from sentinel.config import FIXTURES_DIR, MetricConfig, ServiceConfig, parse_duration_seconds
from sentinel.errors import FixtureError
from sentinel.fixtures.files import Fixture, load_fixture
from sentinel.series import clean_series, empty_series, ns_of

LOOKBACK_SECONDS = 300  # Prometheus' default lookback delta
NS_PER_S = 1_000_000_000


class FixtureSource:
    """A MetricSource over fixtures. The agent and eval cannot tell it from Prometheus."""

    def __init__(self, fixtures_dir: Path = FIXTURES_DIR) -> None:
        self.fixtures_dir = fixtures_dir
        self._loaded: dict[str, Fixture] = {}
        self._evaluated: dict[tuple[str, str, int], tuple[pd.Series, np.ndarray]] = {}
        self._lock = threading.Lock()  # the scheduler queries from several threads

    @property
    def description(self) -> str:
        return f"fixtures:{self.fixtures_dir}"

    def fixture_for(self, service: ServiceConfig) -> Fixture:
        name = service.fixture or service.name
        with self._lock:
            if name not in self._loaded:
                self._loaded[name] = load_fixture(name, self.fixtures_dir)
            return self._loaded[name]

    def check_covers(self, service: ServiceConfig, at: datetime) -> None:
        """Raise FixtureError, naming the fixture and its range, if `at` lies outside it."""
        fixture = self.fixture_for(service)
        m = fixture.manifest
        if not m.start < at <= m.end:
            raise FixtureError(
                f"check time {at:%Y-%m-%dT%H:%M}Z is outside fixture {fixture.name!r} "
                f"({fixture.path}: {m.start:%Y-%m-%dT%H:%M}Z..{m.end:%Y-%m-%dT%H:%M}Z); "
                "pass --at inside that range"
            )

    def range(
        self,
        service: ServiceConfig,
        metric: MetricConfig,
        start: datetime,
        end: datetime,
        step_seconds: int,
    ) -> pd.Series:
        fixture = self.fixture_for(service)
        m = fixture.manifest
        if end < m.start or start > m.end:
            raise FixtureError(
                f"fixture {fixture.name!r} covers {m.start:%Y-%m-%d %H:%M}..{m.end:%Y-%m-%d %H:%M} "
                f"UTC; asked for {start:%Y-%m-%d %H:%M}..{end:%Y-%m-%d %H:%M}"
            )
        first_ns = -(-ns_of(start) // NS_PER_S) * NS_PER_S  # ceil to the second
        step_ns = step_seconds * NS_PER_S
        # On the fixture's grid (a history reaching back before the fixture is too: the points
        # before its start are NaN and dropped either way), answer with a slice of the cache:
        # two binary searches on its int64 axis, no pandas on the way.
        if (first_ns - ns_of(m.start)) % step_ns == 0 and end <= m.end:
            full, axis = self._evaluated_on_fixture_grid(fixture, metric, step_seconds)
            lo = int(np.searchsorted(axis, first_ns, side="left"))
            hi = int(np.searchsorted(axis, ns_of(end), side="right"))
            return full.iloc[lo:hi] if hi > lo else empty_series(metric.name)
        return self._evaluate(fixture, metric, pd.Timestamp(first_ns, tz="UTC"), end, step_seconds)

    def _evaluated_on_fixture_grid(
        self, fixture: Fixture, metric: MetricConfig, step_seconds: int
    ) -> tuple[pd.Series, np.ndarray]:
        """The whole fixture evaluated on its grid (index in ns) and that index as epoch ns."""
        key = (fixture.name, metric.name, step_seconds)
        with self._lock:
            hit = self._evaluated.get(key)
        if hit is None:
            m = fixture.manifest
            full = self._evaluate(fixture, metric, pd.Timestamp(m.start), m.end, step_seconds)
            full.index = pd.DatetimeIndex(full.index).as_unit("ns")  # read as-is by series_arrays
            hit = (full, full.index.asi8)
            with self._lock:
                self._evaluated[key] = hit
        return hit

    @staticmethod
    def _evaluate(
        fixture: Fixture,
        metric: MetricConfig,
        first: pd.Timestamp,
        end: datetime,
        step_seconds: int,
    ) -> pd.Series:
        raw = fixture.raw(metric.name)
        grid = pd.date_range(first, end, freq=f"{step_seconds}s")
        if metric.type == "counter":
            values = counter_rate(raw, grid, parse_duration_seconds(metric.rate_window))
        else:
            values = instant_values(raw, grid, LOOKBACK_SECONDS)
        if len(grid) == 0:
            return empty_series(metric.name)
        return clean_series(pd.Series(values, index=grid), metric.name)


def instant_values(raw: pd.Series, grid: pd.DatetimeIndex, lookback_s: int) -> np.ndarray:
    """Last sample at or before each grid time, if within the lookback; else NaN."""
    t, g = _ns(raw.index), _ns(grid)
    idx = np.searchsorted(t, g, side="right") - 1
    ok = idx >= 0
    out = np.full(len(g), np.nan)
    safe = np.clip(idx, 0, None)
    fresh = ok & (g - t[safe] <= lookback_s * 1_000_000_000)
    out[fresh] = raw.to_numpy()[safe[fresh]]
    return out


def counter_rate(raw: pd.Series, grid: pd.DatetimeIndex, window_s: int) -> np.ndarray:
    """Per-second rate over (t - window, t] like PromQL rate(), without boundary extrapolation.

    Resets (a drop in value) count the post-reset value as the increase, as Prometheus does.
    Needs at least two samples in the window; otherwise NaN.
    """
    v = raw.to_numpy(dtype="float64")
    t = _ns(raw.index)
    if len(v) == 0:
        return np.full(len(grid), np.nan)
    inc = np.diff(v, prepend=v[0])
    inc = np.where(inc < 0, v, inc)  # reset: counter restarted from zero
    corrected = np.cumsum(inc)
    g = _ns(grid)
    last = np.searchsorted(t, g, side="right") - 1
    first = np.searchsorted(t, g - window_s * 1_000_000_000, side="right")
    ok = (last >= 0) & (last - first >= 1)
    out = np.full(len(g), np.nan)
    lo, hi = first[ok], last[ok]
    span_s = (t[hi] - t[lo]) / 1e9
    out[ok] = (corrected[hi] - corrected[lo]) / span_s
    return out


def _ns(index: pd.DatetimeIndex) -> np.ndarray:
    """Epoch nanoseconds whatever the index's unit (pandas 3 defaults to microseconds)."""
    return pd.DatetimeIndex(index).as_unit("ns").asi8
