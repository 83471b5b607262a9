"""Judges: turn a check's data and statistical assessment into a model-graded Verdict.

`LLMJudge` asks one model; `TieredJudge` asks a cheap model first and a stronger one only when
the cheap one disagrees with the detectors about paging (one says WARNING/CRITICAL, the other
does not). Self-rated confidence does not route: it is poorly calibrated, and a confident cheap
NORMAL on a statistically CRITICAL check is exactly the answer that needs a second opinion. Both implement sentinel.pipeline.Judge: they raise
LLMError when no trustworthy verdict exists (the agent then falls back to the statistical one)
and BudgetExceeded when a cost cap forbids the call.
"""

from __future__ import annotations

from sentinel.config import DEFAULT_CACHE_TTL, CacheTTL
from sentinel.errors import BudgetExceeded, LLMError
from sentinel.llm.backends import Backend, ModelCallFailed, ModelRequest, StructuredReply
from sentinel.llm.budget import CostGuard
from sentinel.llm.context import latest_values
from sentinel.llm.deadline import Deadline, capped_deadline_s
from sentinel.llm.floors import apply_floor
from sentinel.llm.prices import ModelInfo
from sentinel.llm.prompts import PromptTemplate
from sentinel.llm.schema import (
    LegacyModelVerdict,
    ModelVerdict,
    answer_model,
    to_verdict,
    verdict_json_schema,
)
from sentinel.models import Provenance, Route, Status, Verdict
from sentinel.pipeline import Assessment, ServiceData


class LLMJudge:
    """One model behind one backend, with one prompt version."""

    def __init__(
        self,
        backend: Backend,
        model: ModelInfo,
        prompt: PromptTemplate,
        *,
        max_tokens: int = 1024,
        cache_ttl: CacheTTL = DEFAULT_CACHE_TTL,
        guard: CostGuard | None = None,
        deadline_s: float = 20.0,
    ):
        self.backend, self.model, self.prompt = backend, model, prompt
        self.max_tokens, self.cache_ttl, self.guard = max_tokens, cache_ttl, guard
        self.deadline_s = deadline_s

    def deadline(self, data: ServiceData) -> Deadline:
        """This check's budget for model calls, always shorter than the service's interval."""
        return Deadline(capped_deadline_s(self.deadline_s, data.service.interval_seconds))

    @property
    def alias(self) -> str:
        return self.model.alias

    def judge(self, data: ServiceData, assessment: Assessment) -> Verdict:
        verdict, _ = self.consult(data, assessment, Route.LLM, self.deadline(data))
        return verdict

    def request(
        self, data: ServiceData, assessment: Assessment, deadline: Deadline | None = None
    ) -> ModelRequest:
        return ModelRequest(
            model=self.model,
            prompt=self.prompt.render(data, assessment),
            schema=verdict_json_schema(self.prompt.version),
            answer=answer_model(self.prompt.version),
            max_tokens=self.max_tokens,
            cache_ttl=self.cache_ttl,
            deadline=deadline,
        )

    def consult(
        self,
        data: ServiceData,
        assessment: Assessment,
        route: Route,
        deadline: Deadline | None = None,
    ) -> tuple[Verdict, ModelVerdict | LegacyModelVerdict]:
        """Ask the model once (plus at most one repair); the verdict and the raw answer."""
        if deadline is not None:
            deadline.check(f"asking {self.alias}")  # before the budget reserves anything
        if self.guard:
            self.guard.admit(data.at)
        try:
            reply: StructuredReply = self.backend.ask(self.request(data, assessment, deadline))
        except ModelCallFailed as exc:
            if self.guard:
                self.guard.record(data.at, exc.cost_usd)
            raise
        if self.guard:
            self.guard.record(data.at, reply.cost_usd, calls=reply.attempts)
        note = "schema repair needed" if reply.attempts > 1 else ""
        verdict = to_verdict(
            reply.answer,
            assessment.verdict,
            latest=latest_values(data),
            known_metrics={m.name for m in data.service.metrics},
            provenance=Provenance(
                route=route,
                response_source=reply.response_source,
                detector=assessment.detector,
                prompt_version=self.prompt.version,
                model=self.alias,
                backend=self.backend.name,
                data_source=data.data_source,
                note=note,
            ),
            usage=reply.usage,
            cost_usd=reply.cost_usd,
        )
        return apply_floor(verdict, assessment), reply.answer


class TieredJudge:
    """Cheap model first; the strong model when the cheap one and the detectors disagree."""

    def __init__(self, cheap: LLMJudge, strong: LLMJudge):
        self.cheap, self.strong = cheap, strong

    @staticmethod
    def needs_strong(answer: ModelVerdict | LegacyModelVerdict, assessment: Assessment) -> bool:
        """Disagreement on whether to page: the model's raw status vs the detectors' status."""
        return Status(answer.status).alerts != assessment.verdict.status.alerts

    def judge(self, data: ServiceData, assessment: Assessment) -> Verdict:
        deadline = self.cheap.deadline(data)  # one budget for both models
        first, answer = self.cheap.consult(data, assessment, Route.TIERED, deadline)
        if not self.needs_strong(answer, assessment):
            return first
        why = (
            f"{self.cheap.alias} said {answer.status}, detectors "
            f"{assessment.verdict.status.value}: disagreement"
        )
        try:
            second, _ = self.strong.consult(data, assessment, Route.TIERED, deadline)
        except BudgetExceeded as exc:
            return _annotate(first, f"{why}; {self.strong.alias} skipped: {exc}")
        except LLMError as exc:
            extra_usage = getattr(exc, "usage", None)
            extra_cost = getattr(exc, "cost_usd", 0.0)
            out = _annotate(first, f"{why}; {self.strong.alias} failed: {exc}")
            if extra_usage is not None and out.usage is not None:
                out = out.model_copy(
                    update={
                        "usage": out.usage + extra_usage,
                        "cost_usd": (out.cost_usd or 0.0) + extra_cost,
                    }
                )
            return out
        usage = first.usage + second.usage if first.usage and second.usage else second.usage
        return second.model_copy(
            update={
                "usage": usage,
                "cost_usd": (first.cost_usd or 0.0) + (second.cost_usd or 0.0),
                "provenance": second.provenance.model_copy(
                    update={"note": f"escalated: {why}", "escalated": True}
                ),
            }
        )


def _annotate(verdict: Verdict, note: str) -> Verdict:
    prov = verdict.provenance
    joined = f"{prov.note}; {note}" if prov.note else note
    return verdict.model_copy(update={"provenance": prov.model_copy(update={"note": joined})})
