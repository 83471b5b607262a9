"""The NAB adapter on a small NAB-layout sample written by the test itself."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from sentinel.cli import _register, app, main
from sentinel.errors import SentinelError
from sentinel.evaluation.nab import (
    nab_raw,
    probation_length,
    read_corpus,
    run_nab,
    stream_scores,
)
from sentinel.evaluation.nab_sample import write_sample


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return write_sample(tmp_path_factory.mktemp("nab"))


def test_sample_has_the_nab_layout(sample):
    labels = json.loads((sample / "labels" / "combined_windows.json").read_text())
    assert set(labels) == {
        "artificialWithAnomaly/spikes.csv",
        "realSynthetic/shift_with_gaps.csv",
        "artificialNoAnomaly/flat.csv",
    }
    frame = pd.read_csv(sample / "data" / "artificialWithAnomaly" / "spikes.csv")
    assert list(frame.columns) == ["timestamp", "value"]


def test_run_writes_nab_result_files_and_finds_the_spikes(sample, tmp_path):
    report = run_nab(sample, "seasonal_mad", tmp_path, threshold=0.7)
    out = tmp_path / "seasonalMad" / "artificialWithAnomaly" / "seasonalMad_spikes.csv"
    frame = pd.read_csv(out)
    assert list(frame.columns) == ["timestamp", "value", "anomaly_score", "label"]
    assert frame["anomaly_score"].between(0, 1).all()
    assert frame["label"].sum() > 0 and set(frame["label"].unique()) <= {0, 1}
    spikes = next(f for f in report.files if f.key.endswith("spikes.csv"))
    assert spikes.detected == spikes.windows == 2
    flat = next(f for f in report.files if f.key.endswith("flat.csv"))
    assert flat.alarm_events == 0  # a constant series (MAD = 0) raises nothing
    assert report.recall is not None and report.f1 is not None
    false = sum(f.alarm_events - f.true_alarm_events for f in report.files)
    days = sum(
        (s.timestamps[-1] - s.timestamps[0]).total_seconds() / 86400 for s in read_corpus(sample)
    )
    assert report.false_alarms_per_day == pytest.approx(false / days)
    assert "F1" in report.table() and f"false alarms {false} (" in report.table()
    true = sum(f.true_alarm_events for f in report.files)
    assert report.alarms_per_detected_window == pytest.approx(
        true / sum(f.detected for f in report.files)
    )
    assert f"true alarms/caught window {report.alarms_per_detected_window:.1f}" in report.table()


def test_categories_limit_the_run(sample, tmp_path):
    report = run_nab(sample, "zscore", tmp_path, categories=["artificialNoAnomaly"])
    assert [f.key for f in report.files] == ["artificialNoAnomaly/flat.csv"]
    with pytest.raises(SentinelError, match="no such categories"):
        run_nab(sample, "zscore", tmp_path, categories=["nope"])


def test_streaming_scores_use_the_past_only(sample):
    series = next(s for s in read_corpus(sample) if s.key.endswith("shift_with_gaps.csv"))
    base = stream_scores("seasonal_mad", series.values, series.timestamps)
    future = series.values.copy()
    future[3000:] += 1e6
    changed = stream_scores("seasonal_mad", future, series.timestamps)
    assert np.array_equal(base[:3000], changed[:3000])
    assert (changed[3000:3010] > 0.9).all()


def test_irregular_steps_duplicates_and_bad_values_are_read(tmp_path):
    (tmp_path / "data" / "cat").mkdir(parents=True)
    (tmp_path / "labels").mkdir()
    rows = ["timestamp,value"] + [
        f"2026-01-01 00:{m:02d}:00,{v}"
        for m, v in [(3, 1), (1, 2), (1, 3), (7, "nan"), (9, "oops"), (30, 4)]
    ]
    (tmp_path / "data" / "cat" / "f.csv").write_text("\n".join(rows) + "\n")
    (tmp_path / "labels" / "combined_windows.json").write_text("{}")
    (s,) = read_corpus(tmp_path)
    assert s.timestamps.is_monotonic_increasing and s.timestamps.is_unique
    assert len(s.values) == 5 and s.values[0] == 3.0  # duplicate: the last one wins
    report = run_nab(tmp_path, "seasonal_mad", tmp_path / "out")
    assert report.files[0].alarm_events == 0


def test_nab_raw_rewards_early_detection_and_charges_misses():
    ids = np.array([-1] * 10 + [0] * 10 + [-1] * 10)
    none = np.zeros(30, dtype=bool)
    early = none.copy()
    early[10] = True
    late = none.copy()
    late[19] = True
    assert nab_raw(ids, none) == -1.0
    assert nab_raw(ids, early) == pytest.approx(1.0, abs=0.01)
    assert 0 <= nab_raw(ids, late) < nab_raw(ids, early)
    fp = none.copy()
    fp[2] = True
    assert nab_raw(ids, fp) == pytest.approx(-1.0 - 0.11)
    assert probation_length(1000) == 150 and probation_length(100_000) == 750


def test_missing_layout_is_a_one_line_error(tmp_path):
    with pytest.raises(SentinelError, match="not a directory"):
        read_corpus(tmp_path)


def test_cli_prints_figures(sample, tmp_path):
    _register()
    result = CliRunner().invoke(
        app,
        [
            "eval",
            "nab",
            "--data-dir",
            str(sample),
            "--detector",
            "seasonal_mad",
            "--out",
            str(tmp_path),
            "--categories",
            "artificialWithAnomaly",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "precision" in result.output and "NAB standard" in result.output
    assert (tmp_path / "seasonalMad" / "artificialWithAnomaly").is_dir()


def test_result_files_have_one_row_per_input_row_in_input_order(tmp_path):
    """NAB's scorer asserts one result row per data row: duplicates and NaN rows stay."""
    (tmp_path / "data" / "cat").mkdir(parents=True)
    (tmp_path / "labels").mkdir()
    stamps = pd.date_range("2026-01-01", periods=200, freq="5min").strftime("%Y-%m-%d %H:%M:%S")
    rows = [f"{t},{50 + (i % 7)}" for i, t in enumerate(stamps)]
    rows.insert(120, f"{stamps[119]},51")  # a duplicate timestamp
    rows.insert(60, f"{stamps[59]},nan")  # a duplicate whose value is NaN
    rows[10] = f"{stamps[10]},"  # an empty value
    (tmp_path / "data" / "cat" / "dup_file.csv").write_text(
        "timestamp,value\n" + "\n".join(rows) + "\n"
    )
    (tmp_path / "labels" / "combined_windows.json").write_text(
        json.dumps({"cat/dup_file.csv": [[stamps[150], stamps[160]]]})
    )
    run_nab(tmp_path, "seasonal_mad", tmp_path / "out")
    out = tmp_path / "out" / "seasonalMad" / "cat" / "seasonalMad_dup_file.csv"
    data = pd.read_csv(tmp_path / "data" / "cat" / "dup_file.csv")
    result = pd.read_csv(out)
    assert len(result) == len(data) == 202
    assert list(result["timestamp"]) == list(data["timestamp"])
    assert result["value"].isna().sum() == 2 and result.loc[10, "anomaly_score"] == 0
    assert result["label"].sum() == 11


