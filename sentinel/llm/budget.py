"""Cost controls: a cap on model calls per hour, a monthly budget and a soft alert before it.

`admit` reserves the call under a lock before it is made, so concurrent checks (threads of
`sentinel run`, or separate scheduled `sentinel check` processes) can never pass a cap together,
and a call that then times out or fails still counts. With a ledger URL the spend lives in the
SQL store (SQLite: `BEGIN IMMEDIATE` serialises processes; PostgreSQL: a transaction-scoped
advisory lock), one row per call, so nothing is rewritten whole, processes add up, and
`make clean` (which removes reports/) does not reset the month. Without a ledger the counts live
in memory (evals, notebooks, tests). The clock is the check time, so a walk-forward eval sees
the same caps a live deployment would.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import structlog
from sqlalchemy import Column, Float, Integer, MetaData, String, Table, func, insert, select
from sqlalchemy.engine import Connection

from sentinel.errors import BudgetExceeded

log = structlog.get_logger(__name__)
HOUR = timedelta(hours=1)
SoftAlert = Callable[[float, float], None]  # (month spend, monthly budget)


class MemoryLedger:
    """Calls and spend of this process only (calls older than an hour are dropped, as before)."""

    def __init__(self) -> None:
        self.calls: list[tuple[datetime, int]] = []  # (check time, calls) of the last hour
        self.spend: dict[str, float] = {}  # month -> USD

    def usage(self, at: datetime) -> tuple[int, float]:
        """(calls in the hour before `at`, spend in `at`'s month)."""
        calls = sum(n for t, n in self.calls if at - HOUR < t <= at)
        return calls, self.spend.get(_month(at), 0.0)

    def reserve(self, at: datetime, check: Callable[[int, float], None]) -> None:
        check(*self.usage(at))
        self.add(at, 1, 0.0)

    def add(self, at: datetime, calls: int, cost_usd: float) -> tuple[float, float]:
        """Add a row; (month spend before, after)."""
        self.calls = [(t, n) for t, n in self.calls if t > at - HOUR] + [(at, calls)]
        before = self.spend.get(_month(at), 0.0)
        self.spend[_month(at)] = before + cost_usd
        return before, before + cost_usd


_META = MetaData()
LEDGER = Table(
    "llm_ledger",
    _META,
    Column("id", Integer, primary_key=True),
    Column("at", String(32), index=True),  # check time, ISO-8601 UTC: sorts as text everywhere
    Column("month", String(7), index=True),
    Column("calls", Integer, nullable=False),
    Column("cost_usd", Float, nullable=False),
)


class SqlLedger:
    """One row per reservation or settled call in the SQL store, safe across processes."""

    def __init__(self, url: str) -> None:
        from sentinel.store.engine import create_tables, ensure_sqlite_folder, make_engine

        ensure_sqlite_folder(url)
        self.engine = make_engine(url, busy_timeout_s=30.0)
        create_tables(self.engine, _META)

    def _usage(self, conn: Connection, at: datetime) -> tuple[int, float]:
        calls = conn.scalar(
            select(func.coalesce(func.sum(LEDGER.c.calls), 0)).where(
                LEDGER.c.at > _iso(at - HOUR), LEDGER.c.at <= _iso(at)
            )
        )
        spend = conn.scalar(
            select(func.coalesce(func.sum(LEDGER.c.cost_usd), 0.0)).where(
                LEDGER.c.month == _month(at)
            )
        )
        return int(calls), float(spend)

    def usage(self, at: datetime) -> tuple[int, float]:
        with self.engine.connect() as conn:
            return self._usage(conn, at)

    def _locked(self, conn: Connection) -> None:
        if self.engine.dialect.name == "postgresql":  # SQLite: BEGIN IMMEDIATE already holds it
            from sentinel.store.engine import lock_key

            lock_key("sentinel_llm_ledger", "calls", conn)

    def reserve(self, at: datetime, check: Callable[[int, float], None]) -> None:
        with self.engine.begin() as conn:
            self._locked(conn)
            check(*self._usage(conn, at))  # raises BudgetExceeded: the transaction rolls back
            conn.execute(insert(LEDGER).values(**_row(at, 1, 0.0)))

    def add(self, at: datetime, calls: int, cost_usd: float) -> tuple[float, float]:
        with self.engine.begin() as conn:
            self._locked(conn)
            before = self._usage(conn, at)[1]
            conn.execute(insert(LEDGER).values(**_row(at, calls, cost_usd)))
        return before, before + cost_usd


class CostGuard:
    """Admits (and reserves) a model call or raises BudgetExceeded; records what calls cost."""

    def __init__(
        self,
        calls_per_hour: int | None = None,
        monthly_budget_usd: float | None = None,
        ledger: str | Path | None = None,
        soft_fraction: float | None = 0.8,
        on_soft_alert: SoftAlert | None = None,
    ):
        from sentinel.store import database_url

        self.calls_per_hour = calls_per_hour
        self.monthly_budget_usd = monthly_budget_usd
        self.soft_fraction = soft_fraction
        self.on_soft_alert = on_soft_alert
        self.ledger = (
            SqlLedger(database_url(None if ledger == "store" else ledger))
            if ledger
            else MemoryLedger()
        )
        self.refused = {"calls_per_hour": 0, "monthly_budget": 0}
        self._lock = threading.Lock()

    def month_spend(self, at: datetime) -> float:
        return self.ledger.usage(at)[1]

    def admit(self, at: datetime) -> None:
        """Reserve one call at `at`, or raise BudgetExceeded (logged and counted) if it would
        pass either cap. The reservation counts even if the call then fails or times out."""

        def check(calls: int, spent: float) -> None:
            if self.calls_per_hour is not None and calls >= self.calls_per_hour:
                self._refuse(
                    "calls_per_hour",
                    at,
                    f"{calls} model calls in the last hour "
                    f"(cap llm.calls_per_hour={self.calls_per_hour})",
                )
            if self.monthly_budget_usd is not None and spent >= self.monthly_budget_usd:
                self._refuse(
                    "monthly_budget",
                    at,
                    f"${spent:.2f} spent in {at:%Y-%m} "
                    f"(budget llm.monthly_budget_usd={self.monthly_budget_usd:.2f})",
                )

        with self._lock:
            self.ledger.reserve(at, check)

    def record(self, at: datetime, cost_usd: float, calls: int = 1) -> None:
        """Settle an admitted call: its cost (failed calls too: they were billed) and any calls
        beyond the one reserved (a schema repair is a second call)."""
        with self._lock:
            before, after = self.ledger.add(at, max(calls - 1, 0), cost_usd)
        budget, soft = self.monthly_budget_usd, self.soft_fraction
        if budget is not None and soft is not None and before < soft * budget <= after:
            log.warning(
                "llm.budget_soft_alert",
                month=f"{at:%Y-%m}",
                spent_usd=round(after, 4),
                budget_usd=budget,
                fraction=soft,
            )
            if self.on_soft_alert is not None:
                self.on_soft_alert(after, budget)

    def _refuse(self, which: str, at: datetime, why: str) -> None:
        self.refused[which] += 1
        log.warning("llm.budget_exhausted", cap=which, at=at.isoformat(), detail=why)
        raise BudgetExceeded(why)


def guards_of(judge: object) -> list[CostGuard]:
    """The cost guards behind a judge (an LLMJudge's, or both tiers' of a TieredJudge)."""
    parts = [judge, getattr(judge, "cheap", None), getattr(judge, "strong", None)]
    found = [g for p in parts if isinstance(g := getattr(p, "guard", None), CostGuard)]
    return list({id(g): g for g in found}.values())


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def _month(t: datetime) -> str:
    return f"{t.astimezone(UTC):%Y-%m}"


def _row(at: datetime, calls: int, cost_usd: float) -> dict[str, object]:
    return {"at": _iso(at), "month": _month(at), "calls": calls, "cost_usd": cost_usd}
