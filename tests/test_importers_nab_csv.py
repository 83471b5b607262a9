"""`sentinel fixtures import nab|csv`: the Numenta layout and a user's own CSV export (small
files written here: no public benchmark data is held in this project)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from sentinel import importers
from sentinel.errors import FixtureError
from sentinel.fixtures.files import load_fixture
from sentinel.importers.write import write_import

T0 = datetime(2024, 3, 4, tzinfo=UTC)


def _csv(path, rows=100, step=300, header="timestamp,value", swap=None):
    lines = [header]
    for i in range(rows):
        t = T0 + timedelta(seconds=step * i)
        lines.append(f"{t:%Y-%m-%d %H:%M:%S},{i % 7}" + (",1.5" if header.count(",") == 2 else ""))
    if swap:
        lines[swap], lines[swap + 1] = lines[swap + 1], lines[swap]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path


def _nab(root, windows, **kw):
    _csv(root / "data" / "realKnownCause" / "machine.csv", **kw)
    (root / "labels").mkdir(parents=True)
    (root / "labels" / "combined_windows.json").write_text(
        json.dumps({"realKnownCause/machine.csv": windows})
    )
    return root


def test_nab_file_becomes_a_fixture_with_its_windows_end_inclusive(tmp_path):
    src = _nab(tmp_path / "nab", [["2024-03-04 01:00:00.000000", "2024-03-04 02:00:00.000000"]])
    data = importers.read("nab", src, progress=False)
    [path] = write_import(data, tmp_path / "out", progress=False)
    fixture = load_fixture(path)
    assert fixture.name == "realknowncause-machine" and fixture.manifest.step_seconds == 300
    assert len(fixture.data) == 100
    [w] = fixture.manifest.labels
    assert (w.start, w.end) == (T0 + timedelta(hours=1), T0 + timedelta(hours=2, minutes=5))
    assert "AGPL" in fixture.manifest.imported.licence


def test_nab_window_outside_the_data_is_rejected(tmp_path):
    src = _nab(tmp_path / "nab", [["2024-04-01 00:00:00", "2024-04-01 01:00:00"]])
    with pytest.raises(FixtureError, match=r"machine.csv window 1: window .* outside the data"):
        importers.read("nab", src, progress=False)


def test_nab_unsorted_timestamps_are_rejected_naming_the_row(tmp_path):
    src = _nab(tmp_path / "nab", [], swap=10)
    with pytest.raises(FixtureError, match=r"machine.csv: row 12: unsorted"):
        importers.read("nab", src, progress=False)


def test_csv_export_with_windows_file(tmp_path):
    data_file = _csv(tmp_path / "export.csv", rows=60, step=60, header="time,Latency(s),errors")
    windows = tmp_path / "windows.csv"
    windows.write_text(
        "start,end,kind,metrics\n2024-03-04T00:10:00Z,2024-03-04T00:20:00Z,spike,latency_s\n"
    )
    data = importers.read(
        "csv", data_file, progress=False, windows=windows, timestamp_column="time", service="svc"
    )
    [path] = write_import(data, tmp_path / "out", progress=False)
    fixture = load_fixture(path)
    assert [m.name for m in fixture.manifest.metrics] == ["latency_s", "errors"]
    assert fixture.manifest.metrics[0].unit == "s"
    [w] = fixture.manifest.labels
    assert w.kind == "spike" and w.metrics == ["latency_s"] and w.end == T0 + timedelta(minutes=21)


def test_csv_missing_timestamp_column_and_unknown_window_metric_are_rejected(tmp_path):
    data_file = _csv(tmp_path / "export.csv", rows=30, step=60)
    windows = tmp_path / "w.csv"
    windows.write_text("start,end\n2024-03-04T00:10:00Z,2024-03-04T00:20:00Z\n")
    with pytest.raises(FixtureError, match=r"row 1 \(header\): missing column\(s\) \['ts'\]"):
        importers.read("csv", data_file, progress=False, windows=windows, timestamp_column="ts")
    windows.write_text("start,end,metrics\n2024-03-04T00:10:00Z,2024-03-04T00:20:00Z,cpu\n")
    with pytest.raises(FixtureError, match=r"w.csv: row 2: unknown metrics \['cpu'\]"):
        importers.read("csv", data_file, progress=False, windows=windows)
