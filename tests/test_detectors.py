"""Detectors (scikit-learn-like API) and the per-check statistical assessor."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from sentinel.config import (
    DetectionConfig,
    KnownIssue,
    MetricConfig,
    SentinelConfig,
    ServiceConfig,
    Suppression,
    Thresholds,
    load_config,
)
from sentinel.detectors import DETECTORS, StatisticalAssessor, build_assessor, make_detector
from sentinel.detectors.level_shift import cusum
from sentinel.errors import ConfigError
from sentinel.models import Status
from sentinel.pipeline import ServiceData

MONDAY = pd.Timestamp("2026-10-05 00:00", tz="UTC")


def seasonal(days: float = 15, seed: int = 0, start: pd.Timestamp = MONDAY) -> pd.Series:
    idx = pd.date_range(start, periods=int(days * 1440), freq="1min")
    hours = idx.hour.to_numpy() + idx.minute.to_numpy() / 60
    base = 100 + 60 * np.exp(-(((hours - 13) / 3) ** 2))  # a daily peak at 13h
    noise = np.random.default_rng(seed).normal(0, 2, len(idx))
    return pd.Series(base + noise, index=idx)


@pytest.fixture(scope="module")
def history() -> pd.Series:
    return seasonal()


def next_hours(history: pd.Series, hours: int, seed: int = 1) -> pd.Series:
    full = seasonal(days=(len(history) + hours * 60) / 1440, seed=seed)
    return full.iloc[len(history) :]


# ------------------------------------------------------------------ the detector API


def test_registry_has_every_detector_and_rejects_unknown_names():
    assert {"zscore", "seasonal_mad", "isolation_forest", "level_shift", "ensemble"} <= set(
        DETECTORS
    )
    with pytest.raises(ConfigError, match="unknown detector 'nope'"):
        make_detector("nope")
    with pytest.raises(ConfigError, match="bad parameters"):
        make_detector("seasonal_mad", z_wach=3)


@pytest.mark.parametrize("name", sorted(DETECTORS))
def test_scores_are_in_unit_interval_keep_shape_and_flag_a_big_spike(name, history):
    det = make_detector(name).fit(history)
    assert det.fitted_ and det.ready_.all()
    new = next_hours(history, 3)
    values = new.to_numpy().copy()
    values[100:130] += 400  # a gross, sustained spike (30 min)
    scores = det.score_samples(values, new.index)
    assert scores.shape == values.shape
    assert ((scores >= 0) & (scores <= 1)).all()
    assert scores[100:130].max() >= 0.7
    two_d = det_2d = make_detector(name).fit(np.vstack([history, history]), history.index)
    assert det_2d.score_samples(np.vstack([values, values]), new.index).shape == (2, len(values))
    assert two_d is det_2d


def test_isolation_forest_anchors_its_levels_on_training_quantiles(history):
    from sentinel.detectors.isolation_forest import raw_anchors

    # tied quantiles (a forest's scores tie often) still give strictly increasing anchors < 1
    anchors = raw_anchors(np.array([0.4, 0.7, 0.7, 1.0]))
    assert (np.diff(anchors) > 0).all() and anchors[-1] == 1.0 and anchors[-2] < 1.0
    det = make_detector("isolation_forest").fit(history)
    calm = det.score_samples(next_hours(history, 24, seed=7))
    # on data like its history, about 1 point in 1,000 reaches warning (P99.9), 1 in 100 watch
    assert (calm >= 0.7).mean() < 0.005 and (calm >= 0.5).mean() < 0.03


def test_seasonal_mad_is_quiet_on_the_daily_peak_where_zscore_is_not(history):
    new = next_hours(history, 24)
    peak = (new.index.hour >= 12) & (new.index.hour < 14)
    sm = make_detector("seasonal_mad").fit(history).score_samples(new)
    zs = make_detector("zscore").fit(history).score_samples(new)
    assert sm[peak].max() < 0.5
    assert zs[peak].mean() > sm[peak].mean()


def test_direction_up_ignores_drops(history):
    new = next_hours(history, 2)
    values = new.to_numpy().copy()
    values[10:20] -= 80
    up = make_detector("seasonal_mad", direction="up").fit(history).score_samples(values, new.index)
    both = make_detector("seasonal_mad").fit(history).score_samples(values, new.index)
    assert up[10:20].max() == 0 and both[10:20].min() >= 0.7


def test_level_shift_finds_a_modest_sustained_shift_but_not_one_spike(history):
    new = next_hours(history, 2)
    det = make_detector("level_shift").fit(history)
    shifted = new.to_numpy().copy()
    shifted[30:] += 12  # ~6 sigma, sustained
    assert det.score_samples(shifted, new.index)[60:].min() >= 0.7
    spike = new.to_numpy().copy()
    spike[30] += 400
    assert det.score_samples(spike, new.index).max() < 0.5


def test_vectorised_cusum_matches_the_recursive_definition():
    d = np.random.default_rng(3).normal(0, 2, 500)
    expected, s = [], 0.0
    for v in d:
        s = max(0.0, s + v)
        expected.append(s)
    assert np.allclose(cusum(d), expected)


def test_unsorted_timestamps_score_like_sorted(history):
    new = next_hours(history, 1)
    det = make_detector("level_shift").fit(history)
    values = new.to_numpy().copy()
    values[20:] += 20
    sorted_scores = det.score_samples(values, new.index)
    perm = np.random.default_rng(0).permutation(len(values))
    shuffled = det.score_samples(values[perm], new.index[perm])
    assert np.allclose(shuffled, sorted_scores[perm])


def test_nan_and_inf_score_zero_and_never_raise(history):
    new = next_hours(history, 1)
    values = new.to_numpy().copy()
    values[5], values[6], values[7] = np.nan, np.inf, -np.inf
    for name in DETECTORS:
        scores = make_detector(name).fit(history).score_samples(values, new.index)
        assert np.isfinite(scores).all() and (scores[5:8] == 0).all()


def test_dirty_history_fits_like_clean(history):
    dirty = pd.concat([history.iloc[::-1], history.iloc[:100]])  # unsorted with duplicates
    dirty.iloc[::50] = np.nan
    det = make_detector("seasonal_mad").fit(dirty)
    assert det.ready_.all() and np.isfinite(det.profile_.location).all()


def test_short_history_is_not_ready_and_scores_zero(history):
    det = make_detector("seasonal_mad").fit(history.iloc[:10])
    assert not det.ready_[0]
    assert (det.score_samples(history.iloc[10:20] + 1e6) == 0).all()
    assert not make_detector("zscore").fit(history.iloc[:0]).ready_[0]


def test_constant_history_gives_defined_scores():
    flat = pd.Series(7.0, index=pd.date_range(MONDAY, periods=3000, freq="1min"))
    for name in DETECTORS:
        det = make_detector(name).fit(flat)
        s = det.score_samples(np.array([7.0, 7.0, 1e9]), flat.index[:3] + pd.Timedelta(days=3))
        assert np.isfinite(s).all() and s[0] < 0.5


def test_scoring_before_fit_is_an_error():
    with pytest.raises(RuntimeError, match="not fitted"):
        make_detector("seasonal_mad").score_samples(np.zeros(3), pd.date_range(MONDAY, periods=3))


# ------------------------------------------------------------------ the assessor


def service(**metric_kwargs) -> ServiceConfig:
    metric = MetricConfig(name="latency", query="q", bad_direction="up", **metric_kwargs)
    return ServiceConfig(name="svc", interval_seconds=60, metrics=[metric])


def data_at(series: pd.Series, at: pd.Timestamp, svc: ServiceConfig | None = None) -> ServiceData:
    svc = svc or service()
    return ServiceData(svc, at.to_pydatetime(), 60, {"latency": series[series.index <= at]}, "test")


def incident(history: pd.Series, minutes: int, bump: float, hours_after: int = 2) -> pd.Series:
    new = next_hours(history, hours_after)
    values = new.copy()
    values.iloc[-minutes:] += bump
    return pd.concat([history, values])


def test_assessor_is_normal_on_normal_data(history):
    s = pd.concat([history, next_hours(history, 2)])
    a = StatisticalAssessor(DetectionConfig()).assess(data_at(s, s.index[-1]))
    assert a.verdict.status == Status.NORMAL and a.verdict.anomalies == []
    assert a.escalation_score < 0.5
    assert a.verdict.provenance.detector == "staged"  # the default


def test_sustained_incident_alerts_with_a_described_anomaly(history):
    s = incident(history, minutes=10, bump=300)
    a = StatisticalAssessor(DetectionConfig(detector="seasonal_mad")).assess(
        data_at(s, s.index[-1])
    )
    assert a.verdict.status == Status.CRITICAL
    top = a.verdict.anomalies[0]
    assert top.metric == "latency" and top.direction == "up" and top.deviation_pct > 100
    assert 0.9 <= top.confidence <= 1 and a.escalation_score >= 0.9


def test_an_anomaly_reads_the_values_that_raised_it_not_the_quiet_minutes_after(history):
    """A 6-minute surge that ended 5 minutes ago: the anomaly's values, deviation and direction
    come from the surge, so the verdict does not say "-1%" for a spike upwards."""
    new = next_hours(history, 2)
    values = new.copy()
    values.iloc[-11:-5] += 300
    s = pd.concat([history, values])
    a = StatisticalAssessor(DetectionConfig(detector="seasonal_mad")).assess(
        data_at(s, s.index[-1])
    )
    assert a.verdict.status >= Status.WARNING
    top = a.verdict.anomalies[0]
    assert top.direction == "up" and top.deviation_pct > 100
    assert top.current_value > top.baseline_value + 200
    assert float(s.iloc[-5:].median()) < top.baseline_value + 100  # the last 5 points are quiet


def test_alarm_aggregation_caps_a_short_blip_at_watch(history):
    s = incident(history, minutes=2, bump=300)  # 2 points < min_points 5
    a = StatisticalAssessor(DetectionConfig(detector="seasonal_mad")).assess(
        data_at(s, s.index[-1])
    )
    assert a.verdict.status == Status.WATCH
    assert a.escalation_score == pytest.approx(0.5)


def test_suppression_window_and_known_issue_cap_at_watch_and_do_not_escalate(history):
    s = incident(history, minutes=10, bump=300)
    at = s.index[-1]
    sup = Suppression(start=at - timedelta(hours=1), end=at + timedelta(hours=1), reason="deploy")
    a = StatisticalAssessor(DetectionConfig(detector="seasonal_mad", suppressions=[sup])).assess(
        data_at(s, at)
    )
    assert a.verdict.status == Status.WATCH and a.escalation_score == 0
    assert "deploy" in a.verdict.anomalies[0].detail
    issue = KnownIssue(service="svc", metric="latency", note="JIRA-1")
    b = StatisticalAssessor(DetectionConfig(detector="seasonal_mad", known_issues=[issue])).assess(
        data_at(s, at)
    )
    assert b.verdict.status == Status.WATCH and "JIRA-1" in b.verdict.reasoning
    expired = KnownIssue(service="svc", note="old", until=at - timedelta(days=1))
    c = StatisticalAssessor(DetectionConfig(detector="seasonal_mad", known_issues=[expired]))
    assert c.assess(data_at(s, at)).verdict.status == Status.CRITICAL


def test_absolute_threshold_alerts_even_inside_the_baseline(history):
    s = pd.concat([history, next_hours(history, 1)])
    svc = service(thresholds=Thresholds(warning=50.0))
    a = StatisticalAssessor(DetectionConfig()).assess(data_at(s, s.index[-1], svc))
    assert a.verdict.status == Status.WARNING
    assert "threshold 50" in a.verdict.anomalies[0].detail


def test_no_recent_data_or_short_history_is_unknown_with_a_reason(history):
    at = history.index[-1] + timedelta(hours=2)
    a = StatisticalAssessor(DetectionConfig()).assess(data_at(history, at))
    assert (
        a.verdict.status == Status.UNKNOWN and "no data in the last 15 min" in a.verdict.reasoning
    )
    short = history.iloc[:20]
    b = StatisticalAssessor(DetectionConfig()).assess(data_at(short, short.index[-1]))
    assert b.verdict.status == Status.UNKNOWN and "history too short" in b.verdict.reasoning


def test_assessor_survives_dirty_input(history):
    s = pd.concat([history, next_hours(history, 2)])
    dirty = pd.concat([s.iloc[::-1], s.iloc[-30:]])
    dirty.iloc[::7] = np.nan
    dirty.iloc[1::11] = np.inf
    data = ServiceData(service(), s.index[-1].to_pydatetime(), 60, {"latency": dirty}, "test")
    assert StatisticalAssessor(DetectionConfig()).assess(data).verdict.status in {
        Status.NORMAL,
        Status.WATCH,
    }


def test_baseline_is_refit_once_per_hour_not_per_check(history):
    s = pd.concat([history, next_hours(history, 3)])
    assessor = StatisticalAssessor(DetectionConfig(detector="seasonal_mad"))
    start = s.index[-1].floor("h") - timedelta(hours=1)
    for minutes in range(0, 60, 5):
        assessor.assess(data_at(s, start + timedelta(minutes=minutes)))
    # one refit period spans the hour, at a per-service phase: at most one refit inside it
    assert assessor.cache.fits <= 2 and assessor.cache.fits + assessor.cache.hits == 12


def test_build_assessor_uses_the_configured_detector_and_validates_params():
    config = load_config()
    assert build_assessor(config).detector == config.detection.detector
    assert build_assessor(config, detector="zscore").detector == "zscore"
    bad = SentinelConfig(
        services=config.services, detection=DetectionConfig(params={"staged": {"nope": 1}})
    )
    with pytest.raises(ConfigError, match="bad parameters"):
        build_assessor(bad)


def test_seasonal_mad_stops_alarming_a_day_after_an_additive_step_on_a_daily_cycle():
    idx = pd.date_range(MONDAY, periods=21 * 288, freq="5min")
    hours = idx.hour.to_numpy() + idx.minute.to_numpy() / 60
    x = 50 + 20 * np.sin(2 * np.pi * (hours - 6) / 24)
    x = x + np.random.default_rng(2).normal(0, 1.5, len(idx))
    step = MONDAY + pd.Timedelta(days=17, hours=10)
    x[idx >= step] += 25
    s = pd.Series(x, index=idx)

    def worst(after_hours: float, **params) -> float:
        at = step + pd.Timedelta(hours=after_hours)
        hist, ahead = s[s.index < at], s[(s.index >= at) & (s.index < at + pd.Timedelta(hours=3))]
        det = make_detector("seasonal_mad", **params).fit(hist.to_numpy(), hist.index)
        return float(det.score_samples(ahead.to_numpy(), ahead.index).max())

    assert make_detector("seasonal_mad").trend == "auto"
    assert worst(0) > 0.7 and worst(6) > 0.7  # the step is an incident for hours
    assert worst(24) < 0.5 and worst(40) < 0.5  # then absorbed: the new normal
    old = {"trend": "multiplicative", "bucket_minutes": 60, "tolerance_minutes": 0}
    assert worst(40, **old) > 0.5  # the old correction kept alarming


def test_seasonal_mad_learns_a_jittery_nightly_job_that_zscore_alarms_on():
    from sentinel.fixtures.synth import daily_job

    idx = pd.date_range(MONDAY, periods=29 * 1440, freq="1min")
    hours = idx.hour.to_numpy() + idx.minute.to_numpy() / 60
    rng = np.random.default_rng(5)
    job = daily_job(rng, idx, 1.0, 50.0)  # ~01:00-01:50, edges a few minutes off each night
    x = 100 + 60 * np.sin(2 * np.pi * (hours - 9) / 24) + 1000 * job
    x = x + rng.normal(0, 3, len(idx))
    night = MONDAY + pd.Timedelta(days=28)
    s = pd.Series(x, index=idx)
    hist, today = s[s.index < night], s[s.index >= night]
    today = today[today.index < night + pd.Timedelta(hours=3)]

    def worst(name: str, values: pd.Series) -> float:
        det = make_detector(name).fit(hist.to_numpy(), hist.index)
        return float(det.score_samples(values.to_numpy(), values.index).max())

    assert worst("seasonal_mad", today) < 0.5  # the job, edges and all, is normal
    assert worst("zscore", today) > 0.7  # a 10x jump every night looks like an incident
    old = {"bucket_minutes": 60, "tolerance_minutes": 0}
    det = make_detector("seasonal_mad", **old).fit(hist.to_numpy(), hist.index)
    assert det.score_samples(today.to_numpy(), today.index).max() > 0.7  # hourly: the edges
    running = pd.Series(1000 * job, index=idx).reindex(today.index)
    died = today - running.where(today.index >= night + pd.Timedelta(minutes=80), 0.0)
    assert worst("seasonal_mad", died) > 0.7  # a backup that dies at 01:20 is still caught


def test_infinite_latency_in_the_window_is_judged_critical_not_missing(history):
    """+Inf is beyond every threshold: a window of +Inf is CRITICAL, not UNKNOWN or NORMAL."""
    s = pd.concat([history, next_hours(history, 2)])
    s.iloc[-10:] = np.inf
    for svc in (service(), service(thresholds=Thresholds(warning=50.0, critical=100.0))):
        a = StatisticalAssessor(DetectionConfig()).assess(data_at(s, s.index[-1], svc))
        assert a.verdict.status == Status.CRITICAL and a.verdict.unjudged == []
        top = a.verdict.anomalies[0]
        assert top.metric == "latency" and top.direction == "up"
        assert a.escalation_score >= DetectionConfig().levels.critical


def test_an_infinity_against_the_bad_direction_is_not_an_alarm(history):
    s = pd.concat([history, next_hours(history, 2)])
    s.iloc[-10:] = -np.inf  # latency can only be bad upwards
    a = StatisticalAssessor(DetectionConfig()).assess(data_at(s, s.index[-1]))
    assert a.verdict.status == Status.NORMAL


def test_a_metric_that_cannot_be_judged_is_named_in_unjudged(history):
    s = pd.concat([history, next_hours(history, 2)])
    lat = MetricConfig(name="latency", query="q", bad_direction="up")
    err = MetricConfig(name="errors", query="q2")
    svc = ServiceConfig(name="svc", interval_seconds=60, metrics=[lat, err])
    data = ServiceData(
        svc, s.index[-1].to_pydatetime(), 60, {"latency": s}, "test", {"errors": "down"}
    )
    v = StatisticalAssessor(DetectionConfig()).assess(data).verdict
    assert v.status == Status.NORMAL and v.unjudged == ["errors"]
