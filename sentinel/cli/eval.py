"""`sentinel eval ...`: score detectors and models against labelled incidents."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated

import typer

from sentinel.cli import ConfigOption, DbOption, FixturesDirOption, app
from sentinel.config import FIXTURES_DIR, REPORTS_DIR

eval_app = typer.Typer(
    help="Score detectors and models against labelled incidents.", no_args_is_help=True
)
app.add_typer(eval_app, name="eval")


def _split(text: str | None) -> list[str]:
    """Strategies are separated by spaces or semicolons (commas belong to tiered:a,b)."""
    return [t for t in re.split(r"[\s;]+", text or "") if t]


@eval_app.command("run")
def run(
    suite: Annotated[
        str,
        typer.Option(
            metavar="SUITE",
            help="synthetic (bundled, evals/cases), smd or nezha (real, once imported), a folder "
            "`sentinel fixtures import` wrote, or a folder of case YAMLs",
        ),
    ] = "synthetic",
    services: Annotated[
        str | None,
        typer.Option(
            metavar="A,B",
            help="comma-separated subset of the suite's services, e.g. machine-1-6,machine-2-1 "
            "[default: all]",
            show_default=False,
        ),
    ] = None,
    cases: Annotated[
        str | None,
        typer.Option(
            metavar="PATTERN",
            help="only cases whose id matches this pattern, e.g. '*-smd-anomaly-*' (the incident "
            "cases, without the background stretches) [default: all]",
            show_default=False,
        ),
    ] = None,
    strategies: Annotated[
        str | None,
        typer.Option(
            metavar='"A B"',
            help="strategies separated by spaces, e.g. 'statistical:zscore llm:haiku "
            "tiered:haiku,sonnet' [default: every detector, each of --models, tiered over the "
            "first two]",
            show_default=False,
        ),
    ] = None,
    models: Annotated[
        str,
        typer.Option(
            metavar="A,B", help="models for the default llm:/tiered: strategies (prices.yaml names)"
        ),
    ] = "haiku,sonnet",
    repeats: Annotated[
        int,
        typer.Option(
            metavar="N",
            min=1,
            help="runs per model strategy (the API has no temperature); spread reported",
        ),
    ] = 1,
    cadence: Annotated[
        str | None,
        typer.Option(
            metavar="DURATION",
            help="check every this long in the replayed periods [default: the suite's: "
            "synthetic 5m, smd 15m, nezha 5m]",
            show_default=False,
        ),
    ] = None,
    grace: Annotated[
        str,
        typer.Option(metavar="DURATION", help="alerts this long after an incident are not false"),
    ] = "30m",
    mode: Annotated[
        str,
        typer.Option(
            metavar="MODE",
            help="models: auto = live+record with credentials, else replay if recorded, else "
            "'not run'; or live | record | replay",
        ),
    ] = "auto",
    batch: Annotated[
        bool,
        typer.Option(
            help="live/record runs send the model calls as Message Batches (50% off, results "
            "within 24 h; Anthropic API only); projections are priced at the batch rate"
        ),
    ] = False,
    context: Annotated[
        bool,
        typer.Option(
            "--context/--no-context",
            help="escalated checks also show the model error-log patterns and slow/failed "
            "traces: the fixtures' context/ files (SYNTHETIC for the bundled ones); fixtures "
            "without one show 'no context'. Changes the prompt, so replays are recorded apart",
        ),
    ] = False,
    batch_poll: Annotated[
        float, typer.Option(metavar="SECONDS", min=0.0, help="seconds between batch status polls")
    ] = 30.0,
    batch_timeout: Annotated[
        str,
        typer.Option(metavar="DURATION", help="stop waiting for a batch after this long (e.g. 2h)"),
    ] = "24h",
    jobs: Annotated[
        int,
        typer.Option(
            metavar="N",
            min=1,
            help="parallel processes: strategies, and each detector's services split over them "
            "[default: CPU count, at most 4]",
            show_default=False,
        ),
    ] = min(4, os.cpu_count() or 1),
    bootstrap: Annotated[
        int, typer.Option(metavar="N", min=0, help="bootstrap resamples for the 95% CIs")
    ] = 1000,
    seed: Annotated[int, typer.Option(metavar="SEED", help="bootstrap seed")] = 0,
    out: Annotated[
        Path,
        typer.Option(
            metavar="DIR", help="reports folder [default: reports/eval]", show_default=False
        ),
    ] = REPORTS_DIR / "eval",
    run_id: Annotated[
        str | None,
        typer.Option(metavar="NAME", help="name of a fresh run [default: UTC timestamp]"),
    ] = None,
    resume: Annotated[
        str | None,
        typer.Option(
            metavar="RUN_ID",
            help="continue an interrupted run (its saved options win; done checks skipped)",
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE", help="services file [default: the suite's, e.g. config/services.yaml]"
        ),
    ] = None,
    fixtures_dir: Annotated[
        Path | None,
        typer.Option(metavar="DIR", help="where the fixtures live [default: the suite's]"),
    ] = None,
    replay_dir: Annotated[
        Path | None,
        typer.Option(metavar="DIR", help="recorded model calls [default: evals/replays]"),
    ] = None,
) -> None:
    """Replay the agent walk-forward over labelled cases and compare strategies on accuracy
    and cost. Offline by default: detectors run, model strategies replay recordings or are
    listed as 'not run' with a projected cost. Writes reports/eval/<run-id>/report.md,
    results.json and PNG plots."""
    from sentinel.evaluation.headline import headline_text, read_results
    from sentinel.evaluation.report import write_report
    from sentinel.evaluation.runner import DEFAULT_REPLAYS, RunOptions, run_eval
    from sentinel.evaluation.suite_table import suite_table
    from sentinel.evaluation.suites import resolve_suite

    if mode not in ("auto", "live", "record", "replay"):
        raise typer.BadParameter("use auto, live, record or replay", param_hint="--mode")
    spec = resolve_suite(suite)
    opts = RunOptions(
        suite=str(spec.cases),
        suite_name=spec.name,
        services=[s.strip() for s in (services or "").split(",") if s.strip()],
        cases=cases or "",
        strategies=_split(strategies),
        models=[m.strip() for m in models.split(",") if m.strip()],
        repeats=repeats,
        cadence=cadence or spec.cadence,
        grace=grace,
        mode=mode,
        batch=batch,
        context=context,
        batch_poll_s=batch_poll,
        batch_timeout=batch_timeout,
        n_boot=bootstrap,
        seed=seed,
        config=str(config or spec.config) if (config or spec.config) else None,
        fixtures_dir=str(fixtures_dir or spec.fixtures_dir),
        replay_dir=str(replay_dir or DEFAULT_REPLAYS),
    )
    typer.echo(
        f"suite {spec.name} ({'REAL data' if spec.real else 'SYNTHETIC fixtures'}): cases "
        f"{spec.cases}, cadence {opts.cadence}"
        + (", model context: logs and traces (--context)" if context else "")
    )
    if resume:
        typer.echo(f"resuming {resume} with its saved options (other options ignored)")
    result = run_eval(opts, out=out, run_id=run_id, resume=resume, jobs=jobs)
    report = write_report(result)
    typer.echo("")
    typer.echo(headline_text(read_results(report.parent)))
    typer.echo(suite_table(result))
    typer.echo(f"report: {report}")


@eval_app.command("combine")
def combine(
    runs: Annotated[
        list[str],
        typer.Argument(
            metavar="RUN_ID", help="two or more finished runs in --out", show_default=False
        ),
    ],
    run_id: Annotated[
        str, typer.Option(metavar="NAME", help="name of the combined run (must be new)")
    ],
    out: Annotated[
        Path,
        typer.Option(
            metavar="DIR", help="reports folder [default: reports/eval]", show_default=False
        ),
    ] = REPORTS_DIR / "eval",
) -> None:
    """Report finished runs side by side: copies their verdict streams into a new run and
    rescores it (nothing is replayed), so one report - headline, F1 at matched false alarms,
    figures - compares candidates run today with references run before. The runs must share
    suite, services, cases, cadence, grace, config and fixtures."""
    from sentinel.evaluation.combine import combine_runs
    from sentinel.evaluation.headline import headline_text, read_results
    from sentinel.evaluation.report import write_report
    from sentinel.evaluation.runner import RunOptions, run_eval

    combine_runs(out, runs, run_id)
    typer.echo(f"combined {', '.join(runs)} into {run_id}; rescoring")
    # resume: the combined run's saved options win over these defaults; nothing is replayed
    result = run_eval(RunOptions(), out=out, resume=run_id, jobs=1)
    report = write_report(result)
    typer.echo(headline_text(read_results(report.parent)))
    typer.echo(f"report: {report}")


@eval_app.command("make-cases")
def make_cases(
    out: Annotated[
        Path | None, typer.Option(metavar="DIR", help="cases folder [default: evals/cases]")
    ] = None,
    last_days: Annotated[
        float, typer.Option(metavar="DAYS", help="take labels from each fixture's last N days")
    ] = 7,
    pad: Annotated[
        str, typer.Option(metavar="DURATION", help="replay this long either side of each window")
    ] = "6h",
    config: ConfigOption = None,
    fixtures_dir: FixturesDirOption = FIXTURES_DIR,
) -> None:
    """(Re)write one case YAML per labelled window of each configured service's fixture, plus
    a background case per service covering the whole span."""
    from datetime import timedelta

    from sentinel.config import load_config, parse_duration_seconds
    from sentinel.evaluation.cases import (
        DEFAULT_SUITE,
        cases_from_fixture,
        remove_generated,
        write_cases,
    )
    from sentinel.fixtures.files import manifest_path, read_manifest

    cfg = load_config(config)
    target = out or DEFAULT_SUITE
    padding = timedelta(seconds=parse_duration_seconds(pad))
    removed = remove_generated(target)
    written = []
    for svc in cfg.services:
        manifest = read_manifest(manifest_path(svc.fixture or svc.name, fixtures_dir))
        written += write_cases(cases_from_fixture(manifest, svc.name, last_days, padding), target)
    typer.echo(f"wrote {len(written)} cases to {target} (replaced {removed} generated ones)")


@eval_app.command("add-case")
def add_case(
    from_ticket: Annotated[
        int,
        typer.Option(
            "--from-ticket",
            metavar="TICKET_ID",
            help="a ticket judged with `sentinel tickets confirm|reject`",
        ),
    ],
    out: Annotated[
        Path | None, typer.Option(metavar="DIR", help="cases folder [default: evals/cases]")
    ] = None,
    db: DbOption = None,
    fixture: Annotated[
        str | None,
        typer.Option(
            metavar="NAME",
            help="fixture holding the ticket's data [default: the service's fixture]",
        ),
    ] = None,
    pad: Annotated[
        str, typer.Option(metavar="DURATION", help="replay this long either side of the window")
    ] = "6h",
    kind: Annotated[
        str | None,
        typer.Option(
            metavar="KIND", help="label kind [default: confirmed_incident | false_positive]"
        ),
    ] = None,
    config: ConfigOption = None,
    fixtures_dir: FixturesDirOption = FIXTURES_DIR,
) -> None:
    """Write a judged ticket as a labelled case (confirmed: an incident; rejected: a hard
    negative) so the next `sentinel eval run --suite <folder>` scores it."""
    from datetime import timedelta

    from sentinel import feedback
    from sentinel.config import parse_duration_seconds

    path = feedback.add_case(
        from_ticket,
        out=out,
        db=db,
        config=config,
        fixtures_dir=fixtures_dir,
        fixture=fixture,
        pad=timedelta(seconds=parse_duration_seconds(pad)),
        kind=kind,
    )
    typer.echo(f"wrote {path}")
