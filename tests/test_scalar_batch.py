"""One answer whichever path a lot takes: ``resolve``/``resolve_geometry`` (scalar) == ``resolve_many``/
``resolve_frame`` (batch), row by row: codes, distances, warnings word for word, error text and class.

Plus the properties of the answers themselves: the index == exact point-in-polygon, the distance == shapely's
distance to the nearest other region (to 1e-6 m), and the rules of issue 9 section 4 (swap diagnosis only from
the user's own numbers, a lot poking out by less than the layer accuracy accepted, straddle means near a
boundary, repaired and tiny polygons carry notices on both paths).
"""

from __future__ import annotations

import math
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pyproj import Transformer
from shapely.geometry import LineString, Point, Polygon, box

import lotrate
from lotrate.errors import CoordinateOrderError, LotrateError, OutsideHongKongError
from lotrate.index.regions import RegionIndex
from lotrate.resolution.frame import notes_text, resolve_frame

TO_GRID = Transformer.from_crs("EPSG:4326", "EPSG:2326", always_xy=True)
TO_WGS = Transformer.from_crs("EPSG:2326", "EPSG:4326", always_xy=True)
E0, E1, N0, N1 = 799_153.0, 869_857.0, 799_816.0, 847_654.0

# --- helpers ---------------------------------------------------------------------------------------------


def _scalar_point(x: float, y: float, crs: str) -> tuple[lotrate.Resolution | None, LotrateError | None]:
    try:
        return lotrate.resolve(x=x, y=y, crs=crs), None
    except LotrateError as exc:
        return None, exc


def _same_point_row(row: dict[str, Any], r: lotrate.Resolution | None, err: LotrateError | None) -> None:
    if err is not None:
        assert pd.isna(row["region_code"])
        assert (row["error"], row["error_type"]) == (str(err), type(err).__name__)
        return
    assert r is not None and row["error"] is None and row["error_type"] is None
    assert (row["region_code"], row["district"], row["district_lands_office"], row["nearest_region"]) == (
        r.region_code,
        r.district,
        r.district_lands_office,
        r.nearest_region,
    )
    assert row["boundary_distance_m"] == r.boundary_distance_m  # the same formula on the same floats
    assert (row["easting"], row["northing"]) == (r.easting, r.northing)
    assert bool(row["near_boundary"]) == r.near_boundary
    assert tuple(row["warnings"]) == r.warnings and tuple(row["zones"]) == r.zones


def _check_points(xs: list[float], ys: list[float], crs: str) -> None:
    df = lotrate.resolve_many(x=xs, y=ys, crs=crs)
    for x, y, row in zip(xs, ys, df.to_dict("records")):
        _same_point_row(row, *_scalar_point(x, y, crs))
    # and through resolve_frame (points in a layer, its CRS read from the layer)
    gdf = gpd.GeoDataFrame(geometry=[Point(x, y) for x, y in zip(xs, ys)], crs=crs)
    out = resolve_frame(gdf, error_type=True, progress=False)
    for x, y, row in zip(xs, ys, out.to_dict("records")):
        r, err = _scalar_point(x, y, crs)
        if err is not None:
            assert (row["error"], row["error_type"]) == (str(err), type(err).__name__)
            continue
        assert r is not None
        assert (row["region_code"], row["district"], row["nearest_region"]) == (
            r.region_code,
            r.district,
            r.nearest_region,
        )
        assert row["boundary_distance_m"] == r.boundary_distance_m
        assert row["warnings"] == notes_text(r.warnings) and bool(row["near_boundary"]) == r.near_boundary


def _scalar_lot(geom: Any, crs: Any) -> tuple[lotrate.Resolution | None, LotrateError | None]:
    try:
        return lotrate.resolve_geometry(geom, crs), None
    except LotrateError as exc:
        return None, exc


