"""Alertmanager delivery: tickets become alerts on Alertmanager's API v2, and nothing is lost.

Every ticket event (firing, escalation, resolution) is written to the store's outbox in the same
transaction as the verdict that caused it. `Notifier.deliver_due()` POSTs due events in order,
retrying a few times in-process (tenacity) and, if Alertmanager stays down, leaving the event in
the outbox with a growing back-off; a restarted process picks it up again. Open tickets are also
re-sent every `refresh_s` so Alertmanager does not auto-resolve them after its resolve_timeout.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
import structlog
from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_exponential

from sentinel.redact import redact_obj
from sentinel.store import Store, Ticket

log = structlog.get_logger("sentinel.notify")
ALERTNAME = "SentinelAnomaly"
MAX_BACKOFF = timedelta(minutes=5)


class DeliveryError(Exception):
    """Alertmanager did not accept a POST (connection error, timeout or non-2xx)."""


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z")


class AlertBuilder:
    """Turns a ticket into the Alertmanager v2 alert list for one event."""

    def __init__(self, external_url: str | None = None, report_url: str | None = None) -> None:
        self.external_url = (external_url or "http://localhost:9464").rstrip("/")
        self.report_url = report_url

    def __call__(self, ticket: Ticket, kind: str, at: datetime) -> list[dict[str, Any]]:
        anomalies = "; ".join(
            f"{a['metric']} {a['deviation_pct']:+.0f}% ({a['current_value']:.4g} vs "
            f"baseline {a['baseline_value']:.4g})"
            for a in ticket.anomalies[:10]
        )
        annotations = {
            "summary": ticket.summary[:500],
            "reasoning": ticket.reasoning[:4000],
            "anomalies": anomalies or "none listed",
            "ticket_id": str(ticket.id),
        }
        report = self.report_link(ticket)
        if report:
            annotations["report"] = report
        alert: dict[str, Any] = {
            "labels": {
                "alertname": ALERTNAME,
                "service": ticket.service,
                "severity": ticket.severity.value.lower(),
                "sentinel_status": ticket.severity.value,
            },
            "annotations": redact_obj(annotations),
            "startsAt": _iso(ticket.opened_at),
            "generatorURL": f"{self.external_url}/tickets/{ticket.id}",
        }
        if kind == "resolved":
            alert["endsAt"] = _iso(ticket.resolved_at or at)
        return [alert]

    def report_link(self, ticket: Ticket) -> str | None:
        """The check's report, from the SENTINEL_REPORT_URL template ({service}, {ticket}, {date})."""
        if not self.report_url:
            return None
        return self.report_url.format(
            service=ticket.service, ticket=ticket.id, date=f"{ticket.opened_at:%Y%m%dT%H%M%SZ}"
        )


class Notifier:
    """Delivers the outbox to Alertmanager and refreshes open alerts."""

    def __init__(
        self,
        store: Store,
        url: str,
        builder: AlertBuilder | None = None,
        telemetry: Any = None,
        timeout_s: float = 5.0,
        attempts: int = 3,
        refresh_s: float = 60.0,
    ) -> None:
        self.store = store
        self.url = url.rstrip("/") + "/api/v2/alerts"
        self.builder = builder or AlertBuilder()
        self.telemetry = telemetry
        self.timeout_s = timeout_s
        self.attempts = attempts
        self.refresh_s = refresh_s
        self._http = requests.Session()
        self._wake = threading.Event()
        self._last_refresh = 0.0

    def post(self, alerts: list[dict[str, Any]]) -> None:
        """POST once, with a few quick in-process retries; raise DeliveryError if all fail."""

        @retry(
            retry=retry_if_exception_type(DeliveryError),
            stop=stop_after_attempt(self.attempts),
            wait=wait_exponential(multiplier=0.2, max=2.0),
            reraise=True,
        )
        def attempt() -> None:
            try:
                resp = self._http.post(self.url, json=alerts, timeout=self.timeout_s)
            except requests.RequestException as exc:
                raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc
            if resp.status_code >= 300:
                raise DeliveryError(f"HTTP {resp.status_code}: {resp.text[:300]}")

        attempt()

    def deliver_due(self, now: datetime | None = None) -> int:
        """Deliver due outbox events in order; stop at the first failure (order matters)."""
        delivered = 0
        for item in self.store.pending_outbox(now or datetime.now(UTC)):
            if not item.payload:
                self.store.mark_delivered(item.id)
                continue
            try:
                self.post(item.payload)
            except DeliveryError as exc:
                backoff = min(MAX_BACKOFF, timedelta(seconds=2 ** min(item.attempts, 10)))
                self.store.mark_failed(item.id, str(exc), backoff)
                self._count("failed")
                log.warning(
                    "alert_delivery_failed",
                    outbox_id=item.id,
                    ticket_id=item.ticket_id,
                    alert_event=item.event,
                    attempts=item.attempts + 1,
                    retry_in_s=backoff.total_seconds(),
                    error=str(exc),
                )
                break
            self.store.mark_delivered(item.id)
            self._count("delivered")
            delivered += 1
            log.info("alert_delivered", ticket_id=item.ticket_id, alert_event=item.event)
        self._gauge_depth()
        return delivered

    def refresh_open(self) -> int:
        """Re-send every open ticket as firing so Alertmanager keeps it active."""
        tickets = self.store.tickets(state="open")
        if not tickets:
            return 0
        now = datetime.now(UTC)
        alerts = [a for t in tickets for a in self.builder(t, "firing", now)]
        try:
            self.post(alerts)
        except DeliveryError as exc:
            self._count("failed")
            log.warning("alert_refresh_failed", open_tickets=len(tickets), error=str(exc))
            return 0
        self._count("refreshed")
        return len(tickets)

    def wake(self) -> None:
        """Ask the background loop to deliver now (a ticket just moved)."""
        self._wake.set()

    def run(self, stop: threading.Event, poll_s: float = 2.0) -> None:
        """Background loop: deliver due events, refresh open alerts, until `stop` is set."""
        import time

        while not stop.is_set():
            try:
                self.deliver_due()
                if time.monotonic() - self._last_refresh >= self.refresh_s:
                    self._last_refresh = time.monotonic()
                    self.refresh_open()
            except Exception as exc:  # the loop must survive a store hiccup
                log.error("notifier_error", error=f"{type(exc).__name__}: {exc}")
                if self.telemetry:
                    self.telemetry.error("notifier")
            self._wake.wait(poll_s)
            self._wake.clear()
        try:  # a last attempt so a clean shutdown leaves as little as possible behind
            self.deliver_due()
        except Exception as exc:
            log.warning("notifier_final_flush_failed", error=str(exc))

    def _count(self, outcome: str) -> None:
        if self.telemetry:
            self.telemetry.alert_delivery(outcome)

    def _gauge_depth(self) -> None:
        if self.telemetry:
            self.telemetry.outbox_depth.set(self.store.outbox_depth())


def describe_payload(alerts: list[dict[str, Any]]) -> str:
    """Compact text of a payload, for `sentinel tickets show`."""
    return json.dumps(alerts, indent=2)
