"""Score a verdict timeline against labelled windows: pure functions, no I/O, no point-adjust.

Definitions (docs/evals.md has the long form):
- An *alarm* is a run of consecutive alerting verdicts (WARNING or CRITICAL) in one service's
  timeline; any non-alerting verdict in between ends the run.
- An incident is *detected* when at least one alerting verdict falls inside its window
  `[start, end)`. Time to detect = first such verdict - window start.
- An alarm is a *true alarm* when at least one of its verdicts falls inside an incident window
  extended by a grace period after its end (`[start, end + grace)`); alerts that linger a few
  minutes after the labelled end are trailing baselines, not new false alarms. Every other alarm
  is a *false alarm*.
- One alarm-to-incident rule for every metric: an alarm *detects* an incident when one of its
  verdicts falls inside the window, at its first such verdict (`Alarm.detections`). An alarm
  already running when the window opens detects it at +0 min in F1, time to detect and NAB
  alike; it is not also a false alarm before the window.
- Precision = true alarms / alarms; recall = detected incidents / incidents; F1 their harmonic mean.
- A hard negative is *violated* when any alerting verdict falls inside it.
- The NAB score (standard profile) is computed on each alarm's detection times (true alarms) and
  onsets (false alarms); a true alarm only inside the grace period scores neither way. It still
  differs from F1 by design: it rewards early detection and charges 0.11 per false alarm.
- VUS-PR (`sentinel.evaluation.vus`) ranks every check by its graded score (status, then the
  top anomaly's confidence) against the incident windows, with label buffers up to the grace
  period: threshold-free, beside F1's single operating point.
- 95% intervals: Wilson for proportions, exact Poisson for false alarms per day
  (`sentinel.evaluation.intervals` says why).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from sentinel.evaluation import intervals
from sentinel.evaluation.vus import vus_pr
from sentinel.models import LabelledWindow, Status, Verdict

DEFAULT_GRACE = timedelta(minutes=30)

TimelinePoint = tuple[datetime, Status]
GradedPoint = tuple[datetime, float]  # a check's graded score, for VUS-PR


def top_confidence(verdict: Verdict) -> float:
    """The highest confidence among a verdict's anomalies (0 when it has none)."""
    return max((a.confidence for a in verdict.anomalies), default=0.0)


def graded(status: Status, confidence: float) -> float:
    """Status rank above NORMAL plus the top anomaly's confidence: orders checks by severity
    first, then by how strongly the detector scored within that status."""
    return max(status.rank - Status.NORMAL.rank, 0) + confidence


def graded_score(verdict: Verdict) -> float:
    """`graded` of a verdict's status and top confidence."""
    return graded(verdict.status, top_confidence(verdict))


@dataclass(frozen=True)
class Alarm:
    """One alarm event: consecutive alerting verdicts merged."""

    service: str
    times: tuple[datetime, ...]
    worst: Status
    true_alarm: bool = False
    detections: tuple[datetime, ...] = ()  # first verdict inside each incident window it hits

    @property
    def start(self) -> datetime:
        return self.times[0]

    @property
    def end(self) -> datetime:
        return self.times[-1]


@dataclass(frozen=True)
class IncidentOutcome:
    """How one labelled incident fared."""

    case_id: str
    service: str
    window: LabelledWindow
    first_alert: datetime | None
    worst: Status

    @property
    def detected(self) -> bool:
        return self.first_alert is not None

    @property
    def time_to_detect(self) -> timedelta | None:
        return self.first_alert - self.window.start if self.first_alert else None


@dataclass(frozen=True)
class NegativeOutcome:
    """How one hard negative fared: violated if anything alerted inside it."""

    case_id: str
    service: str
    window: LabelledWindow
    worst: Status

    @property
    def violated(self) -> bool:
        return self.worst.alerts


