"""Detector ablation on the REAL labelled data in ../shared/datasets (SMD, Nezha) and a NAB-layout
sample: a fast stand-in for the assessor's walk-forward, for comparing detector variants.

What it emulates (sentinel/detectors/assessor.py with the default DetectionConfig): a check
every 5 minutes; per metric the detector is fitted on history strictly before the refit cutoff
and scores a 60-minute context; a metric is alerting (WARNING+) when its 5th-highest score in the
last 15 minutes is >= 0.7; a service alerts when any metric does. Alarms = runs of consecutive
alerting checks; scoring as sentinel.evaluation.scoring (event level, no point-adjust, 30 min
grace after a window for true alarms). Deviation, to stay affordable on 2 shared cores: the
refit period is `--refit-hours` (default 1 for Nezha, 6 for SMD), and SMD history is capped at
`--max-history-days`. The official figures come from `sentinel eval run --suite ...`.

Data choices (same for every detector): SMD rows get one timestamp a minute from Monday
2026-01-05 00:00 UTC (train, then test); a machine is a service with 38 metrics; incidents are
the labelled test segments. Nezha: a pod is a service with its numeric metric columns; an
incident is a fault injected into that pod, window [inject, inject + 10 min).

    .venv/bin/python benchmarks/ablation_real.py --suite smd --detectors zscore,adaptive
    .venv/bin/python benchmarks/ablation_real.py --suite nezha --variant adaptive:adapt_points=15
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sentinel.detectors.registry import make_detector
from sentinel.series import to_ns

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "datasets"
MIN = np.int64(60_000_000_000)
SMD_START = pd.Timestamp("2026-01-05 00:00")


@dataclass
class Service:
    name: str
    ns: np.ndarray  # [n_points]
    x: np.ndarray  # [n_metrics, n_points]
    eval_from: int  # first ns evaluated
    windows: list[tuple[int, int]]  # incident windows [start, end) in ns


def smd_services(max_history_days: float) -> list[Service]:
    out = []
    for test in sorted((DATA / "smd").glob("machine-*_test.csv.gz")):
        name = test.name.removesuffix("_test.csv.gz")
        train = pd.read_csv(DATA / "smd" / f"{name}_train.csv.gz")
        tst = pd.read_csv(test)
        cols = [c for c in train.columns if c.startswith("m")]
        x = np.concatenate([train[cols].to_numpy(), tst[cols].to_numpy()]).T.astype(np.float64)
        ns = to_ns(pd.date_range(SMD_START, periods=x.shape[1], freq="1min"))
        n_train = len(train)
        windows = []
        for line in (DATA / "smd" / f"{name}_interpretation.txt").read_text().splitlines():
            rows = line.split(":")[0]
            a, b = (int(v) for v in rows.split("-"))
            windows.append((int(ns[n_train + a]), int(ns[n_train + b]) + int(MIN)))
        keep = ns >= ns[n_train] - int(max_history_days * 1440 * MIN)
        out.append(Service(name, ns[keep], x[:, keep], int(ns[n_train]), windows))
    return out


def nezha_services() -> list[Service]:
    out = []
    for day in sorted(p for p in (DATA / "nezha").iterdir() if p.is_dir()):
        faults = json.loads((day / f"{day.name}-fault_list.json").read_text())
        events = [e for v in faults.values() for e in v]
        for path in sorted((day / "metric").glob("*_metric.csv.gz")):
            pod = path.name.removesuffix("_metric.csv.gz")
            frame = pd.read_csv(path)
            ts = pd.to_datetime(frame["TimeStamp"], unit="s")
            frame = frame.drop(columns=["Time", "TimeStamp", "PodName"], errors="ignore")
            frame = frame.select_dtypes("number")
            frame.index = ts
            frame = frame[~frame.index.duplicated(keep="last")].sort_index()
            ns = to_ns(pd.DatetimeIndex(frame.index))
            wins = []
            for e in events:
                if e["inject_pod"] == pod:
                    t0 = int(e["inject_timestamp"]) * 1_000_000_000
                    wins.append((t0, t0 + int(10 * MIN)))
            x = frame.to_numpy(dtype=np.float64).T
            out.append(Service(f"{day.name}/{pod}", ns, x, int(ns[0]), wins))
    return out


def parse_variant(text: str) -> tuple[str, str, dict]:
    """'label=detector:key=value,key=value' or 'detector' -> (label, detector, params)."""
    label, _, spec = text.partition("=") if "=" in text.split(":")[0] else ("", "", text)
    name, _, rest = spec.partition(":")
    params: dict = {}
    for kv in filter(None, rest.split(",")):
        k, v = kv.split("=")
        try:
            params[k] = json.loads(v)
        except json.JSONDecodeError:
            params[k] = v
    return label or spec, name, params


def alerts_for(
    svc: Service, detector: str, params: dict, refit_h: float
) -> tuple[np.ndarray, np.ndarray]:
    """Per check time (ns) over the eval range, the service's alarm score: the highest, over its
    metrics, of the 5th-highest score in the 15-minute window (WARNING+ when >= 0.7)."""
    refit = int(refit_h * 60 * MIN)
    cadence = 5 * MIN
    start = svc.eval_from - svc.eval_from % cadence + cadence
    checks = np.arange(start, svc.ns[-1] + 1, cadence)
    kth_score = np.zeros(len(checks))
    cut0 = start - 60 * MIN
    cut0 -= cut0 % refit
    for cut in range(int(cut0), int(checks[-1]) + 1, refit):
        sel = (checks - 60 * MIN >= cut) & (checks - 60 * MIN < cut + refit)
        if not sel.any():
            continue
        hist = svc.ns < cut
        det = make_detector(detector, **params)
        if hist.sum() < 2:
            continue
        det.fit(svc.x[:, hist], svc.ns[hist])
        span = (svc.ns >= cut) & (svc.ns < cut + refit + 60 * MIN)
        if not span.any():
            continue
        sns = svc.ns[span]
        scores = det.score_samples(svc.x[:, span], sns)
        for i in np.flatnonzero(sel):
            t = checks[i]
            # emulate each check's own context start (stateful detectors see 60 min only)
            ctx = (sns > t - 60 * MIN) & (sns <= t)
            win = sns[ctx] > t - 15 * MIN
            if win.sum() == 0:
                continue
            if ctx.sum() != span.sum() and detector in STATEFUL:
                sc = det.score_samples(svc.x[:, span][:, ctx], sns[ctx])[:, win]
            else:
                sc = scores[:, ctx][:, win]
            if sc.shape[1] >= 5:
                kth_score[i] = float(np.sort(sc, axis=1)[:, -5].max())
    return kth_score, checks


# Window points of adaptive (adapt_points + onset_points <= 45) and isolation_forest (5-point mean) only
# look back inside the 60-min context, so one continuous span scores them as each check would.
STATEFUL = {"level_shift", "ensemble"}


def score(svc: Service, alert_ns: np.ndarray, checks: np.ndarray) -> dict:
    grace = 30 * MIN
    on = np.isin(checks, alert_ns)
    starts = np.flatnonzero(on & ~np.concatenate([[False], on[:-1]]))
    ends = np.flatnonzero(on & ~np.concatenate([on[1:], [False]]))
    true = 0
    for a, b in zip(starts, ends, strict=True):
        times = checks[a : b + 1]
        if any(((times >= w0) & (times < w1 + grace)).any() for w0, w1 in svc.windows):
            true += 1
    detected, ttd = 0, []
    for w0, w1 in svc.windows:
        hit = alert_ns[(alert_ns >= w0) & (alert_ns < w1)]
        if len(hit):
            detected += 1
            ttd.append((hit[0] - w0) / MIN)
    days = (checks[-1] - checks[0]) / (1440 * MIN)
    return {
        "alarms": len(starts),
        "true": true,
        "windows": len(svc.windows),
        "detected": detected,
        "ttd": ttd,
        "days": days,
    }


def summarise(rows: list[dict]) -> dict:
    al = sum(r["alarms"] for r in rows)
    tr = sum(r["true"] for r in rows)
    wi = sum(r["windows"] for r in rows)
    de = sum(r["detected"] for r in rows)
    days = sum(r["days"] for r in rows)
    p = tr / al if al else 0.0
    r = de / wi if wi else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    ttd = [t for row in rows for t in row["ttd"]]
    return {
        "P": p,
        "R": r,
        "F1": f1,
        "FA/day": (al - tr) / days if days else 0.0,
        "found": f"{de}/{wi}",
        "alarms": al,
        "ttd_med_min": float(np.median(ttd)) if ttd else None,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--suite", choices=["smd", "nezha"], required=True)
    ap.add_argument("--variant", action="append", default=[])
    ap.add_argument("--detectors", default="")
    ap.add_argument("--refit-hours", type=float, default=None)
    ap.add_argument("--max-history-days", type=float, default=10.0)
    ap.add_argument("--services", default="", help="comma-separated name substrings")
    ap.add_argument(
        "--thresholds", default="0.7", help="alarm score thresholds to report (0.7 = WARNING)"
    )
    args = ap.parse_args()
    variants = [parse_variant(v) for v in args.variant]
    variants += [(d, d, {}) for d in filter(None, args.detectors.split(","))]
    if args.suite == "smd":
        services = smd_services(args.max_history_days)
        refit = args.refit_hours or 6.0
    else:
        services = nezha_services()
        refit = args.refit_hours or 1.0
    if args.services:
        wanted = args.services.split(",")
        services = [s for s in services if any(w in s.name for w in wanted)]
    print(f"{args.suite}: {len(services)} services, refit every {refit:g} h")
    for label, name, params in variants:
        t0 = time.perf_counter()
        runs = [(svc, *alerts_for(svc, name, params, refit)) for svc in services]
        took = time.perf_counter() - t0
        for th in (float(t) for t in args.thresholds.split(",")):
            rows = [score(svc, checks[kth >= th], checks) for svc, kth, checks in runs]
            s = summarise(rows)
            ttd = "-" if s["ttd_med_min"] is None else f"{s['ttd_med_min']:.0f}"
            print(
                f"{label:<40} >={th:<5g} P {s['P']:.2f} R {s['R']:.2f} F1 {s['F1']:.3f} "
                f"FA/day {s['FA/day']:.2f} found {s['found']} alarms {s['alarms']} "
                f"ttd median {ttd} min  ({took:.0f} s)",
                flush=True,
            )


if __name__ == "__main__":
    main()
