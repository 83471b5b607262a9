"""Put finished eval runs side by side in one run, so one report compares their strategies.

References (zscore, isolation_forest) are run once; candidates many times. `combine_runs`
makes a new run folder whose streams are copies of the sources' and whose options are theirs
with the strategies joined; `sentinel eval combine` then rescores it like `--resume` (nothing
is replayed when the sources were complete). Runs combine only when everything that decides a
check's inputs and its scoring is the same: suite, services, cases, cadence, grace, config,
fixtures and context (and repeats, when a model strategy is among them). Only finished runs
combine, and two may not share a strategy name (whose verdicts would win?).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from sentinel.errors import ConfigError
from sentinel.evaluation.runner import (
    RunOptions,
    prepare_run_dir,
    resolve_strategies,
    saved_options,
)

MUST_MATCH = ("suite", "services", "cases", "cadence", "grace", "config", "fixtures_dir", "context")


def _saved(out: Path, run_id: str) -> RunOptions:
    """A finished run's options (its report written: every check was replayed and scored)."""
    path = out / run_id / "run.json"
    if not path.is_file():
        raise ConfigError(f"no run {run_id!r}: {path} does not exist (see ls {out})")
    if not (out / run_id / "results.json").is_file():
        raise ConfigError(
            f"run {run_id!r} did not finish: `sentinel eval run --resume {run_id}` first"
        )
    return saved_options(out / run_id)


def combine_runs(out: Path, sources: Sequence[str], run_id: str) -> Path:
    """Write run `run_id` under `out` from `sources`; return its folder."""
    if len(sources) < 2:
        raise ConfigError("combine needs at least two runs")
    saved = [_saved(out, s) for s in sources]
    first = saved[0]
    with_models = any(spec.uses_model for opts in saved for spec in resolve_strategies(opts))
    keys = (*MUST_MATCH, "repeats") if with_models else MUST_MATCH
    for name, opts in zip(sources[1:], saved[1:], strict=True):
        differ = [k for k in keys if getattr(opts, k) != getattr(first, k)]
        if differ:
            detail = ", ".join(
                f"{k}: {getattr(first, k)!r} vs {getattr(opts, k)!r}" for k in differ
            )
            raise ConfigError(
                f"cannot combine {sources[0]!r} and {name!r}: they differ in {detail}; "
                "rerun one with the other's options"
            )
    names: dict[str, str] = {}
    for source, opts in zip(sources, saved, strict=True):
        for spec in resolve_strategies(opts):
            if spec.name in names:
                raise ConfigError(
                    f"strategy {spec.name!r} is in both {names[spec.name]!r} and {source!r}: "
                    "combine runs with different strategies"
                )
            names[spec.name] = source
    models = list(dict.fromkeys(m for opts in saved for m in opts.models))
    combined = RunOptions(**{**asdict(first), "strategies": list(names), "models": models})
    _, directory, _ = prepare_run_dir(out, run_id, None, combined)
    for source in sources:
        for stream in sorted((out / source / "verdicts").glob("*.jsonl")):
            shutil.copy2(stream, directory / "verdicts" / stream.name)
    data = json.loads((directory / "run.json").read_text())
    data["combined_from"] = list(sources)
    (directory / "run.json").write_text(json.dumps(data, indent=1) + "\n")
    return directory


__all__ = ["MUST_MATCH", "combine_runs"]