def _check_lots(geoms: list[Any], crs: str) -> gpd.GeoDataFrame:
    out = resolve_frame(gpd.GeoDataFrame(geometry=geoms, crs=crs), error_type=True, progress=False)
    for g, row in zip(geoms, out.to_dict("records")):
        r, err = _scalar_lot(g, crs)
        if err is not None:
            assert row["region_code"] is None
            assert (row["error"], row["error_type"]) == (str(err), type(err).__name__)
            continue
        assert r is not None and row["error"] is None, row["error"]
        assert (row["region_code"], row["district"], row["district_lands_office"], row["nearest_region"]) == (
            r.region_code,
            r.district,
            r.district_lands_office,
            r.nearest_region,
        )
        assert row["boundary_distance_m"] == pytest.approx(r.boundary_distance_m, abs=1e-9)
        assert bool(row["near_boundary"]) == r.near_boundary
        assert row["warnings"] == notes_text(r.warnings)
        assert row["zone_names"] == "; ".join(z.name for z in r.zones)
        share = next(s.share for s in r.shares if s.code == r.region_code) if r.shares else 1.0
        assert row["region_share"] == pytest.approx(round(share, 6), abs=1e-12)
    return out


@pytest.fixture(scope="module")
def idx() -> RegionIndex:
    return RegionIndex.default()


def _shared_edge(idx: RegionIndex, a: int, b: int) -> shapely.Geometry:
    return shapely.line_merge(idx.regions[a].geometry.boundary.intersection(idx.regions[b].geometry.boundary))


def _territory(idx: RegionIndex) -> shapely.Geometry:
    return shapely.union_all([r.geometry for r in idx.regions])


# --- points ------------------------------------------------------------------------------------------------

BAD_POINTS = [
    # (x, y, crs, expected error class name)
    (float("nan"), 22.3, "EPSG:4326", "InvalidCoordinateError"),
    (float("inf"), float("inf"), "EPSG:2326", "InvalidCoordinateError"),
    (22.3110, 114.2235, "EPSG:4326", "CoordinateOrderError"),  # latitude, longitude
    (835411.431, 817266.016, "EPSG:4326", "CoordinateUnitsError"),  # metres given as degrees
    (114.2235, 22.3110, "EPSG:2326", "CoordinateUnitsError"),  # degrees given as metres
    (812_000.0, 845_900.0, "EPSG:2326", "CoordinateOrderError"),  # Shenzhen; swapped, Hong Kong waters
    (114.0579, 22.5431, "EPSG:4326", "OutsideHongKongError"),  # Shenzhen in degrees: swapped is nonsense
    (113.5439, 22.1987, "EPSG:4326", "OutsideHongKongError"),  # Macau
    (500.0, 22.3, "EPSG:4326", "CoordinateUnitsError"),
    (2_000_000.0, 2_000_000.0, "EPSG:2326", "OutsideHongKongError"),
]


@pytest.mark.parametrize(("x", "y", "crs", "kind"), BAD_POINTS)
def test_bad_points_same_error_on_both_paths(x: float, y: float, crs: str, kind: str) -> None:
    _r, err = _scalar_point(x, y, crs)
    assert err is not None and type(err).__name__ == kind
    _check_points([114.2235, x, 114.1887], [22.3110, y, 22.2456], crs) if crs == "EPSG:4326" else _check_points(
        [838_500.0, x], [819_800.0, y], crs
    )


def test_batch_diagnoses_what_the_scalar_path_diagnoses() -> None:
    # a layer of HK1980 metres declared as WGS 84: the units, not "x=inf, y=inf is not a finite number"
    gdf = gpd.GeoDataFrame(geometry=[Point(835411.431, 817266.016)], crs="EPSG:4326")
    out = resolve_frame(gdf, error_type=True, progress=False)
    assert out["error_type"][0] == "CoordinateUnitsError"
    assert "looks like HK1980 Grid metres" in out["error"][0] and "inf" not in out["error"][0]


