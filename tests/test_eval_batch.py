"""`eval run --batch`: the real SDK against the local Messages API server's Message Batches."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from sentinel.config import Settings
from sentinel.errors import ConfigError
from sentinel.evaluation.runner import RunOptions, run_eval
from sentinel.llm.prices import load_prices
from sentinel.models import Usage
from tests.evalkit import make_suite
from tests.llm_server import (
    BATCH_EXPIRED,
    Scripted,
    ScriptedServer,
    batch_errored,
    batch_succeeded,
    message_body,
)

HAIKU, SONNET = load_prices().model("haiku"), load_prices().model("sonnet")
LLM_PATH = f"llm:{HAIKU.alias}"


def answer(status: str = "WARNING", confidence: float = 0.9) -> str:
    return json.dumps(
        {
            "status": status,
            "confidence": confidence,
            "anomalies": [],
            "reasoning": "scripted test answer",
            "next_step": "",
        }
    )


def options(tmp_path: Path, strategy: str, mode: str, batch: bool) -> RunOptions:
    fixtures, config, suite = make_suite(tmp_path)
    return RunOptions(
        suite=str(suite),
        strategies=[strategy],
        cadence="15m",
        mode=mode,
        batch=batch,
        batch_poll_s=0.0,
        n_boot=0,
        config=str(config),
        fixtures_dir=str(fixtures),
        replay_dir=str(tmp_path / "replays"),
    )


def settings(url: str = "http://127.0.0.1:9") -> Settings:
    return Settings(anthropic_api_key="test-dummy-key", anthropic_base_url=url)


def run(opts: RunOptions, tmp_path: Path, run_id: str, url: str = "http://127.0.0.1:9"):
    result = run_eval(opts, out=tmp_path / "out", run_id=run_id, settings=settings(url))
    (srun,) = result.strategies
    assert srun.ran, srun.note
    return [r.verdict for r in srun.repeats[0]]


def batch_items(server: ScriptedServer) -> list[dict[str, Any]]:
    return [item for b in server.batches.values() for item in b["requests"]]


def canonical(bodies: list[dict[str, Any]]) -> list[str]:
    return sorted(json.dumps(b, sort_keys=True) for b in bodies)


def test_batch_sends_the_judges_requests_prices_at_half_and_replays_offline(tmp_path: Path):
    with ScriptedServer() as server:
        opts = options(tmp_path / "a", "llm:haiku", "live", batch=False)
        server.push(*[Scripted(body=message_body(answer())) for _ in range(200)])
        direct = run(opts, tmp_path, "direct", server.url)
        sent = [r.body for r in server.requests if r.path == "/v1/messages"]
        assert sent and len(sent) == sum(v.provenance.path == LLM_PATH for v in direct)

        server.requests.clear()
        server.batch_script = lambda cid, params: batch_succeeded(
            answer(), input_tokens=900, output_tokens=120, cache_read=50
        )
        opts = options(tmp_path / "b", "llm:haiku", "record", batch=True)
        batched = run(opts, tmp_path, "batched", server.url)
        items = batch_items(server)
        assert not [r for r in server.requests if r.path == "/v1/messages"]  # nothing direct
        assert canonical([i["params"] for i in items]) == canonical(sent)
        assert len({i["custom_id"] for i in items}) == len(items)

    llm = [v for v in batched if v.provenance.path == LLM_PATH]
    assert len(llm) == len(items)
    assert {v.provenance.response_source for v in llm} == {"scripted"}
    for v in llm:
        assert v.usage.service_tier == "batch" and v.usage.cache_read_input_tokens == 50
        standard = HAIKU.cost_usd(v.usage.model_copy(update={"service_tier": "standard"}))
        assert v.cost_usd == pytest.approx(standard / 2) and v.cost_usd > 0

    # Offline: the recorded batch answers replay, with the same verdicts and costs.
    offline = run(options(tmp_path / "b", "llm:haiku", "replay", batch=True), tmp_path, "offline")
    assert [(v.status, v.cost_usd) for v in offline] == [(v.status, v.cost_usd) for v in batched]
    replayed = [v for v in offline if v.provenance.path == LLM_PATH]
    assert len(replayed) == len(llm)
    assert {v.provenance.response_source for v in replayed} == {"scripted"}


def test_errored_and_expired_items_become_llm_fallbacks_with_the_reason(tmp_path: Path):
    order = itertools.count()

    def script(cid: str, params: dict[str, Any]) -> dict[str, Any]:
        n = next(order)
        if n == 0:
            return batch_errored("overloaded_error", "scripted overload")
        if n == 1:
            return BATCH_EXPIRED
        return batch_succeeded(answer())

    with ScriptedServer() as server:
        server.batch_script = script
        verdicts = run(
            options(tmp_path, "llm:haiku", "record", batch=True), tmp_path, "r", server.url
        )
    fallbacks = [v for v in verdicts if v.provenance.path == "llm-fallback"]
    notes = sorted(v.provenance.note for v in fallbacks)
    assert len(fallbacks) == 2
    assert "errored: overloaded_error: scripted overload" in notes[0]
    assert "expired" in notes[1]
    assert all(not v.cost_usd for v in fallbacks)  # failed batch items are not billed
    assert sum(v.provenance.path == LLM_PATH for v in verdicts) == len(batch_items(server)) - 2


def test_tiered_batches_the_strong_model_only_for_what_the_cheap_one_escalates(tmp_path: Path):
    order = itertools.count()

    def script(cid: str, params: dict[str, Any]) -> dict[str, Any]:
        if params["model"] == SONNET.api_id:
            return batch_succeeded(answer("CRITICAL"), model=SONNET.api_id)
        # every other cheap answer alerts, so the tiered rule escalates half of them
        return batch_succeeded(answer("WARNING" if next(order) % 2 else "NORMAL"))

    with ScriptedServer() as server:
        server.batch_script = script
        opts = options(tmp_path, "tiered:haiku,sonnet", "record", batch=True)
        # A detector whose escalated checks here are all below WARNING, so the alternating
        # cheap answers disagree with it on exactly every other item.
        cfg = yaml.safe_load(Path(opts.config).read_text())
        cfg.setdefault("detection", {})["detector"] = "seasonal_mad"
        Path(opts.config).write_text(yaml.safe_dump(cfg))
        verdicts = run(opts, tmp_path, "t", server.url)
    first, second = (b["requests"] for b in server.batches.values())
    assert {i["params"]["model"] for i in first} == {HAIKU.api_id}
    assert {i["params"]["model"] for i in second} == {SONNET.api_id}
    assert len(second) == len(first) // 2
    strong = [v for v in verdicts if v.provenance.path == f"tiered:{SONNET.alias}"]
    assert len(strong) == len(second)
    for v in strong:  # both calls are billed at the batch rate
        assert v.usage.service_tier == "batch"
        assert v.cost_usd == pytest.approx(
            HAIKU.cost_usd(Usage(input_tokens=900, output_tokens=120), batch=True)
            + SONNET.cost_usd(Usage(input_tokens=900, output_tokens=120), batch=True)
        )


def test_batch_with_bedrock_is_a_one_line_error(tmp_path: Path):
    opts = options(tmp_path, "llm:haiku", "live", batch=True)
    cfg = yaml.safe_load(Path(opts.config).read_text())
    cfg["llm"]["backend"] = "bedrock"
    Path(opts.config).write_text(yaml.safe_dump(cfg))
    bedrock = Settings(aws_region="us-east-1", bedrock_model_id="anthropic.claude-x")
    with pytest.raises(ConfigError, match="Bedrock") as err:
        run_eval(opts, out=tmp_path / "out", run_id="x", settings=bedrock)
    assert "\n" not in str(err.value)
