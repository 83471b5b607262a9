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
- a bucket with fewer than `min_bucket_samples` samples, or three seasons' worth at the data's
  step if that is fewer (short history, scrape gaps), takes the coarser profile's value: a
  finer-than-hourly bucket (which also needs samples from three different weeks) its hour's,
  then hour_of_week -> hour_of_day -> global;
- a bucket scale of zero (MAD = 0: a constant or mostly-zero series) is replaced by
  `noise_floor = (P99.9 - P50) / 3.09` of the whole history, so a mostly-zero counter
  (deadlocks) gets the spread of its rare normal bursts rather than zero; every scale is then at least
  `min_rel_scale * |median|` and `eps` (a truly constant series), never zero;
- NaN/Inf samples are ignored (a gap), duplicated timestamps keep the last sample, unsorted input
  is sorted (`sentinel.series.clean_series`).

Buckets are an hour long by default; `bucket_minutes` makes them finer (seasonal_mad uses 5) so
the profile follows a nightly job's edges, not just its hour. A finer bucket keeps its own median
but takes the scale of its hour (the MAD of the residuals from the finer medians over the hour),
which ~20 samples per bucket could not estimate steadily. `tolerance_minutes` lets a point that
is far from its own bucket match a neighbouring one instead, so that job starting or ending a few
minutes off its usual time is not an anomaly at each edge.

Everything is vectorised over a 2-D array `[n_series, n_points]` sharing one time axis, so one fit
serves a single metric or ten thousand series alike (see benchmarks/bench_detectors.py).
`BaselineCache` keeps fitted profiles between checks and refits once an hour (each service at its
own minute of the hour), so a walk-forward eval that checks every few minutes does not recompute
30 days each time.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from sentinel.baseline_cache import BaselineCache
from sentinel.bucket_stats import BucketStats, bucket_values, own_buckets
from sentinel.grouped_stats import nanmedian_rows
from sentinel.season import (
    NS_PER_HOUR,
    NS_PER_MINUTE,
    SEASON_MINUTES,
    BaselineParams,
    Seasonality,
    TimeAxis,
    Trend,
    bucket_of,
    n_buckets,
)
from sentinel.series import to_ns

__all__ = [
    "NS_PER_HOUR",
    "NS_PER_MINUTE",
    "SEASON_MINUTES",
    "BaselineCache",
    "BaselineParams",
    "SeasonalProfile",
    "Seasonality",
    "Trend",
    "bucket_of",
    "fit_profile",
    "n_buckets",
    "nanmedian_rows",
    "to_ns",
]

MAD_TO_SIGMA = 1.4826
P999_TO_SIGMA = 3.09
FIT_CHUNK_POINTS = 1 << 20  # values per chunk of series a fit works on (8 MB of float64)
TOLERANCE_MIN_Z = 3.0  # points closer than this to their own bucket are not looked at twice


