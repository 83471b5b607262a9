"""`sentinel check`: run one check of every configured service and print the verdicts."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated

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
from sentinel.cli import app
from sentinel.config import Settings, load_config
from sentinel.models import Status


@app.command()
def check(
    at: Annotated[
        str, typer.Option(help="Check time: ISO-8601 with zone (2026-11-02T14:30:00Z) or 'now'.")
    ] = "now",
    config: Annotated[Path, typer.Option(help="Services file.")] = Path("config/services.yaml"),
    source: Annotated[
        str,
        typer.Option(help="'fixtures' (bundled data, offline) or 'prometheus' (PROMETHEUS_URL)."),
    ] = "fixtures",
    strategy: Annotated[
        str, typer.Option(help="'statistical', 'llm:<model>' or 'tiered:<cheap>,<strong>'.")
    ] = "statistical",
    service: Annotated[
        list[str] | None, typer.Option("--service", "-s", help="Only this service (repeatable).")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            help="Write verdicts.json here (default: reports/checks/YYYY/MM/DD/<run-id>)."
        ),
    ] = None,
    notebook: Annotated[
        bool,
        typer.Option(
            help="Run notebooks/check.ipynb under papermill and keep the executed notebook too."
        ),
    ] = False,
    cell_timeout: Annotated[int, typer.Option(help="Per-cell timeout (s) with --notebook.")] = 600,
    fail_on: Annotated[
        str | None,
        typer.Option(help="Exit 1 if any verdict is at least this status (e.g. WARNING)."),
    ] = None,
    fail_on_unknown: Annotated[
        bool,
        typer.Option(
            help="With --fail-on, an UNKNOWN service (no data: source down, query failing) "
            "fails too, so cron sees an outage."
        ),
    ] = True,
) -> None:
    """Check every configured service once and print one line per service.

    Without arguments it checks the bundled fixtures at the current time, which lies outside them:
    pass --at inside the fixture range (see `sentinel fixtures list`).
    """
    cfg = load_config(config)  # fail fast on a bad config, before any work
    when = parse_check_time(at)
    run_id = new_run_id(when)
    settings = Settings()
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
    if fail_on:
        threshold = Status(fail_on.upper())
        unknown = [v.service for v in verdicts if v.status == Status.UNKNOWN]
        if fail_on_unknown and unknown:
            typer.echo(
                f"failing: {len(unknown)} service(s) UNKNOWN (not judged): {', '.join(unknown)}; "
                "pass --no-fail-on-unknown to allow",
                err=True,
            )
            raise typer.Exit(1)
        if any(v.status >= threshold for v in verdicts):
            raise typer.Exit(1)
