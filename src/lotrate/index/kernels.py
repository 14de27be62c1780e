"""Compiled one-pass loops (numba) for the batch paths of the fused tables.

NumPy answers a batch in whole-array passes, about fifty a point for the full answer; these loops read a
point's cell, its fused word and its candidate segments in one pass. They compute the distance with the same
operations in the same order as :func:`lotrate.index.fused.seg_distance` and the one-point functions (no
fused multiply-add, no fast-math), so every path gives the same float; ties go to the first candidate.

This module is imported on the first batch call only (importing numba takes about half a second); the
one-point path never imports it. Compiled code is cached on disk by numba (``NUMBA_CACHE_DIR`` to move it).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

#: a word's region (district) byte: 254 outside, 255 a boundary may cross the cell (settled afterwards)
OUT, MIXED = 254, 255


@njit(cache=True, nogil=True, inline="always", error_model="numpy")
def _seg(px: float, py: float, ax: float, ay: float, dx: float, dy: float, den: float) -> float:
    """Point-to-segment distance, operation for operation as ``seg_distance``."""
    wx = px - ax
    wy = py - ay
    t = wx * dx
    t += wy * dy
    t /= den
    t = min(max(t, 0.0), 1.0)  # branch-free (what np.maximum then np.minimum do; NaN aside)
    ex = wx - t * dx
    ey = wy - t * dy
    ex *= ex
    ey *= ey
    ex += ey
    return math.sqrt(ex)


@njit(cache=True, nogil=True, error_model="numpy")
def region_answer(
    e: np.ndarray,
    n: np.ndarray,
    word: np.ndarray,
    x0: float,
    y0: float,
    inv_cell: float,
    nx: int,
    ny: int,
    seg: np.ndarray,
    cand: np.ndarray,
    owner: np.ndarray,
    distances: bool,
    near_bit: int,
    z_shift: int,
    z_mask: int,
    ptr_shift: int,
    zone_lut: np.ndarray,
    sub_cell: float,
    sub_n: int,
    r_rows: np.ndarray,
    r_sub: np.ndarray,
    mixed_ptr: np.ndarray,
    mixed_cnt: np.ndarray,
    d_rows: np.ndarray,
    d_sub: np.ndarray,
    k: np.ndarray,
    d: np.ndarray,
    dist: np.ndarray,
    near: np.ndarray,
    zone: np.ndarray,
) -> None:
    """Fill, per point: the region (-1 outside, -2 when a boundary may cross its cell: to settle), the district
    (the same), the exact distance to the nearest candidate segment (NaN with none), its owner (-1) and
    ``zone_lut`` at the word's zone code. ``k``, ``d`` and ``near`` are small integers (the categorical codes
    of the answer).

    A cell a region (district) boundary may cross is settled by its sub-raster: ``r_rows`` (``d_rows``) gives
    the cell's row of ``sub_n`` x ``sub_n`` sub-cells of ``sub_cell`` metres in ``r_sub`` (``d_sub``), and the
    region's candidates there are ``mixed_ptr`` / ``mixed_cnt`` at (row, region). Only a sub-cell a boundary
    crosses (-2 there) is left to settle, exactly, afterwards. A point off the raster (or not finite) reads
    the raster's border cell, outside every region.
    """
    size = e.shape[0]
    # first every point's word, in a tight loop of independent reads (their cache misses overlap), kept in
    # the distance column's memory: each is read back before its own slot is written
    words = dist.view(np.int64)
    top_x = nx - 1.0
    top_y = ny - 1.0
    for i in range(size):
        # as fused.RegionTable.cells: NaN and points off the raster go to its border, outside every region
        fx = (e[i] - x0) * inv_cell
        fy = (n[i] - y0) * inv_cell
        if not fx >= 0.0:  # NaN too
            fx = 0.0
        elif fx > top_x:
            fx = top_x
        if not fy >= 0.0:
            fy = 0.0
        elif fy > top_y:
            fy = top_y
        words[i] = word[int(fy) * nx + int(fx)]
    subs = sub_n * sub_n
    for i in range(size):
        w = words[i]
        kb = w & 0xFF
        db = (w >> 8) & 0xFF
        zone[i] = zone_lut[(w >> z_shift) & z_mask]
        cnt = (w >> 16) & 0xFF
        ref = w >> ptr_shift
        listed = cnt > 1  # ref: an offset into cand, else the segment itself (one candidate)
        px = e[i]
        py = n[i]
        if kb == MIXED or db == MIXED:
            cell = int((py - y0) * inv_cell) * nx + int((px - x0) * inv_cell)
            # the sub-cell, as GridIndex.resolve_mixed: floor, then clipped to the cell
            sx = math.floor((px - x0) / sub_cell) - (cell % nx) * sub_n
            sy = math.floor((py - y0) / sub_cell) - (cell // nx) * sub_n
            sx = min(max(sx, 0), sub_n - 1)
            sy = min(max(sy, 0), sub_n - 1)
            if kb == MIXED:
                m = r_rows[cell]
                kb = r_sub[m * subs + sy * sub_n + sx]  # -1 outside, -2 to test exactly
                cnt = 0
                if kb >= 0:
                    ref = mixed_ptr[m, kb]
                    cnt = mixed_cnt[m, kb]
                    listed = True
                k[i] = kb
            else:
                k[i] = -1 if kb == OUT else kb
            if db == MIXED:
                db = d_sub[d_rows[cell] * subs + sy * sub_n + sx]
                d[i] = -1 if k[i] == -1 else -2 if k[i] == -2 else db
            else:
                d[i] = -1 if db == OUT else db
            if kb < 0:
                dist[i] = np.nan
                near[i] = -1
                continue
        else:
            k[i] = -1 if kb == OUT else kb
            d[i] = -1 if db == OUT else db
            if kb == OUT:
                dist[i] = np.nan
                near[i] = -1
                continue
        if cnt == 0 or (not distances and (w & near_bit) == 0):  # (a mixed cell's word has the bit)
            dist[i] = np.nan
            near[i] = -1
            continue
        if not listed:  # the word holds the segment itself
            s = ref
            best = _seg(px, py, seg[s, 0], seg[s, 1], seg[s, 4], seg[s, 5], seg[s, 6])
        else:
            s = cand[ref]
            best = _seg(px, py, seg[s, 0], seg[s, 1], seg[s, 4], seg[s, 5], seg[s, 6])
            for j in range(ref + 1, ref + cnt):
                c = cand[j]
                dd = _seg(px, py, seg[c, 0], seg[c, 1], seg[c, 4], seg[c, 5], seg[c, 6])
                if dd < best:
                    best = dd
                    s = c
        dist[i] = best
        near[i] = owner[s]


@njit(cache=True, nogil=True, error_model="numpy")
def nearest_listed(
    e: np.ndarray,
    n: np.ndarray,
    ptr: np.ndarray,
    cnt: np.ndarray,
    seg: np.ndarray,
    cand: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Per point: the least distance over its candidates ``cand[ptr:ptr + cnt]`` (rows of ``seg``, as
    :func:`region_answer`; NaN with none) and the position in ``cand`` of the first candidate reaching it (-1
    with none)."""
    size = e.shape[0]
    dist = np.empty(size, dtype=np.float64)
    which = np.empty(size, dtype=np.int64)
    for i in range(size):
        best = np.nan
        at = -1
        for j in range(ptr[i], ptr[i] + cnt[i]):
            c = cand[j]
            dd = _seg(e[i], n[i], seg[c, 0], seg[c, 1], seg[c, 4], seg[c, 5], seg[c, 6])
            if at < 0 or dd < best:
                best = dd
                at = j
        dist[i] = best
        which[i] = at
    return dist, which


