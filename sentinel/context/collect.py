"""Collect the context of one check window, bounded, without ever failing the check."""

from __future__ import annotations

from datetime import datetime, timedelta

import structlog

from sentinel.config import ServiceConfig
from sentinel.context.models import CheckContext
from sentinel.context.patterns import group_lines, group_traces
from sentinel.context.render import fit_budget
from sentinel.context.sources import MAX_LINES, ContextSource
from sentinel.redact import known_secrets, redact

log = structlog.get_logger(__name__)

WINDOW = timedelta(minutes=30)  # twice the detectors' 15-minute recent window: onset included
TOKEN_BUDGET = 1_200  # about a third of a v3 prompt; the budget cut is noted
MAX_PATTERNS = 15


def _why(exc: BaseException) -> str:
    return redact(f"{type(exc).__name__}: {exc}", known_secrets())[:300]


def collect_context(
    source: ContextSource,
    service: ServiceConfig,
    at: datetime,
    window: timedelta = WINDOW,
    token_budget: int = TOKEN_BUDGET,
) -> CheckContext:
    """Error-log patterns and slow/failed traces for [at - window, at).

    Each half is independent: a Loki or Tempo that is missing, slow (its client times out) or
    failing leaves that half empty and a note saying why. Any exception is caught on purpose:
    context is optional, the verdict is not.
    """
    start = at - window
    notes: list[str] = []
    patterns, lines, truncated, traces = [], 0, False, []
    trace_count = 0
    try:
        entries = source.error_lines(service, start, at)
        patterns = group_lines(entries)
        lines = len(entries)
        if lines >= MAX_LINES:
            truncated = True
            lines = max(lines, source.error_line_total(service, start, at))
    except Exception as exc:  # any failure: never block a verdict on logs
        notes.append(f"logs unavailable ({_why(exc)})")
        log.warning("context.logs_unavailable", service=service.name, why=_why(exc))
    try:
        raw = source.traces(service, start, at)
        traces, trace_count = group_traces(raw), len(raw)
    except Exception as exc:  # any failure: never block a verdict
        notes.append(f"traces unavailable ({_why(exc)})")
        log.warning("context.traces_unavailable", service=service.name, why=_why(exc))
    if len(patterns) > MAX_PATTERNS:
        notes.append(f"{len(patterns) - MAX_PATTERNS} older log patterns not shown")
        patterns = patterns[:MAX_PATTERNS]
    ctx = CheckContext(
        start=start,
        end=at,
        sources=(source.description,),
        log_patterns=tuple(patterns),
        log_lines=lines,
        logs_truncated=truncated,
        traces=tuple(traces),
        trace_count=trace_count,
        notes=tuple(notes),
    )
    return fit_budget(ctx, token_budget)
