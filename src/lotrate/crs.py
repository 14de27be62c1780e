"""Coordinate reference systems: everything to HK1980 Grid (EPSG:2326), with loud checks on the way in.

Geometry is computed in EPSG:2326 only. Input may be in any CRS pyproj reads; axis order is always x, y
(``always_xy=True``): longitude/latitude, or easting/northing. The checks here catch the mistakes that
otherwise give a silently wrong place: NaN or infinite values, latitude and longitude swapped, HK1980 metres
passed as degrees, degrees passed as metres (REFERENCE section 5). Containment in Hong Kong is tested
against the region layer (``regions.py``), never against a bounding box.
"""

from __future__ import annotations

import math
import warnings
from functools import lru_cache
from typing import Any

import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError as _PyprojCRSError

from lotrate.errors import (
    CoordinateOrderError,
    CoordinateUnitsError,
    CRSError,
    EmptyGeometryError,
    GeometryError,
    GeometryRepairWarning,
    InvalidCoordinateError,
    InvalidGeometryError,
    LotrateError,
)

HK_CRS = "EPSG:2326"
WGS84 = "EPSG:4326"

# Rough windows used only to recognise mistakes (REFERENCE section 5), never to decide containment.
_LON = (113.5, 114.8)
_LAT = (21.9, 22.8)
_EAST = (790_000.0, 880_000.0)
_NORTH = (790_000.0, 860_000.0)


@lru_cache(maxsize=32)
def parse_crs(crs: str | int | CRS) -> CRS:
    """Return a :class:`pyproj.CRS`, raising :class:`~lotrate.errors.CRSError` with a hint if unreadable.

    Examples
    --------
    >>> parse_crs("EPSG:2326").name
    'Hong Kong 1980 Grid System'
    """
    if isinstance(crs, CRS):
        return crs
    try:
        return CRS.from_user_input(crs)
    except _PyprojCRSError as exc:
        raise CRSError(
            f"crs={crs!r} is not a coordinate reference system pyproj can read; "
            "use e.g. 'EPSG:4326' for longitude/latitude or 'EPSG:2326' for HK1980 Grid"
        ) from exc


def _crs_key(crs: str | int | CRS | None) -> str | int | CRS:
    return WGS84 if crs is None else crs


@lru_cache(maxsize=32)
def _transformer(crs: str | int | CRS) -> Transformer | None:
    src = parse_crs(crs)
    if src == parse_crs(HK_CRS):
        return None
    return Transformer.from_crs(src, HK_CRS, always_xy=True)


@lru_cache(maxsize=32)
def _is_geographic(crs: str | int | CRS) -> bool:
    return bool(parse_crs(crs).is_geographic)


def _between(v: np.ndarray, lo_hi: tuple[float, float]) -> np.ndarray:
    return (v >= lo_hi[0]) & (v <= lo_hi[1])


