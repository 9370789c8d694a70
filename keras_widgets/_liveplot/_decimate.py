"""Decimation that keeps the shape of a curve: min and max per bucket, plus every kept point."""

from __future__ import annotations

import numpy as np


def decimate(y: np.ndarray, max_points: int, keep: np.ndarray | None = None) -> np.ndarray:
    """Indices (sorted, unique) of at most ``max_points`` points of ``y`` to draw.

    Each of equal-count buckets contributes its minimum and maximum (so spikes survive),
    the first non-finite value of a bucket is kept too (so a NaN stays a visible gap), and
    every point flagged in ``keep`` (epoch points) is kept as long as they fit in half the
    budget and still leave room for one bucket (min, max and gap) beside the two ends; in a
    tinier budget the curve's shape wins over the epoch markers. The first and last points
    are always kept.
    """
    n = len(y)
    if n <= max_points:
        return np.arange(n)
    max_points = max(int(max_points), 4)
    must = np.zeros(n, dtype=bool)
    must[0] = must[-1] = True
    if keep is not None and keep.any():
        k = np.flatnonzero(keep)
        if len(k) <= max_points // 2:
            must[k] = True
    bad = ~np.isfinite(y)
    per_bucket = 3 if bad.any() else 2
    budget = max_points - int(must.sum())
    if budget < per_bucket:  # too many kept points for a tiny budget: keep only the ends
        must[1:-1] = False
        budget = max_points - 2
    n_buckets = max(budget // per_bucket, 1)
    size = -(-n // n_buckets)  # ceil
    n_buckets = -(-n // size)  # the last bucket may be short; never more buckets than budget
    pad = n_buckets * size - n
    lo = np.where(bad, np.inf, y)
    hi = np.where(bad, -np.inf, y)
    if pad:
        lo = np.concatenate([lo, np.full(pad, np.inf)])
        hi = np.concatenate([hi, np.full(pad, -np.inf)])
    base = np.arange(n_buckets) * size
    picks = [
        base + lo.reshape(n_buckets, size).argmin(1),
        base + hi.reshape(n_buckets, size).argmax(1),
    ]
    if per_bucket == 3:
        b = bad
        if pad:
            b = np.concatenate([bad, np.zeros(pad, dtype=bool)])
        b = b.reshape(n_buckets, size)
        has = b.any(1)
        picks.append((base + b.argmax(1))[has])
    sel = np.zeros(n, dtype=bool)
    for p in picks:
        sel[p[p < n]] = True
    sel |= must
    return np.flatnonzero(sel)
