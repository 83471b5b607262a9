"""The dated model and price table (prices.yaml) and the cost of one call from its usage.

Prices are data so a price change is a one-line diff with a date; every cost Sentinel reports is
computed here from the API's own usage fields, never from an estimate.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError

from sentinel.config import format_validation_error, load_yaml
from sentinel.errors import ConfigError
from sentinel.models import Strict, Usage

PRICES_FILE = Path(__file__).with_name("prices.yaml")
MTOK = 1_000_000
BATCH_FACTOR = 0.5  # Message Batches bill every token kind at half price


class Rates(Strict):
    """USD per million tokens for each kind of token."""

    input: float = Field(ge=0)
    output: float = Field(ge=0)
    cache_write_5m: float = Field(ge=0)
    cache_write_1h: float = Field(ge=0)
    cache_read: float = Field(ge=0)


class Tier(Rates):
    """Rates that replace the base ones when a request's prompt exceeds `above_prompt_tokens`."""

    above_prompt_tokens: int = Field(gt=0)


class ModelInfo(Rates):
    """One model: its ids on each platform, its prices and what the judge sends it."""

    alias: str = ""
    names: list[str] = Field(default_factory=list, description="short names, e.g. haiku")
    api_id: str
    bedrock_id: str | None = None
    tiers: list[Tier] = Field(default_factory=list)
    token_factor: float = Field(1.0, gt=0)
    min_cache_tokens: int = Field(0, ge=0)
    effort: str | None = None
    thinking: Literal["disabled", "adaptive"] | None = Field(
        None, description="sent as thinking.type; null = not sent (the model's default)"
    )
    source: str

    def rates_for(self, prompt_tokens: int) -> Rates:
        """The rates that apply to a request whose whole prompt has `prompt_tokens` tokens."""
        chosen: Rates = self
        for tier in sorted(self.tiers, key=lambda t: t.above_prompt_tokens):
            if prompt_tokens > tier.above_prompt_tokens:
                chosen = tier
        return chosen

    def cost_usd(self, usage: Usage, batch: bool = False) -> float:
        """Cost of one call from every usage field (cache writes split by TTL, tiers applied);
        half price when it ran in a Message Batch (`batch`, or usage.service_tier "batch")."""
        prompt = (
            usage.input_tokens + usage.cache_creation_input_tokens + usage.cache_read_input_tokens
        )
        r = self.rates_for(prompt)
        write_1h = min(usage.cache_creation_1h_input_tokens, usage.cache_creation_input_tokens)
        write_5m = usage.cache_creation_input_tokens - write_1h
        factor = BATCH_FACTOR if batch or usage.service_tier == "batch" else 1.0
        return (
            factor
            * (
                usage.input_tokens * r.input
                + usage.output_tokens * r.output
                + write_5m * r.cache_write_5m
                + write_1h * r.cache_write_1h
                + usage.cache_read_input_tokens * r.cache_read
            )
            / MTOK
        )


class PriceTable(Strict):
    """The whole prices.yaml."""

    as_of: date
    currency: str = "USD"
    models: dict[str, ModelInfo]

    def model(self, name: str) -> ModelInfo:
        """Look up by alias or API/Bedrock id; unknown names are an error before any call."""
        for alias, info in self.models.items():
            if name in (alias, info.api_id, info.bedrock_id, *info.names):
                return info
        known = ", ".join(sorted(self.models))
        raise ConfigError(
            f"model {name!r} is not in the price table {PRICES_FILE.name} (as of {self.as_of}); "
            f"known: {known}. Add it with its prices before using it."
        )


@lru_cache(maxsize=4)
def load_prices(path: Path = PRICES_FILE) -> PriceTable:
    """Read and validate a price table; errors name the file and key."""
    data = load_yaml(path)
    try:
        table = PriceTable.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(path, exc)) from exc
    for alias, info in table.models.items():
        info.alias = alias
    return table
