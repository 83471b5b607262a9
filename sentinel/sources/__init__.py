"""Where metric data comes from. Every source answers the same small protocol (`MetricSource`)."""

from sentinel.sources.base import MetricSource, empty_series

__all__ = ["MetricSource", "empty_series"]
