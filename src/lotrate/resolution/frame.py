"""Whole GIS layers: resolve every row of a GeoDataFrame (points through the batch path, polygons by area).

Nothing is lost: one output row per input row, in input order, every input column kept, result columns
added, and an ``error`` column explaining any row that could not be resolved. The CRS is read from the data
(``gdf.crs``), never guessed from the file type.

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import Point
>>> gdf = gpd.GeoDataFrame({"LOTID": [1, 2]}, geometry=[Point(114.2235, 22.311), Point(113.5439, 22.1987)],
...                        crs="EPSG:4326")
>>> out = resolve_frame(gdf)
>>> out[["LOTID", "region_code", "district"]].values.tolist()
[[1, 'KE', 'Kwun Tong'], [2, None, None]]
>>> out["error"].iloc[1].startswith("coordinate")
True
"""

from __future__ import annotations

import math
import sys
from typing import TYPE_CHECKING

import numpy as np
import shapely

from lotrate import messages
from lotrate.crs import HK_CRS
from lotrate.errors import CRSError
from lotrate.resolution.answers import boundary_notice, straddle_notice
from lotrate.resolution.layers import Layers, pick
from lotrate.resolution.points import resolve_many
from lotrate.results import STRADDLE_MIN_SHARE, Notice, ZoneHit

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from lotrate.index.regions import RegionIndex
    from lotrate.index.zones import ZoneIndex

#: the Lands Department Lot layer's fields, in the order a lot id is taken from them (REFERENCE section 6)
LANDSD_LOT_FIELDS = (
    "LOTID",
    "LOTCODE",
    "LOTNUMBER",
    "LOTNUMBERALPHA",
    "SECTIONCODE",
    "LOTTYPE",
    "CISLOTDISPLAYNAME",
    "LOTCODEDISPLAY",
    "PRN",
    "LOTCSUID",
    "SHAPE_Area",
)
LOT_ID_FIELDS = ("lot_id", "CISLOTDISPLAYNAME", "LOTCODEDISPLAY", "LOTID")
RESULT_COLUMNS = (
    "lot_id",
    "region_code",
    "region_name",
    "district",
    "district_lands_office",
    "region_share",
    "straddle",
    "boundary_distance_m",
    "nearest_region",
    "near_boundary",
    "zone_kinds",
    "zone_names",
    "zone_shares",
    "warnings",
    "error",
)
PROGRESS_MIN_ROWS = 20_000
CHUNK = 20_000


def lot_ids(frame: pd.DataFrame) -> list[str | None]:
    for name in LOT_ID_FIELDS:
        if name in frame.columns:
            return [None if v is None or (isinstance(v, float) and math.isnan(v)) else str(v) for v in frame[name]]
    return [None] * len(frame)


def notes_text(notes: tuple[Notice, ...]) -> str:
    return " | ".join(str(n) for n in notes)


def _zone_text(hits: tuple[ZoneHit, ...]) -> tuple[str, str, str]:
    return (
        "; ".join(h.kind for h in hits),
        "; ".join(h.name for h in hits),
        "; ".join("" if h.share is None else f"{h.share:.6f}" for h in hits),
    )


