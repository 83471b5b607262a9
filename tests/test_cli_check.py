"""`sentinel check` as a newcomer and a cron job use it: one test per exit code.

0 done; 1 a service at --fail-on or worse; 2 usage, config or data-source error, before any
work; 3 a crash (never 1, which a cron job reads as an alert).
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import sentinel.cli.check as check_cli
from sentinel.checks import read_sidecar
from sentinel.cli import main
from sentinel.config import PROJECT_ROOT
from sentinel.models import Status
from tests import llm_cases
from tests.llm_server import Scripted, chat_body

MID_INCIDENT = "2026-10-29T14:20:00Z"  # the Makefile's CHECK_AT


def sentinel(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run the console entry point in-process: (exit code, stdout, stderr)."""
    with pytest.raises(SystemExit) as exited:
        main(argv)
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(PROJECT_ROOT)
    for name in ("ANTHROPIC_API_KEY", "SENTINEL_LLM_MODE", "AWS_REGION", "SENTINEL_REPORTS_DIR"):
        monkeypatch.delenv(name, raising=False)


def test_no_arguments_checks_the_bundled_fixtures_at_the_latest_time_they_cover(tmp_path, capsys):
    code, _, err = sentinel(["check", "--out", str(tmp_path)], capsys)
    assert code == 0, err
    assert "at: 2026-11-05T00:00:00Z (the latest time the fixtures cover)" in err
    run = read_sidecar(tmp_path / "verdicts.json")
    assert {v.service for v in run.verdicts} == {"api-service", "database"}


def test_readme_fail_on_warning_exits_0_when_every_service_is_below_it(tmp_path, capsys):
    code, _, err = sentinel(["check", "--fail-on", "WARNING", "--out", str(tmp_path)], capsys)
    assert code == 0, err
    assert all(v.status < Status.WARNING for v in read_sidecar(tmp_path / "verdicts.json").verdicts)


def test_fail_on_exits_1_when_a_service_is_at_or_above_it_any_case(tmp_path, capsys):
    argv = ["check", "--at", MID_INCIDENT, "--fail-on", "warning", "--out", str(tmp_path)]
    code, out, _ = sentinel(argv, capsys)
    assert code == 1
    assert re.search(r"^api-service\s+CRITICAL", out, re.M)


def test_statistical_colon_detector_runs_that_detector_not_the_default(tmp_path, capsys):
    argv = ["check", "--at", MID_INCIDENT, "--strategy", "statistical:zscore"]
    code, _, err = sentinel([*argv, "--out", str(tmp_path)], capsys)
    assert code == 0, err
    verdicts = read_sidecar(tmp_path / "verdicts.json").verdicts
    assert {v.provenance.detector for v in verdicts} == {"zscore"}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--fail-on", "WARN"], "Invalid value for '--fail-on'"),
        (["--source", "prom"], "Invalid value for '--source'"),
        (["--at", "yesterday"], "is not ISO-8601"),
        (["--strategy", "tiered:haiku"], "unknown strategy 'tiered:haiku'"),
        (["--strategy", "llm:gpt-9"], "'gpt-9' is not in the price table"),
        (["--cell-timeout", "0"], "Invalid value for '--cell-timeout'"),
    ],
)
def test_a_bad_option_is_a_usage_error_exit_2_before_any_check_runs(
    argv, message, tmp_path, capsys
):
    out_dir = tmp_path / "out"
    code, out, err = sentinel(["check", *argv, "--out", str(out_dir)], capsys)
    assert code == 2
    assert message in err
    assert out == "" and not out_dir.exists()