@njit(cache=True, nogil=True, error_model="numpy")
def zone_entries(
    e: np.ndarray,
    n: np.ndarray,
    rows_of: np.ndarray,
    states: np.ndarray,
    ptr: np.ndarray,
    cnt: np.ndarray,
    seg: np.ndarray,
    cand: np.ndarray,
    accuracy: np.ndarray,
    metre_bits: int,
) -> np.ndarray:
    """Packed zone entries of points in dynamic zone cells, one row a point (zones ascending, 0 for an unused
    slot): ``((zone * 2 + inside) * 2 + near) << metre_bits | metres``.

    ``states[i, z]`` is the state (0-3) of zone ``z`` for point ``i`` (state 4 already settled to 3 inside or 2
    outside by an exact test); ``ptr[r, z]`` and ``cnt[r, z]`` of the point's dynamic row ``r = rows_of[i]``
    locate its candidate edge segments in ``cand``, and ``seg`` holds their rows (as ``region_answer``); the
    distance to the nearest of them is exact, and ``metres`` is it rounded half to even, as ``numpy.rint``.
    """
    rows, nz = states.shape
    cap = (1 << metre_bits) - 1
    out = np.zeros((rows, nz), dtype=np.int64)
    width = 1
    for i in range(rows):
        slot = 0
        for z in range(nz):
            s = states[i, z]
            if s == 0:
                continue
            inside = s == 1 or s == 3
            near = False
            metres = 0
            acc = accuracy[z]
            if s >= 2 and acc > 0:
                best = np.inf
                r = rows_of[i]
                for j in range(ptr[r, z], ptr[r, z] + cnt[r, z]):
                    c = cand[j]
                    dd = _seg(e[i], n[i], seg[c, 0], seg[c, 1], seg[c, 4], seg[c, 5], seg[c, 6])
                    if dd < best:
                        best = dd
                if best < acc:
                    near = True
                    metres = min(int(np.rint(best)), cap)
            if inside or near:
                out[i, slot] = (((z * 2 + inside) * 2 + near) << metre_bits) | metres
                slot += 1
        width = max(width, slot)
    return out[:, :width].copy()
