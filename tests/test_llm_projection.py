"""`sentinel cost`: projections per strategy from config intervals, measured or assumed rates."""

from __future__ import annotations

import inspect
import json

import pytest
import yaml
from typer.testing import CliRunner

from sentinel.config import DEFAULT_CACHE_TTL, DEFAULT_CONFIG, LLMConfig, load_config
from sentinel.llm.backends import ModelRequest
from sentinel.llm.judge import LLMJudge
from sentinel.llm.prices import load_prices
from sentinel.llm.projection import SECONDS_PER_MONTH, estimated_call, measure, project
from sentinel.models import Provenance, Status, Usage, Verdict
from tests import llm_cases as c


def verdict(path: str, cost: float | None = None, note: str = "") -> Verdict:
    return Verdict(
        service="api-service",
        checked_at=c.AT,
        status=Status.NORMAL,
        provenance=Provenance(path=path, note=note),
        usage=Usage(input_tokens=10) if cost is not None else None,
        cost_usd=cost,
    )


def test_seed_design_calls_on_every_check_and_gating_scales_by_escalation():
    cfg = c.config(calls_per_hour=None, monthly_budget_usd=None)
    rows, _ = project(cfg, load_prices(), ["haiku"], None, escalation_rate=0.1)
    by = {r.strategy: r for r in rows}
    checks = SECONDS_PER_MONTH / 30
    assert by["statistical"].usd_per_month == 0
    assert by["always-call (seed) claude-haiku-5-5"].calls_per_month == pytest.approx(checks)
    assert by["gated llm:claude-haiku-5-5"].calls_per_month == pytest.approx(checks * 0.1)
    assert "estimated" in by["gated llm:claude-haiku-5-5"].basis


def test_measured_verdicts_supply_rates_and_cost_per_call():
    vs = [verdict("statistical")] * 8 + [
        verdict("llm:claude-haiku-5-5", 0.002),
        verdict("llm:claude-haiku-5-5", 0.004),
    ]
    m = measure(vs)
    assert m.escalation_rate == pytest.approx(0.2)
    rows, _ = project(c.config(), load_prices(), ["haiku"], None, measured=m)
    gated = next(r for r in rows if r.strategy.startswith("gated"))
    assert gated.usd_per_call == pytest.approx(0.003)
    assert "measured (n=2)" in gated.basis and "(measured)" in gated.basis


def test_caps_bound_the_projection():
    rows, _ = project(c.config(monthly_budget_usd=5.0), load_prices(), ["sonnet"], None)
    seed = next(r for r in rows if r.strategy.startswith("always-call"))
    assert seed.usd_per_month > 5.0 and seed.capped_usd_per_month == 5.0


def test_cost_command_prints_the_table(tmp_path):
    from sentinel.cli import _register, app

    _register()
    path = tmp_path / "verdicts.json"
    path.write_text(json.dumps({"verdicts": [verdict("statistical").model_dump(mode="json")]}))
    result = CliRunner().invoke(app, ["cost", "--measured", str(path), "-m", "haiku"])
    assert result.exit_code == 0, result.output
    assert "always-call (seed) claude-haiku-5-5" in result.output
    assert "tiered:claude-haiku-5-5,claude-sonnet-5-5" in result.output
    assert "1 verdicts" in result.output


def test_eval_projection_is_the_cost_commands_row_capped_by_the_budget_and_says_so():
    from sentinel.evaluation import costs

    cfg = c.config(calls_per_hour=None, monthly_budget_usd=0.5)
    rows, _ = project(cfg, load_prices(), ["sonnet"], None, escalation_rate=0.082)
    gated = next(r for r in rows if r.strategy.startswith("gated"))
    p = costs.projected(["sonnet"], 0.082, cfg)
    assert gated.usd_per_month > 0.5 and gated.capped_by == "monthly_budget_usd=0.5"
    assert p.monthly_usd == pytest.approx(gated.capped_usd_per_month) == 0.5
    assert p.monthly_uncapped_usd == pytest.approx(gated.usd_per_month)
    assert p.capped_by == "monthly_budget_usd=0.5" and "capped by monthly_budget_usd" in p.basis
    assert "escalation 8.2% (given)" in p.basis


def test_the_eval_and_the_projection_share_one_month():
    from sentinel.evaluation import costs
    from sentinel.llm import projection

    cfg = c.config()
    assert costs.checks_per_month(cfg, "api-service") == projection.checks_per_month(
        cfg.service("api-service")
    )
    assert SECONDS_PER_MONTH == 30.4375 * 86400


