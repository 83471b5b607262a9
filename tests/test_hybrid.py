"""`hybrid`: the onset score and the CUSUM together, from one set of residuals."""

import numpy as np
import pandas as pd
import pytest

from sentinel.detectors import make_detector

T = pd.date_range("2026-10-05", periods=3 * 1440, freq="1min", tz="UTC")
HIST, LIVE = T[: 2 * 1440], T[2 * 1440 :]


def noise(seed: int = 0) -> np.ndarray:
    return 100 + np.random.default_rng(seed).standard_normal(len(T))


def scores(name: str, live: np.ndarray, x: np.ndarray, **params) -> np.ndarray:
    det = make_detector(name, **params).fit(pd.Series(x[: 2 * 1440], index=HIST))
    return det.score_samples(pd.Series(live, index=LIVE))


def test_a_modest_persisting_step_that_adaptive_absorbs_is_caught_by_the_cusum():
    x = noise()
    live = x[2 * 1440 :].copy()
    live[600:] += 8  # 4 sigma at the 2 % scale floor
    assert (scores("adaptive", live, x) >= 0.7).sum() == 0
    hot = np.flatnonzero(scores("hybrid", live, x) >= 0.7)
    assert len(hot) and 600 <= hot[0] < 660


def test_a_sharp_step_alarms_at_its_onset_like_adaptive():
    x = noise()
    live = x[2 * 1440 :].copy()
    live[600:] += 40
    first = np.flatnonzero(scores("hybrid", live, x) >= 0.7)[0]
    assert first == np.flatnonzero(scores("adaptive", live, x) >= 0.7)[0] == 600


def test_plain_noise_stays_below_watch():
    x = noise(1)
    assert scores("hybrid", x[2 * 1440 :], x).max() < 0.5


@pytest.mark.parametrize("direction", ["up", "down"])
def test_a_step_to_the_good_side_raises_nothing(direction):
    x = noise()
    live = x[2 * 1440 :].copy()
    live[600:] += -40 if direction == "up" else 40
    assert scores("hybrid", live, x, direction=direction).max() < 0.5
