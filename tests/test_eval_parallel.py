"""A detector's walk-forward split by service over processes: the same records as one process,
one sorted stream per (strategy, repeat), and an interrupted split run resumes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from sentinel import importers
from sentinel.evaluation import suites
from sentinel.evaluation.runner import (
    RunOptions,
    merge_parts,
    part_path,
    run_eval,
    service_groups,
)
from sentinel.importers.write import write_import
from sentinel.models import Status
from tests.realdata import nezha_slice
from tests.test_eval_suites import _record


def test_service_groups_balance_checks_and_keep_schedule_order():
    t = datetime(2024, 1, 1, tzinfo=UTC)
    schedule = {s: [t] * n for s, n in (("a", 5), ("b", 1), ("c", 4), ("d", 2))}
    assert service_groups(schedule, 2) == [["a", "b"], ["c", "d"]]
    assert service_groups(schedule, 1) == [["a", "b", "c", "d"]]
    assert len(service_groups(schedule, 9)) == 4  # never an empty group


@pytest.fixture(scope="module")
def nezha(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("nezha")
    write_import(importers.read("nezha", nezha_slice(tmp / "src"), progress=False), tmp / "n")
    return suites.resolve_suite(tmp / "n")


def _run(spec, out, jobs, **kw):
    opts = RunOptions(
        suite=str(spec.cases),
        suite_name=spec.name,
        strategies=["statistical:zscore", "statistical:seasonal_mad"],
        cadence="5m",
        n_boot=20,
        config=str(spec.config),
        fixtures_dir=str(spec.fixtures_dir),
    )
    return run_eval(opts, out=out, jobs=jobs, **kw)


def _lines(path):
    """Each record without its timing, in file order."""
    out = []
    for line in path.read_text().splitlines():
        d = json.loads(line)
        d.pop("wall_s")
        out.append(d)
    return out


def test_split_run_equals_one_process_and_resumes(nezha, tmp_path):
    one = _run(nezha, tmp_path / "one", jobs=1, run_id="r")
    two = _run(nezha, tmp_path / "two", jobs=2, run_id="r")
    assert len(two.suite.services) == 2
    for a, b in zip(one.strategies, two.strategies, strict=True):
        assert [(r.service, r.at, r.verdict) for r in a.repeats[0]] == [
            (r.service, r.at, r.verdict) for r in b.repeats[0]
        ]
    verdicts = tmp_path / "two" / "r" / "verdicts"
    assert sorted(p.name for p in verdicts.iterdir()) == [
        "statistical-seasonal_mad__r1.jsonl",
        "statistical-zscore__r1.jsonl",
    ]
    stream = verdicts / "statistical-zscore__r1.jsonl"
    full = _lines(stream)
    assert [(d["service"], d["at"]) for d in full] == sorted((d["service"], d["at"]) for d in full)

    # Interrupted: a third of the checks merged, a few more in a part, a torn line at its end.
    text = stream.read_text().splitlines(keepends=True)
    third = len(text) // 3
    stream.write_text("".join(text[:third]))
    part_path(stream, 1).write_text("".join(text[third : third + 5]) + text[third + 5][:20])
    _run(nezha, tmp_path / "two", jobs=2, resume="r")
    assert _lines(stream) == full
    assert not list(verdicts.glob("*.part*"))


def test_merge_parts_keeps_each_check_once(tmp_path):
    stream = tmp_path / "s.jsonl"
    merge_parts(stream)  # no parts: nothing happens
    assert not stream.exists()
    t = datetime(2024, 1, 1, tzinfo=UTC)

    recs = [_record(t + timedelta(minutes=m), Status.NORMAL, []) for m in range(3)]
    stream.write_text(recs[2].to_json() + "\n")
    part_path(stream, 0).write_text(recs[1].to_json() + "\n" + recs[2].to_json() + "\n")
    part_path(stream, 1).write_text(recs[0].to_json() + "\n")
    merge_parts(stream)
    assert [json.loads(x)["at"] for x in stream.read_text().splitlines()] == [
        r.at.isoformat() for r in recs
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.jsonl"]
