"""Shared helpers for tests that run real server binaries (prometheus, alertmanager) on 127.0.0.1.

A missing binary skips the test, except in CI where `SENTINEL_REQUIRE_SERVERS=1` turns the skip
into a failure, so "the real-server tests passed" can never silently mean "they were skipped".
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests


def servers_required() -> bool:
    return os.environ.get("SENTINEL_REQUIRE_SERVERS", "") == "1"


def require_binary(name: str) -> str:
    """Path of binary `name`; skip the test if absent (fail when SENTINEL_REQUIRE_SERVERS=1)."""
    path = shutil.which(name) or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else None)
    if path:
        return path
    message = f"{name} not installed (apt-get install prometheus prometheus-alertmanager)"
    if servers_required():
        pytest.fail(f"SENTINEL_REQUIRE_SERVERS=1 but {message}")
    pytest.skip(message)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(url: str, proc: subprocess.Popen, timeout_s: float = 20.0) -> None:
    """Poll `url` until it answers 200; fail with the server's output if it dies or times out."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out = proc.stdout.read() if proc.stdout else ""
            pytest.fail(f"server exited with {proc.returncode} before ready: {out[-2000:]}")
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    pytest.fail(f"{url} not ready after {timeout_s} s")


def stop(proc: subprocess.Popen) -> None:
    """Terminate a server we started, killing it if it does not exit promptly."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
