"""A hung or failing model cannot stall the loop: own pool, backstop deadline, circuit breaker,
every failure counted by kind. The judges here are stand-ins for sentinel.pipeline.Judge (no SDK)."""

from __future__ import annotations

import threading
import time

import pytest

from sentinel.agent import Agent
from sentinel.errors import BudgetExceeded, LLMError
from sentinel.model_pool import CircuitBreaker, ModelPool, ModelUnavailable, failure_kind
from sentinel.models import Status
from tests import llm_cases as c


class HungJudge:
    """Never answers until released: a model that accepted the request and went silent."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.calls = 0

    def judge(self, data, assessment):
        self.calls += 1
        self.release.wait(30)
        return assessment.verdict


class FailingJudge:
    def __init__(self, exc: Exception) -> None:
        self.exc, self.calls = exc, 0

    def judge(self, data, assessment):
        self.calls += 1
        raise self.exc


def pool(judge, kinds, **kw) -> ModelPool:
    return ModelPool(judge, deadline_s=lambda _d: 0.2, on_failure=kinds.append, **kw)


def test_a_hung_model_returns_the_statistical_verdict_within_the_deadline():
    hung, kinds = HungJudge(), []
    agent = Agent(
        c.config(), c.DictSource(), c.FixedAssessor(c.assessment()), judge=pool(hung, kinds)
    )
    started = time.monotonic()
    verdict = agent.check("api-service", c.AT)
    elapsed = time.monotonic() - started
    hung.release.set()
    assert verdict.provenance.path == "llm-fallback" and verdict.status is Status.WARNING
    assert "deadline" in verdict.provenance.note
    assert elapsed < 5  # bounded by deadline + backstop margin, not by the hung call
    assert kinds == ["deadline"]


def test_a_full_model_pool_falls_back_at_once_instead_of_queueing():
    hung, kinds = HungJudge(), []
    p = pool(hung, kinds, workers=1, breaker=CircuitBreaker(failures=99))
    with pytest.raises(ModelUnavailable):
        p.judge(c.data(), c.assessment())  # times out; the hung call still holds the slot
    with pytest.raises(ModelUnavailable, match="busy"):
        p.judge(c.data(), c.assessment())
    assert kinds == ["deadline", "pool_full"] and hung.calls == 1
    hung.release.set()


def test_the_breaker_opens_after_repeated_failures_and_recovers_after_a_trial():
    now = [0.0]
    breaker = CircuitBreaker(failures=3, cooldown_s=60, clock=lambda: now[0])
    failing, kinds = FailingJudge(LLMError("HTTP 529 overloaded")), []
    p = pool(failing, kinds, breaker=breaker)
    for _ in range(4):
        with pytest.raises(LLMError):
            p.judge(c.data(), c.assessment())
    assert failing.calls == 3 and breaker.state == "open"
    assert kinds == ["error", "error", "error", "circuit_open"]
    now[0] = 61.0
    assert breaker.state == "half-open"
    p.inner = HungJudge()
    p.inner.release.set()  # the model answers again
    assert p.judge(c.data(), c.assessment()).status is Status.WARNING
    assert breaker.state == "closed"


def test_a_refused_budget_is_counted_but_does_not_trip_the_breaker():
    kinds = []
    p = pool(FailingJudge(BudgetExceeded("cap")), kinds, breaker=CircuitBreaker(failures=1))
    with pytest.raises(BudgetExceeded):
        p.judge(c.data(), c.assessment())
    assert kinds == ["budget"] and p.breaker.state == "closed"


def test_failure_kinds_name_timeouts_http_errors_and_connections():
    class APITimeoutError(Exception):
        pass

    class APIStatusError(Exception):
        status_code = 503

    class APIConnectionError(Exception):
        pass

    def wrapped(cause: Exception) -> LLMError:
        err = LLMError("x")
        err.__cause__ = cause
        return err

    assert failure_kind(wrapped(APITimeoutError())) == "timeout"
    assert failure_kind(wrapped(APIStatusError())) == "http_5xx"
    assert failure_kind(wrapped(APIConnectionError())) == "connection"
    assert failure_kind(BudgetExceeded("b")) == "budget"


def test_the_loop_puts_the_judge_behind_a_pool_and_counts_failures_in_telemetry():
    from sentinel.config import LLMConfig
    from sentinel.model_pool import guard_model_calls
    from sentinel.telemetry import Telemetry

    t = Telemetry()
    failing = FailingJudge(LLMError("HTTP 500"))
    agent = Agent(c.config(), c.DictSource(), c.FixedAssessor(c.assessment()), judge=failing)
    guard_model_calls(agent, LLMConfig(breaker_failures=2, model_workers=1), t.model_failure)
    paths = [agent.check("api-service", c.AT).provenance.path for _ in range(3)]
    assert paths == ["llm-fallback"] * 3 and failing.calls == 2  # third skipped: breaker open
    get = t.registry.get_sample_value
    assert get("sentinel_model_failures_total", {"kind": "error"}) == 2
    assert get("sentinel_model_failures_total", {"kind": "circuit_open"}) == 1
