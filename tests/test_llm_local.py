"""The local-model backend through the real openai/anthropic SDKs over HTTP to a scripted server.

The scripted server marks its answers (x-sentinel-scripted), so they are labelled scripted even
though a "local model" backend talks to them; a real model server (tests/test_local_model.py)
gives `live` answers.
"""

from __future__ import annotations

import json

import pytest

from sentinel.agent import Agent
from sentinel.config import Settings
from sentinel.errors import ConfigError
from sentinel.llm import build_judge
from sentinel.llm.replay import load_reply
from sentinel.llm.resolve import local_alias, resolve_model
from sentinel.llm.schema import verdict_json_schema
from sentinel.models import Status
from tests import llm_cases as c
from tests.llm_server import Scripted, chat_body, error_body, message_body


@pytest.fixture
def server(scripted_server):
    return scripted_server


@pytest.fixture(autouse=True)
def _no_local_endpoint_from_the_env(offline_env, monkeypatch):
    for var in ("SENTINEL_LLM_BASE_URL", "SENTINEL_LLM_MODEL"):
        monkeypatch.delenv(var, raising=False)


def local_settings(url: str, **extra) -> Settings:
    return Settings(sentinel_llm_base_url=url, **extra)


def judge_for(server, api="openai", mode="live", **llm):
    url = f"{server.url}/v1" if api == "openai" else server.url
    cfg = c.config(local={"api": api, "model": "tiny-model-1b"}, **llm)
    return build_judge("llm:local", local_settings(url), cfg, mode=mode)


def test_openai_protocol_sends_same_prompt_and_schema_and_counts_tokens_at_zero_cost(server):
    server.push(Scripted(body=chat_body(c.answer(), prompt_tokens=700, completion_tokens=60)))
    verdict = judge_for(server).judge(c.data(), c.assessment())

    assert verdict.status is Status.WARNING
    assert verdict.cost_usd == 0.0
    assert (verdict.usage.input_tokens, verdict.usage.output_tokens) == (700, 60)
    assert verdict.usage.latency_s > 0
    prov = verdict.provenance
    assert (prov.path, prov.model, prov.backend, prov.response_source) == (
        "llm:local-tiny-model-1b",
        "local-tiny-model-1b",
        "local-openai",
        "scripted",  # canned answers, even from a "local model" endpoint
    )
    seen = server.requests[0]
    assert seen.path == "/v1/chat/completions"
    assert seen.body["model"] == "tiny-model-1b"
    assert seen.body["messages"][0]["role"] == "system"
    assert seen.body["messages"][1]["role"] == "user"
    fmt = seen.body["response_format"]
    assert fmt["type"] == "json_schema" and "status" in fmt["json_schema"]["schema"]["properties"]


def test_invalid_json_gets_one_repair_then_falls_back_to_the_statistical_verdict(server):
    server.push(Scripted(body=chat_body("{not json")), Scripted(body=chat_body('{"status": 3}')))
    agent = Agent(
        c.config(), c.DictSource(), c.FixedAssessor(c.assessment()), judge=judge_for(server)
    )
    verdict = agent.check("api-service", c.AT)

    assert verdict.provenance.path == "llm-fallback"
    assert "violated the schema after one repair" in verdict.provenance.note
    assert len(server.requests) == 2
    assert server.requests[1].body["messages"][-1]["role"] == "user"  # the repair turn


def test_truncated_answer_is_not_trusted(server):
    server.push(Scripted(body=chat_body('{"status": "NOR', finish_reason="length")))
    agent = Agent(
        c.config(), c.DictSource(), c.FixedAssessor(c.assessment()), judge=judge_for(server)
    )
    verdict = agent.check("api-service", c.AT)

    assert verdict.provenance.path == "llm-fallback"
    assert "truncated at max_tokens" in verdict.provenance.note


def test_server_errors_are_retried_by_the_sdk(server):
    server.push(error_body(503, "overloaded", "busy"), Scripted(body=chat_body(c.answer())))
    verdict = judge_for(server, max_retries=1).judge(c.data(), c.assessment())

    assert verdict.status is Status.WARNING
    assert len(server.requests) == 2


def test_a_server_that_is_down_falls_back_with_a_hint(server):
    cfg = c.config(local={"model": "tiny"}, max_retries=0)
    judge = build_judge("llm:local", local_settings("http://127.0.0.1:9/v1"), cfg, mode="live")
    verdict = Agent(cfg, c.DictSource(), c.FixedAssessor(c.assessment()), judge=judge).check(
        "api-service", c.AT
    )

    assert verdict.provenance.path == "llm-fallback"
    assert "is the model server running?" in verdict.provenance.note


def test_slow_server_is_cut_by_the_timeout(server):
    server.push(Scripted(body=chat_body(c.answer()), delay_s=1.0))
    agent = Agent(
        c.config(),
        c.DictSource(),
        c.FixedAssessor(c.assessment()),
        judge=judge_for(server, timeout_s=0.2, max_retries=0),
    )
    verdict = agent.check("api-service", c.AT)

    assert verdict.provenance.path == "llm-fallback"
    assert "timed out" in verdict.provenance.note


def test_anthropic_protocol_reaches_v1_messages_with_the_local_model_name(server):
    server.push(Scripted(body=message_body(c.answer(), model="tiny-model-1b")))
    verdict = judge_for(server, api="anthropic").judge(c.data(), c.assessment())

    assert verdict.status is Status.WARNING
    assert verdict.cost_usd == 0.0
    assert verdict.provenance.backend == "local-anthropic"
    assert verdict.provenance.response_source == "scripted"
    assert server.requests[0].path == "/v1/messages"
    assert server.requests[0].body["model"] == "tiny-model-1b"


