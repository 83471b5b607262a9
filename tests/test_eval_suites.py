"""Eval suites: named suites resolve to their parts, an imported folder is a suite, and the same
walk-forward eval scores real data (a CI-sized slice of SMD and Nezha) with attribution."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sentinel import importers
from sentinel.errors import ConfigError
from sentinel.evaluation import suites
from sentinel.evaluation.attribution import attribution
from sentinel.evaluation.cases import Case, CaseManifest, CaseTags, Period, Suite
from sentinel.evaluation.runner import RunOptions, run_eval
from sentinel.evaluation.suite_table import suite_table
from sentinel.evaluation.walk_forward import CheckRecord
from sentinel.importers.write import write_import
from sentinel.models import Anomaly, LabelledWindow, Provenance, Status, Verdict
from tests.realdata import SMD_MACHINE, nezha_slice, smd_slice


def _imported(fmt, src, out):
    write_import(importers.read(fmt, src, progress=False), out, progress=False)
    return suites.resolve_suite(out)


def _run(spec, tmp_path, **over):
    opts = RunOptions(
        suite=str(spec.cases),
        suite_name=spec.name,
        strategies=["statistical:zscore"],
        cadence=over.pop("cadence", spec.cadence),
        n_boot=50,
        config=str(spec.config),
        fixtures_dir=str(spec.fixtures_dir),
        **over,
    )
    return run_eval(opts, out=tmp_path / "reports")


def test_synthetic_is_the_bundled_suite_and_real_names_need_an_import(tmp_path, monkeypatch):
    spec = suites.resolve_suite("synthetic")
    assert spec.cases == suites.SYNTHETIC_CASES and not spec.real and spec.config is None
    monkeypatch.setattr(suites, "_imported_dir", lambda name: tmp_path / name)
    with pytest.raises(ConfigError, match=r"not imported yet .*sentinel fixtures import smd"):
        suites.resolve_suite("smd")


def test_an_unknown_suite_says_what_is_accepted(tmp_path):
    with pytest.raises(ConfigError, match="use one of synthetic, smd, nezha"):
        suites.resolve_suite(str(tmp_path / "nope"))


def test_smd_slice_runs_walk_forward_with_event_scores_and_attribution(tmp_path):
    spec = _imported("smd", smd_slice(tmp_path / "src"), tmp_path / "smd")
    assert spec.real and spec.cadence == "15m"  # an SMD import, in a folder of any name
    assert "smd data" in spec.why_cadence
    run = _run(spec, tmp_path)
    [srun] = run.strategies
    [outcome] = srun.outcomes[0]
    assert outcome.service == SMD_MACHINE and len(outcome.incidents) == 1
    checks = srun.repeats[0]
    assert checks and all(r.at >= datetime(2024, 1, 1, 5, tzinfo=UTC) for r in checks)
    table = suite_table(run)
    assert "REAL data" in table and "attribution P" in table and "statistical:zscore" in table


def test_nezha_slice_scores_every_fault_window(tmp_path):
    spec = _imported("nezha", nezha_slice(tmp_path / "src"), tmp_path / "nezha")
    run = _run(spec, tmp_path, cadence="5m")
    incidents = [i for o in run.strategies[0].outcomes[0] for i in o.incidents]
    assert len(incidents) == 6
    assert {i.window.kind for i in incidents} >= {"cpu_contention", "network_delay"}


def test_services_and_cases_select_a_subset(tmp_path):
    spec = _imported("nezha", nezha_slice(tmp_path / "src"), tmp_path / "nezha")
    run = _run(spec, tmp_path, services=["cartservice"], cases="*-network-delay-*")
    assert [c.id for c in run.suite.cases] == ["cartservice-network-delay-0822-0427"]
    with pytest.raises(ConfigError, match="not in suite"):
        _run(spec, tmp_path, services=["nosuch"])


def _record(at, status, metrics):
    anomalies = [
        Anomaly(
            metric=m,
            current_value=1,
            baseline_value=0,
            deviation_pct=100,
            direction="up",
            confidence=1,
        )
        for m in metrics
    ]
    verdict = Verdict(
        service="svc",
        checked_at=at,
        status=status,
        anomalies=anomalies,
        provenance=Provenance(path="statistical"),
    )
    return CheckRecord(service="svc", at=at, verdict=verdict)


def test_attribution_pools_named_metrics_over_alerting_verdicts_inside_the_window():
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    w = LabelledWindow(
        start=t0,
        end=t0 + timedelta(hours=1),
        kind="smd_anomaly",
        min_severity=Status.WARNING,
        metrics=["m00", "m01"],
    )
    case = CaseManifest(
        id="c",
        fixture="f",
        service="svc",
        period=Period(start=t0, end=t0 + timedelta(hours=2)),
        windows=[w],
        tags=CaseTags(kind="smd_anomaly"),
    )
    suite = Suite(cases=[Case(case, path=None)], fixtures={}, directory=None)  # type: ignore[arg-type]
    records = [
        _record(t0 + timedelta(minutes=5), Status.WARNING, ["m00", "m07"]),
        _record(t0 + timedelta(minutes=10), Status.WATCH, ["m01"]),  # not alerting: ignored
        _record(t0 + timedelta(minutes=90), Status.CRITICAL, ["m01"]),  # after the window
    ]
    a = attribution(records, suite, n_boot=0)
    assert (a.incidents, a.named, a.hits, a.labelled) == (1, 2, 1, 2)
    assert a.precision == 0.5 and a.recall == 0.5
    assert attribution(records[1:], suite, n_boot=0).incidents == 0


def test_a_rejected_subset_leaves_no_run_folder_behind(tmp_path):
    spec = _imported("nezha", nezha_slice(tmp_path / "src"), tmp_path / "nezha")
    with pytest.raises(ConfigError, match="not in suite"):
        _run(spec, tmp_path, services=["nosuch"])
    assert not (tmp_path / "reports").exists() or not any((tmp_path / "reports").iterdir())
