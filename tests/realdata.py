"""Tiny slices of the real data sets in ../shared/datasets, built at test time in tmp folders
(the data is not copied into the repo). Tests skip when the shared folder is absent."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"
SMD_MACHINE = "machine-2-8"  # one labelled segment, test rows 17580-17740


def need(name: str) -> Path:
    path = DATASETS / name
    if not path.is_dir():
        pytest.skip(f"{path} not present (the shared data sets sit beside the clone)")
    return path


def _lines(path: Path) -> list[str]:
    with gzip.open(path, "rt") as fh:
        return fh.read().splitlines()


def _write_gz(path: Path, lines: list[str]) -> None:
    with gzip.open(path, "wt") as fh:
        fh.write("\n".join(lines) + "\n")


def smd_slice(
    out: Path, train_rows: int = 300, test_from: int = 17500, test_to: int = 17800
) -> Path:
    """machine-2-8 with `train_rows` train rows and test rows [test_from, test_to), renumbered."""
    src = need("smd")
    out.mkdir(parents=True, exist_ok=True)
    for name in ("LICENSE", "SOURCE"):
        shutil.copy(src / name, out / name)
    train = _lines(src / f"{SMD_MACHINE}_train.csv.gz")
    _write_gz(out / f"{SMD_MACHINE}_train.csv.gz", train[: train_rows + 1])
    test = _lines(src / f"{SMD_MACHINE}_test.csv.gz")
    rows = [
        f"{i}," + line.split(",", 1)[1] for i, line in enumerate(test[1 + test_from : 1 + test_to])
    ]
    _write_gz(out / f"{SMD_MACHINE}_test.csv.gz", [test[0], *rows])
    interp = []
    for line in (src / f"{SMD_MACHINE}_interpretation.txt").read_text().splitlines():
        span, dims = line.split(":")
        lo, hi = (int(x) for x in span.split("-"))
        lo, hi = max(lo, test_from) - test_from, min(hi, test_to - 1) - test_from
        if lo <= hi:
            interp.append(f"{lo}-{hi}:{dims}")
    (out / f"{SMD_MACHINE}_interpretation.txt").write_text("\n".join(interp) + "\n")
    return out


NEZHA_DATE = "2022-08-22"
NEZHA_PODS = ("frontend-579b9bff58-t2dbm", "cartservice-579f59597d-wc2lz")


def nezha_slice(out: Path, rows: int = 120) -> Path:
    """Two OnlineBoutique pods, their first `rows` minutes, and the faults inside them."""
    src = need("nezha")
    day = out / NEZHA_DATE
    (day / "metric").mkdir(parents=True, exist_ok=True)
    for name in ("LICENSE", "SOURCE", "root_cause_hipster.json"):
        shutil.copy(src / name, out / name)
    for pod in NEZHA_PODS:
        lines = _lines(src / NEZHA_DATE / "metric" / f"{pod}_metric.csv.gz")
        _write_gz(day / "metric" / f"{pod}_metric.csv.gz", lines[: rows + 1])
    last = _lines(day / "metric" / f"{NEZHA_PODS[0]}_metric.csv.gz")[-1][:19]
    faults = json.loads((src / NEZHA_DATE / f"{NEZHA_DATE}-fault_list.json").read_text())
    kept = {
        hour: [f for f in items if f["inject_pod"] in NEZHA_PODS and f["inject_time"] < last]
        for hour, items in faults.items()
    }
    body = {h: v for h, v in kept.items() if v}
    (day / f"{NEZHA_DATE}-fault_list.json").write_text(json.dumps(body, indent=1))
    return out


def _nezha_rows(pod: str, rows: int, columns: tuple[str, ...]) -> list[tuple[str, list[str]]]:
    """(minute 'YYYY-MM-DD HH:MM:SS', values) of a real Nezha pod's first `rows` rows."""
    lines = _lines(need("nezha") / NEZHA_DATE / "metric" / f"{pod}_metric.csv.gz")
    header = lines[0].split(",")
    idx = [header.index(c) for c in columns]
    out = []
    for line in lines[1 : rows + 1]:
        cells = line.split(",")
        out.append((cells[0][:19], [cells[i] for i in idx]))
    return out


def nezha_faults(pod: str, before: str) -> list[dict[str, str]]:
    """The real faults injected into `pod` on NEZHA_DATE before the minute `before`."""
    faults = json.loads((need("nezha") / NEZHA_DATE / f"{NEZHA_DATE}-fault_list.json").read_text())
    return [
        f
        for items in faults.values()
        for f in items
        if f["inject_pod"] == pod and f["inject_time"] < before
    ]


NAB_FILE = "realNezha/frontend_cpu.csv"


def nab_slice(out: Path, rows: int = 120) -> Path:
    """The NAB layout (data/<category>/<name>.csv + labels/combined_windows.json) holding a real
    series: the Nezha frontend pod's CPU for its first `rows` minutes, one window per real fault
    injected into it (injection minute to +10 min, as the Nezha import makes them)."""
    from datetime import datetime, timedelta

    pod = NEZHA_PODS[0]
    series = _nezha_rows(pod, rows, ("CpuUsage(m)",))
    data = out / "data" / NAB_FILE
    data.parent.mkdir(parents=True, exist_ok=True)
    data.write_text("timestamp,value\n" + "".join(f"{t},{v[0]}\n" for t, v in series))
    windows = []
    for f in nezha_faults(pod, series[-11][0]):
        start = datetime.fromisoformat(f["inject_time"])
        windows.append([str(start), str(start + timedelta(minutes=10))])
    (out / "labels").mkdir(parents=True, exist_ok=True)
    (out / "labels" / "combined_windows.json").write_text(json.dumps({NAB_FILE: windows}))
    return out


def csv_slice(out: Path, rows: int = 120) -> tuple[Path, Path]:
    """A user's own export (time column + two value columns) of the real Nezha frontend pod,
    and a windows file with its real faults (kind = the injected fault type)."""
    pod = NEZHA_PODS[0]
    series = _nezha_rows(pod, rows, ("CpuUsage(m)", "PodServerLatencyP90(s)"))
    out.mkdir(parents=True, exist_ok=True)
    data = out / "frontend.csv"
    data.write_text(
        "time,CpuUsage(m),PodServerLatencyP90(s)\n"
        + "".join(f"{t},{a},{b}\n" for t, (a, b) in series)
    )
    windows = out / "windows.csv"
    lines = ["start,end,kind,metrics"]
    for f in nezha_faults(pod, series[-11][0]):
        start = f["inject_time"].replace(" ", "T") + "Z"
        lines.append(
            f"{start},{_plus_minutes(f['inject_time'], 10)},{f['inject_type']},cpu_usage_m"
        )
    windows.write_text("\n".join(lines) + "\n")
    return data, windows


def _plus_minutes(text: str, minutes: int) -> str:
    from datetime import datetime, timedelta

    return (datetime.fromisoformat(text) + timedelta(minutes=minutes)).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
