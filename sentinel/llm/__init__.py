"""The model judge: backends (Anthropic API, Bedrock, replay), prompts, prices, cost controls.

Entry point: `build_judge(strategy, settings, config, replay_dir, mode)`; see docs/llm.md.
"""

from __future__ import annotations

from sentinel.llm.factory import build_judge, parse_strategy

__all__ = ["build_judge", "parse_strategy"]
