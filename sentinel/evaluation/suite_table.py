"""The per-suite table `sentinel eval run` prints and `make eval` collects: one row per
detector with event-level P/R/F1 (95% CIs), VUS-PR (threshold-free), false alarms per day, time to detect and, where the
labels name metrics (SMD), attribution precision/recall; plus run time and machine load."""

from __future__ import annotations

import os
from datetime import UTC, datetime

from sentinel.evaluation.attribution import attribution
from sentinel.evaluation.runner import EvalRun, metrics_for


def _ci(v: float | None, ci: tuple[float, float] | None, digits: int = 2) -> str:
    if v is None:
        return "–"
    return f"{v:.{digits}f} [{ci[0]:.{digits}f}, {ci[1]:.{digits}f}]" if ci else f"{v:.{digits}f}"


def _minutes(seconds: float | None) -> str:
    return "–" if seconds is None else f"{seconds / 60:.0f} min"


def suite_table(run: EvalRun) -> str:
    """Markdown: a header line saying what the data is, then the table."""
    real = any(m.kind != "synthetic" for m in run.suite.fixtures.values())
    took = ((run.finished or datetime.now(UTC)) - run.started).total_seconds()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    checks = sum(len(t) for t in run.schedule.values())
    incidents = sum(1 for c in run.suite.cases for w in c.manifest.windows if not w.hard_negative)
    rows = []
    days = 0.0
    any_attr = False
    for srun in run.strategies:
        if not srun.ran:
            continue
        m = metrics_for(srun, run.options)[0]
        days = m.observed_days
        attr = attribution(srun.repeats[0], run.suite, run.options.n_boot, run.options.seed)
        any_attr = any_attr or attr is not None
        cells = [
            f"`{srun.spec.name}`",
            _ci(m.precision, m.ci.get("precision")),
            _ci(m.recall, m.ci.get("recall")),
            _ci(m.f1, m.ci.get("f1")),
            _ci(m.vus_pr, None),
            _ci(m.false_alarms_per_day, m.ci.get("false_alarms_per_day"), 1),
            f"{_minutes(m.ttd_median_s)} / {_minutes(m.ttd_p90_s)}",
            f"{m.detected}/{m.incidents}",
        ]
        if attr is not None:
            cells += [
                _ci(attr.precision, attr.precision_ci),
                _ci(attr.recall, attr.recall_ci),
            ]
        rows.append(cells)
    head = [
        "detector",
        "precision [95% CI]",
        "recall [95% CI]",
        "F1 [95% CI]",
        "VUS-PR",
        "false alarms/day",
        "TTD median / p90",
        "detected",
    ]
    if any_attr:
        head += ["attribution P", "attribution R"]
        rows = [[*r, "–", "–"] if len(r) < len(head) else r for r in rows]
    kind = "REAL data" if real else "SYNTHETIC fixtures (a sanity suite, not evidence)"
    title = (
        f"### Suite `{run.options.suite_name}` ({kind}): {len(run.suite.services)} services, "
        f"{incidents} incidents, {days:.1f} days replayed, {checks} checks per "
        f"detector at a {run.options.cadence} cadence; took {took:.0f} s "
        f"(load average {load:.1f} on {os.cpu_count()} cores at the end)\n"
    )
    lines = [
        title,
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
        *("| " + " | ".join(r) + " |" for r in rows),
    ]
    return "\n".join(lines) + "\n"
