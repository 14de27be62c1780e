"""lookup.py: resolve, resolve_many and resolve_geometry against named places and bad input."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Transformer
from shapely.geometry import MultiPolygon, Point, box

import lotrate
from lotrate.errors import CoordinateOrderError, CoordinateUnitsError, OutsideHongKongError
from lotrate.index.regions import RegionIndex

from locations import HARBOUR, INDUSTRIAL_AREAS, ISLANDS_AND_EDGES, OUTSIDE, REGION_ONLY

TO_GRID = Transformer.from_crs("EPSG:4326", "EPSG:2326", always_xy=True)
NAMED = {**INDUSTRIAL_AREAS, **ISLANDS_AND_EDGES}


@pytest.mark.parametrize("name", sorted(NAMED))
def test_named_places(name: str) -> None:
    lon, lat, region, district = NAMED[name]
    r = lotrate.resolve(x=lon, y=lat)
    assert (r.region_code, r.district) == (region, district)
    assert r.region_name and r.district_lands_office.startswith("District Lands Office")


@pytest.mark.parametrize("name", sorted(NAMED))
def test_named_places_in_hk1980(name: str) -> None:
    lon, lat, region, _district = NAMED[name]
    e, n = TO_GRID.transform(lon, lat)
    assert lotrate.resolve(x=e, y=n, crs="EPSG:2326").region_code == region


def test_lok_ma_chau_loop_is_covered_as_ntn() -> None:
    lon, lat, region = REGION_ONLY["Lok Ma Chau Loop"]
    assert lotrate.resolve(x=lon, y=lat).region_code == region


def test_harbour_resolves_to_a_shore_region() -> None:
    lon, lat, allowed = HARBOUR["Victoria Harbour, mid-channel"]
    assert lotrate.resolve(x=lon, y=lat).region_code in allowed


@pytest.mark.parametrize("name", sorted(OUTSIDE))
def test_outside_hong_kong(name: str) -> None:
    lon, lat = OUTSIDE[name]
    with pytest.raises(OutsideHongKongError, match="outside the HKSAR boundary"):
        lotrate.resolve(x=lon, y=lat)


def test_swapped_grid_coordinates_outside_hk_are_named_as_swapped() -> None:
    # E 812,000 N 845,900 is in Shenzhen; swapped, E 845,900 N 812,000 is in Hong Kong waters
    idx = RegionIndex.default()
    assert idx.region_grid.locate_one(845_900.0, 812_000.0) >= 0
    with pytest.raises(CoordinateOrderError, match="swapped"):
        lotrate.resolve(x=812_000.0, y=845_900.0, crs="EPSG:2326")


def test_degrees_passed_as_metres() -> None:
    with pytest.raises(CoordinateUnitsError, match="EPSG:4326"):
        lotrate.resolve(x=114.2235, y=22.3110, crs="EPSG:2326")


def test_distance_and_neighbour_are_reported() -> None:
    r = lotrate.resolve(x=114.1985, y=22.3365)  # San Po Kong, close to Kowloon City
    assert r.nearest_region == "KW"
    assert 50 < r.boundary_distance_m < 1000
    assert not r.near_boundary


def test_near_boundary_warning_names_the_neighbour(region_index: RegionIndex) -> None:
    ke = region_index.regions[1].geometry
    kw = region_index.regions[2].geometry
    edge = ke.boundary.intersection(kw.boundary)
    p = edge.interpolate(0.5, normalized=True)
    inside = Point(p.x + 20, p.y) if ke.contains(Point(p.x + 20, p.y)) else Point(p.x - 20, p.y)
    r = lotrate.resolve(x=inside.x, y=inside.y, crs="EPSG:2326")
    assert r.near_boundary and r.boundary_distance_m < 50
    w = next(w for w in r.warnings if w.code == "near_boundary")
    assert "Kowloon" in w.message and ("KW" in w.message or "KE" in w.message)


def test_point_exactly_on_a_shared_edge_is_deterministic(region_index: RegionIndex) -> None:
    ke = region_index.regions[1].geometry
    kw = region_index.regions[2].geometry
    x, y = next(iter(ke.boundary.intersection(kw.boundary).geoms)).coords[1]
    answers = {lotrate.resolve(x=x, y=y, crs="EPSG:2326").region_code for _ in range(3)}
    assert answers == {"KE"}  # first in layer order
    assert lotrate.resolve_many(x=[x], y=[y], crs="EPSG:2326")["region_code"].tolist() == ["KE"]


def test_resolution_json_keys() -> None:
    d = lotrate.resolve(x=114.2235, y=22.3110).to_dict()
    for key in ("region_code", "region_name", "district", "zones", "boundary_distance_m", "warnings"):
        assert key in d


def test_resolve_many_keeps_order_and_explains_bad_rows() -> None:
    xs = [114.2235, float("nan"), 22.311, 114.0579, 114.2375]
    ys = [22.3110, 22.3, 114.2235, 22.5431, 22.2660]
    df = lotrate.resolve_many(x=xs, y=ys)
    assert df["region_code"].astype(object).where(df["region_code"].notna(), None).tolist() == [
        "KE",
        None,
        None,
        None,
        "HKI",
    ]
    assert df["error"].iloc[0] is None and df["error"].iloc[4] is None
    assert "not a finite number" in df["error"].iloc[1]
    assert "latitude, longitude" in df["error"].iloc[2]
    assert "outside the HKSAR boundary" in df["error"].iloc[3]


def _same(row: dict, r: lotrate.Resolution) -> None:
    assert row["region_code"] == r.region_code and row["district"] == r.district
    assert row["nearest_region"] == r.nearest_region
    assert math.isclose(row["boundary_distance_m"], r.boundary_distance_m, abs_tol=1e-9)
    assert tuple(row["warnings"]) == r.warnings and tuple(row["zones"]) == r.zones


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(113.80, 114.52), st.floats(22.13, 22.58)), min_size=1, max_size=40))
def test_batch_equals_scalar(pts: list[tuple[float, float]]) -> None:
    xs = [p[0] for p in pts]
    ys = [p[1] for p in pts]
    df = lotrate.resolve_many(x=xs, y=ys)
    for (x, y), row in zip(pts, df.to_dict("records")):
        try:
            r = lotrate.resolve(x=x, y=y)
        except lotrate.LotrateError as exc:
            assert pd.isna(row["region_code"]) and row["error"] == str(exc)
        else:
            _same(row, r)


def test_batch_without_distances_keeps_near_boundary_exact(region_index: RegionIndex) -> None:
    rng = np.random.default_rng(7)
    edge = region_index.regions[1].geometry.boundary
    pts = [edge.interpolate(float(t), normalized=True) for t in rng.uniform(0, 1, 200)]
    e = np.array([p.x for p in pts]) + rng.uniform(-80, 80, 200)
    n = np.array([p.y for p in pts]) + rng.uniform(-80, 80, 200)
    full = lotrate.resolve_many(x=e, y=n, crs="EPSG:2326")
    fast = lotrate.resolve_many(x=e, y=n, crs="EPSG:2326", distances=False)
    assert full["near_boundary"].tolist() == fast["near_boundary"].tolist()
    assert full["near_boundary"].any()
    assert full["region_code"].tolist() == fast["region_code"].tolist()


def test_polygon_wholly_in_one_region() -> None:
    e, n = TO_GRID.transform(114.2235, 22.3110)
    r = lotrate.resolve_geometry(box(e - 20, n - 15, e + 20, n + 15), crs="EPSG:2326")
    assert r.region_code == "KE" and r.area_m2 == pytest.approx(1200.0)
    assert [s.share for s in r.shares] == [1.0] and not r.straddles


def test_polygon_straddling_two_regions(region_index: RegionIndex) -> None:
    ke = region_index.regions[1].geometry
    kw = region_index.regions[2].geometry
    p = ke.boundary.intersection(kw.boundary).interpolate(0.3, normalized=True)
    lot = box(p.x - 60, p.y - 60, p.x + 60, p.y + 60)
    r = lotrate.resolve_geometry(lot, crs="EPSG:2326")
    codes = {s.code for s in r.shares}
    assert codes == {"KE", "KW"}
    assert sum(s.share for s in r.shares) == pytest.approx(1.0)
    assert r.region_code == max(r.shares, key=lambda s: s.share).code
    assert any(w.code == "straddle" for w in r.warnings)
    # the shares are areas in EPSG:2326
    assert r.shares[0].share == pytest.approx(
        ke.intersection(lot).area / lot.area if r.region_code == "KE" else kw.intersection(lot).area / lot.area
    )


def test_multipolygon_lot_in_wgs84() -> None:
    to_wgs = Transformer.from_crs("EPSG:2326", "EPSG:4326", always_xy=True)
    e, n = TO_GRID.transform(114.1925, 22.3960)
    parts = [box(e, n, e + 30, n + 30), box(e + 100, n, e + 130, n + 30)]
    wgs = MultiPolygon(
        [box(*to_wgs.transform(p.bounds[0], p.bounds[1]), *to_wgs.transform(p.bounds[2], p.bounds[3])) for p in parts]
    )
    r = lotrate.resolve_geometry(wgs)
    assert r.region_code == "NTS" and r.district == "Sha Tin"
    assert r.area_m2 == pytest.approx(1800.0, rel=1e-3)


def test_polygon_partly_outside_hong_kong() -> None:
    e, n = TO_GRID.transform(114.1135, 22.5282)  # Lo Wu: the box reaches 600 m north, over the river
    with pytest.raises(OutsideHongKongError, match="% of the lot lies outside"):
        lotrate.resolve_geometry(box(e - 50, n, e + 50, n + 600), crs="EPSG:2326")


def test_read_features_detects_legacy_hk1980_crs() -> None:
    doc = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::2326"}},
        "features": [
            {
                "type": "Feature",
                "properties": {"lot_id": "KTIL 1"},
                "geometry": {"type": "Point", "coordinates": [838_500.0, 819_800.0]},
            }
        ],
    }
    (feat,) = lotrate.read_features(doc)
    assert feat.crs == "EPSG:2326" and feat.lot_id == "KTIL 1"
