"""`eval run --batch`: the walk-forward replay with the model calls sent as Message Batches.

Pass 1 runs the statistical pipeline (collect -> assess -> gate) at every pending check time and
renders the requests the judge would send for the escalated ones; they go out as batches (for a
tiered strategy: the cheap model first, then the strong model for the items its answer
escalates). Pass 2 is the ordinary replay with the judge answered from the batch results, so
verdicts, fallbacks and recordings (record mode) are exactly what one-by-one calls would give.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sentinel.agent import Agent
from sentinel.config import ServiceConfig
from sentinel.errors import ConfigError, LLMError
from sentinel.evaluation.walk_forward import (
    ReplayResult,
    read_records,
    replay,
)
from sentinel.llm.backends import Backend, ModelReply, ModelRequest, SDKBackend, check_reply
from sentinel.llm.batch import BATCH_ONLY_ANTHROPIC, BatchAnswers, BatchResult, BatchRunner
from sentinel.llm.judge import LLMJudge, TieredJudge
from sentinel.llm.replay import ReplayBackend, load_reply
from sentinel.pipeline import Assessment, ServiceData


def escalated_checks(
    agent: Agent, services: dict[str, ServiceConfig], todo: list[tuple[str, datetime]]
) -> list[tuple[ServiceData, Assessment]]:
    """The checks whose model call `Agent.decide` would make: the agent's own assess step."""
    out = []
    for service, at in todo:
        outcome = agent.assess(services[service], at)
        if agent.wants_model(outcome):
            assert outcome.assessment is not None
            out.append((outcome.data, outcome.assessment))
    return out


def replay_batched(
    agent: Agent,
    services: dict[str, ServiceConfig],
    schedule: dict[str, list[datetime]],
    stream: Path,
    label: str = "",
    progress: bool = True,
    poll_s: float = 30.0,
    timeout_s: float = 24 * 3600.0,
) -> ReplayResult:
    """Batch the model calls of every pending check, then replay with their answers."""
    judges = _llm_judges(agent.judge)
    backend: Backend = judges[0].backend
    recorder = backend if isinstance(backend, ReplayBackend) else None
    live = recorder.live if recorder else backend
    if not isinstance(live, SDKBackend):
        raise ConfigError("--batch needs a live model backend (mode live or record)")
    if live.name != "anthropic":
        raise ConfigError(BATCH_ONLY_ANTHROPIC)
    done = {(r.service, r.at) for r in read_records(stream)}
    todo = [(s, t) for s, times in schedule.items() for t in times if (s, t) not in done]
    checks = escalated_checks(agent, services, todo)
    runner = BatchRunner(live, poll_s, timeout_s, progress, label=f"{label} batch".strip())

    def submit(requests: list[ModelRequest]) -> dict[str, BatchResult]:
        fresh = [r for r in requests if recorder is None or not recorder.path(r).is_file()]
        return runner.run(fresh)

    first = [judges[0].request(d, a) for d, a in checks]
    results = submit(first)
    if isinstance(agent.judge, TieredJudge):
        tiered = agent.judge
        strong = [
            judges[1].request(d, a)
            for (d, a), req in zip(checks, first, strict=True)
            if _escalates(tiered, req, a, results.get(req.key()), recorder)
        ]
        results.update(submit(strong))
    answers = BatchAnswers(live, results)
    answering: Backend = (
        ReplayBackend(recorder.replay_dir, "record", answers) if recorder else answers
    )
    for judge in judges:
        judge.backend = answering
    return replay(agent, services, schedule, stream, label, progress)


def _llm_judges(judge: object) -> list[LLMJudge]:
    if isinstance(judge, LLMJudge):
        return [judge]
    if isinstance(judge, TieredJudge):
        return [judge.cheap, judge.strong]
    raise ConfigError("--batch needs a model strategy (llm:<model> or tiered:<cheap>,<strong>)")


def _escalates(
    tiered: TieredJudge,
    request: ModelRequest,
    assessment: Assessment,
    result: BatchResult | None,
    recorder: ReplayBackend | None,
) -> bool:
    """Whether the tiered rule sends this item to the strong model, judged from the cheap
    model's valid answer. Failed or invalid cheap answers are not escalated here: the judge
    then falls back (or repairs with a direct call) exactly as without batches."""
    reply: ModelReply | None = result if isinstance(result, ModelReply) else None
    if result is None and recorder is not None and recorder.path(request).is_file():
        reply = load_reply(recorder.path(request))
    if reply is None:
        return False
    try:
        answer, _ = check_reply(reply, request, reply.usage, 0.0)
    except LLMError:
        return False
    return answer is not None and tiered.needs_strong(answer, assessment)
