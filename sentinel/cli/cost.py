"""`sentinel cost`: project the monthly model bill of a config, per strategy and model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from pydantic import TypeAdapter, ValidationError

from sentinel.cli import app
from sentinel.config import load_config
from sentinel.errors import ConfigError
from sentinel.models import Verdict


def read_verdicts(path: Path) -> list[Verdict]:
    """Verdicts from a JSON file: a list, or an object with a `verdicts` list (check sidecar)."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: cannot read verdicts JSON: {exc}") from exc
    items = data.get("verdicts") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise ConfigError(f"{path}: expected a list of verdicts or an object with 'verdicts'")
    try:
        return TypeAdapter(list[Verdict]).validate_python(items)
    except ValidationError as exc:
        raise ConfigError(f"{path}: not a list of verdicts: {exc.errors()[0]['msg']}") from exc


@app.command()
def cost(
    config: Annotated[Path, typer.Option(help="Services file.")] = Path("config/services.yaml"),
    model: Annotated[
        list[str] | None, typer.Option("--model", "-m", help="Model to price (repeatable).")
    ] = None,
    tiered: Annotated[str, typer.Option(help="Tiered pair 'cheap,strong'.")] = "haiku,sonnet",
    measured: Annotated[
        list[Path] | None,
        typer.Option(help="Verdicts JSON (eval output or check sidecar) to measure rates/costs."),
    ] = None,
    escalation_rate: Annotated[
        float | None, typer.Option(help="Override the share of checks the gate escalates.")
    ] = None,
    strong_rate: Annotated[
        float | None,
        typer.Option(help="Override the share of tiered calls sent to the strong model."),
    ] = None,
) -> None:
    """Monthly bill per strategy at the config's check intervals, beside the seed's always-call design."""
    from sentinel.llm.prices import load_prices
    from sentinel.llm.projection import Measured, measure, project

    cfg = load_config(config)
    prices = load_prices()
    names = model or list(prices.models)
    pair = tuple(p.strip() for p in tiered.split(","))
    if len(pair) != 2:
        raise ConfigError(f"--tiered {tiered!r}: give two models, e.g. haiku,sonnet")
    facts = Measured(None, None, {}, 0)
    if measured:
        facts = measure([v for p in measured for v in read_verdicts(p)])
    rows, notes = project(cfg, prices, names, pair, facts, escalation_rate, strong_rate)
    for k, v in notes.items():
        typer.echo(f"{k:<13} {v}")
    typer.echo("")
    header = (
        f"{'strategy':<44} {'calls/month':>12} {'$/call':>10} {'$/month':>10} {'capped':>9}  basis"
    )
    typer.echo(header)
    typer.echo("-" * len(header))
    for r in rows:
        typer.echo(
            f"{r.strategy:<44} {r.calls_per_month:>12,.0f} {r.usd_per_call:>10.6f} "
            f"{r.usd_per_month:>10,.2f} {r.capped_usd_per_month:>9,.2f}  {r.basis}"
        )
    typer.echo(
        "\n'capped' applies llm.calls_per_hour and llm.monthly_budget_usd: past either, checks "
        "continue with statistical verdicts. Estimates are labelled; see docs/llm.md."
    )