@dataclass(frozen=True)
class ServiceOutcome:
    """Everything scored on one service's timeline."""

    service: str
    incidents: list[IncidentOutcome]
    negatives: list[NegativeOutcome]
    alarms: list[Alarm]
    observed_days: dict[str, float]
    nab: NabCounts
    graded: tuple[tuple[float, ...], tuple[bool, ...]] = ((), ())  # scores, inside an incident
    vus_buffer: int = 0  # the grace period in checks: VUS-PR's largest label buffer


@dataclass(frozen=True)
class NabCounts:
    """Raw NAB sums, so scores over several timelines add up before normalising."""

    raw: float = 0.0
    windows: int = 0


@dataclass(frozen=True)
class NabProfile:
    """NAB application profile weights; `STANDARD` is NAB's standard profile."""

    tp: float = 1.0
    fp: float = 0.11
    fn: float = 1.0


STANDARD = NabProfile()


@dataclass(frozen=True)
class Metrics:
    """Headline figures for one strategy (one repeat)."""

    incidents: int
    detected: int
    alarms: int
    true_alarms: int
    false_alarms: int
    observed_days: float
    precision: float | None
    recall: float | None
    f1: float | None
    ttd_median_s: float | None
    ttd_p90_s: float | None
    false_alarms_per_day: float | None
    hard_negatives: int
    hard_negative_violations: int
    nab_score: float | None
    vus_pr: float | None = None
    ci: dict[str, tuple[float, float] | None] = field(default_factory=dict)


def merge_alarms(service: str, timeline: Sequence[TimelinePoint]) -> list[Alarm]:
    """Merge consecutive alerting verdicts into alarm events (timeline sorted by time)."""
    alarms: list[Alarm] = []
    run: list[TimelinePoint] = []
    for point in [*sorted(timeline, key=lambda p: p[0]), None]:
        if point is not None and point[1].alerts:
            run.append(point)
            continue
        if run:
            alarms.append(Alarm(service, tuple(t for t, _ in run), Status.worst(s for _, s in run)))
            run = []
    return alarms


def score_service(
    service: str,
    timeline: Sequence[TimelinePoint],
    windows: Sequence[tuple[str, LabelledWindow]],
    observed: Sequence[tuple[datetime, datetime]],
    grace: timedelta = DEFAULT_GRACE,
    profile: NabProfile = STANDARD,
    graded: Sequence[GradedPoint] = (),
) -> ServiceOutcome:
    """Score one service. `windows` pairs each labelled window with its case id; `observed` lists
    the replayed spans (for false alarms per day); `graded` the checks' graded scores (VUS-PR)."""
    points = sorted(timeline, key=lambda p: p[0])
    incident_windows = [(cid, w) for cid, w in windows if not w.hard_negative]
    incidents = []
    for cid, w in incident_windows:
        inside = [(t, s) for t, s in points if w.contains(t)]
        first = next((t for t, s in inside if s.alerts), None)
        incidents.append(
            IncidentOutcome(cid, service, w, first, Status.worst(s for _, s in inside))
        )
    negatives = []
    for cid, w in windows:
        if w.hard_negative:
            inside = [s for t, s in points if w.contains(t)]
            negatives.append(NegativeOutcome(cid, service, w, Status.worst(inside)))
    alarms = [
        attribute(a, [w for _, w in incident_windows], grace) for a in merge_alarms(service, points)
    ]
    ranked = sorted(graded, key=lambda p: p[0])
    labels = tuple(any(w.contains(t) for _, w in incident_windows) for t, _ in ranked)
    steps = np.diff([t.timestamp() for t, _ in ranked])
    cadence = float(np.median(steps)) if len(steps) else 0.0
    return ServiceOutcome(
        service=service,
        incidents=incidents,
        negatives=negatives,
        alarms=alarms,
        observed_days=days_covered(observed),
        nab=nab_counts(nab_points(alarms), [w for _, w in incident_windows], profile),
        graded=(tuple(v for _, v in ranked), labels),
        vus_buffer=round(grace.total_seconds() / cadence) if cadence > 0 else 0,
    )


