"""The assessor's array hot path on a real SMD slice: the verdicts equal those of the pandas
path (any series shape goes through clean_series), and `score_last` is `score_samples` cut."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from sentinel import importers
from sentinel.config import DetectionConfig, load_config
from sentinel.detectors import DETECTORS, StatisticalAssessor, make_detector
from sentinel.evaluation import suites
from sentinel.importers.write import write_import
from sentinel.pipeline import ServiceData, collect
from sentinel.series import clean_series, series_arrays, to_ns
from sentinel.sources.fixture_source import FixtureSource
from tests.realdata import SMD_MACHINE, smd_slice


@pytest.fixture(scope="module")
def smd(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("smd")
    out = tmp / "smd"
    write_import(importers.read("smd", smd_slice(tmp / "src"), progress=False), out, progress=False)
    spec = suites.resolve_suite(out)
    config = load_config(spec.config)
    svc = config.service(SMD_MACHINE)
    source = FixtureSource(spec.fixtures_dir)
    end = source.fixture_for(svc).manifest.end
    # The slice's labelled segment sits near its end: check inside it and before it.
    times = [end - timedelta(minutes=m) for m in (0, 95)]
    return svc, [collect(source, svc, at, timedelta(days=28)) for at in times]


def _dirty(s: pd.Series) -> pd.Series:
    """Same samples, not in the protocol's shape: shuffled, a duplicate, another tz and unit."""
    d = s.iloc[np.random.default_rng(0).permutation(len(s))]
    d = pd.concat([d.iloc[:1], d])  # a duplicated timestamp (same value)
    d.index = pd.DatetimeIndex(d.index).tz_convert("Europe/Paris").as_unit("us")
    return d


@pytest.mark.parametrize("detector", ["zscore", "seasonal_mad", "hybrid"])
def test_array_path_gives_the_verdicts_of_the_cleaned_series(smd, detector):
    _, checks = smd
    for data in checks:
        dirty = ServiceData(
            data.service,
            data.at,
            data.step_seconds,
            {k: _dirty(v) for k, v in data.series.items()},
            data.data_source,
        )
        fast = StatisticalAssessor(DetectionConfig(), detector).assess(data)
        slow = StatisticalAssessor(DetectionConfig(), detector).assess(dirty)
        assert fast.verdict.model_dump() == slow.verdict.model_dump()
        assert fast.escalation_score == slow.escalation_score
        for metric in list(fast.evidence)[:3]:  # lazy evidence reads the same arrays
            assert fast.evidence[metric] == slow.evidence[metric]


def test_series_arrays_match_clean_series():
    idx = pd.date_range("2024-01-01", periods=6, freq="60s", tz="UTC")
    s = pd.Series([1.0, np.nan, np.inf, 2.0, -np.inf, 3.0], index=idx)
    for keep_inf in (True, False):
        ns, x = series_arrays(s, keep_inf=keep_inf)
        ref = clean_series(s, keep_inf=keep_inf)
        assert ns.tolist() == to_ns(ref.index).tolist() and x.tolist() == ref.tolist()
    ns, x = series_arrays(s.iloc[::-1])  # unsorted: through clean_series
    assert ns.tolist() == to_ns(clean_series(s).index).tolist()


@pytest.mark.parametrize("name", sorted(DETECTORS))
def test_score_last_is_score_samples_cut(smd, name):
    svc, checks = smd
    metric = svc.metrics[0].name
    ns, x = series_arrays(checks[0].series[metric])
    det = make_detector(name).fit(x[:-60], ns[:-60])
    full = det.score_samples(x[-60:], ns[-60:])
    for n in (1, 15, 60):
        np.testing.assert_array_equal(det.score_last(x[-60:], ns[-60:], n), full[-n:])


def test_forest_scores_equal_scikit_learns(smd):
    from sklearn.ensemble import IsolationForest

    from sentinel.detectors.isolation_forest import forest_scores

    _, checks = smd
    x = np.stack([series_arrays(s)[1][-300:] for s in list(checks[0].series.values())[:3]], 1)
    x[::17, 0] = np.nan  # a gap reaches the trees as NaN, as in score_samples
    for max_features in (1.0, 2):
        forest = IsolationForest(n_estimators=20, max_features=max_features, random_state=0)
        forest.fit(np.nan_to_num(x[:200]))
        np.testing.assert_array_equal(forest_scores(forest, x), forest.score_samples(x))


def _forests_after_one_check(smd, detector: str):
    """The fits the assessor cached for one SMD check, and that service's arrays."""
    _, checks = smd
    data = checks[0]
    assessor = StatisticalAssessor(DetectionConfig(), detector)
    assessor.assess(data)
    fitted = [entry[1] for entry in assessor.cache._entries.values()]
    assert len(fitted) == len(data.service.metrics)
    ns, _ = series_arrays(next(iter(data.series.values())))
    x = np.stack([series_arrays(s)[1] for s in data.series.values()])
    return fitted, x, ns


def test_isolation_forest_is_fitted_once_per_service_and_rows_score_as_the_pool(smd):
    fitted, x, ns = _forests_after_one_check(smd, "isolation_forest")
    assert len({id(d.forests_[0]) for d in fitted}) == 1  # one pooled forest for the service
    pool = make_detector("isolation_forest").fit(x[:, :-60], ns[:-60])
    both = pool.score_samples(x[:, -60:], ns[-60:])
    for i in (0, 5):
        row = pool.row(i)
        np.testing.assert_array_equal(row.score_samples(x[i, -60:], ns[-60:]), both[i])
        np.testing.assert_array_equal(row.expected(ns[-60:])[0], pool.expected(ns[-60:])[i])


def test_isolation_forest_metric_fits_one_forest_per_metric(smd):
    fitted, x, ns = _forests_after_one_check(smd, "isolation_forest_metric")
    assert len({id(d.forests_[0]) for d in fitted}) == len(fitted)  # one forest per metric
    per_metric = make_detector("isolation_forest_metric").fit(x[:, :-60], ns[:-60])
    both = per_metric.score_samples(x[:, -60:], ns[-60:])
    for i in (0, 5):  # a row of the 2-D fit is that metric fitted alone
        alone = make_detector("isolation_forest_metric").fit(x[i, :-60], ns[:-60])
        np.testing.assert_array_equal(alone.score_samples(x[i, -60:], ns[-60:]), both[i])
        np.testing.assert_array_equal(
            per_metric.row(i).score_samples(x[i, -60:], ns[-60:]), both[i]
        )


ROW_EXACT = ["seasonal_mad", "level_shift", "adaptive", "hybrid", "ensemble", "episode", "staged"]


def test_row_exact_pooling_is_declared_by_the_detectors_that_have_it():
    declared = sorted(n for n, cls in DETECTORS.items() if cls.row_exact_pooling)
    assert declared == sorted(ROW_EXACT)


@pytest.mark.parametrize("detector", ROW_EXACT)
def test_row_exact_pooling_gives_the_single_metric_verdicts(smd, detector, monkeypatch):
    _, checks = smd
    pooled = StatisticalAssessor(DetectionConfig(), detector)
    for data in checks:
        a = pooled.assess(data)
        with monkeypatch.context() as m:
            m.setattr(DETECTORS[detector], "row_exact_pooling", False)
            b = StatisticalAssessor(DetectionConfig(), detector).assess(data)
        assert a.verdict.model_dump() == b.verdict.model_dump()
        assert a.escalation_score == b.escalation_score
        metric = next(iter(a.evidence))
        assert a.evidence[metric] == b.evidence[metric]
