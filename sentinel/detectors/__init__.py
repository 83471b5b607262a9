"""Statistical detectors (scikit-learn-like), their registry and the per-check assessor.

`build_assessor(config)` is what `sentinel check` and the eval use; docs/detectors.md explains
the detectors, their settings and the numbers behind the default.
"""

from __future__ import annotations

from sentinel.config import SentinelConfig
from sentinel.detectors.assessor import StatisticalAssessor
from sentinel.detectors.base import SCORE_LEVELS, Detector
from sentinel.detectors.ensemble import EnsembleDetector
from sentinel.detectors.isolation_forest import IsolationForestDetector
from sentinel.detectors.level_shift import LevelShiftDetector
from sentinel.detectors.registry import DETECTORS, make_detector
from sentinel.detectors.seasonal_mad import SeasonalMADDetector
from sentinel.detectors.zscore import ZScoreDetector


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
