"""Detector names and where each class lives: the registry's one list, kept apart from the
detectors package so the config and the strategy parser can reject an unknown name at load time
without importing numpy/pandas (`sentinel.detectors.registry` builds the lazy registry on it)."""

from __future__ import annotations

# name -> "module:Class", in the order listings and tables show them. A new detector adds a line.
DETECTOR_CLASSES = {
    "zscore": "sentinel.detectors.zscore:ZScoreDetector",
    "seasonal_mad": "sentinel.detectors.seasonal_mad:SeasonalMADDetector",
    "isolation_forest": "sentinel.detectors.isolation_forest:IsolationForestDetector",
    "isolation_forest_metric": "sentinel.detectors.isolation_forest:IsolationForestPerMetricDetector",
    "level_shift": "sentinel.detectors.level_shift:LevelShiftDetector",
    "ensemble": "sentinel.detectors.ensemble:EnsembleDetector",
    "adaptive": "sentinel.detectors.adaptive:AdaptiveDetector",
    "hybrid": "sentinel.detectors.hybrid:HybridDetector",
    "episode": "sentinel.detectors.episode:EpisodeDetector",
    "staged": "sentinel.detectors.staged:StagedDetector",
}


def unknown_detector(name: str) -> str | None:
    """None for a known name, else the message naming the bad name and the valid ones (the
    caller's error names the key or option)."""
    if name in DETECTOR_CLASSES:
        return None
    return f"unknown detector {name!r} (valid: {', '.join(DETECTOR_CLASSES)})"
