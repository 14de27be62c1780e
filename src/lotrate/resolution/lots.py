"""Resolve a lot boundary (Point, Polygon or MultiPolygon) to its region shares, district and special zones.

One code path answers polygons for :func:`resolve_geometry` (one lot) and :func:`lotrate.resolve_frame` (a
whole layer): :func:`resolve_polygons` takes an array of lot boundaries in the user's CRS and gives, row by row,
the same answer, notices and error (text and class) either way.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from lotrate import messages
from lotrate.crs import WGS84, as_geometry, coordinate_problems, needs_transform, to_grid
from lotrate.errors import (
    CoordinateUnitsError,
    EmptyGeometryError,
    GeometryError,
    InvalidGeometryError,
    LotrateError,
    OutsideHongKongError,
)
from lotrate.resolution.answers import (
    boundary_notice,
    make_resolution,
    outside_errors,
    pair_accuracy,
    straddle_notice,
)
from lotrate.resolution.layers import Layers, pick
from lotrate.resolution.points import resolve
from lotrate.results import STRADDLE_MIN_SHARE, Notice, RegionShare, Resolution, ZoneHit

if TYPE_CHECKING:
    from pyproj import CRS

    from lotrate.index.regions import RegionIndex
    from lotrate.index.zones import ZoneIndex

#: a lot whose shares sum to less than this has a part outside Hong Kong (below it: float noise)
INSIDE_MIN = 1 - 1e-6

_NO_NOTES: tuple[Notice, ...] = ()
_NO_HITS: tuple[ZoneHit, ...] = ()


@dataclass
class PolygonAnswers:
    """Row-by-row answers for an array of lot polygons (positions into the region and district layers)."""

    shares: np.ndarray  #: (rows, regions) area shares, normalised over the part inside Hong Kong
    primary: np.ndarray  #: region position of the largest share, -1 for an error row
    district: np.ndarray  #: district position of the largest share, -1 if none
    dist: np.ndarray  #: distance to the nearest other region (0 for a straddling lot; NaN if not computed)
    near: np.ndarray  #: that region's position, -1 if none
    straddling: np.ndarray  #: bool
    near_boundary: np.ndarray  #: bool: straddling, or nearer another region than the layer accuracy
    area: np.ndarray  #: m2 in HK1980 Grid (NaN for an error row)
    grid: np.ndarray  #: the lots in HK1980 Grid, repaired (None for an error row)
    errors: list[LotrateError | None] = field(default_factory=list)
    notes: list[tuple[Notice, ...]] = field(default_factory=list)
    hits: list[tuple[ZoneHit, ...]] = field(default_factory=list)


def _first_per_row(index: np.ndarray, positions: list[int]) -> dict[int, int]:
    out: dict[int, int] = {}
    for pos in sorted(positions):
        out.setdefault(int(index[pos]), pos)
    return out


def prepare_polygons(
    geoms: np.ndarray, crs: Any, errors: list[LotrateError | None]
) -> tuple[np.ndarray, dict[int, str]]:
    """Check, convert to HK1980 Grid and repair polygon lots; errors are written into ``errors`` by row.

    Returns the lots in HK1980 Grid (None for an error row) and the repair reason of each repaired row.
    Checks, in order (as a single lot would meet them): every vertex a usable coordinate (the first bad vertex
    is named), the conversion to HK1980 Grid finite, a valid polygon (else repaired, if any area is left), an
    area above zero.
    """
    size = geoms.shape[0]
    out = np.full(size, None, dtype=object)
    if size == 0:
        return out, {}
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    starts = np.searchsorted(index, np.arange(size))
    problems = coordinate_problems(coords[:, 0], coords[:, 1], crs)
    for row, pos in _first_per_row(index, list(problems)).items():
        p = problems[pos]
        errors[row] = type(p)(messages.bad_vertex(pos - int(starts[row]), p))
    live = np.array([e is None for e in errors], dtype=bool)
    grid = geoms.copy()
    if needs_transform(crs) and live.any():
        rows = np.flatnonzero(live)
        moved = shapely.transform(geoms[rows], lambda c: np.column_stack(to_grid(c[:, 0], c[:, 1], crs)))
        gc, gi = shapely.get_coordinates(moved, return_index=True)
        broken = np.unique(gi[~np.isfinite(gc).all(axis=1)])
        for j in broken:
            errors[int(rows[j])] = CoordinateUnitsError(messages.geometry_cannot_convert(crs))
        grid[rows] = moved
        live[rows[broken]] = False
    repaired: dict[int, str] = {}
    rows = np.flatnonzero(live)
    valid = shapely.is_valid(grid[rows])
    for j in np.flatnonzero(~valid):
        i = int(rows[j])
        reason = shapely.is_valid_reason(grid[i])
        fixed = shapely.get_parts(shapely.make_valid(grid[i]))
        parts = [p for p in fixed if p.geom_type in ("Polygon", "MultiPolygon")]
        g = shapely.union_all(parts) if parts else shapely.Polygon()
        if g.is_empty or g.area <= 0:
            errors[i] = InvalidGeometryError(messages.unrepairable(reason))
            live[i] = False
            continue
        grid[i] = g
        repaired[i] = reason
    rows = np.flatnonzero(live)
    flat = rows[shapely.area(grid[rows]) <= 0]
    for i in flat:
        errors[int(i)] = EmptyGeometryError(messages.no_area())
    live[flat] = False
    out[live] = grid[live]
    return out, repaired


def _by_row(notes: dict[int, list[Notice]], size: int) -> list[tuple[Notice, ...]]:
    out = [_NO_NOTES] * size
    for i, n in notes.items():
        if n:
            out[i] = tuple(n)
    return out


def resolve_polygons(
    geoms: np.ndarray, crs: Any, idx: RegionIndex, zidx: ZoneIndex, *, distances: bool = True
) -> PolygonAnswers:
    """Answer an array of polygon lots (Polygon or MultiPolygon, not empty) given in ``crs``, row by row.

    Per-lot Python runs only for lots with an error, a notice or a zone; the rest is array work.
    """
    geoms = np.asarray(geoms, dtype=object)
    size = geoms.shape[0]
    nreg = len(idx.regions)
    errors: list[LotrateError | None] = [None] * size
    grid, repaired = prepare_polygons(geoms, crs, errors)
    ok = np.array([e is None for e in errors], dtype=bool)
    rows = np.flatnonzero(ok)
    shares = np.zeros((size, nreg))
    dshares = np.zeros((size, len(idx.districts)))
    area = np.full(size, np.nan)
    if rows.size:
        shares[rows] = idx.region_grid.area_shares(grid[rows])
        dshares[rows] = idx.district_grid.area_shares(grid[rows])
        area[rows] = shapely.area(grid[rows])
    inside = shares.sum(axis=1)
    notes: defaultdict[int, list[Notice]] = defaultdict(list)  # by row: most lots have none
    for i, reason in repaired.items():
        notes[i].append(messages.geometry_repaired(reason))
    for i in rows[area[rows] < messages.TINY_AREA_M2]:
        notes[int(i)].append(messages.tiny_area(float(area[i])))
    # wholly outside: named by the first vertex the user gave; partly outside: tolerated within the accuracy
    out_rows = rows[inside[rows] <= 0]
    if out_rows.size:
        first = np.array([shapely.get_coordinates(g)[0] for g in geoms[out_rows]])
        efirst = np.array([shapely.get_coordinates(g)[0] for g in grid[out_rows]])
        errs = outside_errors(first[:, 0], first[:, 1], crs, efirst[:, 0], efirst[:, 1], idx, lot=True)
        for i, err in zip(out_rows, errs):
            errors[int(i)] = err
    part_rows = rows[(inside[rows] > 0) & (inside[rows] < INSIDE_MIN)]
    for i in part_rows:
        i = int(i)
        outside_m2, within = idx.outside_part(grid[i], idx.accuracy_m)
        if within:
            notes[i].append(messages.outside_within_accuracy(outside_m2, 1 - inside[i], idx.accuracy_m))
            shares[i] /= inside[i]
        else:
            errors[i] = OutsideHongKongError(messages.partly_outside(1 - inside[i]))
    ok = np.array([e is None for e in errors], dtype=bool)
    # primary region: the largest share, ties to the first in layer order; district likewise
    primary = np.where(ok, np.argmax(shares, axis=1), -1)
    district = np.where(ok & (dshares.max(axis=1) > 0), np.argmax(dshares, axis=1), -1)
    order = np.argsort(-shares, axis=1, kind="stable")
    second = np.take_along_axis(shares, order[:, 1:2], axis=1)[:, 0] if nreg > 1 else np.zeros(size)
    straddling = ok & (second > STRADDLE_MIN_SHARE)
    dist = np.where(straddling, 0.0, np.nan)
    near = np.where(straddling, order[:, 1], -1)
    whole = (shares[np.arange(size), np.maximum(primary, 0)] >= 1.0) & (inside >= 1.0)
    want = ok & ~straddling
    sel = np.flatnonzero(want)
    if sel.size:
        parts = grid[sel].copy()
        for j in np.flatnonzero(~whole[sel]):  # a lot partly in another region or outside: the part in its own
            parts[j] = idx.region_grid.clip(grid[sel[j]], int(primary[sel[j]]))
        dist[sel], near[sel] = idx.geometry_distances(parts, primary[sel])
    near_flag = straddling.copy()
    hits: list[tuple[ZoneHit, ...]] = [_NO_HITS] * size
    ok_rows = np.flatnonzero(ok)
    zone_answers = zidx.lots_hits(grid[ok_rows]) if ok_rows.size else []
    acc = pair_accuracy(idx)
    close = ok & (near >= 0) & (dist < acc[np.maximum(primary, 0), np.maximum(near, 0)])
    if not distances:  # the distance only where it is under the layer accuracy (so near_boundary stays exact)
        far = want & ~close
        dist[far], near[far] = np.nan, -1
    for row in np.flatnonzero(straddling | close):
        i = int(row)
        if straddling[i]:
            row_shares = [(float(shares[i, j]), j) for j in range(nreg) if shares[i, j] > 0]
            row_shares.sort(key=lambda s: (-s[0], s[1]))
            notes[i].append(straddle_notice(idx, row_shares))
        else:
            bn = boundary_notice(idx, int(primary[i]), float(dist[i]), int(near[i]))
            if bn is not None:
                notes[i].append(bn)
                near_flag[i] = True
    for i, (zh, zn) in zip(ok_rows.tolist(), zone_answers):
        if zh or zn:
            hits[i] = zh
            notes[i].extend(zn)
    return PolygonAnswers(
        shares=shares,
        primary=primary,
        district=district,
        dist=dist,
        near=near,
        straddling=straddling,
        near_boundary=near_flag,
        area=area,
        grid=grid,
        errors=errors,
        notes=_by_row(notes, size),
        hits=hits,
    )


def resolve_geometry(
    geom: Any,
    crs: str | int | CRS = WGS84,
    *,
    regions: RegionIndex | None = None,
    zones: ZoneIndex | None = None,
    layers: Layers | None = None,
) -> Resolution:
    """Resolve a lot given as a Point, Polygon or MultiPolygon (shapely or GeoJSON).

    For a polygon the lot is split by area (in EPSG:2326) across regions: the primary region is the largest
    share, and any other share above 0.5 % is reported as a ``straddle`` warning. The district is the one
    holding the largest share of the lot. An invalid polygon is repaired (a ``geometry_repaired`` notice); a
    lot poking out of the HKSAR boundary by less than the region layer's accuracy is accepted (an
    ``outside_edge`` notice, shares over the part inside). Answers, notices and errors are those of
    :func:`lotrate.resolve_frame` for the same row.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> lot = box(835300, 817200, 835340, 817240)  # 40 m x 40 m in Tsim Sha Tsui, HK1980 Grid
    >>> r = resolve_geometry(lot, crs="EPSG:2326")
    >>> r.region_code, r.area_m2, [s.share for s in r.shares]
    ('KW', 1600.0, [1.0])
    """
    g = as_geometry(geom)
    lay = pick(layers, regions, zones)
    if g.is_empty:
        raise EmptyGeometryError(messages.empty_geometry())
    if g.geom_type == "Point":
        return resolve(x=g.x, y=g.y, crs=crs, layers=lay)
    if g.geom_type not in ("Polygon", "MultiPolygon"):
        raise GeometryError(messages.not_a_lot(g.geom_type))
    idx = lay.regions
    ans = resolve_polygons(np.array([g], dtype=object), crs, idx, lay.zones)
    err = ans.errors[0]
    if err is not None:
        raise err
    k, d = int(ans.primary[0]), int(ans.district[0])
    row = ans.shares[0]
    shares = sorted(((float(s), j) for j, s in enumerate(row) if s > 0), key=lambda s: (-s[0], s[1]))
    region_shares = tuple(RegionShare(idx.regions[j].code, idx.regions[j].name_en, s) for s, j in shares)
    lot = ans.grid[0]
    p = lot.representative_point()
    return make_resolution(
        idx,
        k,
        d,
        float(ans.dist[0]),
        int(ans.near[0]),
        p.x,
        p.y,
        lot.geom_type,
        float(ans.area[0]),
        region_shares,
        ans.hits[0],
        ans.notes[0],
    )
