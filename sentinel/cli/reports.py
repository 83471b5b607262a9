"""`sentinel reports ...`: look after the check reports (executed notebooks + verdicts.json)."""

from __future__ import annotations

from typing import Annotated

import typer

from sentinel.checks.reports import checks_root, parse_age, prune_reports
from sentinel.cli import app
from sentinel.config import Settings
from sentinel.errors import ConfigError

reports_app = typer.Typer(help="Look after check reports.", no_args_is_help=True)
app.add_typer(reports_app, name="reports")


@reports_app.command("prune")
def prune(
    older_than: Annotated[
        str | None,
        typer.Option(
            metavar="AGE",
            help="Age such as 30d or 12h [default: SENTINEL_KEEP_REPORTS_DAYS days].",
            show_default=False,
        ),
    ] = None,
    dry_run: Annotated[bool, typer.Option(help="List what would go; delete nothing.")] = False,
) -> None:
    """Delete check report folders (reports/checks/YYYY/MM/DD/<run-id>) older than an age."""
    settings = Settings()
    if older_than is None:
        if settings.sentinel_keep_reports_days is None:
            raise ConfigError("give --older-than (e.g. 30d) or set SENTINEL_KEEP_REPORTS_DAYS")
        older_than = f"{settings.sentinel_keep_reports_days}d"
    root = checks_root(settings.sentinel_reports_dir)
    gone = prune_reports(root, parse_age(older_than), dry_run=dry_run)
    verb = "would delete" if dry_run else "deleted"
    for path in gone:
        typer.echo(f"{verb} {path}")
    typer.echo(f"{verb} {len(gone)} report folder(s) older than {older_than} under {root}")
