"""The scheduler: own interval per service, no overlap, graceful shutdown, failures isolated."""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pandas as pd
import pytest

from sentinel.checks import build_agent
from sentinel.config import SentinelConfig, load_config
from sentinel.errors import ConfigError, SourceError
from sentinel.models import Status
from sentinel.scheduler import (
    Scheduler,
    SimulatedClock,
    failed_verdict,
    slot_floor,
    stable_fraction,
)
from sentinel.sources.fixture_source import FixtureSource
from sentinel.store import RecordResult, Store, StoreError
from sentinel.telemetry import Telemetry
from tests.loop_fixtures import config_for, make_fixture, verdict, write_config

T0 = datetime(2026, 11, 3, tzinfo=UTC)


class Recorder:
    """A check function that records calls and can be slowed or blocked."""

    def __init__(self, sleep_s: float = 0.0, block: threading.Event | None = None) -> None:
        self.calls: dict[str, list[datetime]] = defaultdict(list)
        self.running: Counter[str] = Counter()
        self.max_running: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.sleep_s, self.block = sleep_s, block

    def __call__(self, svc, at):
        with self.lock:
            self.calls[svc.name].append(at)
            self.running[svc.name] += 1
            self.max_running[svc.name] = max(self.max_running[svc.name], self.running[svc.name])
        try:
            if self.block is not None:
                self.block.wait(10)
            time.sleep(self.sleep_s)
            return verdict(svc.name, at, Status.NORMAL)
        finally:
            with self.lock:
                self.running[svc.name] -= 1


def run_in_thread(scheduler: Scheduler, **kwargs) -> threading.Thread:
    t = threading.Thread(target=scheduler.run, kwargs=kwargs, daemon=True)
    t.start()
    return t


def wait_until(predicate, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.02)


def test_slots_are_on_the_interval_grid_and_offsets_are_stable():
    assert slot_floor(datetime(2026, 11, 3, 0, 0, 47, tzinfo=UTC), 30) == datetime(
        2026, 11, 3, 0, 0, 30, tzinfo=UTC
    )
    assert stable_fraction("api-service") == stable_fraction("api-service")
    assert 0 <= stable_fraction("database") < 1


def test_each_service_is_checked_at_its_own_interval():
    # 120 simulated seconds per real second: 30 s = 0.25 s, 90 s = 0.75 s of wall time.
    config = config_for({"api-service": 30, "database": 90})
    rec = Recorder()
    scheduler = Scheduler(config, rec, clock=SimulatedClock(T0, speed=120), workers=2)
    thread = run_in_thread(scheduler)
    wait_until(lambda: len(rec.calls["database"]) >= 4)
    scheduler.stop("test")
    thread.join(10)
    api, db = rec.calls["api-service"], rec.calls["database"]
    gaps = {
        name: Counter(int((b - a).total_seconds()) for a, b in pairwise(calls))
        for name, calls in (("api", api), ("db", db))
    }
    # every gap is a whole number of intervals, and the usual gap is exactly one interval
    assert all(g % 30 == 0 for g in gaps["api"]) and gaps["api"].most_common(1)[0][0] == 30
    assert all(g % 90 == 0 for g in gaps["db"]) and gaps["db"].most_common(1)[0][0] == 90
    assert len(api) >= 2.5 * len(db) - 3  # not serialised into one 120 s round
    assert all(t.second % 30 == 0 for t in api)  # checked_at is the grid slot, not run time


def test_a_slow_check_is_never_run_twice_at_once():
    config = config_for({"api-service": 30})
    rec = Recorder(sleep_s=0.6)  # 72 simulated seconds at speed 120: longer than the interval
    telemetry = Telemetry()
    scheduler = Scheduler(
        config, rec, clock=SimulatedClock(T0, speed=120), workers=4, telemetry=telemetry
    )
    thread = run_in_thread(scheduler)
    wait_until(lambda: len(rec.calls["api-service"]) >= 3)
    scheduler.stop("test")
    thread.join(10)
    assert rec.max_running["api-service"] == 1
    skipped = (
        telemetry.registry.get_sample_value("sentinel_checks_skipped_total", {"reason": "overlap"})
        or 0
    )
    missed = (
        telemetry.registry.get_sample_value("sentinel_checks_skipped_total", {"reason": "missed"})
        or 0
    )
    assert skipped + missed >= 1


