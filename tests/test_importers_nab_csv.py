"""`sentinel fixtures import nab|csv` on real data: the Numenta layout and a user's own CSV export
built at test time from the real Nezha frontend pod (../shared/datasets), with its real faults
as the labelled windows. No public benchmark data is held in this project."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from sentinel import importers
from sentinel.errors import FixtureError
from sentinel.fixtures.files import load_fixture
from sentinel.importers.write import write_import
from tests.realdata import NAB_FILE, NEZHA_PODS, csv_slice, nab_slice, nezha_faults

FIRST = datetime(2022, 8, 22, 3, 51, 19, tzinfo=UTC)  # the frontend pod's first minute
ROWS = 120


def _faults() -> list[dict[str, str]]:
    last = FIRST + timedelta(minutes=ROWS - 11)
    return nezha_faults(NEZHA_PODS[0], f"{last:%Y-%m-%d %H:%M:%S}")


def test_nab_real_series_becomes_a_fixture_with_rows_timestamps_and_windows(tmp_path):
    src = nab_slice(tmp_path / "nab", rows=ROWS)
    [path] = write_import(importers.read("nab", src, progress=False), tmp_path / "out")
    fixture = load_fixture(path)
    assert fixture.name == "realnezha-frontend_cpu" and fixture.manifest.step_seconds == 60
    cpu = fixture.raw("value")
    assert len(fixture.data) == len(cpu) == ROWS
    assert cpu.index[0] == FIRST and cpu.index[-1] == FIRST + timedelta(minutes=ROWS - 1)
    faults = _faults()
    assert len(fixture.manifest.labels) == len(faults) >= 2
    for w, f in zip(fixture.manifest.labels, faults, strict=True):
        start = datetime.fromisoformat(f["inject_time"]).replace(tzinfo=UTC)
        assert (w.start, w.end) == (start, start + timedelta(minutes=11))  # end inclusive + step
        assert w.kind == "nab_window"
    assert "AGPL" in fixture.manifest.imported.licence


def test_nab_window_outside_the_data_is_rejected(tmp_path):
    src = nab_slice(tmp_path / "nab", rows=ROWS)
    labels = src / "labels" / "combined_windows.json"
    labels.write_text(json.dumps({NAB_FILE: [["2022-08-23 00:00:00", "2022-08-23 01:00:00"]]}))
    with pytest.raises(
        FixtureError, match=r"frontend_cpu.csv window 1: window .* outside the data"
    ):
        importers.read("nab", src, progress=False)


def test_nab_unsorted_timestamps_are_rejected_naming_the_row(tmp_path):
    src = nab_slice(tmp_path / "nab", rows=ROWS)
    data = src / "data" / NAB_FILE
    lines = data.read_text().splitlines()
    lines[10], lines[11] = lines[11], lines[10]  # file rows 11 and 12 (header is row 1)
    data.write_text("\n".join(lines) + "\n")
    with pytest.raises(FixtureError, match=r"frontend_cpu.csv: row 12: unsorted"):
        importers.read("nab", src, progress=False)


def test_nab_duplicate_timestamp_is_rejected_naming_the_row(tmp_path):
    src = nab_slice(tmp_path / "nab", rows=ROWS)
    data = src / "data" / NAB_FILE
    lines = data.read_text().splitlines()
    lines[21] = lines[20].split(",")[0] + "," + lines[21].split(",")[1]
    data.write_text("\n".join(lines) + "\n")
    with pytest.raises(FixtureError, match=r"frontend_cpu.csv: row 22: duplicate"):
        importers.read("nab", src, progress=False)


def test_csv_real_export_with_windows_file(tmp_path):
    data_file, windows = csv_slice(tmp_path / "export", rows=ROWS)
    data = importers.read(
        "csv", data_file, progress=False, windows=windows, timestamp_column="time", service="fe"
    )
    [path] = write_import(data, tmp_path / "out", progress=False)
    fixture = load_fixture(path)
    assert [m.name for m in fixture.manifest.metrics] == ["cpu_usage_m", "pod_server_latency_p90_s"]
    assert fixture.manifest.metrics[1].unit == "s"
    cpu = fixture.raw("cpu_usage_m")
    assert len(fixture.data) == 2 * ROWS and len(cpu) == ROWS and cpu.index[0] == FIRST
    assert cpu.iloc[0] == pytest.approx(5.341930494693208)  # the pod's first CpuUsage(m)
    faults = _faults()
    assert [w.kind for w in fixture.manifest.labels] == [f["inject_type"] for f in faults]
    first = fixture.manifest.labels[0]
    start = datetime.fromisoformat(faults[0]["inject_time"]).replace(tzinfo=UTC)
    assert first.metrics == ["cpu_usage_m"]
    assert (first.start, first.end) == (start, start + timedelta(minutes=11))


def test_csv_missing_timestamp_column_and_unknown_window_metric_are_rejected(tmp_path):
    data_file, windows = csv_slice(tmp_path / "export", rows=ROWS)
    with pytest.raises(FixtureError, match=r"row 1 \(header\): missing column\(s\) \['ts'\]"):
        importers.read("csv", data_file, progress=False, windows=windows, timestamp_column="ts")
    windows.write_text("start,end,metrics\n2022-08-22T04:00:00Z,2022-08-22T04:10:00Z,memory\n")
    with pytest.raises(FixtureError, match=r"windows.csv: row 2: unknown metrics \['memory'\]"):
        importers.read("csv", data_file, progress=False, windows=windows, timestamp_column="time")


def test_csv_non_numeric_value_is_rejected_naming_the_row(tmp_path):
    data_file, windows = csv_slice(tmp_path / "export", rows=ROWS)
    lines = data_file.read_text().splitlines()
    lines[30] = lines[30].split(",")[0] + ",fast," + lines[30].split(",")[2]
    data_file.write_text("\n".join(lines) + "\n")
    with pytest.raises(FixtureError, match=r"frontend.csv: row 31"):
        importers.read("csv", data_file, progress=False, windows=windows, timestamp_column="time")
