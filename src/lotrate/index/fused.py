"""One fused per-cell table for points: region, district and the boundary segments that can be nearest.

:class:`RegionTable` answers, for arrays of EPSG:2326 points or one point in plain Python, the region, the
district, the exact distance to the nearest other region and that region, from one gather per point in most
cases:

- a raster of ``CELL``-metre cells (the lattice of the region and district :class:`~lotrate.index.grid.GridIndex`)
  holds one 64-bit word per cell: region, district, a flag for "may lie within the layer accuracy of another
  region", and the cell's list of candidate boundary segments (offset and count into one array);
- a cell a region or district boundary may cross is settled by the grid's sub-raster (and an exact prepared
  test in the sub-cells a boundary may cross), then the candidate list of the region found is read from a
  small side table;
- the candidates of a cell are those of the :class:`~lotrate.index.segments.SegmentIndex` leaf holding it,
  built per region over the boundary that region shares with the others, with leaves no smaller than a cell:
  every point's nearest segment is in its leaf's list (the quadtree's pruning is sound), so the minimum of
  the point-to-segment distance over the list is the exact distance. About 1.2 candidates a point remain.

The vectorised path and the scalar path compute the distance with the same operations in the same order, so
they give the same float; ties go to the first candidate (the lowest segment id) in both.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from lotrate.index.grid import GridIndex
from lotrate.index.segments import SegmentIndex, distance_one
from lotrate.index.store import pack, unpack

if TYPE_CHECKING:
    pass

#: side of a level-1 cell (m): a power of two, so cells line up with the segment quadtrees' leaves
CELL = 64.0
#: word layout
_R_MIXED, _R_OUT = 255, 254
_NEAR_BIT = 1 << 24
#: bits 25-39: a zone code (see :meth:`RegionTable.with_zones`); bits 40-62: the offset of the candidates
_Z_SHIFT, _Z_MASK = 25, 0x7FFF
_PTR_SHIFT = 40
#: a word's region byte for a cell a region boundary may cross, and the flag "may be near another region"
REGION_MIXED = _R_MIXED
#: every zone code as itself (the zone codes of :meth:`RegionTable.answer` when no table is given)
_IDENTITY = np.arange(_Z_MASK + 1, dtype=np.int32)
NEAR_BIT = _NEAR_BIT
FORMAT = "lotrate-region-table-5"


#: stands for a region's segment quadtree in a table loaded from bytes (only its leaf lists are kept)
_BUILT: SegmentIndex = object()  # type: ignore[assignment]


def lattice(geoms: list[shapely.Geometry], cell: float = CELL) -> tuple[tuple[float, float], tuple[int, int]]:
    """Origin (a multiple of ``cell``, one cell below the data) and (rows, columns) covering ``geoms``."""
    xmin, ymin, xmax, ymax = shapely.total_bounds(np.array(geoms, dtype=object))
    x0 = math.floor(xmin / cell) * cell - cell
    y0 = math.floor(ymin / cell) * cell - cell
    return (x0, y0), (math.ceil((ymax - y0) / cell) + 2, math.ceil((xmax - x0) / cell) + 2)


def fingerprint(geoms: list[shapely.Geometry], *extra: object) -> str:
    """A digest of geometries (their WKB) and parameters: what a saved table was built from."""
    h = hashlib.sha256()
    for g in geoms:
        h.update(shapely.to_wkb(g, hex=False, output_dimension=2, byte_order=1))
    h.update(repr(extra).encode())
    return h.hexdigest()


def shared_segments(regions: list[shapely.Geometry], k: int) -> tuple[np.ndarray, np.ndarray]:
    """Segments of region ``k``'s boundary shared with another region: (rows of ax, ay, bx, by; owner ids)."""
    region = regions[k]
    boundary = region.boundary
    segs: list[np.ndarray] = []
    owners: list[np.ndarray] = []
    for m, other in enumerate(regions):
        if m == k or not region.intersects(other):
            continue
        shared = shapely.intersection(boundary, other)
        for line in shapely.get_parts(shapely.line_merge(shapely.get_parts(shared))):
            c = shapely.get_coordinates(line)
            if len(c) < 2:
                continue
            s = np.concatenate([c[:-1], c[1:]], axis=1)
            keep = (s[:, 0] != s[:, 2]) | (s[:, 1] != s[:, 3])
            segs.append(s[keep])
            owners.append(np.full(int(keep.sum()), m, dtype=np.int64))
    if not segs:
        return np.zeros((0, 4)), np.zeros(0, dtype=np.int64)
    return np.concatenate(segs), np.concatenate(owners)


