"""The answer schema the model must follow, and its mapping into a Sentinel Verdict.

The schema is sent through the SDK's structured output (`output_config.format`), then the reply is
validated again with pydantic here, because constraints such as ranges are only advisory to the
API. Numbers in the final Verdict come from the statistical assessment, not from the model: the
model grades and explains, it does not get to invent measurements. `recommended_action` is a
rule of the final status (models.action_for), so prompts from v3 on ask instead for a short
concrete `next_step`; v1-seed and v2 keep their schema (LegacyModelVerdict) so they can still be
compared and replayed.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Literal

from anthropic import transform_schema
from pydantic import BaseModel, ConfigDict, Field

from sentinel.models import Anomaly, Status, Verdict, action_for

GradedStatus = Literal["NORMAL", "WATCH", "WARNING", "CRITICAL"]


class ModelAnomaly(BaseModel):
    """One metric the model considers anomalous."""

    model_config = ConfigDict(extra="forbid")

    metric: str = Field(description="metric name exactly as given in the data")
    direction: Literal["up", "down"]
    explanation: str = Field(description="one sentence: what deviates and why it matters")


NEXT_STEP_CHARS = 240  # longer proposals are cut, not repaired: they are advice, not a grade
LEGACY_PROMPTS = frozenset({"v1-seed", "v2"})


class ModelVerdict(BaseModel):
    """What the model returns for one service check (prompt v3 and later)."""

    model_config = ConfigDict(extra="forbid")

    status: GradedStatus = Field(description="overall health of the service")
    confidence: float = Field(ge=0.0, le=1.0, description="0..1, how sure you are of the status")
    anomalies: list[ModelAnomaly] = Field(description="metrics that deviate; empty if none")
    reasoning: str = Field(description="two or three sentences justifying the status")
    next_step: str = Field(
        description="one short, concrete next step for the on-call engineer (for example: check "
        "the last deploy, scale out, roll back, open a runbook); empty for NORMAL"
    )


class LegacyModelVerdict(BaseModel):
    """The v1-seed/v2 answer: the model also picked the action (now derived from the status)."""

    model_config = ConfigDict(extra="forbid")

    status: GradedStatus = Field(description="overall health of the service")
    confidence: float = Field(ge=0.0, le=1.0, description="0..1, how sure you are of the status")
    anomalies: list[ModelAnomaly] = Field(description="metrics that deviate; empty if none")
    reasoning: str = Field(description="two or three sentences justifying the status")
    recommended_action: Literal["notify_triage", "continue_monitoring", "none"]


AnswerModel = type[ModelVerdict] | type[LegacyModelVerdict]


def answer_model(prompt_version: str) -> AnswerModel:
    """The answer schema a prompt version asks for."""
    return LegacyModelVerdict if prompt_version in LEGACY_PROMPTS else ModelVerdict


@lru_cache(maxsize=4)
def verdict_json_schema(prompt_version: str = "v3") -> dict[str, Any]:
    """The JSON schema sent as output_config.format (SDK-transformed for the API's rules)."""
    return transform_schema(answer_model(prompt_version))


def to_verdict(
    answer: ModelVerdict | LegacyModelVerdict,
    statistical: Verdict,
    latest: dict[str, float],
    known_metrics: set[str],
    **fields: Any,
) -> Verdict:
    """Map the model's answer onto a Verdict, reusing the assessment's measured numbers.

    Anomalies the model names are matched to the statistical ones by metric. A metric the
    detectors did not flag keeps its latest value and a zero deviation (the model's view, not a
    measurement); a metric the service does not have is dropped, and the reasoning says so.
    """
    measured = {a.metric: a for a in statistical.anomalies}
    anomalies: list[Anomaly] = []
    unknown: list[str] = []
    for item in answer.anomalies:
        base = measured.get(item.metric)
        if base is not None:
            anomalies.append(base.model_copy(update={"detail": item.explanation}))
        elif item.metric not in known_metrics:
            unknown.append(item.metric)
        else:
            value = latest.get(item.metric, 0.0)
            anomalies.append(
                Anomaly(
                    metric=item.metric,
                    current_value=value,
                    baseline_value=value,
                    deviation_pct=0.0,
                    direction=item.direction,
                    confidence=answer.confidence,
                    detail=f"model only, no statistical deviation: {item.explanation}",
                )
            )
    reasoning = answer.reasoning
    if unknown:
        reasoning += f" [dropped metrics the service does not have: {', '.join(unknown)}]"
    status = Status(answer.status)
    next_step = getattr(answer, "next_step", "").strip()[:NEXT_STEP_CHARS]
    return Verdict(
        service=statistical.service,
        checked_at=statistical.checked_at,
        status=status,
        anomalies=anomalies,
        reasoning=reasoning,
        recommended_action=action_for(status),  # a rule of the status, never the model's pick
        next_step=next_step,
        **fields,
    )
