"""The LLM judge through the real anthropic SDK over HTTP to a scripted server on 127.0.0.1."""

from __future__ import annotations

import dataclasses
import json

import pytest

from sentinel.agent import Agent
from sentinel.errors import ConfigError, LLMError
from sentinel.llm import build_judge
from sentinel.llm.prices import load_prices
from sentinel.models import Status
from tests import llm_cases as c
from tests.llm_server import Scripted, error_body, message_body

pytestmark = pytest.mark.usefixtures("offline_env")


@pytest.fixture
def server(scripted_server):
    return scripted_server


def judge_for(server, strategy="llm:claude-haiku-5-5", **llm):
    return build_judge(strategy, c.settings(server.url), c.config(**llm), mode="live")


def test_success_maps_answer_usage_cost_and_provenance(server):
    server.push(Scripted(body=message_body(c.answer(), cache_creation=3000, cache_read=0)))
    verdict = judge_for(server).judge(c.data(), c.assessment())

    assert verdict.status is Status.WARNING
    assert verdict.anomalies[0].current_value == 1.4  # numbers from the assessment, not the model
    assert verdict.anomalies[0].detail == "p99 7x its band"
    prov = verdict.provenance
    assert (prov.path, prov.response_source, prov.model, prov.backend, prov.prompt_version) == (
        "llm:claude-haiku-5-5",
        "scripted",  # a local server answered: scripted test data, never labelled a model's
        "claude-haiku-5-5",
        "anthropic",
        "v3",
    )
    assert verdict.usage.cache_creation_input_tokens == 3000
    expected = (900 * 0.10 + 120 * 0.50 + 3000 * 0.125) / 1e6
    assert verdict.cost_usd == pytest.approx(expected)
    sent = server.requests[0].body
    assert server.requests[0].path == "/v1/messages"
    assert sent["output_config"]["format"]["type"] == "json_schema"
    # the default TTL (as shipped); the scripted usage reports a 5m write, priced as such
    assert sent["system"][0]["cache_control"] == {"type": "ephemeral", "ttl": "1h"}
    assert not {"temperature", "top_p", "top_k", "tool_choice"} & set(sent)


def test_cache_reads_are_reported_and_priced(server):
    server.push(Scripted(body=message_body(c.answer(), input_tokens=400, cache_read=3000)))
    verdict = judge_for(server, strategy="llm:claude-sonnet-5-5").judge(c.data(), c.assessment())
    assert verdict.usage.cache_read_input_tokens == 3000
    assert verdict.cost_usd == pytest.approx((400 * 2 + 120 * 10 + 3000 * 0.10) / 1e6)


@pytest.mark.parametrize(("status", "kind"), [(429, "rate_limit_error"), (529, "overloaded_error")])
def test_sdk_retries_transient_errors_then_succeeds(server, status, kind):
    server.push(error_body(status, kind, "busy"), error_body(status, kind, "busy"))
    server.push(Scripted(body=message_body(c.answer())))
    verdict = judge_for(server, max_retries=2).judge(c.data(), c.assessment())
    assert verdict.status is Status.WARNING
    assert len(server.requests) == 3  # two retries by the SDK, counted at the server


def test_retries_exhausted_is_an_llm_error(server):
    server.push(*[error_body(529, "overloaded_error", "busy")] * 2)
    with pytest.raises(LLMError, match="HTTP 529"):
        judge_for(server, max_retries=1).judge(c.data(), c.assessment())
    assert len(server.requests) == 2


def test_timeout_is_an_llm_error(server):
    server.push(Scripted(body=message_body(c.answer()), delay_s=1.5))
    with pytest.raises(LLMError, match="timed out"):
        judge_for(server, max_retries=0, timeout_s=0.3).judge(c.data(), c.assessment())


def test_refusal_is_not_trusted_and_not_repaired(server):
    server.push(Scripted(body=message_body("", stop_reason="refusal")))
    with pytest.raises(LLMError, match="refused"):
        judge_for(server).judge(c.data(), c.assessment())
    assert len(server.requests) == 1


def test_max_tokens_truncation_is_not_trusted(server):
    server.push(
        Scripted(body=message_body('{"status": "NORMAL", "confid', stop_reason="max_tokens"))
    )
    with pytest.raises(LLMError, match="truncated at max_tokens"):
        judge_for(server).judge(c.data(), c.assessment())


