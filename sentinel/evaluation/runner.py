"""Run a whole eval: validate the suite, replay every strategy walk-forward, score, report.

The run directory `reports/eval/<run-id>/` holds `run.json` (what was asked), one verdict
stream per (strategy, repeat) under `verdicts/` (a detector run in several processes writes
one part per service group beside it, merged in sorted order when they finish), and the report. `--resume RUN_ID` reuses the
saved options and skips check times already streamed; a new run id never mixes results.
"""

from __future__ import annotations

import fnmatch
import json
from concurrent.futures import ALL_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sentinel.checks.run import build_agent
from sentinel.config import (
    FIXTURES_DIR,
    PROJECT_ROOT,
    REPORTS_DIR,
    SentinelConfig,
    ServiceConfig,
    Settings,
    load_config,
    parse_duration_seconds,
)
from sentinel.context.fixture_context import FixtureContext
from sentinel.errors import ConfigError, SentinelError
from sentinel.evaluation import costs
from sentinel.evaluation.batch import replay_batched
from sentinel.evaluation.cases import DEFAULT_SUITE, Suite, load_suite
from sentinel.evaluation.operating_curve import ServiceChecks
from sentinel.evaluation.progress import EtaBar
from sentinel.evaluation.scoring import (
    ServiceOutcome,
    graded,
    score_service,
    summarize,
    top_confidence,
)
from sentinel.evaluation.strategies import (
    DEFAULT_MODELS,
    SLOW_BY_DEFAULT,
    RunMode,
    StrategySpec,
    decide_mode,
    default_strategies,
    detector_names,
    parse_strategy,
)
from sentinel.evaluation.walk_forward import (
    CheckRecord,
    plan,
    read_records,
    replay,
)
from sentinel.llm.batch import BATCH_ONLY_ANTHROPIC
from sentinel.sources.fixture_source import FixtureSource

DEFAULT_REPLAYS = PROJECT_ROOT / "evals" / "replays"


@dataclass
class RunOptions:
    """Everything that determines a run's results (saved in run.json)."""

    suite: str = str(DEFAULT_SUITE)
    suite_name: str = "synthetic"
    services: list[str] = field(default_factory=list)  # a subset of the suite's; empty = all
    cases: str = ""  # fnmatch pattern on case ids (e.g. '*-smd-anomaly-*'); empty = all
    strategies: list[str] = field(default_factory=list)
    models: list[str] = field(default_factory=lambda: list(DEFAULT_MODELS))
    repeats: int = 1
    cadence: str = "5m"
    grace: str = "30m"
    mode: str = "auto"
    batch: bool = False
    context: bool = False  # escalated checks show the model the fixtures' logs and traces
    batch_poll_s: float = 30.0
    batch_timeout: str = "24h"
    n_boot: int = 1000
    seed: int = 0
    config: str | None = None
    fixtures_dir: str = str(FIXTURES_DIR)
    replay_dir: str = str(DEFAULT_REPLAYS)


@dataclass
class StrategyRun:
    """One strategy's outcome: how it ran, and per repeat its records and scores."""

    spec: StrategySpec
    mode: RunMode
    note: str = ""
    repeats: list[list[CheckRecord]] = field(default_factory=list)
    outcomes: list[list[ServiceOutcome]] = field(default_factory=list)

    @property
    def ran(self) -> bool:
        return self.mode != "not-run" and bool(self.repeats)


@dataclass
class EvalRun:
    """Everything the report needs."""

    run_id: str
    directory: Path
    options: RunOptions
    config: SentinelConfig
    suite: Suite
    schedule: dict[str, list[datetime]]
    strategies: list[StrategyRun]
    started: datetime
    finished: datetime | None = None
    source: FixtureSource | None = None


