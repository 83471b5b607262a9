"""Write an eval's report under reports/eval/<run-id>/: results.json (evaluation/results.py),
report.md (evaluation/markdown.py) and the PNG figures (evaluation/figures.py).

Every table row and figure says where its numbers came from: `statistical` (a detector alone),
`live model`, `replay` (recorded model responses) or `scripted` (test doubles). A strategy that
did not run shows a projected cost only, never an accuracy figure.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from sentinel.evaluation.cases import Case
from sentinel.evaluation.figures import (
    plot_case,
    plot_cost_vs_f1,
    plot_operating_curves,
    plot_prf1,
)
from sentinel.evaluation.markdown import headline_table, write_markdown
from sentinel.evaluation.results import StrategyResult, eval_results
from sentinel.evaluation.runner import EvalRun

MAX_TIMELINES = 12  # one PNG per case is a minute of plotting on a full real suite


def pick_timelines(
    run: EvalRun, results: list[StrategyResult], limit: int = MAX_TIMELINES
) -> tuple[list[Case], str]:
    """The labelled cases to draw, and a sentence saying which they are.

    Every case when there are at most `limit`; else the ones the strategies got wrong most often
    (missed incidents and violated hard negatives, then false alarms inside the case period),
    at most `limit`. The per-case table still lists every case.
    """
    labelled = [c for c in run.suite.cases if c.manifest.windows]
    if len(labelled) <= limit:
        return labelled, ""
    wrong: dict[str, int] = {c.id: 0 for c in labelled}
    for r in results:
        for case_id, c in r.cases.items():
            if case_id in wrong and (c.violated or c.detected is False):
                wrong[case_id] += 1000  # a miss outranks any number of false alarms
    for srun in run.strategies:
        for o in srun.outcomes[0] if srun.outcomes else []:
            for alarm in (a for a in o.alarms if not a.true_alarm):
                for c in labelled:
                    period = c.manifest.period
                    if c.service == o.service and period.start < alarm.start <= period.end:
                        wrong[c.id] += 1
    ranked = sorted((c for c in labelled if wrong[c.id]), key=lambda c: (-wrong[c.id], c.id))
    shown = ranked[:limit]
    note = (
        f"Timelines: {len(shown)} of {len(labelled)} labelled cases are drawn, those the "
        "strategies got wrong most often (missed incidents or violated hard negatives first, "
        "then false alarms inside the case period); the per-case table lists every case."
    )
    return shown, note


def write_report(run: EvalRun) -> Path:
    """Write results.json, the figures and report.md; return the report path."""
    results = eval_results(run)
    d = run.directory
    (d / "timelines").mkdir(exist_ok=True)
    figures = ["prf1.png", "cost_vs_f1.png", "operating_curves.png"]
    plot_prf1(results, d / "prf1.png")
    plot_cost_vs_f1(results, d / "cost_vs_f1.png")
    plot_operating_curves(results, d / "operating_curves.png")
    note = ""
    if any(s.ran for s in run.strategies):
        cases, note = pick_timelines(run, results)
        for case in cases:
            rel = f"timelines/{case.id}.png"
            plot_case(run, case, d / rel)
            figures.append(rel)
    payload = {
        "run_id": run.run_id,
        "started": run.started.isoformat(),
        "finished": run.finished.isoformat() if run.finished else None,
        "options": asdict(run.options),
        "suite": {
            "directory": str(run.suite.directory),
            "cases": [
                {"id": c.id, "file": str(c.path), **c.manifest.model_dump(mode="json")}
                for c in run.suite.cases
            ],
            "uncovered_labels": run.suite.uncovered_labels(replayed_only=True),
        },
        "checks_per_strategy": sum(len(t) for t in run.schedule.values()),
        "timelines": [Path(f).stem for f in figures if f.startswith("timelines/")],
        "strategies": [r.to_json() for r in results],
    }
    (d / "results.json").write_text(json.dumps(payload, indent=1, default=str) + "\n")
    report = d / "report.md"
    report.write_text(write_markdown(run, results, figures, note))
    return report


__all__ = ["headline_table", "write_report"]