def test_schema_violation_gets_one_repair(server):
    server.push(
        Scripted(body=message_body(c.answer(confidence=7))),  # out of range
        Scripted(body=message_body(c.answer(status="CRITICAL"))),
    )
    verdict = judge_for(server).judge(c.data(), c.assessment())
    assert verdict.status is Status.CRITICAL
    assert verdict.provenance.note == "schema repair needed"
    assert verdict.usage.input_tokens == 1800  # both calls counted
    repair = server.requests[1].body["messages"]
    assert [m["role"] for m in repair] == ["user", "assistant", "user"]
    assert "confidence" in repair[2]["content"]


def test_schema_violation_twice_falls_back_to_statistical_with_cost(server):
    server.push(
        Scripted(body=message_body("not json at all")),
        Scripted(body=message_body('{"status": "FINE"}')),
    )
    agent = Agent(
        c.config(),
        c.DictSource(),
        c.FixedAssessor(c.assessment()),
        judge=judge_for(server),
    )
    verdict = agent.check("api-service", c.AT)
    assert verdict.status is Status.WARNING  # the statistical verdict
    assert verdict.provenance.path == "llm-fallback"
    assert "after one repair" in verdict.provenance.note
    assert verdict.cost_usd > 0  # the failed calls were billed and are reported
    assert len(server.requests) == 2
    assert agent.counts["llm-fallback"] == 1


def test_untrusted_labels_and_logs_arrive_fenced_as_data(server):
    server.push(Scripted(body=message_body(c.answer())))
    svc = c.service(label_value=c.INJECTION)
    judge_for(server).judge(c.data(svc, logs=[c.INJECTION, "<script>x</script>"]), c.assessment())

    body = server.requests[0].body
    user = body["messages"][0]["content"]
    system = body["system"][0]["text"]
    assert "IGNORE ALL PREVIOUS" not in system
    # every injected text is inside a fenced block, and cannot close it early
    blocks = user.split('<untrusted_data kind="')
    outside = blocks[0] + "".join(b.split("</untrusted_data>", 1)[-1] for b in blocks[1:])
    assert "IGNORE ALL PREVIOUS" not in outside
    assert user.count("</untrusted_data>") == user.count("<untrusted_data ")
    assert "\\u003c/untrusted_data\\u003e" in user
    assert "<script>" not in user
    log_block = next(b for b in blocks if b.startswith("log_lines"))
    payload = log_block.split("\n", 1)[1].rsplit("</untrusted_data>", 1)[0]
    assert json.loads(payload)[0].startswith("IGNORE ALL PREVIOUS")


def test_tiered_asks_strong_model_only_when_cheap_and_detectors_disagree(server):
    server.push(
        Scripted(body=message_body(c.answer(status="WATCH", confidence=0.9))),  # vs WARNING
        Scripted(body=message_body(c.answer(status="CRITICAL"), model="claude-sonnet-5-5")),
        Scripted(body=message_body(c.answer(status="WARNING", confidence=0.3))),  # agrees
    )
    judge = judge_for(server, strategy="tiered:haiku,sonnet")
    escalated = judge.judge(c.data(), c.assessment(Status.WARNING))
    agreed = judge.judge(c.data(), c.assessment(Status.WARNING))

    assert escalated.provenance.path == "tiered:claude-sonnet-5-5"
    assert escalated.status is Status.CRITICAL
    assert "said WATCH, detectors WARNING" in escalated.provenance.note
    assert escalated.usage.input_tokens == 1800
    assert [r.body["model"] for r in server.requests[:2]] == [
        "claude-haiku-5-5",
        "claude-sonnet-5-5",
    ]
    # low self-rated confidence no longer summons the strong model: agreement does not
    assert agreed.provenance.path == "tiered:claude-haiku-5-5"
    assert len(server.requests) == 3


def test_confident_cheap_normal_on_a_critical_check_is_reviewed_by_the_strong_model(server):
    server.push(
        Scripted(body=message_body(c.answer(status="NORMAL", confidence=0.99))),
        Scripted(body=message_body(c.answer(status="CRITICAL"), model="claude-sonnet-5-5")),
    )
    judge = judge_for(server, strategy="tiered:haiku,sonnet")
    verdict = judge.judge(c.data(), c.assessment(Status.CRITICAL))
    assert [r.body["model"] for r in server.requests] == ["claude-haiku-5-5", "claude-sonnet-5-5"]
    assert verdict.provenance.path == "tiered:claude-sonnet-5-5"
    assert verdict.status is Status.CRITICAL


