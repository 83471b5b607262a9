"""`sentinel fixtures ...`: make, inspect and export metric fixtures."""

from __future__ import annotations

import typer

from sentinel.cli import app

fixtures_app = typer.Typer(help="Make, inspect and export metric fixtures.", no_args_is_help=True)
app.add_typer(fixtures_app, name="fixtures")
