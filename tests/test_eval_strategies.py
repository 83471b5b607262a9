"""Which strategies an eval compares, and how each model strategy runs without credentials."""

from pathlib import Path

import pytest
from pydantic import SecretStr

from sentinel.config import Settings
from sentinel.detectors import DETECTORS
from sentinel.errors import ConfigError
from sentinel.evaluation.strategies import (
    SLOW_BY_DEFAULT,
    decide_mode,
    default_strategies,
    parse_strategy,
)
from sentinel.llm.prices import load_prices


def settings(key: str | None = None) -> Settings:
    return Settings(
        _env_file=None,
        anthropic_api_key=SecretStr(key) if key else None,
        aws_region=None,
        bedrock_model_id=None,
    )


def test_strategy_strings_parse_and_bad_ones_are_one_line_errors():
    assert parse_strategy("statistical:zscore").detector == "zscore"
    assert parse_strategy("llm:haiku").models == ("haiku",)
    assert parse_strategy("tiered:haiku,sonnet").models == ("haiku", "sonnet")
    with pytest.raises(ConfigError, match="unknown strategy 'tiered:haiku'"):
        parse_strategy("tiered:haiku")


def test_default_compares_every_detector_each_model_and_tiered():
    names = [s.name for s in default_strategies(("haiku", "sonnet"))]
    expected = [f"statistical:{d}" for d in sorted(DETECTORS) if d not in SLOW_BY_DEFAULT]
    assert names == [*expected, "llm:haiku", "llm:sonnet", "tiered:haiku,sonnet"]


def test_model_strategy_without_credentials_or_replays_is_not_run(tmp_path: Path):
    spec = parse_strategy("llm:haiku")
    assert decide_mode(spec, settings(), tmp_path, "auto") == "not-run"
    assert decide_mode(spec, settings(), tmp_path, "live") == "not-run"
    assert decide_mode(spec, settings("sk-test"), tmp_path, "auto") == "record"
    assert decide_mode(parse_strategy("statistical:zscore"), settings(), tmp_path, "auto") == (
        "statistical"
    )


def test_recorded_replays_make_a_model_strategy_run_offline(tmp_path: Path):
    alias = load_prices().model("haiku").alias
    (tmp_path / alias).mkdir()
    (tmp_path / alias / "abc.json").write_text("{}")
    assert decide_mode(parse_strategy("llm:haiku"), settings(), tmp_path, "auto") == "replay"
    tiered = parse_strategy("tiered:haiku,sonnet")
    assert decide_mode(tiered, settings(), tmp_path, "auto") == "not-run"  # sonnet unrecorded
