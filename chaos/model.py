"""Model faults through the real anthropic SDK against the scripted Messages-API server:
429, 529, timeout, hang, refusal, max_tokens, schema-violating output. Requests are counted
at the server, wall time per check measured. Answers are scripted test data."""

from __future__ import annotations

from chaos.table import Row, guarded, timed
from tests import llm_cases as c
from tests.llm_server import Scripted, ScriptedServer, error_body, message_body

GROUP = "model"
TIMEOUT_S = 1.0
GOOD = Scripted(body=message_body(c.answer("CRITICAL")))
HANG_S = 6.0


def scripts() -> dict[str, list[Scripted]]:
    return {
        "429 then answer": [error_body(429, "rate_limit_error", "slow down"), GOOD],
        "429 always": [error_body(429, "rate_limit_error", "slow down")] * 5,
        "529 then answer": [error_body(529, "overloaded_error", "overloaded"), GOOD],
        "529 always": [error_body(529, "overloaded_error", "overloaded")] * 5,
        f"timeout (answer after {TIMEOUT_S * 2:g} s)": [
            Scripted(body=GOOD.body, delay_s=TIMEOUT_S * 2)
        ]
        * 5,
        f"hang ({HANG_S:g} s, timeout {TIMEOUT_S:g} s)": [Scripted(body=GOOD.body, delay_s=HANG_S)]
        * 5,
        "refusal": [Scripted(body=message_body("", stop_reason="refusal"))],
        "max_tokens (cut-off JSON)": [
            Scripted(body=message_body(c.answer("CRITICAL")[:40], stop_reason="max_tokens"))
        ],
        "schema-violating output": [Scripted(body=message_body('{"status": "PANIC", "x": 1}'))] * 3,
        "not JSON at all": [Scripted(body=message_body("Looks bad to me."))] * 3,
    }


def _row(name: str, script: list[Scripted]) -> Row:
    from sentinel.agent import Agent
    from sentinel.llm import build_judge

    with ScriptedServer() as server:
        server.push(*script)
        config = c.config(timeout_s=TIMEOUT_S, max_retries=2)
        judge = build_judge("llm:claude-haiku-5-5", c.settings(server.url), config, mode="live")
        agent = Agent(config, c.DictSource(), c.FixedAssessor(c.assessment()), judge=judge)
        with timed() as elapsed:
            verdict = agent.check("api-service", c.AT)
            wall = elapsed()
        calls = len(server.requests)
    path = verdict.provenance.path
    note = verdict.provenance.note[:90]
    outcome = f"{verdict.status.value} [{path}] {note}; {calls} requests, {wall:.1f} s"
    # the statistical verdict must survive every failure; nothing may crash
    fine = verdict.status.value in ("WARNING", "CRITICAL")
    return Row(GROUP, name, outcome, "ok" if fine else "LOST", {"requests": calls, "wall_s": wall})


def rows(quick: bool = False) -> list[Row]:
    chosen = scripts()
    if quick:
        chosen = {k: v for k, v in chosen.items() if not k.startswith(("hang", "timeout"))}
    return [guarded(GROUP, n, lambda n=n, s=s: _row(n, s)) for n, s in chosen.items()]
