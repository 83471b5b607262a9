"""Configuration: secrets and endpoints from env/.env, services and metrics from YAML.

Two sources on purpose: `Settings` holds what differs per deployment (URLs, credentials) and never
lives in git; `SentinelConfig` holds what the team tunes (services, metrics, thresholds) and does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import (
    AwareDatetime,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from sentinel.detector_names import unknown_detector
from sentinel.errors import ConfigError
from sentinel.models import BadDirection, MetricType, Seasonality, Strict
from sentinel.redact import register_secret, userinfo_secrets
from sentinel.yamlfiles import format_validation_error as format_validation_error
from sentinel.yamlfiles import load_yaml as load_yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = PROJECT_ROOT / "config" / "services.yaml"
FIXTURES_DIR = PROJECT_ROOT / "data" / "fixtures"
REPORTS_DIR = PROJECT_ROOT / "reports"


class Settings(BaseSettings):
    """Deployment settings, read from the environment and an optional `.env` file."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    prometheus_url: str | None = None
    prometheus_token: SecretStr | None = None
    prometheus_username: str | None = None
    prometheus_password: SecretStr | None = None
    prometheus_tenant: str | None = Field(None, description="X-Scope-OrgID for multi-tenant Mimir")
    prometheus_timeout_s: float = 30.0
    loki_url: str | None = None
    loki_tenant: str | None = None
    tempo_url: str | None = None
    tempo_tenant: str | None = None
    http_timeout_s: float = 30.0

    anthropic_api_key: SecretStr | None = None
    anthropic_base_url: str | None = None
    aws_region: str | None = None
    aws_profile: str | None = None
    bedrock_model_id: str | None = None
    sentinel_llm_mode: Literal["live", "record", "replay"] | None = None
    sentinel_llm_base_url: str | None = Field(None, description="local model server (llm:local)")
    sentinel_llm_model: str | None = Field(None, description="model name on that server")
    sentinel_llm_api_key: SecretStr | None = Field(
        None, description="only if the local server wants one (vLLM --api-key)"
    )

    sentinel_config: Path = DEFAULT_CONFIG
    sentinel_reports_dir: Path = REPORTS_DIR
    sentinel_keep_reports_days: int | None = Field(
        None, gt=0, description="prune check reports older than this after each check; unset: keep"
    )

    database_url: SecretStr | None = Field(None, description="ticket store; SQLite file if unset")
    alertmanager_url: str | None = None
    sentinel_external_url: str | None = Field(None, description="base of alerts' generatorURL")
    sentinel_report_url: str | None = Field(
        None, description="template for alerts' report link, e.g. https://host/r/{service}/{date}"
    )

    def model_post_init(self, _context: Any) -> None:
        """Hand every credential to the redactor, including ones passed in code, not env."""
        register_secret(self.prometheus_token, self.prometheus_password, self.anthropic_api_key)
        register_secret(self.database_url)
        for url in (
            self.prometheus_url, self.loki_url, self.tempo_url, self.anthropic_base_url,
            self.alertmanager_url, self.database_url.get_secret_value() if self.database_url
            else None,
        ):  # fmt: skip
            register_secret(*userinfo_secrets(url))


def _unique_names(items: list[Any], what: str) -> list[Any]:
    """Reject a list whose items share a name (metrics of a service, services of a config)."""
    names = [i.name for i in items]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f"duplicate {what} names {dupes}")
    return items


class Thresholds(Strict):
    """Optional absolute limits; crossing them is an anomaly whatever the baseline says."""

    warning: float | None = None
    critical: float | None = None


class MetricConfig(Strict):
    """One metric of a service: how to query it and how to judge it."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    query: str = Field(min_length=1, description="PromQL returning one series")
    type: MetricType = Field(
        "gauge", description="counter: fixture sources apply rate() over rate_window like the query"
    )
    rate_window: str = "5m"
    series: str | None = Field(
        None,
        description="raw series `sentinel record` stores in fixtures; default: the selector "
        "inside the query's rate() (counters) or aggregation (gauges)",
    )
    unit: str = ""
    description: str = ""
    bad_direction: BadDirection = "up"
    seasonality: Seasonality = "hour_of_week"
    thresholds: Thresholds = Field(default_factory=Thresholds)

    @field_validator("rate_window")
    @classmethod
    def _duration(cls, v: str) -> str:
        parse_duration_seconds(v)
        return v


class ServiceConfig(Strict):
    """A service Sentinel watches, checked every `interval_seconds`."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = ""
    interval_seconds: int = Field(gt=0, le=86400, description="at most once a day")
    fixture: str | None = Field(None, description="fixture name used in fixture mode")
    loki_selector: dict[str, str] = Field(default_factory=dict)
    tempo_service: str | None = None
    metrics: list[MetricConfig] = Field(min_length=1)

    @field_validator("metrics")
    @classmethod
    def _unique(cls, v: list[MetricConfig]) -> list[MetricConfig]:
        return _unique_names(v, "metric")

    def metric(self, name: str) -> MetricConfig:
        for m in self.metrics:
            if m.name == name:
                return m
        raise KeyError(f"service {self.name!r} has no metric {name!r}")


