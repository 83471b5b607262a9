"""Shared helpers for tests that run real server binaries (prometheus, promtool, alertmanager,
PostgreSQL).

A missing binary skips the test on a developer machine, but FAILS it when the environment sets
`SENTINEL_REQUIRE_SERVERS=1` (CI installs the binaries and sets the flag, so a broken install
cannot pass silently as "skipped").
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REQUIRE_ENV = "SENTINEL_REQUIRE_SERVERS"


def servers_required() -> bool:
    return os.environ.get(REQUIRE_ENV, "").strip() not in {"", "0", "false", "no"}


# The Debian package that ships each binary the tests start.
PACKAGES = {
    "prometheus": "prometheus",
    "promtool": "prometheus",
    "prometheus-alertmanager": "prometheus-alertmanager",
    "initdb": "postgresql",
    "postgres": "postgresql",
}
# Debian keeps PostgreSQL's server binaries off PATH, in one folder per major version.
PG_BIN_GLOB = "/usr/lib/postgresql/*/bin"


def require_binary(name: str, also_in: str | None = None) -> str:
    """The binary's full path (PATH first, then the newest folder matching the glob `also_in`);
    skip the test if absent, or fail under SENTINEL_REQUIRE_SERVERS=1."""
    path = shutil.which(name)
    if path is None and also_in is not None:
        found = sorted(glob.glob(os.path.join(also_in, name)), key=_version_key)
        path = found[-1] if found else None
    if path is None:
        package = PACKAGES.get(name, name)
        message = f"binary {name!r} not found on PATH (apt-get install {package})"
        if servers_required():
            pytest.fail(f"{message}; {REQUIRE_ENV}=1 requires it", pytrace=False)
        pytest.skip(message)
    return path


def _version_key(path: str) -> list[int]:
    return [int(part) for part in path.split("/") if part.isdigit()]


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
    ready: Callable[[], bool] | None = None,
    user: str | None = None,
    stop_signal: int = signal.SIGTERM,
) -> Iterator[str]:
    """Start `argv`, wait for `ready_path` on `port`, yield its URL, always stop it on exit.

    A non-HTTP server passes `ready` (true once it answers) instead. `user` runs it as that
    account (PostgreSQL refuses root); `stop_signal` is how it is asked to stop. The server gets its own process group, so stopping it
    (or a test's `kill_group`) also ends its children. Output goes to `workdir/<name>.log`,
    whose tail is shown if the server never gets ready.
    """
    log_path = workdir / f"{name}.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            argv, stdout=log, stderr=subprocess.STDOUT, env=env, user=user, start_new_session=True
        )
        url = f"http://127.0.0.1:{port}"
        try:
            try:
                if ready is None:
                    wait_ready(f"{url}{ready_path}", process, timeout_s=ready_timeout_s)
                else:
                    wait_until(ready, process, timeout_s=ready_timeout_s)
            except RuntimeError as exc:
                tail = log_path.read_text()[-2000:]
                raise RuntimeError(f"{name} did not start: {exc}\n{tail}") from exc
            yield url
        finally:
            if process.poll() is None:
                process.send_signal(stop_signal)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                kill_group(process.pid)
                process.wait(timeout=10)


def wait_until(ready: Callable[[], bool], process: subprocess.Popen, timeout_s: float) -> None:
    """Poll `ready()` until true; fail early if the process died."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with code {process.returncode} before ready")
        if ready():
            return
        time.sleep(0.1)
    raise RuntimeError(f"not ready after {timeout_s:g}s")


def kill_group(pid: int) -> None:
    """SIGKILL a server started by `running_server` and every process of its group (a crash)."""
    with suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


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


class PostgresServer:
    """A real PostgreSQL cluster (initdb) in a temporary folder, served on 127.0.0.1:<free port>.

    `running()` starts the server process and always stops it; it can be started again on the
    same data and port (crash-recovery tests kill it with `kill_group`). PostgreSQL refuses to
    run as root: as root, the cluster belongs to the `postgres` account that the Debian package
    creates. Password auth (scram) over TCP only; fsync is off (a killed process loses nothing
    the OS already has; only a machine crash would).
    """

    USER, PASSWORD, DATABASE = "sentinel", "pg-test-secret", "sentinel"

    def __init__(self) -> None:
        self.initdb = require_binary("initdb", PG_BIN_GLOB)
        self.postgres = require_binary("postgres", PG_BIN_GLOB)
        self.os_user = _postgres_os_user()
        # in /tmp when it must belong to `postgres`: that account may not reach $TMPDIR
        self.root = Path(
            tempfile.mkdtemp(prefix="sentinel-pg-", dir="/tmp" if self.os_user else None)
        )
        self.data = self.root / "data"
        self.port = free_port()
        if self.os_user is not None:
            uid, gid = pwd.getpwnam(self.os_user)[2:4]
            os.chown(self.root, uid, gid)
        pwfile = self.root / "pw"
        pwfile.write_text(self.PASSWORD + "\n")
        if self.os_user is not None:
            os.chown(pwfile, uid, gid)
        result = subprocess.run(
            [
                self.initdb,
                f"--pgdata={self.data}",
                f"--username={self.USER}",
                f"--pwfile={pwfile}",
                "--auth=scram-sha-256",
                "--encoding=UTF8",
                "--no-sync",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            user=self.os_user,
        )
        if result.returncode != 0:
            self.remove()
            raise RuntimeError(f"initdb failed: {(result.stdout + result.stderr)[-2000:]}")

    def url(self, database: str | None = None) -> str:
        return (
            f"postgresql+psycopg://{self.USER}:{self.PASSWORD}@127.0.0.1:{self.port}/"
            f"{database or self.DATABASE}"
        )

    def connect(self, database: str = "postgres", timeout_s: int = 2) -> Any:
        import psycopg  # the dev extra; only PostgreSQL tests need it

        return psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user=self.USER,
            password=self.PASSWORD,
            dbname=database,
            connect_timeout=timeout_s,
            autocommit=True,
        )

    def create_database(self, name: str) -> str:
        """A fresh, empty database; its SQLAlchemy URL."""
        with self.connect() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def _answers(self) -> bool:
        import psycopg

        try:
            with self.connect(timeout_s=1):
                return True
        except psycopg.OperationalError:
            return False

    @contextmanager
    def running(self) -> Iterator[int]:
        """The server started on `self.port`; yields the postmaster's pid."""
        argv = [
            self.postgres,
            "-D",
            str(self.data),
            "-p",
            str(self.port),
            "-k",
            str(self.root),  # its Unix socket here, not in /var/run/postgresql
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            "fsync=off",
            "-c",
            "max_connections=50",
        ]
        with running_server(
            "postgres",
            argv,
            self.root,
            self.port,
            ready=self._answers,
            user=self.os_user,
            stop_signal=signal.SIGINT,  # fast shutdown: SIGTERM waits for pooled clients to leave
        ):
            yield int((self.data / "postmaster.pid").read_text().split()[0])

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def _postgres_os_user() -> str | None:
    """None when not root (run as ourselves); as root, the package's `postgres` account."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        message = "running as root and no 'postgres' account (apt-get install postgresql makes it)"
        if servers_required():
            pytest.fail(f"{message}; {REQUIRE_ENV}=1 requires it", pytrace=False)
        pytest.skip(message)
    return "postgres"


@contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    """A running PostgreSQL cluster, always stopped and removed on exit."""
    server = PostgresServer()
    try:
        with server.running():
            server.create_database(server.DATABASE)
            yield server
    finally:
        server.remove()
