"""Detectors by name, so config, CLI and benchmarks pick one with a string."""

from __future__ import annotations

import inspect
from typing import Any

from sentinel.config import MetricConfig
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


def make_detector_for(name: str, metric: MetricConfig, **params: Any) -> Detector:
    """A new detector set up for one metric as the assessor runs it: the metric's bad direction
    and seasonality, unless `params` say otherwise (for detectors that take them)."""
    accepted = inspect.signature(DETECTORS[name]).parameters if name in DETECTORS else {}
    if "direction" in accepted:
        params.setdefault("direction", metric.bad_direction)
    if "seasonality" in accepted:
        params.setdefault("seasonality", metric.seasonality)
    return make_detector(name, **params)