def test_call_cap_continues_on_statistical_path(server):
    server.push(*[Scripted(body=message_body(c.answer()))] * 3)
    agent = Agent(
        c.config(calls_per_hour=2),
        c.DictSource(),
        c.FixedAssessor(c.assessment()),
        judge=judge_for(server, calls_per_hour=2),
    )
    paths = [agent.check("api-service", c.AT).provenance.path for _ in range(3)]
    assert paths == ["llm:claude-haiku-5-5", "llm:claude-haiku-5-5", "budget-exhausted"]
    assert len(server.requests) == 2
    assert agent.counts["budget-exhausted"] == 1


def test_monthly_budget_continues_on_statistical_path(server):
    server.push(Scripted(body=message_body(c.answer(), input_tokens=2_000_000)))
    judge = judge_for(server, strategy="llm:sonnet", monthly_budget_usd=1.0)
    agent = Agent(c.config(), c.DictSource(), c.FixedAssessor(c.assessment()), judge=judge)
    first = agent.check("api-service", c.AT)
    second = agent.check("api-service", c.AT)
    assert first.cost_usd > 1.0
    assert second.provenance.path == "budget-exhausted"
    assert "monthly_budget_usd" in second.provenance.note


def test_bedrock_uses_the_invoke_path_with_sigv4(server, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_BEDROCK_BASE_URL", server.url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDTESTDUMMY")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test-dummy-secret")
    server.push(Scripted(body=message_body(c.answer())))
    settings = c.settings(server.url).model_copy(update={"aws_region": "us-east-1"})
    judge = build_judge("llm:haiku", settings, c.config(backend="bedrock"), mode="live")
    verdict = judge.judge(c.data(), c.assessment())

    seen = server.requests[0]
    assert seen.path == "/model/anthropic.claude-haiku-5-5/invoke"
    assert seen.headers["Authorization"].startswith("AWS4-HMAC-SHA256")
    assert "model" not in seen.body and seen.body["anthropic_version"]
    assert verdict.provenance.backend == "bedrock"


def test_unknown_model_fails_before_any_call(server):
    with pytest.raises(ConfigError, match="not in the price table"):
        judge_for(server, strategy="llm:gpt-9")
    assert server.requests == []


def test_missing_api_key_names_the_variable_and_offline_modes(monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    settings = c.settings("http://127.0.0.1:9").model_copy(update={"anthropic_api_key": None})
    with pytest.raises(ConfigError) as err:
        build_judge("llm:haiku", settings, c.config(), mode="live")
    message = str(err.value)
    assert "ANTHROPIC_API_KEY" in message and "replay" in message and "\n" not in message


def test_missing_bedrock_region_names_the_variable(monkeypatch):
    monkeypatch.delenv("AWS_REGION", raising=False)
    settings = c.settings("http://127.0.0.1:9").model_copy(update={"aws_region": None})
    with pytest.raises(ConfigError, match="AWS_REGION is not set"):
        build_judge("llm:haiku", settings, c.config(backend="bedrock"), mode="live")


def test_price_table_tier_applies_to_every_token_of_long_prompts():
    from sentinel.models import Usage

    haiku = load_prices().model("haiku")
    short = haiku.cost_usd(Usage(input_tokens=100_000, output_tokens=1000))
    long = haiku.cost_usd(
        Usage(input_tokens=90_000, cache_read_input_tokens=20_000, output_tokens=1000)
    )
    assert short == pytest.approx((100_000 * 0.10 + 1000 * 0.50) / 1e6)
    assert long == pytest.approx((90_000 * 0.50 + 20_000 * 0.05 + 1000 * 2.50) / 1e6)


def test_only_remote_endpoints_count_as_live_models():
    from sentinel.llm.backends import is_local_endpoint

    assert is_local_endpoint("http://127.0.0.1:8080")
    assert is_local_endpoint("http://localhost:1234/v1")
    assert not is_local_endpoint("https://api.anthropic.com")


def test_a_model_verdict_keeps_the_metrics_the_detectors_could_not_judge(server):
    """A scripted NORMAL must not make an unjudged metric look judged (the ticket stays open)."""
    server.push(Scripted(body=message_body(c.answer(status="NORMAL", confidence=0.9))))
    held = c.assessment()
    held = dataclasses.replace(
        held, verdict=held.verdict.model_copy(update={"unjudged": ["error_rate"]})
    )
    agent = Agent(c.config(), c.DictSource(), c.FixedAssessor(held), judge=judge_for(server))
    verdict = agent.check("api-service", c.AT)
    assert verdict.provenance.path.startswith("llm:")
    assert verdict.unjudged == ["error_rate"]
