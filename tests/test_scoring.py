"""Pin the eval scoring on small hand-made timelines: exact figures, no point-adjust."""

from datetime import UTC, datetime, timedelta

import pytest

from sentinel.evaluation.scoring import (
    STANDARD,
    days_covered,
    graded_score,
    merge_alarms,
    nab_counts,
    nab_normalised,
    score_service,
    severity_confusion,
    summarize,
)
from sentinel.models import LabelledWindow, Status

DAY = datetime(2026, 11, 2, tzinfo=UTC)
N, W, C = Status.NORMAL, Status.WARNING, Status.CRITICAL


def at(h: int, m: int = 0) -> datetime:
    return DAY + timedelta(hours=h, minutes=m)


def incident(h0: int, h1: int, sev: Status = W, kind: str = "spike") -> LabelledWindow:
    return LabelledWindow(start=at(h0), end=at(h1), kind=kind, min_severity=sev)


def negative(h0: int, h1: int) -> LabelledWindow:
    return LabelledWindow(start=at(h0), end=at(h1), kind="weekly_peak", hard_negative=True)


def timeline(alerts: dict[datetime, Status]) -> list[tuple[datetime, Status]]:
    """A day of 5-minute checks, NORMAL except the given alerting points."""
    return [
        (DAY + timedelta(minutes=5 * i), alerts.get(DAY + timedelta(minutes=5 * i), N))
        for i in range(288)
    ]


WINDOWS = [("a", incident(2, 3)), ("b", incident(10, 11, C)), ("hn", negative(15, 16))]
ALERTS = {
    at(2, 10): W,
    at(2, 15): W,  # merged with 02:10 into one alarm
    at(2, 25): W,  # a NORMAL at 02:20 splits: second alarm, also inside incident a
    at(11, 10): W,  # 10 min after b ends: within the 30 min grace, not a false alarm
    at(15, 30): W,  # inside the hard negative: false alarm and a violation
    at(20, 0): C,
    at(20, 5): C,
    at(20, 10): C,  # one false alarm of three verdicts
}


def scored(grace: timedelta = timedelta(minutes=30)):
    return score_service(
        "api", timeline(ALERTS), WINDOWS, [(DAY, DAY + timedelta(days=1))], grace=grace
    )


def test_consecutive_alerting_verdicts_merge_into_one_alarm():
    alarms = merge_alarms("api", timeline(ALERTS))
    assert [(a.start, a.end) for a in alarms] == [
        (at(2, 10), at(2, 15)),
        (at(2, 25), at(2, 25)),
        (at(11, 10), at(11, 10)),
        (at(15, 30), at(15, 30)),
        (at(20, 0), at(20, 10)),
    ]
    assert alarms[-1].worst == C


def test_event_level_precision_recall_f1_are_exact():
    m = summarize([scored()], n_boot=0)
    assert (m.alarms, m.true_alarms, m.false_alarms) == (5, 3, 2)
    assert m.precision == pytest.approx(3 / 5)
    assert (m.incidents, m.detected) == (2, 1)
    assert m.recall == pytest.approx(1 / 2)
    assert m.f1 == pytest.approx(2 * 0.6 * 0.5 / 1.1)


def test_alert_just_after_window_counts_only_within_grace_and_never_detects():
    with_grace = scored()
    assert not with_grace.incidents[1].detected  # 11:10 is after b's end
    no_grace = summarize([scored(grace=timedelta(0))], n_boot=0)
    assert no_grace.false_alarms == 3
    assert no_grace.precision == pytest.approx(2 / 5)


def test_time_to_detect_is_first_alert_minus_window_start():
    out = scored()
    assert out.incidents[0].time_to_detect == timedelta(minutes=10)
    m = summarize([out], n_boot=0)
    assert m.ttd_median_s == 600
    assert m.ttd_p90_s == 600


def test_time_to_detect_median_and_p90_over_several_incidents():
    windows = [("x", incident(1, 2)), ("y", incident(5, 6)), ("z", incident(9, 10))]
    alerts = {at(1, 5): W, at(5, 10): W, at(9, 30): W}
    out = score_service("db", timeline(alerts), windows, [(DAY, DAY + timedelta(days=1))])
    m = summarize([out], n_boot=0)
    assert m.ttd_median_s == 600
    assert m.ttd_p90_s == pytest.approx(600 + 0.8 * (1800 - 600))


def test_false_alarms_per_day_divides_by_observed_days():
    m = summarize([scored()], n_boot=0)
    assert m.observed_days == pytest.approx(1.0)
    assert m.false_alarms_per_day == pytest.approx(2.0)
    half = score_service(
        "api",
        timeline(ALERTS),
        WINDOWS,
        [(DAY, DAY + timedelta(hours=12)), (at(12), DAY + timedelta(days=1))],
    )
    assert summarize([half], n_boot=0).false_alarms_per_day == pytest.approx(2.0)


def test_days_covered_splits_spans_at_midnight_and_merges_overlaps():
    spans = [(at(18), at(30)), (at(20), at(22))]
    assert days_covered(spans) == {
        "2026-11-02": pytest.approx(0.25),
        "2026-11-03": pytest.approx(0.25),
    }


def test_hard_negative_violations_and_severity_confusion():
    out = scored()
    m = summarize([out], n_boot=0)
    assert (m.hard_negatives, m.hard_negative_violations) == (1, 1)
    table = severity_confusion([out])
    assert table["WARNING"] == {"WARNING": 1}
    assert table["CRITICAL"] == {"NORMAL": 1}
    assert table["below WARNING (hard negative)"] == {"WARNING": 1}


