"""The production loop: every service checked at its own interval, concurrently, never overlapping.

Each service's checks fall on a fixed grid (`k * interval_seconds` since the epoch) and
`checked_at` is the grid time, so a re-run of a slot after a crash is recognised by the store
as a duplicate. The run itself starts a stable per-service offset after the slot (a fraction
`jitter` of the interval, from a hash of the name), which spreads 1,000 services evenly over
the interval the way Prometheus spreads scrapes. A dispatcher thread hands due slots to a fixed
pool of worker threads; a slot whose service is still being checked is skipped, not queued.

Cold start: a service's first check fits its baselines (slow); 1,000 of them at once outran
the workers and their slots were skipped. Services therefore warm up gradually, in offset
order, each when a worker is free: the warm-up is a real check of its current slot, and the
service joins the grid at its first slot after the warm-up has finished. Until then it is
warming (`sentinel_services_warming`), not missing slots; once joined it keeps every slot.
"""

from __future__ import annotations

import heapq
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import structlog

from sentinel.clock import (  # noqa: F401 (SimulatedClock, EPOCH: re-exported)
    EPOCH,
    Clock,
    SimulatedClock,
    WallClock,
    slot_floor,
    stable_fraction,
)
from sentinel.config import SentinelConfig, ServiceConfig
from sentinel.errors import BudgetExceeded, ConfigError, SentinelError
from sentinel.models import Provenance, Route, Status, Verdict
from sentinel.notify import Notifier
from sentinel.store import Store
from sentinel.store_backlog import StoreBacklog
from sentinel.telemetry import Telemetry

log = structlog.get_logger("sentinel.scheduler")

CheckFn = Callable[[ServiceConfig, datetime], Verdict]


@dataclass(order=True)
class _Due:
    run_at: datetime
    service: str = field(compare=False)
    slot: datetime = field(compare=False)
    generation: int = field(compare=False)


