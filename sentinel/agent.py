"""The check pipeline: collect -> assess (baselines + detectors) -> gate -> judge -> verdict.

A live check and an eval step run this same code; only the `MetricSource` and the clock differ.
The statistical assessment always exists, so when the model fails (or is not configured, or the
budget is spent) the verdict is the statistical one with provenance saying so.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

import pandas as pd
import structlog

from sentinel.config import SentinelConfig, ServiceConfig
from sentinel.errors import BudgetExceeded, FixtureError, LLMError, SourceError
from sentinel.models import Provenance, Status, Usage, Verdict
from sentinel.redact import ensure_log_redaction, redact_model
from sentinel.sources.base import MetricSource

log = structlog.get_logger(__name__)


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


class Agent:
    """Runs checks: `agent.check(service, at) -> Verdict`."""

    def __init__(
        self,
        config: SentinelConfig,
        source: MetricSource,
        assessor: Assessor,
        gate: Gate | None = None,
        judge: Judge | None = None,
        step_seconds: int = 60,
    ) -> None:
        self.config = config
        self.source = source
        self.assessor = assessor
        self.gate = gate
        self.judge = judge
        self.step_seconds = step_seconds
        self.counts: Counter[str] = Counter()  # escalated, llm:<m>, llm-fallback, budget-...
        ensure_log_redaction()  # its warnings quote model and source errors

    def check(self, service: ServiceConfig | str, at: datetime) -> Verdict:
        """The verdict, with credentials in any of its text (errors, notes, reasoning) blanked:
        verdicts go on to sidecars, notebooks, tickets, alerts and logs."""
        return redact_model(self._check(service, at))

    def _check(self, service: ServiceConfig | str, at: datetime) -> Verdict:
        svc = self.config.service(service) if isinstance(service, str) else service
        data = collect(
            self.source, svc, at, timedelta(days=self.config.history_days), self.step_seconds
        )
        if not any(len(s) for s in data.series.values()):
            return unknown_verdict(data)
        assessment = self.assessor.assess(data)
        if self.judge is None or (self.gate is not None and not self.gate.escalate(assessment)):
            return assessment.verdict
        self.counts["escalated"] += 1
        try:
            verdict = self.judge.judge(data, assessment)
        except BudgetExceeded as exc:
            self.counts["budget-exhausted"] += 1
            log.warning("agent.budget_exhausted", service=svc.name, at=at.isoformat(), why=str(exc))
            return _fallback(assessment.verdict, "budget-exhausted", f"model not called: {exc}")
        except LLMError as exc:
            self.counts["llm-fallback"] += 1
            log.warning("agent.llm_fallback", service=svc.name, at=at.isoformat(), why=str(exc))
            # A failed call may still have been billed; keep its usage and cost on the verdict.
            return _fallback(
                assessment.verdict,
                "llm-fallback",
                f"model failed: {exc}",
                getattr(exc, "usage", None),
                getattr(exc, "cost_usd", None),
            )
        self.counts[verdict.provenance.path] += 1
        if assessment.verdict.unjudged and not verdict.unjudged:  # unknown is not recovery
            verdict = verdict.model_copy(update={"unjudged": assessment.verdict.unjudged})
        return verdict


def _fallback(
    verdict: Verdict,
    path: str,
    note: str,
    usage: Usage | None = None,
    cost_usd: float | None = None,
) -> Verdict:
    """The statistical verdict, with provenance saying why the model's was not used."""
    prov = verdict.provenance.model_copy(update={"path": path, "note": note})
    return verdict.model_copy(update={"provenance": prov, "usage": usage, "cost_usd": cost_usd})


def unknown_verdict(data: ServiceData) -> Verdict:
    """No data at all: say so, with the reasons, rather than guessing NORMAL."""
    reasons = (
        "; ".join(f"{k}: {v}" for k, v in data.errors.items()) or "every query returned no data"
    )
    return Verdict(
        service=data.service.name,
        checked_at=data.at,
        status=Status.UNKNOWN,
        reasoning=f"No data to judge. {reasons}",
        provenance=Provenance(path="no-data", data_source=data.data_source),
    )
