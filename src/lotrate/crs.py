"""Coordinate reference systems: everything to HK1980 Grid (EPSG:2326), with loud checks on the way in.

Geometry is computed in EPSG:2326 only. Input may be in any CRS pyproj reads; axis order is always x, y
(``always_xy=True``): longitude/latitude, or easting/northing. The checks here catch the mistakes that
otherwise give a silently wrong place: NaN or infinite values, latitude and longitude swapped, HK1980 metres
passed as degrees, degrees passed as metres (LandsD's HK1980 Grid notes, docs/layers.md). Containment in Hong Kong
is tested
against the region layer (``regions.py``), never against a bounding box.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError as _PyprojCRSError
from pyproj.exceptions import ProjError

from lotrate import messages
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

# Rough windows used only to recognise mistakes (LandsD's HK1980 Grid notes, docs/layers.md), never to decide
# containment.
_LON = (113.5, 114.8)
_LAT = (21.9, 22.8)
_EAST = (790_000.0, 880_000.0)
_NORTH = (790_000.0, 860_000.0)


#: names Hong Kong surveyors use for the territory's CRSs (lower case, spaces normalised) -> EPSG code.
#: "HK1980" alone is read as the grid (EPSG:2326), as in everyday survey use; its geographic datum is EPSG:4611.
CRS_ALIASES = {
    "hk1980": "EPSG:2326",
    "hk1980 grid": "EPSG:2326",
    "hk 1980 grid": "EPSG:2326",
    "hk80": "EPSG:2326",
    "hk80 grid": "EPSG:2326",
    "hkgrid": "EPSG:2326",
    "hk grid": "EPSG:2326",
    "hong kong 1980 grid": "EPSG:2326",
    "hong kong 1980 grid system": "EPSG:2326",
    "wgs84": "EPSG:4326",
    "wgs 84": "EPSG:4326",
    "hk1980 geographic": "EPSG:4611",
}


@lru_cache(maxsize=32)
def parse_crs(crs: str | int | CRS) -> CRS:
    """Return a :class:`pyproj.CRS`, raising :class:`~lotrate.errors.CRSError` with a hint if unreadable.

    Besides anything pyproj reads, the names people use in Hong Kong are understood (``CRS_ALIASES``).

    Examples
    --------
    >>> parse_crs("EPSG:2326").name
    'Hong Kong 1980 Grid System'
    >>> parse_crs("HK1980 Grid").to_epsg(), parse_crs("HK80").to_epsg()
    (2326, 2326)
    """
    if isinstance(crs, CRS):
        parsed = crs
    else:
        alias = CRS_ALIASES.get(" ".join(str(crs).lower().replace("_", " ").replace("-", " ").split()))
        try:
            parsed = CRS.from_user_input(alias or crs)
        except (_PyprojCRSError, TypeError, ValueError) as exc:
            raise CRSError(
                f"crs={_short(crs)} is not a coordinate reference system pyproj can read; "
                "use e.g. 'EPSG:4326' for longitude/latitude or 'EPSG:2326' for HK1980 Grid"
            ) from exc
    if parsed.geodetic_crs is None:  # LOCAL_CS / engineering or vertical-only: no link to the Earth
        raise CRSError(
            f"crs={_short(crs)} is a local ({parsed.type_name.lower()}) coordinate system with no link to the "
            "Earth, so lotrate cannot place it in Hong Kong; reproject the data to EPSG:2326 (HK1980 Grid) or give "
            "its real CRS"
        )
    return parsed


def _short(crs: object) -> str:
    """A CRS as quoted in a message: WKT cut to its first 60 characters."""
    text = crs.to_string() if isinstance(crs, CRS) else str(crs)
    text = " ".join(text.split())
    return repr(text if len(text) <= 60 else text[:57] + "...")


def _crs_key(crs: str | int | CRS | None) -> str | int | CRS:
    return WGS84 if crs is None else crs


@lru_cache(maxsize=32)
def _transformer(crs: str | int | CRS) -> Transformer | None:
    src = parse_crs(crs)
    if src == parse_crs(HK_CRS):
        return None
    try:
        return Transformer.from_crs(src, HK_CRS, always_xy=True)
    except ProjError as exc:
        raise CRSError(
            f"crs={_short(crs)} cannot be converted to HK1980 Grid (EPSG:2326); reproject the data or give its "
            "real CRS"
        ) from exc


def check_crs(crs: str | int | CRS) -> CRS:
    """Parse ``crs`` and make sure it converts to HK1980 Grid, raising :class:`~lotrate.errors.CRSError` if not.

    Examples
    --------
    >>> check_crs("EPSG:4326").name
    'WGS 84'
    """
    _transformer(crs)
    return parse_crs(crs)


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
    return point_converter(crs)(x, y)


def needs_transform(crs: str | int | CRS = WGS84) -> bool:
    """True unless ``crs`` is HK1980 Grid itself (then coordinates pass through unchanged)."""
    return _transformer(_crs_key(crs)) is not None


_CONVERTERS: dict[Any, Callable[[Any, Any], tuple[float, float]]] = {}


def point_converter(crs: str | int | CRS = WGS84) -> Callable[[Any, Any], tuple[float, float]]:
    """The checked one-point conversion to HK1980 Grid for ``crs``, built once per CRS value and cached.

    The returned function takes ``x, y`` (any real numbers) and returns ``(easting, northing)`` floats, or
    raises the error :func:`check_point` would. A point inside the plausible window of its kind of CRS (degrees
    or metres around Hong Kong) cannot have a problem, so it is checked with four comparisons; any other point
    gets the full diagnosis.

    Examples
    --------
    >>> point_converter("EPSG:2326")(835411.431, 817266.016)
    (835411.431, 817266.016)
    """
    try:
        return _CONVERTERS[crs]
    except (KeyError, TypeError):
        pass
    conv = _make_converter(crs)
    try:
        if len(_CONVERTERS) < 64:
            _CONVERTERS[crs] = conv
    except TypeError:  # an unhashable crs (a dict): not cached
        pass
    return conv


def point_transform(
    crs: str | int | CRS = WGS84,
) -> tuple[Callable[[float, float], tuple[float, float]] | None, tuple[float, float, float, float]]:
    """The raw one-point transform to HK1980 Grid (None for HK1980 Grid itself) and the plausible window
    ``(xmin, xmax, ymin, ymax)`` of ``crs``'s kind: a float point inside the window needs no other check than
    a finite result (the hot path of :func:`point_converter`, for callers that inline it)."""
    key = _crs_key(crs)
    tr = _transformer(key)
    (x0, x1), (y0, y1) = (_LON, _LAT) if _is_geographic(key) else (_EAST, _NORTH)
    return (None if tr is None else _fast_transform(tr)), (x0, x1, y0, y1)


def _as_number(x: Any, y: Any) -> tuple[float, float]:
    try:
        return float(x), float(y)
    except (TypeError, ValueError) as exc:
        raise InvalidCoordinateError(f"coordinate x={x!r}, y={y!r} is not a number") from exc


def _fast_transform(tr: Transformer) -> Callable[[float, float], tuple[float, float]]:
    """``tr.transform`` for one point, through pyproj's point call when it is there and agrees."""
    point = getattr(getattr(tr, "_transformer", None), "_transform_point", None)
    if point is not None:
        try:
            from pyproj.enums import TransformDirection

            forward = TransformDirection.FORWARD

            def fast(x: float, y: float) -> tuple[float, float]:
                e, n = point(inx=x, iny=y, inz=None, intime=None, direction=forward, radians=False, errcheck=False)
                return e, n

            probe = (114.2, 22.3, 835000.0, 818000.0)
            if all(fast(a, b) == tuple(tr.transform(a, b, errcheck=False)) for a, b in zip(probe[:2], probe[2:])):
                return fast
        except Exception:  # an older or newer pyproj: the public call
            pass

    def public(x: float, y: float) -> tuple[float, float]:
        e, n = tr.transform(x, y, errcheck=False)
        return e, n

    return public


def _make_converter(crs: str | int | CRS) -> Callable[[Any, Any], tuple[float, float]]:
    key = _crs_key(crs)
    geographic = _is_geographic(key)
    tr = _transformer(key)
    (x0, x1), (y0, y1) = (_LON, _LAT) if geographic else (_EAST, _NORTH)
    isfinite = math.isfinite
    transform = None if tr is None else _fast_transform(tr)

    def convert(x: Any, y: Any) -> tuple[float, float]:
        if type(x) is not float or type(y) is not float:
            x, y = _as_number(x, y)
        if not (x0 <= x <= x1 and y0 <= y <= y1):  # outside the plausible window: the full diagnosis
            problem = _problem(x, y, geographic, crs)
            if problem is not None:
                raise problem
        if transform is None:
            return x, y
        e, n = transform(x, y)
        if not (isfinite(e) and isfinite(n)):
            raise CoordinateUnitsError(messages.cannot_convert(x, y, crs))
        return e, n

    return convert


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
