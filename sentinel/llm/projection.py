"""Project the monthly model bill of a config, per strategy and model (`sentinel cost`).

Pure arithmetic over: checks per month (from each service's interval), the escalation rate and
the tiered strong-model rate (measured from verdicts when given, else assumed), and tokens per
call (measured cost per call when verdicts carry usage, else estimated from the rendered prompt).
Every row says which of its inputs were measured, estimated or assumed.

Token estimates (sentinel.llm.tokens, which says what each figure assumes): the prompt rendered
for a representative check, a representative answer in the prompt's schema and the thinking the
request allows, characters / 3.5 for Claude Haiku 4.5's tokenizer times the model's
`token_factor` (prices.yaml). Prompt caching: the static system part is billed as a cache read when the cache is warm, which
happens with probability 1 - exp(-calls_per_second * ttl) for calls arriving at random, and as a
cache write otherwise; below the model's min_cache_tokens nothing is cached.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from sentinel.config import DEFAULT_CACHE_TTL, CacheTTL, LLMConfig, SentinelConfig, ServiceConfig
from sentinel.llm.prices import MTOK, ModelInfo, PriceTable
from sentinel.llm.prompts import load_prompt
from sentinel.llm.tokens import estimated_tokens, output_tokens, sample_check
from sentinel.models import Route, Verdict

SECONDS_PER_MONTH = 30.4375 * 86400
DEFAULT_ESCALATION_RATE = 0.05
DEFAULT_STRONG_RATE = 0.30
TTL_SECONDS = {"5m": 300, "1h": 3600}


@dataclass(frozen=True)
class CallCost:
    """Cost of one model call and where the figure came from."""

    usd: float
    basis: str  # "measured (n=..)" or "estimated"


RowKind = Literal["statistical", "always-call", "gated", "tiered"]


@dataclass(frozen=True)
class Row:
    """One projected design. `kind` and `model_aliases` say what it is, so callers pick a row
    by those, never by parsing `strategy` (the label printed for humans)."""

    strategy: str
    models: str
    calls_per_month: float
    usd_per_call: float
    usd_per_month: float
    capped_usd_per_month: float
    basis: str
    capped_by: str = ""  # the cap that binds ("monthly_budget_usd=50.0"), empty when none does
    kind: RowKind = "statistical"
    model_aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Measured:
    """What a set of verdicts tells about rates and costs."""

    escalation_rate: float | None
    strong_rate: float | None
    cost_per_call: dict[str, CallCost]
    n_verdicts: int
    source: str = ""  # where the verdicts came from, e.g. "eval 20261201T202943Z"


def checks_per_month(service: ServiceConfig) -> float:
    return SECONDS_PER_MONTH / service.interval_seconds


def measure(
    verdicts: Iterable[Verdict], escalated: Iterable[bool] = (), source: str = ""
) -> Measured:
    """Escalation rate, tiered strong-model rate and mean cost per call from verdicts.

    `escalated` are the gate's decisions an eval records per check (its statistical replay of
    the config's detector): when given they are the escalation rate, the one the eval projects
    with; otherwise it is the share of model-strategy verdicts the gate sent to the model."""
    vs = [v for v in verdicts if v.provenance.route != Route.NO_DATA]
    judged = [v for v in vs if v.provenance.route != Route.STATISTICAL]
    has_model = any(v.provenance.route.asked_model for v in vs)
    escalation = len(judged) / len(vs) if vs and has_model else None
    flags = list(escalated)
    if flags:
        escalation = sum(flags) / len(flags)
    tiered = [v for v in vs if v.provenance.route == Route.TIERED]
    strong = [v for v in tiered if v.provenance.escalated]
    costs: dict[str, list[float]] = {}
    sources: dict[str, set[str]] = {}
    for v in vs:
        model = v.provenance.model
        if v.provenance.route == Route.LLM and model and v.cost_usd is not None:
            costs.setdefault(model, []).append(v.cost_usd)
            sources.setdefault(model, set()).add(v.provenance.response_source)
    return Measured(
        escalation_rate=escalation,
        strong_rate=len(strong) / len(tiered) if tiered else None,
        cost_per_call={
            m: CallCost(float(np.mean(c)), _usage_basis(len(c), sources[m]))
            for m, c in costs.items()
        },
        n_verdicts=len(vs),
        source=source,
    )


def prompt_tokens(config: SentinelConfig, version: str) -> dict[str, tuple[int, int]]:
    """Estimated (system, user) tokens per service for Haiku 4.5's tokenizer."""
    template = load_prompt(version)
    out = {}
    for svc in config.services:
        rendered = template.render(*sample_check(svc, min(config.history_days, 8)))
        out[svc.name] = (estimated_tokens(rendered.system), estimated_tokens(rendered.user))
    return out


