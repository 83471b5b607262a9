"""Sentinel watching itself: Prometheus metrics on its own registry, and JSON logs without secrets.

The registry is private (not the prometheus-client global one), so tests and several loops in
one process never collide. Logs go through a redaction processor before rendering: keys that
name credentials and pydantic SecretStr values never reach the output.
"""

from __future__ import annotations

import logging
import sys
from typing import Any, TextIO

import structlog
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

from sentinel.models import Route, Verdict
from sentinel.redact import REDACTED, redact_event

redact_secrets = redact_event  # the structlog processor; kept under its old name
__all__ = ["REDACTED", "Telemetry", "configure_logging", "redact_secrets"]


def configure_logging(level: str = "INFO", json: bool = True, stream: TextIO | None = None) -> None:
    """Structured logs on stderr: one JSON object per line (or console text for humans)."""
    renderer: Any = (
        structlog.processors.JSONRenderer(sort_keys=True)
        if json
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            redact_secrets,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping()[level.upper()]
        ),
        logger_factory=structlog.PrintLoggerFactory(stream or sys.stderr),
        cache_logger_on_first_use=False,
    )


class Telemetry:
    """Every metric the loop exports, on one private registry."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        r = self.registry = registry or CollectorRegistry()
        self.checks = Counter(
            "sentinel_checks", "Checks finished, by service and verdict status",
            ["service", "status"], registry=r,
        )  # fmt: skip
        self.check_duration = Histogram(
            "sentinel_check_duration_seconds", "Wall time of one check (collect to verdict)",
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60), registry=r,
        )  # fmt: skip
        self.checks_skipped = Counter(
            "sentinel_checks_skipped", "Scheduled checks not run: overlap (previous still running)"
            " or missed (the loop fell behind)", ["reason"], registry=r,
        )  # fmt: skip
        self.checks_interrupted = Counter(
            "sentinel_checks_interrupted", "Checks cut short by shutdown", registry=r
        )
        self.in_flight = Gauge("sentinel_checks_in_flight", "Checks running now", registry=r)
        self.services_warming = Gauge(
            "sentinel_services_warming", "Services waiting to join the schedule (cold start or "
            "reload: each joins when a worker is free)", registry=r,
        )  # fmt: skip
        self.model_calls = Counter(
            "sentinel_model_calls", "Verdicts that involved a model call, by backend, model and"
            " response source (live/replay/scripted)", ["backend", "model", "source"], registry=r,
        )  # fmt: skip
        self.tokens = Counter(
            "sentinel_model_tokens", "Model tokens by kind (input, output, cache_creation, "
            "cache_read)", ["kind"], registry=r,
        )  # fmt: skip
        self.cost = Counter("sentinel_model_cost_usd", "Model spend in USD", registry=r)
        self.errors = Counter("sentinel_errors", "Errors by kind", ["kind"], registry=r)
        self.budget_exhausted = Counter(
            "sentinel_budget_exhausted", "Checks that fell back to statistics: budget spent",
            registry=r,
        )  # fmt: skip
        self.model_failures = Counter(
            "sentinel_model_failures", "Model calls that gave no verdict, by kind (deadline, "
            "timeout, http_5xx, http_429, connection, bad_answer, pool_full, circuit_open, "
            "budget, error)", ["kind"], registry=r,
        )  # fmt: skip
        self.budget_soft_alerts = Counter(
            "sentinel_budget_soft_alerts", "Months whose model spend crossed "
            "llm.budget_soft_alert of llm.monthly_budget_usd", registry=r,
        )  # fmt: skip
        self.budget_spent_ratio = Gauge(
            "sentinel_budget_spent_ratio", "Model spend this month / llm.monthly_budget_usd, "
            "as of the last soft alert", registry=r,
        )  # fmt: skip
        self.alert_deliveries = Counter(
            "sentinel_alert_deliveries", "Alertmanager POSTs by outcome (delivered, refreshed, "
            "failed)", ["outcome"], registry=r,
        )  # fmt: skip
        self.outbox_depth = Gauge(
            "sentinel_outbox_depth", "Alert events waiting for delivery", registry=r
        )
        self.open_tickets = Gauge("sentinel_open_tickets", "Tickets open now", registry=r)
        self.store_backlog = Gauge(
            "sentinel_store_backlog", "Verdicts waiting in memory for the store", registry=r
        )
        self.config_reloads = Counter(
            "sentinel_config_reloads", "Config reloads by outcome", ["outcome"], registry=r
        )

    def serve(self, port: int, addr: str = "127.0.0.1") -> Any:
        """Expose /metrics; returns the server so callers can shut it down."""
        server, _thread = start_http_server(port, addr=addr, registry=self.registry)
        return server

    def verdict(self, verdict: Verdict, duration_s: float) -> None:
        """Count a finished check and what its model call (if any) cost."""
        self.checks.labels(verdict.service, verdict.status.value).inc()
        self.check_duration.observe(duration_s)
        prov = verdict.provenance
        if prov.response_source != "statistical":
            self.model_calls.labels(
                prov.backend or "unknown", prov.model or "unknown", prov.response_source
            ).inc()
        if verdict.usage is not None:
            u = verdict.usage
            for kind, n in (
                ("input", u.input_tokens),
                ("output", u.output_tokens),
                ("cache_creation", u.cache_creation_input_tokens),
                ("cache_read", u.cache_read_input_tokens),
            ):
                if n:
                    self.tokens.labels(kind).inc(n)
        if verdict.cost_usd:
            self.cost.inc(verdict.cost_usd)
        if prov.route == Route.LLM_FALLBACK:
            self.errors.labels("model").inc()
        if prov.route == Route.BUDGET_EXHAUSTED:  # the agent's route when a cap refuses the call
            self.budget_exhausted.inc()

    def model_failure(self, kind: str) -> None:
        self.model_failures.labels(kind).inc()

    def budget_soft_alert(self, spent_usd: float, budget_usd: float) -> None:
        """CostGuard's on_soft_alert: the month's spend crossed the soft fraction."""
        self.budget_soft_alerts.inc()
        self.budget_spent_ratio.set(spent_usd / budget_usd)

    def error(self, kind: str) -> None:
        self.errors.labels(kind).inc()

    def alert_delivery(self, outcome: str) -> None:
        self.alert_deliveries.labels(outcome).inc()
