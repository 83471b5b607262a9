"""Write an eval's report: report.md, results.json and PNG plots under reports/eval/<run-id>/.

Every table row and figure says where its numbers came from: `statistical` (a detector alone),
`live model`, `replay` (recorded model responses) or `scripted` (test doubles). A strategy that
did not run shows a projected cost only, never an accuracy figure.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from sentinel.errors import SentinelError
from sentinel.evaluation import costs
from sentinel.evaluation.figures import plot_case, plot_cost_vs_f1, plot_prf1, source_label
from sentinel.evaluation.runner import EvalRun, StrategyRun
from sentinel.evaluation.scoring import severity_confusion, summarize
from sentinel.models import Status

# ------------------------------------------------------------------------------------------
# Numbers
# ------------------------------------------------------------------------------------------


def strategy_results(run: EvalRun, srun: StrategyRun) -> dict[str, Any]:
    """Metrics per repeat, cost, the mean over repeats and the spread."""
    out: dict[str, Any] = {
        "name": srun.spec.name,
        "kind": srun.spec.kind,
        "models": list(srun.spec.models),
        "detector": srun.spec.detector,
        "mode": srun.mode,
        "source": source_label(srun),
        "note": srun.note,
    }
    if not srun.ran:
        return out
    opts = run.options
    repeats = []
    for i, (records, outcomes) in enumerate(zip(srun.repeats, srun.outcomes, strict=True)):
        m = summarize(outcomes, n_boot=opts.n_boot, seed=opts.seed + i)
        c = costs.measured(records, m.detected, run.config)
        repeats.append({"metrics": asdict(m), "cost": asdict(c)})
    out["repeats"] = repeats
    out["mean"] = _mean_over(repeats)
    out["spread"] = _spread(repeats) if len(repeats) > 1 else None
    out["severity_confusion"] = severity_confusion(srun.outcomes[0])
    out["cases"] = case_outcomes(srun)
    return out


def _mean_over(repeats: list[dict[str, Any]]) -> dict[str, Any]:
    first = repeats[0]
    mean: dict[str, Any] = {"metrics": dict(first["metrics"]), "cost": dict(first["cost"])}
    for part in ("metrics", "cost"):
        for key, value in first[part].items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                vals = [r[part][key] for r in repeats if r[part][key] is not None]
                mean[part][key] = float(np.mean(vals)) if vals else None
    return mean


def _spread(repeats: list[dict[str, Any]]) -> dict[str, Any]:
    out = {}
    for key in ("precision", "recall", "f1", "false_alarms_per_day", "nab_score"):
        vals = [r["metrics"][key] for r in repeats if r["metrics"][key] is not None]
        if vals:
            out[key] = {"min": min(vals), "max": max(vals), "std": float(np.std(vals, ddof=1))}
    return out


def case_outcomes(srun: StrategyRun) -> dict[str, dict[str, Any]]:
    """Per case (first repeat): detected and time to detect, or hard negative violated."""
    out: dict[str, dict[str, Any]] = {}
    for o in srun.outcomes[0]:
        for i in o.incidents:
            ttd = i.time_to_detect
            out[i.case_id] = {
                "detected": i.detected,
                "ttd_s": ttd.total_seconds() if ttd is not None else None,
                "worst": i.worst.value,
                "expected": i.window.min_severity.value if i.window.min_severity else None,
            }
        for n in o.negatives:
            out[n.case_id] = {"violated": n.violated, "worst": n.worst.value}
    return out


def projections(run: EvalRun, results: list[dict[str, Any]]) -> None:
    """Attach projected costs to model strategies that did not run, at the escalation rate the
    config's own detector and gate showed in this replay."""
    stats = [s for s in run.strategies if s.spec.kind == "statistical" and s.ran]
    if not stats:
        return
    default = run.config.detection.detector
    base = next((s for s in stats if s.spec.detector == default), stats[0])
    rate = costs.escalation_rate(base.repeats[0])
    for s, r in zip(run.strategies, results, strict=True):
        if s.spec.uses_model and not s.ran:
            try:
                p = costs.projected(s.spec.models, rate, run.config, run.options.batch)
            except SentinelError as exc:  # a price-table problem must not lose the report
                r["projected_cost"] = {"error": str(exc)}
                continue
            p.basis = p.basis.replace("(given)", f"(measured here: {base.spec.name} + gate)")
            r["projected_cost"] = asdict(p)
            r["projected_cost"]["escalation_rate"] = rate
            r["projected_cost"]["rate_from"] = base.spec.name


