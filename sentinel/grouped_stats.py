"""Medians, MADs and quantiles of many rows at once, and per time bucket of `[n_series, n_points]`.

The seasonal baseline's fit is nothing but these statistics, so their speed is the fit's speed.
np.nanmedian goes through masked arrays (~50x slower on small blocks) and np.median asks
np.partition for two positions at once, which numpy serves by a slow generic path. What is fast
(numpy 2): np.sort of short rows (up to ~256 values it runs a vectorised sorting network, about
as fast per value as a copy), and np.partition at a single position of a long row. So rows up
to `SORT_MAX_WIDTH` values are sorted; longer rows without gaps are partitioned once at the upper
middle (the lower middle is the maximum of the left part); rows with gaps (NaN) are sorted,
where NaN goes last. Every path reads off the same order statistics, so the results are
identical whichever runs.
"""

from __future__ import annotations

import numpy as np

SORT_MAX_WIDTH = 256


def _median_of_sorted(srt: np.ndarray, n: np.ndarray) -> np.ndarray:
    lo = np.maximum((n - 1) // 2, 0)[:, None]
    hi = np.maximum(n // 2, 0)[:, None]
    med = 0.5 * (np.take_along_axis(srt, lo, 1) + np.take_along_axis(srt, hi, 1))[:, 0]
    return np.where(n > 0, med, np.nan)


def _quantile_of_sorted(srt: np.ndarray, n: np.ndarray, q: float) -> np.ndarray:
    idx = np.clip(np.ceil(q * n).astype(np.int64) - 1, 0, srt.shape[1] - 1)[:, None]
    return np.where(n > 0, np.take_along_axis(srt, idx, 1)[:, 0], np.nan)


def _full_rows(block: np.ndarray, q: float | None) -> tuple[np.ndarray, np.ndarray | None]:
    """Median (and nearest-rank q-quantile) of rows with no NaN, by one partition each."""
    w = block.shape[1]
    lo, hi = (w - 1) // 2, w // 2
    part = np.partition(block, hi, axis=1)
    high = part[:, hi]
    low = part[:, :hi].max(axis=1) if lo < hi else high
    quant = None
    if q is not None:
        k = min(max(int(np.ceil(q * w)) - 1, 0), w - 1)
        if k > hi:
            quant = np.partition(part[:, hi + 1 :], k - hi - 1, axis=1)[:, k - hi - 1]
        elif k == hi:
            quant = high
        else:
            quant = np.partition(part[:, :hi], k, axis=1)[:, k]
    return 0.5 * (low + high), quant


def median_quantile_rows(
    block: np.ndarray, q: float | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Per row of a 2-D array: median of the finite values, their count and (with `q`) the
    nearest-rank q-quantile; NaN for rows with none."""
    m, w = block.shape
    if w == 0:
        nan = np.full(m, np.nan)
        return nan, np.zeros(m, dtype=np.intp), (nan.copy() if q is not None else None)
    n = np.isfinite(block).sum(axis=1)
    full = n == w
    if w > SORT_MAX_WIDTH and full.any():
        med = np.empty(m)
        quant = np.empty(m) if q is not None else None
        rows = slice(None) if full.all() else full
        med[rows], fq = _full_rows(block[rows], q)
        if quant is not None:
            quant[rows] = fq
        if not full.all():
            srt = np.sort(block[~full], axis=1)
            med[~full] = _median_of_sorted(srt, n[~full])
            if quant is not None:
                quant[~full] = _quantile_of_sorted(srt, n[~full], q)
        return med, n, quant
    srt = np.sort(block, axis=1)
    quant = _quantile_of_sorted(srt, n, q) if q is not None else None
    return _median_of_sorted(srt, n), n, quant


def nanmedian_rows(block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Median of the finite values of each row, and their count; NaN for rows with none."""
    med, n, _ = median_quantile_rows(block)
    return med, n


def nanquantile_rows(x: np.ndarray, q: float) -> np.ndarray:
    """The q-quantile (nearest rank) of each row's finite values; NaN for rows with none."""
    return median_quantile_rows(x, q)[2]


class BucketLayout:
    """Where each time bucket's samples sit once the columns are put in `order` (each bucket's
    samples side by side). When every bucket holds the same number of samples (whole weeks at
    a steady step, the usual case) the reordered rows are a plain `[n, n_buckets, width]`
    reshape; otherwise they are scattered into a NaN-padded cube, or, when padding would
    dominate (very uneven buckets), walked one bucket slice at a time."""

    def __init__(self, buckets: np.ndarray, n_buckets: int, order: np.ndarray) -> None:
        self.n_buckets = n_buckets
        self.order = order
        self.counts = np.bincount(buckets, minlength=n_buckets)
        self.width = int(self.counts.max()) if len(buckets) else 0
        self.dense = self.width > 0 and bool((self.counts == self.width).all())
        self.first = np.concatenate([[0], np.cumsum(self.counts)[:-1]])
        self.sorted_buckets = buckets[order]
        self.walk = self.width * n_buckets > 4 * max(len(buckets), 1)

    def median_mad(
        self, gathered: np.ndarray, want_mad: bool = True
    ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
        """Per-bucket median, MAD (if wanted) and finite count, each `[n, n_buckets]`, of rows
        already reordered by `order` (`gathered = values[:, order]`)."""
        n, nb = gathered.shape[0], self.n_buckets
        if self.walk or self.width == 0:
            return self._walk(gathered, want_mad)
        if self.dense:
            flat = gathered.reshape(n * nb, self.width)
        else:
            slot = np.arange(gathered.shape[1]) - self.first[self.sorted_buckets]
            cube = np.full((n, nb, self.width), np.nan)
            cube[:, self.sorted_buckets, slot] = gathered
            flat = cube.reshape(n * nb, self.width)
        med, cnt = nanmedian_rows(flat)
        mad = nanmedian_rows(np.abs(flat - med[:, None]))[0] if want_mad else None
        shape = (n, nb)
        return med.reshape(shape), None if mad is None else mad.reshape(shape), cnt.reshape(shape)

    def mad(self, gathered: np.ndarray, med: np.ndarray) -> np.ndarray:
        """Per-bucket MAD `[n, n_buckets]` around the bucket medians `med` (from `median_mad`)."""
        n, nb = gathered.shape[0], self.n_buckets
        if self.dense and not self.walk:
            dev = np.abs(gathered.reshape(n, nb, self.width) - med[:, :, None])
            return nanmedian_rows(dev.reshape(n * nb, self.width))[0].reshape(n, nb)
        dev = np.abs(gathered - med[:, self.sorted_buckets])
        return self.median_mad(dev, want_mad=False)[0]

    def _walk(
        self, gathered: np.ndarray, want_mad: bool
    ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
        n, nb = gathered.shape[0], self.n_buckets
        med = np.full((n, nb), np.nan)
        mad = np.full((n, nb), np.nan) if want_mad else None
        count = np.zeros((n, nb), dtype=np.intp)
        for k in range(nb):
            lo, hi = self.first[k], self.first[k] + self.counts[k]
            if hi <= lo:
                continue
            block = gathered[:, lo:hi]
            m, c = nanmedian_rows(block)
            med[:, k], count[:, k] = m, c
            if mad is not None:
                mad[:, k] = nanmedian_rows(np.abs(block - m[:, None]))[0]
        return med, mad, count
