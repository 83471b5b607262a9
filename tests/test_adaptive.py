"""The `adaptive` detector: one alarm per episode, heavy tails, short history."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sentinel.detectors import make_detector
from sentinel.detectors.adaptive import order_statistic, previous_stats
from sentinel.detectors.base import describe_history

START = pd.Timestamp("2026-10-05 00:00", tz="UTC")


def noisy(minutes: int, seed: int = 0, start: pd.Timestamp = START) -> pd.Series:
    idx = pd.date_range(start, periods=minutes, freq="1min")
    return pd.Series(100 + np.random.default_rng(seed).normal(0, 2, minutes), index=idx)


def test_a_step_alarms_at_its_onset_then_the_detector_adapts():
    history = noisy(3 * 1440)
    after = noisy(180, seed=1, start=history.index[-1] + pd.Timedelta(minutes=1))
    after.iloc[60:] += 40  # +20 sigma from minute 60 on, and it stays
    scores = make_detector("adaptive").fit(history).score_samples(after)
    alarmed = scores >= 0.7
    assert alarmed[60:65].all()  # the onset: several points, enough for the assessor
    assert not alarmed[100:].any()  # then it is the new level
    onsets = np.flatnonzero(alarmed & ~np.concatenate([[False], alarmed[:-1]]))
    assert len(onsets) == 1  # one alarm episode
    plain = make_detector("seasonal_mad").fit(history).score_samples(after)
    assert (plain[100:] >= 0.7).all()  # the fixed baseline keeps alarming


def test_the_return_to_the_old_level_raises_nothing():
    history = noisy(3 * 1440)
    after = noisy(240, seed=2, start=history.index[-1] + pd.Timedelta(minutes=1))
    after.iloc[30:120] += 40
    scores = make_detector("adaptive").fit(history).score_samples(after)
    assert (scores[30:34] >= 0.7).all()
    assert not (scores[120:] >= 0.5).any()


def test_a_heavy_tailed_series_is_judged_on_its_own_tail():
    """Histogram-bucket latency: mostly 25 ms, often 50, now and then 250 or 500 ms."""
    rng = np.random.default_rng(3)
    buckets = np.array([0.01, 0.025, 0.049, 0.098, 0.246, 0.492])
    p = np.array([0.15, 0.5, 0.25, 0.06, 0.03, 0.01])
    idx = pd.date_range(START, periods=3 * 1440 + 240, freq="1min")
    s = pd.Series(rng.choice(buckets, len(idx), p=p), index=idx)
    history, after = s.iloc[: 3 * 1440], s.iloc[3 * 1440 :]
    adaptive = make_detector("adaptive").fit(history).score_samples(after)
    plain = make_detector("seasonal_mad").fit(history).score_samples(after)
    assert (plain >= 0.7).sum() > 5
    assert (adaptive >= 0.7).sum() == 0


def test_two_hours_of_history_give_a_verdict_and_say_so():
    history = noisy(120)
    after = noisy(30, seed=4, start=history.index[-1] + pd.Timedelta(minutes=1))
    after.iloc[20:] += 60
    det = make_detector("adaptive").fit(history)
    assert det.ready_[0]
    assert det.history_hours_[0] == 119 / 60
    assert describe_history(det.history_hours_[0]) == "2.0 h"
    scores = det.score_samples(after)
    assert (scores[:20] < 0.5).all() and (scores[20:25] >= 0.7).all()
    assert describe_history(24 * 10) == "10.0 days" and describe_history(24 * 35) == "5.0 weeks"


def test_scores_use_the_past_only():
    history = noisy(1440)
    after = noisy(120, seed=5, start=history.index[-1] + pd.Timedelta(minutes=1))
    after.iloc[50:55] += 30
    det = make_detector("adaptive").fit(history)
    base = det.score_samples(after)
    changed = after.copy()
    changed.iloc[80:] += 1e6
    assert np.array_equal(base[:80], det.score_samples(changed)[:80])


def test_previous_stats_match_a_loop():
    z = np.random.default_rng(6).normal(size=(2, 40))
    z[1, 7] = np.nan
    rows, cols = np.nonzero(np.ones_like(z, dtype=bool))
    mean, std, n = previous_stats(z, rows, cols, 5, clip=10.0)
    for k, (r, c) in enumerate(zip(rows, cols, strict=True)):
        prev = z[r, max(0, c - 5) : c]
        prev = prev[np.isfinite(prev)]
        assert n[k] == len(prev)
        if len(prev):
            assert np.isclose(mean[k], prev.mean()) and np.isclose(std[k], prev.std())


def test_order_statistic_is_the_sorted_rows_value_with_nan_last():
    rng = np.random.default_rng(3)
    z = rng.standard_normal((6, 50))
    z[1, ::3] = np.nan
    z[4] = np.nan
    idx = np.array([49, 10, 0, 49, 7, 25])
    want = np.take_along_axis(np.sort(z, axis=1), idx[:, None], 1)[:, 0]
    np.testing.assert_array_equal(order_statistic(z.copy(), idx), want)
    same = np.full(6, 30)
    want = np.sort(z, axis=1)[:, 30]
    np.testing.assert_array_equal(order_statistic(z.copy(), same), want)
