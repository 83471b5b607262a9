"""Floors: a model's answer can annotate a threshold breach or strong statistical evidence, or
lower it by one level, explicitly, but never erase it. recommended_action follows the final status.

Driven through the official anthropic SDK over HTTP against the scripted server; the answers are
scripted test data, never model output.
"""

from __future__ import annotations

import pytest

from sentinel.agent import Agent
from sentinel.checks.run import build_agent, build_source, parse_check_time
from sentinel.config import load_config
from sentinel.llm import build_judge
from sentinel.models import Action, Status
from tests import llm_cases as c
from tests.llm_server import Scripted, message_body

BREACH_AT = "2026-10-29T14:20:00Z"  # api-service latency_p99 1.13 s > its 1.0 s warning, +364 %


pytestmark = pytest.mark.usefixtures("offline_env")


@pytest.fixture
def server(scripted_server):
    return scripted_server


def fixture_agent(server, strategy: str = "llm:haiku") -> Agent:
    config = load_config()
    llm = config.llm.model_copy(update={"budget_state": None, "mode": "live"})
    config = config.model_copy(update={"llm": llm})
    return build_agent(config, build_source("fixtures"), strategy, c.settings(server.url))


def normal_answer() -> str:
    return c.answer(status="NORMAL", confidence=0.97, anomalies=[], next_step="")


def test_scripted_normal_cannot_erase_a_threshold_breach_on_the_shipped_fixture(server):
    server.push(Scripted(body=message_body(normal_answer())))
    verdict = fixture_agent(server).check("api-service", parse_check_time(BREACH_AT))

    assert len(server.requests) == 1  # the model was asked and said NORMAL
    assert verdict.status >= Status.WARNING
    assert verdict.recommended_action is Action.NOTIFY_TRIAGE
    prov = verdict.provenance
    assert prov.response_source == "scripted"
    assert prov.model_status is Status.NORMAL  # the model's own answer stays visible
    assert "model said NORMAL, held at" in prov.note
    assert "latency_p99" in prov.note and "warning threshold 1" in prov.note
    assert "held at" in verdict.reasoning


def test_tiered_scripted_normals_cannot_erase_the_breach_either(server):
    server.push(
        Scripted(body=message_body(normal_answer())),
        Scripted(body=message_body(normal_answer(), model="claude-sonnet-5-5")),
    )
    agent = fixture_agent(server, "tiered:haiku,sonnet")
    verdict = agent.check("api-service", parse_check_time(BREACH_AT))
    assert len(server.requests) == 2  # NORMAL vs the detectors' CRITICAL: strong model asked
    assert verdict.status >= Status.WARNING
    assert verdict.provenance.model_status is Status.NORMAL


def judge_once(server, answer: str, stat: Status, prompt: str = "v3"):
    server.push(Scripted(body=message_body(answer)))
    config = c.config(prompt=prompt)
    judge = build_judge("llm:haiku", c.settings(server.url), config, mode="live")
    return judge.judge(c.data(), c.assessment(stat))


def test_strong_statistical_evidence_allows_one_level_down_at_most(server):
    verdict = judge_once(server, normal_answer(), Status.CRITICAL)
    assert verdict.status is Status.WARNING
    assert "detectors said CRITICAL" in verdict.provenance.note


def test_a_bounded_downgrade_is_kept_and_shown(server):
    verdict = judge_once(server, c.answer(status="WATCH"), Status.WARNING)
    assert verdict.status is Status.WATCH
    assert verdict.recommended_action is Action.CONTINUE_MONITORING
    assert verdict.provenance.model_status is Status.WATCH
    assert "model downgraded the detectors' WARNING to WATCH" in verdict.provenance.note


def test_the_model_may_raise_the_status(server):
    verdict = judge_once(server, c.answer(status="CRITICAL"), Status.WATCH)
    assert verdict.status is Status.CRITICAL
    assert verdict.provenance.note == ""


def test_recommended_action_is_derived_from_the_status_not_the_model(server):
    # the v2 schema still lets the model pick an action: it is ignored
    answer = c.answer(status="WARNING", legacy=True, recommended_action="none")
    verdict = judge_once(server, answer, Status.WARNING, prompt="v2")
    assert verdict.recommended_action is Action.NOTIFY_TRIAGE
    assert verdict.provenance.prompt_version == "v2"


def test_v3_asks_for_a_concrete_next_step_instead_of_an_action(server):
    verdict = judge_once(server, c.answer(status="WARNING"), Status.WARNING)
    sent = server.requests[0].body["output_config"]["format"]["schema"]
    assert "next_step" in sent["properties"] and "recommended_action" not in sent["properties"]
    assert verdict.next_step == "Check the latest api-service deploy."
    assert verdict.recommended_action is Action.NOTIFY_TRIAGE
