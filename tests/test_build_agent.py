"""One strategy string means one pipeline: every front door builds it with the same function, so
the detector, the models and the budget guard cannot drift apart again."""

from __future__ import annotations

from pathlib import Path

import pytest

from sentinel.checks import build_agent
from sentinel.config import Settings, load_config
from sentinel.llm.factory import build_guard
from sentinel.llm.judge import LLMJudge, TieredJudge
from sentinel.llm.prices import load_prices
from sentinel.sources.fixture_source import FixtureSource
from sentinel.strategy import parse_strategy


def offline() -> Settings:
    return Settings(_env_file=None, anthropic_api_key=None, aws_region=None, bedrock_model_id=None)


def judges(judge: object) -> list[LLMJudge]:
    if isinstance(judge, TieredJudge):
        return [judge.cheap, judge.strong]
    return [judge] if isinstance(judge, LLMJudge) else []


def test_every_front_door_builds_its_agent_with_the_one_builder():
    from sentinel.cli import check, run
    from sentinel.evaluation import runner

    assert runner.build_agent is build_agent
    assert check.build_agent is build_agent
    assert "sentinel.checks import build_agent" in Path(run.__file__).read_text()


@pytest.mark.parametrize(
    ("strategy", "detector", "models"),
    [
        ("statistical", "staged", []),  # config/services.yaml's detector
        ("statistical:zscore", "zscore", []),
        ("llm:haiku", "staged", ["haiku"]),
        ("tiered:haiku,sonnet", "staged", ["haiku", "sonnet"]),
    ],
)
def test_a_strategy_string_and_its_parsed_spec_give_the_same_detector_models_and_guard(
    tmp_path, strategy, detector, models
):
    config = load_config()
    prices = load_prices()
    built = [
        build_agent(config, FixtureSource(), s, offline(), replay_dir=tmp_path, mode="replay")
        for s in (strategy, parse_strategy(strategy))  # the CLI passes strings, the eval specs
    ]
    want_guard = build_guard(config.llm, "replay")
    for agent in built:
        assert agent.assessor.name == detector
        assert agent.gate is not None
        assert [j.model.alias for j in judges(agent.judge)] == [
            prices.model(m).alias for m in models
        ]
        for j in judges(agent.judge):
            assert j.guard is not None
            assert (j.guard.calls_per_hour, j.guard.monthly_budget_usd) == (
                want_guard.calls_per_hour,
                want_guard.monthly_budget_usd,
            )
    if models == ["haiku", "sonnet"]:
        cheap, strong = judges(built[0].judge)
        assert cheap.guard is strong.guard  # one budget for both tiers