def test_shutdown_lets_a_check_finish_within_grace(tmp_path):
    store = Store.open(tmp_path / "s.db")
    rec = Recorder(sleep_s=0.5)
    scheduler = Scheduler(
        config_for({"api-service": 30}),
        rec,
        clock=SimulatedClock(T0),
        store=store,
        grace_s=5,
        jitter=0,
    )
    thread = run_in_thread(scheduler)
    wait_until(lambda: rec.running["api-service"] == 1)
    scheduler.stop("SIGTERM")
    thread.join(10)
    [v] = store.verdicts()
    assert v.provenance.path == "statistical" and v.status == Status.NORMAL


def test_shutdown_records_a_stuck_check_as_interrupted(tmp_path):
    store = Store.open(tmp_path / "s.db")
    block = threading.Event()
    rec = Recorder(block=block)
    telemetry = Telemetry()
    scheduler = Scheduler(
        config_for({"api-service": 30}),
        rec,
        clock=SimulatedClock(T0),
        store=store,
        grace_s=0.2,
        telemetry=telemetry,
        jitter=0,
    )
    thread = run_in_thread(scheduler)
    wait_until(lambda: rec.running["api-service"] == 1)
    scheduler.stop("SIGTERM")
    thread.join(10)
    block.set()
    [v] = store.verdicts()
    assert v.status == Status.UNKNOWN and v.provenance.path == "interrupted"
    assert "SIGTERM" in v.reasoning
    assert telemetry.registry.get_sample_value("sentinel_checks_interrupted_total") == 1


class FlakySource(FixtureSource):
    """Fixture data for every service except `broken`, whose Prometheus is unreachable."""

    def range(self, service, metric, start, end, step_seconds) -> pd.Series:
        if service.name == "broken":
            raise SourceError("prometheus http://10.0.0.1:9090 unreachable: connection refused")
        return super().range(service, metric, start, end, step_seconds)


def test_an_unreachable_source_for_one_service_does_not_stop_the_others(tmp_path):
    make_fixture(tmp_path)
    path = write_config(tmp_path / "s.yaml", {"ok": 60, "broken": 60, "crashing": 60})
    config = load_config(path)
    agent = build_agent(config, FlakySource(tmp_path))

    def check(svc, at):
        if svc.name == "crashing":
            raise RuntimeError("bug in a detector")
        return agent.check(svc, at)

    got = {}
    scheduler = Scheduler(
        config,
        check,
        clock=SimulatedClock(datetime(2026, 11, 3, 6, tzinfo=UTC)),
        on_verdict=lambda v: got.__setitem__(v.service, v),
    )
    scheduler.run(once=True)
    assert got["ok"].status != Status.UNKNOWN
    assert got["broken"].status == Status.UNKNOWN
    assert "unreachable: connection refused" in got["broken"].reasoning
    assert got["crashing"].status == Status.UNKNOWN
    assert "RuntimeError: bug in a detector" in got["crashing"].reasoning


def test_a_bad_config_reload_keeps_the_last_good_config():
    good = config_for({"api-service": 30})
    bigger = config_for({"api-service": 30, "database": 60})
    attempts = iter([ConfigError("services.yaml: services.0.interval_seconds: bad"), bigger])
    rec = Recorder()
    telemetry = Telemetry()

    def reload() -> tuple[SentinelConfig, Recorder]:
        nxt = next(attempts)
        if isinstance(nxt, Exception):
            raise nxt
        return nxt, rec

    scheduler = Scheduler(
        good, rec, clock=SimulatedClock(T0, speed=120), telemetry=telemetry, reload=reload
    )
    thread = run_in_thread(scheduler)
    wait_until(lambda: len(rec.calls["api-service"]) >= 2)
    scheduler.request_reload()
    wait_until(lambda: telemetry.registry.get_sample_value(
        "sentinel_config_reloads_total", {"outcome": "failed"}
    ) == 1)  # fmt: skip
    n = len(rec.calls["api-service"])
    wait_until(lambda: len(rec.calls["api-service"]) >= n + 2)  # still checking on the old config
    assert scheduler.config is good and "database" not in rec.calls
    scheduler.request_reload()
    wait_until(lambda: len(rec.calls["database"]) >= 1)
    scheduler.stop("test")
    thread.join(10)


