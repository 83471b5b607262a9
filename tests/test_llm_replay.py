"""Record live calls, then replay them offline; a replay-only miss names the key and the fix."""

from __future__ import annotations

import pytest

from sentinel.agent import Agent
from sentinel.llm import build_judge
from sentinel.llm.replay import ReplayMiss
from tests import llm_cases as c
from tests.llm_server import Scripted, ScriptedServer, message_body


@pytest.fixture(autouse=True)
def _offline_env(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-dummy-key")
    monkeypatch.delenv("SENTINEL_LLM_MODE", raising=False)


def test_record_then_replay_offline(tmp_path):
    replay_dir = tmp_path / "replay"
    with ScriptedServer() as server:
        server.push(Scripted(body=message_body(c.answer(), cache_read=2000)))
        recorder = build_judge(
            "llm:haiku", c.settings(server.url), c.config(), replay_dir, "record"
        )
        live = recorder.judge(c.data(), c.assessment())
        again = recorder.judge(c.data(), c.assessment())  # recorded now: no second call
        assert len(server.requests) == 1

    files = list(replay_dir.glob("claude-haiku-5-5/*.json"))
    assert len(files) == 1
    # a local scripted server answered, live and replayed alike: never passed off as a model's
    assert live.provenance.response_source == "scripted"
    assert again.provenance.response_source == "scripted"

    # No server, no key: replay-only mode answers from the recording.
    settings = c.settings("http://127.0.0.1:9").model_copy(update={"anthropic_api_key": None})
    replayer = build_judge("llm:haiku", settings, c.config(), replay_dir, "replay")
    agent = Agent(c.config(), c.DictSource(), c.FixedAssessor(c.assessment()), judge=replayer)
    verdict = agent.check("api-service", c.AT)
    assert verdict.provenance.path == "llm:claude-haiku-5-5"
    assert verdict.provenance.response_source == "scripted"
    assert verdict.provenance.backend == "replay"
    assert verdict.usage.cache_read_input_tokens == 2000
    assert verdict.cost_usd == live.cost_usd
    assert verdict.status == live.status


def test_replay_miss_names_key_and_how_to_record(tmp_path):
    judge = build_judge(
        "llm:haiku", c.settings("http://127.0.0.1:9"), c.config(), tmp_path, "replay"
    )
    with pytest.raises(ReplayMiss) as err:
        judge.judge(c.data(), c.assessment())
    message = str(err.value)
    key = judge.request(c.data(), c.assessment()).key()
    assert key in message
    assert "SENTINEL_LLM_MODE=record" in message
    assert "claude-haiku-5-5" in message


def test_replay_key_changes_with_model_prompt_and_data(tmp_path):
    j1 = build_judge("llm:haiku", c.settings("http://x"), c.config(), tmp_path, "replay")
    j2 = build_judge("llm:sonnet", c.settings("http://x"), c.config(), tmp_path, "replay")
    j3 = build_judge(
        "llm:haiku", c.settings("http://x"), c.config(prompt="v1-seed"), tmp_path, "replay"
    )
    keys = {j.request(c.data(), c.assessment()).key() for j in (j1, j2, j3)} | {
        j1.request(c.data(logs=["another line"]), c.assessment()).key()
    }
    assert len(keys) == 4
    assert j1.request(c.data(), c.assessment()).key() == j1.request(c.data(), c.assessment()).key()


def test_env_selects_the_mode(tmp_path, monkeypatch):
    monkeypatch.setenv("SENTINEL_LLM_MODE", "replay")
    from sentinel.config import Settings

    settings = Settings(anthropic_api_key=None)
    judge = build_judge("llm:haiku", settings, c.config(), tmp_path)
    assert judge.backend.name == "replay"


def test_recordings_from_a_real_endpoint_are_labelled_replay(tmp_path):
    from sentinel.llm.backends import ModelReply
    from sentinel.llm.replay import load_reply, save_reply
    from sentinel.models import Usage

    judge = build_judge("llm:haiku", c.settings("http://x"), c.config(), tmp_path, "replay")
    request = judge.request(c.data(), c.assessment())
    reply = ModelReply(c.answer(), "end_turn", Usage(input_tokens=5), "live", "claude-haiku-5-5")
    save_reply(tmp_path / "r.json", request, reply, endpoint="https://api.anthropic.com")
    assert load_reply(tmp_path / "r.json").response_source == "replay"


@pytest.mark.parametrize(
    "change",
    [
        {"api_id": "claude-haiku-5-6"},  # the alias now points at a new model id
        {"effort": "medium"},
        {"thinking": "adaptive"},
    ],
)
def test_changed_model_id_effort_or_thinking_does_not_replay_the_old_answers(tmp_path, change):
    replay_dir = tmp_path / "replay"
    with ScriptedServer() as server:
        server.push(Scripted(body=message_body(c.answer())))
        build_judge("llm:haiku", c.settings(server.url), c.config(), replay_dir, "record").judge(
            c.data(), c.assessment()
        )
    replayer = build_judge(
        "llm:haiku", c.settings("http://127.0.0.1:9"), c.config(), replay_dir, "replay"
    )
    replayer.judge(c.data(), c.assessment())  # unchanged: replays
    replayer.model = replayer.model.model_copy(update=change)
    with pytest.raises(ReplayMiss, match="no recorded response"):
        replayer.judge(c.data(), c.assessment())


def test_changed_max_tokens_or_prompt_version_does_not_replay_the_old_answers(tmp_path):
    replay_dir = tmp_path / "replay"
    with ScriptedServer() as server:
        server.push(Scripted(body=message_body(c.answer())))
        build_judge("llm:haiku", c.settings(server.url), c.config(), replay_dir, "record").judge(
            c.data(), c.assessment()
        )
    offline = c.settings("http://127.0.0.1:9")
    for llm in ({"max_tokens": 2048}, {"prompt": "v2"}):
        judge = build_judge("llm:haiku", offline, c.config(**llm), replay_dir, "replay")
        with pytest.raises(ReplayMiss):
            judge.judge(c.data(), c.assessment())