class Suppression(Strict):
    """A maintenance or deploy window: anomalies inside are capped at WATCH and not escalated."""

    start: AwareDatetime
    end: AwareDatetime
    services: list[str] = Field(default_factory=list, description="empty: every service")
    metrics: list[str] = Field(default_factory=list, description="empty: every metric")
    reason: str = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> Suppression:
        if self.end <= self.start:
            raise ValueError(f"suppression {self.reason!r}: end is not after start")
        return self


class KnownIssue(Strict):
    """An issue already being handled: its anomalies are capped at WATCH and not escalated."""

    service: str
    metric: str | None = Field(None, description="empty: every metric of the service")
    until: AwareDatetime | None = Field(None, description="expires then; empty: until removed")
    note: str = Field(min_length=1)


class ScoreLevels(Strict):
    """Detector score (0..1) from which a metric reads WATCH, WARNING, CRITICAL."""

    watch: float = Field(0.5, gt=0, le=1)
    warning: float = Field(0.7, gt=0, le=1)
    critical: float = Field(0.9, gt=0, le=1)

    @model_validator(mode="after")
    def _increasing(self) -> ScoreLevels:
        if not self.watch < self.warning < self.critical:
            raise ValueError("levels must increase: watch < warning < critical")
        return self


class GateConfig(Strict):
    """When a statistical assessment is worth a model call."""

    threshold: float = Field(0.5, ge=0, le=1, description="escalate when score >= this")


