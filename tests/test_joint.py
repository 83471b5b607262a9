"""The joint multi-metric score: a correlated fault stands out and names the metrics that moved."""

from __future__ import annotations

import numpy as np

from sentinel.detectors.joint import fit_joint


def _service(n: int = 2000, seed: int = 0) -> np.ndarray:
    """Four metrics driven by one load factor (+ noise), one independent metric."""
    rng = np.random.default_rng(seed)
    load = np.sin(np.arange(n) / 60.0) * 10 + rng.normal(0, 1, n)
    rows = [100 + 3 * load, 50 + 2 * load, 20 + load, 5 + 0.5 * load, rng.normal(0, 1, n) + 7]
    return np.array(rows) + rng.normal(0, 0.3, (5, n))


def test_normal_points_score_low_and_a_broken_correlation_scores_high() -> None:
    hist = _service()
    model = fit_joint(hist)
    recent = _service(300, seed=1)
    assert np.quantile(model.score(recent).score, 0.99) < 0.5  # ordinary data: below watch
    broken = recent.copy()
    broken[1, 200:220] += 8.0  # one metric leaves the load it usually follows
    broken[2, 200:220] -= 6.0
    js = model.score(broken)
    assert (js.score[200:220] >= 0.7).all()
    names = ["rps", "cpu", "conns", "mem", "other"]
    assert set(js.top_metrics(names, 210)) == {"cpu", "conns"}


def test_contributions_sum_to_one_and_gaps_are_neutral() -> None:
    model = fit_joint(_service())
    recent = _service(50, seed=2)
    recent[0, 10] = np.nan
    js = model.score(recent)
    assert np.allclose(js.contributions.sum(axis=0), 1.0)
    assert js.contributions[0, 10] == 0.0
    assert np.isfinite(js.score).all() and (js.score >= 0).all() and (js.score <= 1).all()


def test_constant_metrics_and_short_history_do_not_divide_by_zero() -> None:
    hist = np.vstack([np.zeros(40), np.full(40, 3.0), np.arange(40.0)])
    model = fit_joint(hist)
    js = model.score(np.vstack([np.zeros(5), np.full(5, 3.0), np.arange(40.0, 45.0)]))
    assert np.isfinite(js.score).all()
    one = fit_joint(np.array([[1.0, 2.0, 3.0]]))  # one metric: no axes, SPE is its z^2
    assert one.components.shape == (0, 1)
    assert one.score(np.array([[2.0, 50.0]])).score[1] > 0.9


def test_mean_std_standardisation_is_an_option() -> None:
    model = fit_joint(_service(), robust=False)
    broken = _service(300, seed=1)
    broken[1, 200:220] += 8.0
    broken[2, 200:220] -= 6.0
    js = model.score(broken)
    assert js.score[200:220].min() > np.quantile(js.score[:200], 0.99)
