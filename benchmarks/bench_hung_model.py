"""Hung-model harness for `sentinel run`: do other services keep their slots?

Half the services escalate every check to a model that never answers: a stand-in judge (no SDK,
no model output) that sleeps until the per-check deadline and then fails, as the judge's own
deadline makes a hung call end. The other half never ask a model. The loop runs the real
scheduler on a simulated clock; the figures are slots lost by the services that never ask a
model, and the worst check time.

    .venv/bin/python benchmarks/bench_hung_model.py            # with the model pool + breaker
    .venv/bin/python benchmarks/bench_hung_model.py --no-pool  # the judge called inline
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sentinel.agent import Agent
from sentinel.config import SentinelConfig
from sentinel.errors import LLMError
from sentinel.model_pool import CircuitBreaker, ModelPool
from sentinel.models import Provenance, Status, Verdict
from sentinel.scheduler import Scheduler, SimulatedClock, check_with
from sentinel.telemetry import Telemetry, configure_logging


class HungModel:
    """Never answers: fails when the per-check deadline (`hang_s` of wall time) runs out."""

    def __init__(self, hang_s: float) -> None:
        self.hang_s = hang_s

    def judge(self, data, assessment):
        time.sleep(self.hang_s)
        raise LLMError(f"no answer within the {self.hang_s:g} s deadline (stand-in)")


class Assessor:
    """Services named hot-* look anomalous (escalate); cold-* are NORMAL. No data is read."""

    name = "bench"

    def assess(self, data):
        from sentinel.pipeline import Assessment

        hot = data.service.name.startswith("hot")
        verdict = Verdict(
            service=data.service.name,
            checked_at=data.at,
            status=Status.WARNING if hot else Status.NORMAL,
            provenance=Provenance(path="statistical", detector="bench"),
        )
        return Assessment(verdict, 0.9 if hot else 0.0, "bench")


class Gate:
    def escalate(self, assessment):
        return assessment.escalation_score >= 0.5


class OneSample:
    description = "bench"

    def range(self, service, metric, start, end, step_seconds):
        import pandas as pd

        return pd.Series([1.0], index=pd.DatetimeIndex([end], name="timestamp"))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--services", type=int, default=8, help="half hot (model), half cold")
    p.add_argument("--interval", type=int, default=30, help="simulated seconds")
    p.add_argument("--speed", type=float, default=10.0, help="simulated seconds per real second")
    p.add_argument("--duration", type=float, default=30.0, help="real seconds")
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--no-pool", action="store_true", help="call the judge inline (before)")
    p.add_argument(
        "--hang", type=float, default=None,
        help="simulated s a call hangs (default: the deadline, 0.8 x interval; 202 = 60 s x 3 "
        "attempts without a deadline)",
    )  # fmt: skip
    args = p.parse_args()
    configure_logging("ERROR")
    half = args.services // 2
    names = [f"hot-{i}" for i in range(half)] + [f"cold-{i}" for i in range(half)]
    config = SentinelConfig.model_validate(
        {
            "services": [
                {
                    "name": n,
                    "interval_seconds": args.interval,
                    "metrics": [{"name": "m", "query": "q"}],
                }
                for n in names
            ]
        }
    )
    deadline_s = 0.8 * args.interval / args.speed  # the judge's deadline cap: 0.8 x interval
    hang_s = args.hang / args.speed if args.hang else deadline_s
    judge = HungModel(hang_s)
    if not args.no_pool:
        judge = ModelPool(judge, lambda _d: deadline_s, workers=2, breaker=CircuitBreaker(3, 60.0))
    agent = Agent(config, OneSample(), Assessor(), Gate(), judge)
    telemetry = Telemetry()
    start = datetime(2026, 11, 2, 12, tzinfo=UTC)
    inner, worst = check_with(agent), [0.0]

    def timed(svc, at):
        t0 = time.monotonic()
        try:
            return inner(svc, at)
        finally:
            worst[0] = max(worst[0], time.monotonic() - t0)

    scheduler = Scheduler(
        config, timed, clock=SimulatedClock(start, args.speed),
        telemetry=telemetry, workers=args.workers,
    )  # fmt: skip
    scheduler.run(duration_s=args.duration)
    get = telemetry.registry.get_sample_value
    slots = args.duration * args.speed / args.interval
    done = {
        n: sum(
            get("sentinel_checks_total", {"service": n, "status": s}) or 0
            for s in ("NORMAL", "WARNING", "UNKNOWN")
        )
        for n in names
    }
    cold = [done[n] for n in names if n.startswith("cold")]
    lost = max(0.0, 100 * (1 - sum(cold) / (len(cold) * slots)))
    print(f"mode: {'inline judge' if args.no_pool else 'model pool + breaker'}")
    print(f"slots per service: {slots:.0f}; cold services' checks: {cold}")
    print(f"slots lost by services that never ask a model: {lost:.0f}%")
    print(f"worst check: {worst[0]:.2f} s real = {worst[0] * args.speed:.0f} simulated s")
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
