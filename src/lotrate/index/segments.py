"""Exact nearest-segment distances through a pruned quadtree: candidate lists per cell, answers over raw arrays.

:class:`SegmentIndex` answers, for many points at once or for one point in plain Python, the Euclidean
distance to the nearest of a fixed set of line segments (planar coordinates, e.g. EPSG:2326 metres) and
that segment's row index. The answer is the brute-force answer: the index only chooses, per quadtree
leaf, the segments that can be nearest somewhere in the leaf, and the distance is then computed with the
one formula (:func:`segment_distance`) that a brute-force scan over every segment uses; ties go to the
lowest segment id, as ``numpy.argmin`` over all segments does.

Soundness of the pruning
------------------------
Cells are closed squares. A segment ``s`` is dropped from a cell ``C`` only when a segment ``c`` of the same
candidate list beats it at every point of ``C``: strictly, by a margin (``_ABS_TOL`` metres plus
``_REL_TOL`` of the distance) that dwarfs rounding (about 1e-15 of the distance, since only coordinate
differences enter the formula), or by an exact float tie that ``c`` wins on id (rules C and E). "Beats
everywhere in C" is a strict partial order, so at every point the (distance, id)-smallest segment is never
dropped, and by induction it is in the point's leaf.

A. *Bounds.* ``min_{p in C} d(p, s) > max_{p in C} d(p, c) + margin``. The left side is the exact
   box-to-segment distance (zero if they meet; otherwise attained at a vertex of one of the two convex
   sets). The right side is a maximum over the four corners: ``d(., c)`` is the distance to a convex set,
   hence convex, and a convex function on a box peaks at a corner.
B. *Witness point.* Take a point ``q`` on ``c`` (the point of ``c`` nearest the cell centre, for the two
   candidates nearest the centre). ``g(p) = d(p, s)**2 - |p - q|**2 = min_{u in s} (|p - u|**2 - |p - q|**2)``
   is a minimum of functions affine in ``p`` (the ``|p|**2`` terms cancel), hence concave, so its minimum
   over the box is at a corner. If ``g > M > 0`` at the four corners then
   ``d(p, s)**2 > |p - q|**2 + M >= d(p, c)**2 + M`` on all of ``C``. The corner test is *not* sound with
   ``d(p, c)`` in place of ``|p - q|`` (a segment can lose to another at all four corners and still be
   nearest at the centre); the single witness point is what makes it sound.
C. *Shared vertex, tie.* If ``s`` is clamped to its end ``v`` everywhere in ``C`` (its projection parameter
   is affine in ``p``, so the four corners decide it, with a margin), its computed distance is
   ``sqrt((x - vx)**2 + (y - vy)**2)`` bit for bit, the same float as for every other segment clamped to
   the same ``v``; among those only the lowest id can win, so the others are dropped. Without this rule the
   wedge behind every polyline vertex, where two segments tie exactly, would never resolve.
D. *Shared vertex, strict.* If ``s`` is clamped to ``v`` and ``c`` starts at ``v``, let ``f(p)`` be the
   signed distance of ``p`` along ``c`` from ``v`` and ``L`` the length of ``c``: ``|p - v|**2 - d(p, c)**2``
   is ``f**2`` for ``0 <= f <= L`` and ``L * (2 f - L) >= L**2`` beyond. ``f`` is affine, so if it is at
   least ``m > 0`` at the corners, ``d(p, s)**2 - d(p, c)**2 >= min(m, L)**2`` on all of ``C``.
E. *Duplicates.* A segment identical to a lower id (same ends, same order) computes the same float
   everywhere and is never a candidate.

Splitting stops at ``min_cell``; at ``max_leaf`` candidates or fewer once ``(k - 1) * side**2`` is at most
``extra_area``; and after three splits in a row that pruned nothing (candidates tying over an area). Cells
are dyadic squares anchored on a multiple of the finest side (a power of two), so their corners are exact
floats and a point's cell is found by exact arithmetic. Leaves are stored flat, sorted by the Morton code
of their lower-left finest cell, with CSR candidate lists; a row-major directory over the bounds gives the
leaf of most points directly, the rest take one binary search over the Morton codes.
"""

from __future__ import annotations

