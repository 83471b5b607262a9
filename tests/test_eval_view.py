"""Reading an eval run's results.json into the notebook's tables."""

from __future__ import annotations

import json

import pytest

from sentinel.errors import ConfigError
from sentinel.lab import eval_view


def results() -> dict:
    metrics = {
        "incidents": 2,
        "detected": 1,
        "precision": 0.5,
        "recall": 0.5,
        "f1": 0.5,
        "false_alarms_per_day": 1.0,
        "ttd_median_s": 600.0,
    }
    return {
        "run_id": "r1",
        "suite": {
            "cases": [
                {"id": "inc-a", "description": "spike", "windows": [{"kind": "spike"}]},
                {"id": "inc-b", "description": "drop", "windows": [{"kind": "drop"}]},
                {"id": "neg", "description": "dip", "windows": []},
            ]
        },
        "strategies": [
            {
                "name": "statistical:zscore",
                "source": "statistical",
                "note": "",
                "mean": {"metrics": metrics},
                "severity_confusion": {"CRITICAL": {"NORMAL": 1, "CRITICAL": 1}},
                "cases": {
                    "inc-a": {
                        "detected": True,
                        "ttd_s": 300.0,
                        "worst": "CRITICAL",
                        "expected": "CRITICAL",
                    },
                    "inc-b": {
                        "detected": False,
                        "ttd_s": None,
                        "worst": "NORMAL",
                        "expected": "CRITICAL",
                    },
                    "neg": {"violated": True, "worst": "WARNING"},
                },
            },
            {"name": "llm:haiku", "source": "not run", "note": "not run: no credentials"},
        ],
    }


def test_headline_says_where_numbers_came_from_and_never_scores_a_run_that_did_not_run():
    table = eval_view.headline(results())
    assert table.loc["statistical:zscore", "detected"] == "1/2"
    assert table.loc["statistical:zscore", "median time to detect (min)"] == 10
    assert table.loc["llm:haiku", "numbers from"] == "not run"
    assert table.loc["llm:haiku", "F1"] is None or table["F1"].isna()["llm:haiku"]


def test_case_outcomes_read_as_caught_missed_or_false_alarm():
    table = eval_view.case_outcomes(results())
    col = table["statistical:zscore"]
    assert col["inc-a"].startswith("caught in 5 min")
    assert col["inc-b"].startswith("missed")
    assert col["neg"].startswith("false alarm")


def test_confusion_columns_follow_severity_order():
    table = eval_view.confusion(results(), "statistical:zscore")
    assert list(table.columns) == ["NORMAL", "CRITICAL"]
    with pytest.raises(ConfigError):
        eval_view.confusion(results(), "nope")


def test_drill_down_picks_the_missed_incident():
    assert eval_view.pick_case(results()) == "inc-b"


def test_latest_run_is_the_newest_folder_with_results(tmp_path):
    assert eval_view.latest_run(tmp_path) is None
    for name in ("20261101T000000Z", "20261102T000000Z"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "results.json").write_text(json.dumps(results()))
    (tmp_path / "20261103T000000Z").mkdir()  # interrupted: no results yet
    assert eval_view.latest_run(tmp_path) == tmp_path / "20261102T000000Z"
    assert eval_view.load_results(tmp_path / "20261102T000000Z")["run_id"] == "r1"
    with pytest.raises(ConfigError, match=r"no results\.json"):
        eval_view.load_results(tmp_path / "20261103T000000Z")