def test_quiet_timeline_has_no_precision_and_zero_recall():
    out = score_service("api", timeline({}), WINDOWS, [(DAY, DAY + timedelta(days=1))])
    m = summarize([out], n_boot=0)
    assert m.precision is None and m.f1 is None
    assert m.recall == 0.0
    assert m.false_alarms_per_day == 0.0
    assert m.nab_score == pytest.approx(0.0)


def test_nab_score_perfect_null_and_late_detection():
    windows = [incident(2, 3), incident(10, 11)]
    perfect = nab_counts([at(2), at(10)], windows, STANDARD)
    assert nab_normalised(perfect) == pytest.approx(100.0)
    assert nab_normalised(nab_counts([], windows, STANDARD)) == pytest.approx(0.0)
    early = nab_normalised(nab_counts([at(2, 5)], windows, STANDARD))
    late = nab_normalised(nab_counts([at(2, 55)], windows, STANDARD))
    assert early > late > 0  # type: ignore[operator]
    # one far false alarm before any window costs the standard profile's 0.11
    with_fp = nab_counts([at(0), at(2), at(10)], windows, STANDARD)
    assert with_fp.raw == pytest.approx(2 - 0.11)
    # a second detection in an already detected window is ignored
    assert nab_counts([at(2), at(2, 30), at(10)], windows, STANDARD).raw == pytest.approx(2.0)


def test_an_alarm_running_when_a_window_opens_detects_it_at_zero_in_every_metric():
    # began 5 min before incident a (e.g. on another metric) and still alerting inside it
    early = score_service(
        "api",
        timeline({at(1, 55): W, at(2, 0): W, at(2, 5): W}),
        [("a", incident(2, 3))],
        [(DAY, DAY + timedelta(days=1))],
    )
    m = summarize([early], n_boot=50)
    assert (m.detected, m.true_alarms, m.false_alarms) == (1, 1, 0)
    assert m.ttd_median_s == 0.0 and m.f1 == 1.0
    assert early.alarms[0].detections == (at(2, 0),)
    assert m.nab_score == pytest.approx(100.0)  # caught at the start: no false alarm, no miss


def test_an_alarm_only_in_the_grace_period_is_neither_a_false_alarm_nor_a_detection():
    late = score_service(
        "api", timeline({at(3, 10): W}), [("a", incident(2, 3))], [(DAY, DAY + timedelta(days=1))]
    )
    m = summarize([late], n_boot=50)
    assert (m.detected, m.false_alarms) == (0, 0)
    assert m.nab_score == pytest.approx(0.0)  # the miss, and no false-alarm charge


def test_perfect_rates_get_wilson_intervals_not_a_certainty():
    all_found = score_service(
        "api", timeline({at(2, 5): W, at(10, 5): C}), WINDOWS, [(DAY, DAY + timedelta(days=1))]
    )
    m = summarize([all_found], n_boot=100)
    assert m.recall == 1.0 and m.precision == 1.0
    lo, hi = m.ci["recall"]  # type: ignore[misc]
    assert hi == 1.0 and lo == pytest.approx(0.342, abs=1e-3)  # Wilson, 2 of 2
    assert m.ci["f1"][0] == pytest.approx(0.342, abs=1e-3)  # type: ignore[index]
    fa_lo, fa_hi = m.ci["false_alarms_per_day"]  # type: ignore[misc]
    assert fa_lo == 0.0 and fa_hi == pytest.approx(3.689, abs=1e-3)  # exact Poisson, 0 in 1 day


def test_intervals_are_wilson_poisson_and_a_seeded_bootstrap():
    from sentinel.evaluation import intervals

    assert intervals.wilson(8, 8) == pytest.approx((0.6756, 1.0), abs=1e-4)
    assert intervals.wilson(0, 10)[0] == 0.0  # type: ignore[index]
    assert intervals.wilson(3, 0) is None
    assert intervals.poisson_rate(0, 7) == pytest.approx((0.0, 0.527), abs=1e-3)
    lo, hi = intervals.poisson_rate(4, 2)  # type: ignore[misc]
    assert lo < 2.0 < hi
    out = scored()
    a, b = summarize([out], n_boot=200, seed=7), summarize([out], n_boot=200, seed=7)
    assert a.ci == b.ci
    lo, hi = a.ci["ttd_median_s"]  # type: ignore[misc]
    assert lo <= a.ttd_median_s <= hi  # type: ignore[operator]


def test_vus_pr_ranks_the_graded_checks_and_is_none_without_them():
    points = timeline(ALERTS)
    graded = [(t, float(s.rank - N.rank)) for t, s in points]
    with_scores = score_service(
        "api", points, WINDOWS, [(DAY, DAY + timedelta(days=1))], graded=graded
    )
    assert with_scores.vus_buffer == 6  # 30 min grace at a 5-minute cadence
    vus = summarize([with_scores], n_boot=0).vus_pr
    assert vus is not None and 0.0 < vus < 1.0
    assert summarize([scored()], n_boot=0).vus_pr is None


def test_graded_score_orders_by_status_then_confidence():
    from sentinel.models import Anomaly, Provenance, Verdict

    def verdict(status: Status, conf: float | None) -> Verdict:
        anomalies = []
        if conf is not None:
            anomalies = [
                Anomaly(
                    metric="m",
                    current_value=2.0,
                    baseline_value=1.0,
                    deviation_pct=100.0,
                    direction="up",
                    confidence=conf,
                )
            ]
        return Verdict(
            service="api",
            checked_at=DAY,
            status=status,
            anomalies=anomalies,
            provenance=Provenance(path="statistical"),
        )

    scores = [graded_score(verdict(*v)) for v in [(N, None), (W, 0.2), (W, 0.9), (C, 0.1)]]
    assert scores == sorted(scores) and scores[0] == 0.0
