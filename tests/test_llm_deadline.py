"""The per-check deadline: a hung or rate-limited model cannot hold a check past its budget.

Driven through the real anthropic SDK over HTTP against the scripted server (tests/llm_server.py);
the SDK's own retries run, bounded by sentinel.llm.deadline's middleware.
"""

from __future__ import annotations

import time

import pytest

from sentinel.agent import Agent
from sentinel.config import LLMConfig
from sentinel.llm import build_judge
from sentinel.llm.deadline import Deadline, DeadlineExceeded, DeadlineMiddleware, check_deadline_s
from tests import llm_cases as c
from tests.llm_server import Scripted, error_body, message_body

pytestmark = pytest.mark.usefixtures("offline_env")


@pytest.fixture
def server(scripted_server):
    return scripted_server


def agent_for(server, strategy="llm:haiku", **llm):
    config = c.config(**llm)
    judge = build_judge(strategy, c.settings(server.url), config, mode="live")
    return Agent(config, c.DictSource(), c.FixedAssessor(c.assessment()), judge=judge)


def test_hung_model_is_cut_at_the_check_deadline_not_timeout_times_attempts(server):
    # 60 s x (1 + 2 retries) used to hold this check for up to 3 minutes.
    server.push(*[Scripted(body=message_body(c.answer()), delay_s=3.0)] * 3)
    agent = agent_for(server, timeout_s=60, max_retries=2, check_deadline_s=0.5)
    started = time.monotonic()
    verdict = agent.check("api-service", c.AT)
    elapsed = time.monotonic() - started

    assert verdict.provenance.path == "llm-fallback"
    assert "per-check deadline 0.5 s" in verdict.provenance.note
    assert verdict.status.value == "WARNING"  # the statistical verdict stands
    assert len(server.requests) == 1  # no retry was started without time for it
    assert elapsed < 3.0  # did not even wait for the hung server's first answer


def test_long_retry_after_ends_the_check_instead_of_sleeping_past_it(server):
    busy = error_body(429, "rate_limit_error", "slow down")
    busy.headers = {"retry-after": "30"}
    server.push(busy, Scripted(body=message_body(c.answer())))
    agent = agent_for(server, max_retries=2, check_deadline_s=5)
    verdict = agent.check("api-service", c.AT)

    assert verdict.provenance.path == "llm-fallback"
    assert "HTTP 429 and no time left" in verdict.provenance.note
    assert len(server.requests) == 1


def test_quick_transient_errors_are_still_retried_within_the_deadline(server):
    server.push(
        error_body(529, "overloaded_error", "busy"), Scripted(body=message_body(c.answer()))
    )
    verdict = agent_for(server, max_retries=2, check_deadline_s=10).check("api-service", c.AT)
    assert verdict.provenance.path == "llm:claude-haiku-5-5"
    assert len(server.requests) == 2


def test_tiered_models_share_one_deadline(server):
    # The cheap model's NORMAL disagrees with the detectors' WARNING, so the strong model is
    # asked, with only what the cheap call left of the check's budget.
    server.push(
        Scripted(body=message_body(c.answer(status="NORMAL")), delay_s=0.6),
        Scripted(body=message_body(c.answer(status="CRITICAL")), delay_s=3.0),
    )
    agent = agent_for(server, strategy="tiered:haiku,sonnet", timeout_s=60, check_deadline_s=1.0)
    started = time.monotonic()
    verdict = agent.check("api-service", c.AT)
    elapsed = time.monotonic() - started

    assert [r.body["model"] for r in server.requests] == ["claude-haiku-5-5", "claude-sonnet-5-5"]
    assert "claude-sonnet-5-5 failed: per-check deadline 1 s" in verdict.provenance.note
    assert elapsed < 2.5  # the strong model's 3 s were not awaited


def test_deadline_is_always_shorter_than_the_service_interval():
    svc = c.service()  # interval 30 s
    assert check_deadline_s(LLMConfig(check_deadline_s=20), svc) == 20
    assert check_deadline_s(LLMConfig(check_deadline_s=300), svc) == pytest.approx(24)


class _FakeRequest:
    def __init__(self, retries_taken: int, timeout: float | None = None):
        self.retries_taken, self.timeout = retries_taken, timeout

    def copy(self, *, timeout: float) -> _FakeRequest:
        return _FakeRequest(self.retries_taken, timeout)


@pytest.mark.parametrize(
    ("deadline_s", "timeout_s", "retries"), [(20, 60, 2), (20, 5, 5), (1, 60, 0)]
)
def test_attempt_timeouts_together_never_exceed_the_deadline(deadline_s, timeout_s, retries):
    """The SDK's retry loop, simulated on a fake clock: every attempt hangs until its timeout."""
    now = [0.0]
    deadline = Deadline(deadline_s, clock=lambda: now[0])
    middleware = DeadlineMiddleware(deadline, timeout_s, retries)
    given: list[float] = []

    def hang(request: _FakeRequest):
        given.append(request.timeout)
        now[0] += request.timeout
        raise TimeoutError("hung")

    for attempt in range(retries + 1):
        try:
            middleware(_FakeRequest(attempt), hang)
        except DeadlineExceeded:
            break
        except TimeoutError:
            if attempt < retries:
                now[0] += 0.5 * 2**attempt  # the SDK's backoff before the next attempt
    assert sum(given) <= deadline_s
    assert now[0] <= deadline_s + 1e-9
