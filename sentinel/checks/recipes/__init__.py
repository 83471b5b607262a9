"""Recipe files that run the check notebook on a schedule: cron, systemd, Kubernetes, Airflow.

The recipes are the `*.tmpl` templates beside this file; `sentinel schedule` fills them in and
`deploy/` holds them rendered with the defaults (a test keeps the two identical). Every recipe
runs the papermill check with an explicit kernel and timeouts and keeps reports in dated folders.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from importlib.resources import files
from string import Template

from sentinel.config import parse_duration_seconds
from sentinel.errors import ConfigError

# target -> {path under deploy/: template name}
RECIPES: dict[str, dict[str, str]] = {
    "cron": {"cron/sentinel.cron": "sentinel.cron.tmpl"},
    "systemd": {
        "systemd/sentinel-check.service": "sentinel-check.service.tmpl",
        "systemd/sentinel-check.timer": "sentinel-check.timer.tmpl",
    },
    "k8s": {"k8s/cronjob.yaml": "cronjob.yaml.tmpl", "k8s/Dockerfile": "Dockerfile.tmpl"},
    "airflow": {"airflow/sentinel_check_dag.py": "sentinel_check_dag.py.tmpl"},
}


@dataclass(frozen=True)
class ScheduleOptions:
    """What a user may change in the recipes; the defaults render the files in deploy/."""

    every: str = "5m"
    project_dir: str = "/opt/sentinel"
    strategy: str = "statistical"
    cell_timeout: int = 300
    timeout: int = 900
    keep_days: int = 30
    user: str = "sentinel"
    image: str = "sentinel:latest"


@dataclass(frozen=True)
class Interval:
    cron: str
    on_calendar: str
    text: str


def parse_interval(every: str) -> Interval:
    """A check interval both cron and systemd can express exactly: minutes dividing an hour,
    hours dividing a day, or one day."""
    try:
        seconds = parse_duration_seconds(every)
    except ValueError as exc:
        raise ConfigError(f"--every {every!r}: {exc}") from exc
    minutes, rem = divmod(seconds, 60)
    if rem == 0 and 1 <= minutes < 60 and 60 % minutes == 0:
        text = "every minute" if minutes == 1 else f"every {minutes} minutes"
        return Interval(f"*/{minutes} * * * *", f"*:0/{minutes}", text)
    hours, rem = divmod(seconds, 3600)
    if rem == 0 and 1 <= hours < 24 and 24 % hours == 0:
        text = "every hour" if hours == 1 else f"every {hours} hours"
        return Interval(f"0 */{hours} * * *", f"0/{hours}:00", text)
    if seconds == 86400:
        return Interval("0 0 * * *", "daily", "every day")
    raise ConfigError(
        f"--every {every!r}: use minutes dividing an hour (1m, 5m, 15m), hours dividing a day "
        "(1h, 6h) or 1d, so cron and systemd run at the same times"
    )


def render(target: str, options: ScheduleOptions | None = None) -> dict[str, str]:
    """The recipe files of one target as {path under deploy/: text}."""
    if target not in RECIPES:
        raise ConfigError(f"unknown schedule target {target!r}: use {', '.join(RECIPES)}")
    options = options or ScheduleOptions()
    if options.cell_timeout <= 0 or options.timeout < options.cell_timeout:
        raise ConfigError("timeouts must be positive and --timeout at least --cell-timeout")
    interval = parse_interval(options.every)
    values = {
        **asdict(options),
        "cron": interval.cron,
        "on_calendar": interval.on_calendar,
        "every_text": interval.text,
    }
    templates = files(__name__)
    return {
        path: Template(templates.joinpath(name).read_text()).substitute(values)
        for path, name in RECIPES[target].items()
    }


def render_all(options: ScheduleOptions | None = None) -> dict[str, str]:
    return {path: text for target in RECIPES for path, text in render(target, options).items()}