def coordinate_problems(x: np.ndarray, y: np.ndarray, crs: str | int | CRS = WGS84) -> dict[int, LotrateError]:
    """Check raw input coordinates; return the error of each bad row by its position, without raising.

    Only the rows with a problem are examined in Python, so this stays fast for large arrays.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    geographic = _is_geographic(_crs_key(crs))
    bad = ~(np.isfinite(x) & np.isfinite(y))
    if geographic:
        bad |= (np.abs(x) > 180) | (np.abs(y) > 90) | (_between(x, _LAT) & _between(y, _LON))
    else:
        bad |= (np.abs(x) <= 360) & (np.abs(y) <= 360)
    out: dict[int, LotrateError] = {}
    for i in np.flatnonzero(bad):
        problem = _problem(float(x[i]), float(y[i]), geographic, crs)
        if problem is not None:
            out[int(i)] = problem
    return out


def _in(v: float, lo_hi: tuple[float, float]) -> bool:
    return lo_hi[0] <= v <= lo_hi[1]


def _problem(x: float, y: float, geographic: bool, crs: object) -> LotrateError | None:
    where = f"x={x!r}, y={y!r}"
    if not (math.isfinite(x) and math.isfinite(y)):
        return InvalidCoordinateError(f"coordinate {where} is not a finite number; give real numbers for x and y")
    if geographic:
        if _EAST[0] <= x <= _EAST[1] and _NORTH[0] <= y <= _NORTH[1]:
            return CoordinateUnitsError(
                f"coordinate {where} looks like HK1980 Grid metres (easting, northing) given as degrees; "
                "pass crs='EPSG:2326'"
            )
        if _in(x, _LAT) and _in(y, _LON):
            return CoordinateOrderError(
                f"coordinate {where} looks like latitude, longitude; lotrate takes x=longitude, y=latitude "
                f"(always_xy): try x={y!r}, y={x!r}"
            )
        if abs(x) > 180 or abs(y) > 90:
            return CoordinateUnitsError(
                f"coordinate {where} is out of range for degrees in {crs}; "
                "if these are projected metres, pass their crs (e.g. 'EPSG:2326')"
            )
        return None
    if abs(x) <= 360 and abs(y) <= 360:
        if _in(x, _LAT) and _in(y, _LON):
            hint = f"latitude, longitude in degrees: pass x={y!r}, y={x!r} with crs='EPSG:4326'"
        else:
            hint = "degrees: pass crs='EPSG:4326' (x=longitude, y=latitude)"
        return CoordinateUnitsError(f"coordinate {where} looks like {hint}, not metres of {crs}")
    return None


def check_point(x: float, y: float, crs: str | int | CRS = WGS84) -> None:
    """Raise the specific error for a single bad input coordinate, if there is one."""
    problem = _problem(x, y, _is_geographic(_crs_key(crs)), crs)
    if problem is not None:
        raise problem


def to_grid(x: Any, y: Any, crs: str | int | CRS = WGS84) -> tuple[np.ndarray, np.ndarray]:
    """Convert x, y arrays (``always_xy`` order) to HK1980 Grid easting, northing arrays, without checks.

    Rows pyproj cannot convert come back as ``inf``. Use :func:`coordinate_problems` first for checks.

    Examples
    --------
    >>> e, n = to_grid([114.141187917], [22.322172084])
    >>> round(float(e[0]), 2), round(float(n[0]), 2)
    (832591.32, 820351.39)
    """
    xa = np.asarray(x, dtype=float)
    ya = np.asarray(y, dtype=float)
    tr = _transformer(_crs_key(crs))
    if tr is None:
        return xa.copy(), ya.copy()
    e, n = tr.transform(xa, ya, errcheck=False)
    return np.asarray(e, dtype=float), np.asarray(n, dtype=float)


def point_to_grid(x: float, y: float, crs: str | int | CRS = WGS84) -> tuple[float, float]:
    """Check and convert one point to HK1980 Grid (easting, northing) in metres.

    Raises
    ------
    InvalidCoordinateError, CoordinateOrderError, CoordinateUnitsError

    Examples
    --------
    >>> e, n = point_to_grid(114.168562005, 22.294313001)
    >>> round(e, 2), round(n, 2)
    (835411.43, 817266.02)
    """
    try:
        xf, yf = float(x), float(y)
    except (TypeError, ValueError) as exc:
        raise InvalidCoordinateError(f"coordinate x={x!r}, y={y!r} is not a number") from exc
    check_point(xf, yf, crs)
    tr = _transformer(_crs_key(crs))
    if tr is None:
        return xf, yf
    e, n = tr.transform(xf, yf, errcheck=False)
    if not (np.isfinite(e) and np.isfinite(n)):
        raise CoordinateUnitsError(
            f"coordinate x={xf!r}, y={yf!r} cannot be converted from {crs} to HK1980 Grid; "
            "check the crs and the units of the values"
        )
    return float(e), float(n)


_POLYGONAL = ("Polygon", "MultiPolygon")


def as_geometry(geom: Any) -> shapely.Geometry:
    """Accept a shapely geometry, a GeoJSON geometry dict, or a GeoJSON Feature dict."""
    if isinstance(geom, shapely.Geometry):
        return geom
    if isinstance(geom, dict):
        if geom.get("type") == "Feature":
            geom = geom.get("geometry")
            if geom is None:
                raise EmptyGeometryError("the Feature has no geometry; give a Point, Polygon or MultiPolygon")
        try:
            return shapely.geometry.shape(geom)
        except Exception as exc:  # shapely raises several types for malformed GeoJSON
            raise GeometryError(f"geometry {str(geom)[:80]!r} is not valid GeoJSON: {exc}") from exc
    raise GeometryError(f"geometry of type {type(geom).__name__} is not supported; give shapely or GeoJSON")


def geometry_to_grid(geom: Any, crs: str | int | CRS = WGS84) -> shapely.Geometry:
    """Check, convert and if needed repair a lot geometry; return it in HK1980 Grid.

    Points, Polygons and MultiPolygons are accepted. An invalid polygon is repaired with
    :func:`shapely.make_valid` (keeping only its area) and a :class:`GeometryRepairWarning` is issued;
    if no area is left, :class:`InvalidGeometryError` is raised.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> g = geometry_to_grid(box(835000, 817000, 835100, 817050), crs="EPSG:2326")
    >>> g.area
    5000.0
    """
    g = as_geometry(geom)
    if g.is_empty:
        raise EmptyGeometryError("the lot geometry is empty; give a point or a boundary with coordinates")
    if g.geom_type != "Point" and g.geom_type not in _POLYGONAL:
        raise GeometryError(f"geometry type {g.geom_type} is not a lot; give a Point, Polygon or MultiPolygon")
    coords = shapely.get_coordinates(g)
    for i, p in sorted(coordinate_problems(coords[:, 0], coords[:, 1], crs).items())[:1]:
        raise type(p)(f"vertex {i}: {p}")
    if _transformer(_crs_key(crs)) is not None:
        g = shapely.transform(g, lambda c: np.column_stack(to_grid(c[:, 0], c[:, 1], crs)))
        if not np.isfinite(shapely.get_coordinates(g)).all():
            raise CoordinateUnitsError(
                f"the geometry cannot be converted from {crs} to HK1980 Grid; check its crs and units"
            )
    if g.geom_type == "Point":
        return g
    if not g.is_valid:
        reason = shapely.is_valid_reason(g)
        fixed = shapely.make_valid(g)
        polys = [p for p in shapely.get_parts(fixed) if p.geom_type in _POLYGONAL]
        repaired = shapely.union_all(polys) if polys else shapely.Polygon()
        if repaired.is_empty or repaired.area <= 0:
            raise InvalidGeometryError(
                f"the lot polygon is invalid ({reason}) and has no area once repaired; fix the boundary"
            )
        warnings.warn(
            GeometryRepairWarning(
                f"the lot polygon was invalid ({reason}) and was repaired with make_valid; check the boundary"
            ),
            stacklevel=2,
        )
        g = repaired
    if g.area <= 0:
        raise EmptyGeometryError("the lot polygon has no area; give a boundary that encloses land")
    return g
