"""The eval's precision/recall/F1 figure says what it cannot draw."""

import matplotlib

matplotlib.use("Agg")

from sentinel.evaluation import figures
from sentinel.evaluation.costs import CostStats
from sentinel.evaluation.results import RepeatResult, StrategyResult
from sentinel.evaluation.scoring import Metrics


def _result(name: str, precision, recall, f1) -> StrategyResult:
    m = Metrics(
        10,
        round(recall * 10),
        0 if precision is None else 5,
        0,
        0,
        7.0,
        precision,
        recall,
        f1,
        None,
        None,
        0.0,
        0,
        0,
        None,
    )
    rep = RepeatResult(m, CostStats())
    return StrategyResult(
        name,
        "statistical",
        [],
        name.split(":")[1],
        "statistical",
        "statistical",
        "",
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
