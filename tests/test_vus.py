"""VUS-PR: perfect and useless rankings, label slack and series kept apart."""

import numpy as np
import pytest

from sentinel.evaluation.vus import range_ap, soften, vus_pr


def _labels(n: int, *ranges: tuple[int, int]) -> np.ndarray:
    y = np.zeros(n, bool)
    for s, e in ranges:
        y[s:e] = True
    return y


def test_a_score_that_ranks_every_labelled_point_first_scores_one_without_buffer():
    y = _labels(100, (10, 15), (60, 70))
    assert vus_pr([(y.astype(float), y)], max_buffer=0) == pytest.approx(1.0)


def test_a_constant_score_scores_about_the_share_of_labelled_points():
    y = _labels(100, (10, 20))
    assert vus_pr([(np.zeros(100), y)], max_buffer=0) == pytest.approx(0.1)


def test_a_score_one_point_late_loses_less_with_a_buffer_than_without():
    y = _labels(200, (50, 52), (120, 122))
    late = np.roll(y, 2).astype(float)
    strict = vus_pr([(late, y)], max_buffer=0)
    slack = vus_pr([(late, y)], max_buffer=8)
    assert strict < slack < 1.0


def test_an_inverted_score_scores_below_a_constant_one():
    y = _labels(100, (40, 50))
    assert vus_pr([(-y.astype(float), y)], 4) < vus_pr([(np.zeros(100), y)], 4)


def test_recall_counts_only_ranges_that_get_a_hit():
    y = _labels(100, (10, 20), (60, 70))
    one_range = _labels(100, (10, 20)).astype(float)  # finds the first range only
    # top threshold: half the points of one range in two -> recall 0.5 x 1/2 = 0.25 at P 1;
    # then everything: recall 1 at P 0.2 (without the existence factor it would be 0.6)
    assert range_ap(one_range, y.astype(float), y.astype(float)) == pytest.approx(0.25 + 0.15)


def test_soft_labels_decay_outside_a_range_and_stay_one_inside():
    soft = soften(_labels(20, (10, 12)), buffer=4)
    assert soft[10:12].tolist() == [1.0, 1.0]
    assert 0 < soft[12] < 1 and soft[14] == 0 and 0 < soft[8] < soft[9] < 1


def test_a_buffer_never_leaks_from_one_service_into_the_next():
    a = _labels(10, (8, 10))  # ends at the end of the first series
    b = _labels(10)
    scores_b = np.zeros(10)
    scores_b[0] = 5.0  # a high score at the start of the other series is a false alarm
    value = vus_pr([(a.astype(float), a), (scores_b, b)], max_buffer=4)
    assert value < vus_pr([(a.astype(float), a), (np.zeros(10), b)], max_buffer=4)


def test_no_labelled_point_gives_none():
    assert vus_pr([(np.arange(5.0), np.zeros(5, bool))], 2) is None
