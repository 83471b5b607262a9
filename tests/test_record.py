"""`sentinel record` against a REAL Prometheus: recording the served fixture reproduces it."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from sentinel.cli import _register, app
from sentinel.config import MetricConfig, ServiceConfig
from sentinel.errors import ConfigError, SourceError
from sentinel.fixtures.files import load_fixture
from sentinel.fixtures.record import combine_counters, record, recorded_series, redact
from sentinel.sources.fixture_source import FixtureSource
from sentinel.sources.prometheus import PrometheusSource
from tests.promdata import END, START, STEP, served_fixture, service_config

pytestmark = pytest.mark.prometheus


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    with served_fixture(tmp_path_factory.mktemp("prom-rec")) as s:
        yield s


def test_recording_from_prometheus_reproduces_the_fixture(served, tmp_path):
    svc = service_config()
    calls = []
    with PrometheusSource(served.prometheus.url, timeout_s=20, retries=0) as src:
        manifest, data = record(src, svc, START, END, STEP, "rec", progress=calls.append)
    assert manifest.kind == "recorded" and manifest.source_url == served.prometheus.url
    assert len(calls) > 3
    original = served.fixture
    for name in ("latency_p99", "request_rate", "weird_rate"):
        got = data[data["metric"] == name]
        want = original.raw(name)
        np.testing.assert_array_equal(
            pd.DatetimeIndex(got["timestamp"]).as_unit("ms").asi8, want.index.as_unit("ms").asi8
        )
        np.testing.assert_allclose(got["value"], want.to_numpy(), rtol=1e-12)
    assert {m.name: m.series for m in manifest.metrics} == {
        m.name: m.series for m in original.manifest.metrics
    }
    # and reading the recording back gives what the original fixture gives
    from sentinel.fixtures.files import save_fixture

    save_fixture(manifest, data, tmp_path)
    metric = svc.metric("latency_p99")
    back = FixtureSource(tmp_path).range(
        svc.model_copy(update={"fixture": "rec"}), metric, START, END, STEP
    )
    orig = FixtureSource(served.fixtures_dir).range(svc, metric, START, END, STEP)
    pd.testing.assert_series_equal(back, orig, check_index_type=False, check_freq=False)


def test_record_cli_writes_a_loadable_fixture(served, tmp_path):
    _register()
    svc = service_config()
    config = tmp_path / "services.yaml"
    config.write_text(
        yaml.safe_dump({"version": 1, "services": [svc.model_dump(mode="json", exclude_none=True)]})
    )
    out = tmp_path / "fixtures"
    args = [
        "record",
        "--service",
        svc.name,
        "--start",
        START.isoformat(),
        "--end",
        (START + timedelta(hours=6)).isoformat(),
        "--url",
        served.prometheus.url,
        "--out",
        str(out),
        "--name",
        "cli-rec",
        "--config",
        str(config),
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    fixture = load_fixture("cli-rec", out)
    assert fixture.manifest.step_seconds == 60
    assert len(fixture.raw("request_rate")) == 6 * 60 + 1
    again = CliRunner().invoke(app, args)
    assert again.exit_code != 0 and "exists" in str(again.exception)


def test_recording_a_metric_with_no_data_fails_and_writes_nothing(served):
    svc = ServiceConfig(
        name="x",
        interval_seconds=60,
        metrics=[MetricConfig(name="m", query="sum(rate(nope_total[5m]))", type="counter")],
    )
    with (
        PrometheusSource(served.prometheus.url, timeout_s=20, retries=0) as src,
        pytest.raises(SourceError, match="no samples"),
    ):
        record(src, svc, START, START + timedelta(hours=1), STEP, "x")


def test_counter_series_comes_from_inside_rate_or_the_series_override():
    svc = service_config()
    assert (
        recorded_series(svc, svc.metric("request_rate")) == 'http_requests_total{service="t-svc"}'
    )
    assert recorded_series(svc, svc.metric("latency_p99")) == 'lat_p99{service="t-svc"}'
    ratio = MetricConfig(
        name="r", query="sum(rate(a_total[5m])) / sum(rate(b_total[5m]))", type="counter"
    )
    with pytest.raises(ConfigError, match="series:"):
        recorded_series(svc, ratio)
    assert recorded_series(svc, ratio.model_copy(update={"series": "a_total"})) == "a_total"
    odd = MetricConfig(name="q", query="histogram_quantile(0.99, sum by (le) (rate(h_bucket[5m])))")
    assert recorded_series(svc, odd) == 'sentinel_recorded_q{service="t-svc"}'


def test_several_counter_series_are_summed_without_their_resets():
    t = pd.date_range(START, periods=4, freq="60s", tz="UTC")
    frame = pd.DataFrame(
        {
            "timestamp": list(t) + list(t),
            "pod": ["a"] * 4 + ["b"] * 4,
            "value": [10, 20, 5, 15, 100, 110, 120, 130],  # pod a restarts after 20
        }
    )
    combined = combine_counters(frame, START, 60)
    assert combined.tolist() == [0, 20, 35, 55]


def test_redact_drops_credentials_from_urls():
    assert (
        redact("https://user:pw@mimir.example:8080/prometheus")
        == "https://mimir.example:8080/prometheus"
    )
