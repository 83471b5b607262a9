"""Shared pieces: a small services config, a fake Prometheus answering with generated series,
and the pipeline (`sentinel.checks.build_agent`) pointed at it."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sentinel.config import SentinelConfig
from sentinel.models import Verdict
from tests.fakehttp import Reply, Request

AT = datetime(2026, 11, 2, 14, 30, tzinfo=UTC)
HISTORY_DAYS = 2


def small_config(**llm: Any) -> SentinelConfig:
    """One service, a gauge and a counter-rate, two days of history: quick to check."""
    return SentinelConfig.model_validate(
        {
            "history_days": HISTORY_DAYS,
            "services": [
                {
                    "name": "api",
                    "interval_seconds": 30,
                    "loki_selector": {"app": "api"},
                    "metrics": [
                        {"name": "latency_p99", "query": 'max(latency{svc="api"})', "unit": "s"},
                        {"name": "request_rate", "query": 'sum(rate(req{svc="api"}[5m]))',
                         "type": "counter", "bad_direction": "both"},
                    ],
                }
            ],
            "llm": {"budget_state": None, "max_retries": 2, "timeout_s": 2.0, **llm},
        }
    )  # fmt: skip


def normal_value(t: float, query: str) -> float:
    """A daily-seasonal level per metric; deterministic, so verdicts are comparable."""
    base = 0.25 if "latency" in query else 100.0
    return base * (1 + 0.1 * math.sin(2 * math.pi * t / 86400))


ValueFn = Callable[[float, str], float | str | None]  # None: no sample at t


def prometheus_handler(value: ValueFn = normal_value) -> Callable[[Request], Reply]:
    """Answer /api/v1/query_range with one series of `value(t, query)` on the request's grid."""

    def handle(req: Request) -> Reply:
        if not req.path.endswith("/query_range"):
            return Reply(404, {"status": "error", "error": "not served"})
        start, end = float(req.params["start"]), float(req.params["end"])
        step = float(req.params["step"].rstrip("s"))
        query = req.params["query"]
        values, t = [], start
        while t <= end:
            v = value(t, query)
            if v is not None:
                values.append([t, str(v)])
            t += step
        result = [{"metric": {"svc": "api"}, "values": values}] if values else []
        return Reply(body={"status": "success", "data": {"resultType": "matrix", "result": result}})

    return handle


def check_once(config: SentinelConfig, url: str, timeout_s: float = 2.0) -> Verdict:
    """One check of `api` at AT through the real PrometheusSource and pipeline."""
    from sentinel.checks import build_agent
    from sentinel.sources.prometheus import PrometheusSource

    source = PrometheusSource(url, timeout_s=timeout_s, retries=2)
    try:
        return build_agent(config, source).check("api", AT)
    finally:
        source.close()


def describe(v: Verdict) -> str:
    """status [path]: first line of reasoning, shortened."""
    text = (
        (v.reasoning or v.provenance.note or "").splitlines()[0]
        if (v.reasoning or v.provenance.note)
        else ""
    )
    return f"{v.status.value} [{v.provenance.path}] {text[:140]}"


def anomaly_at(minutes: int = 15, factor: float = 6.0) -> ValueFn:
    """Normal values, with latency `factor`x in the last `minutes` before AT."""
    edge = AT.timestamp() - minutes * 60

    def value(t: float, query: str) -> float:
        v = normal_value(t, query)
        return v * factor if "latency" in query and t > edge else v

    return value


HISTORY = timedelta(days=HISTORY_DAYS)
