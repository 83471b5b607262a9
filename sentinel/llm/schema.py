"""The answer schema the model must follow, and its mapping into a Sentinel Verdict.

The schema is sent through the SDK's structured output (`output_config.format`), then the reply is
validated again with pydantic here, because constraints such as ranges are only advisory to the
API. Numbers in the final Verdict come from the statistical assessment, not from the model: the
model grades and explains, it does not get to invent measurements.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Literal

from anthropic import transform_schema
from pydantic import BaseModel, ConfigDict, Field

from sentinel.models import Action, Anomaly, Status, Verdict

GradedStatus = Literal["NORMAL", "WATCH", "WARNING", "CRITICAL"]


class ModelAnomaly(BaseModel):
    """One metric the model considers anomalous."""

    model_config = ConfigDict(extra="forbid")

    metric: str = Field(description="metric name exactly as given in the data")
    direction: Literal["up", "down"]
    explanation: str = Field(description="one sentence: what deviates and why it matters")


class ModelVerdict(BaseModel):
    """What the model returns for one service check."""

    model_config = ConfigDict(extra="forbid")

    status: GradedStatus = Field(description="overall health of the service")
    confidence: float = Field(ge=0.0, le=1.0, description="0..1, how sure you are of the status")
    anomalies: list[ModelAnomaly] = Field(description="metrics that deviate; empty if none")
    reasoning: str = Field(description="two or three sentences justifying the status")
    recommended_action: Literal["notify_triage", "continue_monitoring", "none"]


@lru_cache(maxsize=1)
def verdict_json_schema() -> dict[str, Any]:
    """The JSON schema sent as output_config.format (SDK-transformed for the API's rules)."""
    return transform_schema(ModelVerdict)


def to_verdict(
    answer: ModelVerdict,
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
    return Verdict(
        service=statistical.service,
        checked_at=statistical.checked_at,
        status=Status(answer.status),
        anomalies=anomalies,
        reasoning=reasoning,
        recommended_action=Action(answer.recommended_action),
        **fields,
    )
