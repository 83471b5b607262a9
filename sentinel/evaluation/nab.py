"""Numenta Anomaly Benchmark adapter: run a detector on NAB-layout data, write NAB result files.

Layout read: `DIR/data/<category>/<file>.csv` (columns timestamp,value) and
`DIR/labels/combined_windows.json` mapping `"<category>/<file>.csv"` to `[[start, end], ...]`.
Layout written: `OUT/<name>/<category>/<name>_<file>.csv` with columns
timestamp,value,anomaly_score,label, which NAB's own scorer reads: exactly one row per input row
in input order (duplicate timestamps, NaN values and unparseable rows included), and `<name>` the
detector's NAB name without `_` (`sentinel.evaluation.nab_output.nab_name`), since NAB's scorer
splits result file names at the first `_`.

Streaming: the series is cut into blocks; each block is scored by a detector fitted only on the
points before it (refitted per block), with a few earlier points as context for stateful
detectors (CUSUM). So every score uses the past only. Steps may be irregular and have gaps;
duplicated timestamps keep the last value, non-finite values score 0.

Figures printed (alarm = score >= threshold, NAB's probationary first 15 % ignored):
- event level: a labelled window is detected if any alarm falls inside it; an alarm event is a
  run of consecutive alarmed points and is true if any of its points is inside a window;
  precision = true alarm events / alarm events, recall = detected windows / windows. No
  point-adjust. Beside them, true alarm events per detected window: a detector that re-alarms
  inside a window (a score flickering around the threshold) gains precision from it, one that
  alarms once per episode does not, so read precision with that figure.
- a NAB-style score with the standard profile at that fixed threshold (NAB itself optimises the
  threshold per detector; use its scorer on the written files for the official number).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sentinel.detectors.registry import make_detector
from sentinel.errors import ConfigError, SentinelError
from sentinel.evaluation.scoring import STANDARD, NabProfile, scaled_sigmoid
from sentinel.series import to_ns

PROBATION_PERCENT = 0.15


@dataclass(frozen=True)
class NabSeries:
    """One data file with its labelled windows (UTC)."""

    key: str  # "<category>/<file>.csv", as in combined_windows.json
    timestamps: pd.DatetimeIndex
    values: np.ndarray
    windows: list[tuple[pd.Timestamp, pd.Timestamp]]
    # The input rows as read, for one output row each: timestamp text, value, and the index of
    # the cleaned point holding that timestamp (-1: unparseable timestamp).
    raw_timestamps: tuple[str, ...] = ()
    raw_values: np.ndarray = field(default_factory=lambda: np.zeros(0))
    row_point: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.intp))

    @property
    def category(self) -> str:
        return self.key.split("/", 1)[0]

    @property
    def file(self) -> str:
        return self.key.split("/", 1)[1]


@dataclass
class FileResult:
    key: str
    points: int
    windows: int
    detected: int
    alarm_events: int
    true_alarm_events: int
    nab_raw: float
    days: float = 0.0  # first to last timestamp

    @property
    def false_alarm_events(self) -> int:
        return self.alarm_events - self.true_alarm_events


@dataclass
class NabReport:
    detector: str
    threshold: float
    files: list[FileResult] = field(default_factory=list)
    sweep: list[NabReport] = field(default_factory=list)  # other thresholds, same scores
    params: dict[str, Any] = field(default_factory=dict)  # the detector's, when not defaults

    def _sum(self, attr: str) -> int:
        return sum(getattr(f, attr) for f in self.files)

    @property
    def false_alarms_per_day(self) -> float | None:
        """False alarm events per series-day (every file's span summed)."""
        days = sum(f.days for f in self.files)
        return self._sum("false_alarm_events") / days if days > 0 else None

    @property
    def precision(self) -> float | None:
        events = self._sum("alarm_events")
        return self._sum("true_alarm_events") / events if events else None

    @property
    def recall(self) -> float | None:
        windows = self._sum("windows")
        return self._sum("detected") / windows if windows else None

    @property
    def alarms_per_detected_window(self) -> float | None:
        """True alarm events per detected window (1.0 = one alarm per caught episode)."""
        detected = self._sum("detected")
        return self._sum("true_alarm_events") / detected if detected else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if p is None or r is None:
            return None
        return 0.0 if p + r == 0 else 2 * p * r / (p + r)

    def nab_score(self, profile: NabProfile = STANDARD) -> float | None:
        """100 = every window caught at its left edge, no false positives; 0 = no detections."""
        windows = self._sum("windows")
        if not windows:
            return None
        null, perfect = -profile.fn * windows, profile.tp * windows
        raw = sum(f.nab_raw for f in self.files)
        return 100.0 * (raw - null) / (perfect - null)

    def table(self) -> str:
        lines = [
            f"{'file':<48}{'points':>8}{'windows':>8}{'detected':>9}{'alarms':>7}{'true':>6}",
        ]
        for f in self.files:
            lines.append(
                f"{f.key:<48}{f.points:>8}{f.windows:>8}{f.detected:>9}"
                f"{f.alarm_events:>7}{f.true_alarm_events:>6}"
            )
        lines.append(self.summary())
        if self.sweep:
            lines.append("sweep (same scores, other thresholds):")
            lines += [f"  {r.summary()}" for r in self.sweep]
        return "\n".join(lines)

    def summary(self) -> str:
        """One line: the event-level figures, false alarms and the NAB score at the threshold."""

        def fmt(x: float | None) -> str:
            return "-" if x is None else f"{x:.3f}"

        score = self.nab_score()
        fa = self.false_alarms_per_day
        per = self.alarms_per_detected_window
        return (
            f"detector {self.detector}{_params_text(self.params)}, threshold {self.threshold:g}: "
            f"precision {fmt(self.precision)}  recall {fmt(self.recall)}  F1 {fmt(self.f1)}  "
            f"true alarms/caught window {'-' if per is None else f'{per:.1f}'}  "
            f"false alarms {self._sum('false_alarm_events')} "
            f"({'-' if fa is None else f'{fa:.2f}'}/series-day)  "
            f"NAB standard {'-' if score is None else f'{score:.1f}'} (fixed threshold)"
        )


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


def read_corpus(data_dir: Path, categories: Sequence[str] | None = None) -> list[NabSeries]:
    """Every data file under DIR/data (optionally only some categories), with its windows."""
    data_root = Path(data_dir) / "data"
    labels_path = Path(data_dir) / "labels" / "combined_windows.json"
    if not data_root.is_dir():
        raise SentinelError(f"{data_root}: not a directory (expected the NAB layout DIR/data/...)")
    try:
        labels = json.loads(labels_path.read_text())
    except OSError as exc:
        raise SentinelError(f"{labels_path}: cannot read labels: {exc.strerror or exc}") from exc
    except json.JSONDecodeError as exc:
        raise SentinelError(f"{labels_path}: not JSON: {exc}") from exc
    if not isinstance(labels, dict):
        raise SentinelError(f"{labels_path}: expected an object mapping file keys to windows")
    wanted = set(categories or [])
    found = sorted(p for p in data_root.glob("*/*.csv"))
    if wanted:
        missing = wanted - {p.parent.name for p in found}
        if missing:
            raise SentinelError(f"{data_root}: no such categories: {', '.join(sorted(missing))}")
        found = [p for p in found if p.parent.name in wanted]
    if not found:
        raise SentinelError(f"{data_root}: no <category>/<file>.csv files")
    return [
        _read_file(p, f"{p.parent.name}/{p.name}", labels.get(f"{p.parent.name}/{p.name}", []))
        for p in found
    ]


def _utc(text: Any) -> pd.Timestamp:
    ts = pd.Timestamp(text)
    return ts.tz_localize("UTC") if ts.tz is None else ts.tz_convert("UTC")


def _read_file(path: Path, key: str, raw_windows: Any) -> NabSeries:
    try:
        frame = pd.read_csv(path)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise SentinelError(f"{path}: unreadable CSV: {exc}") from exc
    if not {"timestamp", "value"} <= set(frame.columns):
        raise SentinelError(f"{path}: needs columns timestamp,value; has {list(frame.columns)}")
    ts = pd.to_datetime(frame["timestamp"], utc=True, errors="coerce", format="mixed")
    values = pd.to_numeric(frame["value"], errors="coerce").to_numpy(dtype=np.float64)
    ok = ts.notna().to_numpy()
    s = pd.Series(values[ok], index=pd.DatetimeIndex(ts[ok]))
    s = s[~s.index.duplicated(keep="last")].sort_index()
    row_point = np.full(len(frame), -1, dtype=np.intp)
    row_point[ok] = s.index.get_indexer(pd.DatetimeIndex(ts[ok]))
    try:
        windows = [(_utc(a), _utc(b)) for a, b in raw_windows]
    except (TypeError, ValueError) as exc:
        raise SentinelError(f"labels for {key}: expected [[start, end], ...]: {exc}") from exc
    return NabSeries(
        key,
        pd.DatetimeIndex(s.index),
        s.to_numpy(),
        windows,
        raw_timestamps=tuple(frame["timestamp"].astype(str)),
        raw_values=values,
        row_point=row_point,
    )


# --------------------------------------------------------------------------------------------
# Streaming scores
# --------------------------------------------------------------------------------------------


def stream_scores(
    detector: str,
    values: np.ndarray,
    timestamps: pd.DatetimeIndex,
    params: dict[str, Any] | None = None,
    blocks: int = 100,
    context: int = 60,
    max_history: int = 50_000,
) -> np.ndarray:
    """Score every point with a detector fitted only on earlier points (refit per block)."""
    n = len(values)
    ns = to_ns(timestamps)
    scores = np.zeros(n)
    size = max(10, math.ceil(n / blocks)) if n else 1
    for start in range(0, n, size):
        stop = min(start + size, n)
        lo = max(0, start - max_history)
        model = make_detector(detector, **(params or {})).fit(values[lo:start], ns[lo:start])
        ctx = max(0, start - context)
        scores[start:stop] = model.score_samples(values[ctx:stop], ns[ctx:stop])[start - ctx :]
    return scores


# --------------------------------------------------------------------------------------------
# Scoring
# --------------------------------------------------------------------------------------------


def window_mask(timestamps: pd.DatetimeIndex, windows: Sequence[tuple]) -> np.ndarray:
    """Window id (0, 1, ...) of each point inside a window [start, end] (inclusive), else -1."""
    ids = np.full(len(timestamps), -1)
    for i, (a, b) in enumerate(windows):
        ids[(timestamps >= a) & (timestamps <= b)] = i
    return ids


def probation_length(n: int) -> int:
    """NAB's probationary period: the first 15 % of points (at most 750) are not scored."""
    return int(min(math.floor(PROBATION_PERCENT * n), PROBATION_PERCENT * 5000))


def score_file(
    series: NabSeries, scores: np.ndarray, threshold: float, profile: NabProfile = STANDARD
) -> FileResult:
    """Event-level counts and the NAB raw score of one file at a fixed threshold."""
    n = len(scores)
    ids = window_mask(series.timestamps, series.windows)
    alarm = scores >= threshold
    alarm[: probation_length(n)] = False
    detected = {int(i) for i in np.unique(ids[alarm]) if i >= 0}
    starts = np.flatnonzero(alarm & ~np.concatenate([[False], alarm[:-1]]))
    ends = np.flatnonzero(alarm & ~np.concatenate([alarm[1:], [False]]))
    true_events = sum(bool((ids[a : b + 1] >= 0).any()) for a, b in zip(starts, ends, strict=True))
    return FileResult(
        key=series.key,
        points=n,
        windows=len(series.windows),
        detected=len(detected),
        alarm_events=len(starts),
        true_alarm_events=true_events,
        nab_raw=nab_raw(ids, alarm, profile),
        days=(series.timestamps[-1] - series.timestamps[0]).total_seconds() / 86400 if n else 0.0,
    )


def nab_raw(ids: np.ndarray, alarm: np.ndarray, profile: NabProfile = STANDARD) -> float:
    """NAB's sweep at one threshold (nab/sweeper.py): the best detection per window earns
    tp * sigmoid(position) / maxTP, each point alarmed outside windows costs fp * sigmoid(distance
    past the previous window), each missed window costs fn. Probationary points are pre-masked."""
    max_tp = scaled_sigmoid(-1.0)
    n_windows = int(ids.max()) + 1 if len(ids) and ids.max() >= 0 else 0
    best = np.full(n_windows, -profile.fn)
    fp_total = 0.0
    bounds = {w: np.flatnonzero(ids == w) for w in range(n_windows)}
    prev_right: int | None = None
    prev_width = 0.0
    for i in range(len(ids)):
        w = ids[i]
        if w >= 0:
            idx = bounds[int(w)]
            right, width = int(idx[-1]), float(idx[-1] - idx[0] + 1)
            if alarm[i]:
                pos = -(right - i + 1) / width
                best[w] = max(best[w], scaled_sigmoid(pos) * profile.tp / max_tp)
            if i == right:
                prev_right, prev_width = right, width
        elif alarm[i]:
            if prev_right is None or prev_width <= 1:
                past = 3.0
            else:
                past = abs(prev_right - i) / (prev_width - 1)
            fp_total += scaled_sigmoid(past) * profile.fp
    return float(best.sum() + fp_total)


# --------------------------------------------------------------------------------------------
# Running and writing
# --------------------------------------------------------------------------------------------


def run_nab(
    data_dir: Path,
    detector: str,
    out: Path,
    categories: Sequence[str] | None = None,
    threshold: float = 0.7,
    params: dict[str, Any] | None = None,
    sweep: Sequence[float] = (),
) -> NabReport:
    """Score every selected file, write NAB result CSVs, return the figures (and, for each
    `sweep` threshold, the same figures from the same scores in `NabReport.sweep`)."""
    if not 0.0 < threshold <= 1.0:
        raise ConfigError(f"threshold must be within (0, 1], got {threshold}")
    make_detector(detector, **(params or {}))  # unknown names fail before any work
    for t in sweep:
        if not 0.0 < t <= 1.0:
            raise ConfigError(f"sweep thresholds must be within (0, 1], got {t}")
    scored = []
    for series in read_corpus(data_dir, categories):
        scores = stream_scores(detector, series.values, series.timestamps, params)
        write_result(out, detector, series, scores)
        scored.append((series, scores))

    def at(t: float) -> NabReport:
        return NabReport(detector, t, [score_file(s, x, t) for s, x in scored], params=params or {})

    report = at(threshold)
    report.sweep.extend(at(t) for t in sorted(sweep))
    return report


def _params_text(params: dict[str, Any]) -> str:
    return " (" + ", ".join(f"{k}={v!r}" for k, v in sorted(params.items())) + ")" if params else ""


def write_result(out: Path, detector: str, series: NabSeries, scores: np.ndarray) -> Path:
    """OUT/<nab name>/<category>/<nab name>_<file>.csv, one row per input row (nab_output)."""
    from sentinel.evaluation.nab_output import write_rows

    label = (window_mask(series.timestamps, series.windows) >= 0).astype(int)
    return write_rows(out, detector, series, scores, label)
