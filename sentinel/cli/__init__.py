"""The `sentinel` command line. Each command group lives in its own module here."""

from __future__ import annotations

import sys
import traceback
from pathlib import Path
from typing import Annotated

import typer

from sentinel.errors import SentinelError

EXIT_OK, EXIT_FAIL_ON, EXIT_USAGE, EXIT_CRASH = 0, 1, 2, 3
EXIT_CODES_HELP = (
    "Exit codes: 0 done (and no service at --fail-on or worse); 1 a service is at --fail-on or "
    "worse; 2 usage, config or data-source error (the message says what to do); 3 Sentinel "
    "crashed (a bug: the traceback is printed)."
)
# Option help shared by several commands (one wording, one stated default)
DB_HELP = (
    "Ticket store: SQLite path or SQLAlchemy URL [default: DATABASE_URL, else var/sentinel.db]."
)
CONFIG_HELP = "Services file [default: SENTINEL_CONFIG, else config/services.yaml]."
DbOption = Annotated[str | None, typer.Option(metavar="DB", help=DB_HELP, show_default=False)]
ConfigOption = Annotated[
    Path | None, typer.Option("--config", metavar="FILE", help=CONFIG_HELP, show_default=False)
]
FixturesDirOption = Annotated[
    Path,
    typer.Option(
        "--fixtures-dir",
        metavar="DIR",
        help="Where the fixtures live [default: data/fixtures].",
        show_default=False,
    ),
]

app = typer.Typer(
    name="sentinel",
    help="LLM-assisted anomaly detection for Prometheus/Mimir, Loki and Tempo.",
    epilog=EXIT_CODES_HELP,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    # click's plain help: `--at TIME`, `--notebook / --no-notebook` (typer's rich panels label
    # every flag and string `<bool>`/`<str>` whatever the metavar says)
    rich_markup_mode=None,
    context_settings={"max_content_width": 100},
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


def main(argv: list[str] | None = None) -> None:
    """Console entry point. Usage errors exit 2 (click), so do SentinelErrors (one clear line on
    stderr); anything else is a crash: traceback and exit 3, never 1, which means "alerting".
    Both with credentials blanked."""
    from sentinel.redact import redact

    _register()
    try:
        app(args=argv)
    except SentinelError as exc:
        typer.secho(f"error: {redact(str(exc))}", err=True, fg=typer.colors.RED)
        sys.exit(EXIT_USAGE)
    except Exception:  # the last resort that keeps a crash apart from exit 1
        sys.stderr.write(redact(traceback.format_exc()))
        typer.secho(
            "sentinel crashed: this is a bug, please report it with the traceback above",
            err=True,
            fg=typer.colors.RED,
        )
        sys.exit(EXIT_CRASH)
