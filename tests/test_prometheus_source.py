"""PrometheusSource against a REAL Prometheus (Debian binary, TSDB backfilled via promtool from a
fixture built here), plus the failures a real server will not produce on demand (5xx, slow,
not-Prometheus) from a local stdlib HTTP server."""

from __future__ import annotations

import itertools
from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from sentinel.config import MetricConfig, Settings
from sentinel.errors import ConfigError, SourceError
from sentinel.sources.base import MetricSource
from sentinel.sources.fixture_source import FixtureSource
from sentinel.sources.prometheus import PrometheusSource, result_frame, split_range
from sentinel.sources.selectors import selector
from tests.fakehttp import Reply, fake_server
from tests.promdata import (
    COUNTER_GAP,
    END,
    GAUGE_GAP,
    RESET_AT,
    SERVICE,
    START,
    STEP,
    WEIRD,
    served_fixture,
    service_config,
)
from tests.servers import free_port

pytestmark = pytest.mark.prometheus


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    with served_fixture(tmp_path_factory.mktemp("prom")) as s:
        yield s


@pytest.fixture(scope="module")
def source(served):
    with PrometheusSource(served.prometheus.url, timeout_s=20, retries=0) as src:
        yield src


def _fixture_and_prom(served, source, name):
    svc = service_config()
    metric = svc.metric(name)
    prom = source.range(svc, metric, START, END, STEP)
    fix = FixtureSource(served.fixtures_dir).range(svc, metric, START, END, STEP)
    return prom, fix


def test_prometheus_source_satisfies_the_metric_source_protocol(source):
    assert isinstance(source, MetricSource)
    assert source.description.startswith("prometheus:http://127.0.0.1:")


def test_gauge_read_from_prometheus_equals_fixture_values_including_the_gap(served, source):
    prom, fix = _fixture_and_prom(served, source, "latency_p99")
    assert str(prom.index.tz) == "UTC" and prom.index.name == "timestamp"
    assert prom.dtype == "float64" and len(prom) > 2500
    pd.testing.assert_index_equal(prom.index.as_unit("ns"), fix.index.as_unit("ns"))
    np.testing.assert_allclose(prom.to_numpy(), fix.to_numpy(), rtol=1e-12)
    # a 20-minute gap: the 5-minute lookback bridges its start, then rows are missing
    inside = prom[(prom.index >= GAUGE_GAP[0] + timedelta(minutes=5)) & (prom.index < GAUGE_GAP[1])]
    assert inside.empty


def test_counter_rate_from_prometheus_matches_fixture_source_rate(served, source):
    prom, fix = _fixture_and_prom(served, source, "request_rate")
    common = prom.index.intersection(fix.index)
    assert len(common) > 2500
    # Prometheus extrapolates at the edges of data (start, gap, reset) and FixtureSource does not;
    # compare where the 5-minute window holds none of those edges.
    edges = [START, RESET_AT, *COUNTER_GAP]
    window = pd.Timedelta(minutes=6)
    clear = [t for t in common if not any(t - window <= e <= t for e in edges)]
    rel = ((prom[clear] - fix[clear]) / fix[clear]).abs()
    assert len(clear) > 2400
    assert rel.max() < 0.01
    assert rel.median() < 0.002


def test_query_range_gives_a_tidy_frame_with_label_columns(source):
    frame = source.query_range("http_requests_total", START, START + timedelta(minutes=9), STEP)
    assert list(frame.columns) == ["timestamp", "__name__", "service", "value"]
    assert str(frame["timestamp"].dt.tz) == "UTC"
    assert frame["value"].dtype == "float64"
    assert set(frame["service"]) == {SERVICE, WEIRD}
    assert len(frame) == 20


def test_long_ranges_are_split_and_give_the_same_answer(served):
    query = service_config().metric("request_rate").query
    with PrometheusSource(served.prometheus.url, timeout_s=20, retries=0, max_points=97) as small:
        chunked = small.query_range(query, START, END, STEP)
    with PrometheusSource(served.prometheus.url, timeout_s=20, retries=0) as big:
        whole = big.query_range(query, START, END, STEP)
    pd.testing.assert_frame_equal(chunked, whole)


