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
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely

from lotrate import messages
from lotrate._data import data_path
from lotrate.errors import LayerError
from lotrate.index.regions import read_polygon_layer
from lotrate.results import Notice, ZoneHit

KINDS = messages.ZONE_KINDS
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

    def hit(self, share: float | None = None) -> ZoneHit:
        return ZoneHit(self.kind, self.name, self.status, share, self.accuracy_m, self.source)


def _load_zones(path: Path, expected: str | None = None) -> list[Zone]:
    props, geoms = read_polygon_layer(path)
    zones = []
    for i, (p, g) in enumerate(zip(props, geoms), start=1):
        kind, name = p.get("kind"), p.get("name")
        if not kind or not name:
            missing = "kind" if not kind else "name"
            raise LayerError(f"{path.name}: feature {i} has no '{missing}' property; every zone needs kind and name")
        if kind not in KINDS:
            raise LayerError(f"{path.name}: feature {i} ({name}) has kind={kind!r}; expected one of {', '.join(KINDS)}")
        if expected is not None and kind != expected:
            raise LayerError(f"{path.name}: feature {i} ({name}) is {kind}, but this file holds {expected} zones")
        if g.geom_type not in ("Polygon", "MultiPolygon") or g.is_empty:
            raise LayerError(f"{path.name}: zone {name!r} is a {g.geom_type}, not a polygon")
        if not g.is_valid:
            g = shapely.make_valid(g)
        xmin, ymin, xmax, ymax = g.bounds
        if xmin < 799_000 or xmax > 870_000 or ymin < 799_000 or ymax > 848_000:
            raise LayerError(f"{path.name}: zone {name!r} lies outside Hong Kong as read; check the file's CRS")
        zones.append(
            Zone(
                str(kind),
                str(name),
                str(p.get("status") or "official"),
                float(p.get("accuracy_m") or 0.0),
                str(p.get("source") or path.name),
                g,
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
        self._bands: dict[int, tuple[shapely.Geometry, shapely.Geometry]] = {}

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

    def _band(self, i: int) -> tuple[shapely.Geometry, shapely.Geometry]:
        """Zone ``i`` grown and shrunk by a little more than its accuracy: only between them can a point be near."""
        if i not in self._bands:
            z = self.zones[i]
            margin = z.accuracy_m * 1.01 + 1.0  # buffers are polygonal: keep clear of their chords
            outer, inner = z.geometry.buffer(margin), z.geometry.buffer(-margin)
            shapely.prepare(outer)
            shapely.prepare(inner)
            self._bands[i] = (outer, inner)
        return self._bands[i]

    def _answer(
        self, e: float, n: float, inside: list[int], near: dict[int, float]
    ) -> tuple[tuple[ZoneHit, ...], tuple[Notice, ...]]:
        hits: list[ZoneHit] = []
        notes: list[Notice] = []
        for i in sorted(set(inside) | set(near)):
            if i in near:
                notes.append(messages.near_zone(near[i], i in inside, self.zones[i].name, self.zones[i].kind, self.zones[i].status, self.zones[i].accuracy_m))
            if i in inside:
                hits.append(self._hit[i])
                notes.append(self._in_note[i])
        return tuple(hits), tuple(notes)

    def point_hits(self, e: float, n: float) -> tuple[tuple[ZoneHit, ...], tuple[Notice, ...]]:
        """Zones containing one EPSG:2326 point, with ``near_zone`` and ``in_zone`` notices.

        A point on a zone's edge is in the zone. ``near_zone`` is given when the point is closer to the edge
        than the zone's ``accuracy_m``, inside or outside.
        """
        inside: list[int] = []
        near: dict[int, float] = {}
        for i, (x0, y0, x1, y1) in enumerate(self._boxes):
            if not (x0 <= e <= x1 and y0 <= n <= y1):
                continue
            z = self.zones[i]
            if shapely.intersects_xy(z.geometry, e, n):
                inside.append(i)
            if z.accuracy_m > 0:
                dist = float(shapely.distance(self._boundaries[i], shapely.Point(e, n)))
                if dist < z.accuracy_m:
                    near[i] = dist
        if not inside and not near:
            return (), ()
        return self._answer(e, n, inside, near)

    def points_hits(self, e: np.ndarray, n: np.ndarray) -> tuple[list[tuple[ZoneHit, ...]], list[tuple[Notice, ...]]]:
        """Vectorised :meth:`point_hits`: identical answers point by point."""
        size = np.asarray(e).shape[0]
        hits: list[tuple[ZoneHit, ...]] = [()] * size
        notes: list[tuple[Notice, ...]] = [()] * size
        for j, (h, m) in self.sparse_hits(e, n).items():
            hits[j], notes[j] = h, m
        return hits, notes

    def sparse_hits(self, e: np.ndarray, n: np.ndarray) -> dict[int, tuple[tuple[ZoneHit, ...], tuple[Notice, ...]]]:
        """:meth:`points_hits` for the points in or near a zone only, by position (fast for large arrays)."""
        e = np.asarray(e, dtype=float)
        n = np.asarray(n, dtype=float)
        inside: dict[int, list[int]] = {}
        near: dict[int, dict[int, float]] = {}
        if not self._boxes:
            return {}
        boxes = np.array(self._boxes)
        box = boxes[:, 0].min(), boxes[:, 1].min(), boxes[:, 2].max(), boxes[:, 3].max()
        pool = np.flatnonzero((e >= box[0]) & (e <= box[2]) & (n >= box[1]) & (n <= box[3]))
        ep, np_ = e[pool], n[pool]
        for i, (x0, y0, x1, y1) in enumerate(self._boxes):
            cand = np.flatnonzero((ep >= x0) & (ep <= x1) & (np_ >= y0) & (np_ <= y1))
            if cand.size == 0:
                continue
            z = self.zones[i]
            for j in pool[cand[shapely.intersects_xy(z.geometry, ep[cand], np_[cand])]]:
                inside.setdefault(int(j), []).append(i)
            if z.accuracy_m > 0:
                outer, inner = self._band(i)
                band = cand[
                    shapely.contains_xy(outer, ep[cand], np_[cand]) & ~shapely.contains_xy(inner, ep[cand], np_[cand])
                ]
                if band.size:
                    dist = shapely.distance(self._boundaries[i], shapely.points(ep[band], np_[band]))
                    close = dist < z.accuracy_m
                    for j, d in zip(pool[band[close]], dist[close]):
                        near.setdefault(int(j), {})[i] = float(d)
        out: dict[int, tuple[tuple[ZoneHit, ...], tuple[Notice, ...]]] = {}
        plain: dict[tuple[int, ...], tuple[tuple[ZoneHit, ...], tuple[Notice, ...]]] = {}
        for j, ids in inside.items():
            if j not in near:  # in zones and near no edge: one shared answer per set of zones
                key = tuple(ids)
                if key not in plain:
                    plain[key] = self._answer(0.0, 0.0, ids, {})
                out[j] = plain[key]
        for j, d in near.items():
            out[j] = self._answer(float(e[j]), float(n[j]), inside.get(j, []), d)
        return out

    def geometry_hits(self, geom: shapely.Geometry) -> tuple[tuple[ZoneHit, ...], tuple[Notice, ...]]:
        """Zones overlapping a lot polygon (EPSG:2326), each with the share of the lot's area inside it."""
        hits: list[ZoneHit] = []
        notes: list[Notice] = []
        area = geom.area
        for i, z in enumerate(self.zones):
            if not shapely.dwithin(z.geometry, geom, z.accuracy_m + 1.0):
                continue
            share = shapely.intersection(z.geometry, geom).area / area if area > 0 else 0.0
            dist = float(shapely.distance(self._boundaries[i], geom))
            if z.accuracy_m > 0 and dist < z.accuracy_m:
                notes.append(messages.near_zone(dist, share > 0, z.name, z.kind, z.status, z.accuracy_m))
            if share > 0:
                hits.append(z.hit(share))
                notes.append(messages.in_zone(z.kind, z.name, share))
        return tuple(hits), tuple(notes)

    @property
    def layers(self) -> dict[str, list[Zone]]:
        """Zones by kind."""
        out: dict[str, list[Zone]] = {k: [] for k in KINDS}
        for z in self.zones:
            out[z.kind].append(z)
        return out
