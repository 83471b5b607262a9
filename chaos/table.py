"""A row of the fault matrix and the table it prints."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class Row:
    """One fault and what was measured. `verdict` is ok / LOST / DUPLICATED / LEAKED / CRASHED /
    note: a judgement of the outcome against what the fault matrix asks for."""

    group: str
    fault: str
    outcome: str
    verdict: str = "ok"
    figures: dict[str, object] = field(default_factory=dict)


@contextmanager
def timed() -> Iterator[Callable[[], float]]:
    """`with timed() as elapsed: ...; elapsed()` in seconds."""
    t0 = time.monotonic()
    yield lambda: time.monotonic() - t0


def render(rows: list[Row]) -> str:
    """A Markdown table: group, fault, outcome, verdict."""
    lines = ["| group | fault | measured outcome | verdict |", "|---|---|---|---|"]
    for r in rows:
        outcome = r.outcome.replace("|", "\\|").replace("\n", " ")
        lines.append(f"| {r.group} | {r.fault} | {outcome} | {r.verdict} |")
    return "\n".join(lines)


def guarded(group: str, fault: str, fn: Callable[[], Row]) -> Row:
    """Run one scenario; an exception escaping Sentinel is itself the outcome (CRASHED)."""
    try:
        return fn()
    except Exception as exc:  # the harness reports, it does not stop at the first crash
        return Row(group, fault, f"{type(exc).__name__}: {str(exc)[:200]}", "CRASHED")
