"""A real small model in the loop: `sentinel check --strategy llm:local` against llama.cpp's
llama-server serving SmolLM2-135M-Instruct on 127.0.0.1, through the real judge path.

Asserts behaviour, not judgement: a 135M model's verdict is near random (see docs/llm.md). The
model must have generated (tokens and latency counted); its answer is either used (labelled
`live`, model named, 0 $) or, when it loops to max_tokens (greedy SmolLM2 often does), the
statistical verdict stands with the reason in the provenance.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from sentinel.checks import read_sidecar
from sentinel.config import PROJECT_ROOT
from sentinel.models import Status
from tests.local_model_server import MODEL_NAME, llama_server, require_runtime

pytestmark = [pytest.mark.local_model, pytest.mark.slow]
ALIAS = f"local-{MODEL_NAME}"
CHECK_AT = "2026-10-29T14:20:00Z"  # make check's time: api-service is CRITICAL, so it escalates


@pytest.fixture(scope="module")
def model_url(tmp_path_factory):
    binary, gguf = require_runtime()
    with llama_server(binary, gguf, tmp_path_factory.mktemp("llama")) as url:
        yield url


def config_for_slow_cpu(tmp_path: Path) -> Path:
    """The bundled services with room for a 2-core CPU model: long deadline, one retry."""
    cfg = yaml.safe_load((PROJECT_ROOT / "config" / "services.yaml").read_text())
    for svc in cfg["services"]:
        svc["interval_seconds"] = 600  # the check deadline is capped at 0.8 x the interval
    cfg["llm"] = {
        **cfg.get("llm", {}),
        "backend": "local",
        "timeout_s": 300,
        "check_deadline_s": 400,
        "max_retries": 1,
        "budget_state": None,
    }
    path = tmp_path / "services.yaml"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    return path


def test_a_real_local_model_generates_and_its_answer_or_a_named_fallback_stands(
    model_url, tmp_path
):
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ANTHROPIC")},
        "SENTINEL_LLM_BASE_URL": model_url,
        "SENTINEL_LLM_MODE": "live",
    }
    out = tmp_path / "out"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sentinel",
            "check",
            "--at",
            CHECK_AT,
            "--strategy",
            "llm:local",
            "--config",
            str(config_for_slow_cpu(tmp_path)),
            "--service",
            "api-service",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env=env,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (verdict,) = read_sidecar(out / "verdicts.json").verdicts
    prov = verdict.provenance
    assert verdict.usage.input_tokens > 100 and verdict.usage.output_tokens > 0  # it generated
    assert verdict.usage.latency_s > 0
    if prov.path == f"llm:{ALIAS}":  # a schema-valid answer, used as the verdict
        assert (prov.response_source, prov.model, prov.backend) == ("live", ALIAS, "local-openai")
        assert verdict.status in {Status.NORMAL, Status.WATCH, Status.WARNING, Status.CRITICAL}
        assert verdict.cost_usd == 0.0
        assert f"[llm:{ALIAS}]" in result.stdout
    else:  # the 135M model often loops to max_tokens: the statistical verdict stands, said so
        assert prov.path == "llm-fallback", prov
        assert ALIAS in prov.note and ("truncated" in prov.note or "schema" in prov.note)
        assert verdict.status is Status.CRITICAL  # the detectors' verdict at CHECK_AT