@dataclass
class SeasonalProfile:
    """A fitted baseline for one or many series sharing a time axis.

    Arrays are `[n_series, n_buckets]` (location, scale) and `[n_series]` (level, offset,
    fallbacks). Expected value = location x level + offset; scale = scale x level. A series
    corrected additively has level 1, a multiplicative one offset 0. Buckets are
    `bucket_minutes` long; `tolerance_buckets` > 0 lets a point match a neighbouring bucket
    (see `residuals`).
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
    bucket_minutes: int = 60
    tolerance_buckets: int = 0
    fitted: np.ndarray | None = None  # [n_series, n_buckets]: the bucket had its own samples

    def __post_init__(self) -> None:
        if self.offset is None:
            self.offset = np.zeros(self.location.shape[0])

    @property
    def n_series(self) -> int:
        return self.location.shape[0]

    def expected(self, ns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Expected value and scale at each timestamp: two `[n_series, n_points]` arrays."""
        b = bucket_of(ns, self.seasonality, self.bucket_minutes)
        lvl = self.level[:, None]
        return self.location[:, b] * lvl + self.offset[:, None], self.scale[:, b] * lvl

    def residuals(self, values: np.ndarray, ns: np.ndarray) -> np.ndarray:
        """Robust z-scores `(x - expected) / scale`; NaN where the input is not finite.

        With `tolerance_buckets` = k > 0, a point more than `TOLERANCE_MIN_Z` from its own bucket
        takes the z of smallest magnitude among the k buckets either side too: a nightly job that
        starts or ends a few minutes off its usual time matches the bucket it usually runs in,
        instead of reading as a jump or a drop at each edge.
        """
        x = np.atleast_2d(np.asarray(values, dtype=np.float64))
        b = bucket_of(ns, self.seasonality, self.bucket_minutes)
        lvl = self.level[:, None]
        inv = 1.0 / (self.scale * lvl)  # scale >= eps > 0 and level > 0 by construction
        loc = self.location * lvl + self.offset[:, None]
        with np.errstate(invalid="ignore"):
            z = x - np.take(loc, b, axis=1)  # take: a C-ordered gather, 2x faster than [:, b]
            z *= np.take(inv, b, axis=1)
        if self.tolerance_buckets > 0 and self.location.shape[1] > 1:
            self._nearest_bucket(z, x, b, loc, inv)
        return z

    def _nearest_bucket(
        self, z: np.ndarray, x: np.ndarray, b: np.ndarray, loc: np.ndarray, inv: np.ndarray
    ) -> None:
        """Replace, in place, each large z by the smallest-magnitude z over neighbouring buckets.

        Only points beyond `TOLERANCE_MIN_Z` are revisited, so the cost stays near one gather.
        Only buckets fitted on their own samples are candidates: one that fell back to its hour's
        median (short history) would let a point match a level up to an hour away.
        """
        with np.errstate(invalid="ignore"):
            rows, cols = np.nonzero(np.abs(z) > TOLERANCE_MIN_Z)
        if len(rows) == 0:
            return
        nb = self.location.shape[1]
        xs, best = x[rows, cols], z[rows, cols]
        for k in range(-self.tolerance_buckets, self.tolerance_buckets + 1):
            if k == 0:
                continue
            bk = (b[cols] + k) % nb
            zk = (xs - loc[rows, bk]) * inv[rows, bk]
            usable = np.abs(zk) < np.abs(best)
            if self.fitted is not None:  # a bucket borrowing its hour's value is no timing
                usable &= self.fitted[rows, bk]
            best = np.where(usable, zk, best)
        z[rows, cols] = best


