"""Read traces from Tempo for context: TraceQL search, one trace by id, and a summary of a
service's slow and failing traces in a window.

TraceQL is built with quoted string literals (`selectors.quote`), never by formatting a service
name into the query; trace ids are checked to be hex before they go into a URL path.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field

from sentinel.config import Settings
from sentinel.errors import ConfigError, SourceError
from sentinel.sources.http import JsonClient
from sentinel.sources.selectors import quote

TRACE_ID = re.compile(r"^[0-9a-fA-F]{1,32}$")


class TraceHit(BaseModel):
    """One trace as the search API lists it."""

    trace_id: str
    root_service: str = ""
    root_name: str = ""
    start: datetime | None = None
    duration_ms: float | None = None


class TraceSummary(BaseModel):
    """Slow and failing traces of one service in a window: context for the judge, not a metric.

    Counts are of traces returned, capped at `limit` (Tempo search returns the first N found),
    so `*_capped` says when the true number may be higher.
    """

    service: str
    start: datetime
    end: datetime
    slow_threshold_ms: float
    slow: list[TraceHit] = Field(default_factory=list)
    errors: list[TraceHit] = Field(default_factory=list)
    slow_capped: bool = False
    errors_capped: bool = False


def service_filter(service: str, *conditions: str) -> str:
    """`{ resource.service.name = "<service>" && <conditions> }` with the name quoted."""
    parts = [f"resource.service.name = {quote(service)}", *conditions]
    return "{ " + " && ".join(parts) + " }"


class TempoSource:
    def __init__(self, client: JsonClient) -> None:
        self.client = client

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> TempoSource:
        s = settings or Settings()
        return cls(
            JsonClient("Tempo", s.tempo_url, timeout_s=s.http_timeout_s, tenant=s.tempo_tenant)
        )

    @property
    def description(self) -> str:
        return f"tempo:{self.client.shown_url}"

    def close(self) -> None:
        self.client.close()

    def search(
        self, traceql: str, start: datetime, end: datetime, limit: int = 20
    ) -> list[TraceHit]:
        """TraceQL search over [start, end] (without start/end Tempo searches only recent data)."""
        body = self.client.get(
            "/api/search",
            {"q": traceql, "start": _epoch(start), "end": _epoch(end), "limit": limit},
        )
        if not isinstance(body, dict):
            raise SourceError(f"Tempo answered {traceql!r} with an unexpected body")
        return [_hit(t) for t in body.get("traces") or []]

    def trace(self, trace_id: str) -> dict[str, Any]:
        """One trace as OTLP JSON (`batches` of resource spans)."""
        if not TRACE_ID.match(trace_id):
            raise ConfigError(f"not a trace id: {trace_id!r} (1-32 hex digits)")
        body = self.client.get(f"/api/traces/{trace_id}")
        if not isinstance(body, dict):
            raise SourceError(f"Tempo answered trace {trace_id} with an unexpected body")
        return body

    def summary(
        self,
        service: str,
        start: datetime,
        end: datetime,
        slow_ms: float = 1000.0,
        limit: int = 20,
    ) -> TraceSummary:
        slow = self.search(service_filter(service, f"duration > {slow_ms:g}ms"), start, end, limit)
        errors = self.search(service_filter(service, "status = error"), start, end, limit)
        return TraceSummary(
            service=service,
            start=start,
            end=end,
            slow_threshold_ms=slow_ms,
            slow=sorted(slow, key=lambda h: -(h.duration_ms or 0)),
            errors=errors,
            slow_capped=len(slow) >= limit,
            errors_capped=len(errors) >= limit,
        )


def span_count(trace: dict[str, Any]) -> int:
    """Spans in an OTLP JSON trace (`scopeSpans`, or the older `instrumentationLibrarySpans`)."""
    total = 0
    for batch in trace.get("batches") or trace.get("resourceSpans") or []:
        for scope in batch.get("scopeSpans") or batch.get("instrumentationLibrarySpans") or []:
            total += len(scope.get("spans") or [])
    return total


def _hit(item: dict[str, Any]) -> TraceHit:
    start = item.get("startTimeUnixNano")
    return TraceHit(
        trace_id=str(item.get("traceID", "")),
        root_service=str(item.get("rootServiceName", "")),
        root_name=str(item.get("rootTraceName", "")),
        start=datetime.fromtimestamp(int(start) / 1e9, tz=UTC) if start else None,
        duration_ms=float(item["durationMs"]) if item.get("durationMs") is not None else None,
    )


def _epoch(t: datetime) -> int:
    if t.tzinfo is None:
        raise ConfigError(f"naive datetime {t!r}: pass a timezone-aware UTC time")
    return int(t.timestamp())
