"""Seasonal robust baselines: buckets, fallbacks, floors, trend, bad input, cache."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sentinel.baseline import (
    BaselineCache,
    BaselineParams,
    bucket_of,
    fit_profile,
    nanmedian_rows,
)
from sentinel.series import to_ns

MONDAY = pd.Timestamp("2026-10-05 00:00", tz="UTC")


def weekly(days: int = 21, step: str = "1min", seed: int = 0) -> pd.Series:
    idx = pd.date_range(
        MONDAY, periods=days * 1440 // (pd.Timedelta(step).seconds // 60), freq=step
    )
    hours = idx.hour.to_numpy()
    weekend = idx.day_of_week.to_numpy() >= 5
    base = 100 + 50 * (hours >= 9) * (hours < 18) - 40 * weekend
    noise = np.random.default_rng(seed).normal(0, 2, len(idx))
    return pd.Series(base + noise, index=idx)


def test_hour_of_week_bucket_starts_monday_midnight_utc():
    ts = pd.DatetimeIndex(["2026-10-05 00:30", "2026-10-11 23:59", "2026-10-06 01:00"], tz="UTC")
    assert list(bucket_of(to_ns(ts), "hour_of_week")) == [0, 167, 25]
    assert list(bucket_of(to_ns(ts), "hour_of_day")) == [0, 23, 1]
    assert list(bucket_of(to_ns(ts), "none")) == [0, 0, 0]


def test_to_ns_is_unit_independent():
    ts = pd.DatetimeIndex(["2026-10-05 00:30"], tz="UTC")
    assert to_ns(ts.as_unit("us"))[0] == to_ns(ts.as_unit("ns"))[0] == ts.as_unit("ns").asi8[0]


def test_profile_learns_weekday_office_hours_and_weekend_dip():
    s = weekly()
    p = fit_profile(s.to_numpy(), to_ns(s.index))
    loc = p.location[0]
    assert loc[10] == pytest.approx(150, abs=2)  # Monday 10h
    assert loc[3] == pytest.approx(100, abs=2)  # Monday 03h
    assert loc[5 * 24 + 10] == pytest.approx(110, abs=2)  # Saturday 10h: office hours - 40
    assert 1.5 < p.scale[0, 10] < 4.5  # ~ noise sigma 2
    assert p.fallback_buckets[0] == 0


def test_short_history_falls_back_to_hour_of_day_then_global():
    s = weekly(days=2)
    p = fit_profile(s.to_numpy(), to_ns(s.index))
    assert p.fallback_buckets[0] == 120  # Monday and Tuesday buckets are full, the rest not
    day = fit_profile(s.to_numpy(), to_ns(s.index), BaselineParams(seasonality="hour_of_day"))
    assert p.location[0, 2 * 24 + 10] == pytest.approx(day.location[0, 10])
    tiny = s.iloc[:10]
    g = fit_profile(tiny.to_numpy(), to_ns(tiny.index))
    assert np.allclose(g.location[0], np.median(tiny))


def test_constant_series_gets_a_positive_scale_and_finite_residuals():
    s = pd.Series(5.0, index=pd.date_range(MONDAY, periods=3000, freq="1min"))
    p = fit_profile(s.to_numpy(), to_ns(s.index))
    assert (p.scale > 0).all()
    z = p.residuals(np.array([5.0, 6.0]), to_ns(s.index[:2]))
    assert np.isfinite(z).all() and z[0, 0] == 0 and z[0, 1] > 0


def test_mostly_zero_counter_uses_burst_spread_not_zero():
    x = np.zeros(20_000)
    x[::97] = 0.05  # rare deadlocks
    ns = to_ns(pd.date_range(MONDAY, periods=len(x), freq="1min"))
    p = fit_profile(x, ns)
    assert p.scale.min() > 1e-3  # not eps: one deadlock is not a 1e9-sigma event


def test_non_finite_values_are_gaps():
    s = weekly(days=8)
    x = s.to_numpy().copy()
    x[::3] = np.nan
    x[1::7] = np.inf
    p = fit_profile(x, to_ns(s.index))
    assert np.isfinite(p.location).all() and np.isfinite(p.scale).all()
    assert p.n_history[0] == np.isfinite(x).sum()


def test_level_ratio_follows_recent_growth():
    s = weekly(days=21)
    x = s.to_numpy().copy()
    x[-1440:] *= 1.3  # the last day runs 30 % hotter everywhere
    p = fit_profile(x, to_ns(s.index))
    assert p.level[0] == pytest.approx(1.3, abs=0.05)
    off = fit_profile(x, to_ns(s.index), BaselineParams(level_hours=0))
    assert off.level[0] == 1.0


def test_fits_many_series_at_once_like_one():
    s = weekly(days=8)
    two = np.vstack([s.to_numpy(), 2 * s.to_numpy()])
    p = fit_profile(two, to_ns(s.index))
    one = fit_profile(s.to_numpy(), to_ns(s.index))
    assert np.allclose(p.location[0], one.location[0])
    assert np.allclose(p.location[1], 2 * one.location[0])


def test_nanmedian_rows_matches_numpy():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(5, 11))
    x[0, :4] = np.nan
    x[3, :] = np.nan
    med, n = nanmedian_rows(x)
    with np.errstate(all="ignore"):
        expected = np.array([np.nanmedian(r) if np.isfinite(r).any() else np.nan for r in x])
    assert np.allclose(med, expected, equal_nan=True)
    assert list(n) == [7, 11, 11, 0, 11]


def test_cache_reuses_within_a_period_and_refits_after():
    cache = BaselineCache(refit_seconds=3600)
    h = 3_600_000_000_000
    c1 = cache.cutoff(10 * h + 5)
    assert c1 == 10 * h and cache.cutoff(11 * h - 1) == c1 and cache.cutoff(11 * h) == 11 * h
    assert cache.get("k", c1) is None
    cache.put("k", c1, "profile")
    assert cache.get("k", c1) == "profile"
    assert cache.get("k", 11 * h) is None
    assert (cache.fits, cache.hits) == (1, 1)


def test_mismatched_lengths_are_a_clear_error():
    with pytest.raises(ValueError, match="timestamps"):
        fit_profile(np.zeros(5), np.zeros(4, dtype=np.int64))


def daily_with_step(days: int = 21, step_day: int = 17, jump: float = 25.0) -> pd.Series:
    """A strong daily cycle (50 +- 20) with a permanent +jump from `step_day` 10:00 on."""
    idx = pd.date_range(MONDAY, periods=days * 288, freq="5min")
    hours = idx.hour.to_numpy() + idx.minute.to_numpy() / 60
    x = 50 + 20 * np.sin(2 * np.pi * (hours - 6) / 24)
    x = x + np.random.default_rng(1).normal(0, 1.5, len(idx))
    x[idx >= MONDAY + pd.Timedelta(days=step_day, hours=10)] += jump
    return pd.Series(x, index=idx)


def max_abs_z_after(s: pd.Series, hours: float, trend: str, span_hours: float = 2) -> float:
    """Fit on everything before step + `hours`, score the next `span_hours`: the worst |z|."""
    at = MONDAY + pd.Timedelta(days=17, hours=10 + hours)
    hist, ahead = (
        s[s.index < at],
        s[(s.index >= at) & (s.index < at + pd.Timedelta(hours=span_hours))],
    )
    p = fit_profile(hist.to_numpy(), to_ns(hist.index), BaselineParams(trend=trend))
    return float(np.nanmax(np.abs(p.residuals(ahead.to_numpy(), to_ns(ahead.index)))))


def test_additive_step_is_flagged_first_then_absorbed_within_a_day():
    s = daily_with_step()
    for trend in ("additive", "auto"):
        assert max_abs_z_after(s, 0, trend) > 10  # the step itself is an incident
        assert max_abs_z_after(s, 6, trend) > 10  # still flagged hours later (median window)
        for hours in (18, 24, 36, 48):
            assert max_abs_z_after(s, hours, trend) < 5, (trend, hours)  # the new normal


def test_multiplicative_correction_misfits_an_additive_step_on_a_daily_cycle():
    s = daily_with_step()
    # scaling a 50 +- 20 cycle by 1.5 predicts 105 at the peak for a real 95: alarms all day
    assert max_abs_z_after(s, 30, "multiplicative", span_hours=24) > 5


def test_auto_trend_keeps_multiplicative_growth_and_picks_additive_step():
    s = weekly(days=21)
    x = s.to_numpy().copy()
    x[-1440:] *= 1.3
    grown = fit_profile(x, to_ns(s.index), BaselineParams(trend="auto"))
    assert grown.level[0] == pytest.approx(1.3, abs=0.05) and grown.offset[0] == 0.0
    step = daily_with_step()
    hist = step[step.index < MONDAY + pd.Timedelta(days=19)]
    p = fit_profile(hist.to_numpy(), to_ns(hist.index), BaselineParams(trend="auto"))
    assert p.level[0] == 1.0 and p.offset[0] == pytest.approx(25, abs=2)
    grown_cycle = daily_with_step(jump=0)[: len(hist)].to_numpy().copy()
    grown_cycle[-288:] *= 1.3  # the same daily cycle, last day 30 % hotter: multiplicative
    both = fit_profile(
        np.vstack([grown_cycle, hist.to_numpy()]), to_ns(hist.index), BaselineParams(trend="auto")
    )
    assert both.level[0] == pytest.approx(1.3, abs=0.05) and both.offset[0] == 0.0
    assert both.level[1] == 1.0 and both.offset[1] == pytest.approx(25, abs=2)  # per series


def test_finer_buckets_split_the_hour_and_must_divide_it():
    ts = pd.DatetimeIndex(["2026-10-05 00:07", "2026-10-05 01:00", "2026-10-11 23:59"], tz="UTC")
    assert list(bucket_of(to_ns(ts), "hour_of_week", 5)) == [1, 12, 2015]
    assert list(bucket_of(to_ns(ts), "hour_of_day", 5)) == [1, 12, 287]
    with pytest.raises(ValueError, match="divide an hour"):
        BaselineParams(bucket_minutes=7)


def test_fine_buckets_keep_their_own_median_but_share_their_hours_scale():
    s = weekly(days=28)
    x = s.to_numpy().copy()
    x[(s.index.hour == 1) & (s.index.minute < 30)] += 500  # a job in the first half of 01h
    p = fit_profile(x, to_ns(s.index), BaselineParams(bucket_minutes=5, min_rel_scale=0))
    assert p.location.shape == (1, 2016) and p.fallback_buckets[0] == 0
    assert p.location[0, 12] == pytest.approx(600, abs=3)  # Monday 01:00-01:05: the job
    assert p.location[0, 18] == pytest.approx(100, abs=3)  # Monday 01:30-01:35: after it
    assert np.ptp(p.scale[0, 18:24]) == 0 and 1.5 < p.scale[0, 18] < 4.5  # the noise, not 500
    hourly = fit_profile(x, to_ns(s.index))
    assert hourly.scale[0, 1] > 100  # one hour bucket straddles both levels


def test_tolerance_matches_a_job_that_runs_a_few_minutes_late():
    s = weekly(days=28)
    x = s.to_numpy().copy()
    x[(s.index.hour == 1) & (s.index.minute < 30)] += 500
    ns = to_ns(s.index)
    late = pd.DatetimeIndex(["2026-11-02 01:33", "2026-11-02 01:50"], tz="UTC")  # still running
    strict = fit_profile(x, ns, BaselineParams(bucket_minutes=5))
    tolerant = fit_profile(x, ns, BaselineParams(bucket_minutes=5, tolerance_minutes=15))
    values = np.array([600.0, 600.0])
    assert (strict.residuals(values, to_ns(late))[0] > 50).all()
    z = tolerant.residuals(values, to_ns(late))[0]
    assert abs(z[0]) < 3  # 3 min late: matches 01:25-01:30, when the job usually runs
    assert z[1] > 50  # 20 min past any usual run: still an anomaly


def test_fine_buckets_short_of_three_weeks_fall_back_to_their_hour_of_week():
    s = weekly(days=14)  # two weeks: 10 samples per 5-minute bucket, 15 needed
    fine = fit_profile(s.to_numpy(), to_ns(s.index), BaselineParams(bucket_minutes=5))
    hourly = fit_profile(s.to_numpy(), to_ns(s.index))
    assert fine.fallback_buckets[0] == 2016
    saturday_10h = 5 * 24 + 10
    assert fine.location[0, saturday_10h * 12] == hourly.location[0, saturday_10h]  # not Monday's


def test_irregular_scrapes_do_not_pass_two_weeks_off_as_three_for_tolerance():
    rng = np.random.default_rng(3)
    idx = MONDAY + pd.to_timedelta(np.cumsum(rng.uniform(4.5, 5.5, 14 * 280)), unit="min")
    ns = to_ns(pd.DatetimeIndex(idx))
    x = np.full(len(idx), 100.0) + rng.normal(0, 1, len(idx))
    p = fit_profile(x, ns, BaselineParams(bucket_minutes=5))
    assert np.bincount(bucket_of(ns, "hour_of_week", 5)).max() >= 3  # "three weeks' worth"
    assert not p.fitted.any()  # ... but from two weeks only
    assert p.fallback_buckets[0] == 2016


def test_cache_spreads_each_services_refits_over_the_hour():
    cache = BaselineCache(refit_seconds=3600)
    h, m = 3_600_000_000_000, 60_000_000_000
    start = 10 * h + 5
    cutoffs = {cache.cutoff(start, spread=f"svc-{i}") % h // m for i in range(200)}
    assert len(cutoffs) > 40  # refits start at many different minutes, not all at :00
    one = cache.cutoff(start, spread="api-service")
    assert one <= start < one + h and cache.cutoff(start, spread="api-service") == one
