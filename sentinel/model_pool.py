"""The loop's guard around model calls: their own small worker pool, a backstop deadline and a
circuit breaker, so one hung or failing model cannot starve the checks of other services.

`sentinel run` wraps the agent's judge in a `ModelPool`. A check's model call runs on the pool;
the check's worker waits at most the per-check deadline (the judge enforces the same deadline
inside the SDK; this one also covers anything outside it). When every pool slot is busy, or the
breaker is open after repeated failures, the check does not wait at all: the judge raises
`ModelUnavailable` (an LLMError) and the agent returns the statistical verdict, path
`llm-fallback`. Every failure is counted by kind (deadline, timeout, http_5xx, connection,
bad_answer, pool_full, circuit_open, budget, ...).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

import structlog

from sentinel.config import LLMConfig
from sentinel.errors import BudgetExceeded, LLMError
from sentinel.llm.deadline import check_deadline_s
from sentinel.models import Verdict
from sentinel.pipeline import Assessment, Judge, ServiceData

log = structlog.get_logger("sentinel.model_pool")
BACKSTOP_MARGIN_S = 1.0  # beyond the judge's own deadline, before the pool gives up waiting


class ModelUnavailable(LLMError):
    """The model was not asked, or its answer not awaited: pool full, circuit open, deadline."""


class CircuitBreaker:
    """Closed until `failures` consecutive failures; then open for `cooldown_s`, after which one
    trial call is let through (half-open): success closes it, failure re-opens it."""

    def __init__(
        self,
        failures: int = 3,
        cooldown_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.failures, self.cooldown_s, self.clock = failures, cooldown_s, clock
        self._consecutive = 0
        self._opened_at: float | None = None
        self._trial = False
        self._lock = threading.Lock()

    @property
    def state(self) -> str:
        with self._lock:
            if self._opened_at is None:
                return "closed"
            return "half-open" if self._cooled() else "open"

    def _cooled(self) -> bool:
        return self._opened_at is not None and self.clock() - self._opened_at >= self.cooldown_s

    def allow(self) -> bool:
        with self._lock:
            if self._opened_at is None:
                return True
            if self._cooled() and not self._trial:
                self._trial = True  # one trial at a time
                return True
            return False

    def success(self) -> None:
        with self._lock:
            self._consecutive, self._opened_at, self._trial = 0, None, False

    def failure(self) -> bool:
        """Count a failure; True if this one opened (or re-opened) the breaker."""
        with self._lock:
            self._consecutive += 1
            if self._trial or (self._opened_at is None and self._consecutive >= self.failures):
                self._opened_at, self._trial = self.clock(), False
                return True
            return False


def failure_kind(exc: BaseException) -> str:
    """A short label for why a model call failed, for counting (no SDK import needed)."""
    if isinstance(exc, BudgetExceeded):
        return "budget"
    name = type(exc).__name__
    if name == "DeadlineExceeded":
        return "deadline"
    if name == "ModelCallFailed":
        return "bad_answer"
    cause = exc.__cause__
    cause_name = type(cause).__name__ if cause is not None else ""
    if "Timeout" in cause_name:
        return "timeout"
    status = getattr(cause, "status_code", None)
    if isinstance(status, int):
        return "http_429" if status == 429 else f"http_{status // 100}xx"
    if "Connection" in cause_name:
        return "connection"
    return "error"


class ModelPool:
    """Implements sentinel.pipeline.Judge around another judge (see the module docstring)."""

    def __init__(
        self,
        judge: Judge,
        deadline_s: Callable[[ServiceData], float],
        workers: int = 2,
        breaker: CircuitBreaker | None = None,
        on_failure: Callable[[str], None] | None = None,
    ) -> None:
        self.inner, self.deadline_s = judge, deadline_s
        self.breaker = breaker or CircuitBreaker()
        self.on_failure = on_failure
        self.workers = workers
        self._slots = threading.BoundedSemaphore(workers)
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="model")

    def __getattr__(self, name: str) -> Any:  # guards, cheap/strong: as the wrapped judge
        return getattr(self.inner, name)

    def judge(self, data: ServiceData, assessment: Assessment) -> Verdict:
        name = data.service.name
        if not self.breaker.allow():
            self._failed("circuit_open", name)
            raise ModelUnavailable(
                f"model circuit open after {self.breaker.failures} consecutive failures "
                f"(retrying after {self.breaker.cooldown_s:g} s)"
            )
        if not self._slots.acquire(blocking=False):
            self._failed("pool_full", name)
            raise ModelUnavailable(f"all {self.workers} model workers busy (a slow or hung model)")
        try:
            future: Future[Verdict] = self._executor.submit(self.inner.judge, data, assessment)
        except RuntimeError:
            self._slots.release()
            raise
        future.add_done_callback(lambda _f: self._slots.release())  # a hung call keeps its slot
        wait = self.deadline_s(data) + BACKSTOP_MARGIN_S
        try:
            verdict = future.result(timeout=wait)
        except FutureTimeout:
            self._broke("deadline", name)
            raise ModelUnavailable(f"no model answer within the {wait:g} s deadline") from None
        except BudgetExceeded:
            self._failed("budget", name)  # the caps worked; the model did not fail
            raise
        except LLMError as exc:
            self._broke(failure_kind(exc), name)
            raise
        self.breaker.success()
        return verdict

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _broke(self, kind: str, service: str) -> None:
        opened = self.breaker.failure()
        self._failed(kind, service)
        if opened:
            log.warning("model_circuit_opened", after=kind, cooldown_s=self.breaker.cooldown_s)

    def _failed(self, kind: str, service: str) -> None:
        log.warning("model_call_failed", kind=kind, service=service)
        if self.on_failure is not None:
            self.on_failure(kind)


def guard_model_calls(agent: Any, llm: LLMConfig, on_failure: Callable[[str], None] | None) -> None:
    """Put the agent's judge (if any) behind a ModelPool sized and tuned by `llm`."""
    if agent.judge is None or isinstance(agent.judge, ModelPool):
        return
    agent.judge = ModelPool(
        agent.judge,
        deadline_s=lambda data: check_deadline_s(llm, data.service),
        workers=llm.model_workers,
        breaker=CircuitBreaker(llm.breaker_failures, llm.breaker_cooldown_s),
        on_failure=on_failure,
    )
