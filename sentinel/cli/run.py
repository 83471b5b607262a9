"""`sentinel run`: the production loop (scheduler + ticket store + Alertmanager + /metrics)."""

from __future__ import annotations

import signal
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from sentinel.cli import ConfigOption, DbOption, app
from sentinel.config import SentinelConfig, Settings, load_config
from sentinel.errors import ConfigError
from sentinel.strategy import STRATEGY_HELP

if TYPE_CHECKING:  # imported where used, so `sentinel --help` stays fast
    from sentinel.scheduler import CheckFn
    from sentinel.sources.base import MetricSource
    from sentinel.telemetry import Telemetry


def build_check(
    config: SentinelConfig, source: MetricSource, strategy: str, telemetry: Telemetry | None = None
) -> CheckFn:
    """The loop's pipeline for a strategy: `sentinel.checks.build_agent` (the config's detector,
    plus gate and model judge for `llm:`/`tiered:` strategies) wrapped for the scheduler; the
    budget's soft alert and model failures go to `telemetry`."""
    from sentinel.checks import build_agent
    from sentinel.llm.budget import guards_of
    from sentinel.model_pool import guard_model_calls
    from sentinel.scheduler import check_with

    agent = build_agent(config, source, strategy=strategy)
    if telemetry is not None:
        for guard in guards_of(agent.judge):
            guard.on_soft_alert = telemetry.budget_soft_alert
    # model calls on their own pool with a deadline and a breaker: a hung model starves no one
    guard_model_calls(agent, config.llm, telemetry.model_failure if telemetry else None)
    return check_with(agent)


def default_fixture_start(config: SentinelConfig, fixtures_dir: Path | None) -> datetime:
    """The earliest time every service's fixture has `history_days` of history before it."""
    from sentinel.config import FIXTURES_DIR
    from sentinel.fixtures.files import manifest_path, read_manifest

    starts = []
    for svc in config.services:
        m = read_manifest(manifest_path(svc.fixture or svc.name, fixtures_dir or FIXTURES_DIR))
        starts.append(m.start + timedelta(days=config.history_days))
    return max(starts)


@app.command()
def run(
    config_path: ConfigOption = None,
    source: Annotated[
        Literal["fixtures", "prometheus"],
        typer.Option(
            help="Bundled fixtures (simulated clock) or a live Prometheus (PROMETHEUS_URL)."
        ),
    ] = "fixtures",
    fixtures_dir: Annotated[
        Path | None,
        typer.Option(
            metavar="DIR",
            help="Fixtures directory [default: data/fixtures].",
            show_default=False,
        ),
    ] = None,
    fixture_start: Annotated[
        str | None,
        typer.Option(
            metavar="TIME",
            help="Fixtures: simulated start time, e.g. 2026-11-03T00:00Z "
            "[default: where the fixtures' data lets every service be checked].",
            show_default=False,
        ),
    ] = None,
    speed: Annotated[
        float, typer.Option(metavar="FACTOR", help="Fixtures: simulated seconds per real second.")
    ] = 1.0,
    strategy: Annotated[
        str, typer.Option(metavar="STRATEGY", help=f"{STRATEGY_HELP}.")
    ] = "statistical",
    once: Annotated[bool, typer.Option(help="Check every service once, then exit.")] = False,
    duration: Annotated[
        float | None,
        typer.Option(
            metavar="SECONDS",
            help="Stop after this long [default: until SIGTERM/SIGINT].",
            show_default=False,
        ),
    ] = None,
    metrics_port: Annotated[
        int | None,
        typer.Option(
            metavar="PORT",
            help="Serve Prometheus /metrics on this port [default: not served].",
            show_default=False,
        ),
    ] = None,
    metrics_addr: Annotated[
        str, typer.Option(metavar="ADDR", help="Address /metrics listens on.")
    ] = "127.0.0.1",
    db: DbOption = None,
    alertmanager_url: Annotated[
        str | None,
        typer.Option(
            metavar="URL",
            help="Alertmanager base URL [default: ALERTMANAGER_URL, else no alerts sent].",
            show_default=False,
        ),
    ] = None,
    workers: Annotated[int, typer.Option(metavar="N", min=1, help="Concurrent checks.")] = 4,
    jitter: Annotated[
        float,
        typer.Option(
            metavar="FRACTION", help="Spread of start offsets, as a fraction of interval."
        ),
    ] = 0.1,
    grace: Annotated[
        float, typer.Option(metavar="SECONDS", help="Time in-flight checks get on shutdown.")
    ] = 10.0,
    log_format: Annotated[
        Literal["json", "console"], typer.Option(help="Log lines as JSON or for a console.")
    ] = "json",
    log_level: Annotated[
        str, typer.Option(metavar="LEVEL", help="DEBUG, INFO, WARNING or ERROR.")
    ] = "INFO",
) -> None:
    """Check every service at its own interval until SIGTERM/SIGINT (SIGHUP reloads the config)."""
    import structlog

    from sentinel.checks import build_source, parse_check_time
    from sentinel.notify import AlertBuilder, Notifier
    from sentinel.scheduler import Scheduler, SimulatedClock, WallClock
    from sentinel.store import Store
    from sentinel.telemetry import Telemetry, configure_logging

    configure_logging(log_level, json=log_format == "json")
    log = structlog.get_logger("sentinel.run")
    settings = Settings()
    path = config_path or settings.sentinel_config
    config = load_config(path)
    metric_source = build_source(source, settings, fixtures_dir)
    if source == "fixtures":
        start = (
            parse_check_time(fixture_start, what="--fixture-start")
            if fixture_start
            else default_fixture_start(config, fixtures_dir)
        )
        clock = SimulatedClock(start, speed)
    elif fixture_start is not None:
        raise ConfigError("--fixture-start only applies to --source fixtures")
    else:
        clock = WallClock()
    telemetry = Telemetry()
    check = build_check(config, metric_source, strategy, telemetry)
    builder = AlertBuilder(settings.sentinel_external_url, settings.sentinel_report_url)
    store = Store.open(db, alert_builder=builder, on_retry=telemetry.error)
    am_url = alertmanager_url or settings.alertmanager_url
    notifier = Notifier(store, am_url, builder, telemetry) if am_url else None
    telemetry.open_tickets.set_function(lambda: len(store.tickets(state="open")))
    server = telemetry.serve(metrics_port, metrics_addr) if metrics_port else None

    def reload() -> tuple[SentinelConfig, CheckFn]:
        new = load_config(path)
        return new, build_check(new, metric_source, strategy, telemetry)

    scheduler = Scheduler(
        config,
        check,
        clock=clock,
        store=store,
        notifier=notifier,
        telemetry=telemetry,
        workers=workers,
        jitter=jitter,
        grace_s=grace,
        reload=reload,
    )
    signal.signal(signal.SIGTERM, lambda *_: scheduler.stop("SIGTERM"))
    signal.signal(signal.SIGINT, lambda *_: scheduler.stop("SIGINT"))
    signal.signal(signal.SIGHUP, lambda *_: scheduler.request_reload())
    log.info(
        "run_configured",
        config=str(path),
        source=metric_source.description,
        strategy=strategy,
        store=store.url.split("://")[0],
        alertmanager=am_url,
        metrics_port=metrics_port,
    )
    try:
        scheduler.run(once=once, duration_s=duration)
    finally:
        if server is not None:
            server.shutdown()
        store.close()
