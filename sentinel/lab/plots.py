"""Figures for the tuning notebooks: metrics in their baseline band, detector scores, alarms.

Shared conventions so every figure reads the same way: labelled incidents are shaded red,
hard negatives (things that must NOT alarm) grey-hatched, alarms orange; times are UTC with
concise date ticks; every y axis names its unit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from sentinel.config import ServiceConfig
from sentinel.models import LabelledWindow
from sentinel.palette import ALARM, BAND, INCIDENT
from sentinel.palette import HARD_NEGATIVE as NEGATIVE

LEVELS = {"watch": 0.5, "warning": 0.7, "critical": 0.9}


def shade_labels(ax: Axes, labels: Sequence[LabelledWindow]) -> None:
    """Incidents as red spans, hard negatives as grey hatched spans."""
    for w in labels:
        if w.hard_negative:
            ax.axvspan(w.start, w.end, color=NEGATIVE, alpha=0.15, hatch="//", lw=0)
        else:
            ax.axvspan(w.start, w.end, color=INCIDENT, alpha=0.18, lw=0)


def label_handles(labels: Sequence[LabelledWindow]) -> list[Patch]:
    handles = []
    if any(not w.hard_negative for w in labels):
        handles.append(Patch(color=INCIDENT, alpha=0.3, label="labelled incident"))
    if any(w.hard_negative for w in labels):
        handles.append(Patch(color=NEGATIVE, alpha=0.3, hatch="//", label="hard negative"))
    return handles


def _time_axis(ax: Axes) -> None:
    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.grid(True, axis="y", alpha=0.3)


def _ylabel(service: ServiceConfig, metric: str) -> str:
    unit = service.metric(metric).unit
    return f"{metric}\n({unit})" if unit else metric


def plot_baseline_bands(
    service: ServiceConfig,
    bands: Mapping[str, pd.DataFrame],
    labels: Sequence[LabelledWindow],
    title: str,
) -> Figure:
    """One panel per metric: the value, its seasonal expectation and the watch band."""
    fig, axes = plt.subplots(len(bands), 1, figsize=(12, 2.3 * len(bands)), sharex=True)
    axes = [axes] if len(bands) == 1 else list(axes)
    for ax, (name, df) in zip(axes, bands.items(), strict=True):
        shade_labels(ax, labels)
        ax.fill_between(df.index, df["lower"], df["upper"], color=BAND, alpha=0.15, lw=0)
        ax.plot(df.index, df["expected"], color=BAND, lw=0.8, ls="--")
        ax.plot(df.index, df["value"], color="black", lw=0.7)
        ax.set_ylabel(_ylabel(service, name), fontsize=8)
        ax.tick_params(labelsize=8)
        _time_axis(ax)
    handles = [
        plt.Line2D([], [], color="black", lw=0.8, label="value"),
        plt.Line2D([], [], color=BAND, ls="--", lw=0.8, label="seasonal expectation"),
        Patch(color=BAND, alpha=0.25, label="watch band (±z_watch robust σ)"),
        *label_handles(labels),
    ]
    axes[0].legend(handles=handles, loc="upper left", fontsize=7, ncol=5, frameon=False)
    axes[-1].set_xlabel("time (UTC)", fontsize=8)
    fig.suptitle(title, fontsize=11, x=0.01, ha="left")
    fig.tight_layout()
    return fig


def plot_detector_scores(
    scores: pd.DataFrame, labels: Sequence[LabelledWindow], title: str
) -> Figure:
    """One panel per detector, all on the shared 0..1 score scale with the status levels."""
    n = len(scores.columns)
    fig, axes = plt.subplots(n, 1, figsize=(12, 1.5 * n + 0.6), sharex=True, sharey=True)
    axes = [axes] if n == 1 else list(axes)
    for ax, name in zip(axes, scores.columns, strict=True):
        shade_labels(ax, labels)
        ax.plot(scores.index, scores[name], lw=0.7, color=BAND)
        for level, y in LEVELS.items():
            ax.axhline(y, color="#555555", lw=0.5, ls=":")
            ax.text(1.002, y, level, transform=ax.get_yaxis_transform(), fontsize=6, va="center")
        ax.set_ylim(-0.02, 1.02)
        ax.set_ylabel(name, fontsize=8)
        ax.tick_params(labelsize=8)
        _time_axis(ax)
    if labels:
        axes[0].legend(handles=label_handles(labels), loc="upper left", fontsize=7, frameon=False)
    axes[-1].set_xlabel("time (UTC)", fontsize=8)
    fig.suptitle(title, fontsize=11, x=0.01, ha="left")
    fig.tight_layout()
    return fig


def plot_alarms(
    service: ServiceConfig,
    metric: str,
    values: pd.Series,
    scores: pd.Series,
    alarms: Sequence[tuple[datetime, datetime]],
    labels: Sequence[LabelledWindow],
    threshold: float,
    title: str,
) -> Figure:
    """The metric and its score with the alarms a threshold would raise, against the labels."""
    fig, (top, bottom) = plt.subplots(
        2, 1, figsize=(12, 4.2), sharex=True, gridspec_kw={"height_ratios": [2, 1]}
    )
    for ax in (top, bottom):
        shade_labels(ax, labels)
        for a, b in alarms:
            ax.axvspan(a, b, ymin=0.92, ymax=1.0, color=ALARM, lw=0)
        _time_axis(ax)
        ax.tick_params(labelsize=8)
    top.plot(values.index, values.to_numpy(), color="black", lw=0.7)
    top.set_ylabel(_ylabel(service, metric), fontsize=8)
    bottom.plot(scores.index, scores.to_numpy(), color=BAND, lw=0.7)
    bottom.axhline(threshold, color=ALARM, lw=1, ls="--")
    bottom.set_ylim(-0.02, 1.02)
    bottom.set_ylabel("score", fontsize=8)
    bottom.set_xlabel("time (UTC)", fontsize=8)
    handles = [
        Patch(color=ALARM, label=f"alarm ({len(alarms)}; score ≥ {threshold:g})"),
        *label_handles(labels),
    ]
    top.legend(handles=handles, loc="upper left", fontsize=7, ncol=3, frameon=False)
    fig.suptitle(title, fontsize=11, x=0.01, ha="left")
    fig.tight_layout()
    return fig


def plot_cost_per_check(costs: pd.DataFrame, service: str) -> Figure:
    """Estimated USD per check for each (prompt, model), cold and with the prompt cache."""
    labels = [f"{p} · {m}" for p, m in costs.index]
    cold = costs["est. USD/check, no cache"].to_numpy()
    warm = costs["est. USD/check, cache at this rate"].to_numpy()
    fig, ax = plt.subplots(figsize=(9, 0.55 * len(labels) + 1.2))
    y = range(len(labels))
    ax.barh([i + 0.2 for i in y], cold, height=0.4, color="#9e9e9e", label="no cache")
    ax.barh([i - 0.2 for i in y], warm, height=0.4, color=BAND, label="with prompt cache")
    ax.set_yticks(list(y), labels, fontsize=8)
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(lambda x, _: f"${x:.4f}")
    ax.set_xlabel("estimated USD per check (chars/3.5 token estimate; prices.yaml)", fontsize=8)
    ax.tick_params(labelsize=8)
    ax.grid(True, axis="x", alpha=0.3)
    ax.legend(fontsize=8, frameon=False, loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=2)
    ax.set_title(f"{service}: estimated cost of one judged check", fontsize=11, loc="left")
    fig.tight_layout()
    return fig
