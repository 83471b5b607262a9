"""The seeded synthetic fixture generator: determinism, labels, counter semantics, realism."""

from __future__ import annotations

import itertools
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sentinel.config import FIXTURES_DIR, load_config
from sentinel.errors import ConfigError
from sentinel.fixtures.bundled import DEFAULT_CHECK_TIME, DEFAULT_DAYS, DEFAULT_START
from sentinel.fixtures.files import load_fixture
from sentinel.fixtures.generate import build, generate
from sentinel.fixtures.incidents import schedule
from sentinel.sources.fixture_source import FixtureSource

INCIDENT_KINDS = {
    "latency_spike",
    "error_burst",
    "traffic_drop",
    "slow_leak",
    "level_shift_after_deploy",
    "deadlock_burst",
}
NEGATIVE_KINDS = {"weekly_peak", "weekend_dip", "deploy_blip", "counter_reset", "scrape_gap"}
FILES = ["api-service.parquet", "api-service.yaml", "database.parquet", "database.yaml"]


@pytest.fixture(scope="module")
def default_dir(tmp_path_factory) -> Path:
    """The default fixtures (seed 42, 35 days) generated fresh into a temp dir."""
    out = tmp_path_factory.mktemp("fixtures")
    generate(out)
    return out


@pytest.fixture(scope="module")
def built():
    return build()


def _bytes(directory: Path) -> dict[str, bytes]:
    return {name: (directory / name).read_bytes() for name in FILES}


def test_same_seed_gives_same_bytes(tmp_path):
    generate(tmp_path / "a", seed=7, days=10)
    generate(tmp_path / "b", seed=7, days=10)
    assert _bytes(tmp_path / "a") == _bytes(tmp_path / "b")


def test_different_seed_gives_different_data(tmp_path):
    generate(tmp_path / "a", seed=7, days=10)
    generate(tmp_path / "b", seed=8, days=10)
    a, b = _bytes(tmp_path / "a"), _bytes(tmp_path / "b")
    assert a["api-service.parquet"] != b["api-service.parquet"]
    assert a["database.parquet"] != b["database.parquet"]


def test_committed_fixtures_equal_a_fresh_generation_with_their_seed(default_dir):
    for name in ("api-service", "database"):
        committed = load_fixture(name, FIXTURES_DIR).manifest
        assert committed.kind == "synthetic"
        assert committed.generator is not None and committed.generator.seed == 42
    assert _bytes(FIXTURES_DIR) == _bytes(default_dir), (
        "data/fixtures differs from `sentinel fixtures generate`: regenerate and commit"
    )


def test_every_kind_is_labelled_in_the_last_week_with_four_weeks_of_history(default_dir):
    windows = [w for n in ("api-service", "database") for w in _manifest(default_dir, n).labels]
    end = DEFAULT_START + timedelta(days=DEFAULT_DAYS)
    last_week = [w for w in windows if w.start >= end - timedelta(days=7)]
    assert {w.kind for w in last_week if not w.hard_negative} >= INCIDENT_KINDS
    assert {w.kind for w in last_week if w.hard_negative} >= NEGATIVE_KINDS
    assert all(w.start - DEFAULT_START >= timedelta(days=28) for w in last_week)
    assert {w.kind for w in windows if w.kind == "deadlock_burst"} and all(
        w.kind != "deadlock_burst" or "deadlocks" in w.metrics for w in windows
    )


def test_windows_of_one_service_do_not_overlap(default_dir):
    for name in ("api-service", "database"):
        labels = sorted(_manifest(default_dir, name).labels, key=lambda w: w.start)
        for a, b in itertools.pairwise(labels):
            assert a.end <= b.start, f"{name}: {a.kind} overlaps {b.kind}"


def test_every_effect_lies_inside_its_labelled_window():
    end = DEFAULT_START + timedelta(days=DEFAULT_DAYS)
    for scenario in schedule(DEFAULT_START, end):
        w = scenario.window()
        for effect in scenario.effects:
            assert w.start <= effect.start and effect.end <= w.end, scenario.kind
        for t in scenario.resets:
            assert w.contains(t)
        if scenario.gap:
            assert w.start <= scenario.gap[0] and scenario.gap[1] <= w.end


