"""Per-bucket median, MAD and count of a fit's history, with the coarser fallbacks.

Used by `sentinel.baseline`'s fit: a bucket that cannot stand on its own (too few samples, or a
finer-than-hourly bucket seen in fewer than three weeks) takes its hour's figures, then
hour_of_week -> hour_of_day -> global. Each grouped statistic is computed on first use and kept.
"""

from __future__ import annotations

import numpy as np

from sentinel.grouped_stats import median_quantile_rows, nanmedian_rows
from sentinel.season import BaselineParams, Seasonality, TimeAxis, n_buckets


class BucketStats:
    """Grouped statistics of one `[n, n_points]` array on a time axis, each computed on first
    use and kept: the fallbacks ask for the hour-of-day or global figures only when some bucket
    falls short, and the trend fit's majority profile reuses the hourly medians."""

    def __init__(self, x: np.ndarray, axis: TimeAxis) -> None:
        self.x, self.axis = x, axis
        self._gathered: dict[str, np.ndarray] = {}
        self._med: dict[tuple[str, int], tuple[np.ndarray, np.ndarray]] = {}
        self._mad: dict[tuple[str, int], np.ndarray] = {}
        self._whole: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def whole(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per series: median, finite count and P99.9 of the whole history."""
        if self._whole is None:
            med, n, p999 = median_quantile_rows(self.x, 0.999)
            self._whole = (med, n, p999)
            self._med[("none", 60)] = (med[:, None], n[:, None])
        return self._whole

    def median(self, season: Seasonality, minutes: int) -> tuple[np.ndarray, np.ndarray]:
        key = (season, minutes) if season != "none" else ("none", 60)
        if key not in self._med:
            if season == "none":
                self.whole()
            else:
                med, _, cnt = self.axis.layout(season, minutes).median_mad(
                    self._reordered(season), want_mad=False
                )
                self._med[key] = (med, cnt)
        return self._med[key]

    def mad(self, season: Seasonality, minutes: int) -> np.ndarray:
        key = (season, minutes) if season != "none" else ("none", 60)
        if key not in self._mad:
            med, _ = self.median(season, minutes)
            if season == "none":
                self._mad[key] = nanmedian_rows(np.abs(self.x - med))[0][:, None]
            else:
                layout = self.axis.layout(season, minutes)
                self._mad[key] = layout.mad(self._reordered(season), med)
        return self._mad[key]

    def _reordered(self, season: Seasonality) -> np.ndarray:
        if season not in self._gathered:
            self._gathered[season] = np.take(self.x, self.axis.order(season), axis=1)
        return self._gathered[season]


def own_buckets(
    count: np.ndarray, axis: TimeAxis, season: Seasonality, minutes: int, params: BaselineParams
) -> np.ndarray:
    """Which buckets stand on their own: enough samples (`TimeAxis.enough_samples`) and, for
    buckets shorter than an hour, samples from at least three different weeks (days for
    hour_of_day), so irregular scrapes that put two samples in one bucket do not pass for more
    history."""
    ok = count >= axis.enough_samples(minutes, params)
    if minutes >= 60 or season == "none" or len(axis.ns) == 0:
        return ok
    return ok & (axis.seasons_seen(season, minutes) >= 3)


def bucket_values(
    stats: BucketStats, season: Seasonality, minutes: int, params: BaselineParams, want_mad: bool
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """Median, MAD (if wanted) and count per season bucket. A bucket that cannot stand on its
    own (`own_buckets`) takes the coarser profile's median and MAD: a finer-than-hourly bucket
    its hour's, then hour_of_week -> hour_of_day -> global. A coarser level is computed only
    when some bucket needs it."""
    axis = stats.axis
    if season == "none":
        gm, gc = stats.median("none", 60)
        return gm, stats.mad("none", 60) if want_mad else None, gc
    if minutes < 60:
        fm, fc = stats.median(season, minutes)
        ok = own_buckets(fc, axis, season, minutes, params)
        fd = stats.mad(season, minutes) if want_mad else None
        if ok.all():
            return fm, fd, fc
        hour_loc, hour_mad, _ = bucket_values(stats, season, 60, params, want_mad)
        hour = np.arange(n_buckets(season, minutes)) * minutes // 60
        mad = np.where(ok, fd, hour_mad[:, hour]) if want_mad else None
        return np.where(ok, fm, hour_loc[:, hour]), mad, fc
    need = axis.enough_samples(60, params)
    if season == "hour_of_day":
        return _hour_of_day_values(stats, need, want_mad)
    wm, wc = stats.median("hour_of_week", 60)
    enough_w = wc >= need
    wd = stats.mad("hour_of_week", 60) if want_mad else None
    if enough_w.all():
        return wm, wd, wc
    day_loc, day_mad, _ = _hour_of_day_values(stats, need, want_mad)
    hod = np.arange(168) % 24
    mad = np.where(enough_w, wd, day_mad[:, hod]) if want_mad else None
    return np.where(enough_w, wm, day_loc[:, hod]), mad, wc


def _hour_of_day_values(
    stats: BucketStats, need: float, want_mad: bool
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    dm, dc = stats.median("hour_of_day", 60)
    dd = stats.mad("hour_of_day", 60) if want_mad else None
    enough = dc >= need
    if enough.all():
        return dm, dd, dc
    gm, _ = stats.median("none", 60)
    mad = np.where(enough, dd, stats.mad("none", 60)) if want_mad else None
    return np.where(enough, dm, gm), mad, dc
