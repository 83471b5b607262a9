"""The CI-sized part of the fault matrix (`make chaos` runs all of it, bigger): every fault ends
in a clear outcome, nothing is lost, duplicated, leaked or crashed. Outcomes, never timings."""

from __future__ import annotations

import pytest

from chaos import alerts, budget, configs, injection, model, prometheus, series
from chaos.table import Row

BAD = {"LOST", "DUPLICATED", "LEAKED", "CRASHED"}


def failures(rows: list[Row]) -> list[str]:
    return [f"{r.group}/{r.fault}: {r.verdict}: {r.outcome}" for r in rows if r.verdict in BAD]


def test_every_prometheus_fault_is_an_unknown_verdict_that_says_why():
    rows = prometheus.rows(quick=True)
    assert not failures(rows)
    by = {r.fault: r for r in rows}
    assert by["refused"].outcome.startswith("UNKNOWN") and "cannot reach" in by["refused"].outcome
    assert "did not answer within" in by["slow past timeout"].outcome
    assert (
        "HTTP 503" in by["HTTP 503"].outcome
        and "not Prometheus API JSON" in by["malformed JSON"].outcome
    )


def test_odd_series_shapes_never_crash_the_check():
    rows = series.rows(quick=True)
    assert not failures(rows)
    assert {r.fault: r.outcome.split()[0] for r in rows}["empty (no series)"] == "UNKNOWN"


def test_every_model_failure_falls_back_to_the_statistical_verdict():
    rows = model.rows(quick=True)
    assert not failures(rows)
    assert all("[llm" in r.outcome for r in rows)


def test_injected_text_stays_data_and_selectors_stay_literal():
    rows = injection.rows(quick=True)
    assert not failures(rows)
    assert all(r.verdict == "ok" for r in rows), [r.outcome for r in rows]


def test_each_malformed_config_fails_with_a_quoted_error():
    rows = configs.rows(quick=True)
    assert not failures(rows)
    rejected = [r for r in rows if r.outcome.startswith("error: services.yaml")]
    accepted = {r.fault for r in rows} - {r.fault for r in rejected}
    assert accepted <= configs.FAULTS_OWNED


def test_a_burst_of_escalations_is_judged_without_crashing():
    [row] = budget.rows(quick=True)
    assert row.verdict not in BAD, row.outcome


@pytest.mark.alertmanager
def test_alerts_queued_while_alertmanager_is_down_arrive_once_when_it_is_back():
    [row] = alerts.rows(quick=True)
    assert row.verdict not in BAD, row.outcome
    assert "lost 0, duplicated 0" in row.outcome