def test_counters_are_monotonic_except_at_labelled_resets(built):
    for name, fx in built.items():
        resets = [w for w in fx.manifest.labels if w.kind == "counter_reset"]
        assert resets, name
        for metric in (m.name for m in fx.manifest.metrics if m.type == "counter"):
            rows = fx.data[fx.data["metric"] == metric]
            drops = rows["timestamp"][rows["value"].diff() < 0]
            assert len(drops) == len(resets), f"{name}/{metric}"
            for t in drops:
                assert any(w.contains(t.to_pydatetime()) for w in resets), f"{metric} at {t}"
                after = rows["value"][rows["timestamp"] == t].iloc[0]
                assert after < rows["value"].median() / 100  # restarted near zero


def test_counts_are_integers_and_gauges_are_rounded(built):
    data = built["api-service"].data
    requests = data[data["metric"] == "request_rate"]["value"]
    assert (requests == requests.round()).all()
    latency = data[data["metric"] == "latency_p99"]["value"].to_numpy()
    assert np.allclose(latency, [float(f"{v:.4g}") for v in latency])


def test_scrape_gaps_are_missing_rows(built):
    for fx in built.values():
        gaps = [w for w in fx.manifest.labels if w.kind == "scrape_gap"]
        assert gaps
        ts = fx.data["timestamp"]
        for w in gaps:
            inside = ((ts >= w.start) & (ts < w.start + timedelta(minutes=20))).sum()
            assert inside == 0


def test_fixture_source_rate_matches_the_intended_request_rate(default_dir):
    config = load_config()
    service = config.service("api-service")
    metric = service.metric("request_rate")
    fx = build(days=DEFAULT_DAYS)["api-service"]
    start, end = DEFAULT_START + timedelta(days=20), DEFAULT_START + timedelta(days=27)
    got = FixtureSource(default_dir).range(service, metric, start, end, 60)
    # rate() over 5 one-minute samples spans the last 4 one-minute increments
    want = fx.intended["request_rate"].rolling(4).mean().reindex(got.index)
    rel = ((got - want) / want).abs()
    assert len(got) > 9000
    assert rel.median() < 0.01
    assert rel.quantile(0.99) < 0.05


def test_incidents_are_clearly_visible_but_not_absurd(built):
    api = built["api-service"].intended
    by_kind = {w.kind: w for w in built["api-service"].manifest.incidents}
    spike = by_kind["latency_spike"]
    before = api["latency_p99"][spike.start - timedelta(hours=1) : spike.start].median()
    peak = api["latency_p99"][spike.start : spike.end].max()
    assert 3 <= peak / before <= 6
    burst = by_kind["error_burst"]
    before = api["error_rate_5xx"][burst.start - timedelta(hours=1) : burst.start].median()
    assert 10 <= api["error_rate_5xx"][burst.start : burst.end].max() / before <= 30
    drop = by_kind["traffic_drop"]
    mid = drop.start + timedelta(minutes=20)
    week_ago = api["request_rate"][mid - timedelta(days=7)]
    assert 0.3 <= api["request_rate"][mid] / week_ago <= 0.5


def test_default_check_time_hits_an_api_incident_and_a_quiet_database(built):
    api = built["api-service"]
    db = built["database"]
    assert any(w.contains(DEFAULT_CHECK_TIME) for w in api.manifest.incidents)
    assert not any(w.contains(DEFAULT_CHECK_TIME) for w in db.manifest.labels)
    near = slice(DEFAULT_CHECK_TIME - timedelta(minutes=20), DEFAULT_CHECK_TIME)
    assert db.intended["deadlocks"][near].max() < 1e-3  # background only, no burst


def test_too_few_days_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="at least"):
        generate(tmp_path, days=3)


def _manifest(directory: Path, name: str):
    return load_fixture(name, directory).manifest


def test_generated_series_carry_the_configured_selectors(default_dir):
    config = load_config()
    for name in ("api-service", "database"):
        manifest = _manifest(default_dir, name)
        for m in manifest.metrics:
            query = config.service(name).metric(m.name).query
            assert m.series in query
            assert m.type == config.service(name).metric(m.name).type
        assert isinstance(
            load_fixture(name, default_dir).data["timestamp"].dtype, pd.DatetimeTZDtype
        )
