"""Detector speed and memory: fit+score at production history, and scoring alone at scale.

Two parts, both on synthetic 1-minute series with a daily/weekly cycle, noise and spikes:

1. fit+score (`--part fit`), the figure a check pays: fit on 1 and on 4 weeks of history
   (`history_days: 28` is the production setting), then score the next week, for a batch of
   `--fit-series` series (500). Contenders: the default detector (read from the config), the
   `zscore` reference and `numpy-ref`, a plain numpy reshape-and-sort of the same hourly
   median/MAD statistic (no trend correction, no fallbacks: a floor, not a detector). Each
   (contender, history) runs in its own fresh process so its peak RSS is its own, interleaved
   over `--rounds` rounds; the table gives min/median over rounds and the ratio to numpy-ref
   paired round by round (a busy shared machine slows both sides of a pair alike).
2. score only (`--part score`): every detector fitted on one week, then scoring 10,000 series x
   one week in batches of 500; isolation_forest (a tree ensemble) on 50 series, extrapolated;
   then the default again fitted on two weeks (for `staged`, its mature member scores).

    .venv/bin/python benchmarks/bench_detectors.py                 # both parts, ~5 min idle
    .venv/bin/python benchmarks/bench_detectors.py --part fit --rounds 5

Throughput is points scored per wall second (fit + score for part 1); "ms CPU/series" is this
process's CPU per series; peak RSS is the child process's high-water mark, inputs included
("inputs MB" says how much of it is the batch itself).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sentinel.config import DEFAULT_CONFIG, load_config  # noqa: E402
from sentinel.detectors import DETECTORS, make_detector  # noqa: E402
from sentinel.series import to_ns  # noqa: E402

START = pd.Timestamp("2026-10-05 00:00", tz="UTC")  # a Monday: whole weeks from bucket 0
WEEK = 10_080
NUMPY_REF = "numpy-ref"


def default_detector() -> tuple[str, dict]:
    """The detector and parameters a check uses by default (config/services.yaml)."""
    detection = load_config(DEFAULT_CONFIG).detection
    return detection.detector, dict(detection.params.get(detection.detector, {}))


def make_batch(n_series: int, n_points: int, offset: int, seed: int) -> np.ndarray:
    """Daily/weekly seasonal series with noise and a few spikes, [n_series, n_points] float64.

    The same `seed` gives the same series levels; `offset` moves along time (and the noise).
    Built 50 series at a time so the generator's temporaries stay small next to the batch.
    """
    level = np.random.default_rng(seed).uniform(10, 1000, (n_series, 1))
    t = np.arange(offset, offset + n_points) / 1440.0
    season = 1 + 0.3 * np.sin(2 * np.pi * t) + 0.1 * np.sin(2 * np.pi * t / 7)
    x = np.empty((n_series, n_points))
    for i in range(0, n_series, 50):
        rng = np.random.default_rng([seed, offset, i])
        noise = rng.standard_normal((min(50, n_series - i), n_points))
        x[i : i + 50] = level[i : i + 50] * season * (1 + 0.02 * noise)
    x[:, ::997] *= 3.0
    return x


def axis(n_points: int, offset: int = 0) -> np.ndarray:
    start = START + pd.Timedelta(minutes=offset)
    return to_ns(pd.date_range(start, periods=n_points, freq="1min"))


# The numpy reference: hour-of-week median and MAD by reshape and sort (no gaps, whole weeks
# from Monday 00:00 assumed), then |z| against them.
def numpy_ref_fit(history: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n, weeks = history.shape[0], history.shape[1] // WEEK
    cube = history[:, : weeks * WEEK].reshape(n, weeks, 168, 60).transpose(0, 2, 1, 3)
    w = weeks * 60
    lo, hi = (w - 1) // 2, w // 2  # the middle of each sorted bucket (no NaN here)
    srt = np.sort(cube.reshape(n, 168, w), axis=-1)
    med = 0.5 * (srt[..., lo] + srt[..., hi])
    dev = np.sort(np.abs(srt - med[..., None]), axis=-1)
    return med, np.maximum(1.4826 * 0.5 * (dev[..., lo] + dev[..., hi]), 1e-9)


def numpy_ref_score(values: np.ndarray, med: np.ndarray, scale: np.ndarray) -> np.ndarray:
    hour = np.arange(values.shape[1]) // 60 % 168
    return np.abs(values - med[:, hour]) / scale[:, hour]


def run_fit_score(name: str, params: dict, weeks: int, n_series: int) -> dict[str, float]:
    """One contender, one history length, in this process: fit, then score the next week."""
    hist_points = weeks * WEEK
    history = make_batch(n_series, hist_points, 0, seed=1)
    values = make_batch(n_series, WEEK, hist_points, seed=1)
    hist_ns, ns = axis(hist_points), axis(WEEK, hist_points)
    gc.collect()
    inputs_mb = (history.nbytes + values.nbytes) / 1e6
    c0, t0 = time.process_time(), time.perf_counter()
    if name == NUMPY_REF:
        med, scale = numpy_ref_fit(history)
        t1 = time.perf_counter()
        scores = numpy_ref_score(values, med, scale)
    else:
        det = make_detector(name, **params).fit(history, hist_ns)
        t1 = time.perf_counter()
        scores = det.score_samples(values, ns)
    t2, c2 = time.perf_counter(), time.process_time()
    assert scores.shape == values.shape
    return {
        "fit_s": t1 - t0,
        "score_s": t2 - t1,
        "cpu_s": c2 - c0,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "inputs_mb": inputs_mb,
    }


def fit_part(args: argparse.Namespace) -> None:
    default, _ = default_detector()
    contenders = [default, "zscore", NUMPY_REF]
    weeks_list = [int(w) for w in args.weeks.split(",")]
    runs: dict[tuple[str, int], list[dict]] = {(c, w): [] for c in contenders for w in weeks_list}
    print(
        f"fit+score: fit on W weeks, score the next week, {args.fit_series} series at 1 min "
        f"({args.fit_series * WEEK / 1e6:.1f} M points scored); default detector {default!r}; "
        f"{args.rounds} interleaved rounds, each run a fresh process"
    )
    for r in range(args.rounds):
        for w in weeks_list:
            for c in contenders:
                cmd = [sys.executable, __file__, "--child", c, str(w), str(args.fit_series)]
                out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
                runs[(c, w)].append(json.loads(out))
        print(f"  round {r + 1}/{args.rounds} done, load average {os.getloadavg()[0]:.1f}")
    head = (
        f"{'detector':<24}{'history':>8}{'fit s':>8}{'score s':>9}{'M pts/s':>9}"
        f"{'ms CPU/series':>15}{'x numpy-ref':>13}{'peak RSS MB':>13}{'inputs MB':>11}"
    )
    print(head + "\n" + "-" * len(head))
    for w in weeks_list:
        ref = [x["fit_s"] + x["score_s"] for x in runs[(NUMPY_REF, w)]]
        for c in contenders:
            rs = runs[(c, w)]
            total = [x["fit_s"] + x["score_s"] for x in rs]
            ratio = [t / b for t, b in zip(total, ref, strict=True)]
            label = f"{c} (default)" if c == default else c
            mpts = args.fit_series * WEEK / statistics.median(total) / 1e6
            cpu_ms = statistics.median(x["cpu_s"] for x in rs) / args.fit_series * 1e3
            print(
                f"{label:<24}{f'{w} wk':>8}{statistics.median(x['fit_s'] for x in rs):>8.2f}"
                f"{statistics.median(x['score_s'] for x in rs):>9.2f}{mpts:>9.2f}"
                f"{cpu_ms:>15.2f}{f'{min(ratio):.1f}/{statistics.median(ratio):.1f}':>13}"
                f"{statistics.median(x['rss_mb'] for x in rs):>13.0f}{rs[0]['inputs_mb']:>11.0f}"
            )
    print(
        "x numpy-ref: (fit+score time) / numpy-ref's in the same round, min/median; others median"
    )
    if args.json:
        raw = [{"detector": c, "weeks": w, "runs": rs} for (c, w), rs in runs.items()]
        Path(args.json).write_text(json.dumps(raw, indent=1))


def bench_score(
    name: str, n_series: int, n_points: int, batch: int, history_points: int | None = None
) -> dict[str, float]:
    """Fit on `history_points` (default: one scored span) before each batch, then score."""
    h = history_points or n_points
    hist_ns, ns = axis(h), axis(n_points, h)
    fit_s = score_s = cpu_s = 0.0
    peak = done = 0
    while done < n_series:
        b = min(batch, n_series - done)
        history = make_batch(b, h, 0, seed=done)
        t0 = time.perf_counter()
        det = make_detector(name).fit(history, hist_ns)
        fit_s += time.perf_counter() - t0
        del history
        values = make_batch(b, n_points, h, seed=done)
        gc.collect()
        tracemalloc.start()
        t0, c0 = time.perf_counter(), time.process_time()
        scores = det.score_samples(values, ns)
        score_s += time.perf_counter() - t0
        cpu_s += time.process_time() - c0
        peak = max(peak, tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        assert scores.shape == values.shape and float(scores.max()) <= 1.0
        del values, scores, det
        done += b
    points = n_series * n_points
    return {
        "series": n_series,
        "fit_s": fit_s,
        "score_s": score_s,
        "mpts": points / score_s / 1e6,
        "cpu_mpts": points / cpu_s / 1e6,
        "peak_mb": peak / 1e6,
    }


def score_row(label: str, r: dict[str, float], note: str = "") -> str:
    """One line of the score-only table."""
    return (
        f"{label:<24}{r['series']:>11,}{r['fit_s']:>9.1f}{r['score_s']:>9.2f}"
        f"{r['mpts']:>12.1f}{r['cpu_mpts']:>11.1f}{r['peak_mb']:>9.0f}  {note}"
    )


def score_part(args: argparse.Namespace) -> None:
    default, _ = default_detector()
    print(
        f"score only: {args.series:,} series x {args.points:,} points "
        f"({args.series * args.points / 1e6:.1f} M points), batches of {args.batch} series, "
        "each fitted on the previous week first (fit time apart; see fit+score above)"
    )
    head = (
        f"{'detector':<24}{'series run':>11}{'fit s':>9}{'score s':>9}"
        f"{'M points/s':>12}{'per CPU-s':>11}{'peak MB':>9}  note"
    )
    print(head + "\n" + "-" * len(head))
    names = [d.strip() for d in (args.detectors or ",".join(DETECTORS)).split(",") if d.strip()]
    names += [d for d in (default, "zscore") if d not in names]  # always the default + reference
    for name in names:
        n, note = args.series, ""
        if name.startswith("isolation_forest") and args.iforest_series < n:  # both forests
            n = args.iforest_series
            note = f"measured on {n} series; full size extrapolated ~{args.series / n:.0f}x"
        r = bench_score(name, n, args.points, min(args.batch, n))
        print(score_row(f"{name} (default)" if name == default else name, r, note))
    # The default again, fitted on two weeks: past `staged`'s 7-day switch, so its mature
    # member (seasonal profile, CUSUM and the onset from WARNING up) is what scores.
    n = args.series
    r = bench_score(default, n, args.points, min(args.batch, n), 2 * args.points)
    days = 2 * args.points / 1440
    note = f"the default fitted on {days:g} days (staged, from 7: its mature member)"
    print(score_row(f"{default} ({days:g} d hist)", r, note))
    print("peak MB: tracemalloc peak of scoring one batch (inputs excluded)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", choices=["all", "fit", "score"], default="all")
    ap.add_argument("--fit-series", type=int, default=500)
    ap.add_argument("--weeks", default="1,4", help="history lengths for fit+score, in weeks")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--series", type=int, default=10_000)
    ap.add_argument("--points", type=int, default=WEEK)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--iforest-series", type=int, default=50)
    ap.add_argument("--detectors", default="", help="score part; default: all")
    ap.add_argument("--json", help="fit part: also write every run's figures to this file")
    ap.add_argument("--child", nargs=3, metavar=("NAME", "WEEKS", "SERIES"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        name, weeks, n = args.child
        params = default_detector()[1] if name == default_detector()[0] else {}
        print(json.dumps(run_fit_score(name, params, int(weeks), int(n))))
        return
    print(f"numpy {np.__version__}; {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f}")
    if args.part in ("all", "fit"):
        fit_part(args)
    if args.part in ("all", "score"):
        score_part(args)
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
