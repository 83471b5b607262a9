"""The MetricSource series contract (`clean_series`): what every source returns and every
detector reads: UTC, sorted, unique (last sample wins), finite floats."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sentinel.series import clean_series

IDX = pd.DatetimeIndex(
    ["2026-10-05 00:02", "2026-10-05 00:01", "2026-10-05 00:02", "2026-10-05 00:03"]
)


def test_clean_series_sorts_dedups_and_drops_non_finite():
    s = clean_series(pd.Series([1.0, 2.0, 3.0, np.nan], index=IDX))
    assert list(s.to_numpy()) == [2.0, 3.0]
    assert str(s.index.tz) == "UTC" and s.index.is_monotonic_increasing


def test_named_clean_series_is_shaped_as_a_source_returns_it():
    s = clean_series(pd.Series(["1", "x", "inf", "4"], index=IDX), "latency_p99")
    assert s.name == "latency_p99" and s.index.name == "timestamp" and s.dtype == np.float64
    assert list(s.to_numpy()) == [4.0]  # 00:02 keeps its last sample (inf, dropped); "x" too
    empty = clean_series(pd.Series([np.nan], index=IDX[:1]), "m")
    assert empty.empty and empty.name == "m" and empty.index.name == "timestamp"


def test_clean_input_is_returned_without_a_copy():
    clean = clean_series(pd.Series([1.0, 2.0, 3.0], index=IDX[1:].sort_values().unique()))
    clean = clean_series(clean)
    assert clean_series(clean) is clean
