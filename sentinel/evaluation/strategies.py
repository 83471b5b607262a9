"""The strategies an eval compares, and how each model strategy runs (live, record, replay).

Strings are parsed by `sentinel.strategy` and become an Agent through `sentinel.checks.build_agent`
(the parser and builder `sentinel check` uses too): `statistical:<detector>` (a detector alone, no
model), `llm:<model>` (gate -> one model), `tiered:<cheap>,<strong>` (gate -> cheap model ->
strong model). Every model strategy runs in one of three ways: `live` (credentials present; also
records replays), `replay` (recorded responses under evals/replays/), or not at all, in which
case the report says "not run: no credentials" and shows a projected cost only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from sentinel.config import SentinelConfig, Settings
from sentinel.detectors import DETECTORS
from sentinel.strategy import StrategySpec, parse_strategy

RunMode = Literal["statistical", "live", "record", "replay", "not-run"]
DEFAULT_MODELS = ("haiku", "sonnet")


def detector_names() -> list[str]:
    """Every registered statistical detector."""
    return sorted(DETECTORS)


# Detectors left out of the default run because one replay of the bundled suite takes far longer
# than "a few minutes"; they still run when named in --strategies, and the report lists them.
SLOW_BY_DEFAULT: dict[str, str] = {  # name -> reason shown in the report, e.g. measured s/check
    "isolation_forest_metric": "slow by default (one forest per metric per refit: p95 2.9 s per "
    "check on full Nezha, 0.3 s for the pooled isolation_forest); name it in --strategies",
}


def default_strategies(models: tuple[str, ...] = DEFAULT_MODELS) -> list[StrategySpec]:
    """Each detector alone (but the slow ones), each model alone, and tiered over the first two."""
    specs = [
        StrategySpec(f"statistical:{d}", "statistical", d)
        for d in detector_names()
        if d not in SLOW_BY_DEFAULT
    ]
    specs += [StrategySpec(f"llm:{m}", "llm", models=(m,)) for m in models]
    if len(models) >= 2:
        specs.append(parse_strategy(f"tiered:{models[0]},{models[1]}"))
    return specs


def credentials_present(settings: Settings) -> bool:
    """True when a live model call could be made (Anthropic key or a Bedrock setup)."""
    return bool(settings.anthropic_api_key) or bool(
        settings.aws_region and settings.bedrock_model_id
    )


def _model_infos(spec: StrategySpec, settings: Settings, config: SentinelConfig | None) -> list:
    from sentinel.config import LLMConfig
    from sentinel.llm.resolve import resolve_model

    llm = config.llm if config else LLMConfig()
    return [resolve_model(m, llm, settings) for m in spec.models]


def replays_exist(
    spec: StrategySpec,
    replay_dir: Path,
    settings: Settings | None = None,
    config: SentinelConfig | None = None,
) -> bool:
    """Whether recorded responses exist for every model the strategy uses."""
    if not replay_dir.is_dir():
        return False
    infos = _model_infos(spec, settings or Settings(), config)
    return all(any((replay_dir / info.alias).glob("*.json")) for info in infos)


def decide_mode(
    spec: StrategySpec,
    settings: Settings,
    replay_dir: Path,
    wanted: str,
    config: SentinelConfig | None = None,
) -> RunMode:
    """How a strategy runs: `auto` = live+record with credentials, else replay, else not run.
    A self-hosted model (`llm:local`) runs live/record only when asked: its server may be down,
    and `auto` must not turn a missing server into a row of fallback verdicts."""
    if not spec.uses_model:
        return "statistical"
    from sentinel.llm.resolve import is_local_model

    all_local = all(is_local_model(i) for i in _model_infos(spec, settings, config))
    recorded = replays_exist(spec, replay_dir, settings, config)
    if all_local:
        if wanted in ("live", "record"):
            return wanted  # type: ignore[return-value]
        return "replay" if recorded else "not-run"
    if wanted in ("live", "record"):
        if not credentials_present(settings):
            return "not-run"
        return wanted  # type: ignore[return-value]
    if wanted == "replay":
        return "replay" if recorded else "not-run"
    if credentials_present(settings):
        return "record"
    return "replay" if recorded else "not-run"