class DetectionConfig(Strict):
    """Baselines, detectors and false-positive controls (docs/detectors.md)."""

    detector: str = Field("staged", description="a name from sentinel.detectors.DETECTORS")
    window_minutes: int = Field(15, gt=0, le=1440, description="recent window judged at each check")
    context_minutes: int = Field(60, gt=0, le=10080, description="points scored before the window")
    min_points: int = Field(5, ge=1, le=1000, description="anomalous points needed above WATCH")
    refit_minutes: int = Field(60, gt=0, le=10080, description="baselines refit at most this often")
    levels: ScoreLevels = Field(default_factory=ScoreLevels)
    gate: GateConfig = Field(default_factory=GateConfig)
    params: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="per-detector hyper-parameter overrides"
    )
    suppressions: list[Suppression] = Field(default_factory=list)
    known_issues: list[KnownIssue] = Field(default_factory=list)

    @field_validator("detector")
    @classmethod
    def _known_detector(cls, v: str) -> str:
        """A typo is a load-time error naming the valid detectors, not a failure at the first check."""
        if problem := unknown_detector(v):
            raise ValueError(problem)
        return v

    @field_validator("params")
    @classmethod
    def _params_for_known_detectors(cls, v: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        for name in v:
            if problem := unknown_detector(name):
                raise ValueError(problem)
        return v


class LocalModelConfig(Strict):
    """A self-hosted model server (llama.cpp's llama-server, Ollama, vLLM) for `llm:local`."""

    base_url: str = Field(
        "http://127.0.0.1:8080/v1", description="env SENTINEL_LLM_BASE_URL overrides"
    )
    api: Literal["openai", "anthropic"] = Field(
        "openai", description="chat-completions (OpenAI) or Messages (Anthropic) protocol"
    )
    model: str = Field(
        "smollm2-135m-instruct-q4_1",
        description="model name the server knows (env SENTINEL_LLM_MODEL overrides); also "
        "names the recordings and every report row",
    )
    max_tokens: int | None = Field(
        512, gt=0, le=128_000, description="answer cap for this model (null: llm.max_tokens)"
    )


# The system prompt's cache lifetime. 1h: at the assumed 5% escalation (~9 Sonnet calls/h) a 5m
# cache is warm for ~half the calls, 1h for ~all of them (`sentinel cost`, docs/llm.md). The one
# default: LLMConfig, the judge and ModelRequest all use it.
CacheTTL = Literal["5m", "1h"]
DEFAULT_CACHE_TTL: CacheTTL = "1h"


class LLMConfig(Strict):
    """The model judge: prompt, backend, limits and cost controls (docs/llm.md)."""

    prompt: str = Field("v3", description="a template in sentinel/llm/prompts/")
    backend: Literal["anthropic", "bedrock", "local"] = Field(
        "anthropic", description="local: the server in llm.local answers (strategy llm:local)"
    )
    local: LocalModelConfig = Field(default_factory=LocalModelConfig)
    mode: Literal["live", "record", "replay"] = Field(
        "live", description="env SENTINEL_LLM_MODE overrides; replay/record use replay_dir"
    )
    replay_dir: Path = Field(Path("data/replay"), description="relative to the project root")
    max_tokens: int = Field(1024, gt=0, le=128_000)
    timeout_s: float = Field(60.0, gt=0, le=600, description="per request, passed to the SDK")
    check_deadline_s: float = Field(
        20.0,
        gt=0,
        le=600,
        description="total for one check's model calls (retries, repair, tiered second model); "
        "never more than 0.8 x the service interval",
    )
    max_retries: int = Field(2, ge=0, le=10, description="the SDK's own retries (429, 529, 5xx)")
    model_workers: int = Field(
        2, ge=1, le=64, description="sentinel run: concurrent model calls; past it checks fall back"
    )
    breaker_failures: int = Field(
        3, ge=1, description="sentinel run: consecutive model failures that open the breaker"
    )
    breaker_cooldown_s: float = Field(
        60.0, gt=0, description="sentinel run: seconds the open breaker skips the model"
    )
    cache_ttl: CacheTTL = Field(DEFAULT_CACHE_TTL, description="system-prompt cache lifetime")
    calls_per_hour: int | None = Field(120, gt=0, description="cap; null = no cap")
    monthly_budget_usd: float | None = Field(50.0, gt=0, description="cap; null = no cap")
    budget_state: str | None = Field(
        "store",
        description="live/record spend ledger: 'store' (the ticket store's database: "
        "DATABASE_URL or var/sentinel.db), a SQLite path or SQLAlchemy URL; null = memory",
    )
    budget_soft_alert: float | None = Field(
        0.8, gt=0, lt=1, description="warn (log + metric) once spend passes this budget share"
    )

    @field_validator("prompt")
    @classmethod
    def _prompt_exists(cls, v: str) -> str:
        """A bad prompt is a load-time error, not a surprise when an LLM strategy first runs.
        (A light check of the file and its two parts: sentinel.llm.prompts imports the SDK.)"""
        folder = Path(__file__).parent / "llm" / "prompts"
        path = folder / f"{v}.md"
        if not path.is_file():
            known = ", ".join(sorted(p.stem for p in folder.glob("*.md")))
            raise ValueError(f"no prompt {v!r} in {folder} (available: {known})")
        text = path.read_text()
        if not all(f"<!-- part: {part} -->" in text for part in ("system", "user")):
            raise ValueError(f"{path}: needs '<!-- part: system -->' and '<!-- part: user -->'")
        return v

    @field_validator("budget_state")
    @classmethod
    def _ledger_is_a_database(cls, v: str | None) -> str | None:
        if v is not None and v.endswith(".json"):
            raise ValueError(
                f"{v!r}: the spend ledger now lives in the SQL store (safe across processes, "
                "kept by `make clean`); use 'store', a SQLite path or a database URL"
            )
        return v


class SentinelConfig(Strict):
    """The whole services file."""

    version: Literal[1] = 1
    history_days: int = Field(
        28, gt=0, le=90, description="baseline history read before each check (at most 90 days)"
    )
    services: list[ServiceConfig] = Field(min_length=1)
    detection: DetectionConfig = Field(default_factory=DetectionConfig)
    llm: LLMConfig = Field(default_factory=LLMConfig)

    @field_validator("services")
    @classmethod
    def _unique(cls, v: list[ServiceConfig]) -> list[ServiceConfig]:
        return _unique_names(v, "service")

    def service(self, name: str) -> ServiceConfig:
        for s in self.services:
            if s.name == name:
                return s
        known = ", ".join(s.name for s in self.services)
        raise ConfigError(f"no service {name!r} in config (known: {known})")


def parse_duration_seconds(text: str) -> int:
    """Seconds in a Prometheus-style duration such as `5m`, `1h30m` or `90s`."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
    total, number = 0, ""
    for ch in text.strip():
        if ch.isdigit():
            number += ch
        elif ch in units and number:
            total += int(number) * units[ch]
            number = ""
        else:
            raise ValueError(f"not a duration: {text!r} (use e.g. 5m, 1h, 90s)")
    if number or total <= 0:
        raise ValueError(f"not a duration: {text!r} (use e.g. 5m, 1h, 90s)")
    return total


def resolve_path(path: Path) -> Path:
    """A relative path that does not exist here is taken from the project root.

    Notebooks run with their own folder as working directory; this lets them and the CLI share
    paths like `config/services.yaml`.
    """
    if path.is_absolute() or path.exists():
        return path
    candidate = PROJECT_ROOT / path
    return candidate if candidate.exists() else path


def load_config(path: Path | str | None = None) -> SentinelConfig:
    """Read and validate a services file; raise ConfigError naming file, key and problem."""
    path = resolve_path(Path(path) if path else Settings().sentinel_config)
    data = load_yaml(path)
    if not isinstance(data, dict):
        raise ConfigError(
            f"{path}: expected a mapping with a 'services' key, got {type(data).__name__}"
        )
    try:
        return SentinelConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(path, exc)) from exc
