"""Eval cases: one small YAML per labelled incident or hard negative, validated up front.

A case names a fixture, the service whose config is replayed over it, a period to replay and
the labelled windows it covers (copied from the fixture manifest so a case reads on its own; the
suite checks that every copy still matches the fixture). Background cases carry no windows: they
replay quiet stretches so false alarms per day are measured on ordinary days too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

import yaml
from pydantic import AwareDatetime, Field, ValidationError, model_validator

from sentinel.config import FIXTURES_DIR, SentinelConfig, format_validation_error, load_yaml
from sentinel.errors import ConfigError, FixtureError
from sentinel.fixtures.files import manifest_path, read_manifest
from sentinel.models import FixtureManifest, LabelledWindow, Strict

DEFAULT_SUITE = Path(__file__).resolve().parents[2] / "evals" / "cases"

Difficulty = Literal["easy", "medium", "hard"]


class Period(Strict):
    """The stretch of time replayed for a case (check times in `(start, end]`)."""

    start: AwareDatetime
    end: AwareDatetime

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.end <= self.start:
            raise ValueError(f"period end {self.end} is not after start {self.start}")
        return self


class CaseTags(Strict):
    """What kind of case this is, for per-tag breakdowns."""

    kind: str = Field(description="incident or hard-negative kind, e.g. latency_spike")
    difficulty: Difficulty = "medium"
    hard_negative: bool = False
    background: bool = False
    extra: list[str] = Field(default_factory=list)


class CaseFeedback(Strict):
    """Where a case made from an engineer's judgement of a ticket came from (its window is that
    judgement, not a fixture label: `sentinel eval add-case --from-ticket`)."""

    ticket: int
    judgement: Literal["confirmed", "rejected"]
    judged_by: str
    judged_at: AwareDatetime
    reason: str = ""
    verdict: str = Field("", description="the ticket's verdict: status and one-line summary")


class CaseManifest(Strict):
    """One eval case file."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    description: str = ""
    fixture: str
    service: str
    period: Period
    windows: list[LabelledWindow] = Field(default_factory=list)
    tags: CaseTags
    feedback: CaseFeedback | None = None

    @model_validator(mode="after")
    def _consistent(self) -> CaseManifest:
        if not self.windows and not self.tags.background:
            raise ValueError("a case without windows must be tagged background: true")
        for w in self.windows:
            if w.start < self.period.start or w.end > self.period.end:
                raise ValueError(f"window {w.kind!r} lies outside the case period")
            if w.hard_negative != self.tags.hard_negative:
                raise ValueError(
                    f"window {w.kind!r}: hard_negative={w.hard_negative} disagrees with tags"
                )
        return self


@dataclass(frozen=True)
class Case:
    """A validated case and the file it came from."""

    manifest: CaseManifest
    path: Path

    @property
    def id(self) -> str:
        return self.manifest.id

    @property
    def service(self) -> str:
        return self.manifest.service


@dataclass(frozen=True)
class Suite:
    """Every case of a suite, plus the fixture manifests they use."""

    cases: list[Case]
    fixtures: dict[str, FixtureManifest]
    directory: Path

    def for_service(self, service: str) -> list[Case]:
        return [c for c in self.cases if c.service == service]

    @property
    def services(self) -> list[str]:
        return sorted({c.service for c in self.cases})

    def uncovered_labels(self, replayed_only: bool = False) -> list[str]:
        """Fixture labels no case covers. With `replayed_only`, only labels inside the replayed
        periods count (earlier labels are baseline history, not eval targets)."""
        covered = {
            (c.manifest.fixture, w.kind, w.start, w.end)
            for c in self.cases
            for w in c.manifest.windows
        }
        missing = []
        for name, m in self.fixtures.items():
            periods = [
                (c.manifest.period.start, c.manifest.period.end)
                for c in self.cases
                if c.manifest.fixture == name
            ]
            for w in m.labels:
                if replayed_only and not any(s <= w.start and w.end <= e for s, e in periods):
                    continue
                if (name, w.kind, w.start, w.end) not in covered:
                    missing.append(f"{name}: {w.kind} {w.start:%Y-%m-%d %H:%M}")
        return missing


