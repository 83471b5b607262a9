"""Combining finished runs: one report over both runs' verdicts, nothing replayed; runs that
differ in what decides a check, or share a strategy, are refused with the reason."""

import json
from dataclasses import replace
from pathlib import Path

import pytest

from sentinel.errors import ConfigError
from sentinel.evaluation.combine import combine_runs
from sentinel.evaluation.report import write_report
from sentinel.evaluation.runner import RunOptions, run_eval
from tests.evalkit import make_suite, no_credentials


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> tuple[Path, RunOptions]:
    tmp = tmp_path_factory.mktemp("combine")
    fixtures, config, suite = make_suite(tmp)
    base = RunOptions(
        suite=str(suite),
        cadence="15m",
        n_boot=20,
        config=str(config),
        fixtures_dir=str(fixtures),
        replay_dir=str(tmp / "replays"),
    )
    out = tmp / "out"
    for run_id, strategy in (("a", "statistical:zscore"), ("b", "statistical:seasonal_mad")):
        opts = replace(base, strategies=[strategy])
        write_report(run_eval(opts, out=out, run_id=run_id, settings=no_credentials()))
    return out, base


def test_combined_run_reports_both_strategies_from_their_streams(runs):
    out, _ = runs
    directory = combine_runs(out, ["a", "b"], "ab")
    saved = json.loads((directory / "run.json").read_text())
    assert saved["combined_from"] == ["a", "b"]
    assert saved["options"]["strategies"] == ["statistical:zscore", "statistical:seasonal_mad"]
    before = {p.name: p.read_bytes() for p in directory.glob("verdicts/*.jsonl")}
    report = write_report(run_eval(RunOptions(), out=out, resume="ab", settings=no_credentials()))
    after = {p.name: p.read_bytes() for p in directory.glob("verdicts/*.jsonl")}
    assert before == after and len(after) == 2  # rescored, nothing replayed
    results = json.loads((report.parent / "results.json").read_text())
    mine = {s["name"]: s["mean"]["metrics"]["f1"] for s in results["strategies"]}
    for source in ("a", "b"):
        alone = json.loads((out / source / "results.json").read_text())["strategies"][0]
        assert mine[alone["name"]] == alone["mean"]["metrics"]["f1"]
    header = next(x for x in report.read_text().splitlines() if x.startswith("| strategy | at <="))
    assert "`statistical:zscore`" in header and "`statistical:seasonal_mad`" in header


def test_runs_that_differ_or_overlap_are_refused(runs):
    out, base = runs
    write_report(
        run_eval(
            replace(base, strategies=["statistical:zscore"], grace="10m"),
            out=out,
            run_id="c",
            settings=no_credentials(),
        )
    )
    with pytest.raises(ConfigError, match="differ in grace: '30m' vs '10m'"):
        combine_runs(out, ["a", "c"], "ac")
    with pytest.raises(ConfigError, match="'statistical:zscore' is in both 'a' and 'a'"):
        combine_runs(out, ["a", "a"], "aa")
    with pytest.raises(ConfigError, match="no run 'nope'"):
        combine_runs(out, ["a", "nope"], "an")
    with pytest.raises(ConfigError, match="already exists"):
        combine_runs(out, ["a", "b"], "a")
    assert not (out / "ac").exists() and not (out / "aa").exists()
