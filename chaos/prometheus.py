"""Prometheus faults: refused, slow past the timeout, 5xx, malformed JSON, one metric missing.
Each is one check through the real PrometheusSource; requests are counted at the server."""

from __future__ import annotations

from chaos.common import check_once, describe, normal_value, prometheus_handler, small_config
from chaos.table import Row, guarded, timed
from tests.fakehttp import Reply, fake_server
from tests.servers import free_port

GROUP = "prometheus"
TIMEOUT_S = 1.0


def _row(fault: str, handler, expect_unknown: bool = True) -> Row:
    config = small_config()
    if handler is None:
        url, requests = f"http://127.0.0.1:{free_port()}", None
        with timed() as elapsed:
            verdict = check_once(config, url, TIMEOUT_S)
        wall = elapsed()
    else:
        with fake_server(handler) as srv, timed() as elapsed:
            verdict = check_once(config, srv.url, TIMEOUT_S)
            wall, requests = elapsed(), len(srv.requests)
    outcome = f"{describe(verdict)}; {wall:.1f} s"
    if requests is not None:
        outcome += f", {requests} requests at the server"
    ok = (verdict.status.value == "UNKNOWN") == expect_unknown
    if not expect_unknown and verdict.status.value == "NORMAL":
        ok = False  # an unjudged metric read as NORMAL: UNKNOWN-not-recovery is #21's
    verdict_text = "ok" if ok else "note (faults #21)"
    return Row(GROUP, fault, outcome, verdict_text, {"wall_s": wall, "requests": requests})


def one_missing(t: float, query: str) -> float | None:
    return None if "rate" in query else normal_value(t, query)


def rows(quick: bool = False) -> list[Row]:
    with fake_server(prometheus_handler()) as warm:  # imports and first fit outside the timings
        check_once(small_config(), warm.url)
    slow = prometheus_handler()

    def slow_handler(req):
        reply = slow(req)
        reply.delay_s = TIMEOUT_S * 2
        return reply

    cases = [
        ("refused", lambda: _row("refused", None)),
        (f"slow ({TIMEOUT_S * 2:g} s, timeout {TIMEOUT_S:g} s)", lambda: _row("slow past timeout", slow_handler)),
        ("HTTP 503", lambda: _row("HTTP 503", lambda r: Reply(503, "overloaded", content_type="text/plain"))),
        ("HTTP 500", lambda: _row("HTTP 500", lambda r: Reply(500, "boom", content_type="text/plain"))),
        ("malformed JSON", lambda: _row("malformed JSON", lambda r: Reply(200, '{"status": "succ', content_type="application/json"))),
        ("one metric missing", lambda: _row("one metric missing", prometheus_handler(one_missing), expect_unknown=False)),
    ]  # fmt: skip
    return [guarded(GROUP, name, fn) for name, fn in cases]
