"""The context one escalated check carries: log patterns, slow or failed traces, and notes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class LogPattern:
    """Error-level log lines that share one template (numbers, ids and the like masked).

    `example` is the newest line of the pattern, redacted; `last_seen` orders patterns newest
    first, so a budget cut drops the stalest ones.
    """

    template: str
    count: int
    first_seen: datetime
    last_seen: datetime
    example: str


@dataclass(frozen=True)
class TraceRow:
    """One slow or failed trace: where it started, how long it took, how it ended."""

    service: str
    span: str
    duration_ms: float | None
    status: str  # "error" or "slow"
    trace_id: str = ""
    start: datetime | None = None


@dataclass(frozen=True)
class TraceGroup:
    """Slow or failed traces that share a root service, span and status (Tempo's answer, grouped:
    twenty timeouts of one endpoint are one row with a count, not twenty rows)."""

    service: str
    span: str
    status: str
    count: int
    median_ms: float | None
    max_ms: float | None
    last_seen: datetime | None
    trace_id: str  # the newest one, to open in Tempo


@dataclass(frozen=True)
class CheckContext:
    """Everything collected for one check window, after the token budget.

    `notes` say what could not be collected (Loki down, Tempo slow, nothing configured) and what
    the budget cut; they go into the verdict's provenance. `tokens` is the estimated size of the
    rendered context blocks (sentinel.context.render).
    """

    start: datetime
    end: datetime
    sources: tuple[str, ...] = ()
    log_patterns: tuple[LogPattern, ...] = ()
    log_lines: int = 0
    logs_truncated: bool = False
    traces: tuple[TraceGroup, ...] = ()
    trace_count: int = 0
    notes: tuple[str, ...] = ()
    tokens: int = 0
    dropped: int = 0  # patterns and traces cut by the token budget

    @property
    def empty(self) -> bool:
        """Nothing to show the model (it may still have notes for provenance)."""
        return not self.log_patterns and not self.traces

    def summary(self) -> str:
        """One line for provenance: what the model was shown and what was missing."""
        parts = []
        if self.log_patterns:
            parts.append(f"{len(self.log_patterns)} log patterns ({self.log_lines} error lines)")
        if self.traces:
            parts.append(f"{self.trace_count} slow/failed traces in {len(self.traces)} groups")
        shown = ", ".join(parts) or "no log or trace context"
        if not self.empty:
            shown += f", ~{self.tokens} tokens"
        if self.dropped:
            shown += f", {self.dropped} entries cut by the token budget"
        return "; ".join([f"context: {shown}", *self.notes])
