"""Season buckets and the facts a baseline fit needs about its time axis.

The ground floor of `sentinel.baseline`: which bucket of the week (or day) a timestamp falls in,
the fit's hyper-parameters, and `TimeAxis` (step, bucket of each timestamp, the column order
that groups each bucket's samples, weeks seen per bucket), computed once per fit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from sentinel.grouped_stats import BucketLayout
from sentinel.models import Seasonality

Trend = Literal["multiplicative", "additive", "auto"]

NS_PER_MINUTE = 60_000_000_000
NS_PER_HOUR = 60 * NS_PER_MINUTE
SEASON_MINUTES = {"hour_of_week": 7 * 1440, "hour_of_day": 1440}
_EPOCH_WEEKDAY_MINUTES = 3 * 1440  # 1970-01-01 was a Thursday; Monday 00:00 is bucket 0


def n_buckets(seasonality: Seasonality, bucket_minutes: int = 60) -> int:
    """How many buckets one season holds: 168 hours of a week, 24 of a day, 1 for none."""
    if seasonality == "none":
        return 1
    return SEASON_MINUTES[seasonality] // bucket_minutes


def bucket_of(ns: np.ndarray, seasonality: Seasonality, bucket_minutes: int = 60) -> np.ndarray:
    """Season bucket of each timestamp: `bucket_minutes`-long slots of the week (Monday 00:00 is
    0) or of the day, or 0 for none. With the default 60 that is the hour of week / of day."""
    if seasonality == "none":
        return np.zeros(len(ns), dtype=np.intp)
    slots = ns // (bucket_minutes * NS_PER_MINUTE)
    if seasonality == "hour_of_week":
        slots = slots + _EPOCH_WEEKDAY_MINUTES // bucket_minutes
    return (slots % n_buckets(seasonality, bucket_minutes)).astype(np.intp)


@dataclass(frozen=True)
class BaselineParams:
    """Hyper-parameters of a baseline fit; defaults suit 1-minute observability metrics."""

    seasonality: Seasonality = "hour_of_week"
    bucket_minutes: int = 60
    tolerance_minutes: int = 0
    min_bucket_samples: int = 20
    min_bucket_seasons: float = 0.0  # the trend fit's "majority" profile asks for 2.5
    min_history: int = 30
    min_rel_scale: float = 0.02
    eps: float = 1e-9
    level_hours: float = 24.0
    max_level_ratio: float = 2.0
    trend: Trend = "multiplicative"
    additive_margin: float = 0.8

    def __post_init__(self) -> None:
        if self.bucket_minutes < 1 or 60 % self.bucket_minutes:
            raise ValueError(
                f"bucket_minutes must divide an hour (1, 2, 5, 10, 15, 20, 30 or 60), "
                f"got {self.bucket_minutes}"
            )
        if self.tolerance_minutes < 0:
            raise ValueError(f"tolerance_minutes must be >= 0, got {self.tolerance_minutes}")

    @property
    def tolerance_buckets(self) -> int:
        """Neighbouring buckets either side that a point may match (tolerance, rounded up)."""
        return -(-self.tolerance_minutes // self.bucket_minutes)


class TimeAxis:
    """Facts about one fit's timestamps, computed once and shared by its profile fits and
    chunks: the step, the bucket of each timestamp, the column order that puts each bucket's
    samples side by side, and how many different weeks/days fill each bucket."""

    def __init__(self, ns: np.ndarray) -> None:
        self.ns = ns
        self.step = max(float(np.median(np.diff(ns))), 1.0) if len(ns) > 1 else NS_PER_MINUTE
        self._buckets: dict[tuple[str, int], np.ndarray] = {}
        self._seen: dict[tuple[str, int], np.ndarray] = {}
        self._orders: dict[str, np.ndarray] = {}
        self._layouts: dict[tuple[str, int], BucketLayout] = {}
        self._blocks: dict[float, tuple[np.ndarray, BucketLayout]] = {}

    def buckets(self, season: Seasonality, minutes: int) -> np.ndarray:
        key = (season, minutes)
        if key not in self._buckets:
            self._buckets[key] = bucket_of(self.ns, season, minutes)
        return self._buckets[key]

    def order(self, season: Seasonality) -> np.ndarray:
        """Columns sorted by minute of the season: it groups every bucket length at once (a
        5-minute bucket is minute // 5, an hour minute // 60), so one reordered copy of the
        data serves the 5-minute and the hourly medians."""
        if season not in self._orders:
            self._orders[season] = np.argsort(bucket_of(self.ns, season, 1), kind="stable")
        return self._orders[season]

    def layout(self, season: Seasonality, minutes: int) -> BucketLayout:
        key = (season, minutes)
        if key not in self._layouts:
            nb = n_buckets(season, minutes)
            self._layouts[key] = BucketLayout(self.buckets(season, minutes), nb, self.order(season))
        return self._layouts[key]

    def blocks(self, level_hours: float) -> tuple[np.ndarray, BucketLayout]:
        """Each timestamp's `level_hours` block counted back from the last one, and its layout."""
        if level_hours not in self._blocks:
            span = int(level_hours * NS_PER_HOUR)
            b = ((self.ns[-1] - self.ns) // span).astype(np.intp)
            layout = BucketLayout(b, int(b.max()) + 1, np.argsort(b, kind="stable"))
            self._blocks[level_hours] = (b, layout)
        return self._blocks[level_hours]

    def seasons_seen(self, season: Seasonality, minutes: int) -> np.ndarray:
        """Per bucket, how many different weeks (days for hour_of_day) have a sample in it."""
        key = (season, minutes)
        if key not in self._seen:
            period = np.int64(SEASON_MINUTES[season] * NS_PER_MINUTE)
            cycle = self.ns // period - self.ns.min() // period
            mark = np.zeros((n_buckets(season, minutes), int(cycle.max()) + 1), dtype=bool)
            mark[self.buckets(season, minutes), cycle] = True
            self._seen[key] = mark.sum(axis=1)
        return self._seen[key]

    def enough_samples(self, minutes: int, params: BaselineParams) -> float:
        """Samples a bucket needs to stand on its own: `min_bucket_samples` (or
        `min_bucket_seasons` seasons' worth if more), but never more than three seasons' worth at
        the data's step (a 5-minute bucket of 1-minute data: 15, i.e. three weeks of it)."""
        per_season = minutes * NS_PER_MINUTE / self.step
        wanted = max(params.min_bucket_samples, params.min_bucket_seasons * per_season)
        return min(wanted, 3.0 * per_season)
