"""`sentinel eval ...`: score detectors and models against labelled incidents."""

from __future__ import annotations

import typer

from sentinel.cli import app

eval_app = typer.Typer(
    help="Score detectors and models against labelled incidents.", no_args_is_help=True
)
app.add_typer(eval_app, name="eval")
