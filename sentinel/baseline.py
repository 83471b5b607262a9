"""Per-metric seasonal robust baselines, fitted only on history strictly before the check.

A baseline says what a metric *should* read at a given time: a seasonal profile of robust
location (median) and scale (MAD x 1.4826) per season bucket, times a recent level ratio so a
slow trend (traffic growth) does not read as an anomaly.

Fallbacks, in order, so every input gives a defined answer:
- a bucket with fewer than `min_bucket_samples` samples (short history, scrape gaps) takes the
  coarser profile's value: hour_of_week -> hour_of_day -> global;
- a bucket scale of zero (MAD = 0: a constant or mostly-zero series) is replaced by
  `noise_floor = (P99.9 - P50) / 3.09` of the whole history, so a mostly-zero counter
  (deadlocks) gets the spread of its rare normal bursts rather than zero; every scale is then at least
  `min_rel_scale * |median|` and `eps` (a truly constant series), never zero;
- NaN/Inf samples are ignored (a gap), duplicated timestamps keep the last sample, unsorted input
  is sorted (`sentinel.sources.base.clean_series`).

Everything is vectorised over a 2-D array `[n_series, n_points]` sharing one time axis, so one fit
serves a single metric or ten thousand series alike (see benchmarks/bench_detectors.py).
`BaselineCache` keeps fitted profiles between checks and refits only when the hour changes, so a
walk-forward eval that checks every few minutes does not recompute 30 days each time.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

Seasonality = Literal["hour_of_week", "hour_of_day", "none"]

NS_PER_HOUR = 3_600_000_000_000
BUCKETS = {"hour_of_week": 168, "hour_of_day": 24, "none": 1}
MAD_TO_SIGMA = 1.4826
P999_TO_SIGMA = 3.09
_EPOCH_WEEKDAY_HOURS = 3 * 24  # 1970-01-01 was a Thursday; Monday 00:00 is bucket 0


def to_ns(timestamps: pd.DatetimeIndex | np.ndarray | pd.Series) -> np.ndarray:
    """Timestamps as int64 nanoseconds since the epoch (UTC)."""
    if isinstance(timestamps, pd.Series):
        timestamps = pd.DatetimeIndex(timestamps)
    if isinstance(timestamps, pd.DatetimeIndex):
        if timestamps.tz is not None:
            timestamps = timestamps.tz_convert("UTC").tz_localize(None)
        return timestamps.as_unit("ns").asi8  # pandas 3 may hold us or s: asi8 is in that unit
    arr = np.asarray(timestamps)
    if np.issubdtype(arr.dtype, np.datetime64):
        return arr.astype("datetime64[ns]").astype(np.int64)
    return arr.astype(np.int64)


def bucket_of(ns: np.ndarray, seasonality: Seasonality) -> np.ndarray:
    """Season bucket of each timestamp: hour of week (Monday 00h = 0), hour of day, or 0."""
    hours = ns // NS_PER_HOUR
    if seasonality == "hour_of_week":
        return ((hours + _EPOCH_WEEKDAY_HOURS) % 168).astype(np.intp)
    if seasonality == "hour_of_day":
        return (hours % 24).astype(np.intp)
    return np.zeros(len(ns), dtype=np.intp)


def nanmedian_rows(block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Median of the finite values of each row, and their count; NaN for rows with none.

    np.nanmedian goes through masked arrays and is ~50x slower on small blocks; sorting puts NaN
    last, so the median is read off at the middle of each row's finite prefix.
    """
    srt = np.sort(block, axis=1)
    n = np.isfinite(srt).sum(axis=1)
    lo = np.maximum((n - 1) // 2, 0)[:, None]
    hi = np.maximum(n // 2, 0)[:, None]
    if srt.shape[1] == 0:
        return np.full(block.shape[0], np.nan), n
    med = 0.5 * (np.take_along_axis(srt, lo, 1) + np.take_along_axis(srt, hi, 1))[:, 0]
    return np.where(n > 0, med, np.nan), n


def _grouped_median_mad(
    values: np.ndarray, buckets: np.ndarray, n_buckets: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-bucket median, MAD and finite-sample count of a [n_series, n_points] array (NaN = gap).

    Loops over buckets (at most 168), never over points: columns are sorted by bucket once and
    each bucket is one contiguous slice.
    """
    if values.shape[0] == 1:
        return _grouped_median_mad_1d(values[0], buckets, n_buckets)
    n_series = values.shape[0]
    med = np.full((n_series, n_buckets), np.nan)
    mad = np.full((n_series, n_buckets), np.nan)
    count = np.zeros((n_series, n_buckets), dtype=np.int64)
    order = np.argsort(buckets, kind="stable")
    bounds = np.searchsorted(buckets[order], np.arange(n_buckets + 1))
    for k in range(n_buckets):
        lo, hi = bounds[k], bounds[k + 1]
        if hi <= lo:
            continue
        block = values[:, order[lo:hi]]
        m, n = nanmedian_rows(block)
        d, _ = nanmedian_rows(np.abs(block - m[:, None]))
        med[:, k], mad[:, k], count[:, k] = m, d, n
    return med, mad, count


def _grouped_median_mad_1d(
    v: np.ndarray, buckets: np.ndarray, n_buckets: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One series: two lexsorts instead of a loop over buckets (the per-check path)."""
    ok = np.isfinite(v)
    v, b = v[ok], buckets[ok]
    count = np.bincount(b, minlength=n_buckets)
    med = _sorted_bucket_median(v, b, count)
    dev = np.abs(v - np.nan_to_num(med)[b])
    mad = _sorted_bucket_median(dev, b, count)
    return med[None, :], mad[None, :], count[None, :]


def _sorted_bucket_median(v: np.ndarray, b: np.ndarray, count: np.ndarray) -> np.ndarray:
    srt = v[np.lexsort((v, b))]
    start = np.concatenate([[0], np.cumsum(count)[:-1]])
    has = count > 0
    lo = start + np.maximum(count - 1, 0) // 2
    hi = start + count // 2
    out = np.full(len(count), np.nan)
    out[has] = 0.5 * (srt[lo[has]] + srt[hi[has]])
    return out


@dataclass
class SeasonalProfile:
    """A fitted baseline for one or many series sharing a time axis.

    Arrays are `[n_series, n_buckets]` (location, scale) and `[n_series]` (level, fallbacks).
    """

    seasonality: Seasonality
    location: np.ndarray
    scale: np.ndarray
    level: np.ndarray
    n_history: np.ndarray
    fallback_buckets: np.ndarray
    fitted_until_ns: int | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def n_series(self) -> int:
        return self.location.shape[0]

    def expected(self, ns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Expected value and scale at each timestamp: two `[n_series, n_points]` arrays."""
        b = bucket_of(ns, self.seasonality)
        lvl = self.level[:, None]
        return self.location[:, b] * lvl, self.scale[:, b] * lvl

    def residuals(self, values: np.ndarray, ns: np.ndarray) -> np.ndarray:
        """Robust z-scores `(x - expected) / scale`; NaN where the input is not finite."""
        x = np.atleast_2d(np.asarray(values, dtype=np.float64))
        b = bucket_of(ns, self.seasonality)
        lvl = self.level[:, None]
        inv = 1.0 / (self.scale * lvl)  # scale >= eps > 0 and level > 0 by construction
        loc = self.location * lvl
        with np.errstate(invalid="ignore"):
            z = x - loc[:, b]
            z *= inv[:, b]
        return z


@dataclass(frozen=True)
class BaselineParams:
    """Hyper-parameters of a baseline fit; defaults suit 1-minute observability metrics."""

    seasonality: Seasonality = "hour_of_week"
    min_bucket_samples: int = 20
    min_history: int = 30
    min_rel_scale: float = 0.02
    eps: float = 1e-9
    level_hours: float = 24.0
    max_level_ratio: float = 2.0


def fit_profile(
    values: np.ndarray, ns: np.ndarray, params: BaselineParams = BaselineParams()
) -> SeasonalProfile:
    """Fit a seasonal robust profile on `values[n_series, n_points]` at times `ns[n_points]`.

    The caller passes history strictly before the check; nothing here looks at the clock.
    """
    x = np.atleast_2d(np.asarray(values, dtype=np.float64))
    ns = np.asarray(ns, dtype=np.int64)
    if x.shape[1] != len(ns):
        raise ValueError(f"{x.shape[1]} values but {len(ns)} timestamps")
    x = np.where(np.isfinite(x), x, np.nan)
    notes: list[str] = []

    gm, gd, gc = _grouped_median_mad(x, np.zeros(len(ns), dtype=np.intp), 1)
    loc_g, mad_g, cnt_g = gm[:, 0], gd[:, 0], gc[:, 0]
    p999 = _nanquantile_rows(x, 0.999)
    noise_floor = np.nan_to_num((p999 - loc_g) / P999_TO_SIGMA, nan=0.0)

    season = params.seasonality
    if season == "none":
        loc, mad, cnt = gm, gd, gc
    else:
        dm, dd, dc = _grouped_median_mad(x, bucket_of(ns, "hour_of_day"), 24)
        enough = dc >= params.min_bucket_samples
        day_loc = np.where(enough, dm, loc_g[:, None])
        day_mad = np.where(enough, dd, mad_g[:, None])
        if season == "hour_of_day":
            loc, mad, cnt = day_loc, day_mad, dc
        else:
            wm, wd, wc = _grouped_median_mad(x, bucket_of(ns, "hour_of_week"), 168)
            enough_w = wc >= params.min_bucket_samples
            hod = np.arange(168) % 24
            loc = np.where(enough_w, wm, day_loc[:, hod])
            mad = np.where(enough_w, wd, day_mad[:, hod])
            cnt = wc
    fallback = (cnt < params.min_bucket_samples).sum(axis=1)
    if fallback.any():
        notes.append(f"{int(fallback.max())} buckets fell back to a coarser profile")

    loc = np.nan_to_num(loc, nan=0.0)
    scale = np.nan_to_num(mad * MAD_TO_SIGMA, nan=0.0)
    scale = np.where(scale > 0, scale, noise_floor[:, None])  # MAD = 0: the burst spread
    scale = np.maximum(scale, params.min_rel_scale * np.abs(loc))
    scale = np.maximum(scale, params.eps)

    level = _level_ratio(x, ns, loc, season, params)
    return SeasonalProfile(
        seasonality=season,
        location=loc,
        scale=scale,
        level=level,
        n_history=cnt_g,
        fallback_buckets=fallback,
        fitted_until_ns=int(ns[-1]) if len(ns) else None,
        notes=notes,
    )


def _level_ratio(
    x: np.ndarray, ns: np.ndarray, loc: np.ndarray, season: Seasonality, params: BaselineParams
) -> np.ndarray:
    """Recent level vs the profile: median(recent x) / median(expected), clipped; 1 if unsure.

    This is the trend correction: a metric that grew 10 % over the month is compared with a
    profile scaled by its last day's level, not the month's middle.
    """
    n_series = x.shape[0]
    if params.level_hours <= 0 or len(ns) == 0:
        return np.ones(n_series)
    start = ns[-1] - int(params.level_hours * NS_PER_HOUR)
    recent = ns > start
    if recent.sum() < params.min_history:
        return np.ones(n_series)
    exp = loc[:, bucket_of(ns[recent], season)]
    xr = x[:, recent]
    num, _ = nanmedian_rows(xr)
    den, _ = nanmedian_rows(np.where(np.isfinite(xr), exp, np.nan))
    with np.errstate(all="ignore"):
        ratio = num / den
    ok = np.isfinite(ratio) & (den > params.eps) & (num > 0)
    lo, hi = 1.0 / params.max_level_ratio, params.max_level_ratio
    return np.where(ok, np.clip(np.nan_to_num(ratio, nan=1.0), lo, hi), 1.0)


def _nanquantile_rows(x: np.ndarray, q: float) -> np.ndarray:
    """The q-quantile (nearest rank) of each row's finite values; NaN for rows with none."""
    if x.shape[1] == 0:
        return np.full(x.shape[0], np.nan)
    srt = np.sort(x, axis=1)
    n = np.isfinite(srt).sum(axis=1)
    idx = np.clip(np.ceil(q * n).astype(np.int64) - 1, 0, x.shape[1] - 1)[:, None]
    return np.where(n > 0, np.take_along_axis(srt, idx, 1)[:, 0], np.nan)


class BaselineCache:
    """Fitted profiles kept between checks, refitted at most once per `refit_seconds`.

    The fit cutoff is the start of the refit period containing the scored window's start, so the
    profile never sees the points it scores, and successive checks inside one period reuse it.
    """

    def __init__(self, refit_seconds: int = 3600) -> None:
        self.refit_ns = int(refit_seconds) * 1_000_000_000
        self._entries: dict[Hashable, tuple[int, object]] = {}
        self.fits = 0
        self.hits = 0

    def cutoff(self, window_start_ns: int) -> int:
        return window_start_ns - window_start_ns % self.refit_ns

    def get(self, key: Hashable, cutoff_ns: int) -> object | None:
        entry = self._entries.get(key)
        if entry is not None and entry[0] == cutoff_ns:
            self.hits += 1
            return entry[1]
        return None

    def put(self, key: Hashable, cutoff_ns: int, value: object) -> None:
        self.fits += 1
        self._entries[key] = (cutoff_ns, value)
