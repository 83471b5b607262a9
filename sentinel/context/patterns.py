"""Group log lines into patterns with Drain3 (and traces by span) (a streaming log-template miner), newest first.

Raw error lines repeat with different numbers and ids; the model needs "this template, this many
times, last seen then", not 5,000 near-identical lines. Drain3 mines the templates; the masks
below turn ids, addresses and numbers into placeholders first so they never split a pattern.
Pure: lines in, patterns out.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from statistics import median

from drain3 import TemplateMiner
from drain3.masking import MaskingInstruction
from drain3.template_miner_config import TemplateMinerConfig

from sentinel.context.models import LogPattern, TraceGroup, TraceRow
from sentinel.redact import known_secrets, redact

MAX_LINE_CHARS = 300  # a pathological line (a stack dump on one line) is cut, not dropped

_MASKS = [
    (r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}", "UUID"),
    (r"\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?", "IP"),
    (r"\b(?:0x)?[0-9a-fA-F]*\d[0-9a-fA-F]*[a-fA-F][0-9a-fA-F]*\b", "HEX"),
    (r"\b[0-9a-fA-F]*[a-fA-F][0-9a-fA-F]*\d[0-9a-fA-F]*\b", "HEX"),
    (r"(?<![A-Za-z])[-+]?\d+(?:\.\d+)?", "NUM"),
]


def _miner() -> TemplateMiner:
    config = TemplateMinerConfig()
    config.masking_instructions = [MaskingInstruction(p, name) for p, name in _MASKS]
    config.profiling_enabled = False
    return TemplateMiner(config=config)  # in memory: no persistence handler


def group_lines(entries: Iterable[tuple[datetime, str]]) -> list[LogPattern]:
    """Patterns of (timestamp, line) entries, newest `last_seen` first, then most frequent.

    Lines are redacted (configured secrets, tokens, credentials in URLs) before mining, so no
    template or example can carry a secret even when the source did not redact.
    """
    miner = _miner()
    secrets = known_secrets()
    seen: dict[int, dict] = {}
    for ts, raw in sorted(entries, key=lambda e: e[0]):
        line = redact(str(raw), secrets)[:MAX_LINE_CHARS].strip()
        if not line:
            continue
        cluster_id = miner.add_log_message(line)["cluster_id"]
        row = seen.setdefault(cluster_id, {"count": 0, "first": ts})
        row["count"] += 1
        row["last"], row["example"] = ts, line
    templates = {c.cluster_id: c.get_template() for c in miner.drain.clusters}
    patterns = [
        LogPattern(
            template=templates[cid],
            count=row["count"],
            first_seen=row["first"],
            last_seen=row["last"],
            example=row["example"],
        )
        for cid, row in seen.items()
    ]
    return sorted(patterns, key=lambda p: (p.last_seen, p.count), reverse=True)


def group_traces(rows: Iterable[TraceRow]) -> list[TraceGroup]:
    """Traces grouped by (service, span, status): failed groups first (newest first), then slow
    ones (slowest first)."""
    groups: dict[tuple[str, str, str], list[TraceRow]] = {}
    for r in rows:
        groups.setdefault((r.service, r.span, r.status), []).append(r)
    out = []
    for (service, span, status), members in groups.items():
        durations = [m.duration_ms for m in members if m.duration_ms is not None]
        newest = max(members, key=lambda m: m.start.timestamp() if m.start else 0.0)
        out.append(
            TraceGroup(
                service=service,
                span=span,
                status=status,
                count=len(members),
                median_ms=float(median(durations)) if durations else None,
                max_ms=max(durations) if durations else None,
                last_seen=newest.start,
                trace_id=newest.trace_id,
            )
        )
    failed = [g for g in out if g.status == "error"]
    slow = [g for g in out if g.status != "error"]
    failed.sort(key=lambda g: g.last_seen.timestamp() if g.last_seen else 0.0, reverse=True)
    slow.sort(key=lambda g: -(g.max_ms or 0.0))
    return failed + slow
