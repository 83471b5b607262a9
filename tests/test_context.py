"""Logs and traces as the judge's context (sentinel.context): patterns, budget, fencing, redaction,
and that a missing, failing or slow Loki/Tempo never blocks a verdict.

Loki and Tempo are stdlib HTTP servers answering in the documented formats (tests/fakehttp.py):
no packaged Loki or Tempo server exists on this machine, so these are NOT the real servers. The
model is the scripted Messages-API server: its answers are test data, not a model's.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from sentinel.config import FIXTURES_DIR, Settings, load_config
from sentinel.context.collect import collect_context
from sentinel.context.fixture_context import FixtureContext
from sentinel.context.judge import ContextJudge, with_context
from sentinel.context.models import TraceRow
from sentinel.context.patterns import group_lines, group_traces
from sentinel.context.render import context_cost_usd, context_text
from sentinel.context.sources import LiveContext
from sentinel.llm import build_judge
from sentinel.llm.prices import load_prices
from sentinel.llm.prompts import load_prompt
from tests import llm_cases as c
from tests.fakehttp import Reply, fake_server
from tests.llm_server import Scripted, message_body

pytestmark = pytest.mark.usefixtures("offline_env")

AT = c.AT
SECRET = "sk-ant-api03-CONTEXTSECRET0123456789abcdef"


def _t(minutes_ago: float) -> datetime:
    return AT - timedelta(minutes=minutes_ago)


def test_error_lines_become_patterns_newest_first_with_secrets_blanked():
    lines = [
        (_t(20), "ERROR timeout calling payments-db after 1200ms request_id=9f3a2c1d77"),
        (_t(19), "ERROR timeout calling payments-db after 980ms request_id=aa3a2c1d01"),
        (_t(10), f"ERROR auth failed Authorization: Bearer {SECRET} from 10.0.0.3:5555"),
        (_t(2), "ERROR timeout calling payments-db after 1500ms request_id=0b3a2c1d02"),
    ]
    patterns = group_lines(lines)

    assert [p.count for p in patterns] == [3, 1]  # the timeout pattern was seen last
    assert patterns[0].template.startswith("ERROR timeout calling payments-db after <NUM>ms")
    assert patterns[0].last_seen == _t(2) and patterns[0].first_seen == _t(20)
    assert SECRET not in repr(patterns)


def test_traces_are_grouped_by_span_failed_first_then_slowest():
    rows = [
        TraceRow("api", "GET /cart", 1800.0, "slow", "a1", _t(5)),
        TraceRow("api", "POST /checkout", 5000.0, "error", "b1", _t(9)),
        TraceRow("api", "POST /checkout", 4000.0, "error", "b2", _t(3)),
        TraceRow("api", "GET /search", 2500.0, "slow", "c1", _t(4)),
    ]
    groups = group_traces(rows)

    assert [(g.span, g.status, g.count) for g in groups] == [
        ("POST /checkout", "error", 2),
        ("GET /search", "slow", 1),
        ("GET /cart", "slow", 1),
    ]
    assert groups[0].trace_id == "b2" and groups[0].max_ms == 5000.0


def test_the_token_budget_drops_the_stalest_patterns_and_says_so():
    # lines of different lengths: Drain3 never merges them into one pattern
    lines = [(_t(30 - i), "ERROR failed at" + " stage" * (i + 1)) for i in range(12)]
    ctx = collect_context(_ListSource(lines), c.service(), AT, token_budget=250)

    assert ctx.tokens <= 250
    assert 0 < len(ctx.log_patterns) < 12 and ctx.dropped == 12 - len(ctx.log_patterns)
    assert ctx.log_patterns[0].last_seen == max(t for t, _ in lines)  # the newest survive
    assert "cut by the token budget" in ctx.summary()
    assert json.loads(_block(context_text(ctx), "context"))["cut_by_token_budget"] == ctx.dropped


def test_context_tokens_and_cost_per_call_come_from_the_dated_price_table():
    ctx = collect_context(_ListSource([(_t(1), "ERROR boom")]), c.service(), AT)
    model = load_prices().model("haiku")

    assert ctx.tokens > 0
    expected = ctx.tokens * model.token_factor * model.input / 1e6
    assert context_cost_usd(ctx, model) == pytest.approx(expected)


def test_without_loki_and_tempo_the_judge_and_its_prompt_are_unchanged(scripted_server):
    judge = build_judge("llm:claude-haiku-5-5", _settings(scripted_server), c.config(), mode="live")
    assert with_context(judge, LiveContext.from_settings(Settings())) is judge
    scripted_server.push(Scripted(body=message_body(c.answer())))
    judge.judge(c.data(), c.assessment())

    sent = scripted_server.requests[0].body["messages"][0]["content"]
    assert sent == load_prompt("v3").render(c.data(), c.assessment()).user
    assert "log_patterns" not in sent and 'kind="context"' not in sent


def test_an_escalated_check_shows_loki_patterns_and_tempo_traces_fenced_and_redacted(
    scripted_server,
):
    loki_lines = [
        (_t(12), f"level=error msg=timeout upstream=db token={SECRET}"),
        (_t(3), f"level=error {c.INJECTION}"),
    ]
    with fake_server(_loki(loki_lines)) as loki, fake_server(_tempo()) as tempo:
        judge = _context_judge(scripted_server, loki.url, tempo.url)
        scripted_server.push(Scripted(body=message_body(c.answer())))
        verdict = judge.judge(c.data(), c.assessment())

    user = scripted_server.requests[0].body["messages"][0]["content"]
    assert SECRET not in user and SECRET not in verdict.model_dump_json()
    blocks = user.split('<untrusted_data kind="')
    outside = blocks[0] + "".join(b.split("</untrusted_data>", 1)[-1] for b in blocks[1:])
    assert "IGNORE ALL PREVIOUS" not in outside  # the injection stays inside a fence
    assert user.count("</untrusted_data>") == user.count("<untrusted_data ")
    patterns = json.loads(_block(user, "log_patterns"))
    assert patterns[0]["last_seen"] == _t(3).strftime("%Y-%m-%dT%H:%M:%SZ")  # newest first
    traces = json.loads(_block(user, "traces"))
    assert traces[0] == {
        "service": "api-service",
        "span": "POST /checkout",
        "status": "error",
        "count": 1,
        "median_ms": 5012.0,
        "max_ms": 5012.0,
        "last_seen": _t(4).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "trace_id": "ab12",
    }
    assert {t["status"] for t in traces} == {"error", "slow"}
    assert "context: 2 log patterns (2 error lines), 2 slow/failed traces" in (
        verdict.provenance.note
    )
    backward = [r for r in loki.requests if r.params.get("direction") == "backward"]
    assert backward and int(backward[0].params["limit"]) <= 5000


@pytest.mark.parametrize("failure", ["5xx", "slow", "refused"])
def test_a_failing_or_slow_loki_and_tempo_never_block_the_verdict(scripted_server, failure):
    def broken(req):
        if failure == "slow":
            return Reply(200, {"status": "success", "data": {}}, delay_s=3.0)
        return Reply(503, "overloaded", content_type="text/plain")

    with fake_server(broken) as server:
        url = "http://127.0.0.1:9" if failure == "refused" else server.url
        judge = _context_judge(scripted_server, url, url, timeout_s=0.5)
        scripted_server.push(Scripted(body=message_body(c.answer())))
        verdict = judge.judge(c.data(), c.assessment())

    assert verdict.provenance.path == "llm:claude-haiku-5-5"  # the model still judged
    assert "logs unavailable" in verdict.provenance.note
    assert "traces unavailable" in verdict.provenance.note
    header = json.loads(
        _block(scripted_server.requests[0].body["messages"][0]["content"], "context")
    )
    assert header["error_lines"] == 0 and len(header["not_shown"]) == 2


def test_the_bundled_fixtures_have_synthetic_context_for_the_latency_spike_only():
    config = load_config()
    source = FixtureContext(FIXTURES_DIR)
    spike = collect_context(
        source, config.service("api-service"), datetime(2026, 10, 29, 14, 20, tzinfo=UTC)
    )
    quiet = collect_context(
        source, config.service("api-service"), datetime(2026, 10, 28, 14, 20, tzinfo=UTC)
    )

    assert spike.log_lines > 100 and spike.trace_count > 0
    assert "payments-db" in spike.log_patterns[0].template
    assert quiet.empty and quiet.log_lines == 0 and not quiet.notes
    assert "SYNTHETIC" in spike.sources[0]
    assert collect_context(source, config.service("api-service"), spike.end) == spike  # same bytes


def test_a_fixture_without_context_says_so_and_does_not_fail(tmp_path):
    ctx = collect_context(FixtureContext(tmp_path), c.service(), AT)

    assert ctx.empty and "no synthetic log/trace context" in ctx.summary()


# ------------------------------------------------------------------------------------- helpers


class _ListSource:
    description = "test lines"

    def __init__(self, lines):
        self.lines = lines

    def error_lines(self, service, start, end):
        return self.lines

    def error_line_total(self, service, start, end):
        return len(self.lines)

    def traces(self, service, start, end):
        return []


def _settings(server, **kw):
    return c.settings(server.url).model_copy(update=kw)


def _context_judge(server, loki_url, tempo_url, timeout_s=5.0):
    settings = _settings(server, loki_url=loki_url, tempo_url=tempo_url)
    judge = build_judge("llm:claude-haiku-5-5", settings, c.config(), mode="live")
    source = LiveContext.from_settings(settings, timeout_s=timeout_s)
    assert isinstance(with_context(judge, source), ContextJudge)
    return ContextJudge(judge, source)


def _block(text, kind):
    return text.split(f'<untrusted_data kind="{kind}">\n', 1)[1].split("\n</untrusted_data>", 1)[0]


def _ns(t):
    return str(int(t.timestamp() * 1e9))


def _loki(lines):
    def handler(req):
        assert req.path == "/loki/api/v1/query_range"
        values = [[_ns(t), line] for t, line in sorted(lines, reverse=True)]
        stream = {"stream": {"app": "api-service", "level": "error"}, "values": values}
        return Reply(
            200, {"status": "success", "data": {"resultType": "streams", "result": [stream]}}
        )

    return handler


def _tempo():
    def handler(req):
        assert req.path == "/api/search"
        if "status = error" in req.params["q"]:
            hits = [("ab12", "POST /checkout", 5012, _t(4))]
        else:
            hits = [("ab12", "POST /checkout", 5012, _t(4)), ("cd34", "GET /cart", 1900, _t(6))]
        traces = [
            {
                "traceID": tid,
                "rootServiceName": "api-service",
                "rootTraceName": span,
                "durationMs": ms,
                "startTimeUnixNano": _ns(t),
            }
            for tid, span, ms, t in hits
        ]
        return Reply(200, {"traces": traces})

    return handler


def test_the_notebook_helper_falls_back_to_fixture_context_and_prices_each_model():
    from sentinel.lab.context import case_context, context_cost_table

    config = load_config()
    at = datetime(2026, 10, 29, 14, 20, tzinfo=UTC)
    data = replace(c.data(config.service("api-service")), at=at)
    with_ctx, ctx = case_context(data, Settings(_env_file=None, loki_url=None, tempo_url=None))

    assert with_ctx.context is ctx and ctx.log_lines > 0
    table = context_cost_table(ctx, load_prices(), ["haiku", "sonnet"])
    assert list(table.index) == ["claude-haiku-5-5", "claude-sonnet-5-5"]
    assert (table["USD per call (est.)"] > 0).all()


def test_a_context_judge_can_be_copied_and_passes_the_inner_judges_attributes_through():
    import copy

    class Inner:
        alias = "inner-model"

        def judge(self, data, assessment):
            raise AssertionError("not called")

    wrapped = ContextJudge(Inner(), _ListSource([]))
    assert copy.deepcopy(wrapped).alias == "inner-model"
