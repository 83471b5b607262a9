"""Shared helpers for tests that run real server binaries (prometheus, promtool, alertmanager).

A missing binary skips the test on a developer machine, but FAILS it when the environment sets
`SENTINEL_REQUIRE_SERVERS=1` (CI installs the binaries and sets the flag, so a broken install
cannot pass silently as "skipped").
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

REQUIRE_ENV = "SENTINEL_REQUIRE_SERVERS"


def servers_required() -> bool:
    return os.environ.get(REQUIRE_ENV, "").strip() not in {"", "0", "false", "no"}


# The Debian package that ships each binary the tests start.
PACKAGES = {
    "prometheus": "prometheus",
    "promtool": "prometheus",
    "prometheus-alertmanager": "prometheus-alertmanager",
}


def require_binary(name: str) -> str:
    """The binary's full path; skip the test if absent, or fail under SENTINEL_REQUIRE_SERVERS=1."""
    path = shutil.which(name)
    if path is None:
        package = PACKAGES.get(name, name)
        message = f"binary {name!r} not found on PATH (apt-get install {package})"
        if servers_required():
            pytest.fail(f"{message}; {REQUIRE_ENV}=1 requires it", pytrace=False)
        pytest.skip(message)
    return path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(url: str, process: subprocess.Popen, timeout_s: float = 30.0) -> None:
    """Poll `url` until it answers 200; fail early if the process died."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with code {process.returncode} before ready")
        try:
            with urllib.request.urlopen(url, timeout=1) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} not ready after {timeout_s:g}s")


def backfill_openmetrics(openmetrics_file: Path, tsdb_dir: Path) -> None:
    """Write TSDB blocks from an OpenMetrics file with `promtool tsdb create-blocks-from`.

    `--max-block-duration=768h`: promtool re-reads the input once per block, so the default
    2-hour blocks make 35 days of data take minutes instead of about a second.
    """
    promtool = require_binary("promtool")
    tsdb_dir.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [
            promtool,
            "tsdb",
            "create-blocks-from",
            "openmetrics",
            "--max-block-duration=768h",
            str(openmetrics_file),
            str(tsdb_dir),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if result.returncode != 0:
        raise RuntimeError(f"promtool backfill failed: {result.stderr.strip()[-2000:]}")


@contextmanager
def running_server(
    name: str,
    argv: list[str],
    workdir: Path,
    port: int,
    ready_path: str = "/-/ready",
    ready_timeout_s: float = 30.0,
    env: dict[str, str] | None = None,
) -> Iterator[str]:
    """Start `argv`, wait for `ready_path` on `port`, yield its URL, always stop it on exit.

    Output goes to `workdir/<name>.log`, whose tail is shown if the server never gets ready.
    """
    log_path = workdir / f"{name}.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env)
        url = f"http://127.0.0.1:{port}"
        try:
            try:
                wait_ready(f"{url}{ready_path}", process, timeout_s=ready_timeout_s)
            except RuntimeError as exc:
                tail = log_path.read_text()[-2000:]
                raise RuntimeError(f"{name} did not start: {exc}\n{tail}") from exc
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


@dataclass(frozen=True)
class RunningPrometheus:
    url: str
    tsdb_dir: Path


@contextmanager
def prometheus_server(
    workdir: Path, openmetrics_file: Path | None = None, extra_args: list[str] | None = None
) -> Iterator[RunningPrometheus]:
    """A real Prometheus on 127.0.0.1:<free port> over a temporary TSDB, always stopped on exit.

    With `openmetrics_file`, the TSDB is first backfilled from it via promtool. Retention is
    10 years so backfilled blocks with old timestamps are not deleted at start-up.
    """
    binary = require_binary("prometheus")
    tsdb = workdir / "tsdb"
    if openmetrics_file is not None:
        backfill_openmetrics(openmetrics_file, tsdb)
    config = workdir / "prometheus.yml"
    config.write_text("global:\n  scrape_interval: 15s\nscrape_configs: []\n")
    port = free_port()
    argv = [
        binary,
        f"--config.file={config}",
        f"--storage.tsdb.path={tsdb}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--storage.tsdb.retention.time=10y",
        *(extra_args or []),
    ]
    with running_server("prometheus", argv, workdir, port) as url:
        yield RunningPrometheus(url=url, tsdb_dir=tsdb)


@dataclass(frozen=True)
class RunningAlertmanager:
    url: str
    workdir: Path


@contextmanager
def alertmanager_server(workdir: Path, webhook_url: str) -> Iterator[RunningAlertmanager]:
    """A real Alertmanager on 127.0.0.1 routing every alert to `webhook_url` within ~1-2 s.

    No cluster gossip port, storage in `workdir`, group_wait/group_interval 1 s, repeat 4 h.
    """
    binary = require_binary("prometheus-alertmanager")
    config = workdir / "alertmanager.yml"
    config.write_text(
        "route:\n"
        "  receiver: test\n"
        "  group_by: ['alertname', 'service']\n"
        "  group_wait: 1s\n"
        "  group_interval: 1s\n"
        "  repeat_interval: 4h\n"
        "receivers:\n"
        "  - name: test\n"
        "    webhook_configs:\n"
        f"      - url: '{webhook_url}'\n"
        "        send_resolved: true\n"
    )
    port = free_port()
    argv = [
        binary,
        f"--config.file={config}",
        f"--storage.path={workdir / 'am-data'}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--cluster.listen-address=",
    ]
    with running_server("alertmanager", argv, workdir, port) as url:
        yield RunningAlertmanager(url=url, workdir=workdir)
