"""`sentinel eval nab`: run a detector on Numenta Anomaly Benchmark data (docs/detectors.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from sentinel.cli.eval import eval_app
from sentinel.config import DetectionConfig

DEFAULT_DETECTOR: str = DetectionConfig.model_fields["detector"].default  # the checks' default


@eval_app.command("nab")
def nab(
    data_dir: Annotated[
        Path,
        typer.Option(metavar="DIR", help="NAB layout: DIR/data/<category>/*.csv and DIR/labels/."),
    ],
    out: Annotated[
        Path,
        typer.Option(
            metavar="OUT",
            help="Writes OUT/<name>/<category>/<name>_<file>.csv, <name> the NAB name (no _).",
        ),
    ],
    detector: Annotated[
        str, typer.Option(metavar="DETECTOR", help="Detector name (docs/detectors.md).")
    ] = DEFAULT_DETECTOR,
    categories: Annotated[
        str,
        typer.Option(
            metavar="A,B",
            help="Comma-separated categories to run, e.g. realKnownCause [default: all].",
            show_default=False,
        ),
    ] = "",
    threshold: Annotated[
        float, typer.Option(metavar="SCORE", help="Alarm when anomaly_score >= this.")
    ] = 0.7,
    sweep: Annotated[
        str,
        typer.Option(
            metavar="T1,T2",
            help="Also print the figures at these thresholds (same scores, one line each), "
            "e.g. 0.5,0.6,0.8,0.9: F1 at equal false alarms across detectors.",
            show_default=False,
        ),
    ] = "",
    param: Annotated[
        list[str] | None,
        typer.Option(
            metavar="KEY=VALUE",
            help="A detector parameter (repeatable; VALUE is YAML, as in detection.params), "
            "e.g. --param seasonal_after_days=14 --param 'young={shift: false}'.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Score a detector streaming on NAB-layout data; print event-level P/R/F1 and a NAB score."""
    from sentinel.errors import ConfigError
    from sentinel.evaluation.nab import run_nab
    from sentinel.evaluation.nab_output import nab_name

    cats = [c.strip() for c in categories.split(",") if c.strip()]
    try:
        thresholds = [float(t) for t in sweep.split(",") if t.strip()]
    except ValueError:
        raise ConfigError(f"--sweep takes comma-separated numbers, got {sweep!r}") from None
    params = parse_params(param or [])
    report = run_nab(data_dir, detector, out, cats or None, threshold, params, thresholds)
    typer.echo(report.table())
    name = nab_name(detector)
    typer.echo(f"results: {out / name} (NAB detector name {name!r} for {detector!r})")
    typer.echo(
        f"score with NAB's own scorer: cp -r {out / name} NAB/results/ && cd NAB && "
        f"python run.py -d {name} --optimize --score --normalize --skipConfirmation"
    )


def parse_params(items: list[str]) -> dict[str, Any]:
    """`KEY=VALUE` pairs to detector parameters, each VALUE read as YAML (numbers, booleans,
    lists and mappings as in a services file's `detection.params`)."""
    import yaml

    from sentinel.errors import ConfigError

    params: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--param takes KEY=VALUE, got {item!r}")
        try:
            params[key.strip()] = yaml.safe_load(value)
        except yaml.YAMLError as exc:
            raise ConfigError(f"--param {key.strip()}: not valid YAML: {value!r}") from exc
    return params
