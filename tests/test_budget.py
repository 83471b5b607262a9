"""Cost caps hold under concurrency: threads of one loop and separate `sentinel check` processes
reserve against one ledger in the SQL store, so no cap lets more calls through than it allows."""

from __future__ import annotations

import multiprocessing
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from sentinel.errors import BudgetExceeded
from sentinel.llm.budget import CostGuard

AT = datetime(2026, 11, 3, 12, tzinfo=UTC)


def _call(guard: CostGuard, admitted: list[int], cost: float = 0.01) -> None:
    """One model call as the judge makes it: admit, take a while, record what it cost."""
    try:
        guard.admit(AT)
    except BudgetExceeded:
        return
    admitted.append(1)
    time.sleep(0.2)
    guard.record(AT, cost)


@pytest.mark.parametrize("ledger", ["memory", "sqlite"])
def test_concurrent_threads_never_pass_the_call_cap(tmp_path, ledger):
    url = None if ledger == "memory" else str(tmp_path / "ledger.db")
    guard = CostGuard(calls_per_hour=5, ledger=url)
    admitted: list[int] = []
    threads = [threading.Thread(target=_call, args=(guard, admitted)) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(admitted) == 5


def _process(path: str, results: multiprocessing.Queue) -> None:
    admitted: list[int] = []
    _call(CostGuard(calls_per_hour=3, ledger=path), admitted)
    results.put(len(admitted))


def test_concurrent_processes_share_one_ledger_and_never_pass_the_cap(tmp_path):
    path = str(tmp_path / "ledger.db")
    ctx = multiprocessing.get_context("fork")  # cheap; each child opens its own engine
    results = ctx.Queue()
    procs = [ctx.Process(target=_process, args=(path, results)) for _ in range(8)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    assert sum(results.get(timeout=5) for _ in procs) == 3


def test_spend_from_two_processes_adds_up_and_survives_a_restart(tmp_path):
    path = str(tmp_path / "ledger.db")
    a, b = CostGuard(monthly_budget_usd=1.0, ledger=path), CostGuard(ledger=path)
    a.admit(AT)
    b.admit(AT)
    a.record(AT, 0.6)
    b.record(AT, 0.5)  # b never saw a's spend in memory: the ledger adds both
    assert CostGuard(ledger=path).month_spend(AT) == pytest.approx(1.1)
    with pytest.raises(BudgetExceeded, match="monthly_budget_usd"):
        CostGuard(monthly_budget_usd=1.0, ledger=path).admit(AT)
    next_month = AT + timedelta(days=30)
    CostGuard(monthly_budget_usd=1.0, ledger=path).admit(next_month)  # a new month starts at 0


def test_a_call_that_timed_out_still_counts_against_the_cap():
    """Timeouts and HTTP errors are failed calls: the reservation holds even without record()."""
    guard = CostGuard(calls_per_hour=2)
    guard.admit(AT)  # the call then hangs and times out: the judge records nothing
    guard.admit(AT)
    with pytest.raises(BudgetExceeded, match="calls_per_hour"):
        guard.admit(AT)
    assert guard.refused["calls_per_hour"] == 1


def test_a_schema_repair_counts_as_a_second_call():
    guard = CostGuard(calls_per_hour=3)
    guard.admit(AT)
    guard.record(AT, 0.02, calls=2)
    guard.admit(AT)
    with pytest.raises(BudgetExceeded):
        guard.admit(AT)


def test_soft_alert_fires_once_when_spend_crosses_the_fraction():
    alerts: list[tuple[float, float]] = []
    guard = CostGuard(
        monthly_budget_usd=10.0, soft_fraction=0.8, on_soft_alert=lambda s, b: alerts.append((s, b))
    )
    for cost in (5.0, 2.0, 1.5, 0.5):  # 5, 7, 8.5 (crosses 8), 9
        guard.admit(AT)
        guard.record(AT, cost)
    assert alerts == [(pytest.approx(8.5), 10.0)]


def test_a_ledger_in_a_folder_that_does_not_exist_yet_is_created_on_first_use(tmp_path):
    # A fresh clone has no var/: the first live check must not die on "unable to open database".
    db = tmp_path / "var" / "nested" / "sentinel.db"
    guard = CostGuard(calls_per_hour=2, ledger=db)
    at = datetime(2026, 11, 2, 12, tzinfo=UTC)
    guard.admit(at)
    guard.record(at, 0.01)
    assert db.is_file() and guard.month_spend(at) == pytest.approx(0.01)
