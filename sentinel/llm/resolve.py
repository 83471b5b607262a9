"""Which model a strategy's name means: a Claude model from prices.yaml or a self-hosted one.

Kept apart from `sentinel.llm.local` (which imports the openai and anthropic SDKs) so the CLI
can check `--strategy llm:<name>` against the config before anything heavy is imported.

A name is the local model when it is `local`, the configured model's name (`llm.local.model`
or SENTINEL_LLM_MODEL) or its `local-<name>` alias, or any name that is not a Claude model when
`llm.backend` is `local`.
"""

from __future__ import annotations

import re

from sentinel.config import LLMConfig, Settings
from sentinel.errors import ConfigError
from sentinel.llm.prices import ModelInfo, load_prices

LOCAL = "local"
LOCAL_PREFIX = "local-"


def local_alias(model: str) -> str:
    """`local-<model>` in file-name-safe form: names the recordings and every report row."""
    return LOCAL_PREFIX + (re.sub(r"[^a-z0-9._-]+", "-", model.lower()).strip("-") or "model")


def local_model_info(model: str, base_url: str) -> ModelInfo:
    """A price-table entry for a self-hosted model: 0 $ per token, its server's name as id."""
    info = ModelInfo(
        api_id=model,
        names=[LOCAL],
        input=0,
        output=0,
        cache_write_5m=0,
        cache_write_1h=0,
        cache_read=0,
        source=f"self-hosted at {base_url}: no per-token price; tokens and latency counted",
    )
    info.alias = local_alias(model)
    return info


def is_local_model(info: ModelInfo) -> bool:
    return info.alias.startswith(LOCAL_PREFIX)


def max_tokens_key(info: ModelInfo) -> str:
    """The config key that sets this model's answer length (local models have their own)."""
    return "llm.local.max_tokens" if is_local_model(info) else "llm.max_tokens"


def local_settings(llm: LLMConfig, settings: Settings) -> tuple[str, str]:
    """(base_url, model name): the environment wins over the config file."""
    return (
        settings.sentinel_llm_base_url or llm.local.base_url,
        settings.sentinel_llm_model or llm.local.model,
    )


def is_claude_name(name: str) -> bool:
    prices = load_prices().models
    return name in prices or any(name in m.names or name == m.api_id for m in prices.values())


def resolve_model(name: str, llm: LLMConfig, settings: Settings) -> ModelInfo:
    """The model a strategy names; an unknown name is a ConfigError before any call."""
    base_url, model = local_settings(llm, settings)
    if name in (LOCAL, model, local_alias(model)):
        return local_model_info(model, base_url)
    if llm.backend == LOCAL:
        if is_claude_name(name):
            raise ConfigError(
                f"{name!r} is a Claude model but llm.backend is local: use --strategy llm:local "
                "(the model in llm.local.model) or set llm.backend to anthropic/bedrock"
            )
        return local_model_info(name, base_url)
    return load_prices().model(name)
