"""The vocabulary every module speaks: statuses, anomalies, verdicts, usage, fixture manifests.

Everything that crosses a module boundary is one of these pydantic models, validated where it
enters (config files, fixture manifests, model output), so the rest of the code can trust it.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, computed_field, model_validator


class Strict(BaseModel):
    """Base for every model read from a file: unknown keys are errors, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class Status(enum.StrEnum):
    """Graded health of a service. NORMAL < WATCH < WARNING < CRITICAL; UNKNOWN means no data."""

    UNKNOWN = "UNKNOWN"
    NORMAL = "NORMAL"
    WATCH = "WATCH"
    WARNING = "WARNING"
    CRITICAL = "CRITICAL"

    @property
    def rank(self) -> int:
        """Severity order; UNKNOWN ranks below NORMAL so it never masks a real finding."""
        return _STATUS_RANK[self]

    @property
    def alerts(self) -> bool:
        """True for the statuses that page a human (WARNING and CRITICAL)."""
        return self.rank >= _STATUS_RANK[Status.WARNING]

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Status):
            return NotImplemented
        return self.rank < other.rank

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Status):
            return NotImplemented
        return self.rank <= other.rank

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Status):
            return NotImplemented
        return self.rank > other.rank

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Status):
            return NotImplemented
        return self.rank >= other.rank

    @classmethod
    def worst(cls, statuses: Iterable[Status]) -> Status:
        """The most severe status of many; UNKNOWN when there are none."""
        return max(statuses, key=lambda s: s.rank, default=cls.UNKNOWN)


_STATUS_RANK = {
    Status.UNKNOWN: -1,
    Status.NORMAL: 0,
    Status.WATCH: 1,
    Status.WARNING: 2,
    Status.CRITICAL: 3,
}


class Action(enum.StrEnum):
    """What the on-call engineer should do with a verdict."""

    NOTIFY_TRIAGE = "notify_triage"
    CONTINUE_MONITORING = "continue_monitoring"
    NONE = "none"


def action_for(status: Status) -> Action:
    """The on-call action a status calls for: a rule, so code decides it, never a model."""
    if status.alerts:
        return Action.NOTIFY_TRIAGE
    return Action.CONTINUE_MONITORING if status == Status.WATCH else Action.NONE


Direction = Literal["up", "down"]
"""Which way a value moved (an anomaly's direction)."""
Seasonality = Literal["hour_of_week", "hour_of_day", "none"]
"""The season a baseline repeats over (config `seasonality`, sentinel.season buckets)."""
BadDirection = Literal["up", "down", "both"]
"""Which way(s) of moving count as bad for a metric: the config's `bad_direction`, the
detectors' `direction` (the one declaration of both)."""


class Anomaly(BaseModel):
    """One metric that deviates from its baseline at check time."""

    # +Inf latency is a real reading: keep it through JSON (stored verdicts, sidecars)
    model_config = ConfigDict(ser_json_inf_nan="constants")

    metric: str
    current_value: float
    baseline_value: float
    deviation_pct: float = Field(description="(current - baseline) / |baseline| * 100")
    direction: Direction
    confidence: float = Field(ge=0.0, le=1.0)
    detail: str = ""


ResponseSource = Literal["statistical", "live", "replay", "scripted"]
"""Where a verdict's judgement came from; every report shows it."""


