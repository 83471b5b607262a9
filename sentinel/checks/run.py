"""One check of every configured service: build the pipeline, run it, write the JSON sidecar.

Shared by `sentinel check`, the papermill `check.ipynb` notebook and the scheduler, so the three
front doors run the same code.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from sentinel.config import FIXTURES_DIR, SentinelConfig, Settings
from sentinel.errors import ConfigError
from sentinel.models import Verdict
from sentinel.redact import redact
from sentinel.strategy import StrategySpec, parse_strategy

if TYPE_CHECKING:  # the pipeline (pandas, detectors) is imported when a check is built
    from sentinel.agent import Agent
    from sentinel.context.sources import ContextSource
    from sentinel.sources.base import MetricSource

SourceKind = Literal["fixtures", "prometheus"]
SIDECAR_NAME = "verdicts.json"


class CheckRun(BaseModel):
    """The JSON sidecar of one check run: what ran, against what, and the verdicts."""

    run_id: str
    started_at: datetime
    check_time: datetime
    source: str
    strategy: str
    config_path: str
    verdicts: list[Verdict] = Field(default_factory=list)


def parse_check_time(
    text: str | datetime, now: datetime | None = None, *, what: str = "check time"
) -> datetime:
    """`now` or an ISO-8601 time; naive times are rejected rather than guessed.

    `what` names the value in errors (e.g. `--fixture-start`)."""
    if isinstance(text, datetime):
        parsed = text
    elif text.strip().lower() == "now":
        return now or datetime.now(UTC)
    else:
        try:
            parsed = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        except ValueError as exc:
            raise ConfigError(
                f"{what} {text!r} is not ISO-8601 (e.g. 2026-11-02T14:30:00Z) or 'now'"
            ) from exc
    if parsed.tzinfo is None:
        raise ConfigError(f"{what} {text!r} has no time zone; add Z for UTC")
    return parsed.astimezone(UTC)


def build_source(
    kind: str, settings: Settings | None = None, fixtures_dir: Path | None = None
) -> MetricSource:
    """The metric source for a run: fixtures (offline; the bundled ones unless `fixtures_dir`)
    or a live Prometheus."""
    if kind == "fixtures":
        from sentinel.sources.fixture_source import FixtureSource

        return FixtureSource(fixtures_dir or FIXTURES_DIR)
    if kind == "prometheus":
        from sentinel.sources.prometheus import PrometheusSource

        return PrometheusSource.from_settings(settings or Settings())
    raise ConfigError(f"unknown source {kind!r}: use 'fixtures' or 'prometheus'")


def build_agent(
    config: SentinelConfig,
    source: MetricSource,
    strategy: str | StrategySpec = "statistical",
    settings: Settings | None = None,
    *,
    replay_dir: Path | None = None,
    mode: str | None = None,
    step_seconds: int = 60,
    context: ContextSource | Literal["live"] | None = "live",
) -> Agent:
    """The one way a pipeline is assembled from a strategy (`statistical[:<detector>]`,
    `llm:<model>`, `tiered:<a>,<b>`), for `sentinel check`, `sentinel run`, the check notebook
    and the eval: the same string gives the same detector, gate, models and budget guard.

    `statistical:<detector>` runs that detector instead of the config's. The gate is always
    there (its decision is part of every outcome); the judge, built by `sentinel.llm.build_judge`
    behind the config's CostGuard, only for model strategies. `mode`/`replay_dir` choose live,
    record or replay (default: the config's). A model strategy shows the model logs and traces
    of escalated checks from `context`: `"live"` means Loki/Tempo when LOKI_URL or TEMPO_URL is
    set (sentinel.context), None means none (the eval's default)."""
    from sentinel.agent import Agent
    from sentinel.detectors import build_assessor
    from sentinel.gate import build_gate

    spec = parse_strategy(strategy) if isinstance(strategy, str) else strategy
    judge = None
    if spec.uses_model:
        from sentinel.context.judge import with_context
        from sentinel.context.sources import LiveContext
        from sentinel.llm.factory import build_judge

        settings = settings or Settings()
        if context == "live":
            context = LiveContext.from_settings(settings)
        judge = with_context(build_judge(spec.name, settings, config, replay_dir, mode), context)
    assessor = build_assessor(config, detector=spec.detector)
    return Agent(config, source, assessor, build_gate(config), judge, step_seconds=step_seconds)


def run_checks(agent: Agent, at: datetime, services: Sequence[str] | None = None) -> list[Verdict]:
    """Check each selected service once at `at`."""
    names = services or [s.name for s in agent.config.services]
    selected = [agent.config.service(n) for n in names]  # unknown names fail before any work
    from sentinel.sources.fixture_source import FixtureSource

    if isinstance(agent.source, FixtureSource):
        for svc in selected:
            agent.source.check_covers(svc, at)
    return [agent.check(name, at) for name in names]


def run_and_record(
    agent: Agent,
    at: datetime,
    services: Sequence[str] | None,
    out_dir: Path,
    run_id: str,
    strategy: str,
    config_path: str | Path,
) -> CheckRun:
    """Check the selected services at `at` and write the run's `verdicts.json` into `out_dir`."""
    started = datetime.now(UTC)
    run = CheckRun(
        run_id=run_id,
        started_at=started,
        check_time=at,
        source=agent.source.description,
        strategy=strategy,
        config_path=str(config_path),
        verdicts=run_checks(agent, at, services),
    )
    write_sidecar(out_dir, run)
    return run


def new_run_id(at: datetime) -> str:
    """A sortable id: wall-clock start plus the check time it looked at."""
    now = datetime.now(UTC)
    return f"{now:%Y%m%dT%H%M%SZ}-at-{at:%Y%m%dT%H%MZ}-{os.getpid()}"


def write_sidecar(out_dir: Path, run: CheckRun) -> Path:
    """Write verdicts.json atomically, so a reader never sees half a file; credentials blanked."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / SIDECAR_NAME
    tmp = path.with_suffix(".tmp")
    tmp.write_text(redact(json.dumps(run.model_dump(mode="json"), indent=2)) + "\n")
    tmp.replace(path)
    return path


def read_sidecar(path: Path) -> CheckRun:
    return CheckRun.model_validate_json(Path(path).read_text())
