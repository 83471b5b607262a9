"""`sentinel record`, `sentinel label ...` and `sentinel fixtures to-openmetrics`: capture live
data as fixtures, label incident windows in them, and export them for a real Prometheus."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from sentinel.cli import ConfigOption, FixturesDirOption, app
from sentinel.cli.fixtures import fixtures_app
from sentinel.config import FIXTURES_DIR, Settings, load_config, parse_duration_seconds
from sentinel.errors import ConfigError, FixtureError
from sentinel.models import LabelledWindow, Status

label_app = typer.Typer(help="Label incident windows and hard negatives in a fixture.")
app.add_typer(label_app, name="label", no_args_is_help=True)


def parse_time(text: str) -> datetime:
    """ISO 8601 (no offset means UTC), `now`, or `now-<duration>` such as `now-7d`."""
    raw = text.strip()
    if raw == "now" or raw.startswith("now-"):
        now = datetime.now(UTC).replace(microsecond=0)
        try:
            return now - timedelta(seconds=parse_duration_seconds(raw[4:])) if raw != "now" else now
        except ValueError as exc:
            raise ConfigError(f"bad time {text!r}: {exc}") from exc
    try:
        t = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ConfigError(
            f"bad time {text!r}: use ISO 8601 (2026-03-01T12:00Z), now or now-7d"
        ) from exc
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


@app.command("record")
def record_command(
    service: Annotated[
        str, typer.Option(metavar="NAME", help="Service name from the services file.")
    ],
    start: Annotated[
        str,
        typer.Option(metavar="TIME", help="First sample: ISO time (UTC if no offset) or now-35d."),
    ],
    end: Annotated[
        str, typer.Option(metavar="TIME", help="Last sample: ISO time (UTC if no offset) or now.")
    ] = "now",
    step: Annotated[int, typer.Option(metavar="SECONDS", min=1, help="Fixture step.")] = 60,
    url: Annotated[
        str | None,
        typer.Option(
            metavar="URL",
            help="Prometheus-compatible base URL [default: PROMETHEUS_URL].",
            show_default=False,
        ),
    ] = None,
    out: Annotated[
        Path,
        typer.Option(
            metavar="DIR", help="Fixtures directory [default: data/fixtures].", show_default=False
        ),
    ] = FIXTURES_DIR,
    name: Annotated[
        str | None,
        typer.Option(
            metavar="NAME", help="Fixture name [default: the service name].", show_default=False
        ),
    ] = None,
    config: ConfigOption = None,
    force: Annotated[bool, typer.Option(help="Overwrite an existing fixture.")] = False,
) -> None:
    """Record a service's configured metrics from Prometheus/Mimir into a fixture (kind: recorded)."""
    from tqdm.auto import tqdm

    from sentinel.fixtures.files import save_fixture
    from sentinel.fixtures.record import plan, record
    from sentinel.sources.prometheus import PrometheusSource

    svc = load_config(config).service(service)
    t0, t1 = parse_time(start), parse_time(end)
    fixture_name = name or service
    target = out / f"{fixture_name}.yaml"
    if target.exists() and not force:
        raise FixtureError(f"{target} exists; choose another --name or pass --force")
    tasks = len(plan(svc, t0, t1, step))
    with (
        PrometheusSource.from_settings(Settings(), url=url) as source,
        tqdm(total=tasks, unit="req", desc=f"record {service}") as bar,
    ):
        manifest, data = record(source, svc, t0, t1, step, fixture_name, bar.update)
    path = save_fixture(manifest, data, out)
    typer.echo(f"wrote {path} ({len(data)} samples, {len(manifest.metrics)} metrics)")


