"""Build a judge from a strategy string: the one entry point the CLI, notebooks and eval use.

Strategies: `statistical` (no judge), `llm:<model>`, `tiered:<cheap>,<strong>`; models by alias,
short name or id from prices.yaml, or `local` for the self-hosted model in llm.local. Modes: `live` (call the API), `record` (replay what is
recorded, call and save the rest), `replay` (recordings only, offline). Unknown models and
missing credentials fail here, before any call.
"""

from __future__ import annotations

from pathlib import Path

import structlog

from sentinel.agent import Judge
from sentinel.config import PROJECT_ROOT, LLMConfig, SentinelConfig, Settings
from sentinel.errors import ConfigError
from sentinel.llm.backends import Backend, SDKBackend
from sentinel.llm.budget import CostGuard
from sentinel.llm.judge import LLMJudge, TieredJudge
from sentinel.llm.local import build_local_backend, is_local_model, resolve_model
from sentinel.llm.prices import ModelInfo
from sentinel.llm.prompts import load_prompt
from sentinel.llm.replay import ReplayBackend

log = structlog.get_logger(__name__)
MODES = ("live", "record", "replay")
OFFLINE_HINT = (
    "offline modes need no credentials: --strategy statistical, or SENTINEL_LLM_MODE=replay "
    "to answer from recorded responses"
)


def parse_strategy(strategy: str) -> tuple[str, list[str]]:
    """('statistical'|'llm'|'tiered', model names); a one-line error for anything else."""
    kind, _, rest = strategy.strip().partition(":")
    names = [n.strip() for n in rest.split(",") if n.strip()]
    if kind == "statistical" or (kind == "llm" and len(names) == 1):
        return kind, names
    if kind == "tiered" and len(names) == 2:
        return kind, names
    raise ConfigError(
        f"unknown strategy {strategy!r}: use statistical, llm:<model> or tiered:<cheap>,<strong>"
    )


def build_judge(
    strategy: str,
    settings: Settings | None = None,
    config: SentinelConfig | None = None,
    replay_dir: Path | str | None = None,
    mode: str | None = None,
) -> Judge | None:
    """The judge for a strategy, or None for `statistical` (the assessor's verdict stands)."""
    kind, names = parse_strategy(strategy)
    if kind == "statistical":
        return None
    settings = settings or Settings()
    llm = config.llm if config else LLMConfig()
    models = [resolve_model(n, llm, settings) for n in names]  # unknown: error before any call
    prompt = load_prompt(llm.prompt)
    mode = mode or settings.sentinel_llm_mode or llm.mode
    if mode not in MODES:
        raise ConfigError(f"unknown LLM mode {mode!r}: use one of {', '.join(MODES)}")
    replay_path = _resolve(Path(replay_dir) if replay_dir else llm.replay_dir)

    backends = _backends(mode, replay_path, llm, settings, models)

    # Real money only in live/record; replays are capped in memory so evals see the caps too.
    state = _resolve(llm.budget_state) if llm.budget_state and mode != "replay" else None
    guard = CostGuard(llm.calls_per_hour, llm.monthly_budget_usd, state)
    judges = [
        LLMJudge(
            backends[m.alias],
            m,
            prompt,
            max_tokens=llm.max_tokens,
            cache_ttl=llm.cache_ttl,
            guard=guard,
            deadline_s=llm.check_deadline_s,
        )
        for m in models
    ]
    if kind == "llm":
        return judges[0]
    return TieredJudge(judges[0], judges[1])


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

    if backend == "anthropic":
        if settings.anthropic_api_key is None:
            raise ConfigError(f"ANTHROPIC_API_KEY is not set (env or .env); {OFFLINE_HINT}")
        client = anthropic.Anthropic(
            api_key=settings.anthropic_api_key.get_secret_value(),
            base_url=settings.anthropic_base_url,
            max_retries=max_retries,
            timeout=timeout_s,
        )
        return SDKBackend(client, "anthropic")
    if backend == "bedrock":
        if not settings.aws_region:
            raise ConfigError(f"AWS_REGION is not set (needed for Bedrock); {OFFLINE_HINT}")
        if not _aws_credentials(settings.aws_profile):
            raise ConfigError(
                "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
                f"(or AWS_PROFILE); {OFFLINE_HINT}"
            )
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


def _aws_credentials(profile: str | None) -> bool:
    import boto3
    import botocore.exceptions

    try:
        return boto3.Session(profile_name=profile).get_credentials() is not None
    except botocore.exceptions.BotoCoreError:
        return False


def _resolve(path: Path) -> Path:
    return path if path.is_absolute() else PROJECT_ROOT / path