def test_swap_is_diagnosed_only_from_the_users_own_numbers() -> None:
    # Shenzhen in degrees: swapping longitude and latitude lands nowhere near Hong Kong
    with pytest.raises(OutsideHongKongError) as info:
        lotrate.resolve(x=114.0579, y=22.5431)
    assert "swapped" not in str(info.value) and "x=114.0579, y=22.5431" in str(info.value)
    # in HK1980 metres, the same kind of mistake is one of order
    with pytest.raises(CoordinateOrderError, match="swapped"):
        lotrate.resolve(x=812_000.0, y=845_900.0, crs="EPSG:2326")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.floats(113.80, 114.52), st.floats(22.13, 22.58)), min_size=1, max_size=30))
def test_points_wgs84_scalar_equals_batch(pts: list[tuple[float, float]]) -> None:
    _check_points([p[0] for p in pts], [p[1] for p in pts], "EPSG:4326")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.one_of(
            st.tuples(st.floats(E0, E1), st.floats(N0, N1)),
            st.tuples(st.floats(N0, N1), st.floats(E0, E1)),  # swapped
            st.tuples(st.floats(-400, 400), st.floats(-400, 400)),  # degrees as metres
            st.tuples(st.floats(allow_nan=True, allow_infinity=True), st.floats(allow_nan=True, allow_infinity=True)),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_points_hk1980_scalar_equals_batch_bad_rows_included(pts: list[tuple[float, float]]) -> None:
    _check_points([p[0] for p in pts], [p[1] for p in pts], "EPSG:2326")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_points_near_boundaries_and_zones(data: st.DataObject) -> None:
    idx = RegionIndex.default()
    zones = lotrate.ZoneIndex.default()
    lines = [_shared_edge(idx, 1, 2), _shared_edge(idx, 3, 4), _shared_edge(idx, 0, 2)] + [
        z.geometry.boundary for z in zones.zones
    ]
    pts = []
    for _ in range(data.draw(st.integers(1, 25))):
        line = lines[data.draw(st.integers(0, len(lines) - 1))]
        p = line.interpolate(data.draw(st.floats(0, 1)), normalized=True)
        dx, dy = data.draw(st.floats(-900, 900)), data.draw(st.floats(-900, 900))
        pts.append((p.x + dx, p.y + dy))
    _check_points([p[0] for p in pts], [p[1] for p in pts], "EPSG:2326")


# --- polygons ----------------------------------------------------------------------------------------------


def _wgs(g: shapely.Geometry) -> shapely.Geometry:
    return shapely.transform(g, lambda c: np.column_stack(TO_WGS.transform(c[:, 0], c[:, 1])))


def _lot_table(idx: RegionIndex) -> list[tuple[str, shapely.Geometry]]:
    e, n = TO_GRID.transform(114.2235, 22.3110)  # Kwun Tong
    p = _shared_edge(idx, 1, 2).interpolate(0.3, normalized=True)
    q = _shared_edge(idx, 1, 2).interpolate(0.6, normalized=True)
    territory = _territory(idx)
    lw_e, lw_n = TO_GRID.transform(114.1135, 22.5282)  # Lo Wu, on the Shenzhen River
    edge_box = box(lw_e - 40, lw_n - 40, lw_e + 40, lw_n + 400)
    sz_e, sz_n = TO_GRID.transform(114.0579, 22.5431)  # Shenzhen
    return [
        ("inside", box(e - 20, n - 15, e + 20, n + 15)),
        ("straddling KE/KW", box(p.x - 60, p.y - 60, p.x + 60, p.y + 60)),
        ("near KE/KW", box(q.x - 5, q.y - 5, q.x + 5, q.y + 5).difference(idx.regions[2].geometry)),
        ("bow-tie", Polygon([(e, n), (e + 50, n + 50), (e + 50, n), (e, n + 50)])),
        ("tiny", box(e, n, e + 0.1, n + 0.1)),
        ("collinear", Polygon([(e, n), (e + 10, n), (e + 20, n)])),
        ("shenzhen", box(sz_e, sz_n, sz_e + 30, sz_n + 30)),
        ("partly outside", edge_box),
        ("just over the edge", shapely.buffer(shapely.intersection(edge_box, territory), 0.001)),
        ("nan vertex", Polygon([(e, n), (e + 10, n), (float("nan"), n + 10)])),
        ("empty", Polygon()),
        ("line", LineString([(e, n), (e + 10, n)])),
        ("point", Point(e, n)),
        ("in an NDA", box(*TO_GRID.transform(114.105, 22.497), *TO_GRID.transform(114.1055, 22.4975))),
    ]


def test_lot_table_scalar_equals_batch_hk1980(idx: RegionIndex) -> None:
    table = _lot_table(idx)
    out = _check_lots([g for _, g in table], "EPSG:2326")
    by = dict(zip([name for name, _ in table], out.to_dict("records")))
    assert by["bow-tie"]["warnings"].startswith("geometry_repaired:")
    assert "tiny_area:" in by["tiny"]["warnings"]
    assert by["collinear"]["error_type"] == "InvalidGeometryError"
    assert by["empty"]["error_type"] == "EmptyGeometryError" and by["line"]["error_type"] == "GeometryError"
    assert by["nan vertex"]["error"].startswith("vertex 2:")
    assert by["partly outside"]["error_type"] == "OutsideHongKongError"
    assert by["just over the edge"]["error"] is None and "outside_edge:" in by["just over the edge"]["warnings"]
    assert by["straddling KE/KW"]["boundary_distance_m"] == 0.0 and by["straddling KE/KW"]["near_boundary"]


def test_lot_table_scalar_equals_batch_wgs84(idx: RegionIndex) -> None:
    table = [(name, g) for name, g in _lot_table(idx) if name not in ("nan vertex", "empty", "line")]
    out = _check_lots([_wgs(g) for _, g in table], "EPSG:4326")
    by = dict(zip([name for name, _ in table], out.to_dict("records")))
    # a Shenzhen lot in degrees: outside, quoting the degrees the user gave, never "swapped"
    assert by["shenzhen"]["error_type"] == "OutsideHongKongError"
    assert "swapped" not in by["shenzhen"]["error"] and "in EPSG:4326" in by["shenzhen"]["error"]


def test_metres_declared_as_degrees_name_the_units_on_both_paths() -> None:
    e, n = TO_GRID.transform(114.2235, 22.3110)
    out = _check_lots([box(e, n, e + 30, n + 30)], "EPSG:4326")
    assert out["error_type"][0] == "CoordinateUnitsError" and out["error"][0].startswith("vertex 0:")


def test_a_lot_just_over_the_edge_is_accepted_with_normalised_shares(idx: RegionIndex) -> None:
    lw_e, lw_n = TO_GRID.transform(114.1135, 22.5282)
    lot = shapely.buffer(shapely.intersection(box(lw_e - 40, lw_n - 40, lw_e + 40, lw_n + 400), _territory(idx)), 0.001)
    outside = lot.difference(_territory(idx)).area
    assert 0 < outside < 1.0  # a sliver, well under a square metre
    r = lotrate.resolve_geometry(lot, crs="EPSG:2326")
    assert r.region_code == "NTN" and sum(s.share for s in r.shares) == pytest.approx(1.0, abs=1e-12)
    note = next(w for w in r.warnings if w.code == "outside_edge")
    assert "m2" in note.message and "50 m" in note.message


def test_straddling_lot_is_at_distance_zero_and_near_the_boundary(idx: RegionIndex) -> None:
    p = _shared_edge(idx, 1, 2).interpolate(0.3, normalized=True)
    r = lotrate.resolve_geometry(box(p.x - 60, p.y - 60, p.x + 60, p.y + 60), crs="EPSG:2326")
    assert r.boundary_distance_m == 0 and r.near_boundary and r.straddles


def test_repaired_polygon_carries_the_notice_on_the_scalar_path() -> None:
    e, n = TO_GRID.transform(114.2235, 22.3110)
    r = lotrate.resolve_geometry(Polygon([(e, n), (e + 50, n + 50), (e + 50, n), (e, n + 50)]), crs="EPSG:2326")
    assert r.warnings[0].code == "geometry_repaired"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_random_lots_scalar_equals_batch(data: st.DataObject) -> None:
    idx = RegionIndex.default()
    zones = lotrate.ZoneIndex.default()
    lines = [
        _shared_edge(idx, 1, 2),
        _shared_edge(idx, 3, 4),
        _shared_edge(idx, 0, 3),
        _territory(idx).exterior,
        *(z.geometry.boundary for z in zones.zones[:6]),
    ]
    lots = []
    for _ in range(data.draw(st.integers(1, 12))):
        line = lines[data.draw(st.integers(0, len(lines) - 1))]
        p = line.interpolate(data.draw(st.floats(0, 1)), normalized=True)
        cx, cy = p.x + data.draw(st.floats(-300, 300)), p.y + data.draw(st.floats(-300, 300))
        w, h = data.draw(st.floats(2, 150)), data.draw(st.floats(2, 150))
        angle = data.draw(st.floats(0, 90))
        lots.append(shapely.affinity.rotate(box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2), angle))
    crs = data.draw(st.sampled_from(["EPSG:2326", "EPSG:4326"]))
    _check_lots(lots if crs == "EPSG:2326" else [_wgs(g) for g in lots], crs)


