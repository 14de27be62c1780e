"""Special zones that take a lot out of PN 12/2023's standard rates, and an index to find them.

Three kinds (PN 12/2023 para 6 note; HKSTP IE2.0):

- ``NDA``: New Development Areas; the NDA standard rates under LandsD's relevant Practice Note apply.
- ``PILOT_SCHEME``: the Pilot Scheme Areas for development of agricultural land in the New Territories outside
  the NDAs; the Pilot Scheme's own zone rates apply.
- ``INDUSTRIAL_ESTATE``: HKSTP's Industrial Estates (INNOPARKs); estate land under HKSTP's IE regime, not an
  industrial lot under the scheme.

The built-in layers under ``data/zones/`` are documented approximations (``status="approximate"``); a user
with an official boundary replaces a layer by kind with :meth:`ZoneIndex.from_files`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import shapely

from lotrate import messages
from lotrate._data import data_path
from lotrate.errors import LayerError
from lotrate.index.regions import accuracy_value, read_polygon_layer
from lotrate.index.store import read_cached, write_cached
from lotrate.index.zonetable import ENTRY_BITS, Entry, ZoneTable, unpack_entry
from lotrate.results import Notice, ZoneHit

KINDS = messages.ZONE_KINDS
#: the precomputed zone states of the built-in layers (``scripts/build_index.py``)
ZONE_TABLE_FILE = "zones.bin"
BUILTIN_FILES = {
    "NDA": "nda.geojson",
    "PILOT_SCHEME": "pilot_scheme.geojson",
    "INDUSTRIAL_ESTATE": "industrial_estates.geojson",
}


@dataclass(frozen=True)
class Zone:
    """One zone of a loaded layer (geometry in EPSG:2326)."""

    kind: str
    name: str
    status: str
    accuracy_m: float
    source: str
    geometry: shapely.Geometry
    #: the layer it came from: "built-in", the file's path, or "in memory" (not part of a zone's identity)
    layer: str = field(default="in memory", compare=False)

    def hit(self, share: float | None = None) -> ZoneHit:
        return ZoneHit(self.kind, self.name, self.status, share, self.accuracy_m, self.source)


STATUSES = ("approximate", "official")


def _load_zones(path: Path, expected: str | None = None) -> list[Zone]:
    """Read and validate one zone layer; every property that changes an answer is checked.

    ``kind`` must be one of :data:`KINDS` (and ``expected`` when given), ``name`` non-empty, ``status`` one
    of :data:`STATUSES` (empty means "official"), ``accuracy_m`` a finite number 0 or more (empty means 0),
    every geometry a polygon in Hong Kong. A layer with no zones is an error: it would silently keep nothing.
    """
    props, geoms = read_polygon_layer(path)
    if not props:
        raise LayerError(
            f"no zones in {path}: the layer has no features; give one polygon per zone with kind and name, "
            "or leave out --zones to use the built-in layers"
        )
    builtin = path.resolve().parent == data_path("zones").resolve()
    layer = messages.BUILT_IN if builtin else str(path)
    zones = []
    for i, (p, g) in enumerate(zip(props, geoms), start=1):
        kind, name = p.get("kind"), p.get("name")
        if kind is None or kind == "" or name is None or (isinstance(name, str) and not name.strip()):
            missing = "kind" if kind is None or kind == "" else "name"
            raise LayerError(f"{path.name}: feature {i} has no '{missing}' property; every zone needs kind and name")
        if kind not in KINDS:
            raise LayerError(f"{path.name}: feature {i} ({name}) has kind={kind!r}; expected one of {', '.join(KINDS)}")
        if expected is not None and kind != expected:
            raise LayerError(f"{path.name}: feature {i} ({name}) is {kind}, but this file holds {expected} zones")
        where = f"{path.name}: feature {i} ({name})"
        raw_status = p.get("status")
        status = "official" if raw_status is None or raw_status == "" else raw_status
        if not isinstance(status, str) or status.strip().lower() not in STATUSES:
            raise LayerError(f"{where} has status={raw_status!r}; expected one of {', '.join(STATUSES)}")
        accuracy = accuracy_value(p.get("accuracy_m"), where)
        if g is None or g.geom_type not in ("Polygon", "MultiPolygon") or g.is_empty:
            gtype = "feature with no geometry" if g is None else ("empty " if g.is_empty else "") + g.geom_type
            raise LayerError(f"{path.name}: zone {name!r} is a {gtype}, not a polygon")
        if not g.is_valid:
            g = shapely.make_valid(g)
        xmin, ymin, xmax, ymax = g.bounds
        if not (xmin >= 799_000 and xmax <= 870_000 and ymin >= 799_000 and ymax <= 848_000):
            raise LayerError(f"{path.name}: zone {name!r} lies outside Hong Kong as read; check the file's CRS")
        zones.append(
            Zone(
                str(kind),
                str(name),
                status.strip().lower(),
                accuracy,
                str(p.get("source") or path.name),
                g,
                layer,
            )
        )
    return zones


class ZoneIndex:
    """An immutable index over the special-zone layers.

    Examples
    --------
    >>> idx = ZoneIndex.default()
    >>> hits, notes = idx.point_hits(836_900.0, 835_280.0)  # Tai Po INNOPARK, HK1980 Grid
    >>> [(h.kind, h.name) for h in hits]
    [('INDUSTRIAL_ESTATE', 'Tai Po INNOPARK')]
    """

    _default: ZoneIndex | None = None

    def __init__(self, zones: list[Zone]) -> None:
        self.zones = list(zones)
        for z in self.zones:
            shapely.prepare(z.geometry)
        self._boundaries = [z.geometry.boundary for z in self.zones]
        # bounding boxes grown by each zone's accuracy: outside them a point is neither in nor near the zone
        self._boxes = [
            (x0 - z.accuracy_m, y0 - z.accuracy_m, x1 + z.accuracy_m, y1 + z.accuracy_m)
            for z in self.zones
            for x0, y0, x1, y1 in [z.geometry.bounds]
        ]
        self._hit = [z.hit() for z in self.zones]
        self._in_note = [messages.in_zone(z.kind, z.name) for z in self.zones]
        self._table: ZoneTable | None = None
        #: every distinct point answer met so far (hits, notices), keyed by entries; text built once a key
        self.answer_list: list[tuple[tuple[ZoneHit, ...], tuple[Notice, ...]]] = []
        self._answers: dict[tuple[Entry, ...], int] = {}
        self._single: tuple[np.ndarray, np.ndarray] = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
        self._rows: dict[tuple[int, ...], int] = {}
        self._lot_notes: dict[tuple[int, str, bool, str], Notice] = {}

    @classmethod
    def default(cls) -> ZoneIndex:
        """The three built-in layers (``data/zones/``), loaded once per process."""
        if cls._default is None:
            zones = []
            for kind, name in BUILTIN_FILES.items():
                zones += _load_zones(data_path("zones", name), expected=kind)
            cls._default = cls(zones)
        return cls._default

    @classmethod
    def empty(cls) -> ZoneIndex:
        return cls([])

    @classmethod
    def from_files(cls, *paths: str | os.PathLike[str], base: ZoneIndex | None = None) -> ZoneIndex:
        """Replace the layers of ``base`` (default: the built-in index) by kind with the zones in ``paths``.

        Each file may be GeoJSON (WGS 84, or a legacy ``crs`` member) or anything pyogrio reads, in any CRS.
        Every feature needs ``kind`` and ``name``; ``status`` defaults to "official", ``accuracy_m`` to 0.
        """
        base = cls.default() if base is None else base
        new: list[Zone] = []
        for path in paths:
            new += _load_zones(Path(path))
        replaced = {z.kind for z in new}
        return cls([z for z in base.zones if z.kind not in replaced] + new)

    def features(self) -> list[tuple[ZoneHit, shapely.Geometry]]:
        """Every zone as a (ZoneHit, EPSG:2326 geometry) pair, for maps."""
        return [(z.hit(), z.geometry) for z in self.zones]

    # -- points: zone states per cell (lotrate.index.zonetable); answers keyed by integers ---------------

    @property
    def table(self) -> ZoneTable:
        """The per-cell zone states: loaded from ``data/index/`` when built from the same zones, else from the
        user's cache (:func:`lotrate.index.store.cache_dir`), else built (about a second) and cached."""
        if self._table is None:
            geoms = [z.geometry for z in self.zones]
            acc = [z.accuracy_m for z in self.zones]
            fp = ZoneTable.fingerprint(geoms, acc)
            table = None
            path = data_path("index", ZONE_TABLE_FILE)
            if self.zones and path.is_file():
                table = ZoneTable.from_bytes(path.read_bytes(), geoms, acc, fp)
            cached = f"zones-{fp[:40]}.bin"
            if table is None and self.zones and (raw := read_cached(cached)) is not None:
                table = ZoneTable.from_bytes(raw, geoms, acc, fp)
            if table is None:  # other layers: built once, then kept in the user's cache
                table = ZoneTable.build(geoms, acc)
                if self.zones:
                    write_cached(cached, table.to_bytes(fp))
            self._table = table
        return self._table

    def answer_of(self, entries: tuple[Entry, ...]) -> tuple[tuple[ZoneHit, ...], tuple[Notice, ...]]:
        """Hits and notices from a point's entries ``(zone, inside, near, metres)``, built once per distinct key."""
        return self.answer_list[self.answer_id(entries)]

    def answer_id(self, entries: tuple[Entry, ...]) -> int:
        """Position in :attr:`answer_list` of the answer of ``entries`` (added on first sight)."""
        got = self._answers.get(entries)
        if got is None:
            hits: list[ZoneHit] = []
            notes: list[Notice] = []
            for i, inside, near, metres in entries:
                z = self.zones[i]
                if near:
                    notes.append(messages.near_zone(float(metres), inside, z.name, z.kind, z.status, z.accuracy_m))
                if inside:
                    hits.append(self._hit[i])
                    notes.append(self._in_note[i])
            got = len(self.answer_list)
            self.answer_list.append((tuple(hits), tuple(notes)))
            self._answers[entries] = got
        return got

    @cached_property
    def static_ids(self) -> np.ndarray:
        """The answer id of each static set of zones (:attr:`ZoneTable.static_sets`), by set id."""
        return np.array(
            [self.answer_id(tuple((i, True, False, 0) for i in s)) for s in self.table.static_sets], dtype=np.int64
        )

    @cached_property
    def fused_lut(self) -> np.ndarray:
        """Fused zone code (:meth:`ZoneTable.fused_codes`) -> answer id for a static code, ``-1 - row`` for the
        dynamic row of a dynamic code (settled point by point by :meth:`answer_ids`); int32."""
        nstatic = self.static_ids.size
        ndyn = self.table.dyn.shape[0]
        lut = np.concatenate([self.static_ids, -1 - np.arange(ndyn)])
        if lut.size and (lut.max() >= 1 << 31 or lut.min() < -(1 << 31)):
            raise AssertionError("zone answer ids do not fit int32")
        return lut.astype(np.int32) if nstatic or ndyn else np.zeros(1, dtype=np.int32)

    @property
    def static_answers(self) -> list[tuple[tuple[ZoneHit, ...], tuple[Notice, ...]]]:
        return [self.answer_list[i] for i in self.static_ids.tolist()]

    @cached_property
    def point_hits(self) -> Callable[[float, float], tuple[tuple[ZoneHit, ...], tuple[Notice, ...]]]:
        """``point_hits(e, n)``: zones containing one EPSG:2326 point, with ``near_zone`` and ``in_zone`` notices.

        A point on a zone's edge is in the zone. ``near_zone`` is given when the point is closer to the edge
        than the zone's ``accuracy_m``, inside or outside (the distance is exact; the notice gives it in
        whole metres). Plain Python over the same tables as :meth:`answer_ids`.

        ``point_hits.row(e, n, row)`` answers a point known to lie in the dynamic cell of row ``row`` of the
        zone table (what a fused word's zone code beyond the static sets gives).
        """
        key_one = self.table.key_one
        key_row = key_one.row  # type: ignore[attr-defined]
        static = [self.answer_list[i] for i in self.static_ids.tolist()]
        answer_list, answer_id, known = self.answer_list, self.answer_id, self._answers

        def point_hits(e: float, n: float) -> tuple[tuple[ZoneHit, ...], tuple[Notice, ...]]:
            key = key_one(e, n)
            if key.__class__ is int:
                return static[key]
            got = known.get(key)  # type: ignore[arg-type]
            return answer_list[answer_id(key) if got is None else got]  # type: ignore[arg-type]

        def row_hits(e: float, n: float, row: int) -> tuple[tuple[ZoneHit, ...], tuple[Notice, ...]]:
            key = key_row(e, n, row)
            got = known.get(key)
            return answer_list[answer_id(key) if got is None else got]

        point_hits.row = row_hits  # type: ignore[attr-defined]
        return point_hits

    def answer_ids(self, e: np.ndarray, n: np.ndarray, looked_up: np.ndarray | None = None) -> np.ndarray:
        """Vectorised :meth:`point_hits`: per point, the position of its answer in :attr:`answer_list`.

        Most points read a static answer from their cell; a point near a zone edge is keyed by its entries
        (one integer when it is near one zone), and a new key's answer is built once for the process.
        ``looked_up`` is :attr:`fused_lut` read at each point's cell (what the fused region table's pass
        gives): only its negative entries, the dynamic rows, are settled here, in place.
        """
        e = np.asarray(e, dtype=float)
        n = np.asarray(n, dtype=float)
        static = self.static_ids
        if looked_up is None:
            code, rows, entries = self.table.keys(e, n)
            ids = static[np.maximum(code, 0)]
        else:
            ids = looked_up
            rows = np.flatnonzero(ids < 0)
            if rows.size == 0:
                return ids
            entries = self.table.entries(e[rows], n[rows], -1 - ids[rows])
        if rows.size == 0:
            return ids
        assert entries is not None
        used = (entries != 0).sum(axis=1)
        ids[rows[used == 0]] = static[0]
        # one or two entries (zones numbered below MAX_PACKED_ZONES) make one int64 key, looked up in a sorted
        # table of the keys met so far; more, in Python
        packed = (used <= 2) & (entries.max(axis=1) < (1 << ENTRY_BITS)) & (used > 0)
        two = entries[:, 1] if entries.shape[1] > 1 else np.zeros(rows.size, dtype=np.int64)
        key = entries[:, 0] | (two << ENTRY_BITS)
        sel = np.flatnonzero(packed)
        if sel.size:
            v = key[sel]
            known, known_ids = self._single
            pos = np.searchsorted(known, v)
            hit = known[np.minimum(pos, known.size - 1)] == v if known.size else np.zeros(v.size, dtype=bool)
            if not hit.all():
                new = np.unique(v[~hit])
                mask = (1 << ENTRY_BITS) - 1
                new_ids = np.array(
                    [
                        self.answer_id(tuple(unpack_entry(p) for p in (x & mask, x >> ENTRY_BITS) if p))
                        for x in new.tolist()
                    ],
                    dtype=np.int64,
                )
                vals = np.concatenate([known, new])
                order = np.argsort(vals, kind="stable")
                self._single = (vals[order], np.concatenate([known_ids, new_ids])[order])
                known, known_ids = self._single
                pos = np.searchsorted(known, v)
            ids[rows[sel]] = known_ids[pos]
        multi = np.flatnonzero(~packed & (used > 0))
        if multi.size:
            uniq, inv = np.unique(entries[multi], axis=0, return_inverse=True)
            rows_ids = self._rows
            uid = np.empty(uniq.shape[0], dtype=np.int64)
            for j, row in enumerate(map(tuple, uniq.tolist())):
                got = rows_ids.get(row)
                if got is None:
                    got = rows_ids[row] = self.answer_id(tuple(unpack_entry(x) for x in row if x != 0))
                uid[j] = got
            ids[rows[multi]] = uid[inv.ravel()]
        return ids

    def answers(
        self, e: np.ndarray, n: np.ndarray
    ) -> tuple[np.ndarray, list[tuple[tuple[ZoneHit, ...], tuple[Notice, ...]]]]:
        """:meth:`answer_ids` and the answer list they point into."""
        return self.answer_ids(e, n), self.answer_list

    def points_hits(self, e: np.ndarray, n: np.ndarray) -> tuple[list[tuple[ZoneHit, ...]], list[tuple[Notice, ...]]]:
        """Vectorised :meth:`point_hits`: identical answers point by point."""
        ids, answers = self.answers(e, n)
        return [answers[c][0] for c in ids.tolist()], [answers[c][1] for c in ids.tolist()]

    def sparse_hits(self, e: np.ndarray, n: np.ndarray) -> dict[int, tuple[tuple[ZoneHit, ...], tuple[Notice, ...]]]:
        """:meth:`points_hits` for the points in or near a zone only, by position."""
        ids, answers = self.answers(e, n)
        empty = int(self.static_ids[0])
        return {int(j): answers[ids[j]] for j in np.flatnonzero(ids != empty)}

    # -- lots --------------------------------------------------------------------------------------------

    @cached_property
    def _lot_tables(self) -> tuple[shapely.STRtree, np.ndarray, np.ndarray, np.ndarray]:
        geoms = np.array([z.geometry for z in self.zones], dtype=object)
        boundaries = np.array(self._boundaries, dtype=object)
        for b in boundaries:
            shapely.prepare(b)
        return shapely.STRtree(geoms), geoms, boundaries, np.array([z.accuracy_m for z in self.zones])

    def lots_hits(self, geoms: np.ndarray) -> list[tuple[tuple[ZoneHit, ...], tuple[Notice, ...]]]:
        """:meth:`geometry_hits` for many lots (EPSG:2326 polygons with area) at once, lot by lot the same."""
        geoms = np.asarray(geoms, dtype=object)
        out: list[tuple[tuple[ZoneHit, ...], tuple[Notice, ...]]] = [((), ())] * geoms.shape[0]
        if not self.zones or geoms.shape[0] == 0:
            return out
        tree, zgeoms, boundaries, acc = self._lot_tables
        # lots whose cells are all of state 0 for every zone (outside, no point within a zone's accuracy of its
        # edge) can have neither a hit nor a notice: only the others meet the zones
        cand = np.flatnonzero(self.table.touches_zone(shapely.bounds(geoms)))
        if cand.size == 0:
            return out
        lot_i, zone_i = tree.query(geoms[cand], predicate="dwithin", distance=float(acc.max()) + 1.0)
        lot_i = cand[lot_i]
        keep = shapely.dwithin(zgeoms[zone_i], geoms[lot_i], acc[zone_i] + 1.0)
        lot_i, zone_i = lot_i[keep], zone_i[keep]
        if lot_i.size == 0:
            return out
        order = np.lexsort((zone_i, lot_i))
        lot_i, zone_i = lot_i[order], zone_i[order]
        lots, zones = geoms[lot_i], zgeoms[zone_i]
        area = shapely.area(lots)
        inter = np.zeros(lot_i.size)
        whole = shapely.contains(zones, lots)
        inter[whole] = area[whole]
        part = np.flatnonzero(~whole & shapely.intersects(zones, lots))
        inter[part] = shapely.area(shapely.intersection(zones[part], lots[part]))
        share = np.where(area > 0, inter / np.where(area > 0, area, 1.0), 0.0)
        dist = shapely.distance(boundaries[zone_i], lots)
        starts = np.flatnonzero(np.r_[True, lot_i[1:] != lot_i[:-1]])
        ends = np.r_[starts[1:], lot_i.size]
        for a, b in zip(starts.tolist(), ends.tolist()):
            hits: list[ZoneHit] = []
            notes: list[Notice] = []
            for j in range(a, b):
                i = int(zone_i[j])
                z = self.zones[i]
                s = float(share[j])
                if z.accuracy_m > 0 and dist[j] < z.accuracy_m:
                    notes.append(self._lot_note(i, "near", s > 0, float(dist[j])))
                if s > 0:
                    hits.append(z.hit(s))
                    notes.append(self._lot_note(i, "in", True, s))
            out[int(lot_i[a])] = (tuple(hits), tuple(notes))
        return out

    def _lot_note(self, i: int, what: str, inside: bool, value: float) -> Notice:
        """A lot's ``near_zone`` (value: distance) or ``in_zone`` (value: share) notice, built once per text."""
        key = (i, what, inside, f"{value:,.0f}" if what == "near" else f"{value * 100:.1f}")
        got = self._lot_notes.get(key)
        if got is None:
            z = self.zones[i]
            if what == "near":
                got = messages.near_zone(value, inside, z.name, z.kind, z.status, z.accuracy_m)
            else:
                got = messages.in_zone(z.kind, z.name, value)
            self._lot_notes[key] = got
        return got

    def geometry_hits(self, geom: shapely.Geometry) -> tuple[tuple[ZoneHit, ...], tuple[Notice, ...]]:
        """Zones overlapping a lot polygon (EPSG:2326), each with the share of the lot's area inside it."""
        return self.lots_hits(np.array([geom], dtype=object))[0]

    @property
    def sources(self) -> dict[str, str]:
        """Where each kind's zones came from: "built-in", the file path(s) joined by " + ", or "none"."""
        out: dict[str, list[str]] = {k: [] for k in KINDS}
        for z in self.zones:
            if z.layer not in out[z.kind]:
                out[z.kind].append(z.layer)
        return {k: " + ".join(v) if v else "none" for k, v in out.items()}

    @property
    def layers(self) -> dict[str, list[Zone]]:
        """Zones by kind."""
        out: dict[str, list[Zone]] = {k: [] for k in KINDS}
        for z in self.zones:
            out[z.kind].append(z)
        return out
