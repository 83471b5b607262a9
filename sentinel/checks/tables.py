"""The check notebook's tables: full reasoning, rounded numbers, columns that say what they hold.

"current" is the median of the last `min_points` points before the check (the assessor's
alarm-aggregation window), so it can differ from the plot's last point; the column says so.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from sentinel.models import Verdict


def round_sig(x: float, digits: int = 3) -> float:
    """`x` to `digits` significant figures (379.218866 -> 379.0, 0.0012345 -> 0.00123)."""
    if x == 0 or not math.isfinite(x):
        return x
    return round(x, digits - 1 - math.floor(math.log10(abs(x))))


def verdict_table(verdicts: Sequence[Verdict]) -> pd.DataFrame:
    """One row per service, reasoning in full (the notebook shows it unwrapped)."""
    return pd.DataFrame(
        [
            {
                "service": v.service,
                "status": v.status.value,
                "action": v.recommended_action.value,
                "path": v.provenance.path,
                "source of judgement": v.provenance.response_source,
                "anomalies": len(v.anomalies),
                "reasoning": v.reasoning,
            }
            for v in verdicts
        ]
    ).set_index("service")


def anomaly_table(verdicts: Sequence[Verdict], min_points: int) -> pd.DataFrame:
    """One row per anomalous metric, numbers rounded to 3 significant figures."""
    current = f"current (median of last {min_points} points)"
    rows = [
        {
            "service": v.service,
            "metric": a.metric,
            current: round_sig(a.current_value),
            "baseline": round_sig(a.baseline_value),
            "deviation": f"{a.deviation_pct:+.0f}%",
            "direction": a.direction,
            "confidence": round(a.confidence, 2),
            "detail": a.detail,
        }
        for v in verdicts
        for a in v.anomalies
    ]
    if not rows:
        return pd.DataFrame([{"service": "-", "metric": "no anomalies"}]).set_index("service")
    return pd.DataFrame(rows).set_index(["service", "metric"])
