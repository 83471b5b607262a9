"""Series shapes a real Prometheus returns: empty, all-NaN, +Inf, long gaps, counter resets.
Served as query results by a fake Prometheus, judged by the real pipeline."""

from __future__ import annotations

from chaos.common import AT, check_once, describe, normal_value, prometheus_handler, small_config
from chaos.table import Row, guarded
from tests.fakehttp import fake_server

GROUP = "series"
RECENT = AT.timestamp() - 20 * 60  # the judged window and a little before it


def _latency(fn):
    """`fn` for the latency metric, normal values for the others."""
    return lambda t, q: fn(t, q) if "latency" in q else normal_value(t, q)


SHAPES = {
    "empty (no series)": lambda t, q: None,
    "all-NaN": lambda t, q: "NaN",
    "latency +Inf in the window": _latency(lambda t, q: "+Inf" if t > RECENT else normal_value(t, q)),
    "latency all +Inf": _latency(lambda t, q: "+Inf"),
    "long gap (last 6 h missing)": lambda t, q: None if t > AT.timestamp() - 6 * 3600 else normal_value(t, q),
    "gaps (every other hour missing)": lambda t, q: None if int(t // 3600) % 2 else normal_value(t, q),
    "counter reset (rate drops to 0 for 5 min)": lambda t, q: 0.0 if "rate" in q and RECENT < t < RECENT + 300 else normal_value(t, q),
}  # fmt: skip
# What the matrix asks for: no data is UNKNOWN; +Inf latency is beyond every threshold.
EXPECT = {
    "empty (no series)": "UNKNOWN",
    "all-NaN": "UNKNOWN",
    "latency +Inf in the window": "CRITICAL",
    "latency all +Inf": "CRITICAL",
}


def _row(name: str) -> Row:
    with fake_server(prometheus_handler(SHAPES[name])) as srv:
        verdict = check_once(small_config(), srv.url)
    want = EXPECT.get(name)
    ok = want is None or verdict.status.value == want
    note = "" if ok else f" (expected {want})"
    return Row(GROUP, name, describe(verdict) + note, "ok" if ok else "note (faults #21)")


def rows(quick: bool = False) -> list[Row]:
    return [guarded(GROUP, name, lambda n=name: _row(n)) for name in SHAPES]
