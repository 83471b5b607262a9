"""The pipeline's vocabulary: what each stage hands the next (`ServiceData`, `MetricEvidence`,
`Assessment`) and what each stage is (`Assessor`, `Gate`, `Judge`), plus the collect stage.

Stages (detectors, gate, LLM judges, eval) import this module, not the orchestrator
(`sentinel.agent`), so a stage never depends on how the stages are put together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

import pandas as pd

from sentinel.config import ServiceConfig
from sentinel.errors import FixtureError, SourceError
from sentinel.models import Status, Verdict
from sentinel.sources.base import MetricSource

if TYPE_CHECKING:
    from sentinel.context.models import CheckContext


@dataclass(frozen=True)
class ServiceData:
    """Everything the detectors and the judge may see for one service at one check time.

    `series` holds each metric from `at - history` up to and including `at`, never later:
    that is what makes the walk-forward eval free of look-ahead.
    """

    service: ServiceConfig
    at: datetime
    step_seconds: int
    series: dict[str, pd.Series]
    data_source: str
    errors: dict[str, str] = field(default_factory=dict)
    logs: list[str] = field(default_factory=list)  # context lines (Loki); untrusted text
    context: CheckContext | None = None  # logs and traces, set on escalation (sentinel.context)


@dataclass(frozen=True)
class MetricEvidence:
    """The detector's own numbers for one metric at one check: what the judge is shown and what
    bounds the judge's answer (sentinel.llm.floors).

    `expected` and `scale` are the detector's expectation and robust scale at the check time
    (seasonal 5-minute bucket, trend-corrected, for the seasonal detectors; None when a detector
    has no such notion); `z` is the detector's residual there. `trajectory` holds one row per
    5-minute step of the scored context, oldest first: (minutes before the check, median value,
    median expectation, median z). `threshold_status` is what the absolute thresholds alone
    reach with the assessor's alarm aggregation (WATCH for fewer than min_points crossings,
    capped at WATCH inside suppressions and known issues).
    """

    metric: str
    status: Status
    current: float | None = None
    expected: float | None = None
    scale: float | None = None
    z: float | None = None
    threshold_status: Status = Status.NORMAL
    threshold_note: str = ""
    trajectory: tuple[tuple[int, float | None, float | None, float | None], ...] = ()


@dataclass(frozen=True)
class Assessment:
    """The statistical view of one check: a verdict plus how strongly it asks for a model."""

    verdict: Verdict
    escalation_score: float
    detector: str
    evidence: dict[str, MetricEvidence] = field(default_factory=dict)


class Assessor(Protocol):
    """Baselines + detectors: turn ServiceData into an Assessment. Pure: no I/O."""

    name: str

    def assess(self, data: ServiceData) -> Assessment: ...


class Gate(Protocol):
    """Decides whether an assessment is worth a model call."""

    def escalate(self, assessment: Assessment) -> bool: ...


class Judge(Protocol):
    """A model (or replay of one) that turns data + assessment into a graded verdict.

    Raises LLMError when it cannot give a trustworthy verdict.
    """

    def judge(self, data: ServiceData, assessment: Assessment) -> Verdict: ...


def collect(
    source: MetricSource,
    service: ServiceConfig,
    at: datetime,
    history: timedelta,
    step_seconds: int = 60,
) -> ServiceData:
    """Read every metric of a service up to `at`; one failing metric does not stop the others."""
    series: dict[str, pd.Series] = {}
    errors: dict[str, str] = {}
    for metric in service.metrics:
        try:
            series[metric.name] = source.range(service, metric, at - history, at, step_seconds)
        except (SourceError, FixtureError) as exc:
            errors[metric.name] = str(exc)
    return ServiceData(service, at, step_seconds, series, source.description, errors)
