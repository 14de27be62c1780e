"""A raster index of polygons: a cell no boundary crosses answers from an array, a mixed cell from a finer
sub-raster, and only a sub-cell a boundary may cross exactly."""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cached_property

import numpy as np
import shapely


def _runs(pure: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Runs of consecutive True along the last axis of a 2-D mask: (run id per cell, -1 off runs; first cell
    of each run, flat)."""
    flat = pure.ravel()
    start = pure.copy()
    start[:, 1:] &= ~pure[:, :-1]
    sflat = start.ravel()
    rid = np.cumsum(sflat) - 1
    return np.where(flat, rid, -1), np.flatnonzero(sflat)


def _mark(points: np.ndarray, x0: float, y0: float, step: float, nx: int, ny: int) -> np.ndarray:
    """Flat indices (with repeats) of the cells of side ``step`` holding ``points`` or next to one (8-neighbourhood)."""
    ix = np.floor((points[:, 0] - x0) / step).astype(np.int64)
    iy = np.floor((points[:, 1] - y0) / step).astype(np.int64)
    out = []
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            jx, jy = ix + dx, iy + dy
            ok = (jx >= 0) & (jx < nx) & (jy >= 0) & (jy < ny)
            out.append(jy[ok] * nx + jx[ok])
    return np.concatenate(out)


class GridIndex:
    """Locate points among non-overlapping polygons (EPSG:2326) through a two-level raster.

    ``locate(e, n)`` returns, per point, the index of the polygon covering it, or -1. Answers are identical
    to an exact prepared ``contains_xy`` test in polygon order, with boundary points going to the first polygon
    that touches them. Level 1 is a raster of ``cell``-metre cells: -1 outside every polygon, ``k`` inside
    polygon ``k``, -2 for a cell a boundary may cross (it holds a vertex of the boundary densified to half a
    cell, or is next to one). Each mixed cell has a sub-raster of ``SUB`` x ``SUB`` sub-cells built the same
    way; a point in a mixed sub-cell is decided exactly, against the polygons that meet its cell only.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> idx = GridIndex([box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)], cell=100)
    >>> idx.locate(np.array([500.0, 1000.0, 1500.0, 5000.0]), np.array([500.0, 10.0, 500.0, 0.0])).tolist()
    [0, 0, 1, -1]
    """

    #: sub-cells per side of a mixed cell
    SUB = 8
    #: side of the square tiles the polygons are cut into for area shares (m)
    TILE = 2000.0

    def __init__(
        self,
        polygons: list[shapely.Geometry],
        cell: float = 64.0,
        *,
        origin: tuple[float, float] | None = None,
        shape: tuple[int, int] | None = None,
        tables: dict[str, np.ndarray] | None = None,
    ) -> None:
        self.polygons = list(polygons)
        for g in self.polygons:
            shapely.prepare(g)
        self.cell = float(cell)
        if origin is None or shape is None:
            xmin, ymin, xmax, ymax = shapely.total_bounds(np.array(self.polygons, dtype=object))
            origin = (
                math.floor(xmin / self.cell) * self.cell - self.cell,
                math.floor(ymin / self.cell) * self.cell - self.cell,
            )
            shape = (int(np.ceil((ymax - origin[1]) / self.cell)) + 2, int(np.ceil((xmax - origin[0]) / self.cell)) + 2)
        self.x0, self.y0 = float(origin[0]), float(origin[1])
        self.ny, self.nx = int(shape[0]), int(shape[1])
        self.sub_cell = self.cell / self.SUB
        t = self._build() if tables is None else tables
        #: level 1, flat (row-major): polygon index, -1 outside, -2 mixed
        self.owner_flat: np.ndarray = t["owner"]
        #: the mixed cells, ascending: cell ``mixed_cells[m]`` has sub-raster row ``m`` of ``sub``
        self.mixed_cells: np.ndarray = t["mixed_cells"]
        #: sub-rasters of the mixed cells, (mixed cells, SUB * SUB), row-major from the cell's lower-left corner
        self.sub: np.ndarray = t["sub"]
        #: bit ``k`` set when polygon ``k`` meets the mixed cell (the only polygons an exact test looks at)
        self.cand_mask: np.ndarray = t["cand_mask"]
        self._tiles: dict[tuple[int, int], list[tuple[int, shapely.Geometry]]] = {}
        self._reach: dict[tuple[int, int, float], shapely.Geometry | None] = {}

    # -- build ------------------------------------------------------------------------------------------

    def tables(self) -> dict[str, np.ndarray]:
        """The arrays that make the index (for :meth:`__init__`'s ``tables``; saved by ``scripts/build_index.py``)."""
        return {"owner": self.owner_flat, "mixed_cells": self.mixed_cells, "sub": self.sub, "cand_mask": self.cand_mask}

    def _boundary_points(self, k: int, step: float) -> np.ndarray:
        return shapely.get_coordinates(shapely.segmentize(self.polygons[k].boundary, step))

    def _build(self) -> dict[str, np.ndarray]:
        nx, ny, h, s = self.nx, self.ny, self.cell, self.SUB
        npoly = len(self.polygons)
        # cells each polygon's boundary may cross (level 1), polygon by polygon
        marks = [_mark(self._boundary_points(k, h / 2), self.x0, self.y0, h, nx, ny) for k in range(npoly)]
        mixed = np.zeros(ny * nx, dtype=bool)
        for m in marks:
            mixed[m] = True
        small = np.int8 if npoly < 127 else np.int16
        owner = np.full(ny * nx, -2, dtype=small)
        # a run of pure cells along a row lies on one side of every boundary: one exact test decides it
        rid, first = _runs(~mixed.reshape(ny, nx))
        cx = self.x0 + (first % nx + 0.5) * h
        cy = self.y0 + (first // nx + 0.5) * h
        run_owner = self.locate_exact(cx, cy)
        owner[rid >= 0] = run_owner[rid[rid >= 0]]
        cells = np.flatnonzero(mixed)
        mixed_id = np.full(ny * nx, -1, dtype=np.int32)
        mixed_id[cells] = np.arange(cells.size, dtype=np.int32)
        # the polygons that may meet a mixed cell: those whose boundary marked it (polygons do not overlap, so
        # a polygon meeting a cell some boundary crosses has its own boundary there)
        cand = np.zeros(cells.size, dtype=np.int64)
        for k, m in enumerate(marks):
            bit = np.int64(1) << np.int64(k) if k < 63 else np.int64(-1)
            cand[mixed_id[m]] |= bit
        # sub-rasters: the same on a lattice SUB times finer, kept for the mixed cells only
        snx, sny = nx * s, ny * s
        smixed = np.zeros((cells.size, s * s), dtype=bool)
        for k in range(npoly):
            g = _mark(self._boundary_points(k, self.sub_cell / 2), self.x0, self.y0, self.sub_cell, snx, sny)
            gx, gy = g % snx, g // snx
            m = mixed_id[(gy // s) * nx + gx // s]
            keep = m >= 0
            smixed[m[keep], (gy[keep] % s) * s + gx[keep] % s] = True
        sub = np.full(cells.size * s * s, -2, dtype=small)
        if cells.size:
            rid, first = _runs((~smixed).reshape(cells.size * s, s))
            mrow, within = first // (s * s), first % (s * s)
            sx = self.x0 + (cells[mrow] % nx) * h + (within % s + 0.5) * self.sub_cell
            sy = self.y0 + (cells[mrow] // nx) * h + (within // s + 0.5) * self.sub_cell
            sub_owner = self._locate_masked(sx, sy, cand[mrow])
            sub[rid >= 0] = sub_owner[rid[rid >= 0]]
        return {"owner": owner, "mixed_cells": cells.astype(np.int32), "sub": sub, "cand_mask": cand}

    # -- queries ----------------------------------------------------------------------------------------

    @property
    def owner(self) -> np.ndarray:
        """Level 1 as a (ny, nx) raster."""
        return self.owner_flat.reshape(self.ny, self.nx)

    def mixed_row(self, cells: np.ndarray) -> np.ndarray:
        """Row in ``sub`` of each of ``cells`` (mixed cells only)."""
        return self.mixed_rows[cells].astype(np.int64)  # widened: callers compute offsets from it

    @cached_property
    def mixed_rows(self) -> np.ndarray:
        """Per level-1 cell, its row in ``sub`` (one gather where a binary search would miss the cache at
        every step); stored as int16 when the rows fit."""
        rows = np.zeros(self.owner_flat.size, dtype=np.int16 if self.mixed_cells.size < 1 << 15 else np.int32)
        rows[self.mixed_cells] = np.arange(self.mixed_cells.size)
        return rows

    @cached_property
    def mixed_fraction(self) -> float:
        """Fraction of level-1 cells with a sub-raster."""
        return float((self.owner_flat == -2).mean())

    @cached_property
    def exact_fraction(self) -> float:
        """Fraction of the area (as cells) decided exactly: mixed sub-cells of mixed cells."""
        return float((self.sub == -2).sum() / (self.SUB * self.SUB) / self.owner_flat.size)

    def locate_exact(self, e: np.ndarray, n: np.ndarray) -> np.ndarray:
        """Exact answer with prepared geometry only (no raster): the reference ``locate`` must match."""
        e = np.asarray(e, dtype=float)
        n = np.asarray(n, dtype=float)
        return self._locate_masked(e, n, np.full(e.shape[0], -1, dtype=np.int64))

    def _locate_masked(self, e: np.ndarray, n: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Exact answer, testing polygon ``k`` only where bit ``k`` of ``mask`` is set."""
        out = np.full(e.shape[0], -1, dtype=np.int64)
        todo = np.ones(e.shape[0], dtype=bool)
        for test in (shapely.contains_xy, shapely.intersects_xy):
            for k, g in enumerate(self.polygons):
                idx = np.flatnonzero(todo & (((mask >> k) & 1) > 0)) if k < 64 else np.flatnonzero(todo)
                if idx.size == 0:
                    continue
                hit = test(g, e[idx], n[idx])
                out[idx[hit]] = k
                todo[idx[hit]] = False
        return out

    def cells_of(self, e: np.ndarray, n: np.ndarray) -> np.ndarray:
        """Flat level-1 cell of each point, -1 outside the raster (or not finite)."""
        fx = np.floor((e - self.x0) / self.cell)
        fy = np.floor((n - self.y0) / self.cell)
        inside = (fx >= 0) & (fx < self.nx) & (fy >= 0) & (fy < self.ny)
        return np.where(inside, fy * self.nx + fx, -1).astype(np.int64)

    def resolve_mixed(self, e: np.ndarray, n: np.ndarray, cells: np.ndarray) -> np.ndarray:
        """Owners of points lying in mixed cells ``cells``: from the sub-raster, else exactly."""
        m = self.mixed_row(cells)
        sx = np.floor((e - self.x0) / self.sub_cell).astype(np.int64) - (cells % self.nx) * self.SUB
        sy = np.floor((n - self.y0) / self.sub_cell).astype(np.int64) - (cells // self.nx) * self.SUB
        np.clip(sx, 0, self.SUB - 1, out=sx)
        np.clip(sy, 0, self.SUB - 1, out=sy)
        out = self.sub[m * (self.SUB * self.SUB) + sy * self.SUB + sx].astype(np.int64)
        exact = np.flatnonzero(out == -2)
        if exact.size:
            out[exact] = self._locate_masked(e[exact], n[exact], self.cand_mask[m[exact]])
        return out

    def locate(self, e: np.ndarray, n: np.ndarray) -> np.ndarray:
        e = np.asarray(e, dtype=float)
        n = np.asarray(n, dtype=float)
        cells = self.cells_of(e, n)
        out = np.where(cells >= 0, self.owner_flat[np.maximum(cells, 0)], -1).astype(np.int64)
        mixed = np.flatnonzero(out == -2)
        if mixed.size:
            out[mixed] = self.resolve_mixed(e[mixed], n[mixed], cells[mixed])
        return out

    @cached_property
    def _py(self) -> tuple[memoryview, memoryview, memoryview, memoryview]:
        return (
            np.ascontiguousarray(self.owner_flat).data,
            np.ascontiguousarray(self.mixed_cells).data,
            np.ascontiguousarray(self.sub).data,
            np.ascontiguousarray(self.cand_mask).data,
        )

    def locate_one(self, e: float, n: float) -> int:
        """Scalar :meth:`locate` without NumPy array overhead."""
        fx = (e - self.x0) / self.cell
        fy = (n - self.y0) / self.cell
        if not (0 <= fx < self.nx and 0 <= fy < self.ny):
            return -1
        ix, iy = int(fx), int(fy)
        cell = iy * self.nx + ix
        k = self._py[0][cell]
        if k != -2:
            return k
        return self.locate_one_mixed(e, n, cell)

    @cached_property
    def mixed_row_one(self) -> Callable[[int], int]:
        """``mixed_row_one(cell)``: the row in ``sub`` of mixed cell ``cell``, one point at a time (a read of
        :attr:`mixed_rows`)."""
        return np.ascontiguousarray(self.mixed_rows).data.__getitem__

    @cached_property
    def locate_one_mixed(self) -> Callable[..., int]:
        """``locate_one_mixed(e, n, cell, m=-1)``: scalar :meth:`resolve_mixed` for one point in mixed cell ``cell``
        (``m``: its row in ``sub``, when the caller has it).

        A sub-cell a boundary may cross is decided by the prepared tests, all the cell's polygons in one call;
        from the second point falling in it, by :func:`exact_owner` over the few edges meeting it, which leaves
        to the prepared tests only a point the floating-point tests cannot settle (on or within about 1e-11 m
        of an edge's line): the answers are the prepared tests' either way.
        """
        sub = self._py[2]
        s = self.SUB
        ss = s * s
        x0, y0, sub_cell, nx = self.x0, self.y0, self.sub_cell, self.nx
        floor = math.floor
        row_of = self.mixed_row_one
        tables: dict[int, ExactCell | bool | None] = {}
        build, prepared = self._exact_cell, self._prepared_one

        def locate_one_mixed(e: float, n: float, cell: int, m: int = -1) -> int:
            if m < 0:
                m = row_of(cell)
            sx = floor((e - x0) / sub_cell) - (cell % nx) * s
            sy = floor((n - y0) / sub_cell) - (cell // nx) * s
            sx = 0 if sx < 0 else s - 1 if sx >= s else sx
            sy = 0 if sy < 0 else s - 1 if sy >= s else sy
            j = m * ss + sy * s + sx
            k = sub[j]
            if k != -2:
                return k
            t = tables.get(j, _UNBUILT)
            if t is _UNBUILT:  # first point in the sub-cell: no table yet (a one-off point pays no build)
                if len(tables) >= _MAX_EXACT_CELLS:
                    tables.clear()
                t = tables[j] = False
            elif t is False:
                t = tables[j] = build(m, sy * s + sx)
            if t:
                got = exact_owner(t, e, n)  # type: ignore[arg-type]
                if got is not None:
                    return got
            return prepared(e, n, m)

        return locate_one_mixed

    @cached_property
    def _prepared_one(self) -> Callable[[float, float, int], int]:
        """``prepared_one(e, n, m)``: the exact answer in mixed row ``m`` with the prepared tests: the first polygon
        meeting the cell that contains the point, else the first that touches it, else -1. One call a test for
        all the cell's polygons (an array of them costs less to test than one polygon alone)."""
        cand = self._py[3]
        npoly = len(self.polygons)
        by_row: dict[int, tuple[np.ndarray, list[int]]] = {}
        contains_xy, intersects_xy = shapely.contains_xy, shapely.intersects_xy

        def prepared_one(e: float, n: float, m: int) -> int:
            got = by_row.get(m)
            if got is None:
                mask = cand[m]
                ids = [i for i in range(npoly) if i >= 64 or (mask >> i) & 1]
                got = by_row[m] = (np.array([self.polygons[i] for i in ids], dtype=object), ids)
            geoms, ids = got
            for test in (contains_xy, intersects_xy):
                hit = test(geoms, e, n).tolist()
                if True in hit:
                    return ids[hit.index(True)]
            return -1

        return prepared_one

    @cached_property
    def _edge_tree(self) -> tuple[shapely.STRtree, np.ndarray, np.ndarray] | None:
        """Every polygon's edges (:func:`ring_edges`) in an STRtree, with their ends and their polygon; None when a
        polygon is not valid (its points keep the prepared tests)."""
        parts = []
        for g in self.polygons:
            if g.geom_type not in ("Polygon", "MultiPolygon") or not shapely.is_valid(g):
                return None
            parts.append(ring_edges(g))
        edges = np.concatenate(parts)
        owner = np.repeat(np.arange(len(parts)), [p.shape[0] for p in parts])
        return shapely.STRtree(shapely.linestrings(edges.reshape(-1, 2, 2))), edges, owner

    def _exact_cell(self, m: int, j: int) -> ExactCell | None:
        """The :func:`exact_cell` table of sub-cell ``j`` of mixed row ``m`` (the polygons meeting its cell)."""
        got = self._edge_tree
        if got is None:
            return None
        tree, edges, owner = got
        cell = int(self.mixed_cells[m])
        s, h = self.SUB, self.sub_cell
        bx = self.x0 + ((cell % self.nx) * s + j % s) * h
        by = self.y0 + ((cell // self.nx) * s + j // s) * h
        pad = h / 4  # a point is placed in its sub-cell by a division: it may lie a rounding error outside
        box = (bx - pad, by - pad, bx + h + pad, by + h + pad)
        mask = int(self.cand_mask[m])
        ids = [i for i in range(len(self.polygons)) if i >= 64 or (mask >> i) & 1]
        near: dict[int, list[list[float]]] = {i: [] for i in ids}
        found = np.sort(tree.query(shapely.box(*box)))
        for i, edge in zip(owner[found].tolist(), edges[found].tolist()):
            if i in near:
                near[i].append(edge)
        geoms = np.array([self.polygons[i] for i in ids], dtype=object)
        return exact_cell(geoms, ids, [near[i] for i in ids], box)

    # -- area shares ------------------------------------------------------------------------------------

    def _piece(self, key: tuple[int, int]) -> list[tuple[int, shapely.Geometry]]:
        """The polygons cut to one tile: (polygon index, piece), cached."""
        pieces = self._tiles.get(key)
        if pieces is None:
            tx, ty = key
            tile = shapely.box(
                self.x0 + tx * self.TILE,
                self.y0 + ty * self.TILE,
                self.x0 + (tx + 1) * self.TILE,
                self.y0 + (ty + 1) * self.TILE,
            )
            pieces = []
            for i, g in enumerate(self.polygons):
                if g.intersects(tile):
                    piece = shapely.intersection(g, tile)
                    if not piece.is_empty:
                        shapely.prepare(piece)
                        pieces.append((i, piece))
            self._tiles[key] = pieces
        return pieces

    def clip(self, geom: shapely.Geometry, k: int) -> shapely.Geometry:
        """The part of ``geom`` in polygon ``k``, through polygon ``k``'s pieces in the tiles ``geom`` meets."""
        t = self.TILE
        x0, y0, x1, y1 = geom.bounds
        pieces = [
            piece
            for tx in range(int((x0 - self.x0) // t), int((x1 - self.x0) // t) + 1)
            for ty in range(int((y0 - self.y0) // t), int((y1 - self.y0) // t) + 1)
            for i, piece in self._piece((tx, ty))
            if i == k
        ]
        return shapely.intersection(geom, shapely.union_all(pieces)) if pieces else shapely.Polygon()

    def reach_near(self, bounds: tuple[float, float, float, float], reach: float) -> shapely.Geometry:
        """Everything within ``reach`` of the polygons, around ``bounds``: the union of the buffers of the tiles'
        pieces (each tile's buffer cached), over the tiles within ``reach`` of ``bounds``."""
        t = self.TILE
        x0, y0, x1, y1 = bounds
        parts = []
        for tx in range(int((x0 - reach - self.x0) // t), int((x1 + reach - self.x0) // t) + 1):
            for ty in range(int((y0 - reach - self.y0) // t), int((y1 + reach - self.y0) // t) + 1):
                key = (tx, ty, reach)
                got = self._reach.get(key)
                if got is None:
                    pieces = [piece for _i, piece in self._piece((tx, ty))]
                    got = shapely.buffer(shapely.union_all(pieces), reach, quad_segs=32) if pieces else None
                    if got is not None:
                        shapely.prepare(got)
                    self._reach[key] = got
                if got is not None:
                    parts.append(got)
        return shapely.union_all(parts) if parts else shapely.Polygon()

    def territory_near(self, bounds: tuple[float, float, float, float], reach: float) -> shapely.Geometry:
        """The union of the polygons cut to the tiles that meet ``bounds`` grown by ``reach``."""
        t = self.TILE
        x0, y0, x1, y1 = bounds
        pieces = [
            piece
            for tx in range(int((x0 - reach - self.x0) // t), int((x1 + reach - self.x0) // t) + 1)
            for ty in range(int((y0 - reach - self.y0) // t), int((y1 + reach - self.y0) // t) + 1)
            for _i, piece in self._piece((tx, ty))
        ]
        return shapely.union_all(pieces) if pieces else shapely.Polygon()

    #: a box meeting more level-1 cells than this is settled exactly rather than cell by cell
    PURE_MAX_CELLS = 4096

    def pure_owner(self, bounds: np.ndarray) -> np.ndarray:
        """For boxes (rows of xmin, ymin, xmax, ymax): the polygon owning every level-1 cell they meet, else -1."""
        b = np.asarray(bounds, dtype=float)
        out = np.full(b.shape[0], -1, dtype=np.int64)
        if b.shape[0] == 0:
            return out
        with np.errstate(invalid="ignore"):
            ix0 = np.floor((b[:, 0] - self.x0) / self.cell)
            iy0 = np.floor((b[:, 1] - self.y0) / self.cell)
            ix1 = np.floor((b[:, 2] - self.x0) / self.cell)
            iy1 = np.floor((b[:, 3] - self.y0) / self.cell)
        inside = (ix0 >= 0) & (iy0 >= 0) & (ix1 < self.nx) & (iy1 < self.ny)
        ix0, iy0, ix1, iy1 = (np.where(inside, v, 0).astype(np.int64) for v in (ix0, iy0, ix1, iy1))
        wide = ix1 - ix0 + 1
        ncell = np.where(inside, wide * (iy1 - iy0 + 1), 0)
        ncell[ncell > self.PURE_MAX_CELLS] = 0
        rows = np.flatnonzero(ncell > 0)
        if rows.size == 0:
            return out
        cnt = ncell[rows]
        box = np.repeat(np.arange(rows.size), cnt)
        local = np.arange(box.size) - np.repeat(np.cumsum(cnt) - cnt, cnt)
        r = rows[box]
        owner = self.owner_flat[(iy0[r] + local // wide[r]) * self.nx + ix0[r] + local % wide[r]].astype(np.int64)
        starts = np.cumsum(cnt) - cnt
        lo = np.minimum.reduceat(owner, starts)
        hi = np.maximum.reduceat(owner, starts)
        pure = (lo == hi) & (lo >= 0)
        out[rows[pure]] = lo[pure]
        return out

    def area_shares(self, polys: np.ndarray) -> np.ndarray:
        """Area of each polygon (EPSG:2326) inside each indexed polygon, as a fraction of its own area.

        Returns an array of shape (len(polys), number of indexed polygons). A lot whose bounding box lies in
        raster cells all owned by one polygon gets a share of exactly 1 with no geometry operation; the others
        are intersected with the indexed polygons cut into 2 km tiles.
        """
        polys = np.asarray(polys, dtype=object)
        out = np.zeros((polys.shape[0], len(self.polygons)))
        if polys.shape[0] == 0:
            return out
        b = shapely.bounds(polys)
        pure = self.pure_owner(b)
        rows = np.flatnonzero(pure >= 0)
        out[rows, pure[rows]] = 1.0
        todo = np.flatnonzero(pure < 0)
        if todo.size:
            out[todo] = self.exact_shares(polys[todo], b[todo])
        return out

    def exact_shares(self, polys: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
        """:meth:`area_shares` by intersection with the tile pieces, for every lot."""
        out = np.zeros((polys.shape[0], len(self.polygons)))
        if polys.shape[0] == 0:
            return out
        b = shapely.bounds(polys) if b is None else b
        t = self.TILE
        pair_row: list[int] = []
        pair_idx: list[int] = []
        pair_geom: list[shapely.Geometry] = []
        for r in range(polys.shape[0]):
            x0, y0, x1, y1 = b[r]
            for tx in range(int((x0 - self.x0) // t), int((x1 - self.x0) // t) + 1):
                for ty in range(int((y0 - self.y0) // t), int((y1 - self.y0) // t) + 1):
                    for i, piece in self._piece((tx, ty)):
                        pair_row.append(r)
                        pair_idx.append(i)
                        pair_geom.append(piece)
        if pair_row:
            rows_a = np.array(pair_row)
            geoms = np.array(pair_geom, dtype=object)
            lots = polys[rows_a]
            areas = np.zeros(rows_a.size)
            inside = shapely.contains(geoms, lots)  # prepared pieces: a lot wholly in a piece needs no overlay
            areas[inside] = shapely.area(lots[inside])
            part = np.flatnonzero(~inside & shapely.intersects(geoms, lots))
            areas[part] = shapely.area(shapely.intersection(lots[part], geoms[part]))
            np.add.at(out, (rows_a, np.array(pair_idx)), areas)
            lot_area = shapely.area(polys)
            out /= np.where(lot_area > 0, lot_area, 1.0)[:, None]
        return out


def locate_one_exact(polygons: list[shapely.Geometry], e: float, n: float) -> int:
    """Index of the polygon covering the point (first in order on a shared edge), or -1; prepared tests only."""
    for i, g in enumerate(polygons):
        if shapely.contains_xy(g, e, n):
            return i
    for i, g in enumerate(polygons):
        if shapely.intersects_xy(g, e, n):
            return i
    return -1


# -- one point, exactly, in plain Python -------------------------------------------------------------------

#: a floating-point orientation further from zero than this times the bound on its terms has the sign of the
#: exact one (the rounding error is below 4e-16 times that bound: Shewchuk's orient2d filter, with room to spare)
_ORIENT_TOL = 1e-12
#: reference points tried for a box, as fractions of its sides (the first one clear of every edge line is kept)
_REF_POINTS = ((0.5, 0.5), (0.382, 0.618), (0.618, 0.382), (0.236, 0.854), (0.854, 0.236), (0.146, 0.472))
#: exact-cell tables (and first visits) a grid keeps, about 1.5 kB each; past this many all are dropped
_MAX_EXACT_CELLS = 1 << 12
_UNBUILT = object()

#: ``(xmin, ymin, xmax, ymax, rx, ry, parts)``: a box, a reference point in it, and per polygon ``(id, inside at
#: the reference point, edges)``, each edge ``(ax, ay, bx - ax, by - ay, tol, side of the reference point,
#: ax - rx, ay - ry, bx - rx, by - ry, tol at a, tol at b)``
ExactCell = tuple[float, float, float, float, float, float, tuple[tuple[int, bool, tuple[tuple[float, ...], ...]], ...]]


def ring_edges(geom: shapely.Geometry) -> np.ndarray:
    """Every edge of every ring of a (multi)polygon: rows of ax, ay, bx, by; zero-length edges dropped."""
    rings = shapely.get_rings(shapely.get_parts(geom))
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    same = ring[1:] == ring[:-1]
    s = np.concatenate([xy[:-1][same], xy[1:][same]], axis=1)
    return s[(s[:, 0] != s[:, 2]) | (s[:, 1] != s[:, 3])]


def exact_cell(
    geoms: np.ndarray, ids: list[int], edges: list[list[list[float]]], box: tuple[float, float, float, float]
) -> ExactCell | None:
    """The table :func:`exact_owner` decides the points of ``box`` (xmin, ymin, xmax, ymax) with.

    ``geoms`` are valid polygons (an object array), numbered ``ids``; ``edges[i]`` holds every edge (ax, ay,
    bx, by) of ``geoms[i]`` that meets the box, and may hold more. A reference point R in the box, clear of
    every edge's line (each orientation test certain), takes its status from the prepared shapely tests; a
    point P of the box then has R's status, flipped once for each edge the segment RP crosses (all of them
    meet the box, which holds RP). None when no reference point is clear (the caller keeps the shapely tests).
    """
    x0, y0, x1, y1 = box
    tol_r = _ORIENT_TOL
    for fx, fy in _REF_POINTS:
        rx = x0 + fx * (x1 - x0)
        ry = y0 + fy * (y1 - y0)
        dx, dy = max(rx - x0, x1 - rx), max(ry - y0, y1 - ry)  # |P - R| for every P of the box
        parts: list[tuple[tuple[float, ...], ...]] = []
        for poly_edges in edges:
            rows = []
            for ax, ay, bx, by in poly_edges:
                abx, aby = bx - ax, by - ay
                # the terms of orient(a, b, P) for every P of the box are at most |abx| * my + |aby| * mx
                mx, my = max(abs(x0 - ax), abs(x1 - ax)), max(abs(y0 - ay), abs(y1 - ay))
                tol = tol_r * (abs(abx) * my + abs(aby) * mx)
                side = abx * (ry - ay) - aby * (rx - ax)
                if -tol <= side <= tol:
                    break  # R on (or next to) the edge's line
                rax, ray, rbx, rby = ax - rx, ay - ry, bx - rx, by - ry
                tol_a = tol_r * (dx * abs(ray) + dy * abs(rax))
                tol_b = tol_r * (dx * abs(rby) + dy * abs(rbx))
                rows.append((ax, ay, abx, aby, tol, 1.0 if side > 0 else -1.0, rax, ray, rbx, rby, tol_a, tol_b))
            else:
                parts.append(tuple(rows))
                continue
            break
        else:
            inside = shapely.contains_xy(geoms, rx, ry).tolist()
            if inside == shapely.intersects_xy(geoms, rx, ry).tolist():  # R is on no boundary
                return (x0, y0, x1, y1, rx, ry, tuple(zip(ids, inside, parts)))
    return None


def exact_owner(t: ExactCell, e: float, n: float) -> int | None:
    """The first polygon of an :func:`exact_cell` table holding the point (its id; -1 for none), or None when a
    floating-point test is not certain (the point on or next to an edge's line, or the segment from the
    reference point passing next to a vertex) or the point lies outside the table's box.

    A point on no edge is in a polygon's interior or exterior: this answer is then what the prepared
    ``contains_xy`` and ``intersects_xy`` both give.
    """
    x0, y0, x1, y1, rx, ry, parts = t
    if not (x0 <= e <= x1 and y0 <= n <= y1):
        return None
    px = e - rx
    py = n - ry
    for i, inside, edges in parts:
        for ax, ay, abx, aby, tol, side, rax, ray, rbx, rby, tol_a, tol_b in edges:
            d = (abx * (n - ay) - aby * (e - ax)) * side  # > 0: P on R's side of the edge's line
            if d > tol:
                continue
            if d >= -tol:
                return None
            oa = px * ray - py * rax  # a and b on either side of the line RP: RP crosses the edge
            ob = px * rby - py * rbx
            if oa > tol_a:
                if ob < -tol_b:
                    inside = not inside
                elif ob <= tol_b:
                    return None
            elif oa < -tol_a:
                if ob > tol_b:
                    inside = not inside
                elif ob >= -tol_b:
                    return None
            else:
                return None
        if inside:
            return i
    return -1
