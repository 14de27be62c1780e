"""Answers from index positions: the Resolution, its notices and its errors, for scalar and batch paths alike.

The index layer answers with integers (region ``k``, district ``d``, nearest other region ``near``); this
module turns them into the values and sentences of :mod:`lotrate.messages`, so one point gives the same answer,
word for word, whether it came through :func:`lotrate.resolve` or :func:`lotrate.resolve_many`.
"""

from __future__ import annotations

from typing import Any

from lotrate import messages
from lotrate.crs import HK_CRS, parse_crs
from lotrate.errors import CoordinateOrderError, LotrateError, OutsideHongKongError
from lotrate.index.regions import RegionIndex
from lotrate.results import Notice, RegionShare, Resolution, ZoneHit


def is_grid(crs: Any) -> bool:
    return parse_crs(crs) == parse_crs(HK_CRS)






def outside_error(x: float, y: float, crs: Any, e: float, n: float, idx: RegionIndex) -> LotrateError:
    # projected input whose easting and northing, swapped, would land inside Hong Kong
    swapped = is_grid(crs) and idx.locate_point(y, x)[0] >= 0
    cls = CoordinateOrderError if swapped else OutsideHongKongError
    return cls(messages.outside_hong_kong(x, y, crs, e, n, swapped))






def boundary_notice(idx: RegionIndex, k: int, dist: float, near: int) -> Notice | None:
    """A ``near_boundary`` notice when region ``k`` is closer to region ``near`` than the layer's accuracy."""
    if near < 0:
        return None
    accuracy = max(idx.regions[k].accuracy_m, idx.regions[near].accuracy_m)
    if dist >= accuracy:
        return None
    other = idx.regions[near]
    return messages.near_boundary(dist, accuracy, other.name_en, other.code)


def straddle_notice(idx: RegionIndex, shares: list[tuple[float, int]]) -> Notice:
    """A ``straddle`` notice from (share, region position) pairs, largest first."""
    return messages.straddle([(idx.regions[j].code, s) for s, j in shares])


def make_resolution(
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
