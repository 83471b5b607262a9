"""Notebook 02's context cells: a check's log and trace context, its tokens and cost per call.

Thin on purpose: collection, grouping, budget and rendering live in `sentinel.context`; this
only puts them side by side for one eval case.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd

from sentinel.config import FIXTURES_DIR, Settings
from sentinel.context.collect import collect_context
from sentinel.context.fixture_context import FixtureContext
from sentinel.context.models import CheckContext
from sentinel.context.render import context_cost_usd, context_text
from sentinel.context.sources import ContextSource, LiveContext
from sentinel.llm.prices import PriceTable
from sentinel.pipeline import ServiceData

__all__ = ["case_context", "context_cost_table", "context_text"]


def case_context(
    data: ServiceData, settings: Settings | None = None, fixtures_dir: Path = FIXTURES_DIR
) -> tuple[ServiceData, CheckContext]:
    """The check's data with its context: live Loki/Tempo when LOKI_URL or TEMPO_URL is set,
    else the fixtures' SYNTHETIC episodes (data/fixtures/context/)."""
    source: ContextSource = LiveContext.from_settings(settings or Settings()) or FixtureContext(
        fixtures_dir
    )
    ctx = collect_context(source, data.service, data.at)
    return replace(data, context=ctx), ctx


def context_cost_table(ctx: CheckContext, prices: PriceTable, models: list[str]) -> pd.DataFrame:
    """Estimated tokens and USD the context adds to one call, per model (uncached input rate)."""
    rows = {}
    for name in models:
        model = prices.model(name)
        rows[model.alias] = {
            "est. context tokens": round(ctx.tokens * model.token_factor),
            "USD per call (est.)": context_cost_usd(ctx, model),
        }
    return pd.DataFrame(rows).T
