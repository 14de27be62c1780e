"""The one-point path's shortcuts give exactly what the prepared shapely tests and ``resolve_many`` give.

- :func:`lotrate.index.grid.exact_owner` (plain-Python point-in-polygon over the edges meeting a sub-cell, its
  table built the second time a point falls there) == the prepared ``contains_xy`` then ``intersects_xy``, for
  points on edges and vertices too (where it must hand over to shapely);
- every path of ``resolve`` (one candidate segment or several, a district or a region boundary in the cell, a
  zone answer varying in the cell, a sub-cell settled exactly) == ``resolve_many``, field for field, on the
  first visit of a cell and on the later ones.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import MultiPolygon, Polygon, box

import lotrate
from lotrate.crs import to_grid
from lotrate.index.grid import GridIndex, exact_cell, exact_owner, locate_one_exact, ring_edges
from lotrate.index.regions import RegionIndex
from lotrate.index.zones import ZoneIndex
from lotrate.resolution.answers import fused_words

E0, E1, N0, N1 = 799_153.0, 869_857.0, 799_816.0, 847_654.0


def _tricky_polygons() -> list[shapely.Geometry]:
    """Polygons meeting in every awkward way: a hole filled by another polygon (shared edges), a vertex in the
    middle of a straight edge, a triangle touching a corner, a thin sliver, a polygon in two parts."""
    ring = Polygon(box(0, 0, 40, 40).exterior.coords, [box(10, 10, 30, 30).exterior.coords])
    plug = Polygon([(10, 10), (20, 10), (30, 10), (30, 30), (10, 30)])  # (20, 10): on a straight edge
    wedge = Polygon([(40, 0), (56, 0), (40, 40)])
    sliver = Polygon([(56, 0), (70, 0.001), (70, 0)])
    parts = MultiPolygon([box(0, 40, 13.7, 53.1), box(20, 41, 40, 45.5), Polygon([(13.7, 53.1), (20, 53.1), (20, 55)])])
    assert all(shapely.is_valid(g) for g in (ring, plug, wedge, sliver, parts))
    return [ring, plug, wedge, sliver, parts]


def _points_on(polys: list[shapely.Geometry], rng: np.random.Generator) -> list[tuple[float, float]]:
    """Vertices, points along the edges (some exactly on them) and points just off them, plus a lattice."""
    pts: list[tuple[float, float]] = []
    for g in polys:
        for ax, ay, bx, by in ring_edges(g).tolist():
            pts.append((ax, ay))
            for t in (0.5, 0.25, *rng.uniform(0, 1, 3).tolist()):
                x, y = ax + t * (bx - ax), ay + t * (by - ay)
                for off in (0.0, 1e-12, 1e-9, 1e-6, 0.01):
                    pts.append((x + off * rng.choice([-1, 1]), y + off * rng.choice([-1, 1])))
    xs = np.arange(-2.0, 72.0, 0.75)
    ys = np.arange(-2.0, 56.0, 0.75)
    pts += [(float(x), float(y)) for x in xs for y in ys]
    return pts


def test_exact_sub_cells_agree_with_prepared_tests_on_tricky_polygons() -> None:
    polys = _tricky_polygons()
    grid = GridIndex(polys, cell=16.0)
    pts = _points_on(polys, np.random.default_rng(1))
    want = [locate_one_exact(polys, x, y) for x, y in pts]
    assert want == grid.locate_exact(np.array([p[0] for p in pts]), np.array([p[1] for p in pts])).tolist()
    for _ in range(3):  # first visit (prepared tests), second (table built), third (table used)
        assert [grid.locate_one(x, y) for x, y in pts] == want
    assert grid._edge_tree is not None  # the plain-Python tests were used


def test_exact_owner_hands_over_on_edges_and_vertices() -> None:
    polys = _tricky_polygons()
    geoms = np.array(polys, dtype=object)
    for g in polys:
        shapely.prepare(g)
    ids = list(range(len(polys)))
    edges = [ring_edges(g).tolist() for g in polys]
    t = exact_cell(geoms, ids, edges, (8.0, 8.0, 22.0, 22.0))  # holds the hole's corner and (20, 10)
    assert t is not None
    for x, y in [(10.0, 10.0), (20.0, 10.0), (15.0, 10.0), (10.0, 15.0), (12.5, 10.0)]:
        assert exact_owner(t, x, y) is None  # on an edge: shapely decides
    assert exact_owner(t, 15.0, 15.0) == 1 and exact_owner(t, 9.0, 15.0) == 0
    assert exact_owner(t, 21.0, 9.999) == 0 and exact_owner(t, 21.0, 10.001) == 1
    assert exact_owner(t, 40.0, 40.0) is None  # outside the table's box


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_exact_owner_agrees_with_shapely_near_region_boundaries(data: st.DataObject) -> None:
    """Random boxes on the region and district boundaries, random points in them (uniform, on edges, at
    vertices): exact_owner is None (shapely decides) or the prepared tests' answer; None stays rare."""
    idx = RegionIndex.default()
    grid = data.draw(st.sampled_from([idx.region_grid, idx.district_grid]))
    polys = grid.polygons
    k = data.draw(st.integers(0, len(polys) - 1))
    edges_k = ring_edges(polys[k])
    ax, ay, bx, by = edges_k[data.draw(st.integers(0, len(edges_k) - 1))].tolist()
    side = data.draw(st.sampled_from([2.0, 8.0, 40.0]))
    t0 = data.draw(st.floats(0, 1))
    cx, cy = ax + t0 * (bx - ax), ay + t0 * (by - ay)
    bounds = (cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2)
    near = shapely.intersects(np.array(polys, dtype=object), box(*bounds).buffer(1.0))
    ids = np.flatnonzero(near).tolist()
    table = exact_cell(
        np.array([polys[i] for i in ids], dtype=object), ids, [ring_edges(polys[i]).tolist() for i in ids], bounds
    )
    assume_table = table is not None
    rng = np.random.default_rng(data.draw(st.integers(0, 2**31)))
    xs, ys = rng.uniform(bounds[0], bounds[2], 60).tolist(), rng.uniform(bounds[1], bounds[3], 60).tolist()
    pts = list(zip(xs, ys))
    for t in rng.uniform(0, 1, 20).tolist():
        pts.append((ax + t * (bx - ax), ay + t * (by - ay)))
    pts += [(ax, ay), (bx, by)]
    undecided = 0
    for x, y in pts:
        want = locate_one_exact([polys[i] for i in ids], x, y)
        got = exact_owner(table, x, y) if assume_table else None  # type: ignore[arg-type]
        if got is None:
            undecided += 1
        else:
            assert got == (ids[want] if want >= 0 else -1)
    if assume_table:
        assert undecided <= 22 + 2  # the points placed on the edge and its ends, at most


