"""`sentinel check` and the papermill check notebook, end to end in fixture mode."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from sentinel.checks import parse_check_time, read_sidecar
from sentinel.checks.notebook import CHECK_NOTEBOOK, NotebookFailed, execute_notebook
from sentinel.config import PROJECT_ROOT
from sentinel.errors import ConfigError
from sentinel.models import Status

SENTINEL = [sys.executable, "-m", "sentinel"]


def default_check_time() -> str:
    match = re.search(r"^CHECK_AT \?= (\S+)$", (PROJECT_ROOT / "Makefile").read_text(), re.M)
    assert match, "Makefile must define CHECK_AT"
    return match.group(1)


def run(*args: str, cwd: Path = PROJECT_ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*SENTINEL, *args], capture_output=True, text=True, cwd=cwd, timeout=600, check=False
    )


def test_notebook_default_check_time_matches_make_check():
    nb = nbformat.read(CHECK_NOTEBOOK, as_version=4)
    params = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    assert f'check_time = "{default_check_time()}"' in params.source


def test_check_prints_one_incident_and_one_normal_service(tmp_path):
    result = run("check", "--at", default_check_time(), "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if line.startswith(("api", "data"))]
    assert len(lines) == 2
    verdicts = read_sidecar(tmp_path / "verdicts.json").verdicts
    statuses = {v.service: v.status for v in verdicts}
    assert statuses["database"] is Status.NORMAL
    assert statuses["api-service"].alerts
    assert all(v.provenance.response_source == "statistical" for v in verdicts)
    assert verdicts[0].provenance.data_source.startswith("fixtures:")


def test_check_time_outside_fixture_is_one_clear_error_and_writes_nothing(tmp_path):
    out = tmp_path / "out"
    result = run("check", "--at", "2020-01-01T00:00:00Z", "--out", str(out))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "outside the fixtures (api-service.yaml" in result.stderr
    assert not out.exists()


def test_malformed_config_is_one_clear_error(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("services: [unclosed\n")
    result = run("check", "--config", str(bad), "--at", default_check_time())
    assert result.returncode == 2
    assert f"error: {bad}" in result.stderr and "malformed YAML" in result.stderr


def test_naive_check_time_is_rejected():
    with pytest.raises(ConfigError, match="no time zone"):
        parse_check_time("2026-11-02T14:00:00")


def test_check_notebook_under_papermill_writes_notebook_and_sidecar(tmp_path):
    result = run("check", "--notebook", "--at", default_check_time(), "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    executed = nbformat.read(tmp_path / "check.ipynb", as_version=4)
    assert any("injected-parameters" in c.metadata.get("tags", []) for c in executed.cells)
    sidecar = json.loads((tmp_path / "verdicts.json").read_text())
    assert {v["service"] for v in sidecar["verdicts"]} == {"api-service", "database"}
    assert sorted(p.name for p in tmp_path.glob("*.png")) == ["api-service.png", "database.png"]
    assert "api-service" in result.stdout and "database" in result.stdout


def test_failing_notebook_raises_and_keeps_the_executed_copy(tmp_path):
    output = tmp_path / "check.ipynb"
    with pytest.raises(NotebookFailed, match="FixtureError") as err:
        execute_notebook(
            CHECK_NOTEBOOK,
            output,
            {"check_time": "2020-01-01T00:00:00Z", "output_dir": str(tmp_path)},
            cell_timeout_s=300,
        )
    assert str(output) in str(err.value)
    kept = nbformat.read(output, as_version=4)
    assert any(
        o.get("output_type") == "error"
        for c in kept.cells
        if c.cell_type == "code"
        for o in c.outputs
    )


def test_committed_notebooks_carry_no_outputs():
    for path in (PROJECT_ROOT / "notebooks").glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        dirty = [
            i
            for i, c in enumerate(nb.cells)
            if c.cell_type == "code" and (c.outputs or c.execution_count)
        ]
        assert not dirty, f"{path.name}: cells {dirty} carry outputs; run `make format`"


def dead_prometheus_env() -> dict[str, str]:
    """A PROMETHEUS_URL where nothing listens: every query fails with a connection error."""
    import os

    from tests.servers import free_port

    return {**os.environ, "PROMETHEUS_URL": f"http://127.0.0.1:{free_port()}"}


def run_env(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*SENTINEL, *args],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=600,
        check=False,
        env=env,
    )


def test_fail_on_counts_unknown_as_failing_so_cron_sees_an_outage(tmp_path):
    env = dead_prometheus_env()
    args = ("check", "--source", "prometheus", "--at", default_check_time(), "--fail-on", "WARNING")
    down = run_env(*args, "--out", str(tmp_path / "a"), env=env)
    assert down.returncode == 1, down.stdout + down.stderr
    assert "UNKNOWN" in down.stdout and "unknown" in down.stderr.lower()
    verdicts = read_sidecar(tmp_path / "a" / "verdicts.json").verdicts
    assert {v.status for v in verdicts} == {Status.UNKNOWN}
    allowed = run_env(*args, "--no-fail-on-unknown", "--out", str(tmp_path / "b"), env=env)
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr


def test_notebook_check_degrades_like_the_plain_check_when_the_source_fails(tmp_path):
    env = dead_prometheus_env()
    args = ("check", "--source", "prometheus", "--at", default_check_time(), "--notebook")
    result = run_env(*args, "--out", str(tmp_path), env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    verdicts = read_sidecar(tmp_path / "verdicts.json").verdicts
    assert {v.service: v.status for v in verdicts} == {
        "api-service": Status.UNKNOWN,
        "database": Status.UNKNOWN,
    }
    assert sorted(p.name for p in tmp_path.glob("*.png")) == ["api-service.png", "database.png"]
