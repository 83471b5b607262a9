"""The `sentinel` command line. Each command group lives in its own module here."""

from __future__ import annotations

import sys

import typer

from sentinel.errors import SentinelError

app = typer.Typer(
    name="sentinel",
    help="LLM-assisted anomaly detection for Prometheus/Mimir, Loki and Tempo.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _register() -> None:
    # One import per command module; each module defines its commands on `app` or a sub-app.
    # Keep one module per line so concurrent additions merge cleanly.
    import sentinel.cli.check
    import sentinel.cli.cost
    import sentinel.cli.eval
    import sentinel.cli.fixtures
    import sentinel.cli.nab
    import sentinel.cli.record
    import sentinel.cli.reports
    import sentinel.cli.run
    import sentinel.cli.schedule
    import sentinel.cli.tickets  # noqa: F401


def main() -> None:
    """Console entry point: SentinelErrors become one clear line on stderr and exit code 2."""
    _register()
    try:
        app()
    except SentinelError as exc:
        typer.secho(f"error: {exc}", err=True, fg=typer.colors.RED)
        sys.exit(2)
