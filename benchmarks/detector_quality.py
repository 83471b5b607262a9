"""Detector quality on the bundled labelled fixtures: walk forward, score, print a table.

For each service, checks every CADENCE over the last DAYS of its fixture with every detector
(statistical verdicts only, no model), then scores the verdict timelines with
sentinel.evaluation.scoring (event-level precision/recall/F1, no point-adjust; false alarms per
day; hard negatives violated = any WARNING+ inside one). Each check sees data up to its time only.

    .venv/bin/python benchmarks/detector_quality.py [--days 7] [--cadence-min 5] [--detectors a,b]
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sentinel.config import FIXTURES_DIR, load_config
from sentinel.detectors import DETECTORS, StatisticalAssessor
from sentinel.evaluation.scoring import score_service, summarize
from sentinel.evaluation.walk_forward import check_times
from sentinel.gate import ThresholdGate
from sentinel.models import Status
from sentinel.pipeline import collect
from sentinel.sources.fixture_source import FixtureSource


def run(days: float, cadence_min: int, detectors: list[str], verbose: bool) -> dict[str, dict]:
    config = load_config()
    source = FixtureSource(FIXTURES_DIR)
    history = timedelta(days=config.history_days)
    results: dict[str, dict] = {}
    outcomes: dict[str, list] = {d: [] for d in detectors}
    gates = {d: ThresholdGate(config.detection.gate.threshold) for d in detectors}
    for svc in config.services:
        fixture = source.fixture_for(svc)
        end = fixture.manifest.end
        start = end - timedelta(days=days)
        times = check_times([(start, end)], timedelta(minutes=cadence_min))
        assessors = {d: StatisticalAssessor(config.detection, detector=d) for d in detectors}
        timelines: dict[str, list[tuple]] = {d: [] for d in detectors}
        for at in times:
            data = collect(source, svc, at, history, 60)
            for d, assessor in assessors.items():
                a = assessor.assess(data)
                gates[d].escalate(a)
                timelines[d].append((at, a.verdict.status))
                if verbose and a.verdict.status.alerts:
                    print(f"  {d:<16} {a.verdict.one_line()} @ {at:%m-%d %H:%M}")
        windows = [
            (f"{svc.name}:{w.kind}@{w.start:%m-%d %H:%M}", w)
            for w in fixture.manifest.labels
            if w.end > start and w.start < end
        ]
        for d in detectors:
            o = score_service(svc.name, timelines[d], windows, [(start, end)])
            outcomes[d].append(o)
            for n in o.negatives:
                if n.violated:
                    print(f"  {d}: hard negative violated: {n.case_id} ({n.worst.value})")
            for i in o.incidents:
                if not i.detected:
                    print(f"  {d}: missed incident: {i.case_id} (worst {i.worst.value})")
    for d in detectors:
        m = summarize(outcomes[d], n_boot=0)
        worst_neg = Status.worst(n.worst for o in outcomes[d] for n in o.negatives)
        results[d] = {"metrics": m, "worst_negative": worst_neg, "gate": gates[d]}
    return results


def fmt(x: float | None, spec: str = ".2f") -> str:
    return "-" if x is None else format(x, spec)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=float, default=7.0)
    ap.add_argument("--cadence-min", type=int, default=5)
    ap.add_argument("--detectors", default=",".join(DETECTORS))
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    detectors = [d.strip() for d in args.detectors.split(",") if d.strip()]
    t0 = time.perf_counter()
    results = run(args.days, args.cadence_min, detectors, args.verbose)
    print(
        f"\nLast {args.days:g} days of each fixture, a check every {args.cadence_min} min "
        f"({time.perf_counter() - t0:.0f} s). Event-level, no point-adjust; alarm = WARNING+."
    )
    head = (
        f"{'detector':<17}{'incidents':>10}{'precision':>10}{'recall':>8}{'F1':>7}"
        f"{'FA/day':>8}{'HN viol.':>9}{'worst on HN':>12}{'NAB':>7}{'escal.':>8}"
    )
    print(head)
    print("-" * len(head))
    for d, r in results.items():
        m = r["metrics"]
        print(
            f"{d:<17}{m.detected:>4}/{m.incidents:<5}{fmt(m.precision):>10}{fmt(m.recall):>8}"
            f"{fmt(m.f1):>7}{fmt(m.false_alarms_per_day):>8}"
            f"{m.hard_negative_violations:>5}/{m.hard_negatives:<3}{r['worst_negative'].value:>12}"
            f"{fmt(m.nab_score, '.1f'):>7}{r['gate'].escalation_rate:>8.1%}"
        )


if __name__ == "__main__":
    main()
