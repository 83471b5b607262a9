"""`staged`: episode on young series, hybrid (or adaptive) once a series has `seasonal_after_days`."""

import numpy as np
import pandas as pd
import pytest

from sentinel.detectors import make_detector
from sentinel.detectors.staged import MATURE_DEFAULTS
from sentinel.errors import ConfigError
from sentinel.series import to_ns

T = pd.date_range("2026-10-05", periods=10 * 1440, freq="1min", tz="UTC")
NS = to_ns(T)


def history_and_live(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three series: 2 hours, 8 days and 9 days of history before the last day, then a step."""
    rng = np.random.default_rng(seed)
    x = 10.0 + rng.standard_normal((3, len(T)))
    x[0, : -1440 - 120] = np.nan
    x[1, : 2 * 1440 - 1440] = np.nan
    live = x[:, -1440:].copy()
    live[:, 600:] += 30.0
    return x[:, :-1440], live


def test_each_series_is_scored_by_the_member_its_history_supports():
    hist, live = history_and_live()
    staged = make_detector("staged", mature_onset=False).fit(hist, NS[:-1440])
    assert staged.mature_.tolist() == [False, True, True]
    np.testing.assert_allclose(staged.history_hours_[0], 2.0, atol=0.05)
    scores = staged.score_samples(live, NS[-1440:])
    episode = make_detector("episode").fit(hist[:1], NS[:-1440])
    hybrid = make_detector("hybrid", **MATURE_DEFAULTS["hybrid"]).fit(hist[1:], NS[:-1440])
    np.testing.assert_array_equal(scores[0], episode.score_samples(live[:1], NS[-1440:])[0])
    np.testing.assert_array_equal(scores[1:], hybrid.score_samples(live[1:], NS[-1440:]))
    assert (scores[:, 600] >= 0.7).all()  # the step alarms at its onset on every series


def test_a_row_is_its_members_row_and_matches_a_fit_of_that_series_alone():
    hist, live = history_and_live(1)
    staged = make_detector("staged").fit(hist, NS[:-1440])
    both = staged.score_samples(live, NS[-1440:])
    for i in range(3):
        alone = make_detector("staged").fit(hist[i], NS[:-1440])
        row = staged.row(i)
        np.testing.assert_array_equal(row.score_samples(live[i], NS[-1440:]), both[i])
        np.testing.assert_array_equal(alone.score_samples(live[i], NS[-1440:]), both[i])
        np.testing.assert_array_equal(row.expected(NS[-3:]), staged.expected(NS[-3:])[i : i + 1])


def test_the_switch_point_and_member_parameters_are_settable():
    hist, _ = history_and_live()
    assert make_detector("staged", seasonal_after_days=0).fit(hist, NS[:-1440]).mature_.all()
    young_only = make_detector("staged", seasonal_after_days=30, young={"shift": False})
    assert not young_only.fit(hist, NS[:-1440]).mature_.any()
    with pytest.raises(ConfigError, match="staged"):
        make_detector("staged", seasonal_after_days=-1)
    with pytest.raises(ConfigError, match="staged"):
        make_detector("staged", young={"no_such_parameter": 1})
    with pytest.raises(ConfigError, match="mature_onset_from"):
        make_detector("staged", mature_onset_from=2)


def test_the_mature_member_pages_on_a_modest_step_that_persists_and_adaptive_does_not():
    """A 4-sigma step held for 6 hours: below `adaptive`'s onset anchors at every point, but
    the hybrid member's CUSUM reaches WARNING within two hours (the synthetic post-deploy shift)."""
    hist, live = history_and_live(2)
    live = live[1:] - 30.0 * (np.arange(1440) >= 600)
    live[:, 600:960] += 4.0
    member = make_detector("staged", mature_onset=False).fit(hist[1:], NS[:-1440])  # hybrid alone
    default = member.score_samples(live, NS[-1440:])
    adaptive = make_detector("staged", mature_detector="adaptive", mature_onset=False)
    adaptive = adaptive.fit(hist[1:], NS[:-1440])
    before = adaptive.score_samples(live, NS[-1440:])
    assert (default[:, 600:720].max(axis=1) >= 0.7).all()
    assert (before.max(axis=1) < 0.7).all()
    assert (default[:, :600] < 0.5).all()  # nothing before the step
    with pytest.raises(ConfigError, match="mature_detector"):
        make_detector("staged", mature_detector="zscore")


def test_mature_onset_adds_the_young_members_onset_score_to_mature_series_only():
    hist, live = history_and_live(3)
    staged = make_detector("staged").fit(hist, NS[:-1440])  # mature_onset is the default
    scores = staged.score_samples(live, NS[-1440:])
    plain = make_detector("staged", mature_onset=False).fit(hist, NS[:-1440])
    plain = plain.score_samples(live, NS[-1440:])
    onset = make_detector("episode", shift=False).fit(hist[1:], NS[:-1440])
    o = onset.score_samples(live[1:], NS[-1440:])
    expected = np.fmax(plain[1:], np.where(o >= 0.7, o, 0.0))  # from WARNING up only
    np.testing.assert_array_equal(scores[1:], expected)
    np.testing.assert_array_equal(scores[0], plain[0])  # the young series is untouched
    for i in range(3):  # a row, and a fit of that series alone, score as the batch does
        alone = make_detector("staged", mature_onset=True).fit(hist[i], NS[:-1440])
        np.testing.assert_array_equal(staged.row(i).score_samples(live[i], NS[-1440:]), scores[i])
        np.testing.assert_array_equal(alone.score_samples(live[i], NS[-1440:]), scores[i])
