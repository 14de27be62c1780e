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
from lotrate.errors import CRSError, EmptyGeometryError, GeometryError
from lotrate.resolution.layers import Layers, pick
from lotrate.resolution.lots import PolygonAnswers, resolve_polygons
from lotrate.resolution.points import resolve_many
from lotrate.results import Notice, ZoneHit

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from lotrate.index.regions import RegionIndex
    from lotrate.index.zones import ZoneIndex

#: the Lands Department Lot layer's fields, in the order a lot id is taken from them (the LandsD iB1000 Lot layer)
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
#: columns naming a lot, in order of preference, matched case-insensitively (``LOT_ID``, ``LotNo``, ...)
LOT_ID_FIELDS = ("lot_id", "lot_no", "lotno", "CISLOTDISPLAYNAME", "LOTCODEDISPLAY", "LOTID")
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
    """Each row's lot id from the first of :data:`LOT_ID_FIELDS` present (any case; the exact case first)."""
    lower: dict[str, object] = {}
    for c in frame.columns:
        lower.setdefault(str(c).lower(), c)
    for name in LOT_ID_FIELDS:
        col = name if name in frame.columns else lower.get(name.lower())
        if col is not None:
            return [_lot_id_text(v) for v in frame[col]]
    return [None] * len(frame)


def _lot_id_text(v: object) -> str | None:
    if v is None or (isinstance(v, float) and math.isnan(v)) or type(v).__name__ in ("NAType", "NaTType"):
        return None
    if isinstance(v, float) and v.is_integer():
        return str(int(v))  # a numeric column with gaps is read as float: lot 12, not 12.0
    return str(v)


def notes_text(notes: tuple[Notice, ...]) -> str:
    return " | ".join(str(n) for n in notes)


def _zone_text(hits: tuple[ZoneHit, ...]) -> tuple[str, str, str]:
    return (
        "; ".join(h.kind for h in hits),
        "; ".join(h.name for h in hits),
        "; ".join("" if h.share is None else f"{h.share:.6f}" for h in hits),
    )


def _polygon_columns(ans: PolygonAnswers, idx: RegionIndex) -> dict[str, np.ndarray]:
    """Result columns from :func:`~lotrate.resolution.lots.resolve_polygons` answers (the text of each row)."""
    n = ans.primary.shape[0]
    ok = ans.primary >= 0
    codes = np.array([r.code for r in idx.regions] + [None], dtype=object)
    names = np.array([r.name_en for r in idx.regions] + [None], dtype=object)
    dnames = np.array([d.name_en for d in idx.districts] + [None], dtype=object)
    dlo = np.array([d.district_lands_office for d in idx.districts] + [None], dtype=object)
    pk = ans.primary
    dk = np.where(ok, ans.district, -1)
    cols: dict[str, np.ndarray] = {
        "region_code": codes[pk],
        "region_name": names[pk],
        "district": dnames[dk],
        "district_lands_office": dlo[dk],
        "region_share": np.where(ok, ans.shares[np.arange(n), np.maximum(pk, 0)].round(6), np.nan),
        "straddle": np.full(n, "", dtype=object),
        "boundary_distance_m": np.where(ok, ans.dist, np.nan),
        "nearest_region": codes[np.where(ok, ans.near, -1)],
        "near_boundary": ans.near_boundary & ok,
        "zone_kinds": np.full(n, "", dtype=object),
        "zone_names": np.full(n, "", dtype=object),
        "zone_shares": np.full(n, "", dtype=object),
        "warnings": np.full(n, "", dtype=object),
        "error": np.array([None if e is None else str(e) for e in ans.errors], dtype=object),
        "error_type": np.array([None if e is None else type(e).__name__ for e in ans.errors], dtype=object),
    }
    for r in np.flatnonzero(ans.straddling):
        row = sorted(((float(s), j) for j, s in enumerate(ans.shares[r]) if s > 0), key=lambda s: (-s[0], s[1]))
        cols["straddle"][r] = "; ".join(f"{idx.regions[j].code} {s * 100:.1f} %" for s, j in row)
    for i, (notes, hits) in enumerate(zip(ans.notes, ans.hits)):
        if notes:
            cols["warnings"][i] = notes_text(notes)
        if hits:
            cols["zone_kinds"][i], cols["zone_names"][i], cols["zone_shares"][i] = _zone_text(hits)
    return cols


