"""Importers: turn an external labelled data set into Sentinel fixtures (manifest + parquet +
labelled windows), a services file and eval cases, so `check`, the notebooks and `eval` run on
it unchanged. One module per format; shared validation in `validate`, writing in `write`.

Each format module exposes `read(path, **options) -> Imported`; `FORMATS` maps the names the
CLI accepts to those modules, imported on first use (pandas is heavy).
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sentinel.config import PROJECT_ROOT

if TYPE_CHECKING:
    from sentinel.importers.write import Imported

FORMATS = {
    "smd": "sentinel.importers.smd",
    "nezha": "sentinel.importers.nezha",
    "nab": "sentinel.importers.nab",
    "csv": "sentinel.importers.generic_csv",
}

IMPORTED_DIR = PROJECT_ROOT / "data" / "imported"
"""Default output: gitignored, so imported real data is never committed in bulk."""


def read(fmt: str, path: Path, progress: bool = True, **options: Any) -> Imported:
    """Read and validate one data set; raises FixtureError naming file and row on bad input."""
    from sentinel.errors import ConfigError

    if fmt not in FORMATS:
        raise ConfigError(f"unknown import format {fmt!r}: use one of {', '.join(FORMATS)}")
    module = importlib.import_module(FORMATS[fmt])
    return module.read(Path(path), progress=progress, **options)
