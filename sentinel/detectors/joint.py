"""A joint score over one service's metrics: robust PCA reconstruction (Sub-PCA / SPE style).

Why: a fault on a multi-metric service (SMD's 38 metrics per machine, Nezha's pod metrics) moves
several metrics together. Scored one by one, each metric adds its own false alarms and the
incident is many findings; scored jointly, points that break the metrics' usual correlation
stand out even when no single metric is extreme, and the per-metric share of the error names
the metrics that moved.

Pure numpy, no I/O: `fit_joint(history[n_metrics, n_points])` -> `JointModel`;
`JointModel.score(recent[n_metrics, n_points])` -> `JointScore` with a score in [0, 1] per point
(the detectors' scale: 0.5 watch, 0.7 warning, 0.9 critical) and each metric's share of the
squared reconstruction error per point.

Fit:
1. each metric is standardised robustly (median, MAD x 1.4826, floored at a fraction of its
   standard deviation and at `eps`, so a mostly-constant metric does not divide by zero) and
   clipped to +-`clip`: one outage in the history cannot own a principal axis;
2. PCA (SVD) on the standardised history keeps the smallest number of axes that explain
   `variance` of it (at most `max_components`, at most n_metrics - 1 so a residual space exists);
3. one trimming pass: the `trim` fraction of history points with the largest reconstruction
   error is dropped and the axes refitted (robust PCA by trimming, not a full RPCA solve);
4. the squared prediction error (SPE, Q statistic) of the history calibrates the score:
   strength = sqrt(SPE / quantile(SPE, `quantile`)), mapped watch / warning / critical at
   `anchors` (default 2 / 3 / 5 times the history's own P99 error in root-SPE units).
NaN (a gap) is imputed with the metric's centre (standardised 0) and its own residual is 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sentinel.detectors.base import calibrate

MAD_TO_SIGMA = 1.4826


@dataclass(frozen=True)
class JointScore:
    """Per point: `score` in [0, 1], `strength` (root SPE over the history's quantile),
    `contributions[n_metrics, n_points]` (each metric's share of the squared error; columns
    sum to 1 where the error is positive)."""

    score: np.ndarray
    strength: np.ndarray
    contributions: np.ndarray

    def top_metrics(self, names: list[str], point: int, share: float = 0.1) -> list[str]:
        """Metric names holding at least `share` of the error at `point`, largest first."""
        c = self.contributions[:, point]
        order = np.argsort(-c)
        return [names[i] for i in order if c[i] >= share]


@dataclass(frozen=True)
class JointModel:
    """A fitted joint model; `components` is `[k, n_metrics]` (orthonormal rows)."""

    center: np.ndarray
    scale: np.ndarray
    components: np.ndarray
    spe_ref: float
    clip: float
    anchors: tuple[float, float, float]
    n_history: int

    def standardise(self, x: np.ndarray) -> np.ndarray:
        z = (np.asarray(x, dtype=np.float64) - self.center[:, None]) / self.scale[:, None]
        z = np.where(np.isfinite(z), z, 0.0)
        return np.clip(z, -self.clip, self.clip)

    def residual(self, x: np.ndarray) -> np.ndarray:
        """Standardised residual `[n_metrics, n_points]` after projection on the kept axes."""
        x = np.asarray(x, dtype=np.float64)
        z = self.standardise(x)
        p = self.components
        r = z - p.T @ (p @ z)
        return np.where(np.isfinite(x), r, 0.0)  # a gap's own entry says nothing

    def score(self, recent: np.ndarray) -> JointScore:
        r = self.residual(np.atleast_2d(recent))
        sq = r * r
        spe = sq.sum(axis=0)
        strength = np.sqrt(spe / self.spe_ref)
        with np.errstate(invalid="ignore", divide="ignore"):
            contrib = np.where(spe > 0, sq / np.where(spe > 0, spe, 1.0), 0.0)
        return JointScore(calibrate(strength, *self.anchors), strength, contrib)


def _pca_axes(z: np.ndarray, variance: float, max_k: int) -> np.ndarray:
    """Rows = the leading principal axes of z `[n_metrics, n_points]` explaining `variance`."""
    zc = z - z.mean(axis=1, keepdims=True)
    u, s, _ = np.linalg.svd(zc, full_matrices=False)
    energy = s * s
    total = energy.sum()
    if total <= 0 or max_k <= 0:
        return np.zeros((0, z.shape[0]))
    k = int(np.searchsorted(np.cumsum(energy) / total, variance) + 1)
    return u[:, : min(k, max_k)].T


def fit_joint(
    history: np.ndarray,
    *,
    variance: float = 0.9,
    max_components: int = 10,
    trim: float = 0.05,
    quantile: float = 0.99,
    clip: float = 10.0,
    anchors: tuple[float, float, float] = (2.0, 3.0, 5.0),
    robust: bool = True,
    eps: float = 1e-9,
) -> JointModel:
    """Fit on a service's history `[n_metrics, n_points]` (rows = metrics, NaN = gap)."""
    x = np.atleast_2d(np.asarray(history, dtype=np.float64))
    m, n = x.shape
    ok = np.isfinite(x)
    filled = np.where(ok, x, np.nan)
    has = ok.any(axis=1)
    center = np.zeros(m)
    mad = np.zeros(m)
    std = np.zeros(m)
    if has.any():
        center[has] = np.nanmedian(filled[has], axis=1)
        mad[has] = np.nanmedian(np.abs(filled[has] - center[has, None]), axis=1) * MAD_TO_SIGMA
        std[has] = np.nanstd(filled[has], axis=1)
    if not robust:  # mean/std, as zscore (heavy-tailed metrics get a wide scale)
        center[has] = np.nanmean(filled[has], axis=1)
        mad = std
    scale = np.maximum.reduce([mad, 0.1 * std, np.full(m, eps) * np.maximum(1.0, np.abs(center))])
    model = JointModel(center, scale, np.zeros((0, m)), 1.0, clip, anchors, n)
    z = model.standardise(x)
    max_k = min(max_components, m - 1, max(n - 1, 0))
    axes = _pca_axes(z, variance, max_k) if n >= 2 else np.zeros((0, m))
    if trim > 0 and n >= 20 and len(axes):
        r = z - axes.T @ (axes @ z)
        spe = (r * r).sum(axis=0)
        keep = spe <= np.quantile(spe, 1.0 - trim)
        axes = _pca_axes(z[:, keep], variance, max_k)
    r = z - axes.T @ (axes @ z)
    spe = (r * r).sum(axis=0)
    ref = float(np.quantile(spe, quantile)) if n else 0.0
    spe_ref = max(ref, 1e-6 * m, eps)
    return JointModel(center, scale, axes, spe_ref, clip, anchors, n)
