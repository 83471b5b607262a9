"""The check pipeline: collect -> assess (baselines + detectors) -> gate -> judge -> verdict.

A live check and an eval step run this same code; only the `MetricSource` and the clock differ.
The statistical assessment always exists, so when the model fails (or is not configured, or the
budget is spent) the verdict is the statistical one with provenance saying so.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import structlog

from sentinel.config import SentinelConfig, ServiceConfig
from sentinel.errors import BudgetExceeded, LLMError
from sentinel.models import Provenance, Route, Status, Usage, Verdict
from sentinel.pipeline import Assessment, Assessor, Gate, Judge, ServiceData, collect
from sentinel.redact import ensure_log_redaction, redact_model
from sentinel.sources.base import MetricSource

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class CheckOutcome:
    """What one check found, step by step: the data, the statistical assessment (None when
    there was no data), the gate's decision (None without a gate or without data), whether a
    model was asked, and the verdict that stands. The eval reads this instead of spying."""

    data: ServiceData
    assessment: Assessment | None
    escalated: bool | None
    verdict: Verdict
    judged: bool = False

    @property
    def escalation_score(self) -> float | None:
        return self.assessment.escalation_score if self.assessment else None


class Agent:
    """Runs checks in visible steps: `assess(service, at)` (collect, detectors, gate) then
    `decide(outcome)` (the judge, with the statistical verdict as fallback); `run` does both
    and `check` returns only the verdict."""

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
        return self.run(service, at).verdict

    def run(self, service: ServiceConfig | str, at: datetime) -> CheckOutcome:
        """Both steps; the outcome's verdict is redacted as `check`'s is."""
        outcome = self.decide(self.assess(service, at))
        return replace(outcome, verdict=redact_model(outcome.verdict))

    def assess(self, service: ServiceConfig | str, at: datetime) -> CheckOutcome:
        """Collect, assess and ask the gate; no model call. The verdict is the statistical one
        (UNKNOWN when no metric returned data)."""
        svc = self.config.service(service) if isinstance(service, str) else service
        data = collect(
            self.source, svc, at, timedelta(days=self.config.history_days), self.step_seconds
        )
        if not any(len(s) for s in data.series.values()):
            return CheckOutcome(data, None, None, unknown_verdict(data))
        assessment = self.assessor.assess(data)
        escalated = self.gate.escalate(assessment) if self.gate is not None else None
        return CheckOutcome(data, assessment, escalated, assessment.verdict)

    def wants_model(self, outcome: CheckOutcome) -> bool:
        """Whether `decide` would ask the judge: there is one, there was data, the gate said yes."""
        return (
            self.judge is not None
            and outcome.assessment is not None
            and outcome.escalated is not False
        )

    def decide(self, outcome: CheckOutcome) -> CheckOutcome:
        """The escalation step: the judge's verdict when the gate escalated, else the statistical
        one; a failed or refused model call falls back with provenance saying why."""
        if not self.wants_model(outcome):
            return outcome
        assert self.judge is not None and outcome.assessment is not None
        data, assessment = outcome.data, outcome.assessment
        self.counts["escalated"] += 1
        try:
            verdict = self.judge.judge(data, assessment)
        except (BudgetExceeded, LLMError) as exc:
            return replace(outcome, verdict=self._fall_back(data, assessment, exc), judged=True)
        self.counts[verdict.provenance.path] += 1
        if assessment.verdict.unjudged and not verdict.unjudged:  # unknown is not recovery
            verdict = verdict.model_copy(update={"unjudged": assessment.verdict.unjudged})
        return replace(outcome, verdict=verdict, judged=True)

    def _fall_back(
        self, data: ServiceData, assessment: Assessment, exc: BudgetExceeded | LLMError
    ) -> Verdict:
        """The statistical verdict when a cap refused the call or the model failed, counted and
        logged; a failed call may still have been billed, so its usage and cost stay on it."""
        refused = isinstance(exc, BudgetExceeded)
        route = Route.BUDGET_EXHAUSTED if refused else Route.LLM_FALLBACK
        self.counts[route.value] += 1
        log.warning(
            "agent.budget_exhausted" if refused else "agent.llm_fallback",
            service=data.service.name,
            at=data.at.isoformat(),
            why=str(exc),
        )
        return _fallback(
            assessment.verdict,
            route,
            f"model not called: {exc}" if refused else f"model failed: {exc}",
            getattr(exc, "usage", None),
            getattr(exc, "cost_usd", None),
        )


def _fallback(
    verdict: Verdict,
    route: Route,
    note: str,
    usage: Usage | None = None,
    cost_usd: float | None = None,
) -> Verdict:
    """The statistical verdict, with provenance saying why the model's was not used."""
    prov = verdict.provenance.model_copy(update={"route": route, "note": note})
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
        provenance=Provenance(route=Route.NO_DATA, data_source=data.data_source),
    )
