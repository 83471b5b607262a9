"""BatchRunner and BatchAnswers through the real SDK against the local Message Batches server."""

from __future__ import annotations

import json

import pytest

from sentinel.agent import Agent
from sentinel.llm import build_judge
from sentinel.llm.batch import BatchAnswers, BatchFailure, BatchRunner, chunk
from sentinel.llm.prices import load_prices
from sentinel.models import Status, Usage
from tests import llm_cases as c
from tests.llm_server import Scripted, ScriptedServer, batch_succeeded, message_body


@pytest.fixture
def server():
    with ScriptedServer() as s:
        yield s


def judge_and_requests(server, n: int = 3):
    judge = build_judge("llm:haiku", c.settings(server.url), c.config(), mode="live")
    assessments = [c.assessment(s) for s in (Status.WARNING, Status.CRITICAL, Status.WATCH)]
    return judge, [judge.request(c.data(), a) for a in assessments[:n]]


def test_limits_split_the_requests_into_several_batches(server):
    server.batch_script = lambda cid, params: batch_succeeded(c.answer())
    judge, requests = judge_and_requests(server)
    runner = BatchRunner(judge.backend, poll_s=0, progress=False, max_requests=2)
    results = runner.run(requests)
    assert len(server.batches) == 2 and len(runner.batch_ids) == 2
    assert [len(b["requests"]) for b in server.batches.values()] == [2, 1]
    assert set(results) == {r.key() for r in requests}
    assert all(r.usage.service_tier == "batch" for r in results.values())


def test_size_limit_splits_too():
    items = [{"custom_id": str(i), "params": {"x": "y" * 100}} for i in range(5)]
    parts = list(chunk(items, max_requests=100, max_bytes=300))
    assert [len(p) for p in parts] == [2, 2, 1]
    assert all(len(json.dumps(p).encode()) <= 300 for p in parts)


def test_a_batch_not_ended_by_the_timeout_fails_its_items_with_the_reason(server):
    server.batch_script = lambda cid, params: batch_succeeded(c.answer())
    judge, requests = judge_and_requests(server, 1)
    results = BatchRunner(judge.backend, poll_s=0, timeout_s=0, progress=False).run(requests)
    (failure,) = results.values()
    assert isinstance(failure, BatchFailure)
    assert "msgbatch_001 had not ended after 0s" in failure.reason


def test_a_schema_violation_in_a_batch_answer_is_repaired_by_one_direct_call(server):
    server.batch_script = lambda cid, params: batch_succeeded('{"status": "BAD"}')
    judge, requests = judge_and_requests(server, 1)
    results = BatchRunner(judge.backend, poll_s=0, progress=False).run(requests)
    server.push(Scripted(body=message_body(c.answer("CRITICAL"))))
    judge.backend = BatchAnswers(judge.backend, results)
    agent = Agent(c.config(), c.DictSource(), c.FixedAssessor(c.assessment()), judge=judge)
    verdict = agent.check(c.service(), c.AT)
    assert verdict.status == Status.CRITICAL and verdict.provenance.note == "schema repair needed"
    (direct,) = [r for r in server.requests if r.path == "/v1/messages"]
    assert direct.body["messages"][-1]["role"] == "user" and len(direct.body["messages"]) == 3
    # the batch half is billed at half price, the repair at the standard price
    assert verdict.usage.input_tokens == 1800
    one = load_prices().model("haiku").cost_usd(Usage(input_tokens=900, output_tokens=120))
    assert verdict.cost_usd == pytest.approx(one / 2 + one)
