"""The eval's precision/recall/F1 figure says what it cannot draw."""

import matplotlib

matplotlib.use("Agg")

from sentinel.evaluation import figures
from sentinel.evaluation.costs import CostStats
from sentinel.evaluation.results import RepeatResult, StrategyResult
from sentinel.evaluation.scoring import Metrics


def _result(name: str, precision, recall, f1) -> StrategyResult:
    """A ran statistical strategy with these headline figures (no alarms when precision is None)."""
    alarms = 0 if precision is None else 5
    m = Metrics(
        incidents=10,
        detected=round(recall * 10),
        alarms=alarms,
        true_alarms=0,
        false_alarms=0,
        observed_days=7.0,
        precision=precision,
        recall=recall,
        f1=f1,
        ttd_median_s=None,
        ttd_p90_s=None,
        false_alarms_per_day=0.0,
        hard_negatives=0,
        hard_negative_violations=0,
        nab_score=None,
    )
    rep = RepeatResult(m, CostStats())
    detector = name.split(":")[1]
    return StrategyResult(
        name=name,
        kind="statistical",
        models=[],
        detector=detector,
        mode="statistical",
        source="statistical",
        note="",
        repeats=[rep],
        mean=rep,
    )


def test_a_detector_that_never_alarms_is_labelled_and_the_legend_names_all_three(
    tmp_path, monkeypatch
):
    shown = []
    monkeypatch.setattr(figures.plt, "close", shown.append)
    silent = _result("statistical:isolation_forest", None, 0.0, None)
    figures.plot_prf1([silent, _result("statistical:zscore", 0.4, 0.5, 0.44)], tmp_path / "p.png")
    [ax] = shown[0].axes
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["precision", "recall", "f1"]
    assert any(t.get_text().startswith("no alarms") for t in ax.texts)
    assert (tmp_path / "p.png").stat().st_size > 0
