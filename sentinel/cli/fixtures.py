"""`sentinel fixtures ...`: make, inspect and export metric fixtures."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from sentinel.cli import app
from sentinel.config import DEFAULT_CONFIG, FIXTURES_DIR, load_config
from sentinel.fixtures.bundled import DEFAULT_DAYS, DEFAULT_SEED, MIN_DAYS, SERVICES

fixtures_app = typer.Typer(help="Make, inspect and export metric fixtures.", no_args_is_help=True)
app.add_typer(fixtures_app, name="fixtures")


@fixtures_app.command("generate")
def generate_cmd(
    seed: Annotated[
        int, typer.Option(help="Random seed. The same seed always gives the same bytes.")
    ] = DEFAULT_SEED,
    out: Annotated[
        Path, typer.Option(help="Directory for the manifests (.yaml) and data (.parquet).")
    ] = FIXTURES_DIR,
    days: Annotated[
        int,
        typer.Option(
            min=MIN_DAYS,
            help="Days of 1-minute data from 2026-10-01T00:00Z; incidents sit in the last 7.",
        ),
    ] = DEFAULT_DAYS,
    config: Annotated[
        Path, typer.Option(help="Services file naming the metrics and their PromQL.")
    ] = DEFAULT_CONFIG,
) -> None:
    """Write the SYNTHETIC fixtures for api-service and database (labelled incidents included).

    Overwrites same-named fixtures in --out. data/fixtures/ holds seed 42, 35 days.
    """
    from tqdm import tqdm

    from sentinel.fixtures.generate import generate
    from sentinel.fixtures.store import load_fixture

    cfg = load_config(config)
    names = [s.name for s in cfg.services if s.name in SERVICES]
    with tqdm(total=len(names), desc="generating", unit="fixture", delay=0.5, leave=False) as bar:
        paths = generate(out, cfg, seed=seed, days=days, progress=lambda _: bar.update())
    for path in paths:
        fixture = load_fixture(path)
        size = (path.parent / fixture.manifest.data_file).stat().st_size
        typer.echo(f"wrote {path} (+ {fixture.manifest.data_file}, {size / 1e6:.2f} MB)")


@fixtures_app.command("list")
def list_cmd(
    fixtures_dir: Annotated[Path, typer.Option("--dir", help="Fixtures directory.")] = FIXTURES_DIR,
) -> None:
    """List fixtures: name, kind, time range, step, metrics, labelled incidents and negatives."""
    from sentinel.fixtures.store import list_fixtures, manifest_path, read_manifest

    names = list_fixtures(fixtures_dir)
    if not names:
        typer.echo(f"no fixtures in {fixtures_dir} (make some: sentinel fixtures generate)")
        return
    typer.echo(
        f"{'name':<14} {'kind':<10} {'range (UTC)':<35} {'step':>5} {'inc':>4} {'neg':>4}  metrics"
    )
    for name in names:
        m = read_manifest(manifest_path(name, fixtures_dir))
        typer.echo(
            f"{m.name:<14} {m.kind.upper() if m.kind == 'synthetic' else m.kind:<10} "
            f"{_range(m.start, m.end):<35} {m.step_seconds:>4}s "
            f"{len(m.incidents):>4} {len(m.hard_negatives):>4}  "
            + ", ".join(x.name for x in m.metrics)
        )


@fixtures_app.command("show")
def show_cmd(
    name: Annotated[str, typer.Argument(help="Fixture name (api-service) or manifest path.")],
    fixtures_dir: Annotated[Path, typer.Option("--dir", help="Fixtures directory.")] = FIXTURES_DIR,
) -> None:
    """Show one fixture: where it came from, its metrics and its labelled windows."""
    from sentinel.fixtures.store import load_fixture

    fixture = load_fixture(name, fixtures_dir)
    m = fixture.manifest
    origin = (
        f"SYNTHETIC, made by {m.generator.name} {m.generator.version} seed {m.generator.seed}"
        if m.generator
        else f"recorded from {m.source_url or 'an unnamed source'}"
    )
    typer.echo(f"{m.name}  (service {m.service})  {origin}")
    if m.description:
        typer.echo(f"  {m.description}")
    size = (fixture.path.parent / m.data_file).stat().st_size
    typer.echo(
        f"  range {_range(m.start, m.end)}, step {m.step_seconds}s, "
        f"{len(fixture.data)} samples in {m.data_file} ({size / 1e6:.2f} MB)"
    )
    typer.echo("  metrics:")
    for metric in m.metrics:
        typer.echo(f"    {metric.name:<16} {metric.type:<8} {metric.unit:<12} {metric.series}")
    typer.echo(f"  labels ({len(m.incidents)} incidents, {len(m.hard_negatives)} hard negatives):")
    typer.echo(f"    {'start (UTC)':<17} {'end':<17} {'kind':<25} {'expect':<9} metrics")
    for w in sorted(m.labels, key=lambda w: w.start):
        expect = "no alert" if w.hard_negative else f">={w.min_severity.value}"  # type: ignore[union-attr]
        typer.echo(
            f"    {w.start:%Y-%m-%d %H:%M} {w.end:%Y-%m-%d %H:%M} {w.kind:<25} {expect:<9} "
            + ", ".join(w.metrics)
        )


def _range(start: datetime, end: datetime) -> str:
    days = (end - start).total_seconds() / 86400
    return f"{start:%Y-%m-%d %H:%M}..{end:%Y-%m-%d %H:%M} ({days:g} d)"