# --- the answers themselves ----------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.floats(E0, E1), st.floats(N0, N1)), min_size=1, max_size=60))
def test_distance_equals_shapely_distance(pts: list[tuple[float, float]]) -> None:
    idx = RegionIndex.default()
    e = np.array([p[0] for p in pts])
    n = np.array([p[1] for p in pts])
    df = lotrate.resolve_many(x=e, y=n, crs="EPSG:2326")
    k = idx.region_grid.locate_exact(e, n)
    assume((k >= 0).any())
    for i in np.flatnonzero(k >= 0):
        region = idx.regions[k[i]]
        others = [
            (shapely.distance(shapely.intersection(region.geometry.boundary, o.geometry), Point(e[i], n[i])), o.code)
            for o in idx.regions
            if o is not region and region.geometry.intersects(o.geometry)
        ]
        want, code = min(others)
        assert df["region_code"][i] == region.code
        assert math.isclose(df["boundary_distance_m"][i], want, abs_tol=1e-6)
        assert df["nearest_region"][i] == code or math.isclose(
            dict((c, d) for d, c in others)[df["nearest_region"][i]], want, abs_tol=1e-6
        )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_fused_table_equals_exact_point_in_polygon(data: st.DataObject) -> None:
    """Region and district from the fused table (cells, sub-rasters, exact tests) == prepared point-in-polygon,
    for uniform points and for points on and next to the boundaries (vertices included)."""
    idx = RegionIndex.default()
    n_uniform = data.draw(st.integers(0, 60))
    e = list(np.random.default_rng(data.draw(st.integers(0, 2**31))).uniform(E0, E1, n_uniform))
    n = list(np.random.default_rng(data.draw(st.integers(0, 2**31))).uniform(N0, N1, n_uniform))
    lines = [r.geometry.boundary for r in idx.regions] + [d.geometry.boundary for d in idx.districts[:6]]
    for _ in range(data.draw(st.integers(1, 40))):
        line = lines[data.draw(st.integers(0, len(lines) - 1))]
        p = line.interpolate(data.draw(st.floats(0, 1)), normalized=True)
        off = data.draw(st.sampled_from([0.0, 1e-9, 0.004, 3.0, 40.0]))
        e.append(p.x + off * data.draw(st.sampled_from([-1, 1])))
        n.append(p.y - off * data.draw(st.sampled_from([-1, 1])))
    ea, na = np.array(e), np.array(n)
    k, d, _dist, _near = idx.answer(ea, na)
    assert k.tolist() == idx.region_grid.locate_exact(ea, na).tolist()
    dist_exact = idx.district_grid.locate_exact(ea, na)
    assert d.tolist() == np.where(k >= 0, dist_exact, -1).tolist()
    assert [idx.point_answer(a, b)[:2] for a, b in zip(e, n)] == list(zip(k.tolist(), d.tolist()))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_lot_distance_equals_shapely_distance(data: st.DataObject) -> None:
    """A lot wholly in one region: its distance to the nearest other region == shapely's, to 1e-6 m."""
    idx = RegionIndex.default()
    lines = [_shared_edge(idx, 1, 2), _shared_edge(idx, 3, 4), _shared_edge(idx, 0, 3), _shared_edge(idx, 2, 3)]
    lots = []
    for _ in range(data.draw(st.integers(1, 10))):
        line = lines[data.draw(st.integers(0, len(lines) - 1))]
        p = line.interpolate(data.draw(st.floats(0, 1)), normalized=True)
        cx, cy = p.x + data.draw(st.floats(-2000, 2000)), p.y + data.draw(st.floats(-2000, 2000))
        w, h = data.draw(st.floats(1, 300)), data.draw(st.floats(1, 300))
        lots.append(
            shapely.affinity.rotate(box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2), data.draw(st.floats(0, 90)))
        )
    out = resolve_frame(gpd.GeoDataFrame(geometry=lots, crs="EPSG:2326"), progress=False)
    for lot, row in zip(lots, out.to_dict("records")):
        if (
            row["error"] is not None
            or row["straddle"]
            or row["region_share"] != 1.0
            or "outside_edge" in row["warnings"]
        ):
            continue
        k = [r.code for r in idx.regions].index(row["region_code"])
        region = idx.regions[k].geometry
        others = [
            (shapely.distance(shapely.intersection(region.boundary, o.geometry), lot), o.code)
            for j, o in enumerate(idx.regions)
            if j != k and region.intersects(o.geometry)
        ]
        want = min(others)[0]
        assert math.isclose(row["boundary_distance_m"], want, abs_tol=1e-6)


