"""`sentinel cost`: projections per strategy from config intervals, measured or assumed rates."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from sentinel.llm.prices import load_prices
from sentinel.llm.projection import SECONDS_PER_MONTH, measure, project
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
