"""Where each check's report lands (one dated folder per run) and how old ones are pruned.

A scheduled check every 5 minutes leaves ~290 folders a day; dated folders
(`reports/checks/YYYY/MM/DD/<run-id>/`) keep a day's audit trail together and let retention
delete whole days. Pruning only ever removes folders whose names match this layout, so a stray
file or a hand-made folder under `reports/checks/` is never deleted.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sentinel.config import parse_duration_seconds
from sentinel.errors import ConfigError

CHECKS_SUBDIR = "checks"
_RUN_STARTED = re.compile(r"^(\d{8}T\d{6}Z)")


def checks_root(reports_dir: Path) -> Path:
    return reports_dir / CHECKS_SUBDIR


def run_started_at(run_id: str) -> datetime | None:
    """The wall-clock start encoded at the front of a run id (see checks.new_run_id), if any."""
    match = _RUN_STARTED.match(run_id)
    if not match:
        return None
    try:
        return datetime.strptime(match.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def check_run_dir(reports_dir: Path, run_id: str, now: datetime | None = None) -> Path:
    """`<reports>/checks/YYYY/MM/DD/<run-id>`, dated by the run's start (today if not encoded)."""
    day = run_started_at(run_id) or now or datetime.now(UTC)
    return checks_root(reports_dir) / f"{day:%Y}" / f"{day:%m}" / f"{day:%d}" / run_id


def parse_age(text: str) -> timedelta:
    """`30d`, `12h`, `2w` (Prometheus-style durations) as a timedelta."""
    try:
        return timedelta(seconds=parse_duration_seconds(text))
    except ValueError as exc:
        raise ConfigError(f"{exc}; e.g. --older-than 30d") from exc


@dataclass(frozen=True)
class RunFolder:
    path: Path
    started_at: datetime


def find_run_folders(root: Path) -> list[RunFolder]:
    """Every run folder under `root` in the dated layout, oldest first (symlinks not followed)."""
    found: list[RunFolder] = []
    if not root.is_dir():
        return found
    for year in _subdirs(root, r"\d{4}"):
        for month in _subdirs(year, r"\d{2}"):
            for day in _subdirs(month, r"\d{2}"):
                try:
                    day_start = datetime(int(year.name), int(month.name), int(day.name), tzinfo=UTC)
                except ValueError:
                    continue
                for run in _subdirs(day, r".+"):
                    found.append(RunFolder(run, run_started_at(run.name) or day_start))
    return sorted(found, key=lambda r: (r.started_at, r.path))


def prune_reports(
    root: Path, older_than: timedelta, now: datetime | None = None, dry_run: bool = False
) -> list[Path]:
    """Delete run folders that started before `now - older_than`; return what was (or would be)
    deleted. Emptied day/month/year folders go too."""
    if older_than <= timedelta(0):
        raise ValueError("older_than must be positive")
    cutoff = (now or datetime.now(UTC)) - older_than
    doomed = [r.path for r in find_run_folders(root) if r.started_at < cutoff]
    if dry_run:
        return doomed
    for path in doomed:
        shutil.rmtree(path)
        for parent in (path.parent, path.parent.parent, path.parent.parent.parent):
            if parent != root and parent.is_dir() and not any(parent.iterdir()):
                parent.rmdir()
    return doomed


def _subdirs(parent: Path, pattern: str) -> list[Path]:
    rx = re.compile(pattern)
    return sorted(
        p for p in parent.iterdir() if p.is_dir() and not p.is_symlink() and rx.fullmatch(p.name)
    )
