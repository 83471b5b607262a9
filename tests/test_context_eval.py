"""`eval run --context`: model strategies see the fixtures' log and trace context; without the
flag their prompts are the metrics-only ones. The model is the scripted Messages-API server
(test data, not a model's answers)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from sentinel.config import Settings
from sentinel.errors import ConfigError
from sentinel.evaluation.runner import RunOptions, run_eval
from tests.evalkit import SPIKE, make_suite
from tests.llm_server import Scripted, ScriptedServer, message_body
from tests.test_eval_batch import answer

CONTEXT = {
    "kind": "synthetic",
    "service": "svc",
    "episodes": [
        {
            "start": SPIKE.start.isoformat(),
            "end": SPIKE.end.isoformat(),
            "logs": [{"line": "level=error msg=timeout upstream=db id={id}", "every_s": 30}],
            "traces": [{"span": "GET /x", "every_s": 60, "duration_ms": 4000, "status": "slow"}],
        }
    ],
}


def _options(tmp_path: Path, context: bool) -> RunOptions:
    fixtures, config, suite = make_suite(tmp_path)
    (fixtures / "context").mkdir(exist_ok=True)
    (fixtures / "context" / "tiny.yaml").write_text(yaml.safe_dump(CONTEXT))
    return RunOptions(
        suite=str(suite),
        strategies=["llm:haiku"],
        cadence="15m",
        mode="live",
        context=context,
        n_boot=0,
        config=str(config),
        fixtures_dir=str(fixtures),
        replay_dir=str(tmp_path / "replays"),
    )


def _prompts(opts: RunOptions, tmp_path: Path, run_id: str) -> tuple[list[str], list]:
    with ScriptedServer() as server:
        server.push(*[Scripted(body=message_body(answer())) for _ in range(200)])
        settings = Settings(anthropic_api_key="test-dummy-key", anthropic_base_url=server.url)
        result = run_eval(opts, out=tmp_path / "out", run_id=run_id, settings=settings, jobs=1)
        users = [
            r.body["messages"][0]["content"] for r in server.requests if r.path == "/v1/messages"
        ]
    (srun,) = result.strategies
    return users, [r.verdict for r in srun.repeats[0]]


def test_eval_with_context_shows_the_window_logs_and_without_it_metrics_only(tmp_path: Path):
    with_ctx, verdicts = _prompts(_options(tmp_path / "a", True), tmp_path, "with")
    without, _ = _prompts(_options(tmp_path / "b", False), tmp_path, "without")

    assert with_ctx and len(with_ctx) == len(without)  # the same checks escalate either way
    assert all('<untrusted_data kind="context">' in u for u in with_ctx)
    assert any("upstream=db" in u and '"GET /x"' in u for u in with_ctx)  # inside the spike
    assert not any('untrusted_data kind="context"' in u for u in without)
    notes = [v.provenance.note for v in verdicts if v.provenance.path.startswith("llm:")]
    assert notes and all("context:" in n for n in notes)


def test_context_with_batch_is_refused_before_any_work(tmp_path: Path):
    opts = replace(_options(tmp_path, True), batch=True)
    with pytest.raises(ConfigError, match="--context does not work with --batch"):
        run_eval(opts, out=tmp_path / "out", run_id="x", settings=Settings())
    assert not (tmp_path / "out" / "x").exists()
