"""The shipped recordings of SmolLM2-135M (evals/recordings) replay on a fresh clone: the eval's
local-model row and one `sentinel check --strategy llm:local`, offline, labelled `replay`.

If this fails after a change to the prompt, the default detector, its evidence or the gate, the
recordings are stale: re-record with `make eval-local-record` (evals/recordings/README.md).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from sentinel.checks import read_sidecar
from sentinel.config import PROJECT_ROOT
from tests.local_model_server import MODEL_NAME
from tests.realdata import need

pytestmark = pytest.mark.slow
ALIAS = f"local-{MODEL_NAME}"
RECORDINGS = PROJECT_ROOT / "evals" / "recordings"
RECORDED_WITH = "staged"  # the detector the recordings were made with (LOCAL_DETECTOR)


def run(*argv: str, cwd: Path = PROJECT_ROOT, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC", "SENTINEL"))}
    return subprocess.run(
        [sys.executable, "-m", "sentinel", *argv],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**clean, **env},
        timeout=600,
        check=False,
    )


@pytest.fixture(scope="module")
def local_suite(tmp_path_factory) -> Path:
    """The Makefile's local suite: the imported Nezha fixtures with evals/local-cases."""
    root = tmp_path_factory.mktemp("nezha")
    done = run("fixtures", "import", "nezha", str(need("nezha")), "--out", str(root / "nezha"))
    assert done.returncode == 0, done.stderr
    suite = root / "nezha-local"
    suite.mkdir()
    config = yaml.safe_load((root / "nezha" / "services.yaml").read_text())
    config["detection"] = {"detector": RECORDED_WITH}  # as the Makefile's local_suite pins it
    (suite / "services.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    (suite / "fixtures").symlink_to(root / "nezha" / "fixtures")
    shutil.copytree(PROJECT_ROOT / "evals" / "local-cases", suite / "cases")
    return suite


def test_the_local_model_row_replays_from_the_shipped_recordings(local_suite, tmp_path):
    done = run(
        "eval", "run", "--suite", str(local_suite), "--strategies", "llm:local",
        "--mode", "replay", "--replay-dir", str(RECORDINGS), "--out", str(tmp_path),
        "--run-id", "r", "--bootstrap", "0",
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    lines = (tmp_path / "r" / "verdicts" / "llm-local__r1.jsonl").read_text().splitlines()
    judged = [json.loads(line)["verdict"] for line in lines]
    judged = [v for v in judged if v["provenance"]["model"] == ALIAS]
    assert judged, "no check reached the local model"
    assert {v["provenance"]["response_source"] for v in judged} == {"replay"}
    assert all(v["usage"]["input_tokens"] > 1000 for v in judged)
    assert "not run" not in done.stdout


def test_sentinel_check_replays_a_recorded_local_model_answer(local_suite, tmp_path):
    cfg = yaml.safe_load((local_suite / "services.yaml").read_text())
    for svc in cfg["services"]:
        svc["fixture"] = str(local_suite / "fixtures" / f"{svc['fixture']}.yaml")
    cfg["llm"] = {"replay_dir": str(RECORDINGS / "repeat-1"), "mode": "replay"}
    config = tmp_path / "services.yaml"
    config.write_text(yaml.safe_dump(cfg, sort_keys=False))
    done = run(
        "check", "--config", str(config), "-s", "frontend", "--at", "2022-08-23T12:10:00Z",
        "--strategy", "llm:local", "--out", str(tmp_path / "out"),
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    (verdict,) = read_sidecar(tmp_path / "out" / "verdicts.json").verdicts
    prov = verdict.provenance
    assert (prov.model, prov.response_source) == (ALIAS, "replay")
    assert verdict.usage.input_tokens > 1000 and verdict.cost_usd == 0.0
