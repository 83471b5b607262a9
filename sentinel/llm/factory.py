"""Build a judge from a strategy string, behind the config's budget guard: what
`sentinel.checks.build_agent` (every front door's builder) calls for a model strategy.

Strategies: `statistical` (no judge), `llm:<model>`, `tiered:<cheap>,<strong>`; models by alias,
short name or id from prices.yaml, or `local` for the self-hosted model in llm.local. Modes: `live` (call the API), `record` (replay what is
recorded, call and save the rest), `replay` (recordings only, offline). Unknown models and
missing credentials fail here, before any call.
"""

from __future__ import annotations

from pathlib import Path

import structlog

from sentinel.config import PROJECT_ROOT, LLMConfig, SentinelConfig, Settings
from sentinel.errors import ConfigError
from sentinel.llm.backends import Backend, SDKBackend
from sentinel.llm.budget import CostGuard
from sentinel.llm.credentials import llm_mode, require_credentials
from sentinel.llm.judge import LLMJudge, TieredJudge
from sentinel.llm.local import build_local_backend
from sentinel.llm.prices import ModelInfo
from sentinel.llm.prompts import load_prompt
from sentinel.llm.replay import ReplayBackend
from sentinel.llm.resolve import is_local_model, resolve_model
from sentinel.pipeline import Judge
from sentinel.strategy import parse_strategy

log = structlog.get_logger(__name__)


def build_judge(
    strategy: str,
    settings: Settings | None = None,
    config: SentinelConfig | None = None,
    replay_dir: Path | str | None = None,
    mode: str | None = None,
) -> Judge | None:
    """The judge for a strategy, or None for `statistical` (the assessor's verdict stands)."""
    spec = parse_strategy(strategy)
    kind, names = spec.kind, spec.models
    if kind == "statistical":
        return None
    settings = settings or Settings()
    llm = config.llm if config else LLMConfig()
    models = [resolve_model(n, llm, settings) for n in names]  # unknown: error before any call
    prompt = load_prompt(llm.prompt)
    mode = llm_mode(settings, llm, mode)
    replay_path = _resolve(Path(replay_dir) if replay_dir else llm.replay_dir)

    backends = _backends(mode, replay_path, llm, settings, models)

    guard = build_guard(llm, mode)
    judges = [
        LLMJudge(
            backends[m.alias],
            m,
            prompt,
            max_tokens=(llm.local.max_tokens or llm.max_tokens)
            if is_local_model(m)
            else llm.max_tokens,
            cache_ttl=llm.cache_ttl,
            guard=guard,
            deadline_s=llm.check_deadline_s,
        )
        for m in models
    ]
    if kind == "llm":
        return judges[0]
    return TieredJudge(judges[0], judges[1])


def build_guard(llm: LLMConfig, mode: str) -> CostGuard:
    """The config's budget guard, which every model call goes through (checks, eval, notebooks).
    Real money only in live/record: those spend from the shared ledger; replays are capped in
    memory so evals see the caps too."""
    state = llm.budget_state if mode != "replay" else None
    if state not in (None, "store") and "://" not in state:
        state = str(_resolve(Path(state)))
    return CostGuard(
        llm.calls_per_hour, llm.monthly_budget_usd, state, soft_fraction=llm.budget_soft_alert
    )


def _backends(
    mode: str, replay_path: Path, llm: LLMConfig, settings: Settings, models: list[ModelInfo]
) -> dict[str, Backend]:
    """Each model's backend: recordings, the local server (sentinel.llm.local) or Claude's."""
    if mode == "replay":
        replay = ReplayBackend(replay_path, "replay")
        return {m.alias: replay for m in models}
    claude = [m for m in models if not is_local_model(m)]
    lives: dict[str, Backend] = {}
    if claude:
        sdk = build_live_backend(llm.backend, settings, llm.max_retries, llm.timeout_s, claude)
        lives.update({m.alias: sdk for m in claude})
    if len(claude) < len(models):
        local = build_local_backend(llm, settings)
        lives.update({m.alias: local for m in models if is_local_model(m)})
    if mode == "record":
        return {a: ReplayBackend(replay_path, "record", b) for a, b in lives.items()}
    return lives


def build_live_backend(
    backend: str,
    settings: Settings,
    max_retries: int,
    timeout_s: float,
    models: list[ModelInfo],
) -> SDKBackend:
    """An SDK client for the Anthropic API or Bedrock; missing credentials are one clear line."""
    import anthropic

    require_credentials(backend, settings)
    if backend == "anthropic":
        assert settings.anthropic_api_key is not None
        client = anthropic.Anthropic(
            api_key=settings.anthropic_api_key.get_secret_value(),
            base_url=settings.anthropic_base_url,
            max_retries=max_retries,
            timeout=timeout_s,
        )
        return SDKBackend(client, "anthropic")
    if backend == "bedrock":
        client = anthropic.AnthropicBedrock(
            aws_region=settings.aws_region,
            aws_profile=settings.aws_profile,
            max_retries=max_retries,
            timeout=timeout_s,
        )
        ids = {}
        if settings.bedrock_model_id:
            if len(models) == 1:
                ids[models[0].alias] = settings.bedrock_model_id
            else:
                log.warning("llm.bedrock_model_id_ignored", reason="tiered uses prices.yaml ids")
        return SDKBackend(client, "bedrock", ids)
    raise ConfigError(f"unknown LLM backend {backend!r}: use anthropic or bedrock")


def _resolve(path: Path) -> Path:
    return path if path.is_absolute() else PROJECT_ROOT / path