def test_jitter_must_be_a_fraction():
    with pytest.raises(ConfigError):
        Scheduler(config_for({"a": 30}), Recorder(), jitter=1.5)


def test_simulated_clock_advances_with_speed():
    clock = SimulatedClock(T0, speed=3600)
    assert clock.now() - T0 < timedelta(seconds=1)  # simulated time starts when first read
    time.sleep(0.05)
    assert clock.now() - T0 >= timedelta(seconds=150)
    assert clock.wall_seconds(3600) == 1.0


class DownThenUpStore:
    """A store that is down for its first `failures` writes, then records everything."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.recorded: list = []

    def record(self, v):
        if self.failures > 0:
            self.failures -= 1
            raise StoreError("ticket store sqlite:///x.db unavailable after 5 attempts: disk I/O")
        self.recorded.append(v)
        return RecordResult(duplicate=False)


def test_verdicts_made_while_the_store_is_down_are_recorded_when_it_returns():
    store = DownThenUpStore(failures=3)
    telemetry = Telemetry()
    rec = Recorder()
    scheduler = Scheduler(
        config_for({"api-service": 30}),
        rec,
        clock=SimulatedClock(T0, speed=120),
        store=store,  # type: ignore[arg-type]
        telemetry=telemetry,
        jitter=0,
    )
    thread = run_in_thread(scheduler)
    wait_until(lambda: len(store.recorded) >= 5)
    scheduler.stop("test")
    thread.join(10)
    times = [v.checked_at for v in store.recorded]
    assert times == sorted(times)  # oldest first, nothing skipped
    assert times == rec.calls["api-service"][: len(times)]
    assert telemetry.registry.get_sample_value("sentinel_errors_total", {"kind": "store"}) == 3
    assert telemetry.registry.get_sample_value("sentinel_store_backlog") == 0


class ColdFirst(Recorder):
    """A service's first check fits its baselines (slow); later ones reuse them (fast)."""

    def __init__(self, cold_s: float) -> None:
        super().__init__()
        self.cold_s = cold_s

    def __call__(self, svc, at):
        with self.lock:
            first = not self.calls[svc.name]
        if first:
            time.sleep(self.cold_s)
        return super().__call__(svc, at)


def test_a_cold_start_of_many_services_warms_them_gradually_without_skipping_slots():
    # 40 services every 10 s at speed 10 (1 real s per interval), 2 workers: the 40 cold first
    # checks (0.2 s each) need 4 intervals of both workers; admitting every service at once
    # made their slots pile up and be skipped.
    config = config_for({f"svc-{i:02d}": 10 for i in range(40)})
    rec, telemetry = ColdFirst(cold_s=0.2), Telemetry()
    scheduler = Scheduler(
        config, rec, clock=SimulatedClock(T0, speed=10), workers=2, telemetry=telemetry
    )
    thread = run_in_thread(scheduler, duration_s=8)
    thread.join(30)
    get = telemetry.registry.get_sample_value
    skipped = {
        r: get("sentinel_checks_skipped_total", {"reason": r}) or 0 for r in ("missed", "overlap")
    }
    assert skipped == {"missed": 0, "overlap": 0}
    assert all(len(rec.calls[s.name]) >= 2 for s in config.services)  # every service warmed
    for calls in rec.calls.values():  # after its warm-up check a service has every slot
        assert all((b - a).total_seconds() == 10 for a, b in pairwise(calls[1:]))


def test_a_long_outage_keeps_only_the_newest_verdicts_and_counts_the_dropped():
    from sentinel.store_backlog import StoreBacklog

    store = DownThenUpStore(failures=5)
    telemetry = Telemetry()
    backlog = StoreBacklog(store, telemetry, max_size=3)  # type: ignore[arg-type]
    verdicts = [failed_verdict("api-service", T0 + timedelta(minutes=i), "x") for i in range(6)]
    results = [backlog.record(v) for v in verdicts]
    assert results[:5] == [None] * 5 and results[5] is not None
    assert [v.checked_at for v in store.recorded] == [v.checked_at for v in verdicts[3:]]
    dropped = {"kind": "backlog_dropped"}
    assert telemetry.registry.get_sample_value("sentinel_errors_total", dropped) == 3
    assert len(backlog) == 0
