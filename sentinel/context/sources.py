"""Where context comes from: live Loki and Tempo, or the bundled fixtures' synthetic episodes.

Both answer the same two questions for a service and a window: its newest error-level log lines,
and its slow or failed traces. Errors are raised (SourceError, ConfigError, ...); deciding that a
failure must not block the verdict is `sentinel.context.collect`'s job.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sentinel.config import ServiceConfig, Settings
from sentinel.context.models import TraceRow
from sentinel.sources.tempo import TempoSource, TraceHit

Lines = list[tuple[datetime, str]]

MAX_LINES = 1_000  # newest error lines read per check: one Loki request, bounded
MAX_TRACES = 10  # per kind (slow, failed) per check
SLOW_MS = 1_000.0


class ContextSource(Protocol):
    """Logs and traces for one service in [start, end)."""

    description: str

    def error_lines(self, service: ServiceConfig, start: datetime, end: datetime) -> Lines:
        """The newest error-level lines (at most MAX_LINES)."""
        ...

    def error_line_total(self, service: ServiceConfig, start: datetime, end: datetime) -> int:
        """How many error-level lines there were in all (asked only when the lines were capped)."""
        ...

    def traces(self, service: ServiceConfig, start: datetime, end: datetime) -> list[TraceRow]:
        """Failed traces first (newest first), then slow ones (slowest first), deduplicated."""
        ...


def trace_rows(failed: list[TraceHit], slow: list[TraceHit], service: str) -> list[TraceRow]:
    """Merge Tempo's two searches: a trace that failed and was slow is listed once, as failed."""
    rows: dict[str, TraceRow] = {}
    newest = sorted(failed, key=lambda h: h.start.timestamp() if h.start else 0, reverse=True)
    for status, hits in (("error", newest), ("slow", slow)):
        for h in hits:
            key = h.trace_id or f"{status}-{len(rows)}"
            rows.setdefault(
                key,
                TraceRow(
                    service=h.root_service or service,
                    span=h.root_name,
                    duration_ms=h.duration_ms,
                    status=status,
                    trace_id=h.trace_id,
                    start=h.start,
                ),
            )
    return list(rows.values())


class LiveContext:
    """Loki and/or Tempo; either may be None (not configured), which is reported, not an error."""

    def __init__(self, loki=None, tempo: TempoSource | None = None, slow_ms: float = SLOW_MS):
        self.loki, self.tempo, self.slow_ms = loki, tempo, slow_ms

    @classmethod
    def from_settings(cls, settings: Settings, timeout_s: float = 5.0) -> LiveContext | None:
        """From LOKI_URL / TEMPO_URL; None when neither is set. A short timeout and one retry:
        context is worth a few seconds of an escalated check, never the check itself."""
        if not settings.loki_url and not settings.tempo_url:
            return None
        from sentinel.sources.http import JsonClient
        from sentinel.sources.loki import LokiSource

        def client(name: str, url: str, tenant: str | None) -> JsonClient:
            t = min(timeout_s, settings.http_timeout_s)
            return JsonClient(name, url, timeout_s=t, tenant=tenant, attempts=2, backoff_s=0.2)

        loki = tempo = None
        if settings.loki_url:
            loki = LokiSource(client("Loki", settings.loki_url, settings.loki_tenant))
        if settings.tempo_url:
            tempo = TempoSource(client("Tempo", settings.tempo_url, settings.tempo_tenant))
        return cls(loki, tempo)

    @property
    def description(self) -> str:
        # names only: a URL in the prompt would change replay keys per deployment
        return "+".join(n for n, s in (("loki", self.loki), ("tempo", self.tempo)) if s)

    def error_lines(self, service: ServiceConfig, start: datetime, end: datetime) -> Lines:
        if self.loki is None:
            raise LookupError("Loki not configured (LOKI_URL)")
        from sentinel.sources.loki import error_query, service_selector

        frame = self.loki.newest(error_query(service_selector(service)), start, end, MAX_LINES)
        return list(zip(frame["timestamp"].dt.to_pydatetime(), frame["line"], strict=True))

    def error_line_total(self, service: ServiceConfig, start: datetime, end: datetime) -> int:
        step = max(1, int((end - start).total_seconds()))
        return int(self.loki.error_counts(service, start, end, step).sum())

    def traces(self, service: ServiceConfig, start: datetime, end: datetime) -> list[TraceRow]:
        if self.tempo is None:
            raise LookupError("Tempo not configured (TEMPO_URL)")
        name = service.tempo_service or service.name
        found = self.tempo.summary(name, start, end, self.slow_ms, MAX_TRACES)
        return trace_rows(found.errors, found.slow, name)

    def close(self) -> None:
        for s in (self.loki, self.tempo):
            if s is not None:
                s.close()
