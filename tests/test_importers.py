"""`sentinel fixtures import` on tiny slices of the real SMD and Nezha data."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sentinel import importers
from sentinel.config import load_config
from sentinel.errors import FixtureError
from sentinel.evaluation.cases import load_suite
from sentinel.fixtures.files import load_fixture
from sentinel.importers.write import write_import
from tests.realdata import NEZHA_DATE, NEZHA_PODS, SMD_MACHINE, nezha_slice, smd_slice

MONDAY = datetime(2024, 1, 1, tzinfo=UTC)


def _import(fmt: str, src: Path, out: Path, **options) -> list[Path]:
    return write_import(importers.read(fmt, src, progress=False, **options), out, progress=False)


def test_smd_rows_get_one_minute_timestamps_from_a_monday_and_test_follows_train(tmp_path):
    src = smd_slice(tmp_path / "src", train_rows=300, test_from=17500, test_to=17800)
    [path] = _import("smd", src, tmp_path / "out")
    fixture = load_fixture(path)
    m = fixture.manifest
    assert m.kind == "imported" and m.imported.licence == "MIT"
    assert "InterFusion" in m.imported.source and "Monday" in m.imported.choices["timestamps"]
    assert len(fixture.data) == (300 + 300) * 38
    ts = fixture.raw("m00").index
    assert ts[0] == MONDAY and ts[-1] == MONDAY + timedelta(minutes=599)
    assert (ts[1:] - ts[:-1] == timedelta(minutes=1)).all()


def test_smd_window_covers_the_labelled_minutes_and_names_the_interpreted_metrics(tmp_path):
    src = smd_slice(tmp_path / "src", train_rows=300, test_from=17500, test_to=17800)
    [path] = _import("smd", src, tmp_path / "out")
    [w] = load_fixture(path).manifest.labels
    test_start = MONDAY + timedelta(minutes=300)
    # label=1 on source test rows 17580..17740 -> slice rows 80..240
    assert w.start == test_start + timedelta(minutes=80)
    assert w.end == test_start + timedelta(minutes=241)
    assert w.min_severity == "WARNING" and not w.hard_negative
    assert w.metrics[:3] == ["m00", "m01", "m02"] and "m07" not in w.metrics


def test_imported_folder_is_a_suite_the_eval_loads(tmp_path):
    src = smd_slice(tmp_path / "src")
    out = tmp_path / "out"
    _import("smd", src, out)
    config = load_config(out / "services.yaml")
    suite = load_suite(out / "cases", config, out / "fixtures")
    assert suite.services == [SMD_MACHINE]
    [incident] = [c for c in suite.cases if c.manifest.windows]
    background = [c for c in suite.cases if c.manifest.tags.background]
    assert background and background[0].manifest.period.start >= MONDAY + timedelta(minutes=300)
    assert incident.manifest.windows[0].kind == "smd_anomaly"


def test_importing_twice_gives_the_same_bytes(tmp_path):
    src = smd_slice(tmp_path / "src")
    _import("smd", src, tmp_path / "a")
    _import("smd", src, tmp_path / "b")
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.*"))
    assert files
    for f in files:
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes(), f


def _rewrite(path: Path, edit) -> None:
    with gzip.open(path, "rt") as fh:
        lines = fh.read().splitlines()
    lines = edit(lines)
    with gzip.open(path, "wt") as fh:
        fh.write("\n".join(lines) + "\n")


def test_smd_unsorted_rows_are_rejected_naming_file_and_row(tmp_path):
    src = smd_slice(tmp_path / "src")
    test = src / f"{SMD_MACHINE}_test.csv.gz"
    _rewrite(test, lambda ls: [ls[0], ls[1], ls[3], ls[2], *ls[4:]])
    with pytest.raises(FixtureError, match=rf"{test.name}: row 3: t=2, expected 1"):
        importers.read("smd", src, progress=False)


def test_smd_missing_label_column_is_rejected(tmp_path):
    src = smd_slice(tmp_path / "src")
    test = src / f"{SMD_MACHINE}_test.csv.gz"
    _rewrite(test, lambda ls: [",".join(line.split(",")[:-1]) for line in ls])
    with pytest.raises(FixtureError, match=r"row 1 \(header\): missing column\(s\) \['label'\]"):
        importers.read("smd", src, progress=False)


def test_smd_interpretation_outside_the_test_rows_is_rejected(tmp_path):
    src = smd_slice(tmp_path / "src", test_to=17800)
    interp = src / f"{SMD_MACHINE}_interpretation.txt"
    interp.write_text("80-900:1,2\n")
    with pytest.raises(FixtureError, match=r"interpretation.txt: row 1: segment 80-900"):
        importers.read("smd", src, progress=False)


def test_smd_non_numeric_value_is_rejected_naming_the_row(tmp_path):
    src = smd_slice(tmp_path / "src")
    train = src / f"{SMD_MACHINE}_train.csv.gz"
    _rewrite(
        train, lambda ls: [*ls[:5], ls[5].replace(",", ",oops,", 1).rsplit(",", 1)[0], *ls[6:]]
    )
    with pytest.raises(FixtureError, match=rf"{train.name}: row 6: column 'm00'"):
        importers.read("smd", src, progress=False)


def test_nezha_one_fixture_per_deployment_with_faults_as_windows(tmp_path):
    src = nezha_slice(tmp_path / "src", rows=120)
    paths = _import("nezha", src, tmp_path / "out")
    fixtures = {load_fixture(p).name: load_fixture(p) for p in paths}
    assert sorted(fixtures) == ["cartservice", "frontend"]
    front = fixtures["frontend"]
    assert len(front.raw("cpu_usage_rate_pct")) == 120
    assert front.raw("cpu_usage_rate_pct").index[0] == datetime(2022, 8, 22, 3, 51, tzinfo=UTC)
    starts = [
        (w.start.strftime("%H:%M"), w.end.strftime("%H:%M"), w.kind) for w in front.manifest.labels
    ]
    # injections at 03:53:54, 04:02:07, 04:10:20, 04:18:35: each window stops at the next one
    assert starts == [
        ("03:53", "04:02", "cpu_contention"),
        ("04:02", "04:10", "return"),
        ("04:10", "04:18", "cpu_consumed"),
        ("04:18", "04:28", "exception"),
    ]
    assert front.manifest.labels[0].metrics == ["cpu_usage_rate_pct"]
    assert "10 min" in front.manifest.imported.choices["windows"]


def test_nezha_window_length_is_an_option_recorded_in_the_manifest(tmp_path):
    src = nezha_slice(tmp_path / "src", rows=120)
    paths = _import("nezha", src, tmp_path / "out", window_minutes=5)
    cart = load_fixture(next(p for p in paths if p.stem == "cartservice"))
    assert [(w.end - w.start) for w in cart.manifest.labels] == [timedelta(minutes=5)] * 2
    assert "5 min" in cart.manifest.imported.choices["windows"]


def test_nezha_fault_outside_the_data_is_rejected(tmp_path):
    src = nezha_slice(tmp_path / "src", rows=120)
    faults = src / NEZHA_DATE / f"{NEZHA_DATE}-fault_list.json"
    body = json.loads(faults.read_text())
    body["23"] = [
        {"inject_time": "2022-08-22 23:00:00", "inject_pod": NEZHA_PODS[0], "inject_type": "return"}
    ]
    faults.write_text(json.dumps(body))
    with pytest.raises(
        FixtureError, match=r"fault_list.json: fault 2022-08-22 23:00:00: window .* outside"
    ):
        importers.read("nezha", src, progress=False)


def test_nezha_fault_on_an_unknown_pod_is_rejected(tmp_path):
    src = nezha_slice(tmp_path / "src", rows=120)
    faults = src / NEZHA_DATE / f"{NEZHA_DATE}-fault_list.json"
    body = json.loads(faults.read_text())
    body["04"].append(
        {
            "inject_time": "2022-08-22 04:40:00",
            "inject_pod": "nosuch-abcdef123-xyzab",
            "inject_type": "return",
        }
    )
    faults.write_text(json.dumps(body))
    with pytest.raises(
        FixtureError, match=r"names pod 'nosuch-abcdef123-xyzab', which has no metric file"
    ):
        importers.read("nezha", src, progress=False)


def test_nezha_duplicate_minute_is_rejected_naming_file_and_row(tmp_path):
    src = nezha_slice(tmp_path / "src", rows=120)
    pod = src / NEZHA_DATE / "metric" / f"{NEZHA_PODS[1]}_metric.csv.gz"
    _rewrite(pod, lambda ls: [*ls[:11], ls[10], *ls[11:]])
    with pytest.raises(FixtureError, match=rf"{pod.name}: row 12: duplicate timestamp"):
        importers.read("nezha", src, progress=False)


def test_nezha_missing_time_column_is_rejected(tmp_path):
    src = nezha_slice(tmp_path / "src", rows=120)
    pod = src / NEZHA_DATE / "metric" / f"{NEZHA_PODS[1]}_metric.csv.gz"
    _rewrite(pod, lambda ls: [line.split(",", 1)[1] for line in ls])
    with pytest.raises(FixtureError, match=r"row 1 \(header\): missing column\(s\) \['Time'\]"):
        importers.read("nezha", src, progress=False)


def test_the_default_output_is_gitignored():
    gitignore = (Path(__file__).resolve().parents[1] / ".gitignore").read_text().splitlines()
    assert "/data/imported/" in gitignore
    assert importers.IMPORTED_DIR.parts[-2:] == ("data", "imported")


def test_unknown_format_names_the_known_ones(tmp_path):
    with pytest.raises(Exception, match="use one of smd, nezha, nab, csv"):
        importers.read("parquet", tmp_path)
