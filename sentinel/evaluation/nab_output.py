"""NAB result files that NAB's own scorer accepts: names without `_`, one row per input row.

NAB's scorer (numenta/NAB `run.py --optimize --score --normalize`) reads
`results/<detector>/<category>/<detector>_<file>.csv`, recovers the data file by dropping
everything up to the first `_` of the file name, and expects as many result rows as the data
file has. So the detector folder must not contain `_` (`seasonal_mad` would be read as detector
`seasonal`) and no row may be dropped or merged, even for duplicate timestamps or NaN values.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sentinel.detector_names import DETECTOR_CLASSES

if TYPE_CHECKING:
    from sentinel.evaluation.nab import NabSeries

# Sentinel detector name -> the name its NAB results are filed under (no `_`).
NAB_NAMES = {
    "seasonal_mad": "seasonalMad",
    "isolation_forest": "isolationForest",
    "level_shift": "levelShift",
}


def nab_name(detector: str) -> str:
    """The NAB detector name: the mapping above, else the name in camelCase (no `_`, no `-`)."""
    if detector in NAB_NAMES:
        return NAB_NAMES[detector]
    head, *rest = re.split(r"[_\-\s]+", detector)
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def sentinel_name(nab: str) -> str:
    """The Sentinel detector filed under NAB name `nab` (inverse of `nab_name`)."""
    inverse = {nab_name(name): name for name in DETECTOR_CLASSES}
    return inverse.get(nab, nab)


def row_scores(series: NabSeries, scores: np.ndarray) -> np.ndarray:
    """One score per input row: the score of the cleaned point holding the row's timestamp
    (a duplicate timestamp shares the score of the sample that was kept); 0 for a row whose own
    value is not finite or whose timestamp did not parse."""
    idx = series.row_point
    out = np.where(idx >= 0, np.asarray(scores, dtype=np.float64)[np.maximum(idx, 0)], 0.0)
    return np.where(np.isfinite(series.raw_values), out, 0.0)


def row_labels(series: NabSeries, point_labels: np.ndarray) -> np.ndarray:
    """One 0/1 label per input row, from the labels of the cleaned points."""
    idx = series.row_point
    return np.where(idx >= 0, np.asarray(point_labels)[np.maximum(idx, 0)], 0).astype(int)


def write_rows(
    out: Path, detector: str, series: NabSeries, scores: np.ndarray, point_labels: np.ndarray
) -> Path:
    """Write OUT/<nab name>/<category>/<nab name>_<file>.csv in the input's row order, with the
    input's timestamp text and value (NaN written as empty, as NAB's own files do)."""
    name = nab_name(detector)
    path = Path(out) / name / series.category / f"{name}_{series.file}"
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = pd.DataFrame(
        {
            "timestamp": list(series.raw_timestamps),
            "value": series.raw_values,
            "anomaly_score": np.round(row_scores(series, scores), 6),
            "label": row_labels(series, point_labels),
        }
    )
    frame.to_csv(path, index=False)
    return path