def test_nab_names_have_no_underscore_and_map_back():
    from sentinel.detectors.registry import DETECTORS
    from sentinel.evaluation.nab_output import nab_name, sentinel_name

    for name in DETECTORS:
        assert "_" not in nab_name(name)
        assert sentinel_name(nab_name(name)) == name


def test_sweep_scores_other_thresholds_on_the_same_scores(sample, tmp_path):
    report = run_nab(sample, "zscore", tmp_path, threshold=0.7, sweep=[0.9, 0.5, 0.7])
    assert [r.threshold for r in report.sweep] == [0.5, 0.7, 0.9]
    same = report.sweep[1]
    assert (same.precision, same.recall, same.false_alarms_per_day) == (
        report.precision,
        report.recall,
        report.false_alarms_per_day,
    )
    events = [sum(f.alarm_events for f in r.files) for r in report.sweep]
    recalls = [r.recall for r in report.sweep]
    assert recalls == sorted(recalls, reverse=True)  # a higher bar never finds more windows
    assert events[0] >= 1
    assert report.table().count("threshold 0.5:") == 1
    with pytest.raises(SentinelError, match="within"):
        run_nab(sample, "zscore", tmp_path, sweep=[1.5])


def nab_args(sample, out) -> list[str]:
    """`sentinel eval nab` on the sample with zscore (registered for CliRunner)."""
    _register()
    return ["eval", "nab", "--data-dir", str(sample), "--detector", "zscore", "--out", str(out)]


def usage_error(args: list[str], capsys) -> str:
    """What `sentinel` prints on stderr for a usage error (exit 2)."""
    with pytest.raises(SystemExit) as exit_:
        main(args)
    assert exit_.value.code == 2
    return capsys.readouterr().err


def test_cli_sweep_prints_a_line_per_threshold_and_rejects_junk(sample, tmp_path, capsys):
    args = nab_args(sample, tmp_path)
    result = CliRunner().invoke(app, [*args, "--sweep", "0.5,0.9"])
    assert result.exit_code == 0, result.output
    assert "threshold 0.5:" in result.output and "threshold 0.9:" in result.output
    err = usage_error([*args, "--sweep", "high"], capsys)
    assert "--sweep takes comma-separated numbers, got 'high'" in err


def test_cli_params_reach_the_detector_and_bad_ones_say_why(sample, tmp_path, capsys):
    args = nab_args(sample, tmp_path)
    default = CliRunner().invoke(app, args)
    strict = CliRunner().invoke(app, [*args, "--param", "z_watch=8", "--param", "z_warning=9"])
    assert strict.exit_code == 0, strict.output
    assert "detector zscore (z_warning=9, z_watch=8), threshold 0.7:" in strict.output
    assert "detector zscore, threshold 0.7:" in default.output

    def alarms(output: str) -> int:
        return int(output.split("false alarms ")[1].split()[0])

    assert alarms(strict.output) <= alarms(default.output)
    for bad, message in (
        (["--param", "nope"], "--param takes KEY=VALUE, got 'nope'"),
        (["--param", "z_nope=1"], "detector 'zscore': bad parameters ['z_nope']"),
    ):
        assert message in usage_error([*args, *bad], capsys)
