"""`staged`: the detector each series' history can support, chosen per series at fit time.

Why (docs/detectors.md, full real suites, 2026-12-02/03): with hours of history (Nezha pods) the
whole-history z of `episode` has the best event F1 (0.22 at 2.8 false alarms/day; `adaptive`
0.12 at 3.2); with weeks of history (SMD machines) `adaptive`'s seasonal residuals re-anchored
on the recent level have it (0.29 at 0.3; `episode` 0.22 at 2.8). A seasonal baseline needs a
few cycles to mean anything, so a series fitted on less than `seasonal_after_days` of history
is scored by the young member (`episode`: whole-history z with a tail factor, plus a CUSUM on
hourly buckets), and one with more by the mature member. A new service therefore gets a verdict
after an hour or two and moves to the seasonal detector as weeks accumulate; `history_hours_`
(in the verdict) says how much history backed it.

The mature member (`mature_detector`) is `hybrid` by default: `adaptive`'s onset score plus a
strict CUSUM on the same residuals (`MATURE_DEFAULTS`: sums 50 / 120 / 300), which catches a
modest step that persists (the synthetic post-deploy level shift, which `adaptive` leaves at
WATCH) without `hybrid`'s default CUSUM's extra false alarms (docs/detectors.md, session 7).
`mature_detector: adaptive` restores the member measured before.

On mature series the young member's onset (the whole-history z with its tail factor, no CUSUM)
also counts, from WARNING up (`mature_onset`, `mature_onset_from` 0.7): an excursion far outside
everything the series has done reads as one even where the seasonal profile, built from two or
three samples per hour of week, is too noisy to call it. Below WARNING the seasonal member alone
scores, so the WATCH band and the gate's escalations stay as they were (docs/detectors.md,
session 8: NAB-layout F1 +0.06 / +0.11 at equal false alarms, SMD's curve as good or better).
`mature_onset: false` restores the session-7 detector.

Each member fits and scores only its own series, so a service's metrics fitted together give
every metric exactly its single-series fit (`row_exact_pooling`) at one member's cost.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any, Literal

import numpy as np

from sentinel.baseline import Seasonality
from sentinel.detectors.adaptive import AdaptiveDetector
from sentinel.detectors.base import Detector, Direction
from sentinel.detectors.episode import EpisodeDetector
from sentinel.detectors.hybrid import HybridDetector

MatureName = Literal["adaptive", "hybrid"]
MATURE: dict[str, type[AdaptiveDetector]] = {"adaptive": AdaptiveDetector, "hybrid": HybridDetector}
# The mature member's own settings unless `mature` overrides them (a strict CUSUM for `hybrid`).
MATURE_DEFAULTS: dict[str, dict[str, Any]] = {
    "adaptive": {},
    "hybrid": {"h_watch": 50.0, "h_warning": 120.0, "h_critical": 300.0},
}


class StagedDetector(Detector):
    """`episode` on series with under `seasonal_after_days` of history, `hybrid` (or
    `adaptive`) after."""

    name = "staged"
    row_exact_pooling = True  # each series is scored by one member, on its own fit

    def __init__(
        self,
        direction: Direction = "both",
        seasonality: Seasonality = "hour_of_week",
        min_history: int = 30,
        seasonal_after_days: float = 7.0,
        young: dict[str, Any] | None = None,
        mature: dict[str, Any] | None = None,
        mature_detector: MatureName = "hybrid",
        mature_onset: bool = True,
        mature_onset_from: float = 0.7,
    ) -> None:
        if not seasonal_after_days >= 0:
            raise TypeError(f"seasonal_after_days must be >= 0, got {seasonal_after_days!r}")
        if mature_detector not in MATURE:
            raise TypeError(
                f"mature_detector must be one of {sorted(MATURE)}, got {mature_detector!r}"
            )
        self.direction = direction
        self.seasonality = seasonality
        self.min_history = min_history
        self.seasonal_after_days = seasonal_after_days
        self.young = young or {}
        self.mature_detector = mature_detector
        self.mature = mature or {}
        self.mature_onset = bool(mature_onset)
        if not 0.0 <= mature_onset_from <= 1.0:
            raise TypeError(f"mature_onset_from must be in [0, 1], got {mature_onset_from!r}")
        self.mature_onset_from = float(mature_onset_from)
        self._members()  # bad member parameters fail here, when the config loads

    def _common(self) -> dict[str, Any]:
        """The settings every member shares with this detector."""
        return {
            "direction": self.direction,
            "seasonality": self.seasonality,
            "min_history": self.min_history,
        }

    def _members(self) -> tuple[EpisodeDetector, AdaptiveDetector]:
        """Fresh young and mature members with this detector's shared settings."""
        common = self._common()
        settings = {**MATURE_DEFAULTS[self.mature_detector], **self.mature}
        mature = MATURE[self.mature_detector](**common, **settings)
        return EpisodeDetector(**common, **self.young), mature

    def _mature_onset_member(self) -> EpisodeDetector:
        """The young member's onset score alone (no CUSUM), for mature series."""
        return EpisodeDetector(**self._common(), **{**self.young, "shift": False})

    def _fit(self, x: np.ndarray, ns: np.ndarray) -> None:
        self.mature_ = self.history_hours_ >= 24.0 * self.seasonal_after_days
        young, mature = self._members()
        m = self.mature_
        self.young_ = young.fit(_rows(x, ~m), ns) if (~m).any() else None
        self.mature_member_ = mature.fit(_rows(x, m), ns) if m.any() else None
        self.onset_member_ = (
            self._mature_onset_member().fit(_rows(x, m), ns)
            if self.mature_onset and m.any()
            else None
        )

    def _each_member(
        self, fn: Callable[[Detector, np.ndarray | None], np.ndarray], x: np.ndarray | None
    ) -> np.ndarray:
        """`fn(member, x[member's rows])` for each member, stacked back in row order."""
        young, mature = self.young_, self.mature_member_
        if young is None or mature is None:  # one member: no copies
            member = mature if young is None else young
            assert member is not None
            return fn(member, x)
        m = self.mature_
        a = fn(young, None if x is None else x[~m])
        b = fn(mature, None if x is None else x[m])
        out = np.empty((len(m), *a.shape[1:]), dtype=np.result_type(a, b))
        out[~m], out[m] = a, b
        return out

    def _score(self, x: np.ndarray, ns: np.ndarray) -> np.ndarray:
        onset = self.onset_member_

        def score(d: Detector, xr: np.ndarray) -> np.ndarray:
            out = d._score(xr, ns)
            if onset is not None and d is self.mature_member_:
                o = onset._score(xr, ns)
                o[o < self.mature_onset_from] = 0.0  # below WARNING the seasonal member rules
                np.fmax(out, o, out=out)
            return out

        return self._each_member(score, x)

    def _residuals(self, x: np.ndarray, ns: np.ndarray) -> np.ndarray:
        return self._each_member(lambda d, xr: d._residuals(xr, ns), x)

    def _expected(self, ns: np.ndarray) -> np.ndarray:
        return self._each_member(lambda d, _: d._expected(ns), None)

    def lookback_points(self) -> int | None:
        members = (self.young_, self.mature_member_, self.onset_member_)
        looks = [m.lookback_points() for m in members if m is not None]
        return None if any(v is None for v in looks) else max(looks, default=0)

    def row(self, i: int) -> StagedDetector:
        """The fitted detector of series `i` alone: its member's row, nothing of the other."""
        self._check_fitted()
        one = copy.copy(self)
        for name in ("n_history_", "history_hours_", "ready_", "mature_"):
            setattr(one, name, getattr(self, name)[i : i + 1])
        mature = bool(self.mature_[i])
        j = int(np.count_nonzero(self.mature_[:i] == mature))  # its row within the member
        member = self.mature_member_ if mature else self.young_
        assert member is not None
        one.young_, one.mature_member_ = (None, member.row(j)) if mature else (member.row(j), None)
        onset = self.onset_member_
        one.onset_member_ = onset.row(j) if mature and onset is not None else None
        return one


def _rows(x: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """x's rows where `keep`: x itself when that is every row (no copy of a long history)."""
    return x if keep.all() else x[keep]
