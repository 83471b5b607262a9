"""Cost, tokens and latency of a strategy, measured from verdicts or (when not run) projected.

Measured figures come from each verdict's own usage and cost (the LLM layer prices calls with the
dated table in sentinel/llm/prices.yaml). A projection for a strategy that did not run is the
one `sentinel cost` prints (`sentinel.llm.projection.project`) at the gate's escalation rate
measured in this replay; it is labelled an estimate and never carries an accuracy figure. Monthly
figures, measured or projected, use the projection's month and are capped by the config's
calls_per_hour and monthly_budget_usd, saying so (the uncapped figure is kept beside).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from sentinel.config import SentinelConfig
from sentinel.evaluation.walk_forward import CheckRecord
from sentinel.llm import projection
from sentinel.models import Route, Usage


@dataclass
class CostStats:
    """Cost and speed of one (strategy, repeat)."""

    checks: int = 0
    escalations: int | None = None
    model_calls: int = 0
    fallbacks: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    cost_usd: float = 0.0
    check_p50_s: float | None = None
    check_p95_s: float | None = None
    model_p50_s: float | None = None
    model_p95_s: float | None = None
    cost_per_check: float = 0.0
    cost_per_detected: float | None = None
    monthly_usd: float = 0.0  # what the month costs under the config's caps
    monthly_uncapped_usd: float = 0.0
    capped_by: str = ""  # the cap that binds, e.g. "monthly_budget_usd=50.0"; "" if none
    response_sources: dict[str, int] = field(default_factory=dict)
    estimated: bool = False
    basis: str = ""


def _pct(values: Sequence[float], q: float) -> float | None:
    return float(np.percentile(values, q)) if len(values) else None


def checks_per_month(config: SentinelConfig, service: str) -> float:
    return projection.checks_per_month(config.service(service))


def measured(records: Sequence[CheckRecord], detected: int, config: SentinelConfig) -> CostStats:
    """Figures from the verdicts a replay produced."""
    usage = [r.verdict.usage for r in records if r.verdict.usage is not None]
    total = Usage()
    for u in usage:
        total = total + u
    cost = float(sum(r.verdict.cost_usd or 0.0 for r in records))
    per_service: dict[str, list[float]] = {}
    for r in records:
        per_service.setdefault(r.service, []).append(r.verdict.cost_usd or 0.0)
    monthly = sum(
        float(np.mean(costs)) * checks_per_month(config, s) for s, costs in per_service.items()
    )
    escalated = [r.escalated for r in records if r.escalated is not None]
    calls = sum(
        checks_per_month(config, s)
        * sum(r.verdict.usage is not None for r in records if r.service == s)
        / len(costs)
        for s, costs in per_service.items()
    )
    capped, capped_by = projection.cap_monthly(config.llm, calls, monthly / calls if calls else 0)
    return CostStats(
        checks=len(records),
        escalations=sum(escalated) if escalated else None,
        model_calls=len(usage),
        fallbacks=sum(r.verdict.provenance.route == Route.LLM_FALLBACK for r in records),
        input_tokens=total.input_tokens,
        output_tokens=total.output_tokens,
        cache_read_tokens=total.cache_read_input_tokens,
        cache_write_tokens=total.cache_creation_input_tokens,
        cost_usd=cost,
        check_p50_s=_pct([r.wall_s for r in records], 50),
        check_p95_s=_pct([r.wall_s for r in records], 95),
        model_p50_s=_pct([u.latency_s for u in usage], 50),
        model_p95_s=_pct([u.latency_s for u in usage], 95),
        cost_per_check=cost / len(records) if records else 0.0,
        cost_per_detected=cost / detected if detected else None,
        monthly_usd=capped if calls else monthly,
        monthly_uncapped_usd=monthly,
        capped_by=capped_by if calls else "",
        response_sources=dict(Counter(r.verdict.provenance.response_source for r in records)),
        basis="measured from verdict usage"
        + (f"; capped by {capped_by}" if calls and capped_by else ""),
    )


def escalation_rate(records: Sequence[CheckRecord]) -> float | None:
    """Fraction of checks the gate would escalate (recorded during a statistical replay)."""
    flags = [r.escalated for r in records if r.escalated is not None]
    return float(np.mean(flags)) if flags else None


def projected(
    models: Sequence[str],
    rate: float | None,
    config: SentinelConfig,
    batch: bool = False,
) -> CostStats:
    """Projected monthly cost of a model strategy that did not run: the row `sentinel cost`
    prints for it (prompt rendered and counted, price table, caching, caps) at the measured
    escalation rate. Never an accuracy figure."""
    from sentinel.llm.prices import load_prices

    prices = load_prices()
    tiered = (models[0], models[1]) if len(models) == 2 else None
    rows, notes = projection.project(
        config, prices, [] if tiered else [models[0]], tiered, escalation_rate=rate
    )
    aliases = tuple(prices.model(m).alias for m in models)
    kind = "tiered" if tiered else "gated"
    row = next(r for r in rows if r.kind == kind and r.model_aliases == aliases)
    factor = 0.5 if batch else 1.0
    usd_per_call = row.usd_per_call * factor
    monthly, capped_by = projection.cap_monthly(config.llm, row.calls_per_month, usd_per_call)
    checks = sum(projection.checks_per_month(s) for s in config.services)
    basis = f"estimate ({row.basis}; {notes.get('tokens (est.)', '')})"
    if batch:
        basis += "; Message Batches 50% off"
    if capped_by:
        basis += f"; capped by {capped_by} (uncapped ${row.calls_per_month * usd_per_call:,.2f})"
    return CostStats(
        cost_per_check=monthly / checks if checks else 0.0,
        monthly_usd=monthly,
        monthly_uncapped_usd=row.calls_per_month * usd_per_call,
        capped_by=capped_by,
        estimated=True,
        basis=basis,
    )