# --- resolve == resolve_many, path by path ------------------------------------------------------------------


def _fields(r: lotrate.Resolution) -> tuple[Any, ...]:
    return (
        r.region_code,
        r.region_name,
        r.district,
        r.district_zh,
        r.district_lands_office,
        r.boundary_distance_m,
        r.nearest_region,
        r.easting,
        r.northing,
        r.zones,
        r.warnings,
        r.shares,
        r.geometry_type,
        r.area_m2,
    )


def _path_points() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """WGS 84 points by the path resolve takes for them (from the fused word of their cell)."""
    idx, zidx = RegionIndex.default(), ZoneIndex.default()
    rng = np.random.default_rng(7)
    lon, lat = rng.uniform(113.83, 114.45, 60_000), rng.uniform(22.13, 22.57, 60_000)
    e, n = to_grid(lon, lat)
    t = idx.table
    keep = (e > t.x0) & (n > t.y0) & (e < t.x0 + t.nx * t.cell) & (n < t.y0 + t.ny * t.cell)
    lon, lat, e, n = lon[keep], lat[keep], e[keep], n[keep]
    c = np.floor((n - t.y0) / t.cell).astype(np.int64) * t.nx + np.floor((e - t.x0) / t.cell).astype(np.int64)
    w = fused_words(idx, zidx)[c]  # type: ignore[index]
    k, d, cnt, z = w & 0xFF, (w >> 8) & 0xFF, (w >> 16) & 0xFF, (w >> 25) & 0x7FFF
    nstatic = len(zidx.table.static_sets)
    grid = idx.region_grid
    sub = np.full(c.size, -3)
    mixed = np.flatnonzero(k == 255)
    m = np.searchsorted(grid.mixed_cells, c[mixed])
    sx = np.clip(np.floor((e[mixed] - grid.x0) / grid.sub_cell).astype(np.int64) - (c[mixed] % t.nx) * 8, 0, 7)
    sy = np.clip(np.floor((n[mixed] - grid.y0) / grid.sub_cell).astype(np.int64) - (c[mixed] // t.nx) * 8, 0, 7)
    sub[mixed] = grid.sub[m * 64 + sy * 8 + sx]
    classes = {
        "one segment": (k < 254) & (d < 254) & (cnt == 1) & (z < nstatic),
        "several segments": (k < 254) & (d < 254) & (cnt > 1) & (z < nstatic),
        "district boundary": (k < 254) & (d == 255),
        "no district": (k < 254) & (d == 254),
        "region boundary": (k == 255) & (sub != -2),
        "region boundary, exact": (k == 255) & (sub == -2),
        "zone varies": (k < 254) & (z >= nstatic),
        "outside": k == 254,
    }
    return {name: (lon[sel][:150], lat[sel][:150]) for name, sel in classes.items()}


PATHS = _path_points()


def _same(row: dict[str, Any], x: Any, y: Any, crs: str) -> None:
    """``resolve`` gives what ``resolve_many`` gave in ``row``: the answer, or the error."""
    try:
        r = lotrate.resolve(x=x, y=y, crs=crs)
    except lotrate.LotrateError as exc:
        assert (row["error"], row["error_type"]) == (str(exc), type(exc).__name__)
        return
    assert row["error"] is None
    assert _fields(r) == _fields(lotrate.resolve(x=float(x), y=float(y), crs=crs))  # NumPy or plain floats
    assert (row["region_code"], row["district"], row["district_lands_office"], row["nearest_region"]) == (
        r.region_code,
        r.district,
        r.district_lands_office,
        r.nearest_region,
    )
    assert row["boundary_distance_m"] == r.boundary_distance_m
    assert (row["easting"], row["northing"]) == (r.easting, r.northing)
    assert tuple(row["warnings"]) == r.warnings and tuple(row["zones"]) == r.zones


@pytest.mark.parametrize("path", sorted(PATHS))
def test_each_path_equals_resolve_many(path: str) -> None:
    lon, lat = PATHS[path]
    if path != "no district":
        assert lon.size > 0
    df = lotrate.resolve_many(x=lon, y=lat)
    for _ in range(3):  # first visit of the cells (tables filled), second (exact tables built), third
        for a, b, row in zip(lon, lat, df.to_dict("records")):
            _same(row, a, b, "EPSG:4326")  # NumPy float64, as iterating the arrays gives


def test_zone_edges_and_region_vertices_equal_resolve_many() -> None:
    """Points exactly on zone edges and region vertices (the exact tests' hardest inputs), HK1980 Grid."""
    idx, zidx = RegionIndex.default(), ZoneIndex.default()
    rng = np.random.default_rng(3)
    pts = []
    for z in zidx.zones:
        for t in rng.uniform(0, 1, 12).tolist():
            p = z.geometry.boundary.interpolate(t, normalized=True)
            pts += [(p.x, p.y), (p.x + 1e-7, p.y)]
    for r in idx.regions:
        c = shapely.get_coordinates(r.geometry.boundary)
        pts += [tuple(v) for v in c[rng.integers(0, len(c), 12)].tolist()]
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    df = lotrate.resolve_many(x=xs, y=ys, crs="EPSG:2326")
    for _ in range(3):
        for x, y, row in zip(xs, ys, df.to_dict("records")):
            _same(row, x, y, "EPSG:2326")
