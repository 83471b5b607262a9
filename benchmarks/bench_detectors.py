"""Scoring throughput and peak memory of every detector on many series at once.

Default size: 10,000 series x 10,080 points (one week at 1 minute) = 100.8 M points scored, with
each detector fitted first on the preceding week (fit time reported separately). Series are
processed in batches of --batch series (float64 [batch, 10,080] arrays) so peak memory stays
bounded; isolation_forest (a tree ensemble, ~100x slower per point) is measured on
--iforest-series series and its throughput extrapolated, as the table says.

    .venv/bin/python benchmarks/bench_detectors.py [--series 10000] [--points 10080]

Peak memory: tracemalloc peak of numpy/Python allocations during scoring (excludes the input
batch, which is generated before measurement), and the process max RSS (resource) at the end.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sentinel.baseline import to_ns
from sentinel.detectors import DETECTORS, make_detector

START = pd.Timestamp("2026-10-05 00:00", tz="UTC")


def make_batch(n_series: int, n_points: int, offset: int, seed: int) -> np.ndarray:
    """Daily/weekly seasonal series with noise and a few spikes, [n_series, n_points].

    The same `seed` gives the same series levels; `offset` moves along time (and the noise).
    """
    level = np.random.default_rng(seed).uniform(10, 1000, (n_series, 1))
    rng = np.random.default_rng([seed, offset])
    t = np.arange(offset, offset + n_points) / 1440.0
    season = 1 + 0.3 * np.sin(2 * np.pi * t) + 0.1 * np.sin(2 * np.pi * t / 7)
    x = level * season * (1 + 0.02 * rng.standard_normal((n_series, n_points)))
    x[:, ::997] *= 3.0
    return x


def bench(name: str, n_series: int, n_points: int, batch: int) -> dict[str, float]:
    hist_ns = to_ns(pd.date_range(START, periods=n_points, freq="1min"))
    ns = to_ns(pd.date_range(START + pd.Timedelta(minutes=n_points), periods=n_points, freq="1min"))
    fit_s = score_s = cpu_s = 0.0
    peak = 0
    done = 0
    while done < n_series:
        b = min(batch, n_series - done)
        history = make_batch(b, n_points, 0, seed=done)
        t0 = time.perf_counter()
        det = make_detector(name).fit(history, hist_ns)
        fit_s += time.perf_counter() - t0
        del history
        values = make_batch(b, n_points, n_points, seed=done)
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
        "points": points,
        "fit_s": fit_s,
        "score_s": score_s,
        "mpts": points / score_s / 1e6,
        "cpu_mpts": points / cpu_s / 1e6,
        "peak_mb": peak / 1e6,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--series", type=int, default=10_000)
    ap.add_argument("--points", type=int, default=10_080)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--iforest-series", type=int, default=50)
    ap.add_argument("--detectors", default=",".join(DETECTORS))
    args = ap.parse_args()
    print(
        f"Scoring {args.series:,} series x {args.points:,} points "
        f"({args.series * args.points / 1e6:.1f} M points), batches of {args.batch} series; "
        "fit on the previous week first."
    )
    head = (
        f"{'detector':<18}{'series run':>11}{'fit s':>9}{'score s':>9}"
        f"{'M points/s':>12}{'per CPU-s':>11}{'peak MB':>9}  note"
    )
    print(head)
    print("-" * len(head))
    for name in [d.strip() for d in args.detectors.split(",") if d.strip()]:
        n = args.series
        note = ""
        if name == "isolation_forest" and args.iforest_series < n:
            n = args.iforest_series
            note = f"measured on {n} series; full size extrapolated ~{args.series / n:.0f}x"
        r = bench(name, n, args.points, min(args.batch, n))
        print(
            f"{name:<18}{r['series']:>11,}{r['fit_s']:>9.1f}{r['score_s']:>9.2f}"
            f"{r['mpts']:>12.1f}{r['cpu_mpts']:>11.1f}{r['peak_mb']:>9.0f}  {note}"
        )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"process max RSS {rss:.0f} MB; numpy {np.__version__}; 'M points/s' is wall clock, "
        f"'per CPU-s' is points per second of this process's CPU time; load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )


if __name__ == "__main__":
    main()
