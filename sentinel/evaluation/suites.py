"""Named eval suites and imported suite folders: which cases, fixtures, services file and check
cadence a `sentinel eval run --suite NAME` uses.

`synthetic` is the bundled suite (evals/cases over data/fixtures). `smd` and `nezha` are the real
data sets once imported (`sentinel fixtures import smd ../shared/datasets/smd` writes
data/imported/smd/). Any folder an import wrote (services.yaml, cases/, fixtures/) is a suite too.
The walk-forward replay and scoring are the same for all of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sentinel.config import FIXTURES_DIR, PROJECT_ROOT
from sentinel.errors import ConfigError

SYNTHETIC_CASES = PROJECT_ROOT / "evals" / "cases"
SHARED_DATASETS = PROJECT_ROOT.parent / "shared" / "datasets"


@dataclass(frozen=True)
class SuiteSpec:
    """Where a suite's parts live and how often it is checked."""

    name: str
    cases: Path
    fixtures_dir: Path
    config: Path | None  # None: the default services file (SENTINEL_CONFIG or config/)
    cadence: str
    real: bool
    why_cadence: str = ""


def _imported_dir(name: str) -> Path:
    from sentinel.importers import IMPORTED_DIR

    return IMPORTED_DIR / name


NAMED_CADENCE = {
    "synthetic": ("5m", "the bundled default"),
    # 8 machines x 16.5 test days x 38 metrics: a check every 15 min (= the judged window, so every
    # minute is judged once) keeps the full suite near 12,700 checks per detector.
    "smd": ("15m", "15 min = the judged window: every test minute is judged once"),
    # windows are at most 10 minutes long: a check every 5 min lands at least one in each.
    "nezha": ("5m", "windows are <= 10 min: every window holds a check"),
}
NAMED = tuple(NAMED_CADENCE)


def imported_format(fixtures: Path) -> str | None:
    """The importer format (`smd`, `nezha`, ...) recorded in the folder's first fixture
    manifest, so an SMD import in a folder of any name is checked at SMD's cadence; None if
    there is none."""
    from sentinel.fixtures.files import list_fixtures, manifest_path, read_manifest

    for name in list_fixtures(fixtures)[:1]:
        info = read_manifest(manifest_path(name, fixtures)).imported
        return info.format if info else None
    return None


def resolve_suite(name_or_path: str | Path | None) -> SuiteSpec:
    """A suite name (synthetic, smd, nezha), an imported folder, or a folder of case files."""
    text = str(name_or_path or "synthetic")
    if text == "synthetic":
        cadence, why = NAMED_CADENCE[text]
        return SuiteSpec(text, SYNTHETIC_CASES, FIXTURES_DIR, None, cadence, False, why)
    if text in NAMED_CADENCE:
        folder = _imported_dir(text)
        if not (folder / "services.yaml").is_file():
            raise ConfigError(
                f"suite {text!r} is not imported yet ({folder} has no services.yaml): run "
                f"`sentinel fixtures import {text} {SHARED_DATASETS / text}` (or `make eval`, "
                "which imports what is missing)"
            )
        cadence, why = NAMED_CADENCE[text]
        return SuiteSpec(
            text,
            folder / "cases",
            folder / "fixtures",
            folder / "services.yaml",
            cadence,
            True,
            why,
        )
    path = Path(text)
    if (path / "services.yaml").is_file() and (path / "cases").is_dir():
        fmt = imported_format(path / "fixtures")
        cadence, why = NAMED_CADENCE.get(fmt or "", ("5m", "default"))
        return SuiteSpec(
            path.name,
            path / "cases",
            path / "fixtures",
            path / "services.yaml",
            cadence,
            True,
            f"{why} ({fmt} data)" if fmt in NAMED_CADENCE else why,
        )
    if path.is_dir():
        return SuiteSpec(path.name, path, FIXTURES_DIR, None, "5m", False, "default")
    raise ConfigError(
        f"no suite {text!r}: use one of {', '.join(NAMED)}, a folder written by "
        "`sentinel fixtures import`, or a folder of case YAMLs"
    )