def test_record_then_replay_keeps_the_scripted_label_and_the_model_name(server, tmp_path):
    server.push(Scripted(body=chat_body(c.answer())))
    judge = judge_for(server, mode="record", replay_dir=str(tmp_path / "rec"))
    judge.judge(c.data(), c.assessment())
    files = list((tmp_path / "rec" / "local-tiny-model-1b").glob("*.json"))

    assert len(files) == 1
    assert json.loads(files[0].read_text())["response"]["source"] == "scripted"
    assert load_reply(files[0]).response_source == "scripted"
    replayed = judge_for(server, mode="replay", replay_dir=str(tmp_path / "rec"))
    assert replayed.judge(c.data(), c.assessment()).provenance.response_source == "scripted"


def test_model_names_resolve_to_local_entries_or_fail_clearly():
    llm = c.config(local={"model": "Qwen2.5 0.5B:Q4"}).llm
    info = resolve_model("local", llm, Settings())
    assert (info.alias, info.api_id, info.input, info.output) == (
        local_alias("Qwen2.5 0.5B:Q4"),
        "Qwen2.5 0.5B:Q4",
        0,
        0,
    )
    assert info.alias == "local-qwen2.5-0.5b-q4"
    assert resolve_model("local", llm, Settings(sentinel_llm_model="phi")).api_id == "phi"
    local_only = c.config(backend="local").llm
    with pytest.raises(ConfigError, match=r"llm\.backend is local"):
        resolve_model("haiku", local_only, Settings())
    assert resolve_model("mistral-7b", local_only, Settings()).alias == "local-mistral-7b"


def tiered_local_then_claude(server, strategy="tiered:local,sonnet"):
    """The local model on /v1/chat/completions, Claude on /v1/messages of the same scripted
    server (never a real key or endpoint)."""
    cfg = c.config(local={"model": "tiny-model-1b"})
    settings = Settings(
        sentinel_llm_base_url=f"{server.url}/v1",
        anthropic_api_key="test-dummy-key",
        anthropic_base_url=server.url,
    )
    return build_judge(strategy, settings, cfg, mode="live")


def test_tiered_local_first_asks_claude_only_when_the_local_model_disagrees(server):
    server.push(
        Scripted(body=chat_body(c.answer("NORMAL"), prompt_tokens=900, completion_tokens=80)),
        Scripted(body=message_body(c.answer("CRITICAL"), input_tokens=1000, output_tokens=90)),
    )
    verdict = tiered_local_then_claude(server).judge(c.data(), c.assessment())

    assert [r.path for r in server.requests] == ["/v1/chat/completions", "/v1/messages"]
    assert verdict.status is Status.CRITICAL
    prov = verdict.provenance
    assert prov.path == "tiered:claude-sonnet-5-5" and prov.model == "claude-sonnet-5-5"
    assert "local-tiny-model-1b said NORMAL, detectors WARNING" in prov.note
    assert (verdict.usage.input_tokens, verdict.usage.output_tokens) == (1900, 170)
    assert verdict.cost_usd > 0  # Claude's tokens are priced; the local model's cost nothing


def test_tiered_local_first_stops_at_the_local_model_when_it_agrees(server):
    server.push(Scripted(body=chat_body(c.answer("WARNING"))))
    verdict = tiered_local_then_claude(server).judge(c.data(), c.assessment())

    assert [r.path for r in server.requests] == ["/v1/chat/completions"]
    assert verdict.provenance.path == "tiered:local-tiny-model-1b"
    assert verdict.cost_usd == 0.0


def test_the_configured_local_model_is_named_by_its_own_name_or_alias_on_any_backend():
    llm = c.config(local={"model": "phi-3-mini"}).llm  # backend: anthropic
    for name in ("local", "phi-3-mini", "local-phi-3-mini"):
        assert resolve_model(name, llm, Settings()).alias == "local-phi-3-mini"
    with pytest.raises(ConfigError, match="not in the price table"):
        resolve_model("mistral-7b", llm, Settings())  # not local unless llm.backend is local


def test_the_grammar_bounds_a_small_models_answer_but_validation_keeps_the_schema(server):
    server.push(Scripted(body=chat_body(c.answer())))
    judge_for(server).judge(c.data(), c.assessment())

    sent = server.requests[0].body
    schema = sent["response_format"]["json_schema"]["schema"]
    assert schema["properties"]["anomalies"]["maxItems"] == 4
    assert schema["properties"]["reasoning"]["maxLength"] == 400
    assert schema["$defs"]["ModelAnomaly"]["properties"]["explanation"]["maxLength"] == 160
    assert sent["max_tokens"] == 512  # llm.local.max_tokens, not the Claude models' 1024
    assert "maxItems" not in verdict_json_schema("v3")["properties"]["anomalies"]


def test_local_max_tokens_null_falls_back_to_llm_max_tokens(server):
    server.push(Scripted(body=chat_body(c.answer())))
    cfg = c.config(local={"model": "tiny-model-1b", "max_tokens": None}, max_tokens=700)
    build_judge("llm:local", local_settings(f"{server.url}/v1"), cfg, mode="live").judge(
        c.data(), c.assessment()
    )
    assert server.requests[0].body["max_tokens"] == 700
