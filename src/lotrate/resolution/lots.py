"""Resolve a lot boundary (Point, Polygon or MultiPolygon) to its region shares, district and special zones."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from lotrate.crs import HK_CRS, WGS84, geometry_to_grid
from lotrate.errors import OutsideHongKongError
from lotrate.resolution.answers import boundary_notice, make_resolution, outside_error, straddle_notice
from lotrate.resolution.layers import Layers, pick
from lotrate.resolution.points import resolve
from lotrate.results import STRADDLE_MIN_SHARE, Notice, RegionShare, Resolution

if TYPE_CHECKING:
    from pyproj import CRS

    from lotrate.index.regions import RegionIndex
    from lotrate.index.zones import ZoneIndex



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
    lay = pick(layers, regions, zones)
    if g.geom_type == "Point":
        return resolve(x=g.x, y=g.y, crs=HK_CRS, layers=lay)
    idx = lay.regions
    area = float(g.area)
    region_shares = idx.region_grid.area_shares(np.array([g], dtype=object))[0]
    shares = [(float(s), k) for k, s in enumerate(region_shares) if s > 0]
    inside = sum(s for s, _ in shares)
    if not shares:
        c = g.representative_point()
        raise outside_error(c.x, c.y, HK_CRS, c.x, c.y, idx)
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
        notes.append(straddle_notice(idx, shares))
    else:
        primary = idx.regions[k].geometry
        dist, near = idx.geometry_distance(shapely.intersection(g, primary), k)
        bn = boundary_notice(idx, k, dist, near)
        if bn is not None:
            notes.append(bn)
    hits, znotes = lay.zones.geometry_hits(g)
    notes.extend(znotes)
    p = g.representative_point()
    region_shares = tuple(RegionShare(idx.regions[j].code, idx.regions[j].name_en, s) for s, j in shares)
    return make_resolution(idx, k, d, dist, near, p.x, p.y, g.geom_type, area, region_shares, hits, tuple(notes))