def load_suite(directory: Path, config: SentinelConfig, fixtures_dir: Path = FIXTURES_DIR) -> Suite:
    """Read and validate every case; collect all problems and raise one ConfigError naming each
    case file, before anything is replayed."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ConfigError(f"{directory}: no such suite directory")
    files = sorted([*directory.rglob("*.yaml"), *directory.rglob("*.yml")])
    if not files:
        raise ConfigError(f"{directory}: no case files (*.yaml)")
    problems: list[str] = []
    cases: list[Case] = []
    fixtures: dict[str, FixtureManifest] = {}
    seen: dict[str, Path] = {}
    services = {s.name for s in config.services}
    for path in files:
        try:
            manifest = _read_case(path)
        except ConfigError as exc:
            problems.append(str(exc))
            continue
        m = manifest
        if m.id in seen:
            problems.append(f"{path}: id {m.id!r} already used by {seen[m.id]}")
        seen[m.id] = path
        if m.service not in services:
            problems.append(
                f"{path}: service {m.service!r} is not in the config "
                f"(known: {', '.join(sorted(services))})"
            )
        try:
            fixture = fixtures.get(m.fixture) or _fixture_manifest(m.fixture, fixtures_dir)
        except (ConfigError, FixtureError) as exc:
            problems.append(f"{path}: fixture {m.fixture!r}: {exc}")
            continue
        fixtures[m.fixture] = fixture
        problems.extend(f"{path}: {p}" for p in _against_fixture(m, fixture))
        cases.append(Case(m, path))
    if problems:
        raise ConfigError(
            f"{len(problems)} problem(s) in suite {directory}:\n" + "\n".join(problems)
        )
    return Suite(cases=cases, fixtures=fixtures, directory=directory)


def _read_case(path: Path) -> CaseManifest:
    data = load_yaml(path)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping, got {type(data).__name__}")
    try:
        return CaseManifest.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(path, exc)) from exc


def _fixture_manifest(name: str, fixtures_dir: Path) -> FixtureManifest:
    path = manifest_path(name, fixtures_dir)
    if not path.exists():
        raise FixtureError(f"no such fixture {path}")
    return read_manifest(path)


def _against_fixture(m: CaseManifest, fixture: FixtureManifest) -> list[str]:
    problems = []
    span = f"{fixture.start:%Y-%m-%dT%H:%M}Z..{fixture.end:%Y-%m-%dT%H:%M}Z"
    if m.period.start < fixture.start or m.period.end > fixture.end:
        problems.append(f"period lies outside fixture {fixture.name!r} ({span})")
    labels = {(w.kind, w.start, w.end): w for w in fixture.labels}
    for w in m.windows:
        if w.start < fixture.start or w.end > fixture.end:
            problems.append(f"window {w.kind!r} lies outside fixture {fixture.name!r} ({span})")
            continue
        label = labels.get((w.kind, w.start, w.end))
        if label is None and m.feedback is not None:
            continue  # an engineer's label, not a copy of the fixture's
        if label is None:
            problems.append(
                f"window {w.kind!r} {w.start:%Y-%m-%dT%H:%M}Z is not a label of fixture "
                f"{fixture.name!r} (regenerate with `sentinel eval make-cases`)"
            )
        elif label.min_severity != w.min_severity or label.hard_negative != w.hard_negative:
            problems.append(f"window {w.kind!r} disagrees with the fixture label's severity")
    return problems


# ------------------------------------------------------------------------------------------
# Generating the bundled cases from fixture labels.
# ------------------------------------------------------------------------------------------

DIFFICULTY: dict[str, Difficulty] = {
    "latency_spike": "easy",
    "error_burst": "easy",
    "deadlock_burst": "easy",
    "traffic_drop": "medium",
    "level_shift": "medium",
    "level_shift_after_deploy": "medium",
    "slow_leak": "hard",
    "saturation": "hard",
    "connection_leak": "hard",
}


def cases_from_fixture(
    fixture: FixtureManifest,
    service: str,
    last_days: float = 7,
    pad: timedelta = timedelta(hours=6),
) -> list[CaseManifest]:
    """One case per label in the fixture's last `last_days`, each padded by `pad` either side
    (clipped to the eval span), plus one background case covering the whole span."""
    span_start = fixture.end - timedelta(days=last_days)
    cases = []
    for w in sorted(fixture.labels, key=lambda w: w.start):
        if w.start < span_start:
            continue
        difficulty: Difficulty = "hard" if w.hard_negative else DIFFICULTY.get(w.kind, "medium")
        cases.append(
            CaseManifest(
                id=f"{service}-{w.kind}-{w.start:%m%d-%H%M}".lower().replace("_", "-"),
                description=w.note or w.kind.replace("_", " "),
                fixture=fixture.name,
                service=service,
                period=Period(
                    start=_floor_hour(max(span_start, w.start - pad)),
                    end=min(fixture.end, w.end + pad),
                ),
                windows=[w],
                tags=CaseTags(kind=w.kind, difficulty=difficulty, hard_negative=w.hard_negative),
            )
        )
    cases.append(
        CaseManifest(
            id=f"{service}-background-week",
            description=f"the whole last {last_days:g} days, for false alarms on ordinary days",
            fixture=fixture.name,
            service=service,
            period=Period(start=_floor_hour(span_start), end=fixture.end),
            tags=CaseTags(kind="background", difficulty="medium", background=True),
        )
    )
    return cases


def _floor_hour(t: datetime) -> datetime:
    return t.replace(minute=0, second=0, microsecond=0)


GENERATED_HEADER = "# Eval case (docs/evals.md). Generated by `sentinel eval make-cases`"


def remove_generated(directory: Path) -> int:
    """Delete generated case files (hand-written ones, without the header, are kept)."""
    removed = 0
    for path in directory.glob("*.yaml") if directory.is_dir() else []:
        if path.read_text().startswith(GENERATED_HEADER):
            path.unlink()
            removed += 1
    return removed


def write_cases(cases: Iterable[CaseManifest], directory: Path) -> list[Path]:
    """Write one YAML file per case, named after its id."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for case in cases:
        path = directory / f"{case.id}.yaml"
        body = case.model_dump(mode="json", exclude_defaults=True)
        body["tags"] = case.tags.model_dump(mode="json")
        path.write_text(
            GENERATED_HEADER
            + "; edit tags freely.\n"
            + yaml.safe_dump(body, sort_keys=False, width=99)
        )
        paths.append(path)
    return paths
