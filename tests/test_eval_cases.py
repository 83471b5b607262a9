"""Eval cases are validated up front, and every error names the case file."""

from datetime import timedelta
from pathlib import Path

import pytest

from sentinel.config import load_config
from sentinel.errors import ConfigError
from sentinel.evaluation.cases import DEFAULT_SUITE, load_suite
from tests.evalkit import CALM, END, SPIKE, case_body, make_suite, write_case


def test_valid_suite_loads_with_its_fixture(tmp_path: Path):
    fixtures, config, suite_dir = make_suite(tmp_path)
    suite = load_suite(suite_dir, load_config(config), fixtures)
    assert sorted(c.id for c in suite.cases) == ["svc-latency-spike", "svc-weekly-peak"]
    assert suite.uncovered_labels() == []


def test_missing_fixture_names_the_case_file(tmp_path: Path):
    fixtures, config, suite_dir = make_suite(tmp_path)
    bad = write_case(suite_dir, case_body(SPIKE, id="bad", fixture="nope"), "bad")
    with pytest.raises(ConfigError, match=rf"{bad}: fixture 'nope'"):
        load_suite(suite_dir, load_config(config), fixtures)


def test_window_outside_fixture_names_the_case_file(tmp_path: Path):
    fixtures, config, suite_dir = make_suite(tmp_path)
    late = SPIKE.model_copy(
        update={"start": END + timedelta(hours=1), "end": END + timedelta(hours=2)}
    )
    body = case_body(late, id="late")
    bad = write_case(suite_dir, body, "late")
    with pytest.raises(ConfigError, match=rf"{bad}: .*outside fixture 'tiny'"):
        load_suite(suite_dir, load_config(config), fixtures)


def test_unknown_service_names_the_case_file(tmp_path: Path):
    fixtures, config, suite_dir = make_suite(tmp_path)
    bad = write_case(suite_dir, case_body(SPIKE, id="ghost", service="ghost"), "ghost")
    with pytest.raises(ConfigError, match=rf"{bad}: service 'ghost' is not in the config"):
        load_suite(suite_dir, load_config(config), fixtures)


def test_window_that_is_not_a_fixture_label_is_rejected(tmp_path: Path):
    fixtures, config, suite_dir = make_suite(tmp_path)
    moved = SPIKE.model_copy(update={"start": SPIKE.start + timedelta(minutes=5)})
    bad = write_case(suite_dir, case_body(moved, id="moved"), "moved")
    with pytest.raises(ConfigError, match=rf"{bad}: .*is not a label of fixture"):
        load_suite(suite_dir, load_config(config), fixtures)


def test_unknown_keys_and_missing_windows_are_errors(tmp_path: Path):
    fixtures, config, suite_dir = make_suite(tmp_path)
    typo = write_case(suite_dir, case_body(CALM, id="typo", perod={}), "typo")
    empty = write_case(suite_dir, case_body(SPIKE, id="empty", windows=[]), "empty")
    with pytest.raises(ConfigError) as err:
        load_suite(suite_dir, load_config(config), fixtures)
    text = str(err.value)
    assert f"{typo}: perod: unknown key" in text
    assert f"{empty}: (top level): Value error, a case without windows must be tagged" in text


def test_bundled_suite_covers_every_label_it_replays():
    suite = load_suite(DEFAULT_SUITE, load_config())
    kinds = {c.manifest.tags.kind for c in suite.cases}
    assert suite.uncovered_labels(replayed_only=True) == []
    assert {"latency_spike", "error_burst", "weekly_peak", "counter_reset"} <= kinds
    for name, fixture in suite.fixtures.items():
        last_week = [w for w in fixture.labels if w.start >= fixture.end - timedelta(days=7)]
        covered = [w for c in suite.cases if c.manifest.fixture == name for w in c.manifest.windows]
        assert len(covered) == len(last_week)
