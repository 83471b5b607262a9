"""An eval's numbers as typed results: per strategy its repeats, mean, spread, cases, projected
cost and (where labels name metrics) attribution; `to_json` gives results.json's shape.

`StrategyResult.ran` says whether a strategy has accuracy figures; a strategy that did not run
carries its note and a projected cost only, never an accuracy figure.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import Any

import numpy as np

from sentinel.config import parse_duration_seconds
from sentinel.errors import SentinelError
from sentinel.evaluation import costs
from sentinel.evaluation.attribution import Attribution, attribution
from sentinel.evaluation.operating_curve import OperatingPoint, operating_curve
from sentinel.evaluation.runner import EvalRun, StrategyRun, service_checks
from sentinel.evaluation.scoring import Metrics, severity_confusion, summarize

SOURCE_LABEL = {
    "statistical": "statistical",
    "live": "live model",
    "record": "live model",
    "replay": "replay",
    "not-run": "not run",
}


def source_label(srun: StrategyRun) -> str:
    """Where a strategy's numbers came from, from the verdicts themselves when it ran."""
    if not srun.ran:
        return "not run"
    sources = {r.verdict.provenance.response_source for rec in srun.repeats for r in rec}
    if "scripted" in sources:
        return "scripted"
    if "live" in sources:
        return "live model"
    if "replay" in sources:
        return "replay"
    return SOURCE_LABEL.get(srun.mode, srun.mode)


SPREAD_KEYS = ("precision", "recall", "f1", "false_alarms_per_day", "nab_score")


@dataclass
class RepeatResult:
    """One repeat's figures (or, for `StrategyResult.mean`, their mean over repeats)."""

    metrics: Metrics
    cost: costs.CostStats

    def to_json(self) -> dict[str, Any]:
        return {"metrics": asdict(self.metrics), "cost": asdict(self.cost)}


@dataclass(frozen=True)
class Spread:
    min: float
    max: float
    std: float


@dataclass(frozen=True)
class CaseResult:
    """One case in the first repeat: an incident (detected, time to detect, worst status,
    expected severity) or a hard negative (violated, worst status)."""

    worst: str
    detected: bool | None = None  # None for a hard negative
    ttd_s: float | None = None
    expected: str | None = None
    violated: bool | None = None  # None for an incident

    @property
    def hard_negative(self) -> bool:
        return self.violated is not None

    def to_json(self) -> dict[str, Any]:
        if self.hard_negative:
            return {"violated": self.violated, "worst": self.worst}
        return {
            "detected": self.detected,
            "ttd_s": self.ttd_s,
            "worst": self.worst,
            "expected": self.expected,
        }


@dataclass
class StrategyResult:
    """Everything the report says about one strategy."""

    name: str
    kind: str
    models: list[str]
    detector: str | None
    mode: str
    source: str
    note: str
    repeats: list[RepeatResult] = field(default_factory=list)
    mean: RepeatResult | None = None
    spread: dict[str, Spread] | None = None
    severity_confusion: dict[str, dict[str, int]] = field(default_factory=dict)
    cases: dict[str, CaseResult] = field(default_factory=dict)
    attribution: Attribution | None = None
    projected_cost: costs.CostStats | None = None
    projection_error: str = ""  # a price-table problem, shown instead of a projection
    escalation_rate: float | None = None  # of the projection
    rate_from: str = ""
    curve: list[OperatingPoint] = field(default_factory=list)  # first repeat (operating_curve)

    @property
    def ran(self) -> bool:
        """Whether this strategy has accuracy figures (it ran, at least one repeat)."""
        return self.mean is not None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "kind": self.kind,
            "models": list(self.models),
            "detector": self.detector,
            "mode": self.mode,
            "source": self.source,
            "note": self.note,
        }
        if self.mean is not None:
            out["repeats"] = [r.to_json() for r in self.repeats]
            out["mean"] = self.mean.to_json()
            out["spread"] = (
                {k: asdict(v) for k, v in self.spread.items()} if self.spread is not None else None
            )
            out["severity_confusion"] = self.severity_confusion
            out["cases"] = {k: v.to_json() for k, v in self.cases.items()}
            if self.attribution is not None:
                out["attribution"] = asdict(self.attribution)
            out["operating_curve"] = [p.to_json() for p in self.curve]
        if self.projection_error:
            out["projected_cost"] = {"error": self.projection_error}
        elif self.projected_cost is not None:
            out["projected_cost"] = {
                **asdict(self.projected_cost),
                "escalation_rate": self.escalation_rate,
                "rate_from": self.rate_from,
            }
        return out


