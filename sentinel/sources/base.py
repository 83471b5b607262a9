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
    no NaN (missing samples are simply absent, so gaps are missing rows). A source may keep
    +-Inf where the backend really answered it (+Inf latency is beyond every threshold, not
    missing data); the assessor judges it. An empty Series means "no data" and is not an error.
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
