"""Figures people would rather look at than read: a service's metrics around a check."""

from __future__ import annotations

from datetime import timedelta

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from sentinel.agent import Agent
from sentinel.errors import FixtureError, SourceError
from sentinel.models import Status, Verdict
from sentinel.palette import STATUS_COLOURS


def plot_check(agent: Agent, verdict: Verdict, hours: int = 6) -> Figure:
    """One panel per metric: the last `hours` before the check, anomalous metrics highlighted,
    the config's absolute thresholds as lines, and for a flagged metric its baseline and the
    "current" value the verdict quotes (the median of the last `min_points` points, drawn at
    the check time, which is why it can differ from the line's last point)."""
    service = agent.config.service(verdict.service)
    at = verdict.checked_at
    flagged = {a.metric: a for a in verdict.anomalies}
    fig, axes = plt.subplots(
        len(service.metrics), 1, figsize=(9, 1.8 * len(service.metrics)), sharex=True
    )
    axes = list(axes) if len(service.metrics) > 1 else [axes]
    colour = STATUS_COLOURS[verdict.status]
    for ax, metric in zip(axes, service.metrics, strict=True):
        anomaly = flagged.get(metric.name)
        try:
            series = agent.source.range(service, metric, at - timedelta(hours=hours), at, 60)
        except (SourceError, FixtureError) as exc:  # degrade like the check did: say why
            ax.text(
                0.5,
                0.5,
                f"no data: {exc}"[:160],
                ha="center",
                va="center",
                wrap=True,
                fontsize=7,
                color=STATUS_COLOURS[Status.UNKNOWN],
                transform=ax.transAxes,
            )
            ax.set_title(metric.name, fontsize=9, loc="left")
            ax.set_yticks([])
            continue
        ax.plot(
            series.index,
            series.to_numpy(),
            lw=1,
            color=colour if anomaly else "#1f77b4",
            label="value (1-min steps)",
        )
        limits = metric.thresholds
        for name, level in (("warning", limits.warning), ("critical", limits.critical)):
            if level is not None:
                ax.axhline(
                    level,
                    ls="-.",
                    lw=0.9,
                    color=STATUS_COLOURS[Status(name.upper())],
                    label=f"{name} threshold {level:g}",
                )
        if anomaly:
            k = agent.config.detection.min_points
            ax.axhline(
                anomaly.baseline_value,
                ls=":",
                color="#555555",
                lw=1,
                label=f"baseline {anomaly.baseline_value:.3g}",
            )
            ax.scatter(
                [at],
                [anomaly.current_value],
                marker="D",
                s=28,
                color=colour,
                zorder=3,
                label=f"current {anomaly.current_value:.3g} (median of last {k} points)",
            )
        ax.axvline(at, ls="--", color="#333333", lw=0.8, label="check time")
        ax.legend(loc="upper left", fontsize=6, frameon=False, ncol=2)
        title = f"{metric.name} ({metric.unit})" if metric.unit else metric.name
        if anomaly:
            title += f"  {anomaly.deviation_pct:+.0f}% vs baseline"
        ax.set_title(title, fontsize=9, loc="left", color=colour if anomaly else "black")
        ax.tick_params(labelsize=7)
    prov = verdict.provenance
    source = {prov.path, prov.response_source, prov.detector or prov.path}
    fig.suptitle(
        f"{verdict.service}: {verdict.status.value} at {at:%Y-%m-%d %H:%M} UTC "
        f"[{', '.join(sorted(source))}]",
        fontsize=10,
        color=colour,
    )
    fig.tight_layout()
    return fig