def strategy_result(run: EvalRun, srun: StrategyRun) -> StrategyResult:
    """Metrics per repeat, cost, the mean over repeats, the spread, cases and attribution."""
    out = StrategyResult(
        name=srun.spec.name,
        kind=srun.spec.kind,
        models=list(srun.spec.models),
        detector=srun.spec.detector,
        mode=srun.mode,
        source=source_label(srun),
        note=srun.note,
    )
    if not srun.ran:
        return out
    opts = run.options
    for i, (records, outcomes) in enumerate(zip(srun.repeats, srun.outcomes, strict=True)):
        m = summarize(outcomes, n_boot=opts.n_boot, seed=opts.seed + i)
        out.repeats.append(RepeatResult(m, costs.measured(records, m.detected, run.config)))
    out.mean = _mean_over(out.repeats)
    out.spread = _spread(out.repeats) if len(out.repeats) > 1 else None
    out.severity_confusion = severity_confusion(srun.outcomes[0])
    out.cases = case_results(srun)
    out.attribution = attribution(srun.repeats[0], run.suite, opts.n_boot, opts.seed)
    grace = timedelta(seconds=parse_duration_seconds(opts.grace))
    out.curve = operating_curve(service_checks(srun.repeats[0], run.suite), grace)
    return out


def _mean_over(repeats: list[RepeatResult]) -> RepeatResult:
    """Numeric fields averaged over repeats (None ignored); the rest from the first repeat."""

    def mean_of(parts: list[Any]) -> dict[str, Any]:
        first = asdict(parts[0])
        values = [asdict(p) for p in parts]
        for key, value in first.items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                vals = [v[key] for v in values if v[key] is not None]
                first[key] = float(np.mean(vals)) if vals else None
        return first

    return RepeatResult(
        Metrics(**mean_of([r.metrics for r in repeats])),
        costs.CostStats(**mean_of([r.cost for r in repeats])),
    )


def _spread(repeats: list[RepeatResult]) -> dict[str, Spread]:
    out = {}
    for key in SPREAD_KEYS:
        vals = [getattr(r.metrics, key) for r in repeats if getattr(r.metrics, key) is not None]
        if vals:
            out[key] = Spread(min(vals), max(vals), float(np.std(vals, ddof=1)))
    return out


def case_results(srun: StrategyRun) -> dict[str, CaseResult]:
    """Per case (first repeat): detected and time to detect, or hard negative violated."""
    out: dict[str, CaseResult] = {}
    for o in srun.outcomes[0]:
        for i in o.incidents:
            ttd = i.time_to_detect
            out[i.case_id] = CaseResult(
                worst=i.worst.value,
                detected=i.detected,
                ttd_s=ttd.total_seconds() if ttd is not None else None,
                expected=i.window.min_severity.value if i.window.min_severity else None,
            )
        for n in o.negatives:
            out[n.case_id] = CaseResult(worst=n.worst.value, violated=n.violated)
    return out


def attach_projections(run: EvalRun, results: list[StrategyResult]) -> None:
    """Attach projected costs to model strategies that did not run, at the escalation rate the
    config's own detector and gate showed in this replay."""
    stats = [s for s in run.strategies if s.spec.kind == "statistical" and s.ran]
    if not stats:
        return
    default = run.config.detection.detector
    base = next((s for s in stats if s.spec.detector == default), stats[0])
    rate = costs.escalation_rate(base.repeats[0])
    for s, r in zip(run.strategies, results, strict=True):
        if s.spec.uses_model and not s.ran:
            try:
                p = costs.projected(s.spec.models, rate, run.config, run.options.batch)
            except SentinelError as exc:  # a price-table problem must not lose the report
                r.projection_error = str(exc)
                continue
            p.basis = p.basis.replace("(given)", f"(measured here: {base.spec.name} + gate)")
            r.projected_cost, r.escalation_rate, r.rate_from = p, rate, base.spec.name


def eval_results(run: EvalRun) -> list[StrategyResult]:
    """Every strategy's result, projections attached."""
    results = [strategy_result(run, s) for s in run.strategies]
    attach_projections(run, results)
    return results
