"""Self-observability: metrics count what happened; logs are JSON and never carry secrets."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import requests
import structlog
from pydantic import SecretStr

from sentinel.models import Provenance, Status, Usage, Verdict
from sentinel.telemetry import REDACTED, Telemetry, configure_logging, redact_secrets
from tests.servers import free_port


def _llm_verdict(note: str = "", path: str = "llm") -> Verdict:
    return Verdict(
        service="api-service",
        checked_at=datetime(2026, 11, 3, tzinfo=UTC),
        status=Status.WARNING,
        provenance=Provenance(
            path=path,
            response_source="scripted",
            backend="anthropic",
            model="claude-test",
            note=note,
        ),
        usage=Usage(input_tokens=1200, output_tokens=300, cache_read_input_tokens=1000),
        cost_usd=0.0042,
    )


def test_redaction_blanks_credential_keys_and_secret_values():
    event = redact_secrets(
        None,
        "info",
        {
            "event": "calling",
            "api_key": "sk-ant-abc123456789",
            "Authorization": "Bearer abcdefghijkl",
            "prometheus_password": SecretStr("hunter2"),
            "headers": {"x-api-key": "k", "X-Scope-OrgID": "tenant-1"},
            "settings": {"anthropic_api_key": SecretStr("sk-ant-zzzzzzzzzzzz")},
            "note": "retrying with key sk-ant-api03-SECRETSECRET and Bearer tok.en.value",
            "url": "postgresql://sentinel:s3cret@db:5432/sentinel",
            "input_tokens": 1200,
            "token": "t",
            "plain": SecretStr("x"),
        },
    )
    assert event["api_key"] == event["Authorization"] == event["token"] == REDACTED
    assert event["prometheus_password"] == event["plain"] == REDACTED
    assert event["headers"] == {"x-api-key": REDACTED, "X-Scope-OrgID": "tenant-1"}
    assert event["settings"]["anthropic_api_key"] == REDACTED
    assert "SECRET" not in event["note"] and "tok.en" not in event["note"]
    assert event["url"] == f"postgresql://{REDACTED}@db:5432/sentinel"
    assert event["input_tokens"] == 1200  # token *counts* are not secrets


def test_logs_are_json_lines_without_secrets():
    out = io.StringIO()
    configure_logging("INFO", json=True, stream=out)
    structlog.get_logger("t").info(
        "judge_called", service="api", api_key="sk-ant-verysecretvalue", tokens=3
    )
    structlog.get_logger("t").debug("hidden")
    [line] = out.getvalue().splitlines()
    record = json.loads(line)
    assert record["event"] == "judge_called" and record["level"] == "info"
    assert record["api_key"] == REDACTED and "verysecret" not in line
    assert record["timestamp"].endswith("Z")


def test_verdict_metrics_count_checks_model_calls_tokens_and_cost():
    t = Telemetry()
    t.verdict(_llm_verdict(), duration_s=0.2)
    t.verdict(_llm_verdict(note="model failed: HTTP 529", path="llm-fallback"), 0.1)
    get = t.registry.get_sample_value
    assert get("sentinel_checks_total", {"service": "api-service", "status": "WARNING"}) == 2
    assert get("sentinel_check_duration_seconds_count") == 2
    assert (
        get(
            "sentinel_model_calls_total",
            {"backend": "anthropic", "model": "claude-test", "source": "scripted"},
        )
        == 2
    )
    assert get("sentinel_model_tokens_total", {"kind": "input"}) == 2400
    assert get("sentinel_model_tokens_total", {"kind": "cache_read"}) == 2000
    assert abs(get("sentinel_model_cost_usd_total") - 0.0084) < 1e-9
    assert get("sentinel_errors_total", {"kind": "model"}) == 1


def test_budget_exhausted_counts_the_agents_budget_exhausted_path():
    """The agent's fallback when a cap refuses the call (sentinel.agent._fallback): the
    statistical verdict with path 'budget-exhausted'."""
    from sentinel.agent import _fallback

    statistical = _llm_verdict().model_copy(
        update={"provenance": Provenance(path="statistical"), "usage": None, "cost_usd": None}
    )
    t = Telemetry()
    t.verdict(_fallback(statistical, "budget-exhausted", "model not called: 120 calls"), 0.1)
    t.verdict(_fallback(statistical, "llm-fallback", "model failed: timeout"), 0.1)
    get = t.registry.get_sample_value
    assert get("sentinel_budget_exhausted_total") == 1
    assert get("sentinel_errors_total", {"kind": "model"}) == 1
    t.budget_soft_alert(8.5, 10.0)
    assert get("sentinel_budget_soft_alerts_total") == 1


def test_metrics_are_served_on_their_own_port():
    t = Telemetry()
    t.error("source")
    port = free_port()
    server = t.serve(port)
    try:
        text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    finally:
        server.shutdown()
    assert 'sentinel_errors_total{kind="source"} 1.0' in text
    assert "python_gc_objects_collected_total" not in text  # own registry, not the global one
