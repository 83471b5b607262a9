"""The per-check statistical assessor: detectors + false-positive controls -> Assessment.

Per metric, at check time `at`:
1. clean the series (sorted, unique, finite, nothing after `at`);
2. fit the detector on history strictly before the refit cutoff (the start of the refit period
   holding the context's first point; each service's periods start at its own minute), or
   reuse the cached fit for that cutoff; a detector with `pools_series` (isolation_forest), or
   one whose 2-D fit is row-exact (`row_exact_pooling`), is fitted once for all the service's
   metrics due a refit (2-D) and each metric takes its row;
3. score the context `(at - context, at]`, judge the window `(at - window, at]`;
4. alarm aggregation: the status comes from the `min_points`-th highest score in the window, so a
   single odd point reads at most WATCH; absolute thresholds (MetricConfig.thresholds) count the
   same way;
5. suppression windows and known issues cap the metric at WATCH and remove it from escalation.

A metric with no recent data, or too little history, is UNKNOWN with a reason and named in the
verdict's `unjudged` (so a ticket raised on it is not resolved); the service is UNKNOWN only if
every metric is. +-Inf in the bad direction (+Inf latency) is judged as the strongest score, and
crosses every threshold, rather than being dropped as missing data.

Each metric is read once into int64-ns/float64 arrays (`series_arrays`) and every bound is a
binary search on them: no pandas on the per-check path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from sentinel.baseline import BaselineCache
from sentinel.config import DetectionConfig, MetricConfig
from sentinel.detectors.base import Detector, describe_history
from sentinel.detectors.evidence import metric_evidence
from sentinel.detectors.registry import DETECTORS, make_detector, make_detector_for
from sentinel.models import Action, Anomaly, Provenance, Route, Status, Verdict
from sentinel.pipeline import Assessment, MetricEvidence, ServiceData
from sentinel.series import ns_of, series_arrays

MAX_DEVIATION_PCT = 1e6  # reported when the baseline is 0 and the value is not
NS_PER_MINUTE = 60_000_000_000


@dataclass(frozen=True)
class MetricFinding:
    """What one metric contributed to a check."""

    metric: str
    status: Status
    escalation: float
    anomaly: Anomaly | None = None
    reason: str = ""
    evidence: Callable[[], MetricEvidence] | None = None  # the detector's numbers, on demand


class LazyEvidence(Mapping[str, MetricEvidence]):
    """Metric -> evidence, each computed on first read.

    Only the judge (prompt, floors) reads evidence, and only for escalated checks; computing it
    for every metric of every check was half the CPU of a statistical check. Fitted detectors
    do not change after `fit`, so a later read gives the same numbers as an eager one.
    """

    def __init__(self, makers: dict[str, Callable[[], MetricEvidence]]) -> None:
        self._makers = makers
        self._done: dict[str, MetricEvidence] = {}

    def __getitem__(self, metric: str) -> MetricEvidence:
        if metric not in self._done:
            self._done[metric] = self._makers[metric]()
        return self._done[metric]

    def __iter__(self) -> Iterator[str]:
        return iter(self._makers)

    def __len__(self) -> int:
        return len(self._makers)


class StatisticalAssessor:
    """Implements sentinel.pipeline.Assessor with one named detector and the config's controls."""

    def __init__(
        self,
        detection: DetectionConfig | None = None,
        detector: str | None = None,
        cache: BaselineCache | None = None,
    ) -> None:
        self.detection = detection or DetectionConfig()
        self.detector = detector or self.detection.detector
        if self.detector not in DETECTORS:
            make_detector(self.detector)  # raises the one-line ConfigError
        self.params: dict[str, Any] = dict(self.detection.params.get(self.detector, {}))
        make_detector(self.detector, **self.params)  # validate parameters now, not mid-check
        self.cache = cache or BaselineCache(self.detection.refit_minutes * 60)
        self._pooled: dict[tuple[str, str], int] = {}  # service -> refit cutoff pooled at
        self.name = self.detector

    def assess(self, data: ServiceData) -> Assessment:
        arrays = {
            name: series_arrays(raw, keep_inf=True)  # the fit drops +-Inf from history itself
            for name, raw in data.series.items()
        }
        fresh = self._fit_pooled(data, arrays) if self._pools else {}
        findings = [
            self._metric(m, data, arrays.get(m.name), fresh.get(m.name))
            for m in data.service.metrics
        ]
        known = [f for f in findings if f.status != Status.UNKNOWN]
        status = Status.worst(f.status for f in known) if known else Status.UNKNOWN
        anomalies = sorted(
            (f.anomaly for f in known if f.anomaly is not None),
            key=lambda a: -abs(a.deviation_pct),
        )
        verdict = Verdict(
            service=data.service.name,
            checked_at=data.at,
            status=status,
            anomalies=anomalies,
            reasoning=_reasoning(status, findings),
            unjudged=[f.metric for f in findings if f.status == Status.UNKNOWN],
            recommended_action=Action.NOTIFY_TRIAGE
            if status.alerts
            else (Action.CONTINUE_MONITORING if status == Status.WATCH else Action.NONE),
            provenance=Provenance(
                route=Route.STATISTICAL, detector=self.detector, data_source=data.data_source
            ),
        )
        score = max((f.escalation for f in known), default=0.0)
        evidence = LazyEvidence({f.metric: f.evidence for f in findings if f.evidence})
        return Assessment(verdict, score, self.detector, evidence)

    # ----------------------------------------------------------------------------------------

    @property
    def _pools(self) -> bool:
        cls = DETECTORS.get(self.detector)
        return bool(getattr(cls, "row_exact_pooling", False) or getattr(cls, "pools_series", False))

    def _bounds(self, ns: np.ndarray, data: ServiceData) -> tuple[int, int, int, int]:
        """(lo, w, hi, cutoff_ns): by binary search on the sorted axis, the context
        (at - context, at] is ns[lo:hi] and the window (at - window, at] ns[w:hi]."""
        at_ns = ns_of(data.at)
        window_ns = self.detection.window_minutes * NS_PER_MINUTE
        context_ns = max(self.detection.context_minutes, self.detection.window_minutes) * (
            NS_PER_MINUTE
        )
        hi = int(np.searchsorted(ns, at_ns, side="right"))
        lo = int(np.searchsorted(ns, at_ns - context_ns, side="right"))
        w = int(np.searchsorted(ns, at_ns - window_ns, side="right"))
        return lo, w, hi, self.cache.cutoff(at_ns - context_ns, spread=data.service.name)

    def _key(self, data: ServiceData, metric: str) -> tuple[str, str, str, str]:
        return (data.data_source, data.service.name, metric, self.detector)

    @staticmethod
    def _history(
        ns: np.ndarray, x: np.ndarray, hi: int, cutoff_ns: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """The finite samples strictly before the refit cutoff (read-only views when clean)."""
        n = int(np.searchsorted(ns[:hi], cutoff_ns, side="left"))
        hx, hns = _read_only(x[:n]), _read_only(ns[:n])
        finite = np.isfinite(hx)
        return (hx, hns) if finite.all() else (hx[finite], hns[finite])

    def _fit_pooled(
        self, data: ServiceData, arrays: dict[str, tuple[np.ndarray, np.ndarray]]
    ) -> dict[str, Detector]:
        """For a detector that pools series (`pools_series`, e.g. isolation_forest's one forest
        over every series it is fitted on): fit the metrics of a service that are due a refit
        together, one 2-D fit per group with the same parameters and history time axis, and
        cache each metric's row (`detector.row(i)`). One fit per service per refit period
        instead of one per metric. Returns the metrics fitted now (cached too)."""
        groups: list[tuple[Detector, np.ndarray, list[tuple[MetricConfig, np.ndarray]]]] = []
        service = (data.data_source, data.service.name)
        at_ns = ns_of(data.at)
        context_ns = max(self.detection.context_minutes, self.detection.window_minutes)
        period = self.cache.cutoff(at_ns - context_ns * NS_PER_MINUTE, spread=data.service.name)
        if self._pooled.get(service) == period:
            return {}  # this refit period's pooled fits are done (a metric new since fits alone)
        self._pooled[service] = period
        fresh: dict[str, Detector] = {}
        for metric in data.service.metrics:
            if metric.name not in arrays:
                continue
            ns, x = arrays[metric.name]
            _, w, hi, cutoff_ns = self._bounds(ns, data)
            if w >= hi or self.cache.get(self._key(data, metric.name), cutoff_ns) is not None:
                continue  # unjudged (no recent data) or fitted already
            hx, hns = self._history(ns, x, hi, cutoff_ns)
            new = make_detector_for(self.detector, metric, **self.params)
            for det, axis, members in groups:
                if det.get_params() == new.get_params() and np.array_equal(axis, hns):
                    members.append((metric, hx))
                    break
            else:
                groups.append((new, hns, [(metric, hx)]))
        for det, axis, members in groups:
            det.fit(np.stack([hx for _, hx in members]), axis)
            for i, (metric, _) in enumerate(members):
                fresh[metric.name] = det.row(i)
                self.cache.put(self._key(data, metric.name), cutoff_ns, fresh[metric.name])
        return fresh

    def _metric(
        self,
        metric: MetricConfig,
        data: ServiceData,
        arrays: tuple[np.ndarray, np.ndarray] | None = None,
        fitted: Detector | None = None,
    ) -> MetricFinding:
        name = metric.name
        raw = data.series.get(name)
        if raw is None:
            return _unknown(name, data.errors.get(name, "not collected"))
        ns, x = arrays if arrays is not None else series_arrays(raw, keep_inf=True)
        lo, w, hi, cutoff_ns = self._bounds(ns, data)
        if w >= hi:
            return _unknown(name, f"no data in the last {self.detection.window_minutes} min")

        key = self._key(data, name)
        detector = fitted or self.cache.get(key, cutoff_ns)
        if detector is None:
            hx, hns = self._history(ns, x, hi, cutoff_ns)
            detector = make_detector_for(self.detector, metric, **self.params).fit(hx, hns)
            self.cache.put(key, cutoff_ns, detector)
        assert isinstance(detector, Detector)
        if not detector.ready_[0]:
            return _unknown(
                name,
                f"history too short ({int(detector.n_history_[0])} samples before "
                f"{pd.Timestamp(cutoff_ns, tz='UTC'):%Y-%m-%d %H:%M}; need {detector.min_history})",
            )

        cx, cns = _read_only(x[lo:hi]), _read_only(ns[lo:hi])
        scores = detector.score_last(cx, cns, hi - w)
        values = cx[w - lo :]
        scores = np.where(_bad_infinity(values, metric.bad_direction), 1.0, scores)
        expected = detector.expected(cns[w - lo :])[0]
        backed = describe_history(float(getattr(detector, "history_hours_", [0.0])[0]))
        finding = self._judge(metric, data, values, expected, scores, backed)
        return replace(
            finding,
            evidence=lambda: self._evidence(metric, data, detector, cx, cns, values, finding),
        )

    def _evidence(
        self,
        metric: MetricConfig,
        data: ServiceData,
        detector: Detector,
        values: np.ndarray,
        ns: np.ndarray,
        window: np.ndarray,
        finding: MetricFinding,
    ) -> MetricEvidence:
        """The detector's figures plus what the thresholds alone reach (floors for the judge)."""
        level, _, why = self._thresholds(metric, window, Status.NORMAL, 0.0)
        capped_by = self._capped_by(metric.name, data) if level > Status.WATCH else ""
        if capped_by:
            level, why = Status.WATCH, f"{why}; capped at WATCH: {capped_by}"
        context = pd.Series(values, index=pd.DatetimeIndex(ns.astype("datetime64[ns]"), tz="UTC"))
        return metric_evidence(
            metric.name, detector, context, pd.Timestamp(data.at), finding.status, level, why
        )

    def _judge(
        self,
        metric: MetricConfig,
        data: ServiceData,
        values: np.ndarray,
        expected: np.ndarray,
        scores: np.ndarray,
        backed: str = "",
    ) -> MetricFinding:
        lv = self.detection.levels
        k = self.detection.min_points
        ranked = np.sort(scores)[::-1]
        peak = float(ranked[0])
        sustained = float(ranked[k - 1]) if len(ranked) >= k else 0.0
        status = max(_level(sustained, lv), min(_level(peak, lv), Status.WATCH))
        escalation = max(sustained, min(peak, lv.watch))
        status, escalation, why = self._thresholds(metric, values, status, escalation)

        if status <= Status.NORMAL:
            return MetricFinding(metric.name, Status.NORMAL, escalation)

        capped_by = self._capped_by(metric.name, data)
        if capped_by:
            status, escalation = min(status, Status.WATCH), 0.0
        # The values that raised the finding: the points at watch level or above (the last
        # `min_points` when only absolute thresholds did), so a spike that has passed reads as
        # the spike, not as the quiet minutes after it, and the sign agrees with the direction.
        hot = scores >= lv.watch
        points = hot if hot.any() else slice(-k, None)
        current = float(np.median(values[points]))
        baseline = float(np.median(expected[points]))
        n_anomalous = int(hot.sum())
        detail = (
            f"{self.detector}: {n_anomalous}/{len(scores)} points at watch level or above "
            f"(peak score {peak:.2f}, {k}-point score {sustained:.2f})"
        )
        if backed:
            detail += f"; baseline from {backed} of history"
        if why:
            detail += f"; {why}"
        if capped_by:
            detail += f"; capped at WATCH: {capped_by}"
        anomaly = Anomaly(
            metric=metric.name,
            current_value=current,
            baseline_value=baseline,
            deviation_pct=_deviation_pct(current, baseline),
            direction="up" if current >= baseline else "down",
            confidence=float(np.clip(max(peak, sustained), 0.0, 1.0)),
            detail=detail,
        )
        return MetricFinding(metric.name, status, escalation, anomaly)

    def _thresholds(
        self, metric: MetricConfig, values: np.ndarray, status: Status, escalation: float
    ) -> tuple[Status, float, str]:
        """Absolute limits, aggregated like scores: k points beyond a limit, else WATCH."""
        lv, k = self.detection.levels, self.detection.min_points
        below = metric.bad_direction == "down"
        why = ""
        for limit, level, score in (
            (metric.thresholds.warning, Status.WARNING, lv.warning),
            (metric.thresholds.critical, Status.CRITICAL, lv.critical),
        ):
            if limit is None:
                continue
            crossed = int((values <= limit).sum() if below else (values >= limit).sum())
            if crossed == 0:
                continue
            reached = level if crossed >= k else Status.WATCH
            if reached > status:
                status = reached
                escalation = max(escalation, score if crossed >= k else lv.watch)
                why = f"{crossed} points beyond the {level.value.lower()} threshold {limit:g}"
        return status, escalation, why

    def _capped_by(self, metric: str, data: ServiceData) -> str:
        at, service = data.at, data.service.name
        for s in self.detection.suppressions:
            if (
                s.start <= at < s.end
                and (not s.services or service in s.services)
                and (not s.metrics or metric in s.metrics)
            ):
                return f"suppression window ({s.reason})"
        for issue in self.detection.known_issues:
            if (
                issue.service == service
                and issue.metric in (None, metric)
                and (issue.until is None or at < issue.until)
            ):
                return f"known issue ({issue.note})"
        return ""


def _read_only(a: np.ndarray) -> np.ndarray:
    """A read-only view: the arrays are the source's cached buffers, which a detector must not
    change in place."""
    view = a.view()
    view.flags.writeable = False
    return view


def _bad_infinity(values: np.ndarray, bad_direction: str) -> np.ndarray:
    """+Inf (or -Inf) on the metric's bad side is beyond any baseline: the detectors score it 0."""
    inf = np.isinf(values)
    if bad_direction == "both":
        return inf
    return inf & ((values > 0) if bad_direction == "up" else (values < 0))


def _level(score: float, lv: Any) -> Status:
    if score >= lv.critical:
        return Status.CRITICAL
    if score >= lv.warning:
        return Status.WARNING
    if score >= lv.watch:
        return Status.WATCH
    return Status.NORMAL


def _deviation_pct(current: float, baseline: float) -> float:
    if baseline == 0:
        return 0.0 if current == 0 else float(np.copysign(MAX_DEVIATION_PCT, current))
    pct = (current - baseline) / abs(baseline) * 100
    return float(np.clip(pct, -MAX_DEVIATION_PCT, MAX_DEVIATION_PCT))


def _unknown(metric: str, reason: str) -> MetricFinding:
    return MetricFinding(metric, Status.UNKNOWN, 0.0, reason=reason)


def _reasoning(status: Status, findings: list[MetricFinding]) -> str:
    parts = [
        f"{f.metric} {f.anomaly.deviation_pct:+.0f}% ({f.anomaly.detail})"
        for f in findings
        if f.anomaly is not None
    ]
    unknown = [f"{f.metric}: {f.reason}" for f in findings if f.status == Status.UNKNOWN]
    if status == Status.UNKNOWN:
        return "No metric could be judged. " + "; ".join(unknown)
    text = (
        f"{status.value}: " + "; ".join(parts)
        if parts
        else "All metrics within their seasonal baselines."
    )
    if unknown:
        text += " Not judged: " + "; ".join(unknown) + "."
    return text
