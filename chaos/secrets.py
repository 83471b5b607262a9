"""Credentials in a URL with the server down: does the password reach the verdict, the sidecar,
the ticket store, the Alertmanager payload or the logs? (#20's certain defect.)"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

from chaos.common import AT, small_config
from chaos.table import Row, guarded
from tests.servers import free_port

GROUP = "secrets"
PASSWORD = "ChaosPw-5ecret77"


def _row() -> Row:
    import structlog

    from sentinel.checks import build_agent
    from sentinel.checks.run import CheckRun, write_sidecar
    from sentinel.models import Status
    from sentinel.notify import AlertBuilder
    from sentinel.sources.prometheus import PrometheusSource
    from sentinel.store import Store
    from sentinel.telemetry import configure_logging
    from tests.loop_fixtures import verdict as make_verdict

    url = f"http://sentinel:{PASSWORD}@127.0.0.1:{free_port()}"
    logs, before = io.StringIO(), structlog.get_config()
    configure_logging("INFO", stream=logs)
    source = PrometheusSource(url, timeout_s=1, retries=0)
    verdict = build_agent(small_config(), source).check("api", AT)
    structlog.get_logger("chaos").warning("check_failed", error=verdict.reasoning, url=url)
    structlog.configure(**before)
    leaks = []
    if PASSWORD in verdict.model_dump_json():
        leaks.append("verdict")
    with tempfile.TemporaryDirectory() as tmp:
        run = CheckRun(run_id="r", started_at=AT, check_time=AT, source=source.description,
                       strategy="statistical", config_path="x", verdicts=[verdict])  # fmt: skip
        if PASSWORD in write_sidecar(Path(tmp), run).read_text():
            leaks.append("sidecar")
        store = Store.open(Path(tmp) / "s.db", alert_builder=AlertBuilder())
        echo = make_verdict("api", AT, Status.CRITICAL, reasoning=verdict.reasoning)
        store.record(echo)
        store.close()
        if PASSWORD.encode() in (Path(tmp) / "s.db").read_bytes():
            leaks.append("ticket store / alert payload")
    if PASSWORD in logs.getvalue():
        leaks.append("logs")
    outcome = (
        f"password found in: {', '.join(leaks)}"
        if leaks
        else "password in none of verdict, sidecar, store, alert payload, logs"
    )
    return Row(
        GROUP, "password in PROMETHEUS_URL, server down", outcome, "LEAKED" if leaks else "ok"
    )


def rows(quick: bool = False) -> list[Row]:
    return [guarded(GROUP, "password in PROMETHEUS_URL", _row)]
