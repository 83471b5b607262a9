"""Floors: what a model's answer may not go below, so a model can annotate a breach but not erase it.

- An absolute threshold the team set (`thresholds.warning/critical`), crossed by at least
  `min_points` points of the window, is a hard floor at its level (WARNING or CRITICAL). Inside
  a suppression window or known issue the assessor already caps it at WATCH.
- The detectors' own grade bounds a downgrade to one level: CRITICAL -> at least WARNING,
  WARNING -> at least WATCH. So strong statistical evidence can be de-escalated (a nightly job the
  detectors misread), but never silently to NORMAL, and a page cannot be cancelled on a
  CRITICAL.

A downgrade within the bound is kept and shown (`provenance.note`, `model_status`); an answer below
the floor is raised to it, and the verdict says so in its reasoning and provenance.
"""

from __future__ import annotations

from sentinel.models import Status, Verdict, action_for
from sentinel.pipeline import Assessment

_ONE_BELOW = {
    Status.CRITICAL: Status.WARNING,
    Status.WARNING: Status.WATCH,
    Status.WATCH: Status.NORMAL,
}


def floor_for(assessment: Assessment) -> tuple[Status, str]:
    """The least severe status a judge may return for this assessment, and why."""
    stat = assessment.verdict.status
    floor, why = _ONE_BELOW.get(stat, Status.NORMAL), ""
    if floor > Status.NORMAL:
        why = f"detectors said {stat.value}: a model may lower it by one level at most"
    for ev in assessment.evidence.values():
        if ev.threshold_status.alerts and ev.threshold_status >= floor:
            floor = ev.threshold_status
            why = f"{ev.metric}: {ev.threshold_note}"
    return floor, why


def apply_floor(verdict: Verdict, assessment: Assessment) -> Verdict:
    """The model's verdict with its status held at the floor; every change is shown."""
    model_status = verdict.status
    stat = assessment.verdict.status
    floor, why = floor_for(assessment)
    prov = verdict.provenance.model_copy(update={"model_status": model_status})
    note = ""
    status, reasoning = model_status, verdict.reasoning
    if model_status < floor:
        status = floor
        note = f"model said {model_status.value}, held at {floor.value} ({why})"
        reasoning = f"{reasoning} [held at {floor.value}, model said {model_status.value}: {why}]"
    elif model_status < stat:
        note = f"model downgraded the detectors' {stat.value} to {model_status.value}"
    if note:
        prov = prov.model_copy(update={"note": f"{prov.note}; {note}" if prov.note else note})
    return verdict.model_copy(
        update={
            "status": status,
            "recommended_action": action_for(status),
            "reasoning": reasoning,
            "provenance": prov,
        }
    )
