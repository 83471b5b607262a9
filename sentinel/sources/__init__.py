"""Where metric data comes from. Every source answers the same small protocol (`MetricSource`)."""

from sentinel.series import empty_series
from sentinel.sources.base import MetricSource

__all__ = ["MetricSource", "empty_series"]