def new_run_id(now: datetime | None = None) -> str:
    return (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")


def saved_options(directory: Path) -> RunOptions:
    """The options a run saved in its run.json (for resuming, rescoring, combining)."""
    return RunOptions(**json.loads((directory / "run.json").read_text())["options"])


def prepare_run_dir(
    out: Path, run_id: str | None, resume: str | None, opts: RunOptions
) -> tuple[str, Path, RunOptions]:
    """Create a fresh run directory, or reopen one to resume with its saved options."""
    if resume:
        directory = out / resume
        if not (directory / "run.json").is_file():
            raise ConfigError(f"cannot resume {resume!r}: {directory / 'run.json'} does not exist")
        return resume, directory, saved_options(directory)
    run_id = run_id or new_run_id()
    directory = out / run_id
    if directory.exists():
        raise ConfigError(
            f"run {run_id!r} already exists in {out}: pass --resume {run_id} to continue it, "
            "or another --run-id for a fresh run"
        )
    (directory / "verdicts").mkdir(parents=True)
    (directory / "run.json").write_text(
        json.dumps({"run_id": run_id, "options": asdict(opts)}, indent=1) + "\n"
    )
    return run_id, directory, opts


def resolve_strategies(opts: RunOptions) -> list[StrategySpec]:
    if opts.strategies:
        return [parse_strategy(s) for s in opts.strategies]
    return default_strategies(tuple(opts.models))


def load_selected(opts: RunOptions, config: SentinelConfig) -> Suite:
    """The suite's cases, only those of `opts.services` and matching `opts.cases` when given
    (a CI-sized or CPU-sized subset; the report says which)."""
    suite = load_suite(Path(opts.suite), config, Path(opts.fixtures_dir))
    if not opts.services and not opts.cases:
        return suite
    unknown = sorted(set(opts.services) - set(suite.services))
    if unknown:
        raise ConfigError(
            f"--services {','.join(unknown)}: not in suite {opts.suite_name} "
            f"(known: {', '.join(suite.services)})"
        )
    cases = [
        c
        for c in suite.cases
        if (not opts.services or c.service in opts.services)
        and (not opts.cases or fnmatch.fnmatchcase(c.id, opts.cases))
    ]
    if not cases:
        raise ConfigError(f"--cases {opts.cases!r} matches no case of suite {opts.suite_name}")
    used = {c.manifest.fixture for c in cases}
    fixtures = {k: v for k, v in suite.fixtures.items() if k in used}
    return Suite(cases=cases, fixtures=fixtures, directory=suite.directory)


def service_configs(config: SentinelConfig, suite: Suite) -> dict[str, ServiceConfig]:
    """Each suite service's config, pointed at the fixture its cases name."""
    out: dict[str, ServiceConfig] = {}
    for name in suite.services:
        fixtures = {c.manifest.fixture for c in suite.for_service(name)}
        if len(fixtures) > 1:
            raise ConfigError(
                f"cases of service {name!r} name several fixtures {sorted(fixtures)}; "
                "one fixture per service per suite"
            )
        out[name] = config.service(name).model_copy(update={"fixture": fixtures.pop()})
    return out


def run_eval(
    opts: RunOptions,
    out: Path = REPORTS_DIR / "eval",
    run_id: str | None = None,
    resume: str | None = None,
    settings: Settings | None = None,
    jobs: int = 1,
) -> EvalRun:
    """Validate, replay every (strategy, repeat) - in `jobs` processes, a detector's services
    split over them - and score.

    The report is written by `report.write_report`.
    """
    if resume:
        run_id, directory, opts = prepare_run_dir(Path(out), run_id, resume, opts)
    settings = settings or Settings()
    config = load_config(opts.config)
    suite = load_selected(opts, config)
    grace = timedelta(seconds=parse_duration_seconds(opts.grace))
    if opts.batch and opts.context:
        raise ConfigError("--context does not work with --batch yet: run without --batch")
    if opts.batch:
        try:
            parse_duration_seconds(opts.batch_timeout)
        except ValueError as exc:
            raise ConfigError(f"--batch-timeout: {exc}") from exc
    schedule = plan(suite, timedelta(seconds=parse_duration_seconds(opts.cadence)))
    service_configs(config, suite)  # one fixture per service, checked before any replay
    if not resume:  # bad input is rejected above, before a run folder exists
        run_id, directory, opts = prepare_run_dir(Path(out), run_id, None, opts)
    replay_dir = Path(opts.replay_dir)
    run = EvalRun(run_id, directory, opts, config, suite, schedule, [], datetime.now(UTC))
    run.source = FixtureSource(Path(opts.fixtures_dir))
    todo: list[tuple[StrategyRun, int, Path]] = []
    if not opts.strategies:
        for name in detector_names():
            if name in SLOW_BY_DEFAULT:
                spec = StrategySpec(f"statistical:{name}", "statistical", name)
                run.strategies.append(
                    StrategyRun(spec, "not-run", f"not run: {SLOW_BY_DEFAULT[name]}")
                )
    for spec in resolve_strategies(opts):
        mode = decide_mode(spec, settings, repeat_dir(replay_dir, 0), opts.mode, config)
        if opts.batch and mode in ("live", "record") and config.llm.backend != "anthropic":
            raise ConfigError(BATCH_ONLY_ANTHROPIC)
        srun = StrategyRun(spec, mode)
        run.strategies.append(srun)
        if mode == "not-run":
            srun.note = (
                "not run: no credentials"
                if opts.mode in ("auto", "live", "record")
                else f"not run: no recorded replays in {replay_dir}"
            )
            continue
        for k in range(opts.repeats if spec.uses_model else 1):
            todo.append((srun, k, directory / "verdicts" / f"{spec.slug}__r{k + 1}.jsonl"))
    total = sum(len(t) for t in schedule.values()) * len(todo)
    job_args: list[JobArgs] = []
    owner: list[int] = []  # index into todo of each job
    groups = service_groups(schedule, jobs)
    for i, (s, k, path) in enumerate(todo):
        merge_parts(path)  # parts an interrupted parallel run left behind
        # A detector's checks are independent across services: split them over the processes.
        # Model strategies stay whole (one budget, one batch, one replay order).
        split = not s.spec.uses_model and len(groups) > 1
        for g, services in enumerate(groups if split else [None]):
            stream = part_path(path, g) if split else path
            job_args.append(
                (opts, repeat_dir(replay_dir, k), s.spec, s.mode, stream, settings, services, path)
            )
            owner.append(i)
    job_errors = _execute(job_args, total, jobs)
    errors: list[str | None] = [None] * len(todo)
    for i, error in zip(owner, job_errors, strict=True):
        errors[i] = errors[i] or error
    for _, _, path in todo:
        merge_parts(path)
    for (srun, _, path), error in zip(todo, errors, strict=True):
        if error is not None:
            if not srun.spec.uses_model:
                raise SentinelError(f"{srun.spec.name}: {error}")
            srun.mode, srun.note = "not-run", f"not run: {error}"
            continue
        if srun.mode == "not-run":
            continue
        records = sorted(read_records(path), key=lambda r: (r.service, r.at))
        srun.repeats.append(records)
        srun.outcomes.append(score_records(records, suite, grace))
    for srun in run.strategies:
        if srun.mode == "not-run":
            srun.repeats, srun.outcomes = [], []
    run.finished = datetime.now(UTC)
    return run


def repeat_dir(replay_dir: Path, k: int) -> Path:
    """Recordings per repeat (`repeat-1/`, ...): in record mode a second repeat must make its own
    calls rather than replay the first one's, and offline reruns replay each repeat's answers."""
    return replay_dir / f"repeat-{k + 1}"


# (options, replay dir, strategy, mode, stream written, settings, services of this job or None
# for all, the (strategy, repeat)'s merged stream: checks already there are skipped)
JobArgs = tuple[RunOptions, Path, StrategySpec, RunMode, Path, Settings, list[str] | None, Path]


def service_groups(schedule: dict[str, list[datetime]], n: int) -> list[list[str]]:
    """The services in at most `n` groups of about equal check counts (largest first onto the
    lightest group; ties by name), each group in schedule order. Deterministic."""
    n = max(1, min(n, len(schedule)))
    groups: list[list[str]] = [[] for _ in range(n)]
    load = [0] * n
    for service in sorted(schedule, key=lambda s: (-len(schedule[s]), s)):
        g = load.index(min(load))
        groups[g].append(service)
        load[g] += len(schedule[service])
    order = {s: i for i, s in enumerate(schedule)}
    return [sorted(g, key=order.__getitem__) for g in groups if g]


def part_path(stream: Path, k: int) -> Path:
    """Where the k-th service group of a split (strategy, repeat) streams its checks."""
    return stream.with_name(f"{stream.stem}.part{k + 1}{stream.suffix}")


def merge_parts(stream: Path) -> None:
    """Fold the part streams of `stream` into it, every record once, sorted by (service, time)
    as a whole replay writes them; then remove the parts. A no-op without parts."""
    parts = sorted(stream.parent.glob(f"{stream.stem}.part*{stream.suffix}"))
    if not parts:
        return
    records: dict[tuple[str, datetime], CheckRecord] = {}
    for path in [stream, *parts]:
        for r in read_records(path):
            records.setdefault((r.service, r.at), r)
    tmp = stream.with_name(stream.name + ".tmp")
    tmp.write_text("".join(records[k].to_json() + "\n" for k in sorted(records)))
    tmp.replace(stream)
    for path in parts:
        path.unlink()


def _job(args: JobArgs, progress: bool = False) -> str | None:
    """Replay one (strategy, repeat), or its checks of some services, into its stream; returns
    an error message or None."""
    opts, replay_dir, spec, mode, stream, settings, only, merged = args
    try:
        config = load_config(opts.config)
        suite = load_selected(opts, config)
        schedule = plan(suite, timedelta(seconds=parse_duration_seconds(opts.cadence)))
        if only is not None:
            have = {(r.service, r.at) for r in read_records(merged)} if merged != stream else set()
            schedule = {
                s: [t for t in schedule[s] if (s, t) not in have] for s in schedule if s in only
            }
        services = service_configs(config, suite)
        source = FixtureSource(Path(opts.fixtures_dir))
        step = min(suite.fixtures[c.manifest.fixture].step_seconds for c in suite.cases)
        context = FixtureContext(Path(opts.fixtures_dir)) if opts.context else None
        agent = build_agent(
            config,
            source,
            spec,
            settings,
            replay_dir=replay_dir,
            mode=mode,
            step_seconds=step,
            context=context,
        )
        if opts.batch and mode in ("live", "record"):
            replay_batched(
                agent,
                services,
                schedule,
                stream,
                spec.name,
                progress,
                poll_s=opts.batch_poll_s,
                timeout_s=parse_duration_seconds(opts.batch_timeout),
            )
        else:
            replay(agent, services, schedule, stream, spec.name, progress)
    except SentinelError as exc:
        return str(exc)
    return None


def _execute(job_args: list[JobArgs], total: int, jobs: int) -> list[str | None]:
    """Run jobs inline (one bar each) or in a process pool (one overall bar, fed by the
    streams' line counts, so workers need no channel back)."""
    if jobs <= 1 or len(job_args) <= 1:
        return [_job(a, progress=True) for a in job_args]
    streams = [a[4] for a in job_args] + sorted({a[7] for a in job_args if a[7] != a[4]})
    with (
        ProcessPoolExecutor(max_workers=jobs) as pool,
        EtaBar(total, "eval") as bar,
    ):
        futures = [pool.submit(_job, a) for a in job_args]
        while not all(f.done() for f in futures):
            wait(futures, timeout=2.0, return_when=ALL_COMPLETED)
            bar.set(sum(_count_lines(p) for p in streams))
        bar.set(sum(_count_lines(p) for p in streams))
        return [f.result() for f in futures]


def _count_lines(path: Path) -> int:
    try:
        with path.open("rb") as fh:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))
    except OSError:
        return 0