def eval_run(root, escalated: list[bool]):
    """A run folder laid out as `sentinel eval run` writes it: results.json + verdicts/*.jsonl."""
    from sentinel.evaluation.walk_forward import CheckRecord

    run = root / "eval" / "20261201T000000Z"
    (run / "verdicts").mkdir(parents=True)
    (run / "results.json").write_text("{}\n")
    lines = [
        CheckRecord("api-service", c.AT, verdict("statistical"), 0.6, e).to_json()
        for e in escalated
    ]
    default = f"statistical-{c.config().detection.detector}__r1.jsonl"  # the config's detector
    (run / "verdicts" / default).write_text("\n".join(lines) + "\n")
    other = CheckRecord("api-service", c.AT, verdict("statistical"), 0.9, True).to_json()
    (run / "verdicts" / "statistical-zscore__r1.jsonl").write_text(other + "\n")
    return run


@pytest.mark.parametrize("target", ["folder", "results.json", "jsonl"])
def test_cost_measured_reads_what_the_eval_writes(tmp_path, target):
    from sentinel.cli import _register, app

    _register()
    run = eval_run(tmp_path, [True, False, False, False])
    path = {
        "folder": run,
        "results.json": run / "results.json",
        "jsonl": run / "verdicts" / f"statistical-{c.config().detection.detector}__r1.jsonl",
    }[target]
    result = CliRunner().invoke(app, ["cost", "--measured", str(path), "-m", "haiku"])
    assert result.exit_code == 0, result.output
    assert "escalation 25.0% (measured)" in result.output  # the config's detector, not zscore's


def test_cost_uses_the_latest_eval_run_by_default(tmp_path, monkeypatch):
    from sentinel.cli import _register, app

    _register()
    eval_run(tmp_path, [True, True, False, False])
    monkeypatch.setenv("SENTINEL_REPORTS_DIR", str(tmp_path))
    result = CliRunner().invoke(app, ["cost", "-m", "haiku"])
    assert result.exit_code == 0, result.output
    assert "escalation 50.0% (measured)" in result.output
    assert "20261201T000000Z" in result.output


def test_cost_measured_rejects_an_unreadable_file_with_what_it_accepts(tmp_path):
    from sentinel.cli import _register, app

    _register()
    bad = tmp_path / "x.json"
    bad.write_text('{"strategies": []}')
    result = CliRunner().invoke(app, ["cost", "--measured", str(bad)])
    assert result.exit_code != 0
    assert "an eval's results.json or run folder" in str(result.exception)


def test_projection_tokens_come_from_the_rendered_v3_prompt_and_say_what_they_assume():
    _, notes = project(c.config(), load_prices(), ["haiku", "sonnet"], ("haiku", "sonnet"))
    assert "v3: system" in notes["tokens (est.)"]
    # thinking is disabled in the request, so no thinking tokens are assumed
    assert "0 thinking (thinking disabled in the request)" in notes["output (est.)"]
    assert "never cached" in notes["cache claude-haiku-5-5"]
    assert "cheaper: 1h" in notes["cache claude-sonnet-5-5"]


def test_scripted_usage_is_never_reported_as_measured():
    scripted = Verdict(
        service="api-service",
        checked_at=c.AT,
        status=Status.WARNING,
        provenance=Provenance(path="llm:claude-haiku-5-5", response_source="scripted"),
        usage=Usage(input_tokens=900, output_tokens=120),
        cost_usd=0.0002,
    )
    m = measure([scripted, verdict("statistical")])
    assert m.cost_per_call["claude-haiku-5-5"].basis.startswith("scripted usage (n=1; test data")


def test_cache_ttl_has_one_default_the_shipped_config_agrees_with():
    shipped = yaml.safe_load(DEFAULT_CONFIG.read_text())["llm"]["cache_ttl"]
    assert shipped == DEFAULT_CACHE_TTL == LLMConfig().cache_ttl == "1h"
    assert load_config(DEFAULT_CONFIG).llm.cache_ttl == DEFAULT_CACHE_TTL
    assert ModelRequest.__dataclass_fields__["cache_ttl"].default == DEFAULT_CACHE_TTL
    for fn, name in ((LLMJudge.__init__, "cache_ttl"), (estimated_call, "ttl")):
        assert inspect.signature(fn).parameters[name].default == DEFAULT_CACHE_TTL


def test_the_projection_without_a_cache_ttl_key_is_the_shipped_configs(tmp_path):
    data = yaml.safe_load(DEFAULT_CONFIG.read_text())
    del data["llm"]["cache_ttl"]
    bare = tmp_path / "services.yaml"
    bare.write_text(yaml.safe_dump(data))
    shipped, unset = (
        project(load_config(p), load_prices(), ["sonnet"], None)[0] for p in (DEFAULT_CONFIG, bare)
    )
    assert [(r.usd_per_call, r.usd_per_month) for r in unset] == [
        (r.usd_per_call, r.usd_per_month) for r in shipped
    ]
