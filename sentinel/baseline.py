"""Per-metric seasonal robust baselines, fitted only on history strictly before the check.

A baseline says what a metric *should* read at a given time: a seasonal profile of robust
location (median) and scale (MAD x 1.4826) per season bucket, corrected by the recent level
(`trend`) so a slow trend (traffic growth) or a level change that has persisted does not keep
reading as an anomaly.

Trend correction (`BaselineParams.trend`), estimated on the last `level_hours` of history:
- `multiplicative`: expected value and scale times `median(recent x) / median(expected)`, clipped
  to [1/max_level_ratio, max_level_ratio]. Right for traffic-like series whose daily swing grows
  with their level (10 % more users -> 10 % more at every hour);
- `additive`: expected value plus `median(recent x - expected)`, scale unchanged. Right for a
  step that adds a constant (a deploy that adds 25 ms to every request), where scaling a strong
  daily cycle by the level ratio would inflate its swing and leave residuals of +-(ratio-1) x
  amplitude at every peak and trough, i.e. a day of alarms;
- `auto` (seasonal_mad's default): per series, whichever of the two leaves the smaller median
  absolute residual over that recent window; additive must win by `additive_margin` so that
  without a clear level change (both corrections ~identity) the multiplicative behaviour stands.
  A near-zero series, whose ratio is undefined and falls back to 1, is thereby corrected
  additively when that fits.
Both estimators are medians over `level_hours`, so a persisting step is absorbed only once it
covers about half of that window (~12 h with the default 24 h): a step after a deploy is flagged
for hours first, then becomes the new normal instead of alarming for days.

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
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
import pandas as pd

Seasonality = Literal["hour_of_week", "hour_of_day", "none"]
Trend = Literal["multiplicative", "additive", "auto"]

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

    Arrays are `[n_series, n_buckets]` (location, scale) and `[n_series]` (level, offset,
    fallbacks). Expected value = location x level + offset; scale = scale x level. A series
    corrected additively has level 1, a multiplicative one offset 0.
    """

    seasonality: Seasonality
    location: np.ndarray
    scale: np.ndarray
    level: np.ndarray
    n_history: np.ndarray
    fallback_buckets: np.ndarray
    fitted_until_ns: int | None = None
    notes: list[str] = field(default_factory=list)
    offset: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.offset is None:
            self.offset = np.zeros(self.location.shape[0])

    @property
    def n_series(self) -> int:
        return self.location.shape[0]

    def expected(self, ns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Expected value and scale at each timestamp: two `[n_series, n_points]` arrays."""
        b = bucket_of(ns, self.seasonality)
        lvl = self.level[:, None]
        return self.location[:, b] * lvl + self.offset[:, None], self.scale[:, b] * lvl

    def residuals(self, values: np.ndarray, ns: np.ndarray) -> np.ndarray:
        """Robust z-scores `(x - expected) / scale`; NaN where the input is not finite."""
        x = np.atleast_2d(np.asarray(values, dtype=np.float64))
        b = bucket_of(ns, self.seasonality)
        lvl = self.level[:, None]
        inv = 1.0 / (self.scale * lvl)  # scale >= eps > 0 and level > 0 by construction
        loc = self.location * lvl + self.offset[:, None]
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
    trend: Trend = "multiplicative"
    additive_margin: float = 0.8


def fit_profile(
    values: np.ndarray, ns: np.ndarray, params: BaselineParams = BaselineParams()
) -> SeasonalProfile:
    """Fit a seasonal robust profile on `values[n_series, n_points]` at times `ns[n_points]`.

    The caller passes history strictly before the check; nothing here looks at the clock.
    For an additive (or auto) trend a second profile is fitted on the history minus each
    `level_hours` block's median offset from a "majority" profile, so a step days ago does not
    leave some hour-of-week buckets half-shifted (a median over one pre-step and one post-step
    week sits between the two levels). The majority profile uses only buckets holding at least
    2.5 hours' worth of samples (three or more weeks for hour_of_week), else the coarser
    hour_of_day: its medians follow the level most of the history had, and with enough weeks it
    keeps the weekday/weekend difference in the buckets instead of in the block offsets.
    """
    x = np.atleast_2d(np.asarray(values, dtype=np.float64))
    ns = np.asarray(ns, dtype=np.int64)
    if x.shape[1] != len(ns):
        raise ValueError(f"{x.shape[1]} values but {len(ns)} timestamps")
    x = np.where(np.isfinite(x), x, np.nan)
    mult = _fit_seasonal(x, ns, params)
    recent = _recent(ns, params)
    if recent is None:
        return mult
    exp = np.where(
        np.isfinite(x[:, recent]), mult.location[:, bucket_of(ns[recent], mult.seasonality)], np.nan
    )
    mult.level = _level_ratio(x[:, recent], exp, params)
    if params.trend == "multiplicative":
        return mult
    blocks = ((ns[-1] - ns) // int(params.level_hours * NS_PER_HOUR)).astype(np.intp)
    per_hour = NS_PER_HOUR / max(float(np.median(np.diff(ns))), 1.0) if len(ns) > 1 else 1.0
    majority = replace(params, min_bucket_samples=max(params.min_bucket_samples, 2.5 * per_hour))
    coarse = _fit_seasonal(x, ns, majority)
    resid = x - coarse.location[:, bucket_of(ns, coarse.seasonality)]
    block_off, _, _ = _grouped_median_mad(resid, blocks, int(blocks.max()) + 1)
    add = _fit_seasonal(x - np.nan_to_num(block_off)[:, blocks], ns, params)
    add.n_history = mult.n_history
    exp_add = add.location[:, bucket_of(ns[recent], add.seasonality)]
    offset, _ = nanmedian_rows(x[:, recent] - exp_add)
    add.offset = np.nan_to_num(offset, nan=0.0, posinf=0.0, neginf=0.0)
    if params.trend == "additive":
        return add
    xr = x[:, recent]
    err_mult, _ = nanmedian_rows(np.abs(xr - exp * mult.level[:, None]))
    err_add, _ = nanmedian_rows(np.abs(xr - exp_add - add.offset[:, None]))
    pick = np.isfinite(err_add) & (err_add < params.additive_margin * err_mult)
    if not pick.any():
        return mult
    if pick.all():
        return add
    col = pick[:, None]
    return SeasonalProfile(
        seasonality=mult.seasonality,
        location=np.where(col, add.location, mult.location),
        scale=np.where(col, add.scale, mult.scale),
        level=np.where(pick, 1.0, mult.level),
        n_history=mult.n_history,
        fallback_buckets=np.where(pick, add.fallback_buckets, mult.fallback_buckets),
        fitted_until_ns=mult.fitted_until_ns,
        notes=mult.notes,
        offset=np.where(pick, add.offset, 0.0),
    )


def _fit_seasonal(x: np.ndarray, ns: np.ndarray, params: BaselineParams) -> SeasonalProfile:
    """The seasonal location/scale profile with no trend correction (level 1, offset 0)."""
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
    return SeasonalProfile(
        seasonality=season,
        location=loc,
        scale=scale,
        level=np.ones(x.shape[0]),
        n_history=cnt_g,
        fallback_buckets=fallback,
        fitted_until_ns=int(ns[-1]) if len(ns) else None,
        notes=notes,
    )


def _recent(ns: np.ndarray, params: BaselineParams) -> np.ndarray | None:
    """Mask of the last `level_hours` of history; None when too short to estimate a level."""
    if params.level_hours <= 0 or len(ns) == 0:
        return None
    recent = ns > ns[-1] - int(params.level_hours * NS_PER_HOUR)
    return recent if recent.sum() >= params.min_history else None


def _level_ratio(xr: np.ndarray, exp: np.ndarray, params: BaselineParams) -> np.ndarray:
    """Recent level vs the profile: median(recent x) / median(expected), clipped; 1 if unsure.

    The multiplicative trend correction: a metric that grew 10 % over the month is compared
    with a profile scaled by its last day's level, not the month's middle.
    """
    num, _ = nanmedian_rows(xr)
    den, _ = nanmedian_rows(exp)
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