def test_unknown_service_and_bad_config_exit_2_with_one_line(tmp_path, capsys):
    code, _, err = sentinel(["check", "-s", "nope", "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and "nope" in err and err.count("\n") == 1
    bad = tmp_path / "bad.yaml"
    bad.write_text("services: [unclosed\n")
    code, _, err = sentinel(["check", "--config", str(bad)], capsys)
    assert code == 2 and "malformed YAML" in err


def test_time_outside_the_fixtures_exits_2_and_prints_a_command_that_works(
    tmp_path, capsys, monkeypatch
):
    argv = ["check", "--at", "now", "--fail-on", "CRITICAL", "--out", str(tmp_path)]
    monkeypatch.setattr(sys, "argv", ["sentinel", *argv])
    code, out, err = sentinel(argv, capsys)
    assert code == 2 and out == ""
    assert "outside the fixtures (api-service.yaml 2026-10-01T00:00Z..2026-11-05T00:00Z" in err
    suggested = err.split("This works: ")[1].strip()
    assert suggested.endswith(
        "--fail-on CRITICAL --out " + str(tmp_path) + " --at 2026-11-05T00:00:00Z"
    )
    code, _, err = sentinel(shlex.split(suggested)[1:], capsys)
    assert code == 0, err


def test_missing_credentials_exit_2_before_pandas_the_sdk_or_the_detectors_load(tmp_path):
    code = (
        "import json, sys\n"
        "from sentinel.cli import main\n"
        "try:\n"
        f"    main(['check', '--strategy', 'llm:haiku', '--out', {str(tmp_path)!r}])\n"
        "except SystemExit as e:\n"
        "    heavy = [m for m in ('pandas', 'anthropic', 'openai', 'sentinel.detectors',\n"
        "                         'sentinel.agent') if m in sys.modules]\n"
        "    print(json.dumps([e.code, heavy]))\n"
    )
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT_ROOT, env=env
    )
    assert json.loads(done.stdout) == [2, []], done.stderr
    assert "ANTHROPIC_API_KEY is not set" in done.stderr
    assert "SENTINEL_LLM_MODE=replay" in done.stderr  # says what works offline


def test_any_model_name_of_a_local_backend_checks_without_credentials(
    tmp_path, capsys, monkeypatch, scripted_server
):
    cfg = yaml.safe_load((PROJECT_ROOT / "config" / "services.yaml").read_text())
    cfg["llm"] = {**cfg["llm"], "backend": "local", "budget_state": None}
    path = tmp_path / "services.yaml"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    monkeypatch.setenv("SENTINEL_LLM_BASE_URL", f"{scripted_server.url}/v1")
    scripted_server.push(Scripted(body=chat_body(llm_cases.answer("CRITICAL"))))
    argv = ["check", "--at", MID_INCIDENT, "--config", str(path), "-s", "api-service"]
    argv += ["--strategy", "llm:mistral-7b-instruct", "--out", str(tmp_path / "out")]
    code, out, err = sentinel(argv, capsys)

    assert code == 0, err
    (verdict,) = read_sidecar(tmp_path / "out" / "verdicts.json").verdicts
    assert verdict.provenance.model == "local-mistral-7b-instruct"
    assert "[llm:local-mistral-7b-instruct]" in out
    assert scripted_server.requests[0].body["model"] == "mistral-7b-instruct"


def test_a_crash_exits_3_with_its_traceback_not_1(monkeypatch, capsys):
    def boom(path: Path) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(check_cli, "load_config", boom)
    code, _, err = sentinel(["check"], capsys)
    assert code == 3
    assert "Traceback" in err and "RuntimeError: a bug" in err and "crashed" in err


def every_command() -> list[list[str]]:
    """The path of every command and group, from the root (`[]`) down."""
    import click
    import typer

    import sentinel.cli as cli

    cli._register()

    def walk(cmd: click.Command, path: list[str]) -> list[list[str]]:
        found = [path]
        for name, sub in getattr(cmd, "commands", {}).items():
            found += walk(sub, [*path, name])
        return found

    return walk(typer.main.get_command(cli.app), [])


def test_every_help_has_no_bool_placeholder_and_no_absolute_path(capsys):
    commands = every_command()
    assert ["check"] in commands and ["eval", "run"] in commands
    for command in commands:
        code, out, _ = sentinel([*command, "--help"], capsys)
        assert code == 0
        assert "<bool>" not in out and str(PROJECT_ROOT) not in out, command


def test_check_help_documents_every_exit_code_and_names_its_values(capsys):
    code, out, _ = sentinel(["check", "--help"], capsys)
    assert code == 0
    assert "<str>" not in out and "--at TIME" in out and "--notebook / --no-notebook" in out
    flat = " ".join(out.split())
    assert "Exit codes: 0 done" in flat and "1 a service is at --fail-on or worse" in flat
    assert "2 usage, config or data-source error" in flat and "3 Sentinel crashed" in flat


def test_readme_sample_folder_is_dated_by_the_run_not_a_fixed_day():
    from sentinel.checks.reports import check_run_dir

    readme = (PROJECT_ROOT / "README.md").read_text()
    assert "notebook: reports/checks/YYYY/MM/DD/<run-id>/check.ipynb" in readme
    assert not re.search(r"reports/checks/\d{4}/\d{2}/\d{2}/", readme)
    run_dir = check_run_dir(Path("reports"), "20261202T010203Z-at-20261029T1420Z-1")
    assert run_dir.as_posix() == "reports/checks/2026/12/02/20261202T010203Z-at-20261029T1420Z-1"


def test_a_missing_alertmanager_skip_names_its_debian_package(monkeypatch):
    import shutil

    from tests.servers import REQUIRE_ENV, require_binary

    monkeypatch.delenv(REQUIRE_ENV, raising=False)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(pytest.skip.Exception, match="apt-get install prometheus-alertmanager"):
        require_binary("prometheus-alertmanager")
    with pytest.raises(pytest.skip.Exception, match=r"apt-get install prometheus\)"):
        require_binary("promtool")
