"""The loop's clocks and grid arithmetic: wall time in production, simulated time on fixtures."""

from __future__ import annotations

import hashlib
import math
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sentinel.errors import ConfigError

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Clock(Protocol):
    """The loop's notion of time: wall time in production, simulated time on fixtures."""

    def now(self) -> datetime: ...

    def wall_seconds(self, seconds: float) -> float:
        """How many real seconds `seconds` of clock time take."""
        ...


class WallClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def wall_seconds(self, seconds: float) -> float:
        return seconds


class SimulatedClock:
    """Time inside a fixture: reads `start` when first asked (the loop's start, not the import's)
    and then advances `speed` times faster than wall time."""

    def __init__(self, start: datetime, speed: float = 1.0) -> None:
        if speed <= 0:
            raise ConfigError(f"--speed must be positive, got {speed}")
        self.start, self.speed = start.astimezone(UTC), speed
        self._t0: float | None = None

    def now(self) -> datetime:
        if self._t0 is None:
            self._t0 = time.monotonic()
        return self.start + timedelta(seconds=(time.monotonic() - self._t0) * self.speed)

    def wall_seconds(self, seconds: float) -> float:
        return seconds / self.speed


def slot_floor(t: datetime, interval_s: int) -> datetime:
    """The latest grid time `k * interval_s` at or before `t`."""
    elapsed = (t - EPOCH).total_seconds()
    return EPOCH + timedelta(seconds=math.floor(elapsed / interval_s) * interval_s)


def stable_fraction(name: str) -> float:
    """A number in [0, 1) fixed by the service name: its place within the interval."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest()) / 2**64
