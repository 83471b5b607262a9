"""`sentinel schedule` recipes: they parse, run the real check command, and match deploy/."""

from __future__ import annotations

import ast
import configparser
import py_compile
import shlex
from datetime import UTC, datetime

import click
import papermill
import pytest
import yaml
from croniter import croniter
from typer.main import get_command
from typer.testing import CliRunner

from sentinel.checks.notebook import CHECK_NOTEBOOK
from sentinel.checks.recipes import ScheduleOptions, parse_interval, render, render_all
from sentinel.cli import _register, app
from sentinel.config import PROJECT_ROOT
from sentinel.errors import ConfigError

DEPLOY = PROJECT_ROOT / "deploy"
REQUIRED = ["check", "--notebook", "--source", "prometheus", "--at", "now"]


def assert_is_valid_check_command(argv: list[str]) -> None:
    """The argv after `sentinel` parses against the real CLI and runs the scheduled check."""
    assert argv[: len(REQUIRED)] == REQUIRED
    assert "--cell-timeout" in argv
    _register()
    group = get_command(app)
    sub = group.get_command(click.Context(group), argv[0])
    assert sub is not None
    sub.make_context(argv[0], list(argv[1:]))  # raises on an unknown or malformed option


def sentinel_argv(command_line: str) -> list[str]:
    words = shlex.split(command_line)
    start = next(i for i, w in enumerate(words) if w.endswith("bin/sentinel"))
    end = words.index(">>") if ">>" in words else len(words)
    return words[start + 1 : end]


def test_committed_deploy_files_match_the_generator():
    for rel, text in render_all().items():
        path = DEPLOY / rel
        assert path.exists(), f"missing {path}; run `sentinel schedule all --write deploy`"
        assert path.read_text() == text, (
            f"{path} drifted; run `sentinel schedule all --write deploy`"
        )


def test_cron_line_parses_and_fires_every_five_minutes():
    text = render("cron")["cron/sentinel.cron"]
    jobs = [ln for ln in text.splitlines() if ln and not ln.startswith("#") and "=" not in ln[:40]]
    assert len(jobs) == 1
    fields = jobs[0].split(maxsplit=5)
    expr, command = " ".join(fields[:5]), fields[5]
    assert croniter.is_valid(expr)
    it = croniter(expr, datetime(2026, 11, 2, 14, 1, tzinfo=UTC))
    assert [it.get_next(datetime).minute for _ in range(3)] == [5, 10, 15]
    assert "%" not in command  # cron turns % into newlines
    assert "flock -n" in command and "timeout 900" in command
    assert_is_valid_check_command(sentinel_argv(command))
    assert "SENTINEL_KEEP_REPORTS_DAYS=30" in text.splitlines()


def test_systemd_service_and_timer_are_well_formed():
    files = render("systemd")
    service, timer = configparser.ConfigParser(), configparser.ConfigParser()
    service.optionxform = timer.optionxform = str  # systemd keys are case-sensitive
    service.read_string(files["systemd/sentinel-check.service"])
    timer.read_string(files["systemd/sentinel-check.timer"])
    assert service["Service"]["Type"] == "oneshot"
    assert service["Service"]["WorkingDirectory"] == "/opt/sentinel"
    assert int(service["Service"]["TimeoutStartSec"]) == 900
    exec_start = service["Service"]["ExecStart"]
    assert exec_start.startswith("/")  # systemd needs an absolute path
    assert_is_valid_check_command(sentinel_argv(exec_start))
    assert timer["Timer"]["OnCalendar"] == "*:0/5"
    assert timer["Timer"]["Unit"] == "sentinel-check.service"
    assert timer["Install"]["WantedBy"] == "timers.target"


def test_kubernetes_cronjob_is_valid_looking():
    doc = yaml.safe_load(render("k8s")["k8s/cronjob.yaml"])
    assert (doc["apiVersion"], doc["kind"]) == ("batch/v1", "CronJob")
    spec = doc["spec"]
    assert croniter.is_valid(spec["schedule"])
    assert spec["concurrencyPolicy"] == "Forbid"
    job = spec["jobTemplate"]["spec"]
    assert job["activeDeadlineSeconds"] == 900
    pod = job["template"]["spec"]
    assert pod["restartPolicy"] == "Never"
    (container,) = pod["containers"]
    assert container["command"][0] == "sentinel"
    assert all(isinstance(a, str) for a in container["command"])  # k8s rejects numbers here
    assert_is_valid_check_command(container["command"][1:])
    assert {"name": "SENTINEL_KEEP_REPORTS_DAYS", "value": "30"} in container["env"]


def test_airflow_dag_compiles_and_passes_only_real_notebook_parameters(tmp_path):
    dag = tmp_path / "sentinel_check_dag.py"
    dag.write_text(render("airflow")["airflow/sentinel_check_dag.py"])
    py_compile.compile(str(dag), doraise=True)
    call = next(
        n
        for n in ast.walk(ast.parse(dag.read_text()))
        if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "PapermillOperator"
    )
    kwargs = {k.arg: k.value for k in call.keywords}
    assert ast.literal_eval(kwargs["kernel_name"]) == "sentinel"
    assert "execution_timeout" in kwargs
    passed = {ast.literal_eval(k) for k in kwargs["parameters"].keys}
    assert passed <= set(papermill.inspect_notebook(str(CHECK_NOTEBOOK)))
    assert "{{ ts }}" in dag.read_text()


@pytest.mark.parametrize(
    ("every", "cron", "calendar"),
    [
        ("1m", "*/1 * * * *", "*:0/1"),
        ("15m", "*/15 * * * *", "*:0/15"),
        ("6h", "0 */6 * * *", "0/6:00"),
        ("1d", "0 0 * * *", "daily"),
    ],
)
def test_intervals_map_to_the_same_times_in_cron_and_systemd(every, cron, calendar):
    interval = parse_interval(every)
    assert (interval.cron, interval.on_calendar) == (cron, calendar)


@pytest.mark.parametrize("every", ["7m", "90m", "5h", "2d", "soon"])
def test_intervals_cron_cannot_express_exactly_are_rejected(every):
    with pytest.raises(ConfigError, match="--every"):
        parse_interval(every)


def test_options_reach_every_recipe():
    opts = ScheduleOptions(every="15m", project_dir="/srv/s", strategy="llm:haiku", keep_days=7)
    text = "\n".join(render_all(opts).values())
    assert "/srv/s" in text and "/opt/sentinel" not in text
    assert "llm:haiku" in text and "*/15 * * * *" in text
    assert "SENTINEL_KEEP_REPORTS_DAYS=7" in text and "--older-than 7d" in text


def test_schedule_command_prints_recipe_and_rejects_unknown_target():
    _register()
    runner = CliRunner()
    ok = runner.invoke(app, ["schedule", "systemd"])
    assert ok.exit_code == 0, ok.output
    assert "# ==> deploy/systemd/sentinel-check.timer <==" in ok.output
    assert "OnCalendar=*:0/5" in ok.output
    bad = runner.invoke(app, ["schedule", "windows"])
    assert isinstance(bad.exception, ConfigError)  # main() prints it as one `error:` line
    assert "unknown schedule target 'windows'" in str(bad.exception)
