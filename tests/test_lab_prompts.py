"""Prompt variants for a case: rendering, estimated cost, and honest verdict sourcing."""

from __future__ import annotations

import pytest

from sentinel.config import LLMConfig, load_config
from sentinel.evaluation.cases import DEFAULT_SUITE, load_suite
from sentinel.lab.prompts import (
    NOT_RUN,
    case_check,
    case_check_time,
    cost_table,
    render_variants,
    run_variants,
)
from sentinel.llm.backends import Backend, ModelReply, ModelRequest
from sentinel.llm.prices import load_prices
from sentinel.llm.schema import LEGACY_PROMPTS
from sentinel.models import Usage
from sentinel.sources.fixture_source import FixtureSource
from tests.llm_cases import answer

CASE = "api-service-latency-spike-1029-1405"


class ScriptedBackend(Backend):
    """Answers every request with one scripted verdict (test data, not model output)."""

    name = "scripted"

    def send(self, request: ModelRequest) -> ModelReply:
        return ModelReply(
            text=answer("CRITICAL", legacy=request.prompt.version in LEGACY_PROMPTS),
            stop_reason="end_turn",
            usage=Usage(input_tokens=1000, output_tokens=100),
            response_source="scripted",
            model_id=request.model.api_id,
        )


@pytest.fixture(scope="module")
def check():
    config = load_config()
    case = next(c for c in load_suite(DEFAULT_SUITE, config).cases if c.id == CASE)
    data, assessment = case_check(case, config, FixtureSource())
    return case, data, assessment


def test_check_time_is_inside_the_first_labelled_window(check):
    case, _, assessment = check
    w = case.manifest.windows[0]
    assert w.start < case_check_time(case) <= w.end
    assert assessment.verdict.status.alerts  # the detectors see the incident


def test_variants_render_and_v2_fences_the_data(check):
    _, data, assessment = check
    rendered = render_variants(data, assessment, ["v1-seed", "v2"])
    assert "<untrusted_data" in rendered["v2"].user
    assert "<untrusted_data" not in rendered["v1-seed"].user


def test_cost_table_estimates_more_for_the_longer_prompt_and_the_dearer_model(check):
    _, data, assessment = check
    rendered = render_variants(data, assessment, ["v1-seed", "v2"])
    table = cost_table(rendered, load_prices(), ["haiku", "sonnet"], checks_per_second=1 / 30)
    cold = table["est. USD/check, no cache"]
    haiku, sonnet = load_prices().model("haiku").alias, load_prices().model("sonnet").alias
    assert cold[("v2", haiku)] > cold[("v1-seed", haiku)] > 0
    assert cold[("v2", sonnet)] > cold[("v2", haiku)]
    assert (table["est. USD/check, cache at this rate"] <= cold + 1e-12).all()


def test_without_credentials_or_recordings_nothing_is_invented(check, tmp_path):
    _, data, assessment = check
    table = run_variants(data, assessment, ["v2"], ["haiku"], load_prices(), tmp_path)
    assert table["mode"].tolist() == ["statistical", NOT_RUN]
    assert table.iloc[1]["status"] == "-"


def test_live_answers_are_recorded_and_replayed_offline_with_their_source(check, tmp_path):
    _, data, assessment = check
    prices = load_prices()
    llm = LLMConfig(budget_state=str(tmp_path / "ledger.db"))
    live = run_variants(
        data, assessment, ["v2"], ["haiku"], prices, tmp_path, ScriptedBackend(), llm
    )
    assert live.iloc[1][["mode", "status", "response_source"]].tolist() == [
        "live",
        "CRITICAL",
        "scripted",
    ]
    replayed = run_variants(data, assessment, ["v2"], ["haiku"], prices, tmp_path)
    assert replayed.iloc[1]["mode"] == "replay"
    assert replayed.iloc[1]["status"] == "CRITICAL"


def test_live_variant_calls_go_through_the_config_budget_guard(check, tmp_path):
    _, data, assessment = check
    llm = LLMConfig(calls_per_hour=1, budget_state=str(tmp_path / "ledger.db"))
    table = run_variants(
        data, assessment, ["v2", "v3"], ["haiku"], load_prices(), tmp_path, ScriptedBackend(), llm
    )
    assert table.iloc[1]["mode"] == "live"
    assert table.iloc[2]["mode"].startswith("live: failed:")  # the hourly cap refused call two
    assert "calls_per_hour" in table.iloc[2]["mode"] or "per hour" in table.iloc[2]["mode"]