def test_split_range_never_exceeds_the_point_limit_and_keeps_the_grid():
    end = START + timedelta(days=35)
    chunks = split_range(START, end, 60, 11_000)
    points = [int((b - a).total_seconds() // 60) + 1 for a, b in chunks]
    assert max(points) <= 11_000
    assert sum(points) == 35 * 1440 + 1
    assert all((b2 - b1) == timedelta(minutes=1) for (_, b1), (b2, _) in itertools.pairwise(chunks))


def test_label_value_with_quote_and_backslash_round_trips(source):
    query = f"sum(rate({selector({'service': WEIRD}, 'http_requests_total')}[5m]))"
    frame = source.query_range(query, START + timedelta(hours=1), START + timedelta(hours=2), STEP)
    assert len(frame) == 61
    np.testing.assert_allclose(frame["value"], 2.0)
    raw = source.instant(
        selector({"service": WEIRD}, "http_requests_total"), START + timedelta(hours=1)
    )
    assert raw["service"].tolist() == [WEIRD]


def test_metric_query_returning_several_series_says_wrap_it_in_sum(source):
    svc = service_config()
    metric = MetricConfig(name="by_service", query="rate(http_requests_total[5m])", type="counter")
    with pytest.raises(SourceError, match=r"2 series .*sum\(") as err:
        source.range(svc, metric, START, START + timedelta(hours=1), STEP)
    assert "by_service" in str(err.value)


def test_bad_promql_names_the_query_and_the_server_message(source):
    with pytest.raises(SourceError) as err:
        source.query_range("sum(rate(http_requests_total[5m]", START, END, STEP)
    text = str(err.value)
    assert "rejected query 'sum(rate(http_requests_total[5m]'" in text
    assert "parse error" in text


def test_empty_result_is_no_data_not_an_error(source):
    svc = service_config()
    metric = MetricConfig(name="nothing", query='sum(no_such_metric{job="x"})')
    series = source.range(svc, metric, START, END, STEP)
    assert series.empty and str(series.index.tz) == "UTC"
    assert source.query_range("no_such_metric", START, END, STEP).empty


def test_inf_values_from_the_server_are_kept_and_nan_is_dropped(source):
    """+Inf latency (a quantile beyond the last bucket, x/0) is a real reading, not missing data;
    NaN (0/0, stale markers) is a gap."""
    svc = service_config()
    inf = MetricConfig(name="inf", query=f"max({selector({'service': SERVICE}, 'lat_p99')}) / 0")
    nan = MetricConfig(
        name="nan", query=f"max({selector({'service': SERVICE}, 'lat_p99')}) * 0 / 0"
    )
    got = source.range(svc, inf, START, START + timedelta(hours=1), STEP)
    assert len(got) > 0 and np.isposinf(got.to_numpy()).all()
    assert source.range(svc, nan, START, START + timedelta(hours=1), STEP).empty


def test_result_frame_keeps_infinities_and_drops_nan_of_mixed_series():
    result = [
        {
            "metric": {"a": "1"},
            "values": [[1.0, "1.5"], [2.0, "NaN"], [3.0, "+Inf"], [4.0, "-Inf"], [5.0, "2"]],
        }
    ]
    frame = result_frame(result)
    assert frame["value"].tolist() == [1.5, np.inf, -np.inf, 2.0]
    assert frame["timestamp"].tolist() == [
        pd.Timestamp(t, unit="s", tz="UTC") for t in (1, 3, 4, 5)
    ]


def test_server_down_names_the_url():
    url = f"http://127.0.0.1:{free_port()}"
    with PrometheusSource(url, timeout_s=2, retries=0) as src, pytest.raises(SourceError) as err:
        src.query_range("up", START, END, STEP)
    assert f"cannot reach Prometheus at {url}" in str(err.value)


def test_5xx_is_retried_a_bounded_number_of_times_then_reported():
    body = {"status": "error", "errorType": "unavailable", "error": "too many queries"}
    with fake_server(lambda req: Reply(503, body)) as server:
        with (
            PrometheusSource(server.url, timeout_s=5, retries=1) as src,
            pytest.raises(SourceError) as err,
        ):
            src.query_range("up", START, START + timedelta(hours=1), STEP)
        assert len(server.requests) == 2
    assert "HTTP 503" in str(err.value) and "too many queries" in str(err.value)


def test_slow_server_times_out_with_the_limit_in_the_message():
    with fake_server(lambda req: Reply(200, {"status": "success"}, delay_s=2.0)) as server:
        with (
            PrometheusSource(server.url, timeout_s=0.3, retries=2) as src,
            pytest.raises(SourceError) as err,
        ):
            src.query_range("up", START, START + timedelta(hours=1), STEP)
        assert len(server.requests) == 1  # read timeouts are not retried
    assert "within 0.3s" in str(err.value) and "'up'" in str(err.value)


def test_a_server_that_is_not_prometheus_is_reported_as_such():
    with (
        fake_server(
            lambda req: Reply(200, "<html>login</html>", content_type="text/html")
        ) as server,
        PrometheusSource(server.url, timeout_s=5, retries=0) as src,
        pytest.raises(SourceError, match="not Prometheus API JSON"),
    ):
        src.instant("up", START)


def test_token_and_tenant_from_settings_reach_the_server():
    ok = {"status": "success", "data": {"resultType": "vector", "result": []}}
    with fake_server(lambda req: Reply(200, ok)) as server:
        settings = Settings(
            prometheus_url=server.url,
            prometheus_token="s3cret",
            prometheus_tenant="team-a",
            prometheus_timeout_s=4,
        )
        with PrometheusSource.from_settings(settings) as src:
            assert src.instant("up", START).empty
            assert src.timeout_s == 4
        headers = server.requests[0].headers
        assert headers["Authorization"] == "Bearer s3cret"
        assert headers["X-Scope-OrgID"] == "team-a"
        assert server.requests[0].params["timeout"] == "4s"


def test_basic_auth_from_settings_reaches_the_server():
    ok = {"status": "success", "data": {"resultType": "vector", "result": []}}
    with fake_server(lambda req: Reply(200, ok)) as server:
        settings = Settings(
            prometheus_url=server.url, prometheus_username="u", prometheus_password="p"
        )
        with PrometheusSource.from_settings(settings) as src:
            src.instant("up", START)
        assert server.requests[0].headers["Authorization"] == "Basic dTpw"


def test_missing_url_is_a_config_error():
    with pytest.raises(ConfigError, match="PROMETHEUS_URL"):
        PrometheusSource.from_settings(Settings(prometheus_url=None))


def test_unauthorised_says_which_settings_to_check():
    reply = Reply(401, "unauthorized", content_type="text/plain")
    with (
        fake_server(lambda req: reply) as server,
        PrometheusSource(server.url, timeout_s=5, retries=0) as src,
        pytest.raises(SourceError, match="PROMETHEUS_TOKEN"),
    ):
        src.instant("up", START)
