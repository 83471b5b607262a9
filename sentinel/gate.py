"""The gate: only assessments whose escalation score reaches the threshold cost a model call.

It counts what it sees, so a run can report its escalation rate (the share of checks that went to
the LLM), which is what the monthly model bill scales with.
"""

from __future__ import annotations

from collections import Counter

from sentinel.config import SentinelConfig
from sentinel.pipeline import Assessment


class ThresholdGate:
    """Implements sentinel.pipeline.Gate: escalate when `escalation_score >= threshold`."""

    def __init__(self, threshold: float = 0.5) -> None:
        if not 0.0 <= threshold <= 1.0:
            raise ValueError(f"gate threshold must be within [0, 1], got {threshold}")
        self.threshold = threshold
        self.seen = 0
        self.escalated = 0
        self.by_service: Counter[str] = Counter()

    def escalate(self, assessment: Assessment) -> bool:
        self.seen += 1
        go = assessment.escalation_score >= self.threshold
        if go:
            self.escalated += 1
            self.by_service[assessment.verdict.service] += 1
        return go

    @property
    def escalation_rate(self) -> float:
        """Escalated / seen; 0 before the first check."""
        return self.escalated / self.seen if self.seen else 0.0

    def report(self) -> str:
        return (
            f"gate threshold {self.threshold:g}: escalated {self.escalated} of {self.seen} "
            f"checks ({self.escalation_rate:.1%})"
        )


def build_gate(config: SentinelConfig) -> ThresholdGate:
    return ThresholdGate(config.detection.gate.threshold)
