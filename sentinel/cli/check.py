"""`sentinel check`: run one check of every configured service and print the verdicts.

Every option is validated before any work (click choices, callbacks below, then the config,
the fixtures' time range and the model credentials), so a typo is a usage error (exit 2) in
about a second, never a check that runs and then fails like an alert (exit 1).
"""

from __future__ import annotations

import shlex
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from sentinel.checks import (
    SIDECAR_NAME,
    build_agent,
    build_source,
    new_run_id,
    parse_check_time,
    read_sidecar,
    run_and_record,
)
from sentinel.checks.notebook import CHECK_NOTEBOOK, execute_notebook
from sentinel.checks.reports import check_run_dir, checks_root, prune_reports
from sentinel.cli import EXIT_CODES_HELP, app
from sentinel.config import FIXTURES_DIR, SentinelConfig, Settings, load_config
from sentinel.errors import ConfigError, SentinelError
from sentinel.models import Status
from sentinel.strategy import STRATEGY_HELP, StrategySpec, parse_strategy

if TYPE_CHECKING:
    from sentinel.models import FixtureManifest


def _check_time(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_check_time(value)
    except ConfigError as exc:
        raise typer.BadParameter(str(exc)) from None


def _strategy(value: str) -> StrategySpec:
    """Parse the strategy; its model names are resolved once the config is loaded."""
    try:
        return parse_strategy(value)
    except ConfigError as exc:
        raise typer.BadParameter(str(exc)) from None


@app.command(epilog=EXIT_CODES_HELP)
def check(
    at: Annotated[
        str | None,
        typer.Option(
            metavar="TIME",
            help="Check time: ISO-8601 with zone (2026-11-02T14:30:00Z) or 'now'. "
            "[default: with --source fixtures the latest time every fixture covers, "
            "with --source prometheus now]",
            show_default=False,
        ),
    ] = None,
    config: Annotated[Path, typer.Option(metavar="FILE", help="Services file.")] = Path(
        "config/services.yaml"
    ),
    source: Annotated[
        Literal["fixtures", "prometheus"],
        typer.Option(help="Bundled fixtures (offline) or a live Prometheus (PROMETHEUS_URL)."),
    ] = "fixtures",
    strategy: Annotated[
        str,
        typer.Option(metavar="STRATEGY", help=f"{STRATEGY_HELP}; models from prices.yaml."),
    ] = "statistical",
    service: Annotated[
        list[str] | None,
        typer.Option(
            "--service",
            "-s",
            metavar="NAME",
            help="Only this service (repeatable).",
            show_default=False,
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            metavar="DIR",
            help="Write verdicts.json here [default: reports/checks/YYYY/MM/DD/<run-id>].",
            show_default=False,
        ),
    ] = None,
    notebook: Annotated[
        bool,
        typer.Option(
            help="Run notebooks/check.ipynb under papermill and keep the executed notebook too."
        ),
    ] = False,
    cell_timeout: Annotated[
        int, typer.Option(metavar="SECONDS", min=1, help="Per-cell timeout with --notebook.")
    ] = 600,
    fail_on: Annotated[
        Status | None,
        typer.Option(
            case_sensitive=False,
            metavar="STATUS",
            help="Exit 1 if any service is at this status or worse: "
            f"{', '.join(s.value for s in Status)} (any case).",
            show_default=False,
        ),
    ] = None,
    fail_on_unknown: Annotated[
        bool,
        typer.Option(
            help="With --fail-on, an UNKNOWN service (no data: source down, query failing) "
            "fails too, so cron sees an outage."
        ),
    ] = True,
) -> None:
    """Check every configured service once; print one line per service.

    With no options it checks the bundled synthetic fixtures at the latest time they cover,
    offline. `make check` checks them mid-incident (--at 2026-10-29T14:20:00Z).
    """
    when = _check_time(at)
    spec = _strategy(strategy)
    cfg = load_config(config)  # fail fast on a bad config, before any work
    for name in service or []:
        cfg.service(name)  # an unknown name is a ConfigError listing the known ones
    settings = Settings()
    if spec.uses_model:
        _require_model_access(cfg, settings, spec.models)
    if source == "fixtures":
        when = _within_fixtures(cfg, service, when)
    when = when or parse_check_time("now")
    run_id = new_run_id(when)
    out_dir = (out or check_run_dir(settings.sentinel_reports_dir, run_id)).resolve()
    if notebook:
        executed = execute_notebook(
            CHECK_NOTEBOOK,
            out_dir / "check.ipynb",
            {
                "config_path": str(config),
                "source": source,
                "check_time": when.isoformat(),
                "strategy": strategy,
                "services": service or [],
                "output_dir": str(out_dir),
                "run_id": run_id,
            },
            cell_timeout_s=cell_timeout,
        )
        sidecar = out_dir / SIDECAR_NAME
        verdicts = read_sidecar(sidecar).verdicts
        typer.echo(f"notebook: {executed}")
    else:
        agent = build_agent(cfg, build_source(source, settings), strategy, settings)
        verdicts = run_and_record(agent, when, service, out_dir, run_id, strategy, config).verdicts
        sidecar = out_dir / SIDECAR_NAME
    for v in verdicts:
        typer.echo(v.one_line())
    typer.echo(f"verdicts: {sidecar}")
    if settings.sentinel_keep_reports_days:
        pruned = prune_reports(
            checks_root(settings.sentinel_reports_dir),
            timedelta(days=settings.sentinel_keep_reports_days),
        )
        if pruned:
            typer.echo(
                f"pruned {len(pruned)} report folder(s) older than "
                f"{settings.sentinel_keep_reports_days} days"
            )
    if fail_on is not None:
        unknown = [v.service for v in verdicts if v.status == Status.UNKNOWN]
        if fail_on_unknown and unknown:
            typer.echo(
                f"failing: {len(unknown)} service(s) UNKNOWN (not judged): {', '.join(unknown)}; "
                "pass --no-fail-on-unknown to allow",
                err=True,
            )
            raise typer.Exit(1)
        if any(v.status >= fail_on for v in verdicts):
            raise typer.Exit(1)


def _require_model_access(
    cfg: SentinelConfig, settings: Settings, models: tuple[str, ...] = ()
) -> None:
    """Unknown model names and missing credentials fail here, before pandas, the detectors or
    the SDK are imported. Self-hosted models (sentinel.llm.resolve: `local`, the configured
    local model's name, any non-Claude name with llm.backend local) need no credentials."""
    from sentinel.llm.credentials import llm_mode, require_credentials
    from sentinel.llm.resolve import is_local_model, resolve_model

    try:
        infos = [resolve_model(m, cfg.llm, settings) for m in models]
    except ConfigError as exc:
        raise typer.BadParameter(str(exc), param_hint="'--strategy'") from None
    if infos and all(is_local_model(i) for i in infos):
        return
    if llm_mode(settings, cfg.llm) != "replay":
        require_credentials(cfg.llm.backend, settings)


def _within_fixtures(
    cfg: SentinelConfig, services: list[str] | None, when: datetime | None
) -> datetime:
    """The check time, defaulted to the latest time every selected fixture covers; a time
    outside them is an error that prints the command that works."""
    from sentinel.fixtures.files import manifest_path, read_manifest

    manifests: dict[str, FixtureManifest] = {}
    for svc in (cfg.service(n) for n in services or [s.name for s in cfg.services]):
        path = manifest_path(svc.fixture or svc.name, FIXTURES_DIR)
        if path.exists():  # a missing fixture is reported by the source, with the known ones
            manifests[str(path)] = read_manifest(path)
    if not manifests:
        return when or parse_check_time("now")
    start = max(m.start for m in manifests.values())
    end = min(m.end for m in manifests.values())
    if when is None:
        typer.echo(f"at: {end:%Y-%m-%dT%H:%M:%SZ} (the latest time the fixtures cover)", err=True)
        return end
    if not start < when <= end:
        ranges = "; ".join(
            f"{Path(p).name} {m.start:%Y-%m-%dT%H:%MZ}..{m.end:%Y-%m-%dT%H:%MZ}"
            for p, m in manifests.items()
        )
        raise SentinelError(
            f"--at {when:%Y-%m-%dT%H:%M:%SZ} is outside the fixtures ({ranges}). "
            f"This works: {command_with_at(sys.argv[1:], end)}"
        )
    return when


def command_with_at(args: list[str], at: datetime) -> str:
    """The user's command line with its --at replaced by `at` (other options kept as given)."""
    kept: list[str] = []
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg == "--at":
            skip = True
        elif not arg.startswith("--at="):
            kept.append(arg)
    return shlex.join(["sentinel", *kept, "--at", f"{at:%Y-%m-%dT%H:%M:%SZ}"])
