"""Judges: turn a check's data and statistical assessment into a model-graded Verdict.

`LLMJudge` asks one model; `TieredJudge` asks a cheap model first and a stronger one only when
the cheap one says WARNING/CRITICAL or is unsure. Both implement sentinel.agent.Judge: they raise
LLMError when no trustworthy verdict exists (the agent then falls back to the statistical one)
and BudgetExceeded when a cost cap forbids the call.
"""

from __future__ import annotations

from sentinel.agent import Assessment, ServiceData
from sentinel.errors import BudgetExceeded, LLMError
from sentinel.llm.backends import Backend, ModelCallFailed, ModelRequest, StructuredReply
from sentinel.llm.budget import CostGuard
from sentinel.llm.context import latest_values
from sentinel.llm.prices import ModelInfo
from sentinel.llm.prompts import PromptTemplate
from sentinel.llm.schema import ModelVerdict, to_verdict, verdict_json_schema
from sentinel.models import Provenance, Status, Verdict


class LLMJudge:
    """One model behind one backend, with one prompt version."""

    def __init__(
        self,
        backend: Backend,
        model: ModelInfo,
        prompt: PromptTemplate,
        *,
        max_tokens: int = 1024,
        cache_ttl: str = "5m",
        guard: CostGuard | None = None,
    ):
        self.backend, self.model, self.prompt = backend, model, prompt
        self.max_tokens, self.cache_ttl, self.guard = max_tokens, cache_ttl, guard

    @property
    def alias(self) -> str:
        return self.model.alias

    def judge(self, data: ServiceData, assessment: Assessment) -> Verdict:
        verdict, _ = self.consult(data, assessment, path=f"llm:{self.alias}")
        return verdict

    def request(self, data: ServiceData, assessment: Assessment) -> ModelRequest:
        return ModelRequest(
            model=self.model,
            prompt=self.prompt.render(data, assessment),
            schema=verdict_json_schema(),
            max_tokens=self.max_tokens,
            cache_ttl=self.cache_ttl,
        )

    def consult(
        self, data: ServiceData, assessment: Assessment, path: str
    ) -> tuple[Verdict, ModelVerdict]:
        """Ask the model once (plus at most one repair); the verdict and the raw answer."""
        if self.guard:
            self.guard.admit(data.at)
        try:
            reply: StructuredReply = self.backend.ask(self.request(data, assessment))
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
                path=path,
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
        return verdict, reply.answer


class TieredJudge:
    """Cheap model first; the strong model only for WARNING/CRITICAL or low confidence."""

    def __init__(self, cheap: LLMJudge, strong: LLMJudge, confidence_floor: float = 0.6):
        self.cheap, self.strong, self.confidence_floor = cheap, strong, confidence_floor

    def needs_strong(self, answer: ModelVerdict) -> bool:
        return Status(answer.status).alerts or answer.confidence < self.confidence_floor

    def judge(self, data: ServiceData, assessment: Assessment) -> Verdict:
        first, answer = self.cheap.consult(data, assessment, path=f"tiered:{self.cheap.alias}")
        if not self.needs_strong(answer):
            return first
        why = f"{self.cheap.alias} said {answer.status} at confidence {answer.confidence:.2f}"
        try:
            second, _ = self.strong.consult(data, assessment, path=f"tiered:{self.strong.alias}")
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
                "provenance": second.provenance.model_copy(update={"note": f"escalated: {why}"}),
            }
        )


def _annotate(verdict: Verdict, note: str) -> Verdict:
    prov = verdict.provenance
    joined = f"{prov.note}; {note}" if prov.note else note
    return verdict.model_copy(update={"provenance": prov.model_copy(update={"note": joined})})
