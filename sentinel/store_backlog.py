"""Verdicts kept in memory while the ticket store is down, recorded oldest first when it is back.

The scheduler's one defence against a store outage: no verdict is lost to a short outage, the
order of a service's verdicts (and so its ticket moves) is kept, and memory stays bounded.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable

import structlog

from sentinel.models import Verdict
from sentinel.store import RecordResult, Store, StoreError
from sentinel.telemetry import Telemetry

log = structlog.get_logger("sentinel.scheduler")
BACKLOG_MAX = 10_000  # verdicts kept in memory while the store is down


class StoreBacklog:
    """Records verdicts through `store`, queueing them while it fails."""

    def __init__(
        self,
        store: Store,
        telemetry: Telemetry,
        on_queued_alert: Callable[[], None] = lambda: None,
        max_size: int = BACKLOG_MAX,
    ) -> None:
        self.store = store
        self.telemetry = telemetry
        self.on_queued_alert = on_queued_alert
        self.max_size = max_size
        self._pending: deque[Verdict] = deque()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._pending)

    def record(self, verdict: Verdict) -> RecordResult | None:
        """Record `verdict` after any backlog left by a store outage, oldest first; None while
        the store still fails (the verdict waits in the backlog).

        Recording is idempotent, so a verdict retried after an ambiguous failure is harmless.
        The backlog is bounded; past `max_size` the oldest verdicts are dropped and counted.
        An alert queued while recording an older verdict calls `on_queued_alert`."""
        with self._lock:
            if len(self._pending) >= self.max_size:
                self._pending.popleft()
                self.telemetry.error("backlog_dropped")
            self._pending.append(verdict)
            result = None
            while self._pending:
                head = self._pending[0]
                try:
                    got = self.store.record(head)
                except StoreError as exc:
                    self.telemetry.error("store")
                    log.error(
                        "verdict_not_recorded_yet",
                        service=head.service,
                        backlog=len(self._pending),
                        error=str(exc),
                    )
                    self.telemetry.store_backlog.set(len(self._pending))
                    return None
                self._pending.popleft()
                if head is verdict:
                    result = got
                elif got.queued_alert:
                    self.on_queued_alert()
            self.telemetry.store_backlog.set(0)
            return result
