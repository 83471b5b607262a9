"""`sentinel fixtures ...`: make, inspect and export metric fixtures."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal

import typer

from sentinel.cli import app
from sentinel.config import DEFAULT_CONFIG, FIXTURES_DIR, load_config
from sentinel.fixtures.bundled import DEFAULT_DAYS, DEFAULT_SEED, MIN_DAYS, SERVICES

fixtures_app = typer.Typer(help="Make, inspect and export metric fixtures.", no_args_is_help=True)
app.add_typer(fixtures_app, name="fixtures")


@fixtures_app.command("generate")
def generate_cmd(
    seed: Annotated[
        int,
        typer.Option(
            metavar="SEED", help="Random seed. The same seed always gives the same bytes."
        ),
    ] = DEFAULT_SEED,
    out: Annotated[
        Path,
        typer.Option(
            metavar="DIR",
            help="Directory for the manifests (.yaml) and data (.parquet). "
            "[default: data/fixtures]",
            show_default=False,
        ),
    ] = FIXTURES_DIR,
    days: Annotated[
        int,
        typer.Option(
            min=MIN_DAYS,
            metavar="DAYS",
            help="Days of 1-minute data from 2026-10-01T00:00Z; incidents sit in the last 7.",
        ),
    ] = DEFAULT_DAYS,
    config: Annotated[
        Path,
        typer.Option(
            metavar="FILE",
            help="Services file naming the metrics and their PromQL. "
            "[default: config/services.yaml]",
            show_default=False,
        ),
    ] = DEFAULT_CONFIG,
) -> None:
    """Write the SYNTHETIC fixtures for api-service and database (labelled incidents included).

    Overwrites same-named fixtures in --out. data/fixtures/ holds seed 42, 35 days.
    """
    from tqdm import tqdm

    from sentinel.fixtures.files import load_fixture
    from sentinel.fixtures.generate import generate

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
    fixtures_dir: Annotated[
        Path,
        typer.Option(
            "--dir",
            metavar="DIR",
            help="Fixtures directory. [default: data/fixtures]",
            show_default=False,
        ),
    ] = FIXTURES_DIR,
) -> None:
    """List fixtures: name, kind, time range, step, metrics, labelled incidents and negatives."""
    from sentinel.fixtures.files import list_fixtures, manifest_path, read_manifest

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
    name: Annotated[
        str, typer.Argument(metavar="NAME", help="Fixture name (api-service) or manifest path.")
    ],
    fixtures_dir: Annotated[
        Path,
        typer.Option(
            "--dir",
            metavar="DIR",
            help="Fixtures directory. [default: data/fixtures]",
            show_default=False,
        ),
    ] = FIXTURES_DIR,
) -> None:
    """Show one fixture: where it came from, its metrics and its labelled windows."""
    from sentinel.fixtures.files import load_fixture

    fixture = load_fixture(name, fixtures_dir)
    m = fixture.manifest
    origin = (
        f"SYNTHETIC, made by {m.generator.name} {m.generator.version} seed {m.generator.seed}"
        if m.generator
        else f"REAL data imported ({m.imported.format}) from {m.imported.source}, "
        f"licence {m.imported.licence}"
        if m.imported
        else f"recorded from {m.source_url or 'an unnamed source'}"
    )
    typer.echo(f"{m.name}  (service {m.service})  {origin}")
    if m.description:
        typer.echo(f"  {m.description}")
    for key, choice in (m.imported.choices if m.imported else {}).items():
        typer.echo(f"  choice {key}: {choice}")
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


@fixtures_app.command("import")
def import_cmd(
    fmt: Annotated[
        Literal["smd", "nezha", "nab", "csv"],
        typer.Argument(metavar="FORMAT", help="What the data set is."),
    ],
    path: Annotated[
        Path,
        typer.Argument(
            metavar="PATH",
            help="smd: folder of machine-*_{train,test}.csv.gz; nezha: folder of <date>/; nab: "
            "the NAB root (data/, labels/); csv: one CSV file",
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            metavar="DIR",
            help="Output folder [default: data/imported/<FORMAT> (gitignored: real data is not "
            "committed)]",
            show_default=False,
        ),
    ] = None,
    only: Annotated[
        str | None,
        typer.Option(
            metavar="A,B",
            help="Comma-separated subset: smd machines (machine-1-6), nezha services (frontend), "
            "nab files (realKnownCause/ec2_request_latency_system_failure.csv) [default: all].",
            show_default=False,
        ),
    ] = None,
    dates: Annotated[
        str | None,
        typer.Option(
            metavar="A,B",
            help="nezha: comma-separated date folders [default: all].",
            show_default=False,
        ),
    ] = None,
    start: Annotated[
        str,
        typer.Option(
            metavar="TIME", help="smd: time of train row 0 (the source has row numbers only)."
        ),
    ] = "2024-01-01T00:00:00Z",
    window: Annotated[
        int,
        typer.Option(
            metavar="MINUTES", min=1, help="nezha: detection window after each injection."
        ),
    ] = 10,
    windows: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="csv: windows file (CSV with start,end[,kind,metrics,note]) [default: none].",
            show_default=False,
        ),
    ] = None,
    timestamp_column: Annotated[
        str, typer.Option(metavar="COLUMN", help="csv: name of the timestamp column.")
    ] = "timestamp",
    service: Annotated[
        str | None,
        typer.Option(
            metavar="NAME", help="csv: service name [default: the file's stem].", show_default=False
        ),
    ] = None,
    source: Annotated[
        str | None,
        typer.Option(
            metavar="TEXT",
            help="nab/csv: where the data came from (recorded in the manifest) [default: none].",
            show_default=False,
        ),
    ] = None,
    licence: Annotated[
        str | None,
        typer.Option(
            metavar="TEXT",
            help="nab/csv: the data's licence (recorded in the manifest) [default: none].",
            show_default=False,
        ),
    ] = None,
    progress: Annotated[bool, typer.Option(help="Show progress bars.")] = True,
) -> None:
    """Import a labelled data set into --out: fixtures/, services.yaml and eval cases/.

    Then run `sentinel eval run --suite OUT`, or open a fixture in notebook 01. Same input, same
    bytes. Bad input (missing columns, unsorted or duplicate timestamps, windows outside the
    data) stops the import with the file and row, before anything is written.
    """
    from datetime import datetime

    from sentinel import importers
    from sentinel.importers.write import write_import

    subset = [s.strip() for s in (only or "").split(",") if s.strip()] or None
    options: dict[str, object] = {}
    if fmt == "smd":
        options = {"machines": subset, "start": datetime.fromisoformat(start)}
    elif fmt == "nezha":
        day_list = [d.strip() for d in (dates or "").split(",") if d.strip()] or None
        options = {"services": subset, "dates": day_list, "window_minutes": window}
    elif fmt == "nab":
        options = {"files": subset, "source": source, "licence": licence}
    elif fmt == "csv":
        options = {
            "windows": windows,
            "timestamp_column": timestamp_column,
            "service": service,
            "source": source,
            "licence": licence,
        }
    data = importers.read(fmt, path, progress=progress, **options)
    target = out or importers.IMPORTED_DIR / fmt
    paths = write_import(data, target, progress=progress)
    incidents = sum(len(s.labels) for s in data.services)
    typer.echo(
        f"imported {len(paths)} fixture(s), {incidents} labelled incident(s) from {path} "
        f"into {target}"
    )
    typer.echo(f"  eval:  sentinel eval run --suite {target}")
    typer.echo(f"  look:  sentinel fixtures show {data.services[0].name} --dir {target}/fixtures")
