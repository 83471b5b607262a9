"""LokiSource and TempoSource against a local stdlib HTTP server answering in the documented
Loki (/loki/api/v1/query_range) and Tempo (/api/search, /api/traces/<id>) formats. No packaged
Loki or Tempo server exists on this machine, so these are NOT tests against the real servers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sentinel.config import ServiceConfig, Settings
from sentinel.errors import ConfigError, SourceError
from sentinel.sources.http import JsonClient
from sentinel.sources.loki import LokiSource, service_selector
from sentinel.sources.tempo import TempoSource, service_filter, span_count
from tests.fakehttp import Reply, fake_server
from tests.servers import free_port

T0 = datetime(2026, 3, 1, tzinfo=UTC)
NS = 1_000_000_000
WEIRD = 'we"ird\\svc'


def _service(name="api", selector=None):
    return ServiceConfig(
        name=name,
        interval_seconds=60,
        loki_selector=selector or {},
        metrics=[{"name": "m", "query": "up"}],
    )


def _client(url, name="Loki", **kw):
    return JsonClient(name, url, timeout_s=kw.pop("timeout_s", 5), backoff_s=0.01, **kw)


class FakeLoki:
    """Serves `entries` (ns, line) like Loki: start inclusive, end exclusive, forward, limit."""

    def __init__(self, entries, cap=5000):
        self.entries = sorted(entries)
        self.cap = cap

    def __call__(self, req):
        p = req.params
        limit = int(p.get("limit", 100))
        if limit > self.cap:
            return Reply(
                400,
                f"max entries limit per query exceeded, limit > max_entries_limit ({limit} > {self.cap})",
                content_type="text/plain",
            )
        assert p["direction"] == "forward"
        start, end = int(p["start"]), int(p["end"])
        hits = [e for e in self.entries if start <= e[0] < end][:limit]
        stream = {"stream": {"app": "api"}, "values": [[str(ts), line] for ts, line in hits]}
        return Reply(
            200,
            {
                "status": "success",
                "data": {"resultType": "streams", "result": [stream] if hits else [], "stats": {}},
            },
        )


def _entries(n):
    # several entries share a timestamp, so page boundaries fall inside same-ns groups
    return [(int((T0 + timedelta(seconds=i // 3)).timestamp() * NS), f"line {i}") for i in range(n)]


def test_loki_pages_forward_never_asking_above_5000_and_loses_nothing():
    entries = _entries(12_345)
    with fake_server(FakeLoki(entries)) as server:
        loki = LokiSource(_client(server.url))
        frame = loki.lines('{app="api"}', T0, T0 + timedelta(hours=2), max_entries=50_000)
    assert frame["line"].tolist() == [line for _, line in sorted(entries)]
    assert frame.attrs["truncated"] is False
    assert len(server.requests) >= 3
    assert all(int(r.params["limit"]) <= 5000 for r in server.requests)
    assert all(r.params["direction"] == "forward" for r in server.requests)
    assert str(frame["timestamp"].dt.tz) == "UTC"


def test_loki_with_a_lower_server_cap_splits_into_smaller_pages():
    entries = _entries(3_000)
    with fake_server(FakeLoki(entries, cap=700)) as server:
        frame = LokiSource(_client(server.url)).lines('{app="api"}', T0, T0 + timedelta(hours=2))
    assert len(frame) == 3_000
    assert any(r.params["limit"] == "625" for r in server.requests)


def test_loki_max_entries_truncates_and_says_so():
    with fake_server(FakeLoki(_entries(900))) as server:
        frame = LokiSource(_client(server.url)).lines(
            '{app="api"}', T0, T0 + timedelta(hours=2), max_entries=500
        )
    assert len(frame) == 500 and frame.attrs["truncated"] is True


def test_service_name_with_quotes_and_backslashes_cannot_break_the_selector():
    assert service_selector(_service(selector={"app": WEIRD})) == '{app="we\\"ird\\\\svc"}'
    assert service_selector(_service(name="db")) == '{service="db"}'
    with pytest.raises(ConfigError, match="invalid label name"):
        service_selector(_service(selector={'app"} or {x="': "y"}))


def test_error_counts_quote_the_selector_and_fill_quiet_windows_with_zero():
    t1, t3 = T0 + timedelta(minutes=1), T0 + timedelta(minutes=3)
    matrix = {
        "status": "success",
        "data": {
            "resultType": "matrix",
            "result": [{"metric": {}, "values": [[t1.timestamp(), "4"], [t3.timestamp(), "2"]]}],
        },
    }
    with fake_server(lambda req: Reply(200, matrix)) as server:
        loki = LokiSource(_client(server.url))
        counts = loki.error_counts(
            _service(selector={"app": WEIRD}), T0, T0 + timedelta(minutes=4), 60
        )
    query = server.requests[0].params["query"]
    assert query.startswith('sum(count_over_time({app="we\\"ird\\\\svc"} |~ "(?i)(error|')
    assert query.endswith(" [60s]))")
    assert counts.tolist() == [0.0, 4.0, 0.0, 2.0, 0.0]
    assert str(counts.index.tz) == "UTC"


def test_5xx_is_retried_a_bounded_number_of_times():
    reply = Reply(502, "bad gateway", content_type="text/plain")
    with (
        fake_server(lambda req: reply) as server,
        pytest.raises(SourceError, match="HTTP 502"),
    ):
        LokiSource(_client(server.url, attempts=3)).lines('{a="b"}', T0, T0 + timedelta(hours=1))
    assert len(server.requests) == 3


def test_a_transient_5xx_then_success_recovers():
    replies = iter([Reply(503, "overloaded", content_type="text/plain")])
    ok = FakeLoki(_entries(10))
    with fake_server(lambda req: next(replies, None) or ok(req)) as server:
        frame = LokiSource(_client(server.url)).lines('{app="api"}', T0, T0 + timedelta(hours=1))
    assert len(frame) == 10 and len(server.requests) == 2


def test_4xx_is_not_retried_and_shows_the_server_message():
    reply = Reply(400, "parse error at line 1, col 5: syntax error", content_type="text/plain")
    with (
        fake_server(lambda req: reply) as server,
        pytest.raises(SourceError, match="parse error at line 1"),
    ):
        LokiSource(_client(server.url)).lines("{bad", T0, T0 + timedelta(hours=1))
    assert len(server.requests) == 1


def test_slow_loki_times_out_with_the_limit_in_the_message():
    with (
        fake_server(lambda req: Reply(200, {}, delay_s=2)) as server,
        pytest.raises(SourceError, match=r"within 0\.2s"),
    ):
        LokiSource(_client(server.url, timeout_s=0.2)).lines('{a="b"}', T0, T0 + timedelta(hours=1))
    assert len(server.requests) == 1


def test_tenant_header_comes_from_settings():
    with fake_server(FakeLoki(_entries(3))) as server:
        loki = LokiSource.from_settings(Settings(loki_url=server.url, loki_tenant="team-a|team-b"))
        loki.lines('{app="api"}', T0, T0 + timedelta(hours=1))
    assert server.requests[0].headers["X-Scope-OrgID"] == "team-a|team-b"


def test_missing_url_and_down_server_are_clear_errors():
    with pytest.raises(ConfigError, match="LOKI_URL"):
        LokiSource.from_settings(Settings(loki_url=None))
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(SourceError, match=f"cannot reach Tempo at {url}"):
        TempoSource(_client(url, name="Tempo", attempts=1)).search(
            "{}", T0, T0 + timedelta(hours=1)
        )


SEARCH = {
    "traces": [
        {
            "traceID": "2f3e0cee77ae5dc9c17ade3689eb2e54",
            "rootServiceName": "api",
            "rootTraceName": "GET /a",
            "startTimeUnixNano": str(int(T0.timestamp() * NS)),
            "durationMs": 1200,
        },
        {
            "traceID": "abc",
            "rootServiceName": "api",
            "rootTraceName": "GET /b",
            "startTimeUnixNano": str(int(T0.timestamp() * NS)),
            "durationMs": 4100,
        },
    ],
    "metrics": {"inspectedTraces": 10},
}


def test_tempo_search_sends_traceql_with_start_end_and_parses_hits():
    with fake_server(lambda req: Reply(200, SEARCH)) as server:
        hits = TempoSource(_client(server.url, name="Tempo")).search(
            "{ status = error }", T0, T0 + timedelta(hours=1), limit=5
        )
    p = server.requests[0].params
    assert (p["q"], p["start"], p["end"], p["limit"]) == (
        "{ status = error }",
        str(int(T0.timestamp())),
        str(int(T0.timestamp()) + 3600),
        "5",
    )
    assert hits[0].trace_id == "2f3e0cee77ae5dc9c17ade3689eb2e54" and hits[0].start == T0
    assert hits[1].duration_ms == 4100


def test_tempo_summary_quotes_the_service_and_orders_slow_traces():
    with fake_server(lambda req: Reply(200, SEARCH)) as server:
        summary = TempoSource(_client(server.url, name="Tempo")).summary(
            WEIRD, T0, T0 + timedelta(hours=1), slow_ms=1000, limit=2
        )
    queries = [r.params["q"] for r in server.requests]
    assert queries == [
        '{ resource.service.name = "we\\"ird\\\\svc" && duration > 1000ms }',
        '{ resource.service.name = "we\\"ird\\\\svc" && status = error }',
    ]
    assert [h.duration_ms for h in summary.slow] == [4100, 1200]
    assert summary.slow_capped and summary.errors_capped


def test_tempo_trace_fetch_validates_the_id_and_counts_spans():
    trace = {
        "batches": [{"resource": {}, "scopeSpans": [{"spans": [{"spanId": "a"}, {"spanId": "b"}]}]}]
    }
    with fake_server(lambda req: Reply(200, trace)) as server:
        tempo = TempoSource(_client(server.url, name="Tempo"))
        assert span_count(tempo.trace("2f3e0cee77ae5dc9")) == 2
        with pytest.raises(ConfigError, match="not a trace id"):
            tempo.trace("../../api/echo")
    assert [r.path for r in server.requests] == ["/api/traces/2f3e0cee77ae5dc9"]
    assert service_filter("db") == '{ resource.service.name = "db" }'
