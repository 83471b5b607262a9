"""Attribution: did the alerting verdicts inside an incident name the metrics its label names?

For SMD the labels say which dimensions show each segment (interpretation_label). For each
detected incident whose window lists metrics, `named` is the union of the anomalies' metrics
over the alerting verdicts inside the window. Precision = labelled named / named; recall =
labelled named / labelled, both pooled over incidents (micro), with a percentile bootstrap over
incidents. Missed incidents are not counted here: recall of incidents is the headline's job.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sentinel.evaluation.cases import Suite
from sentinel.evaluation.walk_forward import CheckRecord


@dataclass(frozen=True)
class Attribution:
    incidents: int  # detected incidents with labelled metrics
    labelled_incidents: int  # incidents with labelled metrics, detected or not
    named: int
    hits: int
    labelled: int
    precision: float | None
    recall: float | None
    precision_ci: tuple[float, float] | None = None
    recall_ci: tuple[float, float] | None = None


def per_incident(records: Sequence[CheckRecord], suite: Suite) -> list[tuple[int, int, int]]:
    """(named, hits, labelled) per detected incident whose window lists metrics."""
    out = []
    by_service: dict[str, list[CheckRecord]] = {}
    for r in records:
        by_service.setdefault(r.service, []).append(r)
    for case in suite.cases:
        for w in case.manifest.windows:
            if w.hard_negative or not w.metrics:
                continue
            named: set[str] = set()
            alerted = False
            for r in by_service.get(case.service, []):
                if w.contains(r.at) and r.verdict.status.alerts:
                    alerted = True
                    named |= {a.metric for a in r.verdict.anomalies}
            if alerted:
                hits = len(named & set(w.metrics))
                out.append((len(named), hits, len(w.metrics)))
    return out


def labelled_incidents(suite: Suite) -> int:
    return sum(
        1 for c in suite.cases for w in c.manifest.windows if not w.hard_negative and w.metrics
    )


def attribution(
    records: Sequence[CheckRecord], suite: Suite, n_boot: int = 1000, seed: int = 0
) -> Attribution | None:
    """None when no incident of the suite lists metrics (nothing to attribute)."""
    total = labelled_incidents(suite)
    if total == 0:
        return None
    rows = np.array(per_incident(records, suite), dtype=float).reshape(-1, 3)
    named, hits, labelled = rows.sum(axis=0) if len(rows) else (0.0, 0.0, 0.0)
    p_ci = r_ci = None
    if len(rows) and n_boot > 0:
        rng = np.random.default_rng(seed)
        draws = rows[rng.integers(0, len(rows), (n_boot, len(rows)))].sum(axis=1)
        p = draws[:, 1][draws[:, 0] > 0] / draws[:, 0][draws[:, 0] > 0]
        r = draws[:, 1] / draws[:, 2]
        p_ci = (float(np.percentile(p, 2.5)), float(np.percentile(p, 97.5))) if len(p) else None
        r_ci = (float(np.percentile(r, 2.5)), float(np.percentile(r, 97.5)))
    return Attribution(
        incidents=len(rows),
        labelled_incidents=total,
        named=int(named),
        hits=int(hits),
        labelled=int(labelled),
        precision=float(hits / named) if named else None,
        recall=float(hits / labelled) if labelled else None,
        precision_ci=p_ci,
        recall_ci=r_ci,
    )
