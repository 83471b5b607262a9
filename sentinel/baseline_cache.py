"""Fitted baselines kept between checks, so a check every few minutes does not refit 30 days."""

from __future__ import annotations

import zlib
from collections.abc import Hashable

from sentinel.season import NS_PER_MINUTE


class BaselineCache:
    """Fitted profiles kept between checks, refitted at most once per `refit_seconds`.

    The fit cutoff is the start of the refit period containing the scored window's start, so the
    profile never sees the points it scores, and successive checks inside one period reuse it.
    With a `spread` key (the service), periods start at a whole-minute phase derived from it, so
    a thousand services do not all refit in the first minute of every hour.
    """

    def __init__(self, refit_seconds: int = 3600) -> None:
        self.refit_ns = int(refit_seconds) * 1_000_000_000
        self._entries: dict[Hashable, tuple[int, object]] = {}
        self.fits = 0
        self.hits = 0

    def cutoff(self, window_start_ns: int, spread: Hashable | None = None) -> int:
        phase = 0
        if spread is not None:
            minutes = max(self.refit_ns // NS_PER_MINUTE, 1)
            phase = zlib.crc32(repr(spread).encode()) % minutes * NS_PER_MINUTE
        return window_start_ns - (window_start_ns - phase) % self.refit_ns

    def get(self, key: Hashable, cutoff_ns: int) -> object | None:
        entry = self._entries.get(key)
        if entry is not None and entry[0] == cutoff_ns:
            self.hits += 1
            return entry[1]
        return None

    def put(self, key: Hashable, cutoff_ns: int, value: object) -> None:
        self.fits += 1
        self._entries[key] = (cutoff_ns, value)
