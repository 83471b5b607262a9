"""Walk-forward replay: run the real Agent at each check time, seeing only data up to that time.

The fixture source and the clock are the only differences from a live run. Verdicts stream to one
JSONL file per (strategy, repeat) so an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sentinel.agent import Agent
from sentinel.config import ServiceConfig
from sentinel.evaluation.cases import Suite
from sentinel.evaluation.progress import EtaBar
from sentinel.models import Verdict

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# ------------------------------------------------------------------------------------------
# The clock: which check times each service is replayed at.
# ------------------------------------------------------------------------------------------


def check_times(periods: list[tuple[datetime, datetime]], cadence: timedelta) -> list[datetime]:
    """Epoch-aligned check times every `cadence` in the union of `(start, end]` periods."""
    step = int(cadence.total_seconds())
    times: set[datetime] = set()
    for start, end in periods:
        first = int((start - EPOCH).total_seconds()) // step * step + step
        last = int((end - EPOCH).total_seconds())
        times.update(EPOCH + timedelta(seconds=s) for s in range(first, last + 1, step))
    return sorted(times)


def plan(suite: Suite, cadence: timedelta) -> dict[str, list[datetime]]:
    """Check times per service over the union of its cases' periods (each time checked once)."""
    return {
        service: check_times(
            [(c.manifest.period.start, c.manifest.period.end) for c in suite.for_service(service)],
            cadence,
        )
        for service in suite.services
    }


# ------------------------------------------------------------------------------------------
# Streaming results: one JSONL line per check; resumable.
# ------------------------------------------------------------------------------------------


@dataclass
class CheckRecord:
    """One replayed check, as written to the JSONL stream."""

    service: str
    at: datetime
    verdict: Verdict
    escalation_score: float | None = None
    escalated: bool | None = None
    wall_s: float = 0.0

    def to_json(self) -> str:
        return json.dumps(
            {
                "service": self.service,
                "at": self.at.isoformat(),
                "escalation_score": self.escalation_score,
                "escalated": self.escalated,
                "wall_s": round(self.wall_s, 6),
                "verdict": self.verdict.model_dump(mode="json"),
            }
        )

    @classmethod
    def from_json(cls, line: str) -> CheckRecord:
        d: dict[str, Any] = json.loads(line)
        return cls(
            service=d["service"],
            at=datetime.fromisoformat(d["at"]),
            verdict=Verdict.model_validate(d["verdict"]),
            escalation_score=d.get("escalation_score"),
            escalated=d.get("escalated"),
            wall_s=d.get("wall_s", 0.0),
        )


def read_records(path: Path) -> list[CheckRecord]:
    """Every complete record in a stream; a torn last line (interrupted write) is dropped."""
    if not path.exists():
        return []
    records = []
    for line in path.read_text().splitlines():
        try:
            records.append(CheckRecord.from_json(line))
        except (json.JSONDecodeError, KeyError, ValueError):
            continue
    return records


@dataclass
class ReplayResult:
    """Every record of one (strategy, repeat), in check order."""

    records: list[CheckRecord] = field(default_factory=list)
    resumed: int = 0


def replay(
    agent: Agent,
    config_services: dict[str, ServiceConfig],
    schedule: dict[str, list[datetime]],
    stream: Path,
    label: str = "",
    progress: bool = True,
    clock: Callable[[], float] = time.perf_counter,
) -> ReplayResult:
    """Run `agent.run(service, t)` at every scheduled time not already in `stream`, recording
    each outcome's verdict, escalation score and gate decision."""
    done = read_records(stream)
    have = {(r.service, r.at) for r in done}
    todo = [(s, t) for s, times in schedule.items() for t in times if (s, t) not in have]
    stream.parent.mkdir(parents=True, exist_ok=True)
    _drop_torn_tail(stream)
    with (
        stream.open("a") as out,
        EtaBar(len(todo) + len(have), label, initial=len(have), disable=not progress) as bar,
    ):
        for service, at in todo:
            t0 = clock()
            outcome = agent.run(config_services[service], at)
            wall = clock() - t0
            record = CheckRecord(
                service=service,
                at=at,
                verdict=outcome.verdict,
                escalation_score=outcome.escalation_score,
                escalated=outcome.escalated,
                wall_s=wall,
            )
            out.write(record.to_json() + "\n")
            out.flush()
            done.append(record)
            bar.update(1)
    done.sort(key=lambda r: (r.service, r.at))
    return ReplayResult(records=done, resumed=len(have))


def _drop_torn_tail(path: Path) -> None:
    """If the last line was cut mid-write, remove it so appends start on a fresh line."""
    if not path.exists():
        return
    text = path.read_text()
    if text and not text.endswith("\n"):
        path.write_text(text[: text.rfind("\n") + 1])
