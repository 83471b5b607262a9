"""Token figures for cost projections, when no measured usage exists, and what they assume.

Offline there is no tokenizer (the API's count_tokens needs a key and network), so tokens are
estimated from characters: 3.5 characters per Claude Haiku 4.5 token, times the model's
`token_factor` (prices.yaml). What is estimated:

- input: the prompt actually rendered for a representative check of each service (the real
  assessor on flat history, so v3's trajectory and detector block are the real size);
- output: a representative answer in the prompt's schema (`representative_answer`), plus
  thinking tokens: 0 when the request disables thinking (prices.yaml `thinking: disabled`),
  ASSUMED_THINKING_TOKENS when it is adaptive (no measurement: labelled assumed).

Measured usage (verdicts from live or replayed calls) always replaces these figures; usage from a
scripted test server is test data and is reported as such, never as a model's.
"""

from __future__ import annotations

import json
import math
from datetime import timedelta

import pandas as pd

from sentinel.config import ServiceConfig
from sentinel.llm.prices import ModelInfo
from sentinel.llm.schema import answer_model
from sentinel.pipeline import Assessment, ServiceData

CHARS_PER_TOKEN = 3.5
ASSUMED_THINKING_TOKENS = 500  # adaptive thinking at effort low: not measured, an assumption


def estimated_tokens(text: str) -> int:
    """Haiku 4.5 tokens for a text, from its length (no tokenizer ships offline)."""
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def representative_answer(prompt_version: str) -> str:
    """A typical escalated answer in the prompt's schema: WARNING, two anomalies, three
    sentences of reasoning and (v3) a one-sentence next step. Only its length is used."""
    explanation = "p99 latency is about 4.8 times its expected value for the last 15 minutes."
    body: dict[str, object] = {
        "status": "WARNING",
        "confidence": 0.85,
        "anomalies": [
            {"metric": "latency_p99", "direction": "up", "explanation": explanation},
            {"metric": "error_rate_5xx", "direction": "up", "explanation": explanation},
        ],
        "reasoning": (
            "Latency and 5xx errors rose together 15 minutes ago and have stayed far above what "
            "the detector expected at every 5-minute step since, so this is not a recovering "
            "blip. Traffic is normal, which points at the service rather than load."
        ),
    }
    if "next_step" in answer_model(prompt_version).model_fields:
        body["next_step"] = "Check whether a deploy of api-service started about 15 minutes ago."
    else:
        body["recommended_action"] = "notify_triage"
    return json.dumps(body)


def output_tokens(model: ModelInfo, prompt_version: str) -> tuple[float, str]:
    """Estimated output tokens of one call in the model's tokenizer, and how they were got."""
    answer = estimated_tokens(representative_answer(prompt_version)) * model.token_factor
    if model.thinking == "adaptive":
        return answer + ASSUMED_THINKING_TOKENS, (
            f"answer ~{answer:.0f} (estimated) + thinking {ASSUMED_THINKING_TOKENS} (assumed)"
        )
    why = "thinking disabled in the request" if model.thinking else "no thinking sent"
    return answer, f"answer ~{answer:.0f} (estimated), 0 thinking ({why})"


def sample_check(service: ServiceConfig, history_days: int) -> tuple[ServiceData, Assessment]:
    """A representative check to render prompts for: flat history at 5-minute steps, assessed
    by the real default assessor (so the prompt carries the detector's evidence and trajectory)
    and graded WARNING with the first metric flagged, as an escalated check is."""
    from sentinel.detectors import StatisticalAssessor
    from sentinel.models import Anomaly, Status

    at = pd.Timestamp("2026-11-02T14:30:00Z").to_pydatetime()
    idx = pd.date_range(at - timedelta(days=history_days), at, freq="5min", name="timestamp")
    series = {m.name: pd.Series(123.4567, index=idx) for m in service.metrics}
    data = ServiceData(service, at, 300, series, "estimate")
    real = StatisticalAssessor().assess(data)
    first = service.metrics[0].name
    flagged = Anomaly(
        metric=first,
        current_value=123.4567,
        baseline_value=25.71,
        deviation_pct=380.2,
        direction="up",
        confidence=1.0,
        detail="seasonal_mad: 15/15 points at watch level or above (peak score 1.00)",
    )
    verdict = real.verdict.model_copy(update={"status": Status.WARNING, "anomalies": [flagged]})
    return data, Assessment(verdict, 0.8, real.detector, real.evidence)