def seg_distance(
    px: np.ndarray, py: np.ndarray, ax: np.ndarray, ay: np.ndarray, dx: np.ndarray, dy: np.ndarray, den: np.ndarray
) -> np.ndarray:
    """Point-to-segment distance (segment ``a`` to ``a + (dx, dy)``, ``den = dx**2 + dy**2 > 0``).

    :meth:`RegionTable.answer_one` repeats it operation for operation, so both give the same float:
    ``t = clamp(((p - a) . d) / den, 0, 1)``, then ``|p - a - t d|``.
    """
    wx = px - ax
    wy = py - ay
    t = wx * dx
    t += wy * dy
    t /= den
    np.maximum(t, 0.0, out=t)
    np.minimum(t, 1.0, out=t)
    ex = t * dx
    np.subtract(wx, ex, out=ex)
    ey = t * dy
    np.subtract(wy, ey, out=ey)
    ex *= ex
    ey *= ey
    ex += ey
    return np.sqrt(ex, out=ex)


def lot_edges(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every edge of every ring of the polygons: start points, end points and polygon position, sorted by it.

    A Polygon without holes is one ring: its coordinates are read in one pass; the others ring by ring.
    """
    simple = (shapely.get_type_id(geoms) == 3) & (shapely.get_num_interior_rings(geoms) == 0)
    xy, point_of = shapely.get_coordinates(geoms[simple], return_index=True)
    same = point_of[1:] == point_of[:-1]
    ea, eb = xy[:-1][same], xy[1:][same]
    el = np.flatnonzero(simple)[point_of[:-1][same]]
    other = np.flatnonzero(~simple)
    if other.size:
        parts, part_of = shapely.get_parts(geoms[other], return_index=True)
        rings, ring_of = shapely.get_rings(parts, return_index=True)
        xy, point_of = shapely.get_coordinates(rings, return_index=True)
        same = point_of[1:] == point_of[:-1]
        ea = np.concatenate([ea, xy[:-1][same]])
        eb = np.concatenate([eb, xy[1:][same]])
        el = np.concatenate([el, other[part_of[ring_of[point_of[:-1][same]]]]])
        order = np.argsort(el, kind="stable")
        ea, eb, el = ea[order], eb[order], el[order]
    return ea, eb, el


def segment_pair_distance(a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Distance between segments ``a``-``b`` and ``c``-``d`` (rows of x, y): 0 if they cross, else the least
    of the four end-point-to-segment distances."""

    def point_seg(p: np.ndarray, s0: np.ndarray, s1: np.ndarray) -> np.ndarray:
        v = s1 - s0
        den = v[:, 0] * v[:, 0] + v[:, 1] * v[:, 1]
        return seg_distance(p[:, 0], p[:, 1], s0[:, 0], s0[:, 1], v[:, 0], v[:, 1], np.where(den > 0, den, 1.0))

    def orient(p: np.ndarray, q: np.ndarray, r: np.ndarray) -> np.ndarray:
        return np.sign((q[:, 0] - p[:, 0]) * (r[:, 1] - p[:, 1]) - (q[:, 1] - p[:, 1]) * (r[:, 0] - p[:, 0]))

    out = np.minimum(
        np.minimum(point_seg(a, c, d), point_seg(b, c, d)), np.minimum(point_seg(c, a, b), point_seg(d, a, b))
    )
    cross = (orient(a, b, c) * orient(a, b, d) < 0) & (orient(c, d, a) * orient(c, d, b) < 0)
    out[cross] = 0.0
    return out


class RegionTable:
    """The fused table of a :class:`~lotrate.index.regions.RegionIndex` (build it with :meth:`build`)."""

    def __init__(
        self,
        region_grid: GridIndex,
        district_grid: GridIndex,
        segs: np.ndarray,
        seg_owner: np.ndarray,
        cand: np.ndarray,
        word: np.ndarray,
        mixed_ptr: np.ndarray,
        mixed_cnt: np.ndarray,
        indexes: list[SegmentIndex | None],
    ) -> None:
        self.region_grid = region_grid
        self.district_grid = district_grid
        self.x0, self.y0, self.cell = region_grid.x0, region_grid.y0, region_grid.cell
        self.nx, self.ny = region_grid.nx, region_grid.ny
        self.nregions = len(region_grid.polygons)
        #: segments, one row each: ax, ay, bx, by, dx, dy, den, 0
        ax, ay, bx, by = segs[:, 0], segs[:, 1], segs[:, 2], segs[:, 3]
        dx, dy = bx - ax, by - ay
        self.seg = np.ascontiguousarray(np.column_stack([ax, ay, bx, by, dx, dy, dx * dx + dy * dy, np.zeros_like(ax)]))
        self.segs = segs
        self.seg_owner = seg_owner
        self.cand = cand
        self.word = word
        self.mixed_ptr = mixed_ptr
        self.mixed_cnt = mixed_cnt
        self.indexes = indexes

    # -- build, save, load ----------------------------------------------------------------------------

    @classmethod
    def build(cls, regions: list[shapely.Geometry], districts: list[shapely.Geometry], accuracy: float) -> RegionTable:
        """Build the table from scratch (seconds; the built-in layers ship theirs in ``data/index/``)."""
        origin, shape = lattice(list(regions) + list(districts))
        rgrid = GridIndex(regions, CELL, origin=origin, shape=shape)
        dgrid = GridIndex(districts, CELL, origin=origin, shape=shape)
        indexes: list[SegmentIndex | None] = []
        seg_parts, owner_parts, cand_parts = [], [], []
        seg_off = cand_off = 0
        offsets = []
        for k in range(len(regions)):
            s, own = shared_segments(regions, k)
            offsets.append((seg_off, cand_off))
            if s.shape[0] == 0:
                indexes.append(None)
                continue
            x0, y0, x1, y1 = regions[k].bounds
            si = SegmentIndex.build(
                s[:, 0],
                s[:, 1],
                s[:, 2],
                s[:, 3],
                owner=own,
                bounds=(x0 - 3 * CELL, y0 - 3 * CELL, x1 + 3 * CELL, y1 + 3 * CELL),
                min_cell=CELL,
                max_leaf=1,
            )
            indexes.append(si)
            seg_parts.append(s)
            owner_parts.append(own)
            cand_parts.append(np.asarray(si.cand, dtype=np.int64) + seg_off)
            seg_off += s.shape[0]
            cand_off += si.cand.size
        segs = np.concatenate(seg_parts) if seg_parts else np.zeros((0, 4))
        seg_owner = np.concatenate(owner_parts) if owner_parts else np.zeros(0, dtype=np.int64)
        cand = np.concatenate(cand_parts).astype(np.int32) if cand_parts else np.zeros(0, dtype=np.int32)

        def lists(k: int, cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            si = indexes[k]
            if si is None or cells.size == 0:
                return np.zeros(cells.size, dtype=np.int64), np.zeros(cells.size, dtype=np.int64)
            cx = origin[0] + (cells % shape[1] + 0.5) * CELL
            cy = origin[1] + (cells // shape[1] + 0.5) * CELL
            leaf = si.leaf_of(cx, cy)
            if (leaf < 0).any():
                raise AssertionError("a cell of a region lies outside its segment index")
            lo = np.asarray(si.leaf_ptr)[leaf]
            cnt = np.asarray(si.leaf_ptr)[leaf + 1] - lo
            return lo + offsets[k][1], cnt

        rown = rgrid.owner_flat.astype(np.int64)
        down = dgrid.owner_flat.astype(np.int64)
        ptr = np.zeros(rown.size, dtype=np.int64)
        cnt = np.zeros(rown.size, dtype=np.int64)
        for k in range(len(regions)):
            cells = np.flatnonzero(rown == k)
            ptr[cells], cnt[cells] = lists(k, cells)
        ptr[cnt == 0] = 0
        mixed_cells = np.flatnonzero(rown == -2)
        mixed_ptr = np.zeros((mixed_cells.size, len(regions)), dtype=np.int64)
        mixed_cnt = np.zeros((mixed_cells.size, len(regions)), dtype=np.int64)
        m = rgrid.mixed_row(mixed_cells)
        for k in range(len(regions)):
            has = np.flatnonzero(((rgrid.cand_mask[m] >> k) & 1) > 0) if k < 64 else np.arange(m.size)
            mixed_ptr[m[has], k], mixed_cnt[m[has], k] = lists(k, mixed_cells[has])
        if max(int(cnt.max(initial=0)), int(mixed_cnt.max(initial=0))) > 255:
            raise AssertionError("a cell has more than 255 candidate segments")
        if cand.size >= 1 << (63 - _PTR_SHIFT):
            raise AssertionError("too many candidate segments for the fused word")
        word = cls._words(rown, down, ptr, cnt, np.zeros(rown.size, dtype=bool), cand)
        table = cls(
            rgrid, dgrid, segs, seg_owner, cand, word, mixed_ptr.astype(np.int32), mixed_cnt.astype(np.uint8), indexes
        )
        # the "near" flag: a pure cell whose centre lies within accuracy + half a diagonal of another region
        pure = np.flatnonzero(rown >= 0)
        cx = origin[0] + (pure % shape[1] + 0.5) * CELL
        cy = origin[1] + (pure // shape[1] + 0.5) * CELL
        dist, _ = table._nearest(cx, cy, ptr[pure], cnt[pure])
        near = np.ones(rown.size, dtype=bool)
        near[pure] = dist < accuracy + CELL * math.sqrt(0.5) + 1.0
        table.word = cls._words(rown, down, ptr, cnt, near, cand)
        return table

    @staticmethod
    def _words(
        rown: np.ndarray, down: np.ndarray, ptr: np.ndarray, cnt: np.ndarray, near: np.ndarray, cand: np.ndarray
    ) -> np.ndarray:
        """Fused words; a cell with one candidate holds the segment itself in place of the offset."""
        if cand.size:
            ptr = np.where(cnt == 1, cand[np.minimum(ptr, cand.size - 1)], ptr)
        r = np.where(rown == -2, _R_MIXED, np.where(rown < 0, _R_OUT, rown))
        d = np.where(down == -2, _R_MIXED, np.where(down < 0, _R_OUT, down))
        w = (
            r.astype(np.int64)
            | (d.astype(np.int64) << 8)
            | (cnt.astype(np.int64) << 16)
            | (ptr.astype(np.int64) << _PTR_SHIFT)
        )
        return w | np.where(near, _NEAR_BIT, 0).astype(np.int64)

    def to_bytes(
        self, fp: str, extra_meta: dict[str, Any] | None = None, extra_arrays: dict[str, np.ndarray] | None = None
    ) -> bytes:
        """The table as bytes (deterministic: the same layers always give the same bytes), with anything the
        caller stores beside it (``extra_meta`` in the header, ``extra_arrays`` prefixed ``x_``)."""
        arrays: dict[str, np.ndarray] = {}
        for name, grid in (("r", self.region_grid), ("d", self.district_grid)):
            for key, a in grid.tables().items():
                arrays[f"{name}_{key}"] = a
        arrays.update(
            segs=self.segs,
            seg_owner=self.seg_owner,
            cand=self.cand,
            word=self.word,
            mixed_ptr=self.mixed_ptr,
            mixed_cnt=self.mixed_cnt,
        )
        arrays["lonely"] = np.array([si is None for si in self.indexes], dtype=np.uint8)
        meta = {
            "format": FORMAT,
            "fingerprint": fp,
            "origin": [self.x0, self.y0],
            "shape": [self.ny, self.nx],
            "cell": self.cell,
            "regions": self.nregions,
            "extra": extra_meta or {},
        }
        for name, a in (extra_arrays or {}).items():
            arrays[f"x_{name}"] = a
        return pack(meta, arrays)

    @classmethod
    def from_bytes(
        cls, data: bytes, regions: list[shapely.Geometry], districts: list[shapely.Geometry], fp: str
    ) -> RegionTable | None:
        """Load a table saved by :meth:`to_bytes`, or None if it was built from other layers or another format."""
        meta, arrays = unpack(data)
        if meta.get("format") != FORMAT or meta.get("fingerprint") != fp:
            return None
        return cls.from_parts(meta, arrays, regions, districts)

    @classmethod
    def from_parts(
        cls,
        meta: dict[str, Any],
        arrays: dict[str, np.ndarray],
        regions: list[shapely.Geometry],
        districts: list[shapely.Geometry],
    ) -> RegionTable:
        """The table from an unpacked file (:func:`lotrate.index.store.unpack`) and the layers it was built from."""
        origin = (float(meta["origin"][0]), float(meta["origin"][1]))
        shape = (int(meta["shape"][0]), int(meta["shape"][1]))
        grids = []
        for name, polys in (("r", regions), ("d", districts)):
            t = {key: arrays[f"{name}_{key}"] for key in ("owner", "mixed_cells", "sub", "cand_mask")}
            grids.append(GridIndex(polys, float(meta["cell"]), origin=origin, shape=shape, tables=t))
        # the quadtrees themselves are not needed to answer (their leaf lists are in the table): a placeholder
        # marks the regions that have some
        indexes: list[SegmentIndex | None] = [None if lone else _BUILT for lone in arrays["lonely"].tolist()]
        return cls(
            grids[0],
            grids[1],
            arrays["segs"],
            arrays["seg_owner"],
            arrays["cand"],
            arrays["word"],
            arrays["mixed_ptr"],
            arrays["mixed_cnt"],
            indexes,
        )

    @property
    def nbytes(self) -> int:
        """Bytes held by the table's arrays (grids, segments, candidate lists, words)."""
        total = self.seg.nbytes + self.seg_owner.nbytes + self.cand.nbytes + self.word.nbytes
        total += self.mixed_ptr.nbytes + self.mixed_cnt.nbytes
        for g in (self.region_grid, self.district_grid):
            total += sum(a.nbytes for a in g.tables().values())
        return total

    # -- batch -----------------------------------------------------------------------------------------

    @cached_property
    def _cols(self) -> tuple[np.ndarray, ...]:
        """The segment table as contiguous columns: ax, ay, dx, dy, den; and the candidates as int64."""
        return (*(np.ascontiguousarray(self.seg[:, i]) for i in (0, 1, 4, 5, 6)), self.cand.astype(np.int64))

    @cached_property
    def _lonely(self) -> bool:
        return any(si is None for si in self.indexes) or self.cand.size == 0

    @cached_property
    def _owner(self) -> np.ndarray:
        """The region owning each segment (the nearest other region for a point whose nearest segment it is)."""
        return self.seg_owner.astype(np.int64)

    def _nearest(self, e: np.ndarray, n: np.ndarray, ptr: np.ndarray, cnt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Exact nearest candidate among ``cand[ptr:ptr + cnt]`` of each point: distance and its owner (the
        nearest other region); NaN and -1 where ``cnt`` is 0. The first candidate reaching the least wins, as in
        :meth:`answer_one`."""
        from lotrate.index.kernels import nearest_listed

        cand = self._cols[5]
        dist, at = nearest_listed(
            np.ascontiguousarray(e, dtype=float),
            np.ascontiguousarray(n, dtype=float),
            np.asarray(ptr, dtype=np.int64),
            np.asarray(cnt, dtype=np.int64),
            self.seg,
            cand,
        )
        near = np.full(dist.shape[0], -1, dtype=np.int64)
        some = at >= 0
        near[some] = self.seg_owner[cand[at[some]]]
        return dist, near

    def cells(self, e: np.ndarray, n: np.ndarray) -> np.ndarray:
        """Flat cell of each point; a point off the raster (or not finite) gets a border cell, which is outside
        every region (the raster has a margin of one cell)."""
        fx = e - self.x0
        fx *= 1.0 / self.cell
        np.fmax(fx, 0.0, out=fx)  # fmax/fmin also send NaN to the border
        np.fmin(fx, self.nx - 1, out=fx)
        fy = n - self.y0
        fy *= 1.0 / self.cell
        np.fmax(fy, 0.0, out=fy)
        np.fmin(fy, self.ny - 1, out=fy)
        c = fy.astype(np.int64)
        c *= self.nx
        c += fx.astype(np.int64)
        return c

    def with_zones(
        self, zone_codes: np.ndarray, origin: tuple[float, float], shape: tuple[int, int]
    ) -> np.ndarray | None:
        """The fused words with a zone code in bits 25-39: ``zone_codes`` is a (rows, columns) raster of codes
        (below 2**15; 0 where no zone is within reach) on the same lattice of ``CELL``-metre cells from
        ``origin``. None if the lattices do not line up or a code does not fit."""
        ox = (origin[0] - self.x0) / self.cell
        oy = (origin[1] - self.y0) / self.cell
        if ox != int(ox) or oy != int(oy) or (zone_codes.size and (zone_codes.min() < 0 or zone_codes.max() > _Z_MASK)):
            return None
        ox, oy = int(ox), int(oy)
        zny, znx = shape
        codes = np.asarray(zone_codes).reshape(zny, znx)
        word = self.word.copy().reshape(self.ny, self.nx)
        # the window where the two rasters overlap
        x0, x1 = max(ox, 0), min(ox + znx, self.nx)
        y0, y1 = max(oy, 0), min(oy + zny, self.ny)
        if x0 < x1 and y0 < y1:
            word[y0:y1, x0:x1] |= codes[y0 - oy : y1 - oy, x0 - ox : x1 - ox].astype(np.int64) << _Z_SHIFT
        return word.ravel()

    @cached_property
    def code_dtype(self) -> np.dtype[Any]:
        """The integer type of region, district and nearest-region ids in a batch answer: int8 when they fit
        (they become categorical codes as they are), else int16."""
        return np.dtype(np.int8 if max(self.nregions, len(self.district_grid.polygons)) < 127 else np.int16)

    def answer(
        self,
        e: np.ndarray,
        n: np.ndarray,
        distances: bool = True,
        word: np.ndarray | None = None,
        zone_lut: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Region (-1 outside), district (-1 none), distance to the nearest other region (inf with none;
        NaN outside, or where not asked) and that region (-1) for EPSG:2326 arrays, and the zone code of each
        point's cell when ``word`` is a :meth:`with_zones` array (else zeros: the table's own words hold no
        zone), read through ``zone_lut`` when given (int32). With ``distances=False`` the distance is computed
        only in cells flagged as possibly within the layer accuracy of another region. Ids are
        :attr:`code_dtype` integers.

        One compiled pass (:func:`lotrate.index.kernels.region_answer`) reads each point's fused word, the
        sub-raster of a cell a boundary may cross, and measures the candidates; points in a sub-cell a boundary
        crosses are settled together afterwards, exactly.
        """
        from lotrate.index.kernels import region_answer

        e = np.ascontiguousarray(e, dtype=float)
        n = np.ascontiguousarray(n, dtype=float)
        size = e.shape[0]
        small = self.code_dtype
        rg, dg = self.region_grid, self.district_grid
        k = np.empty(size, dtype=small)
        d = np.empty(size, dtype=small)
        near = np.empty(size, dtype=small)
        dist = np.empty(size)
        zone = np.empty(size, dtype=np.int32)
        region_answer(
            e,
            n,
            self.word if word is None else word,
            self.x0,
            self.y0,
            1.0 / self.cell,
            self.nx,
            self.ny,
            self.seg,
            self._cols[5],
            self._owner,
            distances,
            _NEAR_BIT,
            _Z_SHIFT,
            _Z_MASK,
            _PTR_SHIFT,
            _IDENTITY if zone_lut is None else zone_lut,
            rg.sub_cell,
            rg.SUB,
            rg.mixed_rows,
            rg.sub,
            self.mixed_ptr,
            self.mixed_cnt,
            dg.mixed_rows,
            dg.sub,
            k,
            d,
            dist,
            near,
            zone,
        )
        # points in sub-cells a boundary crosses (0.3 % of the area): exact tests, then their region's candidates
        mixed = np.flatnonzero(k == -2)
        if mixed.size:
            em, nm = e[mixed], n[mixed]
            cm = self.cells(em, nm)
            km = self.region_grid.resolve_mixed(em, nm, cm)
            k[mixed] = km
            inside = np.flatnonzero(km >= 0)
            if inside.size:
                mid = self.region_grid.mixed_row(cm[inside])
                kin = km[inside]
                ptr = self.mixed_ptr[mid, kin].astype(np.int64)
                cnt = self.mixed_cnt[mid, kin].astype(np.int64)
                ptr[cnt == 0] = 0
                rows = mixed[inside]
                dist[rows], near[rows] = self._nearest(em[inside], nm[inside], ptr, cnt)
        dmixed = np.flatnonzero(d == -2)
        if dmixed.size:
            em, nm = e[dmixed], n[dmixed]
            d[dmixed] = self.district_grid.resolve_mixed(em, nm, self.cells(em, nm))
            d[dmixed[k[dmixed] < 0]] = -1
        if distances and self._lonely:  # a region sharing no boundary: its points are infinitely far
            far = np.flatnonzero((near < 0) & (k >= 0))
            dist[far] = np.inf
        return k, d, dist, near, zone

    # -- lots ------------------------------------------------------------------------------------------

    def lot_distances(self, geoms: np.ndarray, region: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Exact distance from each polygon (EPSG:2326, lying in region ``region[i]``) to the nearest other
        region, and that region (inf, -1 with none).

        The candidates of a lot are those of the cells its bounding box meets (for its own region: every
        point's nearest segment is among them), so the minimum over the lot's edges and those segments of the
        segment-to-segment distance is exact.
        """
        geoms = np.asarray(geoms, dtype=object)
        region = np.asarray(region, dtype=np.int64)
        size = geoms.shape[0]
        dist = np.full(size, np.inf)
        near = np.full(size, -1, dtype=np.int64)
        if size == 0 or self.cand.size == 0:
            return dist, near
        b = shapely.bounds(geoms)
        inv = 1.0 / self.cell
        cx0 = np.clip(np.floor((b[:, 0] - self.x0) * inv), 0, self.nx - 1).astype(np.int64)
        cy0 = np.clip(np.floor((b[:, 1] - self.y0) * inv), 0, self.ny - 1).astype(np.int64)
        cx1 = np.clip(np.floor((b[:, 2] - self.x0) * inv), 0, self.nx - 1).astype(np.int64)
        cy1 = np.clip(np.floor((b[:, 3] - self.y0) * inv), 0, self.ny - 1).astype(np.int64)
        wide = cx1 - cx0 + 1
        ncell = wide * (cy1 - cy0 + 1)
        lot = np.repeat(np.arange(size), ncell)
        local = np.arange(lot.size) - np.repeat(np.cumsum(ncell) - ncell, ncell)
        cell = (cy0[lot] + local // wide[lot]) * self.nx + cx0[lot] + local % wide[lot]
        w = self.word[cell]
        kc = w & 0xFF
        kl = region[lot]
        cnt = np.where(kc == kl, (w >> 16) & 0xFF, 0)
        ptr = np.where(kc == kl, w >> _PTR_SHIFT, 0)
        single = cnt == 1  # the word holds the segment itself
        mixed = np.flatnonzero(kc == _R_MIXED)
        if mixed.size:
            m = self.region_grid.mixed_row(cell[mixed])
            ptr[mixed] = self.mixed_ptr[m, kl[mixed]]
            cnt[mixed] = self.mixed_cnt[m, kl[mixed]]
            single[mixed] = False
        # (lot, segment) pairs, without repeats
        pl = np.repeat(lot, cnt)
        pos = np.arange(pl.size) - np.repeat(np.cumsum(cnt) - cnt, cnt) + np.repeat(ptr, cnt)
        segs = np.where(
            np.repeat(single, cnt), np.repeat(ptr, cnt), self._cols[5][np.where(np.repeat(single, cnt), 0, pos)]
        )
        nseg = self.seg.shape[0]
        key = np.unique(pl * nseg + segs)
        pl, ps = key // nseg, key % nseg
        ea, eb, el = lot_edges(geoms)
        e_start = np.searchsorted(el, np.arange(size))
        e_cnt = np.searchsorted(el, np.arange(size), side="right") - e_start
        s_start = np.searchsorted(pl, np.arange(size))
        s_cnt = np.searchsorted(pl, np.arange(size), side="right") - s_start
        # every edge of a lot against every candidate of that lot
        per = e_cnt * s_cnt
        lot2 = np.repeat(np.arange(size), per)
        i = np.arange(lot2.size) - np.repeat(np.cumsum(per) - per, per)
        sc = s_cnt[lot2]
        ei = e_start[lot2] + i // np.maximum(sc, 1)
        si = ps[s_start[lot2] + i % np.maximum(sc, 1)]
        d = segment_pair_distance(ea[ei], eb[ei], self.segs[si, :2], self.segs[si, 2:])
        has = np.flatnonzero(per > 0)
        starts = (np.cumsum(per) - per)[has]
        vmin = np.minimum.reduceat(d, starts)
        first = np.minimum.reduceat(np.where(d == np.repeat(vmin, per[has]), np.arange(d.size), d.size), starts)
        dist[has] = vmin
        near[has] = self.seg_owner[si[first]]
        return dist, near

    # -- one point, plain Python -----------------------------------------------------------------------

    @cached_property
    def py_segments(self) -> list[tuple[float, float, float, float, float, int]]:
        """The segments as Python tuples (ax, ay, dx, dy, den, nearest region), for the one-point path."""
        cols = self.seg[:, [0, 1, 4, 5, 6]].tolist()
        return [(*row, int(o)) for row, o in zip(cols, self.seg_owner.tolist())]

    @cached_property
    def answer_one(self) -> Callable[[float, float], tuple[int, int, float, int]]:
        """:meth:`answer` for one point, ``answer_one(e, n) -> (region, district, distance, nearest region)``:
        plain Python over the same tables (memoryviews and lists, no NumPy scalars), the same floats.

        A function built on first use, with the tables bound as local names.
        """
        x0, y0, cell, nx, ny = self.x0, self.y0, self.cell, self.nx, self.ny
        word = np.ascontiguousarray(self.word).data
        cand = np.ascontiguousarray(self.cand).data
        segs = self.py_segments
        nreg = self.nregions
        region_row = self.region_grid.mixed_row_one
        mptr = np.ascontiguousarray(self.mixed_ptr).ravel().data
        mcnt = np.ascontiguousarray(self.mixed_cnt).ravel().data
        region_mixed = self.region_grid.locate_one_mixed
        district_mixed = self.district_grid.locate_one_mixed
        inf, nan = math.inf, math.nan

        def answer_one(e: float, n: float) -> tuple[int, int, float, int]:
            fx = (e - x0) / cell
            fy = (n - y0) / cell
            if not (0 <= fx < nx and 0 <= fy < ny):
                return -1, -1, nan, -1
            c = int(fy) * nx + int(fx)
            w = word[c]
            k = w & 0xFF
            if k < _R_OUT:
                cnt = (w >> 16) & 0xFF
                ptr = w >> _PTR_SHIFT
                if cnt == 1:  # the word holds the segment itself
                    ax, ay, dx, dy, den, own = segs[ptr]
                    d = (w >> 8) & 0xFF
                    if d >= _R_OUT:
                        d = -1 if d == _R_OUT else district_mixed(e, n, c)
                    return k, d, distance_one(e, n, ax, ay, dx, dy, den), own
            elif k == _R_OUT:
                return -1, -1, nan, -1
            else:
                m = region_row(c)
                k = region_mixed(e, n, c, m)
                if k < 0:
                    return -1, -1, nan, -1
                j = m * nreg + k
                ptr = mptr[j]
                cnt = mcnt[j]
            d = (w >> 8) & 0xFF
            if d >= _R_OUT:
                d = -1 if d == _R_OUT else district_mixed(e, n, c)
            best = inf
            near = -1
            for j in range(ptr, ptr + cnt):
                ax, ay, dx, dy, den, own = segs[cand[j]]
                dd = distance_one(e, n, ax, ay, dx, dy, den)
                if dd < best:
                    best, near = dd, own
            return k, d, best, near

        return answer_one