def _polygon_columns(geoms: np.ndarray, idx: RegionIndex, zidx: ZoneIndex, distances: bool) -> dict[str, np.ndarray]:
    """Result columns for valid polygon lots (EPSG:2326), identical to :func:`lotrate.resolution.points.resolve_geometry`.

    Per-lot Python runs only for lots with a warning, a zone or an error; the rest is array work.
    """
    n = len(geoms)
    shares = idx.region_grid.area_shares(geoms)
    dshares = idx.district_grid.area_shares(geoms)
    inside = shares.sum(axis=1)
    ok = inside >= 1 - 1e-6
    # primary region: the largest share, ties to the first in layer order (as resolve_geometry)
    primary = np.argmax(shares, axis=1)
    district = np.where(dshares.max(axis=1) > 0, np.argmax(dshares, axis=1), -1)
    order = np.argsort(-shares, axis=1, kind="stable")
    second = np.take_along_axis(shares, order[:, 1:2], axis=1)[:, 0]
    straddling = ok & (second > STRADDLE_MIN_SHARE)
    dist = np.where(straddling, 0.0, np.nan)
    near = np.where(straddling, order[:, 1], -1)
    whole = shares[np.arange(n), primary] >= 1.0
    maybe = np.ones(n, dtype=bool)
    if not distances:  # only lots whose box touches a raster cell near a region boundary
        b = shapely.bounds(geoms)
        maybe = idx.maybe_near_boundary(b[:, 0], b[:, 1]) | idx.maybe_near_boundary(b[:, 2], b[:, 3])
        maybe |= ~whole
    for k in range(len(idx.regions)):
        rows = np.flatnonzero((primary == k) & ok & ~straddling & maybe)
        if rows.size == 0:
            continue
        parts = geoms[rows].copy()
        partial = ~whole[rows]
        if partial.any():
            parts[partial] = shapely.intersection(geoms[rows[partial]], idx.regions[k].geometry)
        tree, _segs, owners = idx._edges(k)
        if owners.size == 0:
            dist[rows], near[rows] = np.inf, -1
            continue
        (qi, ti), d = tree.query_nearest(parts, return_distance=True, all_matches=False)
        dist[rows[qi]] = d
        near[rows[qi]] = owners[ti]
    codes = np.array([r.code for r in idx.regions] + [None], dtype=object)
    names = np.array([r.name_en for r in idx.regions] + [None], dtype=object)
    dnames = np.array([d.name_en for d in idx.districts] + [None], dtype=object)
    dlo = np.array([d.district_lands_office for d in idx.districts] + [None], dtype=object)
    pk = np.where(ok, primary, -1)
    cols: dict[str, np.ndarray] = {
        "region_code": codes[pk],
        "region_name": names[pk],
        "district": dnames[np.where(ok, district, -1)],
        "district_lands_office": dlo[np.where(ok, district, -1)],
        "region_share": np.where(ok, shares[np.arange(n), primary].round(6), np.nan),
        "straddle": np.full(n, "", dtype=object),
        "boundary_distance_m": np.where(ok, dist, np.nan),
        "nearest_region": codes[np.where(ok, near, -1)],
        "near_boundary": np.zeros(n, dtype=bool),
        "zone_kinds": np.full(n, "", dtype=object),
        "zone_names": np.full(n, "", dtype=object),
        "zone_shares": np.full(n, "", dtype=object),
        "warnings": np.full(n, "", dtype=object),
        "error": np.full(n, None, dtype=object),
    }
    # rows that need words: errors, straddles, near a boundary, within reach of a zone
    accuracy = np.array([max(r.accuracy_m for r in idx.regions)])[0]
    special = ~ok | straddling | (ok & (dist < accuracy))
    zone_rows = np.zeros(n, dtype=bool)
    if zidx.zones:
        reach = max(z.accuracy_m for z in zidx.zones)
        lot_i, _ = shapely.STRtree([z.geometry for z in zidx.zones]).query(
            geoms, predicate="dwithin", distance=reach + 1.0
        )
        zone_rows[lot_i] = True
    points = None
    for i in np.flatnonzero(special | (zone_rows & ok)):
        if not ok[i]:
            if inside[i] <= 0:
                points = shapely.point_on_surface(geoms) if points is None else points
                c = points[i]
                cols["error"][i] = f"the lot (HK1980 E {c.x:,.0f}, N {c.y:,.0f}) lies outside the HKSAR boundary"
            else:
                cols["error"][i] = f"{(1 - inside[i]) * 100:.1f} % of the lot lies outside the HKSAR boundary"
            continue
        notes: list[Notice] = []
        if straddling[i]:
            row_shares = [(float(shares[i, j]), j) for j in range(shares.shape[1]) if shares[i, j] > 0]
            row_shares.sort(key=lambda s: (-s[0], s[1]))
            notes.append(straddle_notice(idx, row_shares))
            cols["straddle"][i] = "; ".join(f"{idx.regions[j].code} {s * 100:.1f} %" for s, j in row_shares)
        else:
            bn = boundary_notice(idx, int(primary[i]), float(dist[i]), int(near[i]))
            if bn is not None:
                notes.append(bn)
                cols["near_boundary"][i] = True
        if zone_rows[i]:
            hits, znotes = zidx.geometry_hits(geoms[i])
            notes.extend(znotes)
            cols["zone_kinds"][i], cols["zone_names"][i], cols["zone_shares"][i] = _zone_text(hits)
        cols["warnings"][i] = notes_text(tuple(notes))
    return cols


def _to_grid_geoms(gdf: gpd.GeoDataFrame) -> np.ndarray:
    if gdf.crs is None:
        raise CRSError("the layer has no CRS; set it (gdf.set_crs('EPSG:2326') or 'EPSG:4326') before resolving")
    return np.asarray(gdf.to_crs(HK_CRS).geometry.values, dtype=object)


