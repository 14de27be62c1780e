"""Resolve a lot, given as a point or a boundary, to its Appendix II region, district and special zones.

This is the table step on top of :class:`~lotrate.index.regions.RegionIndex` and :class:`~lotrate.index.zones.ZoneIndex`:
``resolve`` for one point, ``resolve_many`` for arrays (one row per input, never raising for a bad row),
``resolve_geometry`` for a Point, Polygon or MultiPolygon lot.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from lotrate import messages
from lotrate.crs import WGS84, coordinate_problems, point_to_grid, to_grid
from lotrate.resolution.answers import boundary_notice, is_grid, make_resolution, outside_error
from lotrate.resolution.layers import Layers, pick
from lotrate.results import Notice, Resolution, ZoneHit

if TYPE_CHECKING:
    import pandas as pd
    from pyproj import CRS

    from lotrate.index.regions import RegionIndex
    from lotrate.index.zones import ZoneIndex

_NO_HITS: tuple[ZoneHit, ...] = ()
_NO_NOTES: tuple[Notice, ...] = ()


def resolve(
    *,
    x: float,
    y: float,
    crs: str | int | CRS = WGS84,
    regions: RegionIndex | None = None,
    zones: ZoneIndex | None = None,
    layers: Layers | None = None,
) -> Resolution:
    """Resolve one point to its region, district and special zones.

    Parameters
    ----------
    x, y : float
        Coordinates in ``always_xy`` order: longitude, latitude (degrees) or easting, northing (metres).
    crs : str, int or pyproj.CRS
        CRS of ``x`` and ``y``; WGS 84 by default, ``"EPSG:2326"`` for HK1980 Grid.
    regions, zones, layers : optional
        Layers to use instead of the built-in ones (:class:`~lotrate.resolution.layers.Layers`, or either index).

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
    lay = pick(layers, regions, zones)
    idx = lay.regions
    e, n = point_to_grid(x, y, crs)
    k, d = idx.locate_point(e, n)
    if k < 0:
        raise outside_error(x, y, crs, e, n, idx)
    dist, near = idx.point_distance(e, n, k)
    bn = boundary_notice(idx, k, dist, near)
    hits, znotes = lay.zones.point_hits(e, n)
    notes = znotes if bn is None else (bn, *znotes)
    return make_resolution(idx, k, d, dist, near, e, n, "Point", None, idx.point_shares[k], hits, notes)


def resolve_many(
    *,
    x: Any,
    y: Any,
    crs: str | int | CRS = WGS84,
    regions: RegionIndex | None = None,
    zones: ZoneIndex | None = None,
    layers: Layers | None = None,
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

    lay = pick(layers, regions, zones)
    idx, zidx = lay.regions, lay.zones
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
        swapped = idx.region_grid.locate(ya[out], xa[out]) >= 0 if is_grid(crs) else np.zeros(out.size, dtype=bool)
        errors[out] = [
            messages.outside_hong_kong(float(xa[i]), float(ya[i]), crs, float(e[i]), float(n[i]), bool(s))
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
        bn = boundary_notice(idx, int(k[i]), float(dist[i]), int(near[i]))
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
