"""The Numenta Anomaly Benchmark layout: `data/<category>/<name>.csv` (timestamp,value) and
`labels/combined_windows.json` ({"<category>/<name>.csv": [[start, end], ...]}). One fixture per
file, named `<category>-<name>`; windows as NAB gives them, end inclusive -> + one step."""

from __future__ import annotations

import json
from pathlib import Path

from tqdm.auto import tqdm

from sentinel.errors import FixtureError
from sentinel.importers.generic_csv import read_series, window
from sentinel.importers.validate import service_name
from sentinel.importers.write import Imported, ImportedService
from sentinel.models import ImportInfo

VERSION = "1"


def read(
    path: Path,
    progress: bool = True,
    files: list[str] | None = None,
    source: str | None = None,
    licence: str | None = None,
) -> Imported:
    labels_path = path / "labels" / "combined_windows.json"
    if not labels_path.is_file():
        raise FixtureError(f"{labels_path}: missing (the NAB layout has labels/ beside data/)")
    try:
        labels = json.loads(labels_path.read_text())
    except json.JSONDecodeError as exc:
        raise FixtureError(f"{labels_path}: row {exc.lineno}: malformed JSON: {exc.msg}") from exc
    names = files or sorted(labels)
    missing = [n for n in names if not (path / "data" / n).is_file()]
    if missing:
        raise FixtureError(f"{labels_path}: no data file for {missing} under {path / 'data'}")
    services, steps = [], set()
    for rel in tqdm(names, desc="nab", unit="file", disable=not progress):
        frame, units, step = read_series(path / "data" / rel, "timestamp")
        steps.add(step)
        windows = [
            window(f"{labels_path}: {rel} window {k + 1}", lo, hi, frame, step, kind="nab_window")
            for k, (lo, hi) in enumerate(labels.get(rel, []))
        ]
        name = service_name(rel.removesuffix(".csv").replace("/", "-")).lower()
        services.append(
            ImportedService(
                name=name, frame=frame, labels=windows, description=f"NAB {rel}", units=units
            )
        )
    if len(steps) > 1:
        raise FixtureError(
            f"{path}: files have different steps {sorted(steps)} s; import them separately (--only)"
        )
    info = ImportInfo(
        format="nab",
        importer_version=VERSION,
        source=source or "github.com/numenta/NAB (layout)",
        licence=licence or "AGPL-3.0 (NAB's licence; pass --licence for other data)",
        files=[str(labels_path.relative_to(path)), *(f"data/{n}" for n in names)],
        choices={
            "windows": "NAB's combined windows, end inclusive -> [start, end + one step), "
            "min_severity WARNING",
            "step": f"{steps.pop()} s, the median spacing of the timestamps",
        },
    )
    return Imported(
        info=info,
        services=services,
        step_seconds=int(info.choices["step"].split()[0]),
        series_prefix="nab",
    )
