"""Statistical detectors (scikit-learn-like), their registry and the per-check assessor.

`build_assessor(config)` is what `sentinel check` and the eval use; docs/detectors.md explains
the detectors, their settings and the numbers behind the default.
"""

from __future__ import annotations

from typing import Any

from sentinel.config import SentinelConfig
from sentinel.detectors.assessor import StatisticalAssessor
from sentinel.detectors.base import SCORE_LEVELS, Detector
from sentinel.detectors.registry import DETECTORS, make_detector

# Detector classes load on first use (scikit-learn for isolation_forest): see registry.
_CLASSES = {
    "EnsembleDetector": "ensemble",
    "IsolationForestDetector": "isolation_forest",
    "LevelShiftDetector": "level_shift",
    "SeasonalMADDetector": "seasonal_mad",
    "ZScoreDetector": "zscore",
}


def __getattr__(attr: str) -> Any:
    if attr in _CLASSES:
        return DETECTORS[_CLASSES[attr]]
    raise AttributeError(f"module {__name__!r} has no attribute {attr!r}")


def build_assessor(config: SentinelConfig, detector: str | None = None) -> StatisticalAssessor:
    """The statistical assessor the config asks for (`detection.detector` unless overridden)."""
    return StatisticalAssessor(config.detection, detector=detector)


__all__ = [
    "DETECTORS",
    "SCORE_LEVELS",
    "Detector",
    "EnsembleDetector",
    "IsolationForestDetector",
    "LevelShiftDetector",
    "SeasonalMADDetector",
    "StatisticalAssessor",
    "ZScoreDetector",
    "build_assessor",
    "make_detector",
]
