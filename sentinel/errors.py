"""A small exception hierarchy. Every error says what failed and what to do about it."""

from __future__ import annotations


class SentinelError(Exception):
    """Base of every error Sentinel raises on purpose; the CLI prints it as one clear message."""


class ConfigError(SentinelError):
    """A config file, fixture manifest or setting is invalid. The message names file and key."""


class FixtureError(SentinelError):
    """A fixture is missing, inconsistent with its manifest, or asked for data it does not hold."""


class SourceError(SentinelError):
    """A data source (Prometheus, Loki, Tempo) failed: unreachable, timed out or rejected a query."""


class LLMError(SentinelError):
    """A model call failed after the SDK's retries, was refused, truncated or returned junk."""


class BudgetExceeded(SentinelError):
    """The call cap or monthly budget is spent; checks continue on the statistical path."""
