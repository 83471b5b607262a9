"""Read an eval run's results.json into tables for notebooks/03-eval-report.

The eval writes reports/eval/<run-id>/{results.json, report.md, *.png, timelines/<case>.png};
this module only reads them (and, when no run exists yet, starts a small offline one through
the eval's own runner), so the notebook shows exactly what `sentinel eval run` measured.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from sentinel.config import REPORTS_DIR
from sentinel.errors import ConfigError
from sentinel.models import Status

EVAL_DIR = REPORTS_DIR / "eval"
SMALL_CASES = (
    "api-service-latency-spike-1029-1405",
    "api-service-traffic-drop-1104-1100",
    "api-service-weekend-dip-1031-0900",
)


def latest_run(root: Path = EVAL_DIR) -> Path | None:
    """The newest run folder under `root` that has a results.json, if any."""
    runs = sorted(p.parent for p in Path(root).glob("*/results.json"))
    return runs[-1] if runs else None


def run_small_eval(
    root: Path = EVAL_DIR,
    case_ids: Sequence[str] = SMALL_CASES,
    strategies: Sequence[str] = ("statistical:ensemble", "statistical:zscore"),
    cadence: str = "15m",
    run_id: str | None = None,
) -> Path:
    """A quick offline eval (a few cases, detectors only) through the real runner and report."""
    from sentinel.evaluation.cases import DEFAULT_SUITE
    from sentinel.evaluation.report import write_report
    from sentinel.evaluation.runner import RunOptions, new_run_id, run_eval

    run_id = run_id or f"{new_run_id()}-small"
    suite = Path(root) / "_suites" / run_id
    suite.mkdir(parents=True, exist_ok=True)
    for case_id in case_ids:
        src = DEFAULT_SUITE / f"{case_id}.yaml"
        if not src.is_file():
            raise ConfigError(f"no eval case {case_id!r} in {DEFAULT_SUITE}")
        shutil.copy(src, suite / src.name)
    opts = RunOptions(suite=str(suite), strategies=list(strategies), cadence=cadence, n_boot=200)
    run = run_eval(opts, out=Path(root), run_id=run_id, jobs=1)
    write_report(run)
    return run.directory


def load_results(run_dir: Path) -> dict[str, Any]:
    path = Path(run_dir) / "results.json"
    if not path.is_file():
        raise ConfigError(f"{path}: no results.json (run `sentinel eval run` first)")
    return json.loads(path.read_text())


def headline(results: dict[str, Any]) -> pd.DataFrame:
    """One row per strategy: where its numbers came from and its mean scores."""
    rows = []
    for s in results["strategies"]:
        m = (s.get("mean") or {}).get("metrics") or {}
        ttd = m.get("ttd_median_s")
        rows.append(
            {
                "strategy": s["name"],
                "numbers from": s["source"],
                "detected": f"{m['detected']:.0f}/{m['incidents']:.0f}" if m else "-",
                "precision": m.get("precision"),
                "recall": m.get("recall"),
                "F1": m.get("f1"),
                "false alarms/day": m.get("false_alarms_per_day"),
                "median time to detect (min)": None if ttd is None else ttd / 60,
                "note": s.get("note", ""),
            }
        )
    return pd.DataFrame(rows).set_index("strategy").round(2)


def case_outcomes(results: dict[str, Any]) -> pd.DataFrame:
    """Cases x strategies: detected (with time to detect) or missed, with the worst status."""
    table: dict[str, dict[str, str]] = {}
    for s in results["strategies"]:
        for case_id, o in (s.get("cases") or {}).items():
            if "detected" in o:
                ttd = o.get("ttd_s")
                mark = f"caught in {ttd / 60:.0f} min" if o["detected"] else "missed"
                cell = f"{mark} (worst {o.get('worst')}, want {o.get('expected')})"
            elif "violated" in o:  # a hard negative: must stay below WARNING
                verdict = "false alarm" if o["violated"] else "held"
                cell = f"{verdict} (worst {o.get('worst')}; must stay below WARNING)"
            else:
                cell = ", ".join(f"{k}={v}" for k, v in o.items())
            table.setdefault(case_id, {})[s["name"]] = cell
    return pd.DataFrame(table).T.sort_index()


def confusion(results: dict[str, Any], strategy: str) -> pd.DataFrame:
    """Expected severity (rows) vs the worst status given (columns), for one strategy."""
    s = next((s for s in results["strategies"] if s["name"] == strategy), None)
    if s is None:
        raise ConfigError(f"no strategy {strategy!r} in this run")
    table = pd.DataFrame(s.get("severity_confusion") or {}).T.fillna(0).astype(int)
    order = [st.value for st in Status if st.value in table.columns]
    return table[order + [c for c in table.columns if c not in order]]


def case_info(results: dict[str, Any], case_id: str) -> dict[str, Any]:
    for c in results["suite"]["cases"]:
        if c["id"] == case_id:
            return c
    raise ConfigError(f"no case {case_id!r} in this run")


def pick_case(results: dict[str, Any]) -> str:
    """A case worth drilling into: the first incident some strategy missed, else the first
    incident, else the first case."""
    incidents = [c["id"] for c in results["suite"]["cases"] if c.get("windows")]
    for case_id in incidents:
        for s in results["strategies"]:
            if (s.get("cases") or {}).get(case_id, {}).get("detected") is False:
                return case_id
    return (incidents or [c["id"] for c in results["suite"]["cases"]])[0]
