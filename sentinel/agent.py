"""The check pipeline: collect -> assess (baselines + detectors) -> gate -> judge -> verdict.

A live check and an eval step run this same code; only the `MetricSource` and the clock differ.
The statistical assessment always exists, so when the model fails (or is not configured, or the
budget is spent) the verdict is the statistical one with provenance saying so.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import structlog

from sentinel.config import SentinelConfig, ServiceConfig
from sentinel.errors import BudgetExceeded, LLMError
from sentinel.models import Provenance, Status, Usage, Verdict
from sentinel.pipeline import Assessor, Gate, Judge, ServiceData, collect
from sentinel.redact import ensure_log_redaction, redact_model
from sentinel.sources.base import MetricSource

log = structlog.get_logger(__name__)


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
