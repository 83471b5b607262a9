"""Dated check-report folders and their pruning: old runs go, everything else stays."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from sentinel.checks.reports import (
    check_run_dir,
    checks_root,
    find_run_folders,
    parse_age,
    prune_reports,
)
from sentinel.cli import _register, app
from sentinel.errors import ConfigError

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def make_run(reports, started: datetime) -> object:
    run_id = f"{started:%Y%m%dT%H%M%SZ}-at-{started:%Y%m%dT%H%MZ}-123"
    path = check_run_dir(reports, run_id)
    path.mkdir(parents=True)
    (path / "verdicts.json").write_text("{}")
    (path / "check.ipynb").write_text("{}")
    return path


def test_run_folder_is_dated_by_the_run_start_in_utc(tmp_path):
    path = check_run_dir(tmp_path, "20261102T235959Z-at-20261102T1400Z-7")
    assert path == tmp_path / "checks/2026/11/02/20261102T235959Z-at-20261102T1400Z-7"


def test_run_id_without_a_timestamp_is_filed_under_today(tmp_path):
    assert check_run_dir(tmp_path, "nightly", now=NOW) == tmp_path / "checks/2026/11/24/nightly"


def test_prune_deletes_only_runs_older_than_the_age_and_their_emptied_day_folders(tmp_path):
    old = make_run(tmp_path, NOW - timedelta(days=31))
    kept = make_run(tmp_path, NOW - timedelta(days=29))
    root = checks_root(tmp_path)
    gone = prune_reports(root, timedelta(days=30), now=NOW)
    assert gone == [old]
    assert not old.exists() and not old.parent.exists()  # empty day folder removed too
    assert (kept / "verdicts.json").exists()
    assert root.exists()


def test_prune_never_touches_files_or_folders_outside_the_layout(tmp_path):
    root = checks_root(tmp_path)
    stray = [root / "notes.txt", root / "2025" / "scratch" / "x.txt", root / "legacy-run" / "a"]
    for p in stray:
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("keep me")
    make_run(tmp_path, NOW - timedelta(days=400))
    assert len(prune_reports(root, timedelta(days=1), now=NOW)) == 1
    assert all(p.read_text() == "keep me" for p in stray)


def test_dry_run_lists_but_deletes_nothing(tmp_path):
    old = make_run(tmp_path, NOW - timedelta(days=60))
    assert prune_reports(checks_root(tmp_path), timedelta(days=30), now=NOW, dry_run=True) == [old]
    assert old.exists()


def test_runs_are_found_oldest_first(tmp_path):
    b = make_run(tmp_path, NOW - timedelta(days=1))
    a = make_run(tmp_path, NOW - timedelta(days=2))
    assert [r.path for r in find_run_folders(checks_root(tmp_path))] == [a, b]


def test_ages_parse_and_bad_ages_are_config_errors():
    assert parse_age("30d") == timedelta(days=30)
    assert parse_age("12h") == timedelta(hours=12)
    with pytest.raises(ConfigError, match="--older-than 30d"):
        parse_age("a month")


def test_prune_command_uses_the_setting_and_requires_an_age(tmp_path, monkeypatch):
    _register()
    monkeypatch.setenv("SENTINEL_REPORTS_DIR", str(tmp_path))
    old = make_run(tmp_path, datetime.now(UTC) - timedelta(days=40))
    new = make_run(tmp_path, datetime.now(UTC) - timedelta(days=1))
    runner = CliRunner()
    monkeypatch.delenv("SENTINEL_KEEP_REPORTS_DAYS", raising=False)
    missing = runner.invoke(app, ["reports", "prune"])
    assert isinstance(missing.exception, ConfigError)
    monkeypatch.setenv("SENTINEL_KEEP_REPORTS_DAYS", "30")
    result = runner.invoke(app, ["reports", "prune"])
    assert result.exit_code == 0, result.output
    assert "deleted 1 report folder(s) older than 30d" in result.output
    assert not old.exists() and new.exists()


def test_check_prunes_old_reports_when_the_setting_is_on(tmp_path, monkeypatch):
    _register()
    monkeypatch.setenv("SENTINEL_REPORTS_DIR", str(tmp_path))
    monkeypatch.setenv("SENTINEL_KEEP_REPORTS_DAYS", "30")
    old = make_run(tmp_path, datetime.now(UTC) - timedelta(days=45))
    result = CliRunner().invoke(app, ["check", "--at", "2026-11-02T14:00:00Z"])
    assert result.exit_code == 0, result.output
    assert "pruned 1 report folder(s)" in result.output
    assert not old.exists()
    (run,) = find_run_folders(checks_root(tmp_path))
    assert (run.path / "verdicts.json").exists()
    assert run.path.relative_to(checks_root(tmp_path)).parts[:3] == tuple(
        f"{run.started_at:%Y %m %d}".split()
    )
