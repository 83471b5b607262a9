"""`episode`: onset z (global or seasonal, optionally gated by the recent level) + CUSUM."""

import numpy as np
import pandas as pd
import pytest

from sentinel.detectors import make_detector

T = pd.date_range("2026-10-05", periods=3 * 1440, freq="1min", tz="UTC")
HIST, LIVE = T[: 2 * 1440], T[2 * 1440 :]


def noise(seed: int = 0, level: float = 10.0) -> np.ndarray:
    return level + np.random.default_rng(seed).standard_normal(len(T))


def scores(live: np.ndarray, x: np.ndarray, **params) -> np.ndarray:
    det = make_detector("episode", **params).fit(pd.Series(x[: 2 * 1440], index=HIST))
    return det.score_samples(pd.Series(live, index=LIVE))


def test_a_sharp_step_alarms_at_its_onset():
    x = noise()
    live = x[2 * 1440 :].copy()
    live[600:] += 40
    assert np.flatnonzero(scores(live, x) >= 0.7)[0] == 600


def test_the_gate_ends_the_onset_alarm_once_the_recent_window_holds_the_new_level():
    x = noise()
    live = x[2 * 1440 :].copy()
    live[600:] += 40
    gated = scores(live, x, shift=False, gate=True)
    assert (gated[600:610] >= 0.7).all() and (gated[660:] < 0.5).all()
    plain = scores(live, x, shift=False)  # the default, zscore-like: alarms while it lasts
    assert (plain[600:] >= 0.7).all()


def test_a_modest_persisting_step_is_caught_by_the_cusum():
    x = noise()
    live = x[2 * 1440 :].copy()
    live[600:] += 3.5  # below the onset's warning anchor (4 sigma)
    assert (scores(live, x, shift=False)[700:] >= 0.7).mean() < 0.5  # only the noise peaks
    assert (scores(live, x)[700:] >= 0.7).all()  # the CUSUM holds the shift


def test_a_slow_ramp_is_not_absorbed_with_a_gate_level():
    x = noise()
    live = x[2 * 1440 :].copy()
    live[600:700] += np.linspace(0, 12, 100)
    live[700:] += 12
    soft = (scores(live, x, shift=False, gate=True, gate_level=4.0)[600:700] >= 0.7).sum()
    hard = (scores(live, x, shift=False, gate=True)[600:700] >= 0.7).sum()
    assert soft > hard + 10  # the ramp alarms until its own recent level is 4 sigma out


def test_plain_noise_stays_below_warning_and_history_is_reported():
    x = noise(1)
    det = make_detector("episode").fit(pd.Series(x[:120], index=T[:120]))  # two hours
    assert det.score_samples(pd.Series(x[120:400], index=T[120:400])).max() < 0.7
    assert det.history_hours_[0] == pytest.approx(119 / 60)


@pytest.mark.parametrize("direction", ["up", "down"])
def test_a_step_to_the_good_side_raises_nothing(direction):
    x = noise()
    live = x[2 * 1440 :].copy()
    live[600:] += -40 if direction == "up" else 40
    assert scores(live, x, direction=direction).max() < 0.5


def test_seasonal_base_and_gaps():
    x = noise()
    live = x[2 * 1440 :].copy()
    live[100:110] = np.nan
    live[600:] += 40
    s = scores(live, x, base="seasonal")
    assert (s[100:110] == 0).all() and s[600] >= 0.7
