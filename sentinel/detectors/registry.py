"""Detectors by name, so config, CLI and benchmarks pick one with a string.

Each detector's module is imported the first time its class is asked for: `isolation_forest`
pulls in scikit-learn and scipy (seconds of import), which a check with the default detector
never needs. Listing the names, `name in DETECTORS` and `sorted(DETECTORS)` import nothing.
The names live in sentinel.detector_names (a new detector adds a line there).
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Iterator, Mapping
from typing import Any

from sentinel.config import MetricConfig
from sentinel.detector_names import DETECTOR_CLASSES
from sentinel.detectors.base import Detector
from sentinel.errors import ConfigError


class _LazyDetectors(Mapping[str, type[Detector]]):
    """A read-only name -> class mapping that imports a detector's module on first lookup."""

    def __init__(self, where: Mapping[str, str]) -> None:
        self._where = dict(where)
        self._loaded: dict[str, type[Detector]] = {}

    def __getitem__(self, name: str) -> type[Detector]:
        if name not in self._loaded:
            module, _, attr = self._where[name].partition(":")  # KeyError for unknown names
            self._loaded[name] = getattr(importlib.import_module(module), attr)
        return self._loaded[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._where)

    def __len__(self) -> int:
        return len(self._where)

    def __contains__(self, name: object) -> bool:
        return name in self._where

    def __repr__(self) -> str:
        return f"DETECTORS({', '.join(self._where)})"


DETECTORS: Mapping[str, type[Detector]] = _LazyDetectors(DETECTOR_CLASSES)


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