def resolve_frame(
    gdf: gpd.GeoDataFrame,
    *,
    regions: RegionIndex | None = None,
    zones: ZoneIndex | None = None,
    layers: Layers | None = None,
    progress: bool | None = None,
    distances: bool = True,
    error_type: bool = False,
) -> gpd.GeoDataFrame:
    """Resolve every row of a GeoDataFrame (points or lot polygons, in any CRS it declares).

    Returns a copy with every input column and the columns ``lot_id``, ``region_code``, ``region_name``,
    ``district``, ``district_lands_office``, ``region_share``, ``straddle``, ``boundary_distance_m``,
    ``nearest_region``, ``near_boundary``, ``zone_kinds``, ``zone_names``, ``zone_shares``, ``warnings`` and
    ``error`` (text; empty results for rows that could not be resolved), plus ``error_type`` (the class name of
    the error :func:`lotrate.resolve_geometry` would raise) when ``error_type=True``. Answers, notices and
    error sentences are those of :func:`lotrate.resolve` / :func:`lotrate.resolve_many` for points and
    :func:`lotrate.resolve_geometry` for polygons, row by row, computed from the coordinates as given (in
    ``gdf.crs``). With ``distances=False`` the boundary distance is computed only where it may be under the
    layer accuracy (so ``near_boundary`` stays exact) and is NaN elsewhere, as in :func:`lotrate.resolve_many`.
    """
    import pandas as pd
    from tqdm import tqdm

    lay = pick(layers, regions, zones)
    idx, zidx = lay.regions, lay.zones
    if gdf.crs is None:
        raise CRSError("the layer has no CRS; set it (gdf.set_crs('EPSG:2326') or 'EPSG:4326') before resolving")
    crs = gdf.crs
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    n = len(geoms)
    text_cols = ("straddle", "zone_kinds", "zone_names", "zone_shares", "warnings")
    cols: dict[str, np.ndarray] = {
        name: np.full(n, np.nan)
        if name in ("region_share", "boundary_distance_m")
        else np.zeros(n, dtype=bool)
        if name == "near_boundary"
        else np.full(n, "" if name in text_cols else None, dtype=object)
        for name in (*RESULT_COLUMNS, "error_type")
        if name != "lot_id"
    }
    gtype = shapely.get_type_id(geoms)  # -1 None, 0 Point, 3 Polygon, 6 MultiPolygon
    empty = (gtype < 0) | shapely.is_empty(geoms)
    show = (n >= PROGRESS_MIN_ROWS) if progress is None else progress
    bar = tqdm(total=n, disable=not show, file=sys.stderr, unit="row", desc="lotrate")
    cols["error"][empty] = messages.empty_geometry()
    cols["error_type"][empty] = EmptyGeometryError.__name__
    other = np.flatnonzero(~np.isin(gtype, (0, 3, 6)) & ~empty)
    for i in other:
        cols["error"][i] = messages.not_a_lot(geoms[i].geom_type)
        cols["error_type"][i] = GeometryError.__name__
    bar.update(other.size + int(empty.sum()))
    pts = np.flatnonzero((gtype == 0) & ~empty)
    for start in range(0, pts.size, CHUNK):
        sel = pts[start : start + CHUNK]
        xy = shapely.get_coordinates(geoms[sel])
        frame = resolve_many(x=xy[:, 0], y=xy[:, 1], crs=crs, layers=lay, distances=distances)
        for name in (
            "region_code",
            "region_name",
            "district",
            "district_lands_office",
            "boundary_distance_m",
            "nearest_region",
            "near_boundary",
            "error",
            "error_type",
        ):
            col = frame[name]
            cols[name][sel] = col.to_numpy() if col.dtype.kind in "bf" else col.astype(object).where(col.notna(), None)
        cols["region_share"][sel] = np.where(frame["error"].isna(), 1.0, np.nan)
        for j, hits, notes in zip(sel, frame["zones"], frame["warnings"]):
            if hits or notes:
                cols["zone_kinds"][j], cols["zone_names"][j], cols["zone_shares"][j] = _zone_text(hits)
                cols["warnings"][j] = notes_text(notes)
        bar.update(sel.size)
    polys = np.flatnonzero(np.isin(gtype, (3, 6)) & ~empty)
    for start in range(0, polys.size, CHUNK):
        rows = polys[start : start + CHUNK]
        ans = resolve_polygons(geoms[rows], crs, idx, zidx, distances=distances)
        for name, values in _polygon_columns(ans, idx).items():
            cols[name][rows] = values
        bar.update(rows.size)
    bar.close()
    if not error_type:
        del cols["error_type"]
    out = gdf.copy()
    if "lot_id" not in out.columns:
        out["lot_id"] = pd.Series(lot_ids(gdf), index=out.index, dtype=object)
    for name, values in cols.items():
        target = name if name not in gdf.columns else f"lotrate_{name}"
        out[target] = pd.Series(values, index=out.index, dtype=values.dtype)
    return out


# --- files ------------------------------------------------------------------------------------------------
