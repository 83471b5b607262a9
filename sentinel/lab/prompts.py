"""Prompt variants side by side for one eval case: rendered text, estimated cost, verdicts.

Used by notebooks/02-prompt-variants. Token counts here are ESTIMATES (characters / 3.5 times
the model's token_factor, as `sentinel cost` does); measured usage appears only on verdicts from
a live or replayed call. A variant is run live when credentials exist (and recorded, so the
next offline run replays it), from a recording otherwise, and else reported as not run: nothing
is ever invented.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd

from sentinel.config import LLMConfig, SentinelConfig, Settings
from sentinel.detectors import build_assessor
from sentinel.errors import SentinelError
from sentinel.evaluation.cases import Case
from sentinel.llm.backends import Backend
from sentinel.llm.judge import LLMJudge
from sentinel.llm.prices import PriceTable
from sentinel.llm.projection import estimated_call
from sentinel.llm.prompts import RenderedPrompt, load_prompt
from sentinel.llm.replay import ReplayBackend
from sentinel.llm.tokens import estimated_tokens, output_tokens
from sentinel.pipeline import Assessment, ServiceData, collect
from sentinel.sources.base import MetricSource

NOT_RUN = "not run: no credentials and no recording"


def case_check_time(case: Case) -> datetime:
    """Where to look in a case: 10 minutes into its first labelled window (the period's end for
    background cases), when an incident is plainly under way."""
    windows = case.manifest.windows
    if not windows:
        return case.manifest.period.end
    w = windows[0]
    return min(w.start + timedelta(minutes=10), w.end)


def case_check(
    case: Case, config: SentinelConfig, source: MetricSource, at: datetime | None = None
) -> tuple[ServiceData, Assessment]:
    """The data and statistical assessment a check at `at` would hand to the judge."""
    service = config.service(case.service)
    at = at or case_check_time(case)
    data = collect(source, service, at, timedelta(days=config.history_days))
    return data, build_assessor(config).assess(data)


def render_variants(
    data: ServiceData, assessment: Assessment, versions: Sequence[str]
) -> dict[str, RenderedPrompt]:
    return {v: load_prompt(v).render(data, assessment) for v in versions}


def numbers_side_by_side(data: ServiceData, assessment: Assessment) -> pd.DataFrame:
    """Per metric: what v2 shows (its own hour-level band) beside what v3 shows (the detector's
    expectation, robust scale, z and the last 15 minutes of its 5-minute trajectory)."""
    from sentinel.llm.context import check_context, evidence_context

    v2 = {m["name"]: m for m in check_context(data, assessment)["metrics"]}
    v3 = {m["name"]: m for m in evidence_context(data, assessment)["metrics"]}
    rows = []
    for name, old in v2.items():
        new = v3.get(name, {})
        det = new.get("detector") or {}
        traj = new.get("trajectory_5m") or {}
        rows.append(
            {
                "metric": name,
                "current": old["current"],
                "v2 15-min mean": old["recent_15m_mean"],
                "v2 baseline median": old["baseline"]["median"],
                "v2 p10..p90": f"{old['baseline']['p10']}..{old['baseline']['p90']}",
                "v3 expected": det.get("expected"),
                "v3 robust scale": det.get("robust_scale"),
                "v3 z": det.get("z"),
                "v3 z, last 3 steps": traj.get("z", [])[-3:],
                "v3 threshold breach": (new.get("threshold_breach") or {}).get("status"),
            }
        )
    return pd.DataFrame(rows).set_index("metric")


def cost_table(
    rendered: dict[str, RenderedPrompt],
    prices: PriceTable,
    models: Sequence[str],
    checks_per_second: float,
) -> pd.DataFrame:
    """Per prompt version and model: estimated tokens and USD per check, cold and cached."""
    rows = []
    for version, prompt in rendered.items():
        s, u = estimated_tokens(prompt.system), estimated_tokens(prompt.user)
        for name in models:
            m = prices.model(name)
            rows.append(
                {
                    "prompt": version,
                    "model": m.alias,
                    "est. input tokens": round((s + u) * m.token_factor),
                    "est. output tokens": round(output_tokens(m, version)[0]),
                    "est. USD/check, no cache": estimated_call(
                        m, s, u, 0.0, cache=False, prompt_version=version
                    ),
                    "est. USD/check, cache at this rate": estimated_call(
                        m, s, u, checks_per_second, cache=True, prompt_version=version
                    ),
                }
            )
    return pd.DataFrame(rows).set_index(["prompt", "model"])


@dataclass(frozen=True)
class VariantResult:
    prompt: str
    model: str
    mode: str  # live | replay | not run: ...
    status: str = "-"
    action: str = "-"
    model_status: str = "-"  # the model's own status, before floors
    next_step: str = ""
    reasoning: str = ""
    response_source: str = "-"
    input_tokens: int | None = None
    output_tokens: int | None = None
    cost_usd: float | None = None


def run_variants(
    data: ServiceData,
    assessment: Assessment,
    versions: Sequence[str],
    models: Sequence[str],
    prices: PriceTable,
    replay_dir: Path,
    live: Backend | None = None,
    llm: LLMConfig | None = None,
) -> pd.DataFrame:
    """Ask each (prompt, model): live through `live` (recording the answer) when given, else from
    a recording in `replay_dir`, else report it as not run. Every call goes through the budget
    guard of `llm` (the config's: live calls spend from the same ledger as `sentinel check`)."""
    from sentinel.llm.factory import build_guard

    recorded = ReplayBackend(replay_dir, "replay")
    guard = build_guard(llm or LLMConfig(), "live" if live is not None else "replay")
    stat = assessment.verdict
    results = [
        VariantResult(
            prompt="-",
            model="(no model)",
            mode="statistical",
            status=stat.status.value,
            action=stat.recommended_action.value,
            reasoning=stat.reasoning,
            response_source=stat.provenance.response_source,
        )
    ]
    for version in versions:
        prompt = load_prompt(version)
        for name in models:
            model = prices.model(name)
            probe = LLMJudge(recorded, model, prompt).request(data, assessment)
            if live is not None:
                backend, mode = ReplayBackend(replay_dir, "record", live), "live"
            elif recorded.path(probe).is_file():
                backend, mode = recorded, "replay"
            else:
                results.append(VariantResult(version, model.alias, NOT_RUN))
                continue
            try:
                v = LLMJudge(backend, model, prompt, guard=guard).judge(data, assessment)
            except SentinelError as exc:  # LLMError, ReplayMiss, BudgetExceeded
                results.append(VariantResult(version, model.alias, f"{mode}: failed: {exc}"))
                continue
            results.append(
                VariantResult(
                    prompt=version,
                    model=model.alias,
                    mode=mode,
                    status=v.status.value,
                    action=v.recommended_action.value,
                    model_status=(v.provenance.model_status or v.status).value,
                    next_step=v.next_step,
                    reasoning=v.reasoning,
                    response_source=v.provenance.response_source,
                    input_tokens=v.usage.input_tokens if v.usage else None,
                    output_tokens=v.usage.output_tokens if v.usage else None,
                    cost_usd=v.cost_usd,
                )
            )
    return pd.DataFrame([r.__dict__ for r in results]).set_index(["prompt", "model"])


def live_backend(
    settings: Settings, config: SentinelConfig, models: Sequence[str]
) -> Backend | None:
    """The live SDK backend when credentials are configured; None (offline) otherwise."""
    from sentinel.evaluation.strategies import credentials_present
    from sentinel.llm.factory import build_live_backend
    from sentinel.llm.prices import load_prices

    if not credentials_present(settings):
        return None
    llm = config.llm
    infos = [load_prices().model(m) for m in models]
    return build_live_backend(llm.backend, settings, llm.max_retries, llm.timeout_s, infos)