def service_checks(records: list[CheckRecord], suite: Suite) -> list[ServiceChecks]:
    """Each service's checks (time, status, top confidence) with its cases' windows and spans."""
    out = []
    for service in suite.services:
        cases = suite.for_service(service)
        out.append(
            ServiceChecks(
                service=service,
                checks=tuple(
                    (r.at, r.verdict.status, top_confidence(r.verdict))
                    for r in records
                    if r.service == service
                ),
                windows=tuple((c.id, w) for c in cases for w in c.manifest.windows),
                observed=tuple((c.manifest.period.start, c.manifest.period.end) for c in cases),
            )
        )
    return out


def score_records(
    records: list[CheckRecord], suite: Suite, grace: timedelta
) -> list[ServiceOutcome]:
    """Score each service's timeline against its cases' windows."""
    outcomes = []
    for s in service_checks(records, suite):
        timeline = [(t, status) for t, status, _ in s.checks]
        ranked = [(t, graded(status, conf)) for t, status, conf in s.checks]
        outcomes.append(
            score_service(s.service, timeline, s.windows, s.observed, grace=grace, graded=ranked)
        )
    return outcomes


def metrics_for(srun: StrategyRun, opts: RunOptions) -> list[Any]:
    """Metrics per repeat (bootstrap seeded per repeat for reproducibility)."""
    return [
        summarize(o, n_boot=opts.n_boot, seed=opts.seed + i) for i, o in enumerate(srun.outcomes)
    ]


__all__ = ["EvalRun", "RunOptions", "StrategyRun", "costs", "metrics_for", "run_eval"]
