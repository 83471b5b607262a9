"""What the check notebook shows: full reasoning, rounded numbers, thresholds and "current"."""

from __future__ import annotations

from datetime import UTC, datetime

from sentinel.checks import build_agent, build_source
from sentinel.checks.plots import plot_check
from sentinel.checks.tables import anomaly_table, round_sig, verdict_table
from sentinel.config import DEFAULT_CONFIG, load_config
from sentinel.models import Anomaly, Provenance, Status, Verdict

AT = datetime(2026, 10, 29, 14, 20, tzinfo=UTC)
LONG = "CRITICAL: latency_p99 +379% " + "because " * 60 + "the end"


def verdict() -> Verdict:
    return Verdict(
        service="api-service",
        checked_at=AT,
        status=Status.CRITICAL,
        reasoning=LONG,
        anomalies=[
            Anomaly(
                metric="latency_p99",
                current_value=1.1528731,
                baseline_value=0.240551,
                deviation_pct=379.218866,
                direction="up",
                confidence=0.987654,
            )
        ],
        provenance=Provenance(path="statistical", detector="seasonal_mad"),
    )


def test_numbers_are_rounded_to_three_significant_figures():
    assert round_sig(379.218866) == 379.0
    assert round_sig(0.0012345) == 0.00123
    assert round_sig(0.0) == 0.0
    row = anomaly_table([verdict()], 5).iloc[0]
    assert row["current (median of last 5 points)"] == 1.15
    assert row["baseline"] == 0.241 and row["deviation"] == "+379%"
    assert row["confidence"] == 0.99


def test_reasoning_is_kept_whole():
    table = verdict_table([verdict()])
    assert table.loc["api-service", "reasoning"] == LONG


def test_check_plot_draws_thresholds_baseline_and_the_current_median():
    config = load_config(DEFAULT_CONFIG)
    agent = build_agent(config, build_source("fixtures"))
    fig = plot_check(agent, verdict())
    latency = next(ax for ax in fig.axes if ax.get_title(loc="left").startswith("latency_p99"))
    labels = latency.get_legend_handles_labels()[1]
    assert "warning threshold 1" in labels and "critical threshold 2.5" in labels
    assert "baseline 0.241" in labels
    assert "current 1.15 (median of last 5 points)" in labels
    assert "check time" in labels
    request_rate = next(ax for ax in fig.axes if ax.get_title(loc="left").startswith("request"))
    assert not any("threshold" in x for x in request_rate.get_legend_handles_labels()[1])


def test_no_anomalies_is_one_clear_row():
    v = verdict().model_copy(update={"anomalies": [], "status": Status.NORMAL})
    assert list(anomaly_table([v], 5)["metric"]) == ["no anomalies"]
