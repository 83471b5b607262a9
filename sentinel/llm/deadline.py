"""A per-check deadline shared by every model call of one check, enforced inside the SDK.

A check must finish before the next one of its service is due, whatever the model does: hung,
rate-limited with a long `retry-after`, or slow on a repair. The SDK's own retries stay in charge
(no retry loop of ours); `DeadlineMiddleware` runs once per HTTP attempt inside them and

- gives each attempt the time that is left (`min(timeout_s, remaining)`), so the attempts'
  timeouts together never exceed the deadline (the old worst case was timeout x attempts);
- stops before the next retry when the SDK's wait (its `retry-after` or its backoff cap) would
  not leave room for another attempt.

`DeadlineExceeded` is raised without a cause chain so the SDK does not retry it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sentinel.config import LLMConfig, ServiceConfig
from sentinel.errors import LLMError

DEADLINE_SHARE = 0.8  # of the service interval: the rest is for collect, assess and recording
MIN_ATTEMPT_S = 0.05  # below this, another attempt cannot return an answer
MAX_BACKOFF_S = 8.0  # the SDK's MAX_RETRY_DELAY (anthropic._constants), our planning bound
INITIAL_BACKOFF_S = 0.5  # the SDK's INITIAL_RETRY_DELAY


def capped_deadline_s(deadline_s: float, interval_seconds: float) -> float:
    """The configured deadline, cut to DEADLINE_SHARE of the service's interval."""
    return min(deadline_s, DEADLINE_SHARE * interval_seconds)


def check_deadline_s(llm: LLMConfig, service: ServiceConfig) -> float:
    """Seconds one check may spend on model calls: the configured deadline, and always less
    than the service's interval. The scheduler bounds its model-call pool with the same figure."""
    return capped_deadline_s(llm.check_deadline_s, service.interval_seconds)


class DeadlineExceeded(LLMError):
    """The check's deadline passed (or would pass) before the model answered."""


@dataclass
class Deadline:
    """A wall-clock budget started when a check first asks a model."""

    seconds: float
    clock: Callable[[], float] = time.monotonic
    started: float = field(default=-1.0)

    def __post_init__(self) -> None:
        if self.started < 0:
            self.started = self.clock()

    def remaining(self) -> float:
        return self.seconds - (self.clock() - self.started)

    def check(self, what: str) -> float:
        """The seconds left, or DeadlineExceeded naming what could not start."""
        left = self.remaining()
        if left <= MIN_ATTEMPT_S:
            raise DeadlineExceeded(f"per-check deadline {self.seconds:g} s reached before {what}")
        return left


def attempt_timeout(timeout_s: float, remaining_s: float) -> float:
    """One HTTP attempt's timeout: the configured one, cut to what the deadline leaves."""
    return max(min(timeout_s, remaining_s), 0.0)


def next_wait_bound(retries_taken: int, headers: Any | None) -> float:
    """An upper bound on how long the SDK sleeps before the next attempt: its `retry-after`
    (ms or s) when the response gave one, else its exponential backoff cap."""
    if headers is not None:
        for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
            raw = headers.get(name)
            try:
                if raw is not None and float(raw) > 0:
                    return float(raw) * scale
            except ValueError:
                pass
    return min(INITIAL_BACKOFF_S * 2.0**retries_taken, MAX_BACKOFF_S)


class DeadlineMiddleware:
    """anthropic SDK middleware: bound every attempt of one call by a shared Deadline."""

    def __init__(self, deadline: Deadline, timeout_s: float, max_retries: int):
        self.deadline, self.timeout_s, self.max_retries = deadline, timeout_s, max_retries

    def __call__(self, request: Any, call_next: Callable[[Any], Any]) -> Any:
        left = self.deadline.check(f"attempt {request.retries_taken + 1}")
        timed = request.copy(timeout=attempt_timeout(self.timeout_s, left))
        last = request.retries_taken >= self.max_retries
        try:
            response = call_next(timed)
        except Exception as exc:  # connection failure or timeout: the SDK would retry it
            if not last and not self._room_for_retry(request.retries_taken, None):
                raise DeadlineExceeded(
                    f"per-check deadline {self.deadline.seconds:g} s: no time left to retry "
                    f"after {type(exc).__name__}"
                ) from None
            raise
        status = getattr(response, "status_code", 200)
        headers = getattr(response, "headers", None) or {}
        retryable = headers.get("x-should-retry") != "false" and (
            status in (408, 409, 429) or status >= 500
        )
        if retryable and not last and not self._room_for_retry(request.retries_taken, headers):
            raise DeadlineExceeded(
                f"per-check deadline {self.deadline.seconds:g} s: HTTP {status} and no time "
                "left to wait for a retry"
            )
        return response

    def _room_for_retry(self, retries_taken: int, headers: Any | None) -> bool:
        wait = next_wait_bound(retries_taken, headers)
        return self.deadline.remaining() - wait > MIN_ATTEMPT_S