def estimated_call(
    model: ModelInfo,
    system_tokens: int,
    user_tokens: int,
    calls_per_second: float,
    cache: bool,
    ttl: CacheTTL = DEFAULT_CACHE_TTL,
    prompt_version: str = "v3",
) -> float:
    """Expected USD of one call, with the static part cached when it can be."""
    s = system_tokens * model.token_factor
    u = user_tokens * model.token_factor
    o, _ = output_tokens(model, prompt_version)
    r = model.rates_for(int(s + u))
    write = r.cache_write_5m if ttl == "5m" else r.cache_write_1h
    if cache and s >= model.min_cache_tokens:
        warm = 1 - math.exp(-calls_per_second * TTL_SECONDS[ttl])
        static = s * (warm * r.cache_read + (1 - warm) * write)
    else:
        static = s * r.input
    return (static + u * r.input + o * r.output) / MTOK


def project(
    config: SentinelConfig,
    prices: PriceTable,
    models: list[str],
    tiered: tuple[str, str] | None,
    measured: Measured | None = None,
    escalation_rate: float | None = None,
    strong_rate: float | None = None,
) -> tuple[list[Row], dict[str, str]]:
    """Rows for statistical, the seed's always-call design per model, gated, and tiered."""
    llm = config.llm
    measured = measured or Measured(None, None, {}, 0)
    esc, esc_basis = _pick(escalation_rate, measured.escalation_rate, DEFAULT_ESCALATION_RATE)
    strong, strong_basis = _pick(strong_rate, measured.strong_rate, DEFAULT_STRONG_RATE)
    checks = sum(checks_per_month(s) for s in config.services)
    seed_tokens = prompt_tokens(config, "v1-seed")
    v2_tokens = prompt_tokens(config, llm.prompt)

    def per_call(
        model: ModelInfo,
        tokens: dict[str, tuple[int, int]],
        rate: float,
        cache: bool,
        version: str = llm.prompt,
    ) -> CallCost:
        """Check-weighted mean cost per call across services."""
        if cache and model.alias in measured.cost_per_call:
            return measured.cost_per_call[model.alias]
        cps = checks * rate / SECONDS_PER_MONTH  # all services share the static prefix
        total = sum(
            checks_per_month(s)
            * estimated_call(model, *tokens[s.name], cps, cache, llm.cache_ttl, version)
            for s in config.services
        )
        return CallCost(total / checks, "estimated")

    def row(
        kind: RowKind,
        strategy: str,
        aliases: tuple[str, ...],
        calls: float,
        cost: CallCost,
        basis: str,
    ) -> Row:
        month = calls * cost.usd
        capped, by = cap_monthly(llm, calls, cost.usd)
        basis = f"tokens {cost.basis}; {basis}"
        names = "+".join(aliases)
        return Row(strategy, names, calls, cost.usd, month, capped, basis, by, kind, aliases)

    rows = [Row("statistical", "-", 0, 0.0, 0.0, 0.0, "no model calls")]
    for name in models:
        m = prices.model(name)
        seed = per_call(m, seed_tokens, 1.0, cache=False, version="v1-seed")
        rows.append(
            row(
                "always-call",
                f"always-call (seed) {m.alias}",
                (m.alias,),
                checks,
                seed,
                "every check calls the model, prompt v1-seed, no cache",
            )
        )
    for name in models:
        m = prices.model(name)
        rows.append(
            row(
                "gated",
                f"gated llm:{m.alias}",
                (m.alias,),
                checks * esc,
                per_call(m, v2_tokens, esc, cache=True),
                f"escalation {esc:.1%} {esc_basis}; prompt {llm.prompt}",
            )
        )
    if tiered:
        cheap, strong_m = prices.model(tiered[0]), prices.model(tiered[1])
        c1 = per_call(cheap, v2_tokens, esc, cache=True)
        c2 = per_call(strong_m, v2_tokens, esc * strong, cache=True)
        calls = checks * esc * (1 + strong)
        mixed = CallCost(
            (c1.usd + strong * c2.usd) / (1 + strong),
            c1.basis if c1.basis == c2.basis else f"{c1.basis}/{c2.basis}",
        )
        rows.append(
            row(
                "tiered",
                f"tiered:{cheap.alias},{strong_m.alias}",
                (cheap.alias, strong_m.alias),
                calls,
                mixed,
                f"escalation {esc:.1%} {esc_basis}; strong model on {strong:.0%} {strong_basis}",
            )
        )
    notes = {
        "checks/month": f"{checks:,.0f} ("
        + ", ".join(f"{s.name} every {s.interval_seconds}s" for s in config.services)
        + ")",
        "caps": f"calls_per_hour={llm.calls_per_hour}, monthly_budget_usd={llm.monthly_budget_usd}",
        "prices": f"sentinel/llm/prices.yaml as of {prices.as_of}",
        "measured": (
            f"{measured.n_verdicts} verdicts"
            + (f" from {measured.source}" if measured.source else "")
            + (f", escalation {measured.escalation_rate:.1%}" if measured.escalation_rate else "")
            if measured.n_verdicts
            else "none"
        ),
        "tokens (est.)": "; ".join(
            f"{v}: system {sum(t[0] for t in tk.values()) // len(tk):,} + user "
            f"{sum(t[1] for t in tk.values()) // len(tk):,} (Haiku 4.5 tokenizer, chars/3.5)"
            for v, tk in (("v1-seed", seed_tokens), (llm.prompt, v2_tokens))
        ),
        "output (est.)": "; ".join(
            f"{m.alias}: {output_tokens(m, llm.prompt)[1]}" for m in map(prices.model, models)
        ),
    }
    system = max(t[0] for t in v2_tokens.values())
    cps = checks * esc / SECONDS_PER_MONTH
    for m in map(prices.model, models):
        notes[f"cache {m.alias}"] = cache_note(m, system, cps, llm.cache_ttl)
    return rows, notes


