"""`sentinel label add|list|remove`: validated, atomic edits of a fixture manifest."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from sentinel.cli import _register, app
from sentinel.cli.record import parse_time
from sentinel.errors import ConfigError, FixtureError
from sentinel.fixtures.files import load_fixture, read_manifest, save_fixture
from sentinel.fixtures.labels import add_label
from sentinel.models import GeneratorInfo, LabelledWindow, Status
from tests.promdata import build_frame, manifest, write_fixture


def _run(*args):
    _register()
    return CliRunner().invoke(app, list(args))


def test_add_list_remove_round_trip(tmp_path):
    write_fixture(tmp_path)
    d = ["--fixtures-dir", str(tmp_path)]
    r = _run(
        "label",
        "add",
        "t-svc",
        "--start",
        "2026-01-05T10:00Z",
        "--end",
        "2026-01-05T11:00",
        "--kind",
        "latency_spike",
        "--severity",
        "WARNING",
        "--metrics",
        "latency_p99,request_rate",
        *d,
    )
    assert r.exit_code == 0, r.output
    r = _run(
        "label",
        "add",
        "t-svc",
        "--start",
        "2026-01-06T06:00Z",
        "--end",
        "2026-01-06T07:00Z",
        "--kind",
        "scrape_gap",
        "--hard-negative",
        *d,
    )
    assert r.exit_code == 0, r.output
    listed = _run("label", "list", "t-svc", *d)
    assert "latency_spike" in listed.output and "hard-negative" in listed.output
    labels = read_manifest(tmp_path / "t-svc.yaml").labels
    assert labels[0].min_severity == Status.WARNING and labels[0].metrics == [
        "latency_p99",
        "request_rate",
    ]
    assert labels[0].end == datetime(2026, 1, 5, 11, tzinfo=UTC)  # no offset means UTC
    assert _run("label", "remove", "t-svc", "0", *d).exit_code == 0
    assert [w.kind for w in read_manifest(tmp_path / "t-svc.yaml").labels] == ["scrape_gap"]
    load_fixture("t-svc", tmp_path)  # data and sha256 untouched


def test_invalid_label_is_rejected_and_the_manifest_is_unchanged(tmp_path):
    write_fixture(tmp_path)
    before = (tmp_path / "t-svc.yaml").read_bytes()
    outside = LabelledWindow(
        start=datetime(2027, 1, 1, tzinfo=UTC),
        end=datetime(2027, 1, 2, tzinfo=UTC),
        kind="x",
        min_severity=Status.CRITICAL,
    )
    with pytest.raises(ConfigError, match="outside the fixture range"):
        add_label(tmp_path / "t-svc.yaml", outside)
    unknown = outside.model_copy(
        update={
            "start": datetime(2026, 1, 5, 1, tzinfo=UTC),
            "end": datetime(2026, 1, 5, 2, tzinfo=UTC),
            "metrics": ["nope"],
        }
    )
    with pytest.raises(ConfigError, match="unknown metrics"):
        add_label(tmp_path / "t-svc.yaml", unknown)
    r = _run(
        "label",
        "add",
        "t-svc",
        "--start",
        "2026-01-05T10:00Z",
        "--end",
        "2026-01-05T11:00Z",
        "--kind",
        "k",
        "--severity",
        "WATCH",
        "--fixtures-dir",
        str(tmp_path),
    )
    assert r.exit_code != 0 and "WARNING or CRITICAL" in str(r.exception)
    assert (tmp_path / "t-svc.yaml").read_bytes() == before
    assert not list(tmp_path.glob("*.tmp"))


def test_removing_a_missing_index_says_how_many_exist(tmp_path):
    write_fixture(tmp_path)
    r = _run("label", "remove", "t-svc", "3", "--fixtures-dir", str(tmp_path))
    assert isinstance(r.exception, FixtureError) and "has 0" in str(r.exception)


def test_synthetic_fixtures_need_force(tmp_path):
    m = manifest().model_copy(
        update={"kind": "synthetic", "generator": GeneratorInfo(name="g", version="1", seed=1)}
    )
    save_fixture(m, build_frame(), tmp_path)
    window = LabelledWindow(
        start=datetime(2026, 1, 5, 1, tzinfo=UTC),
        end=datetime(2026, 1, 5, 2, tzinfo=UTC),
        kind="k",
        hard_negative=True,
    )
    with pytest.raises(FixtureError, match="synthetic"):
        add_label(tmp_path / "t-svc.yaml", window)
    assert len(add_label(tmp_path / "t-svc.yaml", window, force=True).labels) == 1


def test_parse_time_accepts_iso_and_relative_times():
    assert parse_time("2026-01-05T10:00:00+02:00") == datetime(2026, 1, 5, 8, tzinfo=UTC)
    assert parse_time("now-1d") < parse_time("now")
    with pytest.raises(ConfigError, match="bad time"):
        parse_time("yesterday")