class Scheduler:
    """Runs `check(service, at)` for every service on its own grid until stopped."""

    def __init__(
        self,
        config: SentinelConfig,
        check: CheckFn,
        clock: Clock | None = None,
        store: Store | None = None,
        notifier: Notifier | None = None,
        telemetry: Telemetry | None = None,
        workers: int = 4,
        jitter: float = 0.1,
        grace_s: float = 10.0,
        on_verdict: Callable[[Verdict], None] | None = None,
        reload: Callable[[], tuple[SentinelConfig, CheckFn]] | None = None,
    ) -> None:
        if not 0 <= jitter < 1:
            raise ConfigError(f"jitter must be in [0, 1), got {jitter}")
        self.config = config
        self.check_fn = check
        self.clock = clock or WallClock()
        self.store = store
        self.notifier = notifier
        self.telemetry = telemetry or Telemetry()
        self.workers = workers
        self.jitter = jitter
        self.grace_s = grace_s
        self.on_verdict = on_verdict
        self.reload_fn = reload
        self.stop_event = threading.Event()
        self.stop_reason = ""
        self._reload_requested = threading.Event()
        self._queue: queue.Queue[tuple[ServiceConfig, datetime, CheckFn] | None] = queue.Queue()
        self._busy: dict[str, datetime] = {}  # service -> slot being checked
        self._busy_lock = threading.Lock()
        self._idle = threading.Condition(self._busy_lock)
        self._heap: list[_Due] = []
        self._waiting: deque[ServiceConfig] = deque()  # not warmed up yet (cold start)
        self._warming: dict[str, int] = {}  # service -> generation, its warm-up check running
        self._warmed: deque[tuple[ServiceConfig, int]] = deque()  # done: join the grid
        self._wakeup = threading.Event()  # a worker finished: capacity for a waiting service
        self._generation = 0
        self._services: dict[str, ServiceConfig] = {}
        self._backlog = (
            StoreBacklog(store, self.telemetry, self._wake_notifier) if store is not None else None
        )
        self.completed = 0

    # -- public -------------------------------------------------------------------------------

    def stop(self, reason: str = "stop requested") -> None:
        if not self.stop_event.is_set():
            self.stop_reason = reason
            self.stop_event.set()
            self._wakeup.set()

    def request_reload(self) -> None:
        self._reload_requested.set()

    def run(self, once: bool = False, duration_s: float | None = None) -> None:
        """Dispatch until stopped (or after one round with `once`, or after `duration_s`)."""
        threads = [
            threading.Thread(target=self._worker, name=f"check-{i}", daemon=True)
            for i in range(self.workers)
        ]
        for t in threads:
            t.start()
        notifier_thread = None
        if self.notifier is not None:
            notifier_thread = threading.Thread(
                target=self.notifier.run, args=(self.stop_event,), name="notifier", daemon=True
            )
            notifier_thread.start()
        deadline = time.monotonic() + duration_s if duration_s else None
        self._schedule(self.config, first=True)
        log.info(
            "loop_started",
            services=len(self._services),
            workers=self.workers,
            once=once,
            clock=type(self.clock).__name__,
            start=self.clock.now().isoformat(),
        )
        try:
            if once:
                self._dispatch_all_now()
            else:
                self._stage()
                self._dispatch_loop(deadline)
        finally:
            if deadline and not self.stop_event.is_set() and time.monotonic() >= deadline:
                self.stop("duration reached")
            self._drain(once)
            self.stop("finished")
            for _ in threads:
                self._queue.put(None)
            if notifier_thread is not None:
                notifier_thread.join(timeout=self.grace_s)
            log.info("loop_stopped", reason=self.stop_reason, checks=self.completed)

    # -- dispatching ----------------------------------------------------------------------------

    def _schedule(self, config: SentinelConfig, first: bool = False) -> None:
        """(Re)build the heap from `config`; a reload keeps nothing from the old schedule."""
        self._generation += 1
        self.config = config
        self._services = {s.name: s for s in config.services}
        now = self.clock.now()
        self._heap = [self._first_due(s, now) for s in config.services]
        heapq.heapify(self._heap)

    def _stage(self) -> None:
        """Loop mode: every scheduled service waits to join (see the module docstring)."""
        self._waiting = deque(self._services[d.service] for d in sorted(self._heap))
        self._warmed.clear()
        self._heap = []
        self.telemetry.services_warming.set(len(self._waiting))

    def _admit(self, now: datetime) -> None:
        """Warm up waiting services while a worker is free and nothing is queued (a real check
        of the current slot); services whose warm-up finished join the grid at their next slot."""
        while self._warmed:
            svc, generation = self._warmed.popleft()
            if generation == self._generation:
                nxt = slot_floor(now - self._offset(svc), svc.interval_seconds) + timedelta(
                    seconds=svc.interval_seconds
                )
                heapq.heappush(self._heap, _Due(nxt + self._offset(svc), svc.name, nxt, generation))
        while self._waiting:
            with self._busy_lock:
                if len(self._busy) >= self.workers or not self._queue.empty():
                    break
            svc = self._waiting.popleft()
            self._warming[svc.name] = self._generation
            if not self._submit(svc, slot_floor(now - self._offset(svc), svc.interval_seconds)):
                del self._warming[svc.name]  # still busy from before a reload: try it later
                self._waiting.append(svc)
                break
        self.telemetry.services_warming.set(len(self._waiting) + len(self._warming))

    def _offset(self, svc: ServiceConfig) -> timedelta:
        return timedelta(seconds=stable_fraction(svc.name) * self.jitter * svc.interval_seconds)

    def _first_due(self, svc: ServiceConfig, now: datetime) -> _Due:
        slot = slot_floor(now, svc.interval_seconds)
        run_at = max(now, slot + self._offset(svc))  # the current slot, at its place if ahead
        return _Due(run_at, svc.name, slot, self._generation)

    def _dispatch_all_now(self) -> None:
        for due in sorted(self._heap):
            self._submit(self._services[due.service], due.slot)
        with self._idle:
            self._idle.wait_for(lambda: not self._busy and self._queue.empty())

    def _dispatch_loop(self, deadline: float | None) -> None:
        while not self.stop_event.is_set():
            if deadline and time.monotonic() >= deadline:
                return
            if self._reload_requested.is_set():
                self._reload_requested.clear()
                self._reload()
            now = self.clock.now()
            while self._heap and self._heap[0].run_at <= now:
                due = heapq.heappop(self._heap)
                if due.generation != self._generation:
                    continue
                svc = self._services[due.service]
                latest = slot_floor(now - self._offset(svc), svc.interval_seconds)
                if latest > due.slot:  # fell behind: check the newest slot, count the rest
                    missed = round((latest - due.slot).total_seconds() / svc.interval_seconds)
                    self.telemetry.checks_skipped.labels("missed").inc(missed)
                    due.slot = latest
                self._submit(svc, due.slot)
                nxt = due.slot + timedelta(seconds=svc.interval_seconds)
                heapq.heappush(
                    self._heap, _Due(nxt + self._offset(svc), svc.name, nxt, due.generation)
                )
            self._admit(now)  # after the due slots: joined services keep theirs first
            wait = 0.5
            if self._heap:
                ahead = (self._heap[0].run_at - self.clock.now()).total_seconds()
                wait = min(wait, max(0.0, self.clock.wall_seconds(ahead)))
            self._wakeup.wait(wait)  # a finished check (room to admit) or stop wakes it early
            self._wakeup.clear()

    def _submit(self, svc: ServiceConfig, slot: datetime) -> bool:
        with self._busy_lock:
            if svc.name in self._busy:
                self.telemetry.checks_skipped.labels("overlap").inc()
                log.info("check_skipped_overlap", service=svc.name, slot=slot.isoformat())
                return False
            self._busy[svc.name] = slot
            self.telemetry.in_flight.inc()
        self._queue.put((svc, slot, self.check_fn))
        return True

    def _reload(self) -> None:
        if self.reload_fn is None:
            return
        try:
            config, check = self.reload_fn()
        except SentinelError as exc:
            self.telemetry.config_reloads.labels("failed").inc()
            log.error("config_reload_failed_keeping_last_good", error=str(exc))
            return
        self.check_fn = check
        self._schedule(config)
        self._stage()
        self.telemetry.config_reloads.labels("ok").inc()
        log.info("config_reloaded", services=len(config.services))

    # -- workers --------------------------------------------------------------------------------

    def _worker(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            svc, slot, check = job
            try:
                self._run_one(svc, slot, check)
            finally:
                with self._idle:
                    self._busy.pop(svc.name, None)
                    self.telemetry.in_flight.dec()
                    self._idle.notify_all()
                generation = self._warming.pop(svc.name, None)
                if generation is not None:
                    self._warmed.append((svc, generation))
                if self._waiting or generation is not None:
                    self._wakeup.set()

    def _run_one(self, svc: ServiceConfig, slot: datetime, check: CheckFn) -> None:
        if self.stop_event.is_set() and self.stop_reason != "finished":
            return  # queued but not started before shutdown: its slot will come round again
        started = time.monotonic()
        try:
            verdict = check(svc, slot)
        except BudgetExceeded as exc:
            self.telemetry.budget_exhausted.inc()
            verdict = failed_verdict(svc.name, slot, f"model budget exhausted: {exc}")
        except Exception as exc:  # one broken service must never stop the others
            kind = "source" if "Source" in type(exc).__name__ else "check"
            self.telemetry.error(kind)
            log.error("check_failed", service=svc.name, slot=slot.isoformat(), error=str(exc))
            verdict = failed_verdict(svc.name, slot, f"check failed: {type(exc).__name__}: {exc}")
        duration = time.monotonic() - started
        if verdict.status == Status.UNKNOWN and verdict.provenance.route == Route.NO_DATA:
            self.telemetry.error("no_data")
        self._record(verdict, duration)

    def _record(self, verdict: Verdict, duration: float) -> None:
        self.telemetry.verdict(verdict, duration)
        result = None
        if self._backlog is not None:
            result = self._backlog.record(verdict)
        self.completed += 1
        log.info(
            "check_done",
            service=verdict.service,
            checked_at=verdict.checked_at.isoformat(),
            status=verdict.status.value,
            path=verdict.provenance.path,
            duration_s=round(duration, 4),
            duplicate=getattr(result, "duplicate", None),
            ticket=getattr(result, "move", None),
        )
        if result is not None and result.queued_alert and self.notifier is not None:
            self.notifier.wake()
        if self.on_verdict is not None:
            self.on_verdict(verdict)

    def _wake_notifier(self) -> None:
        if self.notifier is not None:
            self.notifier.wake()

    def _drain(self, once: bool) -> None:
        """Let in-flight checks finish within the grace period; record the rest as interrupted."""
        if once:
            return
        with self._idle:
            done = self._idle.wait_for(lambda: not self._busy, timeout=self.grace_s)
            stuck = dict(self._busy)
        if done:
            return
        for name, slot in stuck.items():
            self.telemetry.checks_interrupted.inc()
            log.warning("check_interrupted", service=name, slot=slot.isoformat())
            verdict = failed_verdict(
                name,
                slot,
                f"check interrupted by shutdown ({self.stop_reason}) after {self.grace_s:g} s",
                route=Route.INTERRUPTED,
            )
            self._record(verdict, self.grace_s)


def failed_verdict(
    service: str, at: datetime, reason: str, route: Route = Route.CHECK_FAILED
) -> Verdict:
    """UNKNOWN with the reason: the honest answer when a check could not be made."""
    return Verdict(
        service=service,
        checked_at=at,
        status=Status.UNKNOWN,
        reasoning=reason,
        provenance=Provenance(route=route, note=reason[:500]),
    )


def check_with(agent: Any) -> CheckFn:
    """Adapt an `Agent` to the scheduler's check function."""

    def check(svc: ServiceConfig, at: datetime) -> Verdict:
        return agent.check(svc, at)

    return check