# ------------------------------------------------------------------------------------------
# Markdown
# ------------------------------------------------------------------------------------------


def _f(x: float | None, digits: int = 2) -> str:
    return "–" if x is None else f"{x:.{digits}f}"


def _ci(m: dict[str, Any], key: str, digits: int = 2) -> str:
    v = m.get(key)
    ci = (m.get("ci") or {}).get(key)
    if v is None:
        return "–"
    return f"{v:.{digits}f} [{ci[0]:.{digits}f}, {ci[1]:.{digits}f}]" if ci else f"{v:.{digits}f}"


def _dur(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    return f"{seconds / 60:.0f}m" if seconds < 5400 else f"{seconds / 3600:.1f}h"


def _usd(x: float | None) -> str:
    if x is None:
        return "–"
    if x == 0:
        return "$0"
    if x < 0.001:
        return f"${x:.2g}"
    return f"${x:.4f}" if x < 1 else f"${x:,.2f}"


def headline_table(results: list[dict[str, Any]]) -> str:
    head = (
        "| strategy | source | precision [95% CI] | recall [95% CI] | F1 [95% CI] | "
        "TTD median / p90 | false alarms/day [95% CI] | hard neg. violated | NAB | "
        "cost/check | cost/detected | monthly (config) | check p50/p95 |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n"
    )
    rows = []
    for r in results:
        if "mean" not in r:
            p = r.get("projected_cost") or {}
            monthly = f"{_usd(p.get('monthly_usd'))} (estimate)" if "monthly_usd" in p else "–"
            note = (r["note"] or "not run").split(":")
            short = ":".join(note[:2]).split(" (")[0].split(";")[0]
            rows.append(
                f"| {r['name']} | {short} | – | – | – | – | – | – | – | "
                f"{_usd(p.get('cost_per_check')) + ' (est.)' if 'cost_per_check' in p else '–'}"
                f" | – | {monthly} | – |"
            )
            continue
        m, c = r["mean"]["metrics"], r["mean"]["cost"]
        reps = len(r["repeats"])
        src = r["source"] + (f", mean of {reps}" if reps > 1 else "")
        rows.append(
            f"| {r['name']} | {src} | {_ci(m, 'precision')} | {_ci(m, 'recall')} | "
            f"{_ci(m, 'f1')} | {_dur(m['ttd_median_s'])} / {_dur(m['ttd_p90_s'])} | "
            f"{_ci(m, 'false_alarms_per_day', 1)} | "
            f"{m['hard_negative_violations']:.0f}/{m['hard_negatives']:.0f} | {_f(m['nab_score'], 1)} | "
            f"{_usd(c['cost_per_check'])} | {_usd(c['cost_per_detected'])} | "
            f"{_usd(c['monthly_usd'])} | "
            f"{_f(c['check_p50_s'], 3)}/{_f(c['check_p95_s'], 3)} s |"
        )
    return head + "\n".join(rows) + "\n"


def not_run_text(results: list[dict[str, Any]]) -> list[str]:
    notes = [f"- `{r['name']}`: {r['note']}" for r in results if "mean" not in r]
    return ["**Not run:**\n", "\n".join(notes) + "\n"] if notes else []


def cost_table(results: list[dict[str, Any]]) -> str:
    head = (
        "| strategy | source | checks | escalations | model calls | fallbacks | tokens in/out | "
        "cache read/write | cost | model p50/p95 | basis |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|\n"
    )
    rows = []
    for r in results:
        if "mean" not in r:
            p = r.get("projected_cost") or {}
            basis = p.get("basis") or p.get("error") or "–"
            rows.append(f"| {r['name']} | not run | – | – | – | – | – | – | – | – | {basis} |")
            continue
        c = r["repeats"][0]["cost"]
        rows.append(
            f"| {r['name']} | {r['source']} | {c['checks']} | "
            f"{c['escalations'] if c['escalations'] is not None else '–'} | {c['model_calls']} | "
            f"{c['fallbacks']} | {c['input_tokens']:,}/{c['output_tokens']:,} | "
            f"{c['cache_read_tokens']:,}/{c['cache_write_tokens']:,} | {_usd(c['cost_usd'])} | "
            f"{_f(c['model_p50_s'])}/{_f(c['model_p95_s'])} s | {c['basis']} |"
        )
    return head + "\n".join(rows) + "\n"


def spread_table(results: list[dict[str, Any]]) -> str:
    rows = [r for r in results if r.get("spread")]
    if not rows:
        return "No strategy ran more than once (`--repeats N` repeats model strategies).\n"
    out = "| strategy | repeats | F1 min–max (sd) | recall min–max | precision min–max |\n"
    out += "|---|---|---|---|---|\n"
    for r in rows:
        s = r["spread"]

        def mm(k: str, s: dict[str, Any] = s) -> str:
            return f"{s[k]['min']:.2f}–{s[k]['max']:.2f}" if k in s else "–"

        sd = f" ({s['f1']['std']:.2f})" if "f1" in s else ""
        out += (
            f"| {r['name']} | {len(r['repeats'])} | {mm('f1')}{sd} | {mm('recall')} | "
            f"{mm('precision')} |\n"
        )
    return out


def case_table(run: EvalRun, results: list[dict[str, Any]]) -> str:
    ran = [r for r in results if "cases" in r]
    if not ran:
        return ""
    out = "| case | kind | expected | " + " | ".join(r["name"] for r in ran) + " |\n"
    out += "|---|---|---|" + "---|" * len(ran) + "\n"
    for case in run.suite.cases:
        if case.manifest.tags.background:
            continue
        tags = case.manifest.tags
        expected = (
            "stay < WARNING" if tags.hard_negative else f"≥ {case.manifest.windows[0].min_severity}"
        )
        cells = []
        for r in ran:
            c = r["cases"].get(case.id, {})
            if tags.hard_negative:
                cells.append(f"**ALARM** ({c.get('worst')})" if c.get("violated") else "ok")
            elif c.get("detected"):
                cells.append(f"found +{_dur(c['ttd_s'])} ({c['worst']})")
            else:
                cells.append(f"missed ({c.get('worst', '–')})")
        out += (
            f"| {case.id} | {tags.kind} ({tags.difficulty}) | {expected} | "
            + " | ".join(cells)
            + " |\n"
        )
    return out


def confusion_text(results: list[dict[str, Any]]) -> str:
    cols = [
        s.value
        for s in (Status.UNKNOWN, Status.NORMAL, Status.WATCH, Status.WARNING, Status.CRITICAL)
    ]
    out = []
    for r in results:
        table = r.get("severity_confusion")
        if not table:
            continue
        out.append(f"**{r['name']}** ({r['source']}): rows = expected, columns = worst given\n")
        out.append("| expected | " + " | ".join(cols) + " |")
        out.append("|---|" + "---|" * len(cols))
        for row, counts in table.items():
            out.append(f"| {row} | " + " | ".join(str(counts.get(c, 0)) for c in cols) + " |")
        out.append("")
    return "\n".join(out) + "\n"


def write_markdown(run: EvalRun, results: list[dict[str, Any]], figures: list[str]) -> str:
    suite = run.suite
    incidents = sum(
        len([w for w in c.manifest.windows if not w.hard_negative]) for c in suite.cases
    )
    negatives = sum(len([w for w in c.manifest.windows if w.hard_negative]) for c in suite.cases)
    checks = sum(len(t) for t in run.schedule.values())
    took = (run.finished or datetime.now(UTC)) - run.started
    missing = suite.uncovered_labels(replayed_only=True)
    fixtures = ", ".join(f"{n} ({m.kind})" for n, m in sorted(suite.fixtures.items()))
    parts = [
        f"# Sentinel eval `{run.run_id}`\n",
        f"Suite `{suite.directory}`: {len(suite.cases)} cases, {incidents} incidents, "
        f"{negatives} hard negatives, services {', '.join(suite.services)}; fixtures {fixtures}. "
        f"Walk-forward at a {run.options.cadence} cadence: {checks} checks per strategy and "
        f"repeat; alarm grace {run.options.grace}. "
        f"{_context_note(run.options)}95% intervals: Wilson score for precision, "
        "recall and the hard-negative violation rate (honest at 0 and 1: 8/8 is [0.68, 1.00], "
        "not certainty), F1 at the Wilson bounds of both, exact Poisson for false alarms/day, "
        f"a bootstrap ({run.options.n_boot} resamples, seed {run.options.seed}) for the median "
        f"time to detect. This invocation took {took.total_seconds():.0f} s (a resumed run "
        "counts only the checks it replayed).\n",
        "Source column: `statistical` = a detector alone (no model); `live model` = real API "
        "calls; `replay` = recorded model responses (evals/replays/); `scripted` = test "
        "doubles. Strategies that did not run show a projected cost only, never an accuracy "
        "figure. Definitions: docs/evals.md.\n",
        "Every metric counts an alarm the same way: it detects an incident at its first verdict "
        "inside the window (an alarm already running when the window opens detects it at +0 "
        "min, and is not also a false alarm), and it is false when no verdict falls in an "
        f"incident window or the {run.options.grace} grace after it. F1 and NAB still differ "
        "by design: F1 ignores timing and counts false alarms in precision; NAB rewards "
        "detection early in the window (1 at its start, 0 at its end), charges 0.11 per false "
        "alarm and 1 per miss.\n",
    ]
    if missing:
        parts.append(f"**Labels no case covers:** {', '.join(missing)}\n")
    if any(m.kind == "synthetic" for m in suite.fixtures.values()):
        parts.append(
            "**The fixtures are synthetic** (generated, not recorded): these figures compare "
            "strategies on known patterns; they are not a production accuracy claim.\n"
        )
    parts += [
        "## Headline\n",
        headline_table(results),
        "Monthly (config) = measured cost per check x checks per month at each service's "
        "configured interval (the eval checks less often; the per-check cost is assumed to "
        "carry over).\n",
        *not_run_text(results),
        "## Cost, tokens and latency\n",
        cost_table(results),
        "## Spread over repeats\n",
        spread_table(results),
        "## Per case (first repeat)\n",
        case_table(run, results),
        "## Severity confusion (first repeat)\n",
        confusion_text(results),
        "## Figures\n",
        *[f"![{Path(f).stem}]({f})\n" for f in figures],
    ]
    return "\n".join(parts)


# ------------------------------------------------------------------------------------------


def write_report(run: EvalRun) -> Path:
    """Write results.json, the figures and report.md; return the report path."""
    results = [strategy_results(run, s) for s in run.strategies]
    projections(run, results)
    d = run.directory
    (d / "timelines").mkdir(exist_ok=True)
    figures = ["prf1.png", "cost_vs_f1.png"]
    plot_prf1(results, d / "prf1.png")
    plot_cost_vs_f1(results, d / "cost_vs_f1.png")
    if any(s.ran for s in run.strategies):
        for case in run.suite.cases:
            if case.manifest.windows:
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
        "strategies": results,
    }
    (d / "results.json").write_text(json.dumps(payload, indent=1, default=str) + "\n")
    report = d / "report.md"
    report.write_text(write_markdown(run, results, figures))
    return report


__all__ = ["headline_table", "write_report"]


def _context_note(options: Any) -> str:
    """Whether model strategies saw log and trace context (`--context`), for with/without runs."""
    if getattr(options, "context", False):
        return (
            "Model strategies saw log and trace context (`--context`: the fixtures' context "
            "files, SYNTHETIC for the bundled ones). "
        )
    return "Model strategies saw metrics only (no `--context`). "
