"""`sentinel schedule`: print (or write) recipes that run the check notebook on a schedule."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sentinel.checks.recipes import RECIPES, ScheduleOptions, render, render_all
from sentinel.cli import app
from sentinel.strategy import STRATEGY_HELP

_DEFAULTS = ScheduleOptions()


@app.command()
def schedule(
    target: Annotated[
        str, typer.Argument(metavar="TARGET", help=f"One of: {', '.join(RECIPES)}, or 'all'.")
    ] = "cron",
    every: Annotated[
        str, typer.Option(metavar="EVERY", help="Interval: 5m, 15m, 1h, 6h, 1d.")
    ] = _DEFAULTS.every,
    project_dir: Annotated[
        str,
        typer.Option(
            metavar="DIR", help="Where Sentinel is installed (with `make install`) on the host."
        ),
    ] = _DEFAULTS.project_dir,
    strategy: Annotated[
        str, typer.Option(metavar="STRATEGY", help=f"{STRATEGY_HELP}.")
    ] = _DEFAULTS.strategy,
    cell_timeout: Annotated[
        int, typer.Option(metavar="SECONDS", help="Per-cell notebook timeout.")
    ] = _DEFAULTS.cell_timeout,
    timeout: Annotated[
        int,
        typer.Option(
            metavar="SECONDS", help="Whole-run timeout; the scheduler kills a run past it."
        ),
    ] = _DEFAULTS.timeout,
    keep_days: Annotated[
        int, typer.Option(metavar="DAYS", help="Prune check reports older than this many days.")
    ] = _DEFAULTS.keep_days,
    user: Annotated[
        str, typer.Option(metavar="USER", help="systemd: the user the check runs as.")
    ] = _DEFAULTS.user,
    image: Annotated[
        str, typer.Option(metavar="IMAGE", help="k8s: the container image.")
    ] = _DEFAULTS.image,
    write: Annotated[
        Path | None,
        typer.Option(
            metavar="DIR",
            help="Write the files under this folder (e.g. deploy) [default: print them].",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Recipes for cron, a systemd timer, a Kubernetes CronJob or an Airflow DAG.

    Each runs `sentinel check --notebook --source prometheus --at now` (Airflow: the same notebook
    through PapermillOperator) with the 'sentinel' kernel and timeouts, keeps the executed notebook
    and verdicts.json in reports/checks/YYYY/MM/DD/<run-id>/ and prunes old report folders.
    """
    options = ScheduleOptions(
        every=every,
        project_dir=project_dir,
        strategy=strategy,
        cell_timeout=cell_timeout,
        timeout=timeout,
        keep_days=keep_days,
        user=user,
        image=image,
    )
    rendered = render_all(options) if target == "all" else render(target, options)
    if write is not None:
        for rel, text in rendered.items():
            path = write / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            typer.echo(f"wrote {path}")
        return
    many = len(rendered) > 1
    for rel, text in rendered.items():
        if many:
            typer.echo(f"# ==> deploy/{rel} <==")
        typer.echo(text, nl=many)