def test_zone_answers_equal_shapely_reference() -> None:
    """Zone hits and notices from the zone tables == the direct computation with shapely (in/out, distance to
    the edge), for points near every zone's edge."""
    from lotrate import messages

    zones = lotrate.ZoneIndex.default()
    rng = np.random.default_rng(11)
    pts = []
    for z in zones.zones:
        ring = z.geometry.boundary
        for t in rng.uniform(0, 1, 60):
            p = ring.interpolate(float(t), normalized=True)
            pts.append((p.x + rng.uniform(-1.3, 1.3) * z.accuracy_m, p.y + rng.uniform(-1.3, 1.3) * z.accuracy_m))
    for e, n in pts:
        hits, notes = [], []
        for z in zones.zones:
            inside = bool(shapely.intersects_xy(z.geometry, e, n))
            dist = float(shapely.distance(z.geometry.boundary, Point(e, n)))
            if z.accuracy_m > 0 and dist < z.accuracy_m:
                notes.append(messages.near_zone(dist, inside, z.name, z.kind, z.status, z.accuracy_m))
            if inside:
                hits.append(z.hit())
                notes.append(messages.in_zone(z.kind, z.name))
        assert zones.point_hits(e, n) == (tuple(hits), tuple(notes))


@pytest.mark.slow
def test_shipped_tables_answer_as_tables_built_from_scratch() -> None:
    """data/index/*.bin (loaded when the layers match) and tables built now from the same layers agree."""
    from lotrate.index.fused import RegionTable

    idx = RegionIndex.default()
    fresh = RegionTable.build([r.geometry for r in idx.regions], [d.geometry for d in idx.districts], idx.accuracy_m)
    rng = np.random.default_rng(5)
    e, n = rng.uniform(E0, E1, 200_000), rng.uniform(N0, N1, 200_000)
    a, b = idx.table.answer(e, n), fresh.answer(e, n)
    for x, y in zip(a, b):
        assert np.array_equal(x, y, equal_nan=True)
