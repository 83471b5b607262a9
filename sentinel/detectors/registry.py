"""Detectors by name, so config, CLI and benchmarks pick one with a string."""

from __future__ import annotations

from typing import Any

from sentinel.detectors.base import Detector
from sentinel.detectors.ensemble import EnsembleDetector
from sentinel.detectors.isolation_forest import IsolationForestDetector
from sentinel.detectors.level_shift import LevelShiftDetector
from sentinel.detectors.seasonal_mad import SeasonalMADDetector
from sentinel.detectors.zscore import ZScoreDetector
from sentinel.errors import ConfigError

DETECTORS: dict[str, type[Detector]] = {
    cls.name: cls
    for cls in (
        ZScoreDetector,
        SeasonalMADDetector,
        IsolationForestDetector,
        LevelShiftDetector,
        EnsembleDetector,
    )
}


def make_detector(name: str, **params: Any) -> Detector:
    """A new, unfitted detector; unknown names or parameters are one-line ConfigErrors."""
    try:
        cls = DETECTORS[name]
    except KeyError:
        raise ConfigError(
            f"unknown detector {name!r} (known: {', '.join(sorted(DETECTORS))})"
        ) from None
    try:
        return cls(**params)
    except TypeError as exc:
        raise ConfigError(f"detector {name!r}: bad parameters {sorted(params)}: {exc}") from exc
