"""Fixture files: manifests are validated with errors naming file and key, and a fixture whose
manifest and data disagree is refused with a FixtureError."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sentinel.errors import ConfigError, FixtureError
from sentinel.fixtures.files import list_fixtures, load_fixture, save_fixture
from sentinel.models import FixtureManifest

T0 = datetime(2026, 10, 1, tzinfo=UTC)


def _manifest(**over) -> FixtureManifest:
    body = {
        "name": "tiny",
        "service": "api-service",
        "kind": "synthetic",
        "step_seconds": 60,
        "start": T0,
        "end": T0 + timedelta(hours=2),
        "data_file": "tiny.parquet",
        "generator": {"name": "test", "version": "0", "seed": 1},
        "metrics": [
            {"name": "latency_p99", "series": 'p99{s="a"}', "type": "gauge"},
            {"name": "request_rate", "series": 'req_total{s="a"}', "type": "counter"},
        ],
        "labels": [
            {
                "start": T0 + timedelta(minutes=30),
                "end": T0 + timedelta(minutes=40),
                "kind": "latency_spike",
                "min_severity": "WARNING",
                "metrics": ["latency_p99"],
            }
        ],
    }
    return FixtureManifest.model_validate({**body, **over})


def _data(metrics=("latency_p99", "request_rate"), minutes=120, start=T0) -> pd.DataFrame:
    ts = pd.date_range(start, periods=minutes, freq="min", tz="UTC")
    frames = [
        pd.DataFrame({"timestamp": ts, "metric": m, "value": range(minutes)}).astype(
            {"value": "float64"}
        )
        for m in metrics
    ]
    return pd.concat(frames, ignore_index=True)


@pytest.fixture
def saved(tmp_path) -> Path:
    return save_fixture(_manifest(), _data(), tmp_path)


def test_save_then_load_round_trips(saved):
    fixture = load_fixture(saved)
    assert fixture.manifest.name == "tiny"
    assert fixture.manifest.sha256 is not None
    assert len(fixture.data) == 240
    raw = fixture.raw("request_rate")
    assert str(raw.index.tz) == "UTC" and raw.is_monotonic_increasing
    assert list_fixtures(saved.parent) == ["tiny"]


def test_saving_twice_gives_the_same_bytes(tmp_path):
    a = save_fixture(_manifest(), _data(), tmp_path / "a")
    b = save_fixture(_manifest(), _data(), tmp_path / "b")
    assert a.read_bytes() == b.read_bytes()
    assert (a.parent / "tiny.parquet").read_bytes() == (b.parent / "tiny.parquet").read_bytes()
    assert not list((tmp_path / "a").glob("*.tmp"))


def _rewrite(path: Path, edit) -> None:
    body = yaml.safe_load(path.read_text())
    edit(body)
    path.write_text(yaml.safe_dump(body, sort_keys=False))


def _error(path: Path) -> str:
    with pytest.raises((ConfigError, FixtureError)) as info:
        load_fixture(path)
    return str(info.value)


def test_window_outside_the_range_names_file_and_label(saved):
    _rewrite(saved, lambda b: b["labels"][0].update(end="2026-10-02T00:00:00Z"))
    msg = _error(saved)
    assert str(saved) in msg and "labels.0" in msg and "outside the fixture range" in msg


def test_hard_negative_with_a_severity_names_file_and_label(saved):
    _rewrite(saved, lambda b: b["labels"][0].update(hard_negative=True))
    msg = _error(saved)
    assert str(saved) in msg and "labels.0" in msg and "hard negative has no min_severity" in msg


def test_window_naming_an_unknown_metric_names_file_label_and_metric(saved):
    _rewrite(saved, lambda b: b["labels"][0].update(metrics=["cpu_usage"]))
    msg = _error(saved)
    assert str(saved) in msg and "labels.0" in msg and "cpu_usage" in msg


def test_unknown_manifest_key_names_file_and_key(saved):
    _rewrite(saved, lambda b: b.update(colour="blue"))
    msg = _error(saved)
    assert f"{saved}: colour: unknown key" in msg


def test_unknown_key_inside_a_label_names_its_path(saved):
    _rewrite(saved, lambda b: b["labels"][0].update(severity="WARNING"))
    assert f"{saved}: labels.0.severity: unknown key" in _error(saved)


def test_data_with_a_metric_the_manifest_lacks_is_refused(tmp_path):
    path = save_fixture(_manifest(), _data(("latency_p99", "request_rate", "cpu")), tmp_path)
    msg = _error(path)
    assert isinstance(_exc(path), FixtureError)
    assert "not in manifest" in msg and "cpu" in msg


def test_manifest_metric_with_no_data_is_refused(tmp_path):
    path = save_fixture(_manifest(), _data(("latency_p99",)), tmp_path)
    assert isinstance(_exc(path), FixtureError)
    assert "no data" in _error(path) and "request_rate" in _error(path)


def test_data_not_matching_the_sha256_is_refused(saved):
    other = save_fixture(_manifest(), _data(minutes=100), saved.parent / "other")
    (saved.parent / "tiny.parquet").write_bytes((other.parent / "tiny.parquet").read_bytes())
    assert isinstance(_exc(saved), FixtureError)
    assert "sha256" in _error(saved)


def test_data_outside_the_manifest_range_is_refused(tmp_path):
    path = save_fixture(_manifest(), _data(start=T0 + timedelta(hours=1)), tmp_path)
    assert isinstance(_exc(path), FixtureError)
    assert "outside manifest" in _error(path)


def test_missing_fixture_and_missing_data_file_are_clear(saved):
    assert "no such fixture" in _error(saved.parent / "nope.yaml")
    (saved.parent / "tiny.parquet").unlink()
    assert "does not exist" in _error(saved)


def test_unreadable_parquet_is_refused(saved):
    _rewrite(saved, lambda b: b.pop("sha256"))
    (saved.parent / "tiny.parquet").write_bytes(b"not parquet")
    assert isinstance(_exc(saved), FixtureError)
    assert "unreadable parquet" in _error(saved)


def _exc(path: Path) -> Exception:
    with pytest.raises((ConfigError, FixtureError)) as info:
        load_fixture(path)
    return info.value
