"""VUS-PR: volume under the range-PR surface (Paparrizos et al., VLDB 2022; used by TSB-AD).

Why beside event F1: F1 judges the alerting verdicts at one operating point; VUS-PR judges the
graded score over every threshold and is robust to labels that start or end a few checks off,
so it says whether a detector ranks incident checks above the rest even where its alarm
threshold is wrong. Pure numpy, no I/O.

Definition, per buffer length l = 0..max_buffer (in points):
- labels are softened: points up to l//2 before/after each labelled range get sqrt(1 - d/l);
- for each threshold (every distinct score, high to low) with predictions `score >= t`:
  TP = sum(label * pred), P' = (#labelled points + sum(label)) / 2,
  recall = min(TP / P', 1) * (fraction of softened ranges with a hit), precision = TP / #pred;
- range-AP = sum of recall steps x the precision reached at each step (the step rule of
  sklearn's average precision: a constant score gets the share of labelled points; the
  reference code's trapezoid from (recall 0, precision 1) would credit it with (1 + share) / 2).
VUS-PR is the mean range-AP over the buffer lengths. Several series (one per service) are
softened separately, then scored as one, so a buffer never leaks from one service into another.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def _ranges(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive) indices of the runs of True in a 1-D bool array."""
    edges = np.diff(np.r_[0, mask.astype(np.int8), 0])
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def soften(labels: np.ndarray, buffer: int) -> np.ndarray:
    """Labels in [0, 1]: 1 inside each range, sqrt(1 - d / buffer) up to buffer//2 outside."""
    soft = labels.astype(float)
    if buffer <= 0:
        return soft
    n = len(soft)
    for s, e in zip(*_ranges(labels > 0), strict=True):
        after = np.arange(e, min(e + buffer // 2, n))
        soft[after] = np.fmax(soft[after], np.sqrt(1 - (after - e + 1) / buffer))
        before = np.arange(max(s - buffer // 2, 0), s)
        soft[before] = np.fmax(soft[before], np.sqrt(1 - (s - before) / buffer))
    return soft


def range_ap(scores: np.ndarray, labels: np.ndarray, soft: np.ndarray) -> float:
    """Range-based average precision of `scores` against hard `labels` softened to `soft`."""
    starts, _ = _ranges(soft > 0)
    if len(starts) == 0:
        return float("nan")
    order = np.argsort(-scores, kind="stable")
    s_sorted = scores[order]
    last = np.r_[np.flatnonzero(np.diff(s_sorted) != 0), len(s_sorted) - 1]  # end of each tie
    tp = np.cumsum(soft[order])[last]
    n_pred = last + 1.0
    p_new = (labels.sum() + soft.sum()) / 2
    # Existence: the first (highest-threshold) position at which each range gets a hit.
    rank = np.empty(len(scores), dtype=np.int64)
    rank[order] = np.arange(len(scores))
    inside = soft > 0
    range_id = np.cumsum(np.r_[inside[0], np.diff(inside.astype(np.int8)) == 1]) - 1
    first_hit = np.full(len(starts), len(scores))
    np.minimum.at(first_hit, range_id[inside], rank[inside])
    hits = np.searchsorted(np.sort(first_hit), last, side="right")
    recall = np.minimum(tp / p_new, 1.0) * hits / len(starts)
    precision = tp / n_pred
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def vus_pr(series: Sequence[tuple[np.ndarray, np.ndarray]], max_buffer: int) -> float | None:
    """Mean range-AP over buffers 0..max_buffer; `series` pairs (scores, labels) per service.

    None when no series has a labelled point (nothing to rank against)."""
    series = [(np.asarray(s, float), np.asarray(y) > 0) for s, y in series if len(s)]
    if not any(y.any() for _, y in series):
        return None
    scores = np.concatenate([s for s, _ in series])
    labels = np.concatenate([y for _, y in series]).astype(float)
    aps = []
    for buffer in range(max(max_buffer, 0) + 1):
        soft = np.concatenate([soften(y, buffer) for _, y in series])
        aps.append(range_ap(scores, labels, soft))
    return float(np.mean(aps))
