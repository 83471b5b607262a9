"""The headline table `sentinel eval run` prints when it ends (the report has the full one).

Plain text for a terminal: one row per strategy with F1 and its interval, false alarms per day,
hard negatives violated, NAB and the monthly cost (capped by the config), or why it did not run.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def _num(x: float | None, digits: int = 2) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def _with_ci(m: dict[str, Any], key: str, digits: int = 2) -> str:
    ci = (m.get("ci") or {}).get(key)
    value = _num(m.get(key), digits)
    return (
        f"{value} [{ci[0]:.{digits}f}, {ci[1]:.{digits}f}]"
        if ci and m.get(key) is not None
        else value
    )


def _usd(x: float | None) -> str:
    return "-" if x is None else f"${x:,.2f}"


def headline_text(results: list[dict[str, Any]]) -> str:
    """Rows of the report's headline, aligned for a terminal."""
    head = (
        "strategy",
        "precision",
        "recall",
        "F1 [95% CI]",
        "VUS-PR",
        "FA/day [95% CI]",
        "hard neg.",
        "NAB",
        "$/month",
    )
    rows: list[tuple[str, ...]] = [head]
    notes = []
    for r in results:
        if "mean" not in r:
            p = r.get("projected_cost") or {}
            cost = f"{_usd(p.get('monthly_usd'))} est." if "monthly_usd" in p else "-"
            rows.append((r["name"], "-", "-", "-", "-", "-", "-", "-", cost))
            notes.append(f"{r['name']}: {r.get('note') or 'not run'}")
            continue
        m, c = r["mean"]["metrics"], r["mean"]["cost"]
        rows.append(
            (
                r["name"],
                _num(m["precision"]),
                _num(m["recall"]),
                _with_ci(m, "f1"),
                _num(m.get("vus_pr")),
                _with_ci(m, "false_alarms_per_day", 1),
                f"{m['hard_negative_violations']:.0f}/{m['hard_negatives']:.0f}",
                _num(m["nab_score"], 1),
                _usd(c["monthly_usd"]),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines + [f"  {n}" for n in notes]) + "\n"


def read_results(run_dir: Path) -> list[dict[str, Any]]:
    """The strategies of a written run, from its results.json."""
    return json.loads((run_dir / "results.json").read_text())["strategies"]
