"""Alertmanager delivery against the real Debian `prometheus-alertmanager` binary.

The test serves the webhook receiver itself and asserts what Alertmanager delivered: the ticket
fires, then resolves, with Sentinel's labels and annotations; while Alertmanager is down the
event waits in the outbox (surviving a restart of the process) and is delivered when it is back.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from sentinel.models import Status
from sentinel.notify import AlertBuilder, Notifier
from sentinel.store import Store
from sentinel.telemetry import Telemetry
from tests.loop_fixtures import verdict
from tests.servers import alertmanager_server, free_port

pytestmark = pytest.mark.alertmanager


class Webhook:
    """A stdlib HTTP server that collects Alertmanager's webhook payloads."""

    def __init__(self) -> None:
        self.payloads: list[dict] = []
        received = self.payloads

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append(json.loads(body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, status: str, timeout_s: float = 20.0) -> dict:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for p in self.payloads:
                if p["status"] == status:
                    return p
            time.sleep(0.1)
        raise AssertionError(f"no {status} webhook within {timeout_s} s: {self.payloads}")


@pytest.fixture
def webhook():
    hook = Webhook()
    yield hook
    hook.server.shutdown()


def test_alert_builder_labels_and_annotations(tmp_path):
    store = Store.open(tmp_path / "s.db", alert_builder=AlertBuilder("https://sentinel.example"))
    store.record(verdict("api-service", datetime(2026, 11, 3, tzinfo=UTC), Status.CRITICAL))
    [item] = store.pending_outbox()
    [alert] = item.payload
    assert alert["labels"] == {
        "alertname": "SentinelAnomaly",
        "service": "api-service",
        "severity": "critical",
        "sentinel_status": "CRITICAL",
    }
    assert alert["startsAt"] == "2026-11-03T00:00:00Z"
    assert alert["generatorURL"] == f"https://sentinel.example/tickets/{item.ticket_id}"
    assert "latency +900%" in alert["annotations"]["anomalies"]
    assert "endsAt" not in alert


def test_report_link_annotation_comes_from_the_template(tmp_path):
    builder = AlertBuilder(report_url="https://r.example/{service}/{date}")
    store = Store.open(tmp_path / "s.db", alert_builder=builder)
    store.record(verdict("db", datetime(2026, 11, 3, 1, 2, 3, tzinfo=UTC), Status.WARNING))
    [alert] = store.pending_outbox()[0].payload
    assert alert["annotations"]["report"] == "https://r.example/db/20261103T010203Z"


def test_ticket_fires_then_resolves_through_real_alertmanager(tmp_path, webhook):
    store = Store.open(tmp_path / "s.db", alert_builder=AlertBuilder())
    now = datetime.now(UTC).replace(microsecond=0)
    with alertmanager_server(tmp_path, webhook.url) as am:
        telemetry = Telemetry()
        notifier = Notifier(store, am.url, telemetry=telemetry)
        store.record(verdict("api-service", now - timedelta(minutes=2), Status.WARNING, "p99 up"))
        assert notifier.deliver_due() == 1
        firing = webhook.wait_for("firing")
        [alert] = firing["alerts"]
        assert alert["labels"]["alertname"] == "SentinelAnomaly"
        assert alert["labels"]["service"] == "api-service"
        assert alert["labels"]["severity"] == "warning"
        assert alert["labels"]["sentinel_status"] == "WARNING"
        assert alert["annotations"]["reasoning"] == "p99 up"
        assert "latency" in alert["annotations"]["anomalies"]

        store.record(verdict("api-service", now - timedelta(seconds=5), Status.NORMAL))
        assert notifier.deliver_due() == 1
        resolved = webhook.wait_for("resolved")
        [alert] = resolved["alerts"]
        assert alert["status"] == "resolved"
        assert alert["labels"]["service"] == "api-service"
    assert store.outbox_depth() == 0
    assert (
        telemetry.registry.get_sample_value(
            "sentinel_alert_deliveries_total", {"outcome": "delivered"}
        )
        == 2
    )


def test_refresh_resends_open_tickets(tmp_path, webhook):
    store = Store.open(tmp_path / "s.db", alert_builder=AlertBuilder())
    now = datetime.now(UTC)
    with alertmanager_server(tmp_path, webhook.url) as am:
        store.record(verdict("db", now - timedelta(minutes=1), Status.CRITICAL))
        assert Notifier(store, am.url).refresh_open() == 1  # without the outbox at all
        [alert] = webhook.wait_for("firing")["alerts"]
        assert alert["labels"]["severity"] == "critical"


def test_alerts_wait_in_the_outbox_while_alertmanager_is_down(tmp_path, webhook):
    path = tmp_path / "s.db"
    store = Store.open(path, alert_builder=AlertBuilder())
    now = datetime.now(UTC)
    store.record(verdict("api-service", now - timedelta(minutes=1), Status.CRITICAL))
    down = Notifier(store, f"http://127.0.0.1:{free_port()}", attempts=2, timeout_s=1)
    assert down.deliver_due() == 0
    [pending] = store.pending_outbox()
    assert pending.attempts == 1 and "ConnectionError" in pending.last_error
    assert pending.next_attempt_at > datetime.now(UTC)  # backed off, not hammering
    store.close()

    restarted = Store.open(path)  # a new process: the event is still there
    with alertmanager_server(tmp_path, webhook.url) as am:
        notifier = Notifier(restarted, am.url)
        assert notifier.deliver_due(now=datetime.now(UTC) + timedelta(minutes=10)) == 1
        [alert] = webhook.wait_for("firing")["alerts"]
        assert alert["labels"]["service"] == "api-service"
    assert restarted.outbox_depth() == 0


def test_a_resolution_never_overtakes_its_firing_after_an_outage(tmp_path, webhook):
    """The firing event backs off during an outage; the resolution queued meanwhile waits for it,
    so Alertmanager sees firing then resolved and holds no active alert for a closed ticket."""
    store = Store.open(tmp_path / "s.db", alert_builder=AlertBuilder())
    now = datetime.now(UTC)
    store.record(verdict("api-service", now - timedelta(minutes=2), Status.CRITICAL))
    down = Notifier(store, f"http://127.0.0.1:{free_port()}", attempts=1, timeout_s=1)
    assert down.deliver_due() == 0  # the firing event now backs off
    store.record(verdict("db", now - timedelta(minutes=2), Status.WARNING))  # another ticket
    store.record(verdict("api-service", now - timedelta(minutes=1), Status.NORMAL))
    with alertmanager_server(tmp_path, webhook.url) as am:
        notifier = Notifier(store, am.url)
        # db's firing goes out; api-service's resolution waits for its firing
        assert notifier.deliver_due(now=datetime.now(UTC)) == 1
        assert [o.event for o in store.pending_outbox()] == ["firing", "resolved"]
        assert notifier.deliver_due(now=datetime.now(UTC) + timedelta(minutes=10)) == 2
        firing, resolved = store.outbox(store.tickets(service="api-service")[0].id)
        assert firing.delivered_at <= resolved.delivered_at
        active = requests.get(f"{am.url}/api/v2/alerts", params={"active": "true"}, timeout=5)
        assert [a for a in active.json() if a["labels"]["service"] == "api-service"] == []
