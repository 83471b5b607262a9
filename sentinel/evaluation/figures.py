"""The eval's figures: precision/recall/F1, cost vs F1, F1 per false-alarm rate, and one
timeline per case.

Read without help: every shading and marker colour is in a legend, timelines draw each metric in
its seasonal baseline band (the band notebook 01 shows), and strategies that did not run say so.
"""

from __future__ import annotations

from datetime import UTC
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from sentinel.evaluation.cases import Case
from sentinel.evaluation.results import StrategyResult, source_label
from sentinel.evaluation.runner import EvalRun, service_configs
from sentinel.models import Status
from sentinel.palette import BAND, HARD_NEGATIVE, INCIDENT, STATUS_COLOURS, VALUE

# ------------------------------------------------------------------------------------------
# Figures
# ------------------------------------------------------------------------------------------


def plot_prf1(results: list[StrategyResult], path: Path) -> None:
    ran = [r for r in results if r.ran]
    names = [r.name for r in results]
    fig, ax = plt.subplots(figsize=(max(7, 1.3 * len(names) + 2), 4.8))
    x = np.arange(len(names))
    width = 0.26
    labelled: set[str] = set()
    for j, (key, colour) in enumerate(
        [("precision", "#1976d2"), ("recall", "#43a047"), ("f1", "#8e24aa")]
    ):
        for i, r in enumerate(results):
            if r.mean is None:
                continue
            v = getattr(r.mean.metrics, key)
            if v is None:
                continue
            ci = (r.repeats[0].metrics.ci or {}).get(key)
            err = [[max(0, v - ci[0])], [max(0, ci[1] - v)]] if ci else None
            ax.bar(
                x[i] + (j - 1) * width,
                v,
                width,
                color=colour,
                yerr=err,
                capsize=3,
                label=None if key in labelled else key,  # once, on its first drawn bar
            )
            labelled.add(key)
    for i, r in enumerate(results):
        if r.ran and r.mean is not None and r.mean.metrics.precision is None:
            ax.text(  # ran, raised nothing: no precision or F1 to draw, only recall 0
                x[i],
                0.5,
                f"no alarms\n(recall {r.mean.metrics.recall or 0:.2f};\nprecision, F1 undefined)",
                ha="center",
                va="center",
                fontsize=8,
                color="#555",
                style="italic",
            )
        if not r.ran:
            ax.text(
                x[i],
                0.5,
                "not run\n(slow: see report)"
                if r.kind == "statistical"
                else "not run\n(no credentials,\nno replays)",
                ha="center",
                va="center",
                fontsize=8,
                color="#555",
                style="italic",
            )
    ax.set_xticks(x, [f"{r.name}\n[{r.source}]" for r in results], fontsize=8)
    ax.set_ylim(0, 1.08)
    ax.set_xlim(-0.7, len(results) - 0.3)
    ax.set_ylabel("event-level score")
    ax.set_title(
        "Precision, recall, F1 per strategy\n(bars: mean over repeats; whiskers: Wilson 95% CI)",
        fontsize=10,
    )
    if ran:
        ax.legend(loc="upper right", fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_operating_curves(results: list[StrategyResult], path: Path) -> None:
    """F1 against false alarms per day over each strategy's operating points (the table "F1 at
    matched false alarms" reads off these); the headline point is the large marker."""
    ran = [r for r in results if r.curve]
    fig, ax = plt.subplots(figsize=(8, 5))
    colours = plt.get_cmap("tab10")
    top = 0.0
    for i, r in enumerate(ran):
        pts = sorted(
            (
                (p.metrics.false_alarms_per_day, p.metrics.f1)
                for p in r.curve
                if p.metrics.f1 is not None and p.metrics.false_alarms_per_day is not None
            ),
        )
        frontier = [pts[0]] if pts else []  # best F1 at or below each false-alarm rate
        for x, y in pts[1:]:
            if y > frontier[-1][1]:
                frontier.append((x, y))
        if pts and pts[-1][0] > frontier[-1][0]:
            frontier.append((pts[-1][0], frontier[-1][1]))  # flat to the noisiest point
        top = max([top, *(y for _, y in pts)])
        colour = colours(i % 10)
        if frontier:
            ax.step(*zip(*frontier, strict=True), where="post", color=colour, linewidth=1.5)
            ax.plot(*zip(*pts, strict=True), ".", color=colour, alpha=0.35)
        head = next((p for p in r.curve if p.is_headline), None)
        if head and head.metrics.f1 is not None:
            ax.plot(
                head.metrics.false_alarms_per_day or 0.0,
                head.metrics.f1,
                "o",
                markersize=9,
                color=colour,
                markeredgecolor="black",
                label=f"{r.name} [{r.source}]",
            )
    ax.set_xscale("symlog", linthresh=1.0)
    ax.set_xlim(left=0)
    ax.set_ylim(0, min(1.05, top + 0.15))
    ax.set_xlabel("false alarms per day (symlog)", fontsize=9)
    ax.set_ylabel("F1 (event level, no point-adjust)", fontsize=9)
    ax.set_title(
        "F1 at each false-alarm rate (first repeat)\nlines: best F1 at or below the rate; "
        "dots: operating points; large: headline (WARNING+)",
        fontsize=10,
    )
    if ran:
        ax.legend(fontsize=8, loc="upper left", frameon=False)
    else:
        ax.text(0.5, 0.5, "no strategy ran", transform=ax.transAxes, ha="center", color="#555")
    ax.grid(alpha=0.3, which="both")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _f1(r: StrategyResult) -> float | None:
    return r.mean.metrics.f1 if r.mean is not None else None


def _f1_err(r: StrategyResult) -> list[list[float]] | None:
    f1 = _f1(r)
    ci = (r.repeats[0].metrics.ci or {}).get("f1")
    return [[max(0.0, f1 - ci[0])], [max(0.0, ci[1] - f1)]] if ci and f1 is not None else None


def _monthly(r: StrategyResult) -> float:
    return r.mean.cost.monthly_usd if r.mean is not None else 0.0


def plot_cost_vs_f1(results: list[StrategyResult], path: Path) -> None:
    """Left: strategies that cost nothing, F1 with its interval, one row each (on a log axis they
    would all sit on one point). Right: model strategies at their monthly cost (capped by the
    config), or a dashed line at the projected cost when they did not run (no F1 to draw)."""
    free = [r for r in results if not r.models and _f1(r) is not None]
    free.sort(key=lambda r: _f1(r) or 0.0)
    paid = [r for r in results if r.models]
    fig, (left, right) = plt.subplots(
        1, 2, figsize=(12, max(4.2, 0.45 * len(free) + 1.8)), gridspec_kw={"width_ratios": [1, 1.2]}
    )
    for i, r in enumerate(free):
        f1 = _f1(r) or 0.0
        left.errorbar(f1, i, xerr=_f1_err(r), fmt="o", color="#1976d2", capsize=3)
        left.text(f1, i + 0.22, f"{f1:.2f}", fontsize=7, ha="center", va="bottom")
    left.set_yticks(range(len(free)), [f"{r.name} [{r.source}]" for r in free], fontsize=8)
    left.set_ylim(-0.7, len(free) - 0.3)
    left.set_xlim(0, 1.05)
    left.set_xlabel("F1 (event level), whiskers: 95% interval", fontsize=8)
    left.set_title("No model: $0/month", fontsize=10)
    left.grid(axis="x", alpha=0.3)
    ran = [r for r in paid if _f1(r) is not None]
    not_run = [r for r in paid if not r.ran and r.projected_cost is not None]
    for r in ran:
        c = max(_monthly(r), 0.01)
        right.errorbar(c, _f1(r), yerr=_f1_err(r), fmt="s", color="#8e24aa", capsize=3)
        right.annotate(f" {r.name} [{r.source}]", (c, _f1(r) or 0.0), fontsize=7)
    for k, r in enumerate(not_run):
        p = r.projected_cost
        assert p is not None
        c = max(p.monthly_usd, 0.01)
        right.axvline(c, color="#757575", linestyle="--", linewidth=1)
        capped = f", capped by {p.capped_by}" if p.capped_by else ""
        right.text(
            c,
            0.04 + 0.3 * (k % 3),
            f" {r.name}: not run\n ${p.monthly_usd:,.2f}/month est.{capped}",
            fontsize=7,
            color="#424242",
            rotation=90,
            va="bottom",
            ha="right",
        )
    right.set_xscale("log")
    right.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    right.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"${x:,.4g}"))
    right.xaxis.set_minor_formatter(NullFormatter())
    right.set_ylim(0, 1.1)
    costs = [max(_monthly(r), 0.01) for r in ran] + [
        max(r.projected_cost.monthly_usd, 0.01) for r in not_run if r.projected_cost
    ]
    if costs:
        right.set_xlim(min(costs) / 3, max(costs) * 3)
    else:
        right.text(
            0.5,
            0.5,
            "no model strategy in this run",
            transform=right.transAxes,
            ha="center",
            color="#555",
        )
    right.set_xlabel(
        "monthly cost at the configured intervals, USD (log; capped by the config)", fontsize=8
    )
    right.set_ylabel("F1 (event level)", fontsize=8)
    right.set_title("With a model", fontsize=10)
    right.grid(alpha=0.3, which="both")
    right.legend(
        handles=[
            plt.Line2D(
                [],
                [],
                marker="s",
                color="#8e24aa",
                linestyle="",
                label="ran (live or replay): measured F1 and cost",
            ),
            plt.Line2D(
                [], [], color="#757575", linestyle="--", label="not run: projected cost only, no F1"
            ),
        ],
        fontsize=7,
        loc="upper left",
        frameon=False,
    )
    fig.suptitle("Cost vs F1 per strategy", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _band(run: EvalRun, svc: Any, metric: Any, start: Any, end: Any) -> pd.DataFrame | None:
    """The metric over the period inside its seasonal band, fitted (seasonal_mad, as notebook 01)
    on the config's history before the period; None when there is too little history."""
    from datetime import timedelta

    from sentinel.errors import SentinelError
    from sentinel.lab.explore import baseline_band

    source = run.source
    assert source is not None
    history = start - timedelta(days=run.config.history_days)
    try:
        series = source.range(svc, metric, history, end, 60)
        return baseline_band(series, metric, start)
    except (SentinelError, ValueError):
        series = source.range(svc, metric, start, end, 60)
        return None if series.empty else pd.DataFrame({"value": series})


def plot_case(run: EvalRun, case: Case, path: Path) -> None:
    """The case's series in their seasonal band, its labelled window shaded, verdicts of each
    strategy as markers; every colour in a legend."""
    svc = service_configs(run.config, run.suite)[case.service]
    period = case.manifest.period
    window = case.manifest.windows[0]
    metrics = window.metrics or [m.name for m in svc.metrics]
    ran = [s for s in run.strategies if s.ran]
    heights = [2.0] * len(metrics) + [0.35 * max(1, len(ran)) + 0.6]
    fig, axes = plt.subplots(
        len(heights),
        1,
        sharex=True,
        figsize=(11, sum(heights) + 2.0),
        gridspec_kw={"height_ratios": heights},
        layout="constrained",
    )
    shade = HARD_NEGATIVE if window.hard_negative else INCIDENT  # not the band's blue
    what = (
        "hard negative: must not alert"
        if window.hard_negative
        else f"incident: expect ≥ {window.min_severity}"
    )
    banded = False
    for ax, name in zip(axes[:-1], metrics, strict=False):
        metric = svc.metric(name)
        df = _band(run, svc, metric, period.start, period.end)
        if df is not None and "expected" in df:
            ax.fill_between(df.index, df["lower"], df["upper"], color=BAND, alpha=0.15, lw=0)
            ax.plot(df.index, df["expected"], color=BAND, lw=0.8, ls="--")
            banded = True
        if df is not None:
            ax.plot(df.index, df["value"].to_numpy(), linewidth=0.9, color=VALUE)
        ax.set_ylabel(f"{name}\n({metric.unit})" if metric.unit else name, fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    others = [
        w
        for w in run.suite.fixtures[case.manifest.fixture].labels
        if w.start < period.end and w.end > period.start and w != window
    ]
    for ax in axes:
        ax.axvspan(window.start, window.end, color=shade, alpha=0.2, linewidth=0)
        for w in others:
            ax.axvspan(
                max(w.start, period.start),
                min(w.end, period.end),
                color="#bdbdbd",
                alpha=0.35,
                linewidth=0,
                hatch="//",
            )
    for w in others:
        axes[0].annotate(
            f"other label: {w.kind}",
            (max(w.start, period.start), 1.0),
            xycoords=("data", "axes fraction"),
            fontsize=7,
            color="#616161",
            va="bottom",
        )
    series_handles = [plt.Line2D([], [], color=VALUE, lw=0.9, label="value")]
    if banded:
        series_handles += [
            plt.Line2D([], [], color=BAND, ls="--", lw=0.8, label="seasonal expectation"),
            Patch(
                color=BAND,
                alpha=0.25,
                label="watch band (fitted on the history before the period)",
            ),
        ]
    series_handles.append(Patch(color=shade, alpha=0.3, label=f"this case's window ({what})"))
    if others:
        series_handles.append(
            Patch(facecolor="#bdbdbd", alpha=0.5, hatch="//", label="another labelled window")
        )
    axes[0].legend(
        handles=series_handles,
        fontsize=7,
        ncol=3,
        loc="lower left",
        bbox_to_anchor=(0, 1.12),
        frameon=False,
    )
    ax = axes[-1]
    start, end = pd.Timestamp(period.start), pd.Timestamp(period.end)
    for row, s in enumerate(ran):
        points = [
            r
            for r in s.repeats[0]
            if r.service == case.service and start < pd.Timestamp(r.at) <= end
        ]
        for status, colour in STATUS_COLOURS.items():
            ts = [r.at for r in points if r.verdict.status == status]
            if ts:
                size = 6 if status in (Status.NORMAL, Status.UNKNOWN) else 22
                ax.scatter(
                    ts,
                    [row] * len(ts),
                    s=size,
                    color=colour,
                    marker="|" if size == 6 else "o",
                    linewidths=0.8,
                )
    ax.set_yticks(range(len(ran)), [f"{s.spec.name} [{source_label(s)}]" for s in ran], fontsize=7)
    ax.set_ylim(-0.7, len(ran) - 0.3)
    ax.invert_yaxis()
    handles = [
        plt.Line2D([], [], marker="o", linestyle="", color=c, label=f"verdict {st.value}")
        for st, c in STATUS_COLOURS.items()
    ]
    ax.legend(
        handles=handles,
        fontsize=7,
        ncol=5,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.45),
        frameon=False,
    )
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d %H:%M", tz=UTC))
    ax.tick_params(axis="x", labelsize=7)
    ax.set_xlabel("time (UTC)", fontsize=8)
    fig.suptitle(
        f"{case.id}: {window.kind} ({what})\n"
        f"series: fixture {case.manifest.fixture}; verdicts: walk-forward every {run.options.cadence}",
        fontsize=9,
    )
    fig.savefig(path, dpi=100)
    plt.close(fig)
