"""Notebook helpers: bands, detector scores, alarms at a threshold, and their figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pandas as pd
import pytest

from sentinel.config import MetricConfig, ServiceConfig
from sentinel.detectors import DETECTORS
from sentinel.lab import explore, plots
from sentinel.models import LabelledWindow, Status

T0 = datetime(2026, 10, 1, tzinfo=UTC)
METRIC = MetricConfig(name="latency_p99", query="q", unit="s", bad_direction="up")
SERVICE = ServiceConfig(name="api", interval_seconds=60, metrics=[METRIC])


def seasonal(days: int = 10, spike_at: datetime | None = None) -> pd.Series:
    idx = pd.date_range(T0, T0 + timedelta(days=days), freq="1min", inclusive="left")
    rng = np.random.default_rng(0)
    hours = (idx.hour + idx.minute / 60).to_numpy()
    values = 1.0 + 0.5 * np.sin(2 * np.pi * hours / 24) + rng.normal(0, 0.02, len(idx))
    s = pd.Series(values, index=idx)
    if spike_at is not None:
        s[(s.index >= spike_at) & (s.index < spike_at + timedelta(minutes=20))] += 3.0
    return s


def window(start: datetime, minutes: int, hard_negative: bool = False) -> LabelledWindow:
    return LabelledWindow(
        start=start,
        end=start + timedelta(minutes=minutes),
        kind="negative" if hard_negative else "spike",
        hard_negative=hard_negative,
        min_severity=None if hard_negative else Status.WARNING,
    )


def minute_scores(values: list[float]) -> pd.Series:
    idx = pd.date_range(T0, periods=len(values), freq="1min")
    return pd.Series(values, index=idx)


def test_an_alarm_needs_min_points_at_threshold_within_the_window():
    two = minute_scores([0, 0.8, 0.8, 0, 0, 0])
    three = minute_scores([0, 0.8, 0.8, 0.8, 0, 0])
    assert not explore.alarm_points(two, 0.7, min_points=3).any()
    flags = explore.alarm_points(three, 0.7, min_points=3)
    assert flags.idxmax() == three.index[3]


def test_spans_merge_runs_closer_than_the_gap():
    flags = minute_scores([1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1]).astype(bool)
    assert len(explore.spans(flags, gap=timedelta(minutes=5))) == 2
    assert len(explore.spans(flags, gap=timedelta(minutes=1))) == 3


def test_alarm_table_counts_caught_incidents_negatives_and_false_alarms():
    values = [0.0] * 120
    values[10:20] = [0.95] * 10  # inside the incident
    values[60:70] = [0.75] * 10  # inside the hard negative, below 0.8
    values[100:110] = [0.95] * 10  # unlabelled: a false alarm
    scores = minute_scores(values)
    labels = [window(T0 + timedelta(minutes=8), 15), window(T0 + timedelta(minutes=58), 15, True)]
    table = explore.alarm_table(scores, labels, [0.7, 0.9], grace=timedelta(0))
    assert table.loc[0.7].to_dict() == {
        "alarms": 3,
        "incidents caught": "1/1",
        "hard negatives hit": "1/1",
        "false alarms": 2,  # the eval's rule: an alarm in a hard negative is false too
    }
    assert table.loc[0.9, "hard negatives hit"] == "0/1"


def test_band_is_fit_on_history_only_and_stops_at_zero_for_rates():
    s = seasonal()
    start = T0 + timedelta(days=9)
    band = explore.baseline_band(s, METRIC, start)
    assert band.index.min() == pd.Timestamp(start)
    inside = (band["value"] >= band["lower"]) & (band["value"] <= band["upper"])
    assert inside.mean() > 0.99
    assert (band["lower"] >= 0).all()


def test_every_detector_scores_in_0_1_and_a_spike_scores_high():
    spike = T0 + timedelta(days=9, hours=6)
    scores = explore.detector_scores(seasonal(spike_at=spike), METRIC, T0 + timedelta(days=9))
    assert list(scores.columns) == list(DETECTORS)
    assert ((scores >= 0) & (scores <= 1)).all().all()
    assert scores["seasonal_mad"][pd.Timestamp(spike + timedelta(minutes=5))] >= 0.9
    summary = explore.score_summary(scores, [window(spike, 20)])
    assert summary.loc["seasonal_mad", "peak in incidents"] >= 0.9
    assert summary.loc["seasonal_mad", "p99 elsewhere"] < 0.5


def test_labels_in_keeps_overlapping_windows_for_the_metric():
    w = window(T0, 10).model_copy(update={"metrics": ["cpu"]})
    assert explore.labels_in([w], T0 - timedelta(hours=1), T0 + timedelta(minutes=1)) == [w]
    assert explore.labels_in([w], T0, T0 + timedelta(hours=1), metric="latency_p99") == []
    assert explore.labels_in([w], T0 + timedelta(hours=1), T0 + timedelta(hours=2)) == []


@pytest.mark.parametrize("n_alarms", [0, 2])
def test_figures_label_units_alarms_and_label_kinds(tmp_path, n_alarms):
    s = seasonal(days=2)
    start = T0 + timedelta(days=1)
    labels = [window(start + timedelta(hours=2), 30), window(start + timedelta(hours=8), 60, True)]
    bands = plots.plot_baseline_bands(
        SERVICE, {"latency_p99": explore.baseline_band(s, METRIC, start)}, labels, "t"
    )
    assert bands.axes[0].get_ylabel() == "latency_p99\n(s)"
    legend = [t.get_text() for t in bands.axes[0].get_legend().get_texts()]
    assert {"labelled incident", "hard negative"} <= set(legend)
    alarms = [(start, start + timedelta(minutes=5))] * n_alarms
    scores = explore.detector_scores(s, METRIC, start, ["seasonal_mad"])
    fig = plots.plot_alarms(
        SERVICE, "latency_p99", s[start:], scores["seasonal_mad"], alarms, labels, 0.7, "t"
    )
    first = fig.axes[0].get_legend().get_texts()[0].get_text()
    assert first == f"alarm ({n_alarms}; score ≥ 0.7)"
    fig.savefig(tmp_path / "alarms.png")
    assert (tmp_path / "alarms.png").stat().st_size > 10_000
