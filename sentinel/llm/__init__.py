"""The model judge: backends (Anthropic API, Bedrock, replay), prompts, prices, cost controls.

Entry point: `build_judge(strategy, settings, config, replay_dir, mode)`; see docs/llm.md.
`build_judge` loads `sentinel.llm.factory` (and the SDK) on first use, so the
light modules here (prices, credentials) import without anthropic: the CLI checks a strategy's
model names and credentials before it imports anything heavy.
"""

from __future__ import annotations

from typing import Any

__all__ = ["build_judge"]  # strategy strings: sentinel.strategy.parse_strategy


def __getattr__(name: str) -> Any:
    if name in __all__:
        from sentinel.llm import factory

        return getattr(factory, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
