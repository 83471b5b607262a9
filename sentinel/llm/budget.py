"""Cost controls: a cap on model calls per hour and a monthly budget.

The clock is the check time, so a walk-forward eval sees the same caps a live deployment would.
With a state file the counts survive between processes (a scheduled `sentinel check` is one
process per run); without one they live in memory (evals, notebooks, tests).
"""

from __future__ import annotations

import json
import os
import threading
from datetime import datetime, timedelta
from pathlib import Path

import structlog

from sentinel.errors import BudgetExceeded

log = structlog.get_logger(__name__)
HOUR = timedelta(hours=1)


class CostGuard:
    """Admits a model call or raises BudgetExceeded; records what each call cost."""

    def __init__(
        self,
        calls_per_hour: int | None = None,
        monthly_budget_usd: float | None = None,
        state_path: Path | None = None,
    ):
        self.calls_per_hour = calls_per_hour
        self.monthly_budget_usd = monthly_budget_usd
        self.state_path = Path(state_path) if state_path else None
        self.calls: list[datetime] = []
        self.spend: dict[str, float] = {}
        self.refused = {"calls_per_hour": 0, "monthly_budget": 0}
        self._lock = threading.Lock()
        self._load()

    def month_spend(self, at: datetime) -> float:
        return self.spend.get(f"{at:%Y-%m}", 0.0)

    def admit(self, at: datetime) -> None:
        """Raise BudgetExceeded (logged and counted) if a call at `at` would pass either cap."""
        with self._lock:
            recent = [t for t in self.calls if at - HOUR < t <= at]
            if self.calls_per_hour is not None and len(recent) >= self.calls_per_hour:
                self._refuse(
                    "calls_per_hour",
                    at,
                    f"{len(recent)} model calls in the last hour "
                    f"(cap llm.calls_per_hour={self.calls_per_hour})",
                )
            spent = self.month_spend(at)
            if self.monthly_budget_usd is not None and spent >= self.monthly_budget_usd:
                self._refuse(
                    "monthly_budget",
                    at,
                    f"${spent:.2f} spent in {at:%Y-%m} "
                    f"(budget llm.monthly_budget_usd={self.monthly_budget_usd:.2f})",
                )

    def record(self, at: datetime, cost_usd: float, calls: int = 1) -> None:
        """Count calls and their cost (failed calls too: they were billed)."""
        with self._lock:
            self.calls = [t for t in self.calls if t > at - HOUR] + [at] * calls
            month = f"{at:%Y-%m}"
            self.spend[month] = self.spend.get(month, 0.0) + cost_usd
            self._save()

    def _refuse(self, which: str, at: datetime, why: str) -> None:
        self.refused[which] += 1
        log.warning("llm.budget_exhausted", cap=which, at=at.isoformat(), detail=why)
        raise BudgetExceeded(why)

    def _load(self) -> None:
        if not self.state_path or not self.state_path.is_file():
            return
        try:
            state = json.loads(self.state_path.read_text())
            self.calls = [datetime.fromisoformat(t) for t in state.get("calls", [])]
            self.spend = {k: float(v) for k, v in state.get("spend", {}).items()}
        except (OSError, ValueError, TypeError) as exc:
            log.warning("llm.budget_state_unreadable", path=str(self.state_path), error=str(exc))

    def _save(self) -> None:
        if not self.state_path:
            return
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.state_path.with_suffix(f".{os.getpid()}.tmp")
        state = {"calls": [t.isoformat() for t in self.calls], "spend": self.spend}
        tmp.write_text(json.dumps(state, indent=1) + "\n")
        tmp.replace(self.state_path)
