"""report.md: the eval's tables (headline, cost, spread, per case, severity confusion,
attribution) and the text saying how every figure was made.

Pure: typed results in, Markdown out. Every row says where its numbers came from; a strategy
that did not run shows a projected cost only, never an accuracy figure.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sentinel.evaluation.operating_curve import best_within
from sentinel.evaluation.results import Spread, StrategyResult
from sentinel.evaluation.runner import EvalRun
from sentinel.evaluation.scoring import Metrics
from sentinel.models import Status


def _f(x: float | None, digits: int = 2) -> str:
    return "–" if x is None else f"{x:.{digits}f}"


def _ci(m: Metrics, key: str, digits: int = 2) -> str:
    v = getattr(m, key)
    ci = (m.ci or {}).get(key)
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


def headline_table(results: list[StrategyResult]) -> str:
    head = (
        "| strategy | source | precision [95% CI] | recall [95% CI] | F1 [95% CI] | "
        "TTD median / p90 | false alarms/day [95% CI] | hard neg. violated | NAB | "
        "cost/check | cost/detected | monthly (config) | check p50/p95 |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n"
    )
    rows = []
    for r in results:
        if r.mean is None:
            p = r.projected_cost
            monthly = f"{_usd(p.monthly_usd)} (estimate)" if p else "–"
            note = (r.note or "not run").split(":")
            short = ":".join(note[:2]).split(" (")[0].split(";")[0]
            rows.append(
                f"| {r.name} | {short} | – | – | – | – | – | – | – | "
                f"{_usd(p.cost_per_check) + ' (est.)' if p else '–'}"
                f" | – | {monthly} | – |"
            )
            continue
        m, c = r.mean.metrics, r.mean.cost
        reps = len(r.repeats)
        src = r.source + (f", mean of {reps}" if reps > 1 else "")
        rows.append(
            f"| {r.name} | {src} | {_ci(m, 'precision')} | {_ci(m, 'recall')} | "
            f"{_ci(m, 'f1')} | {_dur(m.ttd_median_s)} / {_dur(m.ttd_p90_s)} | "
            f"{_ci(m, 'false_alarms_per_day', 1)} | "
            f"{m.hard_negative_violations:.0f}/{m.hard_negatives:.0f} | {_f(m.nab_score, 1)} | "
            f"{_usd(c.cost_per_check)} | {_usd(c.cost_per_detected)} | "
            f"{_usd(c.monthly_usd)} | "
            f"{_f(c.check_p50_s, 3)}/{_f(c.check_p95_s, 3)} s |"
        )
    return head + "\n".join(rows) + "\n"


def matched_table(results: list[StrategyResult]) -> str:
    """Each strategy's best F1 at or below every other strategy's headline false alarms/day
    (`operating_curve.best_within`), with the operating point that reaches it; strategies with
    the same rate to the printed 2 decimals share a column, whose budget is the lowest of them."""
    ran = [r for r in results if r.curve and r.mean is not None]
    budgets: dict[str, list[str]] = {}  # printed rate -> the strategies at it
    lowest: dict[str, float] = {}
    for r in ran:
        rate = r.mean.metrics.false_alarms_per_day if r.mean is not None else None
        if rate is not None:
            budgets.setdefault(f"{rate:.2f}", []).append(f"`{r.name}`")
            lowest[f"{rate:.2f}"] = min(rate, lowest.get(f"{rate:.2f}", rate))
    if len(ran) < 2 or not budgets:
        return "Fewer than two strategies with an operating curve: nothing to match.\n"
    head = "| strategy | " + " | ".join(
        f"at <= {rate}/day ({', '.join(names)})" for rate, names in budgets.items()
    )
    rows = [head + " |", "|---|" + "---|" * len(budgets)]
    for r in ran:
        cells = []
        for rate in budgets:
            p = best_within(r.curve, lowest[rate])
            if p is None:
                cells.append("– (every point alarms more)")
                continue
            m = p.metrics
            cells.append(
                f"{_ci(m, 'f1')} at {p.label} "
                f"({_f(m.false_alarms_per_day)}/day, {m.detected}/{m.incidents})"
            )
        rows.append(f"| `{r.name}` [{r.source}] | " + " | ".join(cells) + " |")
    return "\n".join(rows) + "\n"


def not_run_text(results: list[StrategyResult]) -> list[str]:
    notes = [f"- `{r.name}`: {r.note}" for r in results if not r.ran]
    return ["**Not run:**\n", "\n".join(notes) + "\n"] if notes else []


def cost_table(results: list[StrategyResult]) -> str:
    head = (
        "| strategy | source | checks | escalations | model calls | fallbacks | tokens in/out | "
        "cache read/write | cost | model p50/p95 | basis |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|\n"
    )
    rows = []
    for r in results:
        if not r.ran:
            basis = (r.projected_cost.basis if r.projected_cost else "") or r.projection_error
            rows.append(f"| {r.name} | not run | – | – | – | – | – | – | – | – | {basis or '–'} |")
            continue
        c = r.repeats[0].cost
        rows.append(
            f"| {r.name} | {r.source} | {c.checks} | "
            f"{c.escalations if c.escalations is not None else '–'} | {c.model_calls} | "
            f"{c.fallbacks} | {c.input_tokens:,}/{c.output_tokens:,} | "
            f"{c.cache_read_tokens:,}/{c.cache_write_tokens:,} | {_usd(c.cost_usd)} | "
            f"{_f(c.model_p50_s)}/{_f(c.model_p95_s)} s | {c.basis} |"
        )
    return head + "\n".join(rows) + "\n"


def spread_table(results: list[StrategyResult]) -> str:
    rows = [r for r in results if r.spread]
    if not rows:
        return "No strategy ran more than once (`--repeats N` repeats model strategies).\n"
    out = "| strategy | repeats | F1 min–max (sd) | recall min–max | precision min–max |\n"
    out += "|---|---|---|---|---|\n"
    for r in rows:
        s = r.spread or {}

        def mm(k: str, s: dict[str, Spread] = s) -> str:
            return f"{s[k].min:.2f}–{s[k].max:.2f}" if k in s else "–"

        sd = f" ({s['f1'].std:.2f})" if "f1" in s else ""
        out += (
            f"| {r.name} | {len(r.repeats)} | {mm('f1')}{sd} | {mm('recall')} | "
            f"{mm('precision')} |\n"
        )
    return out


def case_table(run: EvalRun, results: list[StrategyResult]) -> str:
    ran = [r for r in results if r.ran]
    if not ran:
        return ""
    out = "| case | kind | expected | " + " | ".join(r.name for r in ran) + " |\n"
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
            c = r.cases.get(case.id)
            if tags.hard_negative:
                cells.append(f"**ALARM** ({c.worst if c else None})" if c and c.violated else "ok")
            elif c is not None and c.detected:
                cells.append(f"found +{_dur(c.ttd_s)} ({c.worst})")
            else:
                cells.append(f"missed ({c.worst if c else '–'})")
        out += (
            f"| {case.id} | {tags.kind} ({tags.difficulty}) | {expected} | "
            + " | ".join(cells)
            + " |\n"
        )
    return out


def confusion_text(results: list[StrategyResult]) -> str:
    cols = [
        s.value
        for s in (Status.UNKNOWN, Status.NORMAL, Status.WATCH, Status.WARNING, Status.CRITICAL)
    ]
    out = []
    for r in results:
        table = r.severity_confusion
        if not table:
            continue
        out.append(f"**{r.name}** ({r.source}): rows = expected, columns = worst given\n")
        out.append("| expected | " + " | ".join(cols) + " |")
        out.append("|---|" + "---|" * len(cols))
        for row, counts in table.items():
            out.append(f"| {row} | " + " | ".join(str(counts.get(c, 0)) for c in cols) + " |")
        out.append("")
    return "\n".join(out) + "\n"


def write_markdown(
    run: EvalRun, results: list[StrategyResult], figures: list[str], timelines_note: str = ""
) -> str:
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
        f"calls; `replay` = recorded model responses (from `{run.options.replay_dir}`); "
        "`scripted` = test "
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
        "## F1 at matched false alarms (first repeat)\n",
        "The headline alerts at WARNING. Each cell below is the row's best F1 (Wilson bounds) "
        "over its operating points - checks alert at a status, or at that status with a top "
        "anomaly confidence at least the given value, scored by the headline's rules - that "
        "raise no more false alarms per day than the column's strategy does at its headline. "
        "Read a row against the column strategy's own headline F1: it compares the two at "
        "equal or fewer false alarms. The points are fixed (`operating_curve.py`), not fitted "
        "to this suite; choosing one for a default needs data apart from the data it is "
        "judged on.\n",
        matched_table(results),
        "## Cost, tokens and latency\n",
        cost_table(results),
        "## Spread over repeats\n",
        spread_table(results),
        "## Per case (first repeat)\n",
        case_table(run, results),
        "## Severity confusion (first repeat)\n",
        confusion_text(results),
        *attribution_text(results),
        "## Figures\n",
        *([timelines_note + "\n"] if timelines_note else []),
        *[f"![{Path(f).stem}]({f})\n" for f in figures],
    ]
    return "\n".join(parts)


def attribution_text(results: list[StrategyResult]) -> list[str]:
    """Where labels name the metrics that show each incident (SMD): did the alerting verdicts
    name them? Pooled over detected incidents; percentile bootstrap over incidents."""
    rows = [r for r in results if r.attribution is not None]
    if not rows:
        return []
    out = [
        "## Attribution (labels name the metrics)\n",
        "Of the detected incidents whose label names metrics: precision = named metrics that "
        "are labelled / named metrics; recall = labelled metrics named / labelled metrics "
        "(pooled over incidents, first repeat; 95% percentile bootstrap over incidents). "
        "Missed incidents count in recall of incidents, not here.\n",
        "| strategy | incidents scored | named | labelled named | labelled | precision [95% CI] "
        "| recall [95% CI] |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        a = r.attribution
        assert a is not None
        out.append(
            f"| {r.name} | {a.incidents}/{a.labelled_incidents} | {a.named} | {a.hits} | "
            f"{a.labelled} | {_interval(a.precision, a.precision_ci)} | "
            f"{_interval(a.recall, a.recall_ci)} |"
        )
    return ["\n".join(out) + "\n"]


def _interval(v: float | None, ci: tuple[float, float] | None) -> str:
    if v is None:
        return "–"
    return f"{v:.2f} [{ci[0]:.2f}, {ci[1]:.2f}]" if ci else f"{v:.2f}"


def _context_note(options: object) -> str:
    """Whether model strategies saw log and trace context (`--context`), for with/without runs."""
    if getattr(options, "context", False):
        return (
            "Model strategies saw log and trace context (`--context`: the fixtures' context "
            "files, SYNTHETIC for the bundled ones). "
        )
    return "Model strategies saw metrics only (no `--context`). "