def cache_note(model: ModelInfo, system_tokens: int, calls_per_second: float, ttl: str) -> str:
    """Whether the static prefix caches for a model, and which TTL is cheaper at this rate.

    Nothing here is measured: the rate is the projection's (measured or assumed escalation),
    arrivals are assumed random, and min_cache_tokens comes from prices.yaml (partly assumed).
    """
    s = system_tokens * model.token_factor
    if s < model.min_cache_tokens:
        return (
            f"system part ~{s:,.0f} tokens < min_cache_tokens {model.min_cache_tokens:,}: never "
            "cached, billed as input (padding it to cache would cost more than it saves)"
        )
    r = model.rates_for(int(s))
    parts = []
    per_call = {}
    for name, seconds in TTL_SECONDS.items():
        warm = 1 - math.exp(-calls_per_second * seconds)
        write = r.cache_write_5m if name == "5m" else r.cache_write_1h
        per_call[name] = s * (warm * r.cache_read + (1 - warm) * write) / MTOK
        parts.append(f"{name} warm {warm:.0%} ${per_call[name]:.6f}/call")
    best = min(per_call, key=per_call.__getitem__)
    uncached = s * r.input / MTOK
    return (
        f"system ~{s:,.0f} tokens at {calls_per_second * 3600:.1f} calls/h: "
        + ", ".join(parts)
        + f", uncached ${uncached:.6f}; cheaper: {best} (config: {ttl})"
    )


def _usage_basis(n: int, sources: set[str]) -> str:
    """Measured from live or replayed calls; usage a scripted test server reported is test data."""
    if sources == {"scripted"}:
        return f"scripted usage (n={n}; test data, not a model's)"
    return f"measured (n={n})"


def _pick(given: float | None, measured: float | None, default: float) -> tuple[float, str]:
    """A rate and its label: given on the command line, measured from verdicts, or assumed."""
    if given is not None:
        return given, "(given)"
    if measured is not None:
        return measured, "(measured)"
    return default, "(assumed)"


def cap_monthly(llm: LLMConfig, calls: float, usd_per_call: float) -> tuple[float, str]:
    """What the caps let through in a month, and which cap binds ("" if none does):
    calls_per_hour bounds the calls, monthly_budget_usd the dollars. Past either, checks
    continue with statistical verdicts, so this is the bill, not the uncapped projection."""
    month, by = calls * usd_per_call, ""
    if llm.calls_per_hour is not None:
        allowed = llm.calls_per_hour * SECONDS_PER_MONTH / 3600
        if calls > allowed:
            month, by = allowed * usd_per_call, f"calls_per_hour={llm.calls_per_hour}"
    if llm.monthly_budget_usd is not None and month > llm.monthly_budget_usd:
        month, by = llm.monthly_budget_usd, f"monthly_budget_usd={llm.monthly_budget_usd}"
    return month, by
