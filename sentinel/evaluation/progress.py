"""A progress bar whose ETA is worth reading.

The first checks of an eval are the slowest (fixtures evaluated onto the grid, every baseline
fitted cold, worker processes importing), so tqdm's rate from the first seconds promised hours.
This bar shows "ETA after warm-up" until `warmup` checks are done, then the remaining time at
the rate measured since the warm-up ended (a plain mean over similar units, no smoothing).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from types import TracebackType

from tqdm.auto import tqdm

FORMAT = "{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} checks [{elapsed}{postfix}]"


def warmup_checks(total: int) -> int:
    """Checks to see before trusting the rate: 2% of the run, at least 10."""
    return max(10, total // 50)


def eta_text(
    total: int, n: int, mark: tuple[float, int] | None, now: float, warmup: int
) -> tuple[str, tuple[float, int] | None]:
    """The ETA shown at `n` done, and the (time, n) where the warm-up ended (None before)."""
    if mark is None:
        if n < warmup:
            return "ETA after warm-up", None
        return "ETA soon", (now, n)
    t0, n0 = mark
    if n <= n0 or now <= t0:
        return "ETA soon", mark
    rate = (n - n0) / (now - t0)
    return f"ETA {tqdm.format_interval((total - n) / rate)}", mark


class EtaBar:
    """tqdm with the warm-up ETA above; `set(n)` for counts read from files, `update(k)`."""

    def __init__(
        self,
        total: int,
        desc: str = "eval",
        initial: int = 0,
        disable: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total, self.clock, self.initial = total, clock, initial
        self.warmup = initial + warmup_checks(total - initial)
        self.mark: tuple[float, int] | None = None
        self.bar = tqdm(total=total, initial=initial, desc=desc, bar_format=FORMAT, disable=disable)
        self.bar.set_postfix_str("ETA after warm-up", refresh=False)

    def set(self, n: int) -> None:
        text, self.mark = eta_text(self.total, n, self.mark, self.clock(), self.warmup)
        self.bar.n = n
        self.bar.set_postfix_str(text, refresh=False)
        self.bar.refresh()

    def update(self, k: int = 1) -> None:
        self.set(self.bar.n + k)

    def __enter__(self) -> EtaBar:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if kind is None:
            self.bar.set_postfix_str("done", refresh=False)
        self.bar.close()
