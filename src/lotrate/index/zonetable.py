"""Per-cell zone states for points: most points read their zone answer from one gather.

:class:`ZoneTable` covers the zones (grown by their accuracy) with a raster of ``CELL``-metre cells. Each zone
gives each cell a state:

- 0: outside the zone, and no point of the cell is within the zone's accuracy of its edge;
- 1: inside, and no point of the cell is within the accuracy of the edge;
- 2 or 3: outside (2) or inside (3), some point of the cell may be within the accuracy of the edge;
- 4: the edge may cross the cell.

A cell whose states are all 0 or 1 is *static*: every point in it has the same answer, the set of zones in
state 1, stored as a small integer. The other cells are *dynamic*: a point there is tested against the zones
not in state 0, with an exact prepared test for state 4 and the exact distance to the edge (a
:class:`~lotrate.index.segments.SegmentIndex` over the zone's boundary) for states 2-4. Answers come back as
*entries* ``(zone, inside, near, metres)``, ``metres`` being the distance rounded to a whole metre (what the
notice prints), so that answers can be keyed by integers and their text built once per distinct key.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import cached_property

import numpy as np
import shapely

from lotrate.index.fused import CELL, fingerprint, lattice
from lotrate.index.segments import SegmentIndex, distance_one
from lotrate.index.store import pack, unpack

FORMAT = "lotrate-zone-table-3"
#: an entry packed in one integer of ENTRY_BITS bits: ((zone * 2 + inside) * 2 + near) << METRE_BITS | metres;
#: two entries fit in one int64 key
METRE_BITS = 20
ENTRY_BITS = 30
#: zones beyond this many, and distances beyond 2**METRE_BITS m, are keyed in Python (see ZoneIndex)
MAX_PACKED_ZONES = 1 << (ENTRY_BITS - METRE_BITS - 2)

Entry = tuple[int, bool, bool, int]


def boundary_segments(geom: shapely.Geometry) -> np.ndarray:
    """Rows of ax, ay, bx, by: every segment of every ring of a polygon (zero-length ones dropped)."""
    rings = shapely.get_rings(shapely.get_parts(geom))
    segs = []
    for r in rings:
        c = shapely.get_coordinates(r)
        s = np.concatenate([c[:-1], c[1:]], axis=1)
        segs.append(s[(s[:, 0] != s[:, 2]) | (s[:, 1] != s[:, 3])])
    return np.concatenate(segs) if segs else np.zeros((0, 4))


def unpack_entry(v: int) -> Entry:
    head, metres = v >> METRE_BITS, v & ((1 << METRE_BITS) - 1)
    return head >> 2, bool((head >> 1) & 1), bool(head & 1), metres


class ZoneTable:
    """Zone states per cell for a list of zone polygons (EPSG:2326) and their accuracies (m)."""

    def __init__(
        self,
        geoms: Sequence[shapely.Geometry],
        accuracy: Sequence[float],
        origin: tuple[float, float],
        shape: tuple[int, int],
        code: np.ndarray,
        dyn: np.ndarray,
        static_sets: list[list[int]],
        indexes: list[SegmentIndex | None],
        segs: np.ndarray | None = None,
        cand: np.ndarray | None = None,
        dyn_ptr: np.ndarray | None = None,
        dyn_cnt: np.ndarray | None = None,
    ) -> None:
        self.geoms = list(geoms)
        self.accuracy = [float(a) for a in accuracy]
        self.x0, self.y0 = float(origin[0]), float(origin[1])
        self.ny, self.nx = int(shape[0]), int(shape[1])
        self.cell = CELL
        #: per cell: a static set id (>= 0; 0 is "no zone"), or -1 - row of ``dyn``
        self.code = code
        #: per dynamic cell, the state (0-4) for each zone
        self.dyn = dyn
        self.static_sets = [tuple(s) for s in static_sets]
        self.indexes = indexes
        #: every zone's edge segments (ax, ay, bx, by), and per (dynamic cell, zone) the offset and count of the
        #: cell's candidates in ``cand`` (the zone's quadtree leaf holding the cell)
        self.segs = np.zeros((0, 4)) if segs is None else segs
        self.cand = np.zeros(0, dtype=np.int32) if cand is None else cand
        self.dyn_ptr = np.zeros(self.dyn.shape, dtype=np.int32) if dyn_ptr is None else dyn_ptr
        self.dyn_cnt = np.zeros(self.dyn.shape, dtype=np.uint8) if dyn_cnt is None else dyn_cnt
        ax, ay = self.segs[:, 0], self.segs[:, 1]
        dx, dy = self.segs[:, 2] - ax, self.segs[:, 3] - ay
        self._cols = (
            np.ascontiguousarray(ax),
            np.ascontiguousarray(ay),
            dx,
            dy,
            dx * dx + dy * dy,
            self.cand.astype(np.int64),
        )

    # -- build, save, load ----------------------------------------------------------------------------

    @classmethod
    def build(cls, geoms: Sequence[shapely.Geometry], accuracy: Sequence[float]) -> ZoneTable:
        nz = len(geoms)
        reach = max([0.0, *accuracy]) + 2 * CELL
        if nz == 0:
            return cls([], [], (0.0, 0.0), (1, 1), np.zeros(1, dtype=np.int32), np.zeros((0, 0), np.int8), [[]], [])
        grown = [shapely.box(*g.bounds).buffer(reach, join_style="mitre") for g in geoms]
        origin, shape = lattice(grown)
        ny, nx = shape
        states = np.zeros((nz, ny * nx), dtype=np.int8)
        indexes: list[SegmentIndex | None] = []
        zone_segs: list[np.ndarray] = []
        for i, (g, acc) in enumerate(zip(geoms, accuracy)):
            shapely.prepare(g)
            segs = boundary_segments(g)
            x0, y0, x1, y1 = g.bounds
            box = (x0 - acc - 2 * CELL, y0 - acc - 2 * CELL, x1 + acc + 2 * CELL, y1 + acc + 2 * CELL)
            indexes.append(
                SegmentIndex.build(
                    segs[:, 0], segs[:, 1], segs[:, 2], segs[:, 3], bounds=box, min_cell=CELL, max_leaf=1
                )
                if segs.shape[0]
                else None
            )
            zone_segs.append(segs)
            ix0 = max(int((box[0] - origin[0]) // CELL), 0)
            iy0 = max(int((box[1] - origin[1]) // CELL), 0)
            ix1 = min(int((box[2] - origin[0]) // CELL), nx - 1)
            iy1 = min(int((box[3] - origin[1]) // CELL), ny - 1)
            jx, jy = np.meshgrid(np.arange(ix0, ix1 + 1), np.arange(iy0, iy1 + 1))
            cells = (jy * nx + jx).ravel()
            bx = origin[0] + (cells % nx) * CELL
            by = origin[1] + (cells // nx) * CELL
            # from the distance of the cell's centre to the edge (every point of the cell is within half a
            # diagonal of it): the edge may cross the cell, or come within the accuracy of some point of it
            half = CELL * math.sqrt(0.5) * (1 + 1e-9) + 1e-6
            si = indexes[-1]
            d = si.nearest(bx + CELL / 2, by + CELL / 2)[0] if si is not None else np.full(cells.size, np.inf)
            crossed = d <= half
            band = crossed | ((d < acc + half) if acc > 0 else crossed)
            inside = shapely.contains_xy(g, bx + CELL / 2, by + CELL / 2)
            st = np.where(crossed, 4, np.where(band, np.where(inside, 3, 2), np.where(inside, 1, 0)))
            states[i, cells] = st
        static = (states <= 1).all(axis=0)
        bits = np.zeros(ny * nx, dtype=object if nz > 62 else np.int64)
        for i in range(nz):
            bits = bits + (states[i] == 1).astype(np.int64) * (1 << i)
        code = np.zeros(ny * nx, dtype=np.int32)
        uniq, inv = np.unique(np.where(static, bits, 0), return_inverse=True)
        # set id 0 is the empty set (np.unique sorts, and 0 is always present: the raster's margin)
        code[:] = inv.ravel()
        static_sets = [[i for i in range(nz) if (int(b) >> i) & 1] for b in uniq.tolist()]
        dcells = np.flatnonzero(~static)
        code[dcells] = -1 - np.arange(dcells.size, dtype=np.int32)
        dyn = np.ascontiguousarray(states[:, dcells].T)
        # candidate edge segments per (dynamic cell, zone) in the band: the zone quadtree's leaf lists
        seg_off = cand_off = 0
        cands = []
        dyn_ptr = np.zeros(dyn.shape, dtype=np.int64)
        dyn_cnt = np.zeros(dyn.shape, dtype=np.int64)
        for i, si in enumerate(indexes):
            if si is None:
                continue
            rows = np.flatnonzero(dyn[:, i] >= 2)
            cells = dcells[rows]
            leaf = si.leaf_of(origin[0] + (cells % nx + 0.5) * CELL, origin[1] + (cells // nx + 0.5) * CELL)
            if (leaf < 0).any():
                raise AssertionError("a band cell lies outside its zone's segment index")
            lp = np.asarray(si.leaf_ptr)
            dyn_ptr[rows, i] = lp[leaf] + cand_off
            dyn_cnt[rows, i] = lp[leaf + 1] - lp[leaf]
            cands.append(np.asarray(si.cand, dtype=np.int64) + seg_off)
            seg_off += si.n_segments
            cand_off += si.cand.size
        if dyn_cnt.max(initial=0) > 255:
            raise AssertionError("a cell has more than 255 candidate zone edge segments")
        segs_all = np.concatenate(zone_segs) if zone_segs else np.zeros((0, 4))
        cand = np.concatenate(cands).astype(np.int32) if cands else np.zeros(0, dtype=np.int32)
        return cls(
            geoms,
            accuracy,
            origin,
            shape,
            code,
            dyn,
            static_sets,
            indexes,
            segs_all,
            cand,
            dyn_ptr.astype(np.int32),
            dyn_cnt.astype(np.uint8),
        )

    def to_bytes(self, fp: str) -> bytes:
        arrays: dict[str, np.ndarray] = {
            "code": self.code,
            "dyn": self.dyn,
            "segs": self.segs,
            "cand": self.cand,
            "dyn_ptr": self.dyn_ptr,
            "dyn_cnt": self.dyn_cnt,
        }
        meta = {
            "format": FORMAT,
            "fingerprint": fp,
            "origin": [self.x0, self.y0],
            "shape": [self.ny, self.nx],
            "static_sets": [list(s) for s in self.static_sets],
            "zones": len(self.geoms),
        }
        return pack(meta, arrays)

    @classmethod
    def from_bytes(
        cls, data: bytes, geoms: Sequence[shapely.Geometry], accuracy: Sequence[float], fp: str
    ) -> ZoneTable | None:
        meta, arrays = unpack(data)
        if meta.get("format") != FORMAT or meta.get("fingerprint") != fp:
            return None
        return cls(
            geoms,
            accuracy,
            tuple(meta["origin"]),
            tuple(meta["shape"]),
            arrays["code"],
            arrays["dyn"],
            meta["static_sets"],
            [None] * int(meta["zones"]),
            arrays["segs"],
            arrays["cand"],
            arrays["dyn_ptr"],
            arrays["dyn_cnt"],
        )

    @staticmethod
    def fingerprint(geoms: Sequence[shapely.Geometry], accuracy: Sequence[float]) -> str:
        return fingerprint(list(geoms), FORMAT, CELL, [float(a) for a in accuracy])

    @property
    def nbytes(self) -> int:
        arrays = (self.code, self.dyn, self.segs, self.cand, self.dyn_ptr, self.dyn_cnt, *self._cols)
        return sum(a.nbytes for a in arrays)

    # -- batch -----------------------------------------------------------------------------------------

    def cells(self, e: np.ndarray, n: np.ndarray) -> np.ndarray:
        fx = np.fmin(np.fmax((e - self.x0) * (1.0 / self.cell), 0.0), self.nx - 1)
        fy = np.fmin(np.fmax((n - self.y0) * (1.0 / self.cell), 0.0), self.ny - 1)
        return fy.astype(np.int64) * self.nx + fx.astype(np.int64)

    def keys(self, e: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per point: the static set id (>= 0) or -1 (dynamic); for the dynamic points, their rows and packed
        entries (a (rows, slots) matrix, zones ascending, 0 for an unused slot)."""
        e = np.asarray(e, dtype=float)
        n = np.asarray(n, dtype=float)
        code = self.code[self.cells(e, n)].astype(np.int64)
        rows = np.flatnonzero(code < 0)
        if rows.size == 0:
            return code, rows, np.zeros((0, 1), dtype=np.int64)
        dr = -1 - code[rows]
        code[rows] = -1
        return code, rows, self.entries(e[rows], n[rows], dr)

    def fused_codes(self) -> np.ndarray:
        """One non-negative code a cell (the raster of :attr:`code`): its static set id, or
        ``len(static_sets)`` + its dynamic row."""
        code = self.code.astype(np.int64)
        return np.where(code >= 0, code, len(self.static_sets) - 1 - code)

    def entries(self, er: np.ndarray, nr: np.ndarray, dr: np.ndarray) -> np.ndarray:
        """Packed entries (rows, slots) of points ``er, nr`` lying in dynamic cells of rows ``dr``: one entry a
        zone the point is in or near, zones ascending, 0 for an unused slot."""
        from lotrate.index.kernels import zone_entries

        st = self.dyn[dr]  # (rows, zones)
        r, z = np.nonzero(st == 4)
        for i in np.unique(z).tolist():  # the edge crosses the cell: exactly, zone by zone
            sel = z == i
            inside = shapely.intersects_xy(self.geoms[i], er[r[sel]], nr[r[sel]])
            st[r[sel], i] = np.where(inside, 3, 2)  # in the band, inside or outside
        return zone_entries(
            np.ascontiguousarray(er, dtype=float),
            np.ascontiguousarray(nr, dtype=float),
            np.asarray(dr, dtype=np.int64),
            st,
            self.dyn_ptr,
            self.dyn_cnt,
            self._seg,
            self._cols[5],
            np.asarray(self.accuracy, dtype=float),
            METRE_BITS,
        )

    @cached_property
    def _seg(self) -> np.ndarray:
        """The edge segments one row each, as :class:`~lotrate.index.fused.RegionTable` keeps its own:
        ax, ay, bx, by, dx, dy, den, 0."""
        ax, ay, dx, dy, den, _cand = self._cols
        return np.ascontiguousarray(np.column_stack([ax, ay, self.segs[:, 2], self.segs[:, 3], dx, dy, den, 0 * ax]))

    @cached_property
    def _busy(self) -> np.ndarray:
        """Summed-area table of the cells with a zone within reach (any code but the empty static set 0)."""
        busy = (self.code != 0).reshape(self.ny, self.nx).astype(np.int32)
        sat = np.zeros((self.ny + 1, self.nx + 1), dtype=np.int32)
        sat[1:, 1:] = np.cumsum(np.cumsum(busy, axis=0), axis=1)
        return sat.ravel()

    def touches_zone(self, bounds: np.ndarray) -> np.ndarray:
        """For boxes (rows of xmin, ymin, xmax, ymax): whether any cell they meet has a zone within reach."""
        b = np.asarray(bounds, dtype=float)
        inv = 1.0 / self.cell
        with np.errstate(invalid="ignore"):
            ix0 = np.clip(np.floor((b[:, 0] - self.x0) * inv), 0, self.nx - 1).astype(np.int64)
            iy0 = np.clip(np.floor((b[:, 1] - self.y0) * inv), 0, self.ny - 1).astype(np.int64)
            ix1 = np.clip(np.floor((b[:, 2] - self.x0) * inv), 0, self.nx - 1).astype(np.int64)
            iy1 = np.clip(np.floor((b[:, 3] - self.y0) * inv), 0, self.ny - 1).astype(np.int64)
        s, w = self._busy, self.nx + 1
        count = s[(iy1 + 1) * w + ix1 + 1] - s[iy0 * w + ix1 + 1] - s[(iy1 + 1) * w + ix0] + s[iy0 * w + ix0]
        return count > 0

    # -- one point ---------------------------------------------------------------------------------------

    @cached_property
    def key_one(self) -> Callable[[float, float], int | tuple[Entry, ...]]:
        """:meth:`keys` for one point, ``key_one(e, n)``: a static set id, or the tuple of its entries
        (plain Python; the distances are :meth:`SegmentIndex.nearest_one`'s, equal to :meth:`keys`').

        ``key_one.row(e, n, row)`` gives the entries of a point known to lie in the dynamic cell of row ``row``
        (a fused word carries it). A row's zones, states and candidate segments are read once, on first use.
        """
        x0, y0, cell, nx, ny = self.x0, self.y0, self.cell, self.nx, self.ny
        code = np.ascontiguousarray(self.code).data
        dyn_states, dyn_ptr, dyn_cnt = self.dyn, self.dyn_ptr, self.dyn_cnt
        cand = self.cand
        ax, ay, dx, dy, den, _c = self._cols
        geoms, accuracy = self.geoms, self.accuracy
        # a zone tested one point at a time: prepared (as shapely's own one-point call would do), and held in a
        # one-element array, which costs less to test than the geometry alone
        ones: dict[int, np.ndarray] = {}
        rows: dict[int, list[tuple[int, int, float, tuple[tuple[float, ...], ...] | None, np.ndarray | None]]] = {}
        cap = (1 << METRE_BITS) - 1
        intersects_xy = shapely.intersects_xy
        inf = math.inf

        def dyn_row(row: int) -> list[tuple[int, int, float, tuple[tuple[float, ...], ...] | None, np.ndarray | None]]:
            """(zone, state, accuracy, candidate segments when the distance is wanted, the zone when its edge may
            cross the cell) of the zones not in state 0, read once a row."""
            st = dyn_states[row]
            out = []
            for i in np.flatnonzero(st).tolist():
                s = int(st[i])
                acc = accuracy[i]
                segs = None
                if s >= 2 and acc > 0:
                    lo = int(dyn_ptr[row, i])
                    sg = cand[lo : lo + int(dyn_cnt[row, i])]
                    segs = tuple(zip(*(col[sg].tolist() for col in (ax, ay, dx, dy, den))))
                one = None
                if s == 4:
                    one = ones.get(i)
                    if one is None:
                        shapely.prepare(geoms[i])
                        one = ones[i] = np.array([geoms[i]], dtype=object)
                out.append((i, s, acc, segs, one))
            rows[row] = out
            return out

        def key_row(e: float, n: float, row: int) -> tuple[Entry, ...]:
            entries = []
            zones = rows.get(row)
            for i, s, acc, segs, one in dyn_row(row) if zones is None else zones:
                inside = s == 1 or s == 3 or (one is not None and intersects_xy(one, e, n).tolist()[0])
                near, metres = False, 0
                if segs is not None:
                    dist = inf
                    for sx, sy, sdx, sdy, sden in segs:
                        dd = distance_one(e, n, sx, sy, sdx, sdy, sden)
                        if dd < dist:
                            dist = dd
                    if dist < acc:
                        near, metres = True, round(dist)  # half to even, as numpy.rint
                        if metres > cap:
                            metres = cap
                if inside or near:
                    entries.append((i, inside, near, metres))
            return tuple(entries)

        def key_one(e: float, n: float) -> int | tuple[Entry, ...]:
            fx = (e - x0) / cell
            fy = (n - y0) / cell
            if not (0 <= fx < nx and 0 <= fy < ny):
                return 0
            c = code[int(fy) * nx + int(fx)]
            if c >= 0:
                return c
            return key_row(e, n, -1 - c)

        key_one.row = key_row  # type: ignore[attr-defined]
        return key_one