def in_incident(t: datetime, incidents: Sequence[LabelledWindow], grace: timedelta) -> bool:
    """The false-alarm rule (eval and notebook 01): an alerting check at `t` belongs to an
    incident in `[start, end + grace)`; anywhere else (hard negatives too) it is false."""
    return any(w.start <= t < w.end + grace for w in incidents)


def attribute(alarm: Alarm, incidents: Sequence[LabelledWindow], grace: timedelta) -> Alarm:
    """True if a verdict is `in_incident`; a detection of each window at its first verdict in it."""
    hit = any(in_incident(t, incidents, grace) for t in alarm.times)
    detections = tuple(
        sorted(
            next(t for t in alarm.times if w.contains(t))
            for w in incidents
            if any(w.contains(t) for t in alarm.times)
        )
    )
    return Alarm(alarm.service, alarm.times, alarm.worst, true_alarm=hit, detections=detections)


def nab_points(alarms: Sequence[Alarm]) -> list[datetime]:
    """What NAB scores: each true alarm's detection times, each false alarm's onset (a true
    alarm only in the grace period after a window is neither a detection nor a false alarm)."""
    return [t for a in alarms for t in (a.detections if a.true_alarm else (a.start,))]


def days_covered(spans: Sequence[tuple[datetime, datetime]]) -> dict[str, float]:
    """Fraction of each UTC calendar day covered by the union of spans, keyed by ISO date."""
    merged: list[list[datetime]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    days: dict[str, float] = {}
    for start, end in merged:
        cursor = start
        while cursor < end:
            midnight = cursor.replace(hour=0, minute=0, second=0, microsecond=0)
            stop = min(end, midnight + timedelta(days=1))
            key = cursor.date().isoformat()
            days[key] = days.get(key, 0.0) + (stop - cursor) / timedelta(days=1)
            cursor = stop
    return days


# ------------------------------------------------------------------------------------------
# NAB (Lavin & Ahmad 2015): scaled sigmoid reward for early detection, small cost per FP.
# ------------------------------------------------------------------------------------------


def scaled_sigmoid(y: float) -> float:
    """NAB's scaled sigmoid: +1 at the window start (y=-1), 0 at its end, tending to -1 after."""
    if y > 3.0:
        return -1.0
    return 2.0 / (1.0 + math.exp(5.0 * y)) - 1.0


def nab_counts(
    detections: Sequence[datetime], windows: Sequence[LabelledWindow], profile: NabProfile
) -> NabCounts:
    """Raw NAB score of detection times against incident windows (first detection per window
    scores, later ones in the same window are ignored; misses cost `fn`)."""
    ordered = sorted(windows, key=lambda w: w.start)
    max_tp = scaled_sigmoid(-1.0)
    raw = 0.0
    detected: set[int] = set()
    for t in sorted(detections):
        inside = next((i for i, w in enumerate(ordered) if w.contains(t)), None)
        if inside is not None:
            if inside not in detected:
                w = ordered[inside]
                y = -((w.end - t) / (w.end - w.start))
                raw += scaled_sigmoid(y) * profile.tp / max_tp
                detected.add(inside)
            continue
        before = [w for w in ordered if w.end <= t]
        if not before:
            raw += -1.0 * profile.fp
        else:
            prev = before[-1]
            raw += scaled_sigmoid((t - prev.end) / (prev.end - prev.start)) * profile.fp
    raw -= profile.fn * (len(ordered) - len(detected))
    return NabCounts(raw=raw, windows=len(ordered))


def nab_normalised(counts: NabCounts, profile: NabProfile = STANDARD) -> float | None:
    """100 = every window caught at its start and no false alarms; 0 = the null detector."""
    if counts.windows == 0:
        return None
    null = -profile.fn * counts.windows
    perfect = profile.tp * counts.windows
    return 100.0 * (counts.raw - null) / (perfect - null)


# ------------------------------------------------------------------------------------------
# Aggregation and confidence intervals (sentinel.evaluation.intervals).
# ------------------------------------------------------------------------------------------


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


def _f1(p: float | None, r: float | None) -> float | None:
    if p is None or r is None:
        return None
    return 0.0 if p + r == 0 else 2 * p * r / (p + r)


def summarize(
    outcomes: Sequence[ServiceOutcome],
    n_boot: int = 1000,
    seed: int = 0,
    profile: NabProfile = STANDARD,
) -> Metrics:
    """Headline metrics over every service, with 95% intervals honest at 0 and 1: Wilson for
    precision, recall and the violation rate, their bounds for F1, exact Poisson for false alarms
    per day, a seeded bootstrap (`n_boot`, `seed`) for the median time to detect."""
    incidents = [i for o in outcomes for i in o.incidents]
    negatives = [n for o in outcomes for n in o.negatives]
    alarms = [a for o in outcomes for a in o.alarms]
    true_alarms = sum(a.true_alarm for a in alarms)
    false_alarms = len(alarms) - true_alarms
    detected = [i for i in incidents if i.detected]
    ttd = np.array([i.time_to_detect.total_seconds() for i in detected])  # type: ignore[union-attr]
    precision = _ratio(true_alarms, len(alarms))
    recall = _ratio(len(detected), len(incidents))
    days = float(sum(sum(o.observed_days.values()) for o in outcomes))
    nab = NabCounts(sum(o.nab.raw for o in outcomes), sum(o.nab.windows for o in outcomes))
    metrics = Metrics(
        incidents=len(incidents),
        detected=len(detected),
        alarms=len(alarms),
        true_alarms=true_alarms,
        false_alarms=false_alarms,
        observed_days=days,
        precision=precision,
        recall=recall,
        f1=_f1(precision, recall),
        ttd_median_s=float(np.median(ttd)) if len(ttd) else None,
        ttd_p90_s=float(np.percentile(ttd, 90)) if len(ttd) else None,
        false_alarms_per_day=_ratio(false_alarms, days),
        hard_negatives=len(negatives),
        hard_negative_violations=sum(n.violated for n in negatives),
        nab_score=nab_normalised(nab, profile),
        vus_pr=vus_pr(
            [(np.array(o.graded[0]), np.array(o.graded[1], bool)) for o in outcomes],
            max((o.vus_buffer for o in outcomes), default=0),
        ),
    )
    precision_ci = intervals.wilson(true_alarms, len(alarms))
    recall_ci = intervals.wilson(len(detected), len(incidents))
    ci = {
        "precision": precision_ci,
        "recall": recall_ci,
        "f1": intervals.f1_bounds(precision_ci, recall_ci),
        "false_alarms_per_day": intervals.poisson_rate(false_alarms, days),
        "ttd_median_s": intervals.bootstrap_median(ttd, n_boot, seed),
        "hard_negative_violation_rate": intervals.wilson(
            metrics.hard_negative_violations, len(negatives)
        ),
    }
    return Metrics(**{**metrics.__dict__, "ci": ci})


def severity_confusion(
    outcomes: Sequence[ServiceOutcome],
) -> dict[str, dict[str, int]]:
    """Rows: expected (WARNING/CRITICAL for incidents, 'below WARNING' for hard negatives);
    columns: the worst status given inside the window."""
    table: dict[str, dict[str, int]] = {}
    for o in outcomes:
        for i in o.incidents:
            row = table.setdefault(str(i.window.min_severity), {})
            row[i.worst.value] = row.get(i.worst.value, 0) + 1
        for n in o.negatives:
            row = table.setdefault("below WARNING (hard negative)", {})
            row[n.worst.value] = row.get(n.worst.value, 0) + 1
    return table