def fit_profile(
    values: np.ndarray, ns: np.ndarray, params: BaselineParams | None = None
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

    Series are independent, so a big batch is fitted `FIT_CHUNK_POINTS` values at a time: the
    fit's temporaries (reordered copies, residuals) stay a few chunks' worth, not a few batches'.
    """
    params = params or BaselineParams()
    x = np.atleast_2d(np.asarray(values, dtype=np.float64))
    ns = np.asarray(ns, dtype=np.int64)
    if x.shape[1] != len(ns):
        raise ValueError(f"{x.shape[1]} values but {len(ns)} timestamps")
    axis = TimeAxis(ns)
    rows = max(1, FIT_CHUNK_POINTS // max(len(ns), 1))
    if x.shape[0] <= rows:
        return _fit_rows(x, axis, params)
    return _stack([_fit_rows(x[i : i + rows], axis, params) for i in range(0, x.shape[0], rows)])


def _fit_rows(x: np.ndarray, axis: TimeAxis, params: BaselineParams) -> SeasonalProfile:
    """`fit_profile` of one chunk of series."""
    x = np.where(np.isfinite(x), x, np.nan)
    ns = axis.ns
    stats = BucketStats(x, axis)
    mult = _fit_seasonal(stats, params)
    recent = _recent(ns, params)
    if recent is None:
        return mult
    b_recent = axis.buckets(params.seasonality, params.bucket_minutes)[recent]
    exp = np.where(np.isfinite(x[:, recent]), mult.location[:, b_recent], np.nan)
    mult.level = _level_ratio(x[:, recent], exp, params)
    if params.trend == "multiplicative":
        return mult
    # Only its hourly medians are used (for the block offsets): no finer buckets needed.
    majority = replace(params, min_bucket_seasons=2.5, bucket_minutes=60, tolerance_minutes=0)
    coarse_loc, _, _ = bucket_values(stats, majority.seasonality, 60, majority, want_mad=False)
    resid = x - np.take(np.nan_to_num(coarse_loc), axis.buckets(majority.seasonality, 60), axis=1)
    blocks, layout = axis.blocks(params.level_hours)
    block_off, _, _ = layout.median_mad(np.take(resid, layout.order, axis=1), want_mad=False)
    del resid
    add = _fit_seasonal(
        BucketStats(x - np.take(np.nan_to_num(block_off), blocks, axis=1), axis), params
    )
    add.n_history = mult.n_history
    exp_add = add.location[:, b_recent]
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
        bucket_minutes=mult.bucket_minutes,
        tolerance_buckets=mult.tolerance_buckets,
        fitted=np.where(col, add.fitted, mult.fitted),
    )


def _stack(parts: list[SeasonalProfile]) -> SeasonalProfile:
    """One profile from the profiles of consecutive chunks of series."""
    first = parts[0]

    def cat(name: str) -> np.ndarray:
        return np.concatenate([getattr(p, name) for p in parts])

    fallback = cat("fallback_buckets")
    notes = [_fallback_note(int(fallback.max()))] if fallback.any() else []
    return replace(
        first,
        location=cat("location"),
        scale=cat("scale"),
        level=cat("level"),
        n_history=cat("n_history"),
        fallback_buckets=fallback,
        notes=notes,
        offset=cat("offset"),
        fitted=cat("fitted"),
    )


def _fallback_note(n: int) -> str:
    return f"{n} buckets fell back to a coarser profile"


def _fit_seasonal(stats: BucketStats, params: BaselineParams) -> SeasonalProfile:
    """The seasonal location/scale profile with no trend correction (level 1, offset 0).

    Buckets shorter than an hour get their own median but share their hour's scale: the MAD of
    the residuals from those medians over the whole hour. A 5-minute bucket holds only 20
    samples in four weeks of 1-minute data, too few for a steady MAD; the hour holds 240.
    """
    notes: list[str] = []
    x, axis = stats.x, stats.axis

    season, minutes = params.seasonality, params.bucket_minutes
    fine = season != "none" and minutes < 60
    loc, mad, cnt = bucket_values(stats, season, minutes, params, want_mad=not fine)
    if fine:  # the MAD of the residuals from the finer medians, over the hour
        resid = x - np.take(np.nan_to_num(loc), axis.buckets(season, minutes), axis=1)
        _, hour_mad, _ = bucket_values(BucketStats(resid, axis), season, 60, params, want_mad=True)
        del resid
        mad = hour_mad[:, np.arange(loc.shape[1]) * minutes // 60]
    fitted = own_buckets(cnt, axis, season, minutes, params)
    fallback = (~fitted).sum(axis=1)
    if fallback.any():
        notes.append(_fallback_note(int(fallback.max())))

    loc = np.nan_to_num(loc, nan=0.0)
    scale = np.nan_to_num(mad * MAD_TO_SIGMA, nan=0.0)
    if not (scale > 0).all():  # MAD = 0: the burst spread (whole-history P99.9 - median)
        loc_g, _, p999 = stats.whole()
        noise_floor = np.nan_to_num((p999 - loc_g) / P999_TO_SIGMA, nan=0.0)
        scale = np.where(scale > 0, scale, noise_floor[:, None])
    scale = np.maximum(scale, params.min_rel_scale * np.abs(loc))
    scale = np.maximum(scale, params.eps)
    return SeasonalProfile(
        seasonality=season,
        location=loc,
        scale=scale,
        level=np.ones(x.shape[0]),
        n_history=np.isfinite(x).sum(axis=1),
        fallback_buckets=fallback,
        fitted_until_ns=int(axis.ns[-1]) if len(axis.ns) else None,
        notes=notes,
        bucket_minutes=minutes,
        tolerance_buckets=params.tolerance_buckets if season != "none" else 0,
        fitted=fitted,
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
