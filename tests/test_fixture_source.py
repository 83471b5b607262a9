"""FixtureSource answers like the PromQL query would, and slicing its cache changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest

from sentinel.config import load_config
from sentinel.errors import FixtureError
from sentinel.sources.fixture_source import FixtureSource
from tests.evalkit import START, make_suite


@pytest.fixture
def suite(tmp_path):
    fixtures, config_path, _ = make_suite(tmp_path)
    return FixtureSource(fixtures), load_config(config_path).service("svc")


def test_sliced_answers_equal_a_fresh_evaluation(suite):
    source, svc = suite
    fixture = source.fixture_for(svc)
    for metric in svc.metrics:
        for at in (START + timedelta(days=1, minutes=17), START + timedelta(days=2, hours=12)):
            for start in (at - timedelta(days=1), at - timedelta(hours=1, seconds=30)):
                got = source.range(svc, metric, start, at, 60)
                fresh = FixtureSource._evaluate(
                    fixture, metric, pd.Timestamp(start).ceil("s"), at, 60
                )
                pd.testing.assert_series_equal(got, fresh, check_freq=False, check_index_type=False)
                assert got.index.max() <= at


def test_a_history_reaching_back_before_the_fixture_is_served_from_the_cache(suite):
    source, svc = suite
    fixture = source.fixture_for(svc)
    at = START + timedelta(days=1, minutes=17)
    for metric in svc.metrics:
        start = at - timedelta(days=28)  # a config's history_days longer than the data
        got = source.range(svc, metric, start, at, 60)
        fresh = FixtureSource._evaluate(fixture, metric, pd.Timestamp(start).ceil("s"), at, 60)
        pd.testing.assert_series_equal(got, fresh, check_freq=False, check_index_type=False)
    assert {key[1] for key in source._evaluated} == {m.name for m in svc.metrics}


def test_a_range_outside_the_fixture_names_it(suite):
    source, svc = suite
    with pytest.raises(FixtureError, match="covers"):
        source.range(svc, svc.metrics[0], START - timedelta(days=9), START - timedelta(days=8), 60)
