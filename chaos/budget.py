"""The call cap under a burst of escalations: N concurrent checks that all ask for the model,
cap C per hour; model calls counted at the scripted server (owner of caps: the faults helper)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from chaos.table import Row, guarded
from tests import llm_cases as c
from tests.llm_server import Scripted, ScriptedServer, message_body

GROUP = "budget"


def _row(cap: int, burst: int) -> Row:
    from sentinel.agent import Agent
    from sentinel.llm import build_judge

    with ScriptedServer() as server:
        server.push(*[Scripted(body=message_body(c.answer("CRITICAL")), delay_s=0.05)] * burst)
        config = c.config(calls_per_hour=cap)
        judge = build_judge("llm:claude-haiku-5-5", c.settings(server.url), config, mode="live")
        agent = Agent(config, c.DictSource(), c.FixedAssessor(c.assessment()), judge=judge)
        with ThreadPoolExecutor(8) as pool:
            verdicts = list(pool.map(lambda _: agent.check("api-service", c.AT), range(burst)))
        calls = len(server.requests)
    fallbacks = sum(v.provenance.path == "budget-exhausted" for v in verdicts)
    outcome = (
        f"cap {cap}/h, {burst} concurrent escalations: {calls} calls let through, "
        f"{fallbacks} budget fallbacks, {len(verdicts)} verdicts"
    )
    return Row(
        GROUP,
        f"burst of {burst} at cap {cap}",
        outcome,
        "ok" if calls <= cap else "note (faults #21)",
    )


def rows(quick: bool = False) -> list[Row]:
    return [guarded(GROUP, "burst", lambda: _row(5, 12 if quick else 30))]