class Usage(BaseModel):
    """Token usage of one model call, as the API reported it, plus measured latency."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_creation_input_tokens: int = 0
    cache_read_input_tokens: int = 0
    cache_creation_1h_input_tokens: int = Field(
        0, description="the part of cache_creation_input_tokens written with the 1 h TTL"
    )
    thinking_tokens: int = Field(
        0, description="the part of output_tokens spent thinking (usage.output_tokens_details)"
    )
    latency_s: float = 0.0
    service_tier: str | None = None

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            cache_creation_input_tokens=self.cache_creation_input_tokens
            + other.cache_creation_input_tokens,
            cache_read_input_tokens=self.cache_read_input_tokens + other.cache_read_input_tokens,
            cache_creation_1h_input_tokens=self.cache_creation_1h_input_tokens
            + other.cache_creation_1h_input_tokens,
            thinking_tokens=self.thinking_tokens + other.thinking_tokens,
            latency_s=self.latency_s + other.latency_s,
            service_tier=self.service_tier or other.service_tier,
        )


class Route(enum.StrEnum):
    """Which way through the pipeline a verdict came: the detectors alone, one model, the
    tiered pair, or the statistical verdict standing in for a model that failed or was refused."""

    STATISTICAL = "statistical"
    LLM = "llm"
    TIERED = "tiered"
    LLM_FALLBACK = "llm-fallback"
    BUDGET_EXHAUSTED = "budget-exhausted"
    NO_DATA = "no-data"
    CHECK_FAILED = "check-failed"
    INTERRUPTED = "interrupted"

    @property
    def judged_by_model(self) -> bool:
        """True when a model's answer is the verdict (`llm`, `tiered`)."""
        return self in (Route.LLM, Route.TIERED)

    @property
    def asked_model(self) -> bool:
        """True when the gate sent the check to a model, whether or not it answered."""
        return self in (Route.LLM, Route.TIERED, Route.LLM_FALLBACK, Route.BUDGET_EXHAUSTED)


class Provenance(BaseModel):
    """What produced a verdict, so any result can be traced to its detector, prompt and model.

    Typed: `route` (an enum), `model` (the alias that answered) and `escalated` (tiered: the
    strong model was asked). `path` is their one-word label for humans and JSON readers
    (`llm:<model>`, `tiered:<model>`, `statistical`, ...); a stored `path` from before
    `route` existed is read back into these fields."""

    route: Route = Field(description="pipeline route: statistical, llm, tiered, llm-fallback, ...")
    response_source: ResponseSource = "statistical"
    detector: str | None = None
    prompt_version: str | None = None
    model: str | None = None
    escalated: bool = Field(
        False,
        description="tiered: the cheap model disagreed with the detectors, the strong one answered",
    )
    backend: str | None = None
    data_source: str = ""
    note: str = ""
    model_status: Status | None = Field(
        None, description="the model's own status before floors (sentinel.llm.floors)"
    )

    @model_validator(mode="before")
    @classmethod
    def _from_path(cls, data: object) -> object:
        """Accept `path="llm:<model>"` (constructors, verdicts stored before `route`)."""
        if not isinstance(data, dict) or "path" not in data:
            return data
        data = dict(data)
        path = str(data.pop("path"))
        if "route" not in data:
            head, _, model = path.partition(":")
            data["route"] = head
            if model and not data.get("model"):
                data["model"] = model
            if head == Route.TIERED and "escalated" not in data:
                data["escalated"] = str(data.get("note", "")).startswith("escalated:")
        return data

    @computed_field  # type: ignore[prop-decorator]
    @property
    def path(self) -> str:
        """The route as one label: `llm:<model>` / `tiered:<model>` when a model answered."""
        if self.route.judged_by_model and self.model:
            return f"{self.route.value}:{self.model}"
        return self.route.value


class Verdict(BaseModel):
    """The graded judgement on one service at one check time."""

    service: str
    checked_at: AwareDatetime
    status: Status
    anomalies: list[Anomaly] = Field(default_factory=list)
    reasoning: str = ""
    recommended_action: Action = Action.NONE
    unjudged: list[str] = Field(
        default_factory=list,
        description="metrics that could not be judged (no data, query error, short history): "
        "a ticket raised on one of them stays open, since unknown is not recovery",
    )
    next_step: str = Field("", description="the model's proposed concrete next step, if any")
    provenance: Provenance
    usage: Usage | None = None
    cost_usd: float | None = None

    @property
    def top_anomaly(self) -> Anomaly | None:
        """The anomaly with the largest absolute deviation, if any."""
        return max(self.anomalies, key=lambda a: abs(a.deviation_pct), default=None)

    def one_line(self) -> str:
        """A terse summary for terminals and logs."""
        top = self.top_anomaly
        detail = (
            f"{top.metric} {top.deviation_pct:+.0f}% vs baseline "
            f"({top.current_value:.3g} vs {top.baseline_value:.3g})"
            if top
            else (self.reasoning.splitlines()[0] if self.reasoning else "no anomalies")
        )
        return f"{self.service:<16} {self.status.value:<9} {detail}  [{self.provenance.path}]"


