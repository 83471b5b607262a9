"""A whole eval offline: statistical strategies scored with CIs, models honestly 'not run'."""

import json
from pathlib import Path

import pytest

from sentinel.errors import ConfigError
from sentinel.evaluation.report import pick_timelines, write_report
from sentinel.evaluation.results import eval_results
from sentinel.evaluation.runner import RunOptions, run_eval
from tests.evalkit import make_suite, no_credentials


def options(tmp_path: Path) -> RunOptions:
    fixtures, config, suite = make_suite(tmp_path)
    return RunOptions(
        suite=str(suite),
        strategies=["statistical:zscore", "llm:haiku"],
        cadence="15m",
        n_boot=50,
        config=str(config),
        fixtures_dir=str(fixtures),
        replay_dir=str(tmp_path / "replays"),
    )


def test_offline_eval_writes_report_with_not_run_model_and_no_accuracy(tmp_path: Path):
    run = run_eval(options(tmp_path), out=tmp_path / "out", run_id="r1", settings=no_credentials())
    report = write_report(run)
    results = json.loads((report.parent / "results.json").read_text())
    by_name = {s["name"]: s for s in results["strategies"]}
    stat, model = by_name["statistical:zscore"], by_name["llm:haiku"]
    assert stat["source"] == "statistical"
    assert stat["mean"]["metrics"]["incidents"] == 1
    assert stat["repeats"][0]["metrics"]["ci"]["recall"] is not None
    assert model["note"] == "not run: no credentials"
    assert "mean" not in model and "repeats" not in model
    text = report.read_text()
    row = next(line for line in text.splitlines() if line.startswith("| llm:haiku |"))
    assert "not run: no credentials" in row
    assert row.split("|")[3:9] == [" – "] * 6  # no precision/recall/F1/TTD/FA/HN figures
    assert [p["min_status"] for p in stat["operating_curve"]][:1] == ["WATCH"]
    assert "## F1 at matched false alarms" in text
    for png in (
        "prf1.png",
        "cost_vs_f1.png",
        "operating_curves.png",
        "timelines/svc-latency-spike.png",
    ):
        assert (report.parent / png).read_bytes()[:4] == b"\x89PNG"
    assert "svc-latency-spike" in results["timelines"]


def test_timelines_are_capped_to_the_cases_strategies_got_wrong_and_the_report_says_so(
    tmp_path: Path,
):
    run = run_eval(options(tmp_path), out=tmp_path / "out", run_id="r1", settings=no_credentials())
    results = eval_results(run)
    labelled = [c for c in run.suite.cases if c.manifest.windows]
    assert pick_timelines(run, results, limit=len(labelled)) == (labelled, "")
    shown, note = pick_timelines(run, results, limit=0)
    assert shown == [] and f"0 of {len(labelled)} labelled cases" in note
    assert [r.name for r in results if r.ran] == ["statistical:zscore"]


def test_existing_run_id_is_refused_and_resume_reuses_saved_options(tmp_path: Path):
    opts = options(tmp_path)
    out = tmp_path / "out"
    first = run_eval(opts, out=out, run_id="r1", settings=no_credentials())
    with pytest.raises(ConfigError, match="already exists"):
        run_eval(opts, out=out, run_id="r1", settings=no_credentials())
    again = run_eval(RunOptions(), out=out, resume="r1", settings=no_credentials())
    assert again.options == first.options
    a, b = first.strategies[0].repeats[0], again.strategies[0].repeats[0]
    assert [(r.at, r.verdict.status) for r in a] == [(r.at, r.verdict.status) for r in b]


def test_model_strategy_records_then_replays_offline_labelled_scripted(tmp_path: Path):
    from tests import llm_cases
    from tests.llm_server import Scripted, ScriptedServer, message_body

    opts = options(tmp_path)
    opts.strategies, opts.mode = ["llm:haiku"], "record"
    with ScriptedServer() as server:
        server.push(*[Scripted(body=message_body(llm_cases.answer("CRITICAL")))] * 400)
        recorded = run_eval(
            opts, out=tmp_path / "out", run_id="rec", settings=llm_cases.settings(server.url)
        )
        calls = len(server.requests)
    assert recorded.strategies[0].ran and calls > 0
    assert list((tmp_path / "replays" / "repeat-1").glob("*/*.json"))

    opts.mode = "auto"  # no credentials now: the recordings are replayed
    replayed = run_eval(opts, out=tmp_path / "out", run_id="rep", settings=no_credentials())
    report = write_report(replayed)
    results = json.loads((report.parent / "results.json").read_text())
    model = results["strategies"][0]
    assert replayed.strategies[0].mode == "replay"
    assert model["source"] == "scripted"  # recorded from a local test server, never "live model"
    assert model["repeats"][0]["cost"]["model_calls"] == calls
    before = [(r.at, r.verdict.status) for r in recorded.strategies[0].repeats[0]]
    after = [(r.at, r.verdict.status) for r in replayed.strategies[0].repeats[0]]
    assert before == after
