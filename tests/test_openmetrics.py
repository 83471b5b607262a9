"""Fixture -> OpenMetrics export: the text promtool backfills (a real round trip through
Prometheus is pinned in test_prometheus_source.py)."""

from __future__ import annotations

import subprocess

from typer.testing import CliRunner

from sentinel.cli import _register, app
from sentinel.fixtures.openmetrics import (
    escape_label_value,
    family_name,
    format_value,
    openmetrics_lines,
)
from tests.promdata import write_fixture
from tests.servers import require_binary


def test_counters_are_typed_as_counters_and_gauges_as_gauges(tmp_path):
    lines = list(openmetrics_lines(write_fixture(tmp_path)))
    assert "# TYPE lat_p99 gauge" in lines
    assert "# TYPE http_requests counter" in lines
    assert lines[-1] == "# EOF"
    assert sum(1 for x in lines if x.startswith("# TYPE")) == 2  # two counters share a family


def test_samples_carry_labels_value_and_seconds_timestamp(tmp_path):
    lines = list(openmetrics_lines(write_fixture(tmp_path)))
    first = next(x for x in lines if x.startswith("http_requests_total{"))
    assert first == 'http_requests_total{service="t-svc"} 3000.0 1767571200'
    weird = next(x for x in lines if 'we\\"ird' in x)
    assert weird.startswith('http_requests_total{service="we\\"ird\\\\svc"} ')


def test_extra_labels_are_added_to_every_series(tmp_path):
    lines = list(openmetrics_lines(write_fixture(tmp_path), {"fixture": "t"}))
    samples = [x for x in lines if not x.startswith("#")]
    assert all('fixture="t"' in x for x in samples)


def test_escaping_and_value_formatting():
    assert escape_label_value('a"b\\c\nd') == 'a\\"b\\\\c\\nd'
    assert format_value(float("nan")) == "NaN" and format_value(float("-inf")) == "-Inf"
    assert family_name("x_total", "counter") == "x" and family_name("x_total", "gauge") == "x_total"


def test_cli_export_is_accepted_by_promtool(tmp_path):
    promtool = require_binary("promtool")
    write_fixture(tmp_path / "fx")
    _register()
    out = tmp_path / "t.om"
    result = CliRunner().invoke(
        app,
        ["fixtures", "to-openmetrics", "t-svc", str(out), "--fixtures-dir", str(tmp_path / "fx")],
    )
    assert result.exit_code == 0, result.output
    assert "promtool tsdb create-blocks-from openmetrics" in result.output
    done = subprocess.run(
        [
            promtool,
            "tsdb",
            "create-blocks-from",
            "openmetrics",
            "--max-block-duration=768h",
            str(out),
            str(tmp_path / "tsdb"),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert list((tmp_path / "tsdb").iterdir())
