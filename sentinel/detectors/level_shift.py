"""`level_shift`: two-sided CUSUM on clipped seasonal residuals, for shifts and slow leaks.

A spike moves the sum by at most `clip`; a sustained shift of d sigma adds `d - drift` per point,
so the statistic finds modest but persistent changes that a per-point test misses. The CUSUM with
reset at zero, S_t = max(0, S_{t-1} + d_t), equals C_t - min(0, min_{j<=t} C_j) with C the cumulative
sum of d, which numpy computes without a Python loop. The sum starts at the first scored point,
so callers pass some context before the points they care about.
"""

from __future__ import annotations

import numpy as np

from sentinel.detectors.base import Direction, calibrate, detector_params
from sentinel.detectors.seasonal_mad import SeasonalBaselineDetector


def cusum(d: np.ndarray) -> np.ndarray:
    """One-sided CUSUM with reset at zero along the last axis; NaN steps add nothing."""
    c = np.nan_to_num(d, nan=0.0, posinf=np.inf, neginf=-np.inf)  # one copy, then in place
    cusum_inplace(c)
    return c


def cusum_inplace(d: np.ndarray, scratch: np.ndarray | None = None) -> None:
    """S_t = max(0, S_{t-1} + d_t) along the last axis, in place (d holds no NaN); `scratch`
    (d's shape and dtype, overwritten) saves an allocation when several are computed."""
    np.cumsum(d, axis=-1, out=d)
    low = np.minimum.accumulate(d, axis=-1, out=scratch)
    np.minimum(low, 0.0, out=low)
    d -= low


def two_sided_cusum(r: np.ndarray, drift: float, direction: Direction) -> np.ndarray:
    """The larger of the up CUSUM of `r - drift` and the down CUSUM of `-r - drift`, on the
    sides `direction` watches; a NaN step (a gap) adds nothing. `r` (clipped residuals) is
    consumed: the down side is computed in its buffer, so the whole costs three arrays."""
    gaps = np.isnan(r)
    has_gaps = bool(gaps.any())
    scratch = np.empty_like(r)
    out = None
    if direction in ("up", "both"):
        out = r - drift
        if has_gaps:
            out[gaps] = 0.0
        cusum_inplace(out, scratch)
    if direction in ("down", "both"):
        np.negative(r, out=r)
        r -= drift
        if has_gaps:
            r[gaps] = 0.0
        cusum_inplace(r, scratch)
        out = r if out is None else np.fmax(out, r, out=out)
    if out is None:
        raise ValueError(f"direction must be up, down or both, got {direction!r}")
    return out


@detector_params
class LevelShiftDetector(SeasonalBaselineDetector):
    """CUSUM of residuals beyond `drift` sigma; the sum (in sigma-points) is the strength."""

    name = "level_shift"
    row_exact_pooling = True  # each series' fit is its own (base.Detector)

    drift: float = 2.0
    clip: float = 5.0
    h_watch: float = 25.0
    h_warning: float = 60.0
    h_critical: float = 150.0

    def _strength(self, x: np.ndarray, ns: np.ndarray) -> np.ndarray:
        z = self._residuals(x, ns)
        np.clip(z, -self.clip, self.clip, out=z)  # NaN (a gap) stays NaN and adds nothing
        return two_sided_cusum(z, self.drift, self.direction) * np.isfinite(x)

    def _score(self, x: np.ndarray, ns: np.ndarray) -> np.ndarray:
        return calibrate(self._strength(x, ns), self.h_watch, self.h_warning, self.h_critical)
