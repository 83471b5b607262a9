"""`sentinel cost`: project the monthly model bill of a config, per strategy and model.

The projection is the eval's (`sentinel.llm.projection.project`): rates measured where an eval
ran (its latest run under reports/eval, or what `--measured` points at), assumed otherwise, and
every figure capped by the config's calls_per_hour and monthly_budget_usd, saying which binds.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import TypeAdapter, ValidationError

from sentinel.cli import EXIT_CODES_HELP, app
from sentinel.config import SentinelConfig, Settings, load_config
from sentinel.errors import ConfigError
from sentinel.models import Verdict

if TYPE_CHECKING:
    from sentinel.llm.projection import Measured


def read_verdicts(path: Path) -> list[Verdict]:
    """Verdicts from a JSON file: a list, or an object with a `verdicts` list (check sidecar)."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: cannot read verdicts JSON: {exc}") from exc
    items = data.get("verdicts") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise ConfigError(
            f"{path}: expected a list of verdicts, an object with 'verdicts' (a check's "
            "verdicts.json), an eval's results.json or run folder, or its verdicts/*.jsonl"
        )
    try:
        return TypeAdapter(list[Verdict]).validate_python(items)
    except ValidationError as exc:
        raise ConfigError(f"{path}: not a list of verdicts: {exc.errors()[0]['msg']}") from exc


def read_eval_streams(paths: list[Path], detector: str) -> tuple[list[Verdict], list[bool]]:
    """Verdicts of every stream, and the gate's decisions from the `detector`'s own replay
    (the escalation rate the eval projects with; other detectors escalate at other rates)."""
    from sentinel.evaluation.walk_forward import read_records

    verdicts: list[Verdict] = []
    flags: list[bool] = []
    for path in paths:
        try:
            records = read_records(path)
        except (ValueError, KeyError, ValidationError) as exc:
            raise ConfigError(f"{path}: not an eval verdict stream (JSON Lines): {exc}") from exc
        verdicts += [r.verdict for r in records]
        if path.name.startswith(f"statistical-{detector}__"):
            flags += [r.escalated for r in records if r.escalated is not None]
    return verdicts, flags


def eval_streams(path: Path) -> list[Path] | None:
    """The verdict streams of an eval run folder or its results.json; None if `path` is not one."""
    run = path.parent if path.name == "results.json" else path
    if run.is_dir() and (run / "verdicts").is_dir():
        return sorted((run / "verdicts").glob("*.jsonl"))
    return None


def latest_eval_run(reports_dir: Path) -> Path | None:
    """The newest eval run folder with results (run ids sort by start time)."""
    runs = sorted(p.parent for p in (reports_dir / "eval").glob("*/results.json"))
    return runs[-1] if runs else None


def read_measured(paths: list[Path], cfg: SentinelConfig) -> Measured:
    """What the given files say about rates and costs: eval run folders, results.json,
    verdicts/*.jsonl streams, check sidecars or JSON lists of verdicts."""
    from sentinel.llm.projection import measure

    verdicts: list[Verdict] = []
    streams: list[Path] = []
    for path in paths:
        if not path.exists():
            raise ConfigError(f"--measured {path}: no such file or folder")
        found = eval_streams(path)
        if found is not None:
            streams += found
        elif path.suffix == ".jsonl":
            streams.append(path)
        else:
            verdicts += read_verdicts(path)
    stream_verdicts, flags = read_eval_streams(streams, cfg.detection.detector)
    label = ", ".join(str(p) for p in paths)
    return measure([*verdicts, *stream_verdicts], flags, source=label)


@app.command(epilog=EXIT_CODES_HELP)
def cost(
    config: Annotated[Path, typer.Option(metavar="FILE", help="Services file.")] = Path(
        "config/services.yaml"
    ),
    model: Annotated[
        list[str] | None,
        typer.Option("--model", "-m", metavar="MODEL", help="Model to price (repeatable)."),
    ] = None,
    tiered: Annotated[
        str, typer.Option(metavar="CHEAP,STRONG", help="Tiered pair.")
    ] = "haiku,sonnet",
    measured: Annotated[
        list[Path] | None,
        typer.Option(
            metavar="PATH",
            help="Measure rates and $/call from an eval run folder (or its results.json or "
            "verdicts/*.jsonl), a check's verdicts.json or a JSON list of verdicts (repeatable). "
            "[default: the latest run under reports/eval, if any]",
            show_default=False,
        ),
    ] = None,
    escalation_rate: Annotated[
        float | None,
        typer.Option(
            metavar="RATE", min=0, max=1, help="Override the share of checks the gate escalates."
        ),
    ] = None,
    strong_rate: Annotated[
        float | None,
        typer.Option(
            metavar="RATE",
            min=0,
            max=1,
            help="Override the share of tiered calls sent to the strong model.",
        ),
    ] = None,
) -> None:
    """Project the monthly model bill per strategy and model, capped by the config's budget.

    Beside it, the seed's always-call design (every check calls the model).
    """
    from sentinel.llm.prices import load_prices
    from sentinel.llm.projection import Measured, project

    cfg = load_config(config)
    prices = load_prices()
    names = model or list(prices.models)
    for name in names:
        prices.model(name)  # unknown models: one line, before any work
    pair = tuple(p.strip() for p in tiered.split(","))
    if len(pair) != 2 or not all(pair):
        raise ConfigError(f"--tiered {tiered!r}: give two models, e.g. haiku,sonnet")
    paths = measured
    if paths is None and escalation_rate is None:
        latest = latest_eval_run(Settings().sentinel_reports_dir)
        paths = [latest] if latest else None
    facts = read_measured(paths, cfg) if paths else Measured(None, None, {}, 0)
    rows, notes = project(cfg, prices, names, pair, facts, escalation_rate, strong_rate)
    for k, v in notes.items():
        typer.echo(f"{k:<13} {v}")
    typer.echo("")
    header = (
        f"{'strategy':<44} {'calls/month':>12} {'$/call':>10} {'$/month':>10} {'capped':>9}  basis"
    )
    typer.echo(header)
    typer.echo("-" * len(header))
    for r in rows:
        cap = f"; capped by {r.capped_by}" if r.capped_by else ""
        typer.echo(
            f"{r.strategy:<44} {r.calls_per_month:>12,.0f} {r.usd_per_call:>10.6f} "
            f"{r.usd_per_month:>10,.2f} {r.capped_usd_per_month:>9,.2f}  {r.basis}{cap}"
        )
    typer.echo(
        "\n'capped' is the bill under llm.calls_per_hour and llm.monthly_budget_usd: past either, "
        "checks continue with statistical verdicts. Estimates are labelled; see docs/llm.md."
    )