# --------------------------------------------------------------------------------------------
# Fixtures: recorded or synthetic metric data with labelled windows.
# --------------------------------------------------------------------------------------------

MetricType = Literal["gauge", "counter"]


class FixtureMetric(Strict):
    """One raw series in a fixture: the Prometheus series it stands for and its type."""

    name: str = Field(description="the metric key used in services.yaml")
    series: str = Field(description="Prometheus series selector, e.g. http_requests_total{...}")
    type: MetricType
    unit: str = ""


class GeneratorInfo(Strict):
    """How a synthetic fixture was made, so the same seed gives the same bytes."""

    name: str
    version: str
    seed: int


class ImportInfo(Strict):
    """Where an imported fixture came from and every choice the importer made, so a reader can
    tell real values from what the import decided (timestamps, windows, names)."""

    format: str = Field(description="importer name, e.g. smd, nezha, nab, csv")
    importer_version: str
    source: str = Field(description="upstream repository @ commit, or the user's description")
    licence: str = Field(description="licence of the source data, e.g. MIT")
    files: list[str] = Field(default_factory=list, description="input files, relative names")
    choices: dict[str, str] = Field(
        default_factory=dict, description="decisions the import made, in words"
    )


class LabelledWindow(Strict):
    """A labelled stretch of time: an incident that must be found, or a hard negative that must not.

    Incidents carry `min_severity` (the least severe status a good checker gives inside the
    window). Hard negatives carry none: the checker must stay below WARNING there.
    """

    start: AwareDatetime
    end: AwareDatetime
    kind: str
    min_severity: Status | None = None
    hard_negative: bool = False
    metrics: list[str] = Field(default_factory=list)
    note: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> LabelledWindow:
        if self.end <= self.start:
            raise ValueError(
                f"window {self.kind!r}: end {self.end} is not after start {self.start}"
            )
        if self.hard_negative and self.min_severity is not None:
            raise ValueError(f"window {self.kind!r}: a hard negative has no min_severity")
        if not self.hard_negative and (self.min_severity is None or not self.min_severity.alerts):
            raise ValueError(
                f"window {self.kind!r}: an incident needs min_severity WARNING or CRITICAL"
            )
        return self

    def contains(self, t: datetime) -> bool:
        return self.start <= t < self.end


class FixtureManifest(Strict):
    """The YAML beside a fixture's data file: what it holds, where it came from, what is labelled."""

    name: str
    service: str
    kind: Literal["synthetic", "recorded", "imported"]
    description: str = ""
    step_seconds: int = Field(gt=0)
    start: AwareDatetime
    end: AwareDatetime
    data_file: str = Field(description="path relative to the manifest (parquet, long format)")
    sha256: str | None = None
    generator: GeneratorInfo | None = None
    source_url: str | None = None
    imported: ImportInfo | None = Field(None, description="required for kind: imported")
    metrics: list[FixtureMetric]
    labels: list[LabelledWindow] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> FixtureManifest:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        if self.kind == "synthetic" and self.generator is None:
            raise ValueError("a synthetic fixture must name its generator")
        if self.kind == "imported" and self.imported is None:
            raise ValueError("an imported fixture must say where it came from (imported:)")
        names = [m.name for m in self.metrics]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate metric names: {names}")
        fmt = "%Y-%m-%dT%H:%MZ"
        for i, w in enumerate(self.labels):
            if w.start < self.start or w.end > self.end:
                raise ValueError(
                    f"labels.{i} ({w.kind!r}): window {w.start:{fmt}}..{w.end:{fmt}} lies "
                    f"outside the fixture range {self.start:{fmt}}..{self.end:{fmt}}"
                )
            unknown = sorted(set(w.metrics) - set(names))
            if unknown:
                raise ValueError(
                    f"labels.{i} ({w.kind!r}): unknown metrics {unknown} (this fixture has {names})"
                )
        return self

    @property
    def incidents(self) -> list[LabelledWindow]:
        return [w for w in self.labels if not w.hard_negative]

    @property
    def hard_negatives(self) -> list[LabelledWindow]:
        return [w for w in self.labels if w.hard_negative]