@fixtures_app.command("to-openmetrics")
def to_openmetrics(
    name: Annotated[
        str, typer.Argument(metavar="FIXTURE", help="Fixture name or path to its .yaml.")
    ],
    out: Annotated[Path, typer.Argument(metavar="OUT", help="Output file, e.g. api-service.om.")],
    fixtures_dir: FixturesDirOption = FIXTURES_DIR,
    label: Annotated[
        list[str] | None,
        typer.Option(
            metavar="KEY=VALUE",
            help="Extra label added to every series (repeatable).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Write a fixture's raw series as OpenMetrics text for `promtool tsdb create-blocks-from`."""
    from sentinel.fixtures.files import load_fixture
    from sentinel.fixtures.openmetrics import write_openmetrics

    extra = {}
    for item in label or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ConfigError(f"--label {item!r}: expected key=value")
        extra[key.strip()] = value
    fixture = load_fixture(name, fixtures_dir)
    count = write_openmetrics(fixture, out, extra)
    typer.echo(f"wrote {out} ({count} samples)")
    typer.echo(
        "next: promtool tsdb create-blocks-from openmetrics --max-block-duration=768h "
        f"{out} <prometheus data dir>"
    )


@label_app.command("add")
def label_add(
    fixture: Annotated[
        str, typer.Argument(metavar="FIXTURE", help="Fixture name or path to its .yaml.")
    ],
    start: Annotated[
        str, typer.Option(metavar="TIME", help="Window start, ISO (UTC if no offset).")
    ],
    end: Annotated[str, typer.Option(metavar="TIME", help="Window end, ISO (UTC if no offset).")],
    kind: Annotated[str, typer.Option(metavar="KIND", help="What happened, e.g. latency_spike.")],
    severity: Annotated[
        Status | None,
        typer.Option(
            case_sensitive=False,
            metavar="STATUS",
            help="Incidents: the least severe status a good checker gives "
            f"({', '.join(s.value for s in Status)}) [default: none].",
            show_default=False,
        ),
    ] = None,
    hard_negative: Annotated[
        bool,
        typer.Option("--hard-negative", help="A hard negative: looks odd but must NOT alert."),
    ] = False,
    metrics: Annotated[
        list[str] | None,
        typer.Option(
            metavar="METRIC",
            help="Metrics involved (repeatable or comma-separated) [default: all].",
            show_default=False,
        ),
    ] = None,
    note: Annotated[str, typer.Option(metavar="TEXT", help="Free text.", show_default=False)] = "",
    fixtures_dir: FixturesDirOption = FIXTURES_DIR,
    force: Annotated[bool, typer.Option(help="Allow editing a synthetic fixture.")] = False,
) -> None:
    """Add a labelled window (validated against the fixture before it is written)."""
    from pydantic import ValidationError

    from sentinel.fixtures.files import manifest_path
    from sentinel.fixtures.labels import add_label

    names = [m.strip() for item in metrics or [] for m in item.split(",") if m.strip()]
    try:
        window = LabelledWindow(
            start=parse_time(start),
            end=parse_time(end),
            kind=kind,
            min_severity=severity,
            hard_negative=hard_negative,
            metrics=names,
            note=note,
        )
    except ValidationError as exc:
        raise ConfigError("; ".join(e["msg"] for e in exc.errors())) from exc
    path = manifest_path(fixture, fixtures_dir)
    manifest = add_label(path, window, force=force)
    typer.echo(f"added label #{len(manifest.labels) - 1} to {path}")


@label_app.command("list")
def label_list(
    fixture: Annotated[
        str, typer.Argument(metavar="FIXTURE", help="Fixture name or path to its .yaml.")
    ],
    fixtures_dir: FixturesDirOption = FIXTURES_DIR,
) -> None:
    """List a fixture's labelled windows with the index `label remove` takes."""
    from sentinel.fixtures.files import manifest_path, read_manifest

    path = manifest_path(fixture, fixtures_dir)
    if not path.exists():
        raise FixtureError(f"{path}: no such fixture manifest")
    manifest = read_manifest(path)
    if not manifest.labels:
        typer.echo(f"{path}: no labels")
    for i, w in enumerate(manifest.labels):
        what = "hard-negative" if w.hard_negative else f"{w.min_severity}"
        metrics = ",".join(w.metrics) or "-"
        typer.echo(
            f"{i:>3}  {w.start:%Y-%m-%d %H:%M}  {w.end:%Y-%m-%d %H:%M}  {w.kind:<24} "
            f"{what:<13} {metrics}"
        )


@label_app.command("remove")
def label_remove(
    fixture: Annotated[
        str, typer.Argument(metavar="FIXTURE", help="Fixture name or path to its .yaml.")
    ],
    index: Annotated[
        int, typer.Argument(metavar="INDEX", help="Index shown by `sentinel label list`.")
    ],
    fixtures_dir: FixturesDirOption = FIXTURES_DIR,
    force: Annotated[bool, typer.Option(help="Allow editing a synthetic fixture.")] = False,
) -> None:
    """Remove one labelled window by index."""
    from sentinel.fixtures.files import manifest_path
    from sentinel.fixtures.labels import remove_label

    path = manifest_path(fixture, fixtures_dir)
    removed = remove_label(path, index, force=force)
    typer.echo(
        f"removed label #{index} ({removed.kind} {removed.start:%Y-%m-%d %H:%M}) from {path}"
    )