import bisect
import json
import math
import os
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["SegmentIndex", "segment_distance"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: absolute pruning margin (m): far above rounding at coordinates of 1e6 (ulp 1.2e-10 m)
_ABS_TOL = 1e-8
#: relative pruning margin: far above the ~1e-15 relative error of a computed distance
_REL_TOL = 1e-9
#: witness points per cell for rule B (on the candidates nearest the cell centre)
_WITNESSES = 2
#: splits in a row that prune nothing before a cell is left as a leaf
_STALL = 3
#: build budget: (cell, candidate) pairs held in leaves plus the next level (a tiny ``min_cell`` over a
#: wide extent stops here with coarser leaves, same answers, instead of exhausting memory)
_MAX_PAIRS = 1 << 24
#: (cell, candidate) pairs pruned at once: the (4, pairs) corner arrays stay in cache
_PRUNE_CHUNK = 1 << 14
#: points answered at once by :meth:`SegmentIndex.nearest`
_CHUNK = 16384
#: most cells in the lookup directory (a row-major grid over the bounds)
_DIRECTORY = 1 << 20
_MAGIC = b"LRSEGIX1"


def segment_distance(
    px: ArrayLike, py: ArrayLike, ax: ArrayLike, ay: ArrayLike, bx: ArrayLike, by: ArrayLike
) -> FloatArray:
    """Euclidean distance from points to segments, element-wise, with the index's exact formula.

    Parameters
    ----------
    px, py : array_like
        Point coordinates.
    ax, ay, bx, by : array_like
        Segment end points (broadcast against the points).

    Returns
    -------
    numpy.ndarray
        ``float64`` distances. A zero-length segment is its end point.

    Examples
    --------
    >>> segment_distance([5.0, -3.0, 14.0], [4.0, 4.0, 3.0], 0.0, 0.0, 10.0, 0.0).tolist()
    [4.0, 5.0, 5.0]
    """
    px, py, ax, ay, bx, by = (np.asarray(v, dtype=np.float64) for v in (px, py, ax, ay, bx, by))
    return _dist(px, py, ax, ay, bx, by, bx - ax, by - ay, (bx - ax) * (bx - ax) + (by - ay) * (by - ay))


def _dist(
    px: np.ndarray,
    py: np.ndarray,
    ax: np.ndarray,
    ay: np.ndarray,
    bx: np.ndarray,
    by: np.ndarray,
    dx: np.ndarray,
    dy: np.ndarray,
    den: np.ndarray,
) -> FloatArray:
    """Point-to-segment distance; :meth:`SegmentIndex.nearest_one` repeats it operation for operation."""
    wx = px - ax
    wy = py - ay
    num = wx * dx + wy * dy
    with np.errstate(divide="ignore", invalid="ignore"):
        t = num / den
    # clamped ends are measured from the end point itself, so segments sharing a vertex tie exactly there
    left = num <= 0
    right = num >= den
    ex = np.where(left, wx, np.where(right, px - bx, wx - t * dx))
    ey = np.where(left, wy, np.where(right, py - by, wy - t * dy))
    return np.sqrt(ex * ex + ey * ey)


def distance_one(e: float, n: float, ax: float, ay: float, dx: float, dy: float, den: float) -> float:
    """One point to one segment (start ``a``, direction ``d``, ``den`` = |d|²), in plain Python.

    The formula of the scalar paths of the cell tables (:mod:`lotrate.index.fused`, :mod:`lotrate.index.zonetable`);
    their batch paths compute it with the same operations, so scalar and batch distances agree bit for bit.

    Examples
    --------
    >>> distance_one(5.0, 4.0, 0.0, 0.0, 10.0, 0.0, 100.0), distance_one(14.0, 3.0, 0.0, 0.0, 10.0, 0.0, 100.0)
    (4.0, 5.0)
    """
    wx = e - ax
    wy = n - ay
    t = (wx * dx + wy * dy) / den
    if t < 0.0:
        t = 0.0
    elif t > 1.0:
        t = 1.0
    ex = wx - t * dx
    ey = wy - t * dy
    return math.sqrt(ex * ex + ey * ey)


def _spread(v: IntArray) -> NDArray[np.uint64]:
    """Interleave zeros between the low 32 bits of ``v`` (Morton code helper)."""
    u = v.astype(np.uint64)
    u = (u | (u << np.uint64(16))) & np.uint64(0x0000FFFF0000FFFF)
    u = (u | (u << np.uint64(8))) & np.uint64(0x00FF00FF00FF00FF)
    u = (u | (u << np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    u = (u | (u << np.uint64(2))) & np.uint64(0x3333333333333333)
    u = (u | (u << np.uint64(1))) & np.uint64(0x5555555555555555)
    return u


def _morton(ix: IntArray, iy: IntArray) -> IntArray:
    return (_spread(ix) | (_spread(iy) << np.uint64(1))).view(np.int64)


def _directory(
    bounds: tuple[float, float, float, float],
    origin: tuple[float, float],
    cell: float,
    levels: int,
    leaf_start: IntArray,
) -> tuple[int, int, NDArray[np.int32]]:
    """Row-major grid over ``bounds``: the leaf holding each grid cell, or -1 if the cell meets several leaves.

    A grid cell is the quadtree cell ``shift`` levels above the finest, hence one Morton range, so the leaves
    it meets are consecutive in ``leaf_start``. Most grid cells lie in one leaf; points in them skip the
    binary search.
    """
    shift = 0
    while True:
        side = cell * 2.0**shift
        nx = int((bounds[2] - origin[0]) // side) + 1
        ny = int((bounds[3] - origin[1]) // side) + 1
        if nx * ny <= _DIRECTORY or shift >= levels:
            break
        shift += 1
    gy, gx = np.divmod(np.arange(nx * ny, dtype=np.int64), nx)
    first = _morton(gx << shift, gy << shift)
    lo = np.searchsorted(leaf_start, first, side="right") - 1
    hi = np.searchsorted(leaf_start, first + ((1 << (2 * shift)) - 1), side="right") - 1
    return shift, nx, np.where((lo == hi) & (lo >= 0), lo, -1).astype(np.int32)


def _chunks(ptr: IntArray) -> list[tuple[int, int]]:
    """Split cells ``[0, len(ptr) - 1)`` into runs of about ``_PRUNE_CHUNK`` pairs (whole cells)."""
    out = []
    a = 0
    n = ptr.size - 1
    while a < n:
        b = int(np.searchsorted(ptr, ptr[a] + _PRUNE_CHUNK, side="right")) - 1
        b = min(max(b, a + 1), n)
        out.append((a, b))
        a = b
    return out


def _ints(a: np.ndarray, dtype: type[np.integer[Any]]) -> memoryview:
    """A memoryview of ``a`` as native ``dtype`` (no copy when it already is): Python ints on indexing."""
    return np.ascontiguousarray(a, dtype=dtype).data


def _min4(a: FloatArray) -> FloatArray:
    """Element-wise minimum over the four rows (cell corners) of ``a``."""
    return np.minimum(np.minimum(a[0], a[1]), np.minimum(a[2], a[3]))


def _max4(a: FloatArray) -> FloatArray:
    """Element-wise maximum over the four rows (cell corners) of ``a``."""
    return np.maximum(np.maximum(a[0], a[1]), np.maximum(a[2], a[3]))


def _group_first(values: FloatArray, starts: IntArray, group: IntArray) -> IntArray:
    """Position of the first minimum of ``values`` within each CSR group (all groups non-empty)."""
    vmin = np.minimum.reduceat(values, starts)
    pos = np.arange(values.size, dtype=np.int64)
    return np.minimum.reduceat(np.where(values == vmin[group], pos, values.size), starts)


#: tables for :meth:`SegmentIndex.nearest_one` as Python objects: directory (levels up, width, leaves), bounds
#: (4), origin (2), 1 / cell, largest cell index, 8-bit Morton spread table, leaf starts, leaf offsets,
#: candidates (memoryviews of the numpy tables: indexing gives Python ints), segment rows (tuples of floats)
_PyTables = tuple[
    int,
    int,
    memoryview,
    float,
    float,
    float,
    float,
    float,
    float,
    float,
    int,
    list[int],
    memoryview,
    memoryview,
    memoryview,
    list[tuple[int, float, float, float, float, float, float, float]],
]
_bisect_right = bisect.bisect_right
_sqrt = math.sqrt


class SegmentIndex:
    """Exact nearest-segment distance and id for points in a plane, through a pruned quadtree.

    Build with :meth:`build` (or load with :meth:`from_bytes` / :meth:`load`); query many points with
    :meth:`nearest` or one with :meth:`nearest_one`. Answers equal a brute-force scan over all segments
    with :func:`segment_distance` (ties to the lowest id) for every point: inside ``bounds`` through the
    leaf candidate lists, outside through a chunked brute-force scan (exact, but O(segments) a point).

    Attributes
    ----------
    ax, ay, bx, by : numpy.ndarray
        Segment end points (``float64``), row ``i`` being segment id ``i``.
    owner : numpy.ndarray
        ``int64`` label per segment, carried unchanged (``owner[seg_id]`` maps an answer to the caller's
        ids, e.g. the polygon pair a boundary piece belongs to); ``arange(n)`` by default.
    bounds : tuple of float
        ``(xmin, ymin, xmax, ymax)`` covered by the leaves.
    cell : float
        Finest cell side (``min_cell`` rounded down to a power of two).
    leaf_start, leaf_ptr, cand : numpy.ndarray
        The leaves sorted by the Morton code of their first finest cell, and their candidate lists in CSR
        form (``cand[leaf_ptr[k]:leaf_ptr[k + 1]]``, ascending segment ids).

    Examples
    --------
    A 10 m square, edges 0 (bottom), 1 (right), 2 (top), 3 (left):

    >>> x0 = np.array([0.0, 10.0, 10.0, 0.0]); y0 = np.array([0.0, 0.0, 10.0, 10.0])
    >>> idx = SegmentIndex.build(x0, y0, np.roll(x0, -1), np.roll(y0, -1), min_cell=0.5)
    >>> d, s = idx.nearest(np.array([5.0, 1.0, 7.0, 12.0]), np.array([5.0, 5.0, 9.5, 5.0]))
    >>> d.tolist(), s.tolist()
    ([5.0, 1.0, 0.5, 2.0], [0, 3, 2, 1])
    >>> idx.nearest_one(1.0, 5.0)
    (1.0, 3)
    >>> SegmentIndex.from_bytes(idx.to_bytes()).nearest_one(7.0, 9.5)
    (0.5, 2)
    """

    def __init__(
        self,
        ax: FloatArray,
        ay: FloatArray,
        bx: FloatArray,
        by: FloatArray,
        owner: IntArray,
        bounds: tuple[float, float, float, float],
        origin: tuple[float, float],
        cell: float,
        levels: int,
        leaf_start: IntArray,
        leaf_ptr: IntArray,
        cand: NDArray[np.int32],
        dir_shift: int = 0,
        dir_width: int = 0,
        dir_leaf: NDArray[np.int32] | None = None,
    ) -> None:
        """Wrap built tables; use :meth:`build`, :meth:`from_bytes` or :meth:`load` instead."""
        self.ax, self.ay, self.bx, self.by = ax, ay, bx, by
        self.dx = bx - ax
        self.dy = by - ay
        self.den = self.dx * self.dx + self.dy * self.dy
        self.owner = owner
        self.bounds = bounds
        self.origin = origin
        self.cell = cell
        self.levels = levels
        self.leaf_start = leaf_start
        self.leaf_ptr = leaf_ptr
        self.cand = cand
        self._py: _PyTables | None = None
        if dir_leaf is None:
            dir_shift, dir_width, dir_leaf = _directory(bounds, origin, cell, levels, leaf_start)
        self.dir_shift = dir_shift
        self.dir_width = dir_width
        self.dir_leaf = dir_leaf

    # ------------------------------------------------------------------ build

    @classmethod
    def build(
        cls,
        x0: ArrayLike,
        y0: ArrayLike,
        x1: ArrayLike,
        y1: ArrayLike,
        *,
        owner: ArrayLike | None = None,
        bounds: tuple[float, float, float, float] | None = None,
        min_cell: float = 4.0,
        max_leaf: int = 4,
        extra_area: float | None = None,
    ) -> SegmentIndex:
        """Build the index over segments ``(x0, y0)-(x1, y1)``.

        Parameters
        ----------
        x0, y0, x1, y1 : array_like
            End points, one segment a row; zero-length segments are allowed.
        owner : array_like of int, optional
            A label per segment, stored and serialised with the index (default ``arange(n)``).
        bounds : tuple of float, optional
            ``(xmin, ymin, xmax, ymax)`` answered from the leaves; points outside are answered by brute
            force. Default: the segments' bounding box padded by 10 % of its larger side (at least
            ``min_cell``).
        min_cell : float
            Finest cell side, rounded down to a power of two (default 4 m; at least 4096 ulps of the
            largest coordinate).
        max_leaf : int
            A cell with more candidates than this is subdivided down to ``min_cell`` (default 4).
        extra_area : float, optional
            Area (m²) a leaf may spend on extra candidates: a cell with ``k >= 2`` candidates is also
            subdivided while ``(k - 1) * side**2 > extra_area``, which keeps the mean number of candidates
            per point near 1 without cutting every Voronoi edge down to ``min_cell``. Default
            ``(32 * cell)**2``.

        Returns
        -------
        SegmentIndex
        """
        ax, ay, bx, by = (np.array(v, dtype=np.float64, copy=True).ravel() for v in (x0, y0, x1, y1))
        n = ax.size
        if not (ay.size == bx.size == by.size == n) or n == 0:
            raise ValueError("x0, y0, x1, y1 must be non-empty and of one length")
        if not all(np.isfinite(v).all() for v in (ax, ay, bx, by)):
            raise ValueError("segment coordinates must be finite")
        if n >= 2**31:
            raise ValueError("too many segments")
        own = np.arange(n, dtype=np.int64) if owner is None else np.array(owner, dtype=np.int64, copy=True).ravel()
        if own.size != n:
            raise ValueError("owner must have one entry per segment")
        if not (min_cell > 0 and math.isfinite(min_cell)):
            raise ValueError("min_cell must be positive")
        h = 2.0 ** math.floor(math.log2(min_cell))
        # cells must stay far above the coordinates' resolution for corners and cell lookups to be exact
        scale = max(float(np.abs(v).max()) for v in (ax, ay, bx, by))
        if bounds is not None:
            scale = max(scale, *(abs(float(v)) for v in bounds))
        if scale > 0:
            h = max(h, 2.0 ** math.ceil(math.log2(4096 * np.finfo(np.float64).eps * scale)))
        if bounds is None:
            sx0, sx1 = float(min(ax.min(), bx.min())), float(max(ax.max(), bx.max()))
            sy0, sy1 = float(min(ay.min(), by.min())), float(max(ay.max(), by.max()))
            pad = max(0.1 * max(sx1 - sx0, sy1 - sy0), h)
            bounds = (sx0 - pad, sy0 - pad, sx1 + pad, sy1 + pad)
        b = tuple(float(v) for v in bounds)
        if not (all(math.isfinite(v) for v in b) and b[0] <= b[2] and b[1] <= b[3]):
            raise ValueError("bounds must be finite (xmin, ymin, xmax, ymax)")
        ox = math.floor(b[0] / h) * h
        oy = math.floor(b[1] / h) * h
        while ox > b[0]:
            ox -= h
        while oy > b[1]:
            oy -= h
        span = max(b[2] - ox, b[3] - oy, h)
        levels = max(0, math.ceil(math.log2(span / h)))
        while h * 2.0**levels < span:
            levels += 1
        if levels > 31:
            raise ValueError(f"bounds too large for min_cell={min_cell}: {levels} levels > 31")
        area = (32.0 * h) ** 2 if extra_area is None else float(extra_area)
        start, ptr, cand = _Builder(ax, ay, bx, by, b, ox, oy, h, levels, max(1, int(max_leaf)), area).run()
        return cls(ax, ay, bx, by, own, b, (ox, oy), h, levels, start, ptr, cand)  # type: ignore[arg-type]

    # ------------------------------------------------------------------ queries

    @property
    def n_segments(self) -> int:
        """Number of segments."""
        return int(self.ax.size)

    @property
    def n_leaves(self) -> int:
        """Number of quadtree leaves."""
        return int(self.leaf_start.size)

    @property
    def nbytes(self) -> int:
        """Bytes held by the index tables (segments, owner, leaves, candidate lists, lookup directory)."""
        arrays = (self.ax, self.ay, self.bx, self.by, self.dx, self.dy, self.den, self.owner)
        tables = (self.leaf_start, self.leaf_ptr, self.cand, self.dir_leaf)
        return sum(a.nbytes for a in arrays) + sum(a.nbytes for a in tables)

    def leaf_of(self, x: ArrayLike, y: ArrayLike) -> IntArray:
        """Leaf number of each point, -1 outside ``bounds`` (or not finite).

        Parameters
        ----------
        x, y : array_like
            Point coordinates.

        Returns
        -------
        numpy.ndarray
            ``int64`` leaf numbers (rows of ``leaf_ptr``).
        """
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        xmin, ymin, xmax, ymax = self.bounds
        inside = (x >= xmin) & (x <= xmax) & (y >= ymin) & (y <= ymax)
        inv = 1.0 / self.cell
        nmax = (1 << self.levels) - 1
        ix = np.minimum(((np.where(inside, x, xmin) - self.origin[0]) * inv).astype(np.int64), nmax)
        iy = np.minimum(((np.where(inside, y, ymin) - self.origin[1]) * inv).astype(np.int64), nmax)
        d = (iy >> self.dir_shift) * self.dir_width + (ix >> self.dir_shift)
        leaf = self.dir_leaf[d].astype(np.int64)
        multi = np.flatnonzero(leaf < 0)
        if multi.size:
            leaf[multi] = np.searchsorted(self.leaf_start, _morton(ix[multi], iy[multi]), side="right") - 1
        return np.where(inside, leaf, -1)

    def candidates(self, x: ArrayLike, y: ArrayLike) -> IntArray:
        """Number of candidate segments examined per point (all segments outside ``bounds``)."""
        leaf = self.leaf_of(x, y)
        cnt = self.leaf_ptr[leaf + 1] - self.leaf_ptr[leaf]
        return np.where(leaf >= 0, cnt, self.n_segments)

    def nearest(self, x: ArrayLike, y: ArrayLike) -> tuple[FloatArray, IntArray]:
        """Distance to the nearest segment and its id, for many points.

        Parameters
        ----------
        x, y : array_like
            Point coordinates (same shape).

        Returns
        -------
        dist : numpy.ndarray
            ``float64`` distances, NaN for a non-finite point.
        seg_id : numpy.ndarray
            ``int64`` row of the nearest segment (lowest on ties), -1 for a non-finite point.
        """
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        if x.shape != y.shape:
            raise ValueError("x and y must have one shape")
        shape = x.shape
        x = x.ravel()
        y = y.ravel()
        dist = np.empty(x.size, dtype=np.float64)
        seg = np.empty(x.size, dtype=np.int64)
        for lo in range(0, x.size, _CHUNK):
            hi = min(lo + _CHUNK, x.size)
            dist[lo:hi], seg[lo:hi] = self._nearest_chunk(x[lo:hi], y[lo:hi])
        return dist.reshape(shape), seg.reshape(shape)

    def _nearest_chunk(self, x: FloatArray, y: FloatArray) -> tuple[FloatArray, IntArray]:
        leaf = self.leaf_of(x, y)
        dist = np.full(x.size, np.nan)
        seg = np.full(x.size, -1, dtype=np.int64)
        inn = np.flatnonzero(leaf >= 0)
        if inn.size:
            lf = leaf[inn]
            pos = self.leaf_ptr[lf]
            end = self.leaf_ptr[lf + 1]
            px = x[inn]
            py = y[inn]
            # first candidate of every point, then the second of those with two or more, and so on;
            # candidates ascend by id, so a strict "<" keeps the lowest id on ties, as argmin would
            s = self.cand[pos].astype(np.int64)
            best = self._to(px, py, s)
            arg = s
            more = np.flatnonzero(end - pos > 1)
            k = 1
            while more.size:
                s = self.cand[pos[more] + k].astype(np.int64)
                d = self._to(px[more], py[more], s)
                better = d < best[more]
                best[more[better]] = d[better]
                arg[more[better]] = s[better]
                k += 1
                more = more[end[more] - pos[more] > k]
            dist[inn] = best
            seg[inn] = arg
        out = np.flatnonzero((leaf < 0) & np.isfinite(x) & np.isfinite(y))
        if out.size:
            dist[out], seg[out] = self._brute(x[out], y[out])
        return dist, seg

    def _to(self, px: FloatArray, py: FloatArray, s: IntArray) -> FloatArray:
        """Distance from each point to its segment ``s``."""
        return _dist(px, py, self.ax[s], self.ay[s], self.bx[s], self.by[s], self.dx[s], self.dy[s], self.den[s])

    def _brute(self, x: FloatArray, y: FloatArray) -> tuple[FloatArray, IntArray]:
        """Exact scan over every segment (points outside ``bounds``)."""
        n = self.n_segments
        step = max(1, (1 << 21) // n)
        dist = np.empty(x.size)
        seg = np.empty(x.size, dtype=np.int64)
        for lo in range(0, x.size, step):
            px = x[lo : lo + step, None]
            py = y[lo : lo + step, None]
            d = _dist(px, py, self.ax, self.ay, self.bx, self.by, self.dx, self.dy, self.den)
            k = np.argmin(d, axis=1)
            seg[lo : lo + step] = k
            dist[lo : lo + step] = d[np.arange(k.size), k]
        return dist, seg

    def _python_tables(self) -> _PyTables:
        py = self._py
        if py is None:
            spread = _spread(np.arange(256, dtype=np.int64)).view(np.int64).tolist()
            segs = list(
                zip(
                    range(self.n_segments),
                    self.ax.tolist(),
                    self.ay.tolist(),
                    self.bx.tolist(),
                    self.by.tolist(),
                    self.dx.tolist(),
                    self.dy.tolist(),
                    self.den.tolist(),
                )
            )
            py = self._py = (
                self.dir_shift,
                self.dir_width,
                _ints(self.dir_leaf, np.int32),
                *self.bounds,
                float(self.origin[0]),
                float(self.origin[1]),
                1.0 / self.cell,
                (1 << self.levels) - 1,
                spread,
                _ints(self.leaf_start, np.int64),
                _ints(self.leaf_ptr, np.int64),
                _ints(self.cand, np.int32),
                segs,
            )
        return py

    def nearest_one(self, x: float, y: float) -> tuple[float, int]:
        """Distance to the nearest segment and its id for one point, in plain Python.

        Equal, bit for bit, to :meth:`nearest` on the same point (same formula, same operations, same
        order). The segment rows are copied to Python tuples on the first call (a few ms).

        Parameters
        ----------
        x, y : float
            Point coordinates.

        Returns
        -------
        tuple of (float, int)
            Distance and segment id (``(nan, -1)`` for a non-finite point).
        """
        m, nx, directory, xmin, ymin, xmax, ymax, ox, oy, inv, nmax, sp, starts, ptr, cand, segs = (
            self._py or self._python_tables()
        )
        if not (xmin <= x <= xmax and ymin <= y <= ymax):
            if not (math.isfinite(x) and math.isfinite(y)):
                return math.nan, -1
            far_d, far_s = self._brute(np.array([x], dtype=np.float64), np.array([y], dtype=np.float64))
            return float(far_d[0]), int(far_s[0])
        ix = int((x - ox) * inv)
        iy = int((y - oy) * inv)
        if ix > nmax:
            ix = nmax
        if iy > nmax:
            iy = nmax
        leaf = directory[(iy >> m) * nx + (ix >> m)]
        if leaf < 0:  # the directory cell meets several leaves: Morton code, binary search
            code = 0
            shift = 0
            while ix or iy:
                code |= (sp[ix & 255] | (sp[iy & 255] << 1)) << shift
                ix >>= 8
                iy >>= 8
                shift += 16
            leaf = _bisect_right(starts, code) - 1
        best = math.inf
        best_id = -1
        for k in range(ptr[leaf], ptr[leaf + 1]):
            sid, ax, ay, bx, by, dx, dy, den = segs[cand[k]]
            wx = x - ax
            wy = y - ay
            num = wx * dx + wy * dy
            if num <= 0:
                ex = wx
                ey = wy
            elif num >= den:
                ex = x - bx
                ey = y - by
            else:
                t = num / den
                ex = wx - t * dx
                ey = wy - t * dy
            d = _sqrt(ex * ex + ey * ey)
            if d < best:
                best = d
                best_id = sid
        return best, best_id

    # ------------------------------------------------------------------ serialisation

    def _arrays(self) -> dict[str, np.ndarray]:
        return {
            "ax": self.ax,
            "ay": self.ay,
            "bx": self.bx,
            "by": self.by,
            "owner": self.owner,
            "leaf_start": self.leaf_start,
            "leaf_ptr": self.leaf_ptr,
            "cand": self.cand,
            "dir_leaf": self.dir_leaf,
        }

    def to_bytes(self) -> bytes:
        """Serialise the index: the same input always gives the same bytes.

        Layout: ``b"LRSEGIX1"``, a little-endian ``uint32`` header length, a JSON header (sorted keys),
        then each array's raw little-endian bytes at 8-byte aligned offsets.
        """
        arrays = self._arrays()
        meta: dict[str, Any] = {
            "bounds": list(self.bounds),
            "origin": list(self.origin),
            "cell": self.cell,
            "levels": self.levels,
            "dir_shift": self.dir_shift,
            "dir_width": self.dir_width,
            "arrays": [],
        }
        offset = 0
        blobs = []
        for name, a in arrays.items():
            a = np.ascontiguousarray(a, dtype=a.dtype.newbyteorder("<"))
            meta["arrays"].append([name, a.dtype.str, a.size, offset])
            raw = a.tobytes()
            raw += b"\0" * (-len(raw) % 8)
            blobs.append(raw)
            offset += len(raw)
        header = json.dumps(meta, sort_keys=True, separators=(",", ":")).encode()
        header += b" " * (-(len(_MAGIC) + 4 + len(header)) % 8)
        return b"".join([_MAGIC, len(header).to_bytes(4, "little"), header, *blobs])

    @classmethod
    def from_bytes(cls, data: bytes) -> SegmentIndex:
        """Load an index written by :meth:`to_bytes` (arrays are read-only views of ``data``)."""
        if data[: len(_MAGIC)] != _MAGIC:
            raise ValueError("not a SegmentIndex")
        hlen = int.from_bytes(data[len(_MAGIC) : len(_MAGIC) + 4], "little")
        base = len(_MAGIC) + 4 + hlen
        meta = json.loads(data[len(_MAGIC) + 4 : base])
        arr: dict[str, np.ndarray] = {}
        for name, dtype, size, offset in meta["arrays"]:
            arr[name] = np.frombuffer(data, dtype=np.dtype(dtype), count=size, offset=base + offset)
        return cls(
            arr["ax"],
            arr["ay"],
            arr["bx"],
            arr["by"],
            arr["owner"],
            tuple(meta["bounds"]),
            tuple(meta["origin"]),
            float(meta["cell"]),
            int(meta["levels"]),
            arr["leaf_start"],
            arr["leaf_ptr"],
            arr["cand"],
            int(meta["dir_shift"]),
            int(meta["dir_width"]),
            arr["dir_leaf"],
        )

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write :meth:`to_bytes` to a file."""
        with open(path, "wb") as f:
            f.write(self.to_bytes())

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> SegmentIndex:
        """Read an index written by :meth:`save`."""
        with open(path, "rb") as f:
            return cls.from_bytes(f.read())

    def __repr__(self) -> str:
        return (
            f"SegmentIndex({self.n_segments} segments, {self.n_leaves} leaves, "
            f"{self.cand.size / max(self.n_leaves, 1):.2f} candidates a leaf, cell {self.cell:g})"
        )


class _Builder:
    """Level-by-level construction: every cell of a level is pruned at once, over flat (cell, segment) pairs."""

    def __init__(
        self,
        ax: FloatArray,
        ay: FloatArray,
        bx: FloatArray,
        by: FloatArray,
        bounds: tuple[float, ...],
        ox: float,
        oy: float,
        h: float,
        levels: int,
        max_leaf: int,
        extra_area: float,
    ) -> None:
        self.ax, self.ay, self.bx, self.by = ax, ay, bx, by
        self.dx = bx - ax
        self.dy = by - ay
        self.den = self.dx * self.dx + self.dy * self.dy
        self.seglen = np.sqrt(self.den)
        self.bounds = bounds
        self.ox, self.oy, self.h, self.levels, self.max_leaf = ox, oy, h, levels, max_leaf
        self.extra_area = extra_area
        scale = max(abs(v) for v in (*bounds, float(np.abs(ax).max()), float(np.abs(ay).max())))
        scale = max(scale, float(np.abs(bx).max()), float(np.abs(by).max()))
        # cell corners are exact, but a point's offset from the origin may round by an ulp or so
        self.abs_tol = _ABS_TOL + 64 * np.finfo(np.float64).eps * scale
        # vertex ids: segments whose clamped ends are the same float pair measure the same distance there
        ends = np.concatenate([np.stack([ax, ay], 1), np.stack([bx, by], 1)]) + 0.0  # +0.0 folds -0.0
        _, inv = np.unique(ends, axis=0, return_inverse=True)
        inv = inv.ravel().astype(np.int64)
        self.va = inv[: ax.size]
        self.vb = inv[ax.size :]

    def run(self) -> tuple[IntArray, IntArray, NDArray[np.int32]]:
        ix = np.zeros(1, dtype=np.int64)
        iy = np.zeros(1, dtype=np.int64)
        # an exact duplicate (same end points in the same order) computes the same float as its first copy
        # at every point and loses the tie-break to it everywhere
        _, first = np.unique(np.stack([self.ax, self.ay, self.bx, self.by], 1) + 0.0, axis=0, return_index=True)
        cand = np.sort(first).astype(np.int64)
        ptr = np.array([0, cand.size], dtype=np.int64)
        family = np.zeros(1, dtype=np.int64)  # index of the parent among the cells split at the level above
        stall = np.zeros(1, dtype=np.int64)  # the parent's count of splits in a row that pruned nothing
        stored = 0
        leaves_code: list[IntArray] = []
        leaves_cnt: list[IntArray] = []
        leaves_cand: list[IntArray] = []
        for level in range(self.levels + 1):
            side = self.h * 2.0 ** (self.levels - level)
            keep = np.concatenate([self._prune(ix, iy, side, ptr, cand, a, b) for a, b in _chunks(ptr)])
            inherited = np.diff(ptr)
            cell_of = np.repeat(np.arange(ix.size), inherited)
            cand = cand[keep]
            cell_of = cell_of[keep]
            cnt = np.bincount(cell_of, minlength=ix.size)
            # a split after which no child dropped anything is a stall; after _STALL in a row the cells are
            # leaves: that is where candidates tie over an area (overlapping or reversed copies), so that
            # splitting further would only multiply cells
            progress = np.bincount(family, weights=cnt < inherited, minlength=stall.size) > 0
            stall = np.where(progress[family], 0, stall[family] + 1)
            leaf = (cnt <= self.max_leaf) & ((cnt - 1) * (side * side) <= self.extra_area)
            leaf |= (level == self.levels) | (stall >= _STALL)
            stored += int(cnt[leaf].sum())
            if stored + 4 * int(cnt[~leaf].sum()) > _MAX_PAIRS:
                leaf[:] = True  # out of budget: coarser leaves, same answers
            shift = np.int64(self.levels - level)
            leaves_code.append(_morton(ix[leaf] << shift, iy[leaf] << shift))
            leaves_cnt.append(cnt[leaf])
            leaves_cand.append(cand[leaf[cell_of]])
            if leaf.all():
                break
            # split the other cells in four; children wholly outside bounds are not needed
            split = np.flatnonzero(~leaf)
            pc = cand[~leaf[cell_of]]
            pcnt = cnt[split]
            kx = np.array([0, 1, 0, 1], dtype=np.int64)
            ky = np.array([0, 0, 1, 1], dtype=np.int64)
            cix = (2 * ix[split][:, None] + kx).ravel()
            ciy = (2 * iy[split][:, None] + ky).ravel()
            cside = side / 2
            x0 = self.ox + cix * cside
            y0 = self.oy + ciy * cside
            b = self.bounds
            ok = (x0 <= b[2]) & (x0 + cside >= b[0]) & (y0 <= b[3]) & (y0 + cside >= b[1])
            ccnt = np.repeat(pcnt, 4)
            pstart = np.cumsum(pcnt) - pcnt
            # candidate rows of each child: its parent's list
            rows = np.repeat(np.repeat(pstart, 4)[ok], ccnt[ok])
            ccnt = ccnt[ok]
            cstart = np.cumsum(ccnt) - ccnt
            rows = rows + np.arange(rows.size, dtype=np.int64) - np.repeat(cstart, ccnt)
            cand = pc[rows]
            ix, iy = cix[ok], ciy[ok]
            family = np.repeat(np.arange(split.size, dtype=np.int64), 4)[ok]
            stall = stall[split]
            ptr = np.concatenate([[0], np.cumsum(ccnt)]).astype(np.int64)
        code = np.concatenate(leaves_code)
        cnt = np.concatenate(leaves_cnt)
        cands = np.concatenate(leaves_cand)
        order = np.argsort(code, kind="stable")
        start = np.cumsum(cnt) - cnt
        cnt_o = cnt[order]
        rows = np.repeat(start[order], cnt_o)
        ostart = np.cumsum(cnt_o) - cnt_o
        rows = rows + np.arange(rows.size, dtype=np.int64) - np.repeat(ostart, cnt_o)
        ptr_o = np.concatenate([[0], np.cumsum(cnt_o)]).astype(np.int64)
        return code[order], ptr_o, cands[rows].astype(np.int32)

    def _prune(
        self, ix: IntArray, iy: IntArray, side: float, ptr: IntArray, cand: IntArray, first: int, last: int
    ) -> NDArray[np.bool_]:
        """Mask of the (cell, segment) pairs kept for cells ``first:last``; lists are sorted by segment id."""
        cand = cand[ptr[first] : ptr[last]]
        ix = ix[first:last]
        iy = iy[first:last]
        ptr = ptr[first : last + 1] - ptr[first]
        cnt = np.diff(ptr)
        cell = np.repeat(np.arange(ix.size), cnt)
        s = cand
        x0 = self.ox + ix * side
        y0 = self.oy + iy * side
        cx = np.stack([x0, x0 + side, x0, x0 + side])[:, cell]  # (4, pairs): the cell corners, exact
        cy = np.stack([y0, y0, y0 + side, y0 + side])[:, cell]
        ax, ay, bx, by = self.ax[s], self.ay[s], self.bx[s], self.by[s]
        dx, dy, den = self.dx[s], self.dy[s], self.den[s]
        # _dist at the corners, keeping the intermediate terms (wx, wy, num serve the pruning rules below)
        wx = cx - ax
        wy = cy - ay
        num = wx * dx + wy * dy
        with np.errstate(divide="ignore", invalid="ignore"):
            t = num / den
        left = num <= 0
        right = num >= den
        ex = np.where(left, wx, np.where(right, cx - bx, wx - t * dx))
        ey = np.where(left, wy, np.where(right, cy - by, wy - t * dy))
        dc2 = ex * ex + ey * ey
        dc = np.sqrt(dc2)
        ub = _max4(dc)
        tol = self.abs_tol
        starts = ptr[:-1]

        # A: min over the cell of d(., s) beyond max over the cell of d(., c) for the best c
        cx0, cx1 = cx[0], cx[3]
        cy0, cy1 = cy[0], cy[3]
        gx = np.maximum(np.maximum(cx0 - ax, ax - cx1), 0.0)
        gy = np.maximum(np.maximum(cy0 - ay, ay - cy1), 0.0)
        lb2 = gx * gx + gy * gy
        gx = np.maximum(np.maximum(cx0 - bx, bx - cx1), 0.0)
        gy = np.maximum(np.maximum(cy0 - by, by - cy1), 0.0)
        lb2 = np.minimum(np.minimum(lb2, gx * gx + gy * gy), _min4(dc2))
        # the segment may cross the box (then lb is 0): bounding boxes overlap and corners not all on one
        # side of its line (within a margin, so the test errs towards "crosses")
        overlap = (np.minimum(ax, bx) <= cx1) & (np.maximum(ax, bx) >= cx0)
        overlap &= (np.minimum(ay, by) <= cy1) & (np.maximum(ay, by) >= cy0)
        seglen = self.seglen[s]
        cross = dx * wy - dy * wx
        ctol = 1e-9 * seglen * (side + np.abs(wx[0]) + np.abs(wy[0])) + 1e-300
        one_side = (_min4(cross) > ctol) | (_max4(cross) < -ctol)
        lb = np.where(overlap & ~one_side, 0.0, np.sqrt(lb2))
        best_ub = np.minimum.reduceat(ub, starts)[cell]
        drop = lb > best_ub + tol + _REL_TOL * best_ub

        # B: witness points on the candidates nearest the cell centre; g = d(., s)^2 - |. - q|^2 is concave
        mx = x0 + side / 2
        my = y0 + side / 2
        dm = _dist(mx[cell], my[cell], ax, ay, bx, by, dx, dy, den)
        margin = 2.0 * ub * tol + _REL_TOL * ub * ub
        for _ in range(_WITNESSES):
            w = _group_first(dm, starts, cell)
            w = w[np.isfinite(dm[w])]
            if w.size == 0:
                break
            dm[w] = np.inf  # the next witness comes from another segment
            # closest point of the witness segment to the centre
            px = mx[cell[w]] - ax[w]
            py = my[cell[w]] - ay[w]
            nw = px * dx[w] + py * dy[w]
            with np.errstate(divide="ignore", invalid="ignore"):
                tw = np.where(nw <= 0, 0.0, np.where(nw >= den[w], 1.0, nw / den[w]))
            qxc = np.full(ix.size, np.nan)
            qyc = np.full(ix.size, np.nan)
            qxc[cell[w]] = np.where(tw == 1.0, bx[w], ax[w] + tw * dx[w])
            qyc[cell[w]] = np.where(tw == 1.0, by[w], ay[w] + tw * dy[w])
            qx = cx - qxc[cell]
            qy = cy - qyc[cell]
            drop |= _min4(dc2 - (qx * qx + qy * qy)) > margin  # NaN (no witness in the cell) compares False

        # C: clamped to one end everywhere in the cell; keep the lowest id per (cell, vertex)
        wa = np.sqrt(_max4(wx * wx + wy * wy))
        eta = seglen * (2e-9 * (wa + seglen) + tol) + 1e-300
        at_a = (_max4(num) <= -eta) | (den == 0)
        at_b = (_min4(num) - den >= eta) & ~at_a
        clamped = np.flatnonzero(at_a | at_b)
        if clamped.size:
            v = np.where(at_a[clamped], self.va[s[clamped]], self.vb[s[clamped]])
            c = cell[clamped]
            o = np.lexsort((s[clamped], v, c))
            same = np.zeros(clamped.size, dtype=bool)
            same[1:] = (c[o][1:] == c[o][:-1]) & (v[o][1:] == v[o][:-1])
            drop[clamped[o[same]]] = True
            rest = ~drop[clamped]  # D for those still in
            if rest.any():
                drop |= self._rule_d(cell, s, cx, cy, ub, clamped[rest], v[rest], at_a[clamped[rest]])
        return ~drop

    def _rule_d(
        self,
        cell: IntArray,
        s: IntArray,
        cx: FloatArray,
        cy: FloatArray,
        ub: FloatArray,
        clamped: IntArray,
        v: IntArray,
        at_a: NDArray[np.bool_],
    ) -> NDArray[np.bool_]:
        """D: ``s`` clamped to ``v`` (so ``d(p, s) = |p - v|``) loses to a segment ``c`` that starts at ``v``.

        With ``f`` the signed distance of ``p`` along ``c`` from ``v`` and ``L`` the length of ``c``:
        ``|p - v|**2 - d(p, c)**2`` is ``f**2`` for ``0 <= f <= L`` and ``L * (2 f - L) >= L**2`` beyond.
        ``f`` is affine in ``p``, so if it is at least ``m > 0`` at the four corners, then
        ``d(p, s)**2 - d(p, c)**2 >= min(m, L)**2`` over the whole cell.
        """
        drop = np.zeros(s.size, dtype=bool)
        nv = int(max(self.va.max(), self.vb.max())) + 1
        pairs = np.arange(s.size, dtype=np.int64)
        inc_key = np.concatenate([cell * nv + self.va[s], cell * nv + self.vb[s]])
        inc_pair = np.concatenate([pairs, pairs])
        inc_sign = np.concatenate([np.ones(s.size), -np.ones(s.size)])  # direction from v into c: +d at a
        o = np.argsort(inc_key, kind="stable")
        inc_key, inc_pair, inc_sign = inc_key[o], inc_pair[o], inc_sign[o]
        key = cell[clamped] * nv + v
        lo = np.searchsorted(inc_key, key, side="left")
        hi = np.searchsorted(inc_key, key, side="right")
        sc = s[clamped]
        vx = np.where(at_a, self.ax[sc], self.bx[sc])
        vy = np.where(at_a, self.ay[sc], self.by[sc])
        u = ub[clamped]
        need = 2.0 * u * self.abs_tol + 2.0 * _REL_TOL * u * u
        ccx = cx[:, clamped] - vx
        ccy = cy[:, clamped] - vy
        for j in range(int((hi - lo).max())):
            k = lo + j
            ok = k < hi
            k = np.minimum(k, inc_key.size - 1)
            cp = inc_pair[k]
            ok &= cp != clamped
            c = s[cp]
            ex = inc_sign[k] * self.dx[c]
            ey = inc_sign[k] * self.dy[c]
            length = self.seglen[c]
            with np.errstate(divide="ignore", invalid="ignore"):
                f = _min4(ccx * ex + ccy * ey) / length
            m = np.minimum(f, length)
            ok &= (length > 0) & (m > 0) & (m * m > need * (1.0 + 1e-6))
            drop[clamped[ok]] = True
        return drop
