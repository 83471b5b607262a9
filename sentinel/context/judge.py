"""Context on escalation: a Judge that collects logs and traces, then asks the inner judge.

The gate calls a judge only for escalated checks, so wrapping the judge collects context exactly
when it is worth its tokens, and a check the gate lets pass costs no Loki or Tempo query. The
verdict's provenance note says what context the model saw and what was missing.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from sentinel.config import Settings
from sentinel.context.collect import TOKEN_BUDGET, WINDOW, collect_context
from sentinel.context.sources import ContextSource
from sentinel.models import Verdict
from sentinel.pipeline import Assessment, Judge, ServiceData


class ContextJudge:
    """Adds a CheckContext to the data, then delegates; attributes it lacks come from `inner`."""

    def __init__(
        self,
        inner: Judge,
        source: ContextSource,
        window: timedelta = WINDOW,
        token_budget: int = TOKEN_BUDGET,
    ) -> None:
        self.inner, self.source = inner, source
        self.window, self.token_budget = window, token_budget

    def __getattr__(self, name: str):
        if name == "inner":  # not set yet (copy, unpickle): no recursion through __getattr__
            raise AttributeError(name)
        return getattr(self.inner, name)  # alias, model, prompt, guard ... of the wrapped judge

    def with_context(self, data: ServiceData) -> ServiceData:
        ctx = collect_context(self.source, data.service, data.at, self.window, self.token_budget)
        return replace(data, context=ctx)

    def judge(self, data: ServiceData, assessment: Assessment) -> Verdict:
        data = self.with_context(data)
        note = data.context.summary()
        verdict = self.inner.judge(data, assessment)  # a fallback verdict used no context
        prov = verdict.provenance
        joined = f"{prov.note}; {note}" if prov.note else note
        return verdict.model_copy(update={"provenance": prov.model_copy(update={"note": joined})})


def context_source(
    kind: str, settings: Settings | None = None, fixtures_dir: Path | None = None
) -> ContextSource | None:
    """The context source for a run: live Loki/Tempo when LOKI_URL or TEMPO_URL is set, else the
    fixtures' synthetic episodes when checking fixtures; None for Prometheus without either."""
    from sentinel.context.sources import LiveContext

    live = LiveContext.from_settings(settings or Settings())
    if live is not None or kind != "fixtures":
        return live
    from sentinel.config import FIXTURES_DIR
    from sentinel.context.fixture_context import FixtureContext

    return FixtureContext(fixtures_dir or FIXTURES_DIR)


def with_context(judge: Judge | None, source: ContextSource | None) -> Judge | None:
    """`judge` wrapped to collect context, or unchanged when there is no judge or no source."""
    if judge is None or source is None:
        return judge
    return ContextJudge(judge, source)
