"""`hybrid`: `adaptive`'s onset score and a CUSUM on the same residuals, in one pass.

Why: on real data neither shape wins alone. `adaptive` (a point far from both its seasonal
baseline and its recent level) finds sharp onsets with few false alarms but misses a modest step
that persists (SMD, the synthetic `level_shift_after_deploy`); the CUSUM of `level_shift` finds
exactly those but nothing short (Nezha's 10-minute faults). The score is the larger of the two,
computed from one set of seasonal residuals, scaled by each series' own tail (so the CUSUM does
not climb on a heavy-tailed latency series), which keeps scoring close to `adaptive`'s cost.

One episode stays one alarm: the onset score fades once the trailing window holds the new level,
and the CUSUM stays up while the shift lasts, then drains at `drift` per point.
"""

from __future__ import annotations

import numpy as np

from sentinel.detectors.adaptive import AdaptiveDetector
from sentinel.detectors.base import calibrate, detector_params, orient
from sentinel.detectors.level_shift import two_sided_cusum


@detector_params
class HybridDetector(AdaptiveDetector):
    """max(adaptive onset score, CUSUM shift score) on shared tail-scaled residuals."""

    name = "hybrid"

    drift: float = 2.0  # CUSUM: residuals beyond this many sigma accumulate
    shift_clip: float = 5.0  # ... each point adds at most this much (a spike is not a shift)
    h_watch: float = 25.0
    h_warning: float = 60.0
    h_critical: float = 150.0

    def _score(self, x: np.ndarray, ns: np.ndarray) -> np.ndarray:
        z = self._residuals(x, ns)
        z /= self.tail_factor_[:, None]
        shift = self.shift_strength(z)
        finite = np.isfinite(x)
        if not finite.all():
            shift[~finite] = 0.0  # a gap in the data scores nothing
        z = self._adapt(z)  # in place: z is the onset strength from here
        onset = np.abs(z, out=z) if self.direction == "both" else orient(z, self.direction)
        score = calibrate(onset, self.z_watch, self.z_warning, self.z_critical)
        shift_score = calibrate(shift, self.h_watch, self.h_warning, self.h_critical)
        return np.fmax(score, shift_score, out=score)

    def shift_strength(self, z: np.ndarray) -> np.ndarray:
        """The two-sided CUSUM of z clipped to +-`shift_clip` beyond `drift` (a NaN step adds
        nothing), on the sides `direction` watches; z is left as it was."""
        r = np.clip(z, -self.shift_clip, self.shift_clip)
        return two_sided_cusum(r, self.drift, self.direction)