def resolve_frame(
    gdf: gpd.GeoDataFrame,
    *,
    regions: RegionIndex | None = None,
    zones: ZoneIndex | None = None,
    layers: Layers | None = None,
    progress: bool | None = None,
    distances: bool = True,
) -> gpd.GeoDataFrame:
    """Resolve every row of a GeoDataFrame (points or lot polygons, in any CRS it declares).

    Returns a copy with every input column and the columns ``lot_id``, ``region_code``, ``region_name``,
    ``district``, ``district_lands_office``, ``region_share``, ``straddle``, ``boundary_distance_m``,
    ``nearest_region``, ``near_boundary``, ``zone_kinds``, ``zone_names``, ``zone_shares``, ``warnings`` and
    ``error`` (text; empty results for rows that could not be resolved). Answers are those of
    :func:`lotrate.resolve_many` for points and :func:`lotrate.resolve_geometry` for polygons. With
    ``distances=False`` the boundary distance is computed only where it may be under the layer accuracy (so
    ``near_boundary`` stays exact) and is NaN elsewhere, as in :func:`lotrate.resolve_many`.
    """
    import pandas as pd
    from tqdm import tqdm

    lay = pick(layers, regions, zones)
    idx, zidx = lay.regions, lay.zones
    geoms = _to_grid_geoms(gdf)
    n = len(geoms)
    cols: dict[str, np.ndarray] = {
        name: np.full(n, np.nan)
        if name in ("region_share", "boundary_distance_m")
        else np.zeros(n, dtype=bool)
        if name == "near_boundary"
        else np.full(
            n, "" if name in ("straddle", "zone_kinds", "zone_names", "zone_shares", "warnings") else None, dtype=object
        )
        for name in RESULT_COLUMNS
        if name != "lot_id"
    }
    gtype = shapely.get_type_id(geoms)  # -1 None, 0 Point, 3 Polygon, 6 MultiPolygon
    empty = shapely.is_empty(geoms) | (gtype < 0)
    show = (n >= PROGRESS_MIN_ROWS) if progress is None else progress
    bar = tqdm(total=n, disable=not show, file=sys.stderr, unit="row", desc="lotrate")
    cols["error"][empty] = "empty geometry: the row has no point or boundary"
    other = np.flatnonzero(~np.isin(gtype, (0, 3, 6)) & ~empty)
    for i in other:
        cols["error"][i] = f"geometry type {geoms[i].geom_type} is not a lot; give a Point, Polygon or MultiPolygon"
    bar.update(other.size + int(empty.sum()))
    pts = np.flatnonzero((gtype == 0) & ~empty)
    for start in range(0, pts.size, CHUNK):
        sel = pts[start : start + CHUNK]
        xy = shapely.get_coordinates(geoms[sel])
        frame = resolve_many(x=xy[:, 0], y=xy[:, 1], crs=HK_CRS, layers=lay, distances=distances)
        for name in (
            "region_code",
            "region_name",
            "district",
            "district_lands_office",
            "boundary_distance_m",
            "nearest_region",
            "near_boundary",
            "error",
        ):
            cols[name][sel] = frame[name].to_numpy()
        cols["region_share"][sel] = np.where(frame["error"].isna(), 1.0, np.nan)
        for j, hits, notes in zip(sel, frame["zones"], frame["warnings"]):
            if hits or notes:
                cols["zone_kinds"][j], cols["zone_names"][j], cols["zone_shares"][j] = _zone_text(hits)
                cols["warnings"][j] = notes_text(notes)
        bar.update(sel.size)
    polys = np.flatnonzero(np.isin(gtype, (3, 6)) & ~empty)
    valid = shapely.is_valid(geoms[polys]) if polys.size else np.zeros(0, dtype=bool)
    fixed = geoms[polys].copy()
    repaired: dict[int, str] = {}
    keep = np.ones(polys.size, dtype=bool)
    for j in np.flatnonzero(~valid):
        i = polys[j]
        reason = shapely.is_valid_reason(geoms[i])
        parts = [
            p for p in shapely.get_parts(shapely.make_valid(geoms[i])) if p.geom_type in ("Polygon", "MultiPolygon")
        ]
        g = shapely.union_all(parts) if parts else shapely.Polygon()
        if g.is_empty or g.area <= 0:
            cols["error"][i] = f"invalid polygon ({reason}) with no area once repaired; fix the boundary"
            keep[j] = False
            continue
        fixed[j] = g
        repaired[int(i)] = reason
    flat = keep & (shapely.area(fixed) <= 0)
    cols["error"][polys[flat]] = "the lot polygon has no area"
    keep &= ~flat
    bar.update(int((~keep).sum()))
    polys, fixed = polys[keep], fixed[keep]
    for start in range(0, polys.size, CHUNK):
        rows = polys[start : start + CHUNK]
        part = _polygon_columns(fixed[start : start + CHUNK], idx, zidx, distances)
        for name, values in part.items():
            cols[name][rows] = values
        bar.update(rows.size)
    for row, reason in repaired.items():
        if cols["error"][row] is None:
            note = str(messages.geometry_repaired(reason))
            cols["warnings"][row] = note + (" | " + cols["warnings"][row] if cols["warnings"][row] else "")
    bar.close()
    out = gdf.copy()
    if "lot_id" not in out.columns:
        out["lot_id"] = pd.Series(lot_ids(gdf), index=out.index, dtype=object)
    for name, values in cols.items():
        target = name if name not in gdf.columns else f"lotrate_{name}"
        out[target] = pd.Series(values, index=out.index, dtype=values.dtype)
    return out






# --- files ------------------------------------------------------------------------------------------------







