"""Synthetic log and trace context for fixtures: `<fixtures>/context/<fixture>.yaml`.

No recorded logs or traces ship with the bundled fixtures, so a few labelled windows get
hand-written SYNTHETIC episodes (kind: synthetic in the file): error lines repeated at a rate,
with numbers and ids filled in deterministically, and slow or failed traces. They exist so
offline checks, notebook 02 and the eval can show context; they are a sanity suite, not evidence.
A fixture without such a file gives an empty context (said in the notes), never an error.
"""

from __future__ import annotations

import hashlib
import math
import re
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AwareDatetime, Field, ValidationError

from sentinel.config import ServiceConfig, format_validation_error, load_yaml
from sentinel.context.models import TraceRow
from sentinel.context.sources import MAX_LINES, MAX_TRACES, Lines
from sentinel.errors import FixtureError
from sentinel.models import Strict
from sentinel.sources.loki import ERROR_PATTERN

_ERROR = re.compile(ERROR_PATTERN.removeprefix("(?i)"), re.IGNORECASE)
_FIELD = re.compile(r"\{(num|id)\}")


class LogSpec(Strict):
    line: str = Field(min_length=1, description="{num} and {id} are filled per line")
    every_s: int = Field(gt=0, le=3600)


class TraceSpec(Strict):
    span: str = Field(min_length=1)
    every_s: int = Field(gt=0, le=3600)
    duration_ms: float = Field(gt=0)
    status: Literal["error", "slow"]


class Episode(Strict):
    start: AwareDatetime
    end: AwareDatetime
    note: str = ""
    logs: list[LogSpec] = Field(default_factory=list)
    traces: list[TraceSpec] = Field(default_factory=list)


class ContextFile(Strict):
    kind: Literal["synthetic"]
    service: str
    episodes: list[Episode]


def _digest(*parts: object) -> int:
    return int.from_bytes(hashlib.sha256("|".join(map(str, parts)).encode()).digest()[:8], "big")


def _fill(template: str, t: datetime) -> str:
    def one(m: re.Match) -> str:
        h = _digest(template, t.isoformat(), m.start())
        return str(50 + h % 4950) if m.group(1) == "num" else f"{h:016x}"[:12]

    return _FIELD.sub(one, template)


def _times(ep: Episode, every_s: int, start: datetime, end: datetime) -> list[datetime]:
    """The episode's ticks (ep.start + i * every_s) inside [start, end)."""
    lo, hi = max(ep.start, start), min(ep.end, end)
    if lo >= hi:
        return []
    first = math.ceil((lo - ep.start).total_seconds() / every_s)
    stop = math.ceil((hi - ep.start).total_seconds() / every_s)
    return [ep.start + timedelta(seconds=every_s * i) for i in range(first, stop)]


@lru_cache(maxsize=32)
def load_context_file(path: Path) -> ContextFile | None:
    if not path.is_file():
        return None
    try:
        return ContextFile.model_validate(load_yaml(path))
    except ValidationError as exc:
        raise FixtureError(format_validation_error(path, exc)) from exc


class FixtureContext:
    """The ContextSource of a fixtures folder (the bundled one by default)."""

    def __init__(self, fixtures_dir: Path) -> None:
        self.fixtures_dir = fixtures_dir

    @property
    def description(self) -> str:
        return "fixtures (SYNTHETIC logs and traces)"  # no path: prompts must not depend on it

    def _file(self, service: ServiceConfig) -> ContextFile:
        name = service.fixture or service.name
        found = load_context_file(self.fixtures_dir / "context" / f"{name}.yaml")
        if found is None:
            raise LookupError(f"no synthetic log/trace context for fixture {name!r}")
        return found

    def error_lines(self, service: ServiceConfig, start: datetime, end: datetime) -> Lines:
        lines = [
            (t, _fill(spec.line, t))
            for ep in self._file(service).episodes
            for spec in ep.logs
            for t in _times(ep, spec.every_s, start, end)
        ]
        return sorted(line for line in lines if _ERROR.search(line[1]))[-MAX_LINES:]

    def error_line_total(self, service: ServiceConfig, start: datetime, end: datetime) -> int:
        return sum(
            len(_times(ep, spec.every_s, start, end))
            for ep in self._file(service).episodes
            for spec in ep.logs
            if _ERROR.search(spec.line)
        )

    def traces(self, service: ServiceConfig, start: datetime, end: datetime) -> list[TraceRow]:
        rows = []
        for ep in self._file(service).episodes:
            for spec in ep.traces:
                for t in _times(ep, spec.every_s, start, end):
                    jitter = 1 + (_digest(spec.span, t.isoformat()) % 200 - 100) / 1000
                    rows.append(
                        TraceRow(
                            service=service.tempo_service or service.name,
                            span=spec.span,
                            duration_ms=round(spec.duration_ms * jitter, 1),
                            status=spec.status,
                            trace_id=f"{_digest('trace', spec.span, t):016x}{_digest('id', spec.span, t):016x}",
                            start=t,
                        )
                    )
        failed = sorted((r for r in rows if r.status == "error"), key=lambda r: r.start)[::-1]
        slow = sorted((r for r in rows if r.status == "slow"), key=lambda r: -(r.duration_ms or 0))
        return failed[:MAX_TRACES] + slow[:MAX_TRACES]
