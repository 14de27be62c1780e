"""Resolve a lot, given as a point or a boundary, to its Appendix II region, district and special zones.

This is the table step on top of :class:`~lotrate.regions.RegionIndex` and :class:`~lotrate.zones.ZoneIndex`:
``resolve`` for one point, ``resolve_many`` for arrays (one row per input, never raising for a bad row),
``resolve_geometry`` for a Point, Polygon or MultiPolygon lot.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from lotrate.crs import (
    HK_CRS,
    WGS84,
    coordinate_problems,
    geometry_to_grid,
    parse_crs,
    point_to_grid,
    to_grid,
)
from lotrate.errors import CoordinateOrderError, LotFileError, LotrateError, OutsideHongKongError
from lotrate.regions import RegionIndex
from lotrate.results import STRADDLE_MIN_SHARE, Notice, RegionShare, Resolution, ZoneHit

if TYPE_CHECKING:
    import pandas as pd
    from pyproj import CRS

    from lotrate.zones import ZoneIndex

_NO_HITS: tuple[ZoneHit, ...] = ()
_NO_NOTES: tuple[Notice, ...] = ()


@dataclass(frozen=True)
class LotFeature:
    """One feature of a lot file: its id, geometry (GeoJSON dict, as given), CRS and properties."""

    lot_id: str
    geometry: dict[str, Any]
    crs: str
    properties: dict[str, Any]


_LEGACY_HK = {"urn:ogc:def:crs:EPSG::2326", "EPSG:2326", "epsg:2326", "urn:ogc:def:crs:EPSG:2326"}


def read_features(source: str | os.PathLike[str] | dict[str, Any], crs: str | None = None) -> list[LotFeature]:
    """Read the features of a GeoJSON Feature or FeatureCollection (lot file format v1).

    The CRS is ``crs`` when given, else the file's legacy ``crs`` member, else WGS 84 (RFC 7946).
    A feature without ``lot_id`` is named by its position (``#1``, ``#2``, ...).

    Examples
    --------
    >>> doc = {"type": "Feature", "properties": {"lot_id": "KTIL 713"},
    ...        "geometry": {"type": "Point", "coordinates": [114.225, 22.313]}}
    >>> [(f.lot_id, f.crs) for f in read_features(doc)]
    [('KTIL 713', 'EPSG:4326')]
    """
    if isinstance(source, dict):
        doc = source
    else:
        path = Path(source)
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise LotFileError(f"lot file {str(path)!r} does not exist", field="path", value=str(path)) from exc
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise LotFileError(
                f"lot file {str(path)!r} is not valid JSON: {exc}", field="path", value=str(path)
            ) from exc
    if not isinstance(doc, dict) or doc.get("type") not in ("Feature", "FeatureCollection"):
        raise LotFileError(
            "a lot file is a GeoJSON Feature or FeatureCollection; found "
            f"type={doc.get('type') if isinstance(doc, dict) else type(doc).__name__!r}",
            field="type",
            value=doc.get("type") if isinstance(doc, dict) else None,
        )
    legacy = ((doc.get("crs") or {}).get("properties") or {}).get("name")
    file_crs = crs or ("EPSG:2326" if legacy in _LEGACY_HK else (legacy or WGS84))
    feats = doc["features"] if doc["type"] == "FeatureCollection" else [doc]
    if not isinstance(feats, list) or not feats:
        raise LotFileError("the FeatureCollection has no features", field="features", value=feats)
    out = []
    for i, f in enumerate(feats, start=1):
        props = dict((f or {}).get("properties") or {})
        geom = (f or {}).get("geometry")
        if not isinstance(geom, dict):
            raise LotFileError(
                f"feature #{i} has no geometry; give a Point, Polygon or MultiPolygon", field="geometry", value=geom
            )
        out.append(LotFeature(str(props.get("lot_id") or f"#{i}"), geom, file_crs, props))
    return out


def _is_grid(crs: Any) -> bool:
    return parse_crs(crs) == parse_crs(HK_CRS)


def _regions(regions: RegionIndex | None) -> RegionIndex:
    return RegionIndex.default() if regions is None else regions


def _zones(zones: ZoneIndex | None) -> ZoneIndex:
    from lotrate.zones import ZoneIndex

    return ZoneIndex.default() if zones is None else zones


def _outside_error(x: float, y: float, crs: Any, e: float, n: float, idx: RegionIndex) -> LotrateError:
    # projected input whose easting and northing, swapped, would land inside Hong Kong
    swapped = _is_grid(crs) and idx.locate_point(y, x)[0] >= 0
    cls = CoordinateOrderError if swapped else OutsideHongKongError
    return cls(_outside_message(x, y, crs, e, n, swapped))


def _outside_message(x: float, y: float, crs: Any, e: float, n: float, swapped: bool) -> str:
    where = f"x={x!r}, y={y!r} ({crs})"
    if swapped:
        return (
            f"coordinate {where} is outside Hong Kong, but would be inside with x and y swapped; "
            "lotrate takes x=easting (or longitude), y=northing (or latitude)"
        )
    return (
        f"coordinate {where} (HK1980 E {e:,.0f}, N {n:,.0f}) lies outside the HKSAR boundary; "
        "check the coordinate and its crs"
    )


def _boundary_notice(idx: RegionIndex, k: int, dist: float, near: int) -> Notice | None:
    if near < 0:
        return None
    accuracy = max(idx.regions[k].accuracy_m, idx.regions[near].accuracy_m)
    if dist >= accuracy:
        return None
    other = idx.regions[near]
    return Notice(
        "near_boundary",
        f"{dist:,.0f} m from {other.name_en} ({other.code}), within the region layer's accuracy of "
        f"{accuracy:,.0f} m: LandsD's reading of the Appendix II map decides",
    )


def resolve(
    *,
    x: float,
    y: float,
    crs: str | int | CRS = WGS84,
    regions: RegionIndex | None = None,
    zones: ZoneIndex | None = None,
) -> Resolution:
    """Resolve one point to its region, district and special zones.

    Parameters
    ----------
    x, y : float
        Coordinates in ``always_xy`` order: longitude, latitude (degrees) or easting, northing (metres).
    crs : str, int or pyproj.CRS
        CRS of ``x`` and ``y``; WGS 84 by default, ``"EPSG:2326"`` for HK1980 Grid.
    regions, zones : optional
        Indexes to use instead of the built-in layers.

    Raises
    ------
    OutsideHongKongError, CoordinateOrderError, CoordinateUnitsError, InvalidCoordinateError

    Examples
    --------
    >>> r = resolve(x=835411.431, y=817266.016, crs="EPSG:2326")  # Tsim Sha Tsui, HK1980 Grid
    >>> r.region_code, r.district, r.district_lands_office
    ('KW', 'Yau Tsim Mong', 'District Lands Office Kowloon West')
    >>> resolve(x=114.1887, y=22.2456).region_code  # Wong Chuk Hang
    'HKI'
    """
    idx = _regions(regions)
    e, n = point_to_grid(x, y, crs)
    k, d = idx.locate_point(e, n)
    if k < 0:
        raise _outside_error(x, y, crs, e, n, idx)
    dist, near = idx.point_distance(e, n, k)
    bn = _boundary_notice(idx, k, dist, near)
    hits, znotes = _zones(zones).point_hits(e, n)
    notes = znotes if bn is None else (bn, *znotes)
    return _make(idx, k, d, dist, near, e, n, "Point", None, idx.point_shares[k], hits, notes)


def _make(
    idx: RegionIndex,
    k: int,
    d: int,
    dist: float,
    near: int,
    e: float,
    n: float,
    gtype: str,
    area: float | None,
    shares: tuple[RegionShare, ...],
    hits: tuple[ZoneHit, ...],
    notes: tuple[Notice, ...],
) -> Resolution:
    region = idx.regions[k]
    district = idx.districts[d] if d >= 0 else None
    return Resolution(
        region_code=region.code,
        region_name=region.name_en,
        district=district.name_en if district else "",
        district_zh=district.name_zh if district else "",
        district_lands_office=district.district_lands_office if district else "",
        boundary_distance_m=dist,
        nearest_region=idx.regions[near].code if near >= 0 else None,
        easting=e,
        northing=n,
        geometry_type=gtype,
        area_m2=area,
        shares=shares,
        zones=hits,
        warnings=notes,
    )


def _straddle_notice(idx: RegionIndex, shares: list[tuple[float, int]]) -> Notice:
    parts = ", ".join(f"{idx.regions[j].code} {s * 100:.1f} %" for s, j in shares)
    return Notice("straddle", f"the lot straddles regions ({parts}); LandsD decides the rates that apply")


def resolve_geometry(
    geom: Any,
    crs: str | int | CRS = WGS84,
    *,
    regions: RegionIndex | None = None,
    zones: ZoneIndex | None = None,
) -> Resolution:
    """Resolve a lot given as a Point, Polygon or MultiPolygon (shapely or GeoJSON).

    For a polygon the lot is split by area (in EPSG:2326) across regions: the primary region is the largest
    share, and any other share above 0.5 % is reported as a ``straddle`` warning. The district is the one
    holding the largest share of the lot.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> lot = box(835300, 817200, 835340, 817240)  # 40 m x 40 m in Tsim Sha Tsui, HK1980 Grid
    >>> r = resolve_geometry(lot, crs="EPSG:2326")
    >>> r.region_code, r.area_m2, [s.share for s in r.shares]
    ('KW', 1600.0, [1.0])
    """
    g = geometry_to_grid(geom, crs)
    if g.geom_type == "Point":
        return resolve(x=g.x, y=g.y, crs=HK_CRS, regions=regions, zones=zones)
    idx = _regions(regions)
    area = float(g.area)
    region_shares = idx.region_grid.area_shares(np.array([g], dtype=object))[0]
    shares = [(float(s), k) for k, s in enumerate(region_shares) if s > 0]
    inside = sum(s for s, _ in shares)
    if not shares:
        c = g.representative_point()
        raise _outside_error(c.x, c.y, HK_CRS, c.x, c.y, idx)
    if inside < 1 - 1e-6:
        raise OutsideHongKongError(
            f"{(1 - inside) * 100:.1f} % of the lot lies outside the HKSAR boundary; check the boundary and its crs"
        )
    shares.sort(key=lambda s: (-s[0], s[1]))
    k = shares[0][1]
    district_shares = idx.district_grid.area_shares(np.array([g], dtype=object))[0]
    d = int(np.argmax(district_shares)) if district_shares.max() > 0 else -1
    notes: list[Notice] = []
    if len(shares) > 1 and shares[1][0] > STRADDLE_MIN_SHARE:
        dist, near = 0.0, shares[1][1]
        notes.append(_straddle_notice(idx, shares))
    else:
        primary = idx.regions[k].geometry
        dist, near = idx.geometry_distance(shapely.intersection(g, primary), k)
        bn = _boundary_notice(idx, k, dist, near)
        if bn is not None:
            notes.append(bn)
    hits, znotes = _zones(zones).geometry_hits(g)
    notes.extend(znotes)
    p = g.representative_point()
    region_shares = tuple(RegionShare(idx.regions[j].code, idx.regions[j].name_en, s) for s, j in shares)
    return _make(idx, k, d, dist, near, p.x, p.y, g.geom_type, area, region_shares, hits, tuple(notes))


def resolve_many(
    *,
    x: Any,
    y: Any,
    crs: str | int | CRS = WGS84,
    regions: RegionIndex | None = None,
    zones: ZoneIndex | None = None,
    distances: bool = True,
) -> pd.DataFrame:
    """Resolve arrays of points; one row per input, in order, never raising for a bad row.

    A row that cannot be resolved has a null ``region_code`` and an ``error`` text saying why. Every other
    row carries the same answer :func:`resolve` gives for that point.

    Parameters
    ----------
    x, y : array-like
        One array per axis, ``always_xy`` order.
    crs : CRS of x and y (WGS 84 by default).
    distances : bool
        ``True`` (default): ``boundary_distance_m`` for every row, exactly as :func:`resolve`. ``False``:
        the distance only where it is under the layer accuracy (so ``near_boundary`` warnings are still
        exact) and NaN elsewhere; several times faster on millions of points.

    Returns
    -------
    pandas.DataFrame
        Columns ``x``, ``y``, ``easting``, ``northing``, ``region_code``, ``region_name``, ``district``,
        ``district_zh``, ``district_lands_office``, ``boundary_distance_m``, ``nearest_region``,
        ``near_boundary``, ``zones`` (tuple of :class:`ZoneHit`), ``warnings`` (tuple of :class:`Notice`),
        ``error``.

    Examples
    --------
    >>> df = resolve_many(x=[114.2250, 114.2370, 0.0], y=[22.3130, 22.2650, 0.0])
    >>> df["region_code"].tolist()
    ['KE', 'HKI', None]
    >>> df["error"].iloc[2].startswith("coordinate x=0.0, y=0.0")
    True
    """
    import pandas as pd

    idx = _regions(regions)
    zidx = _zones(zones)
    xa = np.atleast_1d(np.asarray(x, dtype=float))
    ya = np.atleast_1d(np.asarray(y, dtype=float))
    if xa.shape != ya.shape or xa.ndim != 1:
        raise ValueError(f"x and y must be 1-D arrays of the same length; got shapes {xa.shape} and {ya.shape}")
    size = xa.shape[0]
    problems = coordinate_problems(xa, ya, crs)
    e, n = to_grid(xa, ya, crs)
    bad = ~(np.isfinite(e) & np.isfinite(n))
    bad[list(problems)] = True
    e_ok = np.where(bad, np.nan, e)
    n_ok = np.where(bad, np.nan, n)
    k, d = idx.locate(e_ok, n_ok)
    errors = np.full(size, None, dtype=object)
    for row, problem in problems.items():
        errors[row] = str(problem)
    for i in np.flatnonzero(bad & (errors == None)):  # noqa: E711 (element-wise)
        errors[i] = f"coordinate x={xa[i]!r}, y={ya[i]!r} cannot be converted from {crs} to HK1980 Grid"
    out = np.flatnonzero((k < 0) & ~bad)
    if out.size:
        swapped = idx.region_grid.locate(ya[out], xa[out]) >= 0 if _is_grid(crs) else np.zeros(out.size, dtype=bool)
        errors[out] = [
            _outside_message(float(xa[i]), float(ya[i]), crs, float(e[i]), float(n[i]), bool(s))
            for i, s in zip(out, swapped)
        ]
    ok = k >= 0
    dist = np.full(size, np.nan)
    near = np.full(size, -1, dtype=np.int64)
    want = ok if distances else ok & idx.maybe_near_boundary(e_ok, n_ok)
    if want.any():
        sel = np.flatnonzero(want)
        dd, nn = idx.boundary_distances(e[sel], n[sel], k[sel])
        dist[sel], near[sel] = dd, nn
    notes: list[tuple[Notice, ...]] = [_NO_NOTES] * size
    near_flag = np.zeros(size, dtype=bool)
    for i in np.flatnonzero(want & (near >= 0)):
        bn = _boundary_notice(idx, int(k[i]), float(dist[i]), int(near[i]))
        if bn is not None:
            notes[i] = (bn,)
            near_flag[i] = True
    hits: list[tuple[ZoneHit, ...]] = [_NO_HITS] * size
    sel = np.flatnonzero(ok)
    if sel.size:
        for j, (zh, zn) in zidx.sparse_hits(e[sel], n[sel]).items():
            i = sel[j]
            hits[i] = zh
            notes[i] = notes[i] + zn if notes[i] else zn
    names = np.array([r.name_en for r in idx.regions] + [None], dtype=object)
    codes = np.array([r.code for r in idx.regions] + [None], dtype=object)
    dn = np.array([x.name_en for x in idx.districts] + [None], dtype=object)
    dz = np.array([x.name_zh for x in idx.districts] + [None], dtype=object)
    dl = np.array([x.district_lands_office for x in idx.districts] + [None], dtype=object)
    kk = np.where(ok, k, -1)
    di = np.where(ok & (d >= 0), d, -1)
    no = np.where(ok, e, np.nan), np.where(ok, n, np.nan)

    def text(values: Any) -> pd.Series:
        return pd.Series(values, dtype=object)

    frame = pd.DataFrame(
        {
            "x": xa,
            "y": ya,
            "easting": no[0],
            "northing": no[1],
            "region_code": text(codes[kk]),
            "region_name": text(names[kk]),
            "district": text(dn[di]),
            "district_zh": text(dz[di]),
            "district_lands_office": text(dl[di]),
            "boundary_distance_m": dist,
            "nearest_region": text(codes[near]),
            "near_boundary": near_flag,
            "zones": text(hits),
            "warnings": text(notes),
            "error": text(errors),
        }
    )
    return frame
