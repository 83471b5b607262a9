"""Whether a model strategy can run, decided from settings alone (no SDK import).

`sentinel check` asks this before it imports pandas or the SDK, so a missing key is reported in
about a second, and the factory asks the same question before it builds a client.
"""

from __future__ import annotations

from sentinel.config import LLMConfig, Settings
from sentinel.errors import ConfigError

MODES = ("live", "record", "replay")
OFFLINE_HINT = (
    "offline modes need no credentials: --strategy statistical, or SENTINEL_LLM_MODE=replay "
    "to answer from recorded responses"
)


def llm_mode(settings: Settings, llm: LLMConfig, mode: str | None = None) -> str:
    """The mode a judge runs in: explicit, else SENTINEL_LLM_MODE, else the config's."""
    mode = mode or settings.sentinel_llm_mode or llm.mode
    if mode not in MODES:
        raise ConfigError(f"unknown LLM mode {mode!r}: use one of {', '.join(MODES)}")
    return mode


def require_credentials(backend: str, settings: Settings) -> None:
    """Raise a one-line ConfigError saying what to set when `backend` cannot be called live.

    An empty ANTHROPIC_API_KEY counts as unset; other backends (local ones) need none here."""
    if backend == "anthropic":
        key = settings.anthropic_api_key
        if key is None or not key.get_secret_value().strip():
            raise ConfigError(f"ANTHROPIC_API_KEY is not set (env or .env); {OFFLINE_HINT}")
    elif backend == "bedrock":
        if not settings.aws_region:
            raise ConfigError(f"AWS_REGION is not set (needed for Bedrock); {OFFLINE_HINT}")
        if not _aws_credentials(settings.aws_profile):
            raise ConfigError(
                "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
                f"(or AWS_PROFILE); {OFFLINE_HINT}"
            )


def _aws_credentials(profile: str | None) -> bool:
    import boto3
    import botocore.exceptions

    try:
        return boto3.Session(profile_name=profile).get_credentials() is not None
    except botocore.exceptions.BotoCoreError:
        return False
