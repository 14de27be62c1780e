"""A raster index of polygons: a cell no boundary crosses answers from an array, a mixed cell exactly."""

from __future__ import annotations

from functools import cached_property

import numpy as np
import shapely


class GridIndex:
    """Locate points among non-overlapping polygons (EPSG:2326) through a raster of cells.

    ``locate(e, n)`` returns, per point, the index of the polygon covering it, or -1. Answers are
    identical to an exact prepared ``contains_xy`` test in polygon order, with boundary points going to
    the first polygon that touches them.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> idx = GridIndex([box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)], cell=100)
    >>> idx.locate(np.array([500.0, 1000.0, 1500.0, 5000.0]), np.array([500.0, 10.0, 500.0, 0.0])).tolist()
    [0, 0, 1, -1]
    """

    def __init__(self, polygons: list[shapely.Geometry], cell: float = 100.0) -> None:
        self.polygons = list(polygons)
        for g in self.polygons:
            shapely.prepare(g)
        xmin, ymin, xmax, ymax = shapely.total_bounds(np.array(self.polygons, dtype=object))
        self.cell = float(cell)
        self.x0 = float(xmin) - self.cell
        self.y0 = float(ymin) - self.cell
        self.nx = int(np.ceil((xmax - self.x0) / self.cell)) + 2
        self.ny = int(np.ceil((ymax - self.y0) / self.cell)) + 2
        self.owner = self._build()
        self._flat = self.owner.ravel()
        self._tiles: dict[tuple[int, int], list[tuple[int, shapely.Geometry]]] = {}

    def _build(self) -> np.ndarray:
        mixed = np.zeros((self.ny, self.nx), dtype=bool)
        for g in self.polygons:
            # every cell a boundary passes through holds a vertex of the boundary densified to half a
            # cell, or is next to one: mark those cells and their 8 neighbours as mixed
            pts = shapely.get_coordinates(shapely.segmentize(g.boundary, self.cell / 2))
            ix = ((pts[:, 0] - self.x0) / self.cell).astype(np.int64)
            iy = ((pts[:, 1] - self.y0) / self.cell).astype(np.int64)
            for dy in (-1, 0, 1):
                for dx in (-1, 0, 1):
                    mixed[np.clip(iy + dy, 0, self.ny - 1), np.clip(ix + dx, 0, self.nx - 1)] = True
        owner = np.full((self.ny, self.nx), -1, dtype=np.int16)
        iy, ix = np.nonzero(~mixed)
        cx = self.x0 + (ix + 0.5) * self.cell
        cy = self.y0 + (iy + 0.5) * self.cell
        for k, g in enumerate(self.polygons):
            hit = shapely.contains_xy(g, cx, cy)
            owner[iy[hit], ix[hit]] = k
        owner[mixed] = -2
        return owner

    #: side of the square tiles the polygons are cut into for area shares (m)
    TILE = 2000.0

    @cached_property
    def _sat(self) -> np.ndarray:
        """Summed-area tables of the raster, one per polygon: counts of cells it owns in any cell window."""
        k = len(self.polygons)
        sat = np.zeros((k, self.ny + 1, self.nx + 1), dtype=np.int32)
        for i in range(k):
            sat[i, 1:, 1:] = np.cumsum(np.cumsum(self.owner == i, axis=0), axis=1)
        return sat

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
                        pieces.append((i, piece))
            self._tiles[key] = pieces
        return pieces

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
        ix0 = np.floor((b[:, 0] - self.x0) / self.cell).astype(np.int64)
        iy0 = np.floor((b[:, 1] - self.y0) / self.cell).astype(np.int64)
        ix1 = np.floor((b[:, 2] - self.x0) / self.cell).astype(np.int64)
        iy1 = np.floor((b[:, 3] - self.y0) / self.cell).astype(np.int64)
        inside = (ix0 >= 0) & (iy0 >= 0) & (ix1 < self.nx) & (iy1 < self.ny)
        unsure = ~inside
        cx0, cy0 = np.clip(ix0, 0, self.nx - 1), np.clip(iy0, 0, self.ny - 1)
        cx1, cy1 = np.clip(ix1, 0, self.nx - 1), np.clip(iy1, 0, self.ny - 1)
        cells = (cx1 - cx0 + 1) * (cy1 - cy0 + 1)
        pure = np.full(polys.shape[0], -1, dtype=np.int64)
        for i in range(len(self.polygons)):
            s = self._sat[i]
            count = s[cy1 + 1, cx1 + 1] - s[cy0, cx1 + 1] - s[cy1 + 1, cx0] + s[cy0, cx0]
            pure[(count == cells) & inside] = i
        rows = np.flatnonzero(pure >= 0)
        out[rows, pure[rows]] = 1.0
        unsure |= pure < 0
        todo = np.flatnonzero(unsure)
        if todo.size == 0:
            return out
        t = self.TILE
        pair_row: list[int] = []
        pair_idx: list[int] = []
        pair_geom: list[shapely.Geometry] = []
        for r in todo:
            x0, y0, x1, y1 = b[r]
            for tx in range(int((x0 - self.x0) // t), int((x1 - self.x0) // t) + 1):
                for ty in range(int((y0 - self.y0) // t), int((y1 - self.y0) // t) + 1):
                    for i, piece in self._piece((tx, ty)):
                        pair_row.append(int(r))
                        pair_idx.append(i)
                        pair_geom.append(piece)
        if pair_row:
            rows_a = np.array(pair_row)
            areas = shapely.area(shapely.intersection(polys[rows_a], np.array(pair_geom, dtype=object)))
            np.add.at(out, (rows_a, np.array(pair_idx)), areas)
            lot_area = shapely.area(polys[todo])
            out[todo] /= np.where(lot_area > 0, lot_area, 1.0)[:, None]
        return out

    @cached_property
    def mixed_fraction(self) -> float:
        """Fraction of cells decided exactly rather than from the raster."""
        return float((self.owner == -2).mean())

    def locate_exact(self, e: np.ndarray, n: np.ndarray) -> np.ndarray:
        """Exact answer with prepared geometry only (no raster): the reference ``locate`` must match."""
        out = np.full(e.shape[0], -1, dtype=np.int64)
        todo = np.ones(e.shape[0], dtype=bool)
        for test in (shapely.contains_xy, shapely.intersects_xy):
            for k, g in enumerate(self.polygons):
                idx = np.flatnonzero(todo)
                if idx.size == 0:
                    return out
                hit = test(g, e[idx], n[idx])
                out[idx[hit]] = k
                todo[idx[hit]] = False
        return out

    def locate(self, e: np.ndarray, n: np.ndarray) -> np.ndarray:
        e = np.asarray(e, dtype=float)
        n = np.asarray(n, dtype=float)
        fx = np.floor((e - self.x0) / self.cell)
        fy = np.floor((n - self.y0) / self.cell)
        inside = (fx >= 0) & (fx < self.nx) & (fy >= 0) & (fy < self.ny)
        out = np.full(e.shape[0], -1, dtype=np.int64)
        cells = fy[inside].astype(np.int64) * self.nx + fx[inside].astype(np.int64)
        out[inside] = self._flat[cells]
        unsure = np.flatnonzero(out == -2)
        if unsure.size:
            out[unsure] = self.locate_exact(e[unsure], n[unsure])
        return out

    def locate_one(self, e: float, n: float) -> int:
        """Scalar :meth:`locate` without NumPy array overhead."""
        fx = (e - self.x0) / self.cell
        fy = (n - self.y0) / self.cell
        if not (0 <= fx < self.nx and 0 <= fy < self.ny):
            return -1
        k = int(self._flat[int(fy) * self.nx + int(fx)])
        if k != -2:
            return k
        return locate_one_exact(self.polygons, e, n)


def locate_one_exact(polygons: list[shapely.Geometry], e: float, n: float) -> int:
    """Index of the polygon covering the point (first in order on a shared edge), or -1; prepared tests only."""
    for i, g in enumerate(polygons):
        if shapely.contains_xy(g, e, n):
            return i
    for i, g in enumerate(polygons):
        if shapely.intersects_xy(g, e, n):
            return i
    return -1
