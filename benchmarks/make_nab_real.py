"""Write a small NAB-layout set from REAL SMD series (already imported), for `sentinel eval nab`.

Why: NAB itself is held out (never tuned on), but the NAB layout and scorer still need real
data. SMD labels name the metrics that moved, so each file is one labelled metric of one
machine: from `--days-before` days before the machine's first labelled window to the end of its
data, with that metric's labelled windows in labels/combined_windows.json. Nezha is left out:
its labels name the faulted pod, not a metric, so a single-series file cannot be labelled.

    .venv/bin/sentinel fixtures import smd ../shared/datasets/smd     # once
    .venv/bin/python benchmarks/make_nab_real.py --machines machine-1-7,machine-2-7 --out reports/nab-real
    .venv/bin/sentinel eval nab --data-dir reports/nab-real --detector hybrid --out reports/nab-real-out
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

import pandas as pd
import yaml

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def machine_windows(cases: Path, machine: str) -> dict[str, list[tuple[str, str]]]:
    """metric -> [(start, end), ...] of the labelled windows naming it, in time order."""
    out: dict[str, list[tuple[str, str]]] = {}
    for path in sorted(cases.glob(f"{machine}-smd-anomaly-*.yaml")):
        for w in yaml.safe_load(path.read_text()).get("windows", []):
            for metric in w.get("metrics", []):
                out.setdefault(metric, []).append((str(w["start"]), str(w["end"])))
    return {m: sorted(ws) for m, ws in out.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--suite", default="data/imported/smd", help="an imported SMD folder")
    ap.add_argument("--machines", default="machine-1-7,machine-2-7")
    ap.add_argument("--metrics-per-machine", type=int, default=5, help="most often labelled")
    ap.add_argument("--days-before", type=float, default=3.0)
    ap.add_argument("--out", default="reports/nab-real")
    args = ap.parse_args()
    suite, out = Path(args.suite), Path(args.out)
    labels: dict[str, list[list[str]]] = {}
    for machine in args.machines.split(","):
        windows = machine_windows(suite / "cases", machine)
        counts = Counter({m: len(ws) for m, ws in windows.items()})
        frame = pd.read_parquet(suite / "fixtures" / f"{machine}.parquet")
        first = min(pd.Timestamp(ws[0][0]) for ws in windows.values())
        since = first - pd.Timedelta(days=args.days_before)
        for metric, _ in counts.most_common(args.metrics_per_machine):
            s = frame[frame["metric"] == metric].set_index("timestamp")["value"]
            s = s[s.index >= since]
            key = f"smd/{machine}.{metric}.csv"
            path = out / "data" / key
            path.parent.mkdir(parents=True, exist_ok=True)
            pd.DataFrame(
                {"timestamp": s.index.tz_convert("UTC").strftime(TIME_FORMAT), "value": s.values}
            ).to_csv(path, index=False)
            labels[key] = [
                [pd.Timestamp(a).strftime(TIME_FORMAT), pd.Timestamp(b).strftime(TIME_FORMAT)]
                for a, b in windows[metric]
            ]
    (out / "labels").mkdir(parents=True, exist_ok=True)
    (out / "labels" / "combined_windows.json").write_text(json.dumps(labels, indent=1) + "\n")
    n_windows = sum(len(v) for v in labels.values())
    print(f"wrote {len(labels)} files, {n_windows} labelled windows (REAL SMD data) to {out}")


if __name__ == "__main__":
    main()
