"""SegmentIndex against brute force (numpy, same formula) and shapely: distances and ids, batch and scalar."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import shape

from lotrate.index import segments
from lotrate.index.segments import SegmentIndex, segment_distance

ROOT = Path(__file__).resolve().parents[1]
LAYER = ROOT / "data" / "regions" / "appendix_ii.geojson"


def brute(x: np.ndarray, y: np.ndarray, seg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every point against every segment with the index's own formula; ties to the lowest id, as argmin."""
    dist = np.empty(x.size)
    ids = np.empty(x.size, dtype=np.int64)
    step = max(1, 2_000_000 // len(seg))
    for lo in range(0, x.size, step):
        d = segment_distance(x[lo : lo + step, None], y[lo : lo + step, None], *seg.T)
        k = d.argmin(axis=1)
        ids[lo : lo + step] = k
        dist[lo : lo + step] = d[np.arange(k.size), k]
    return dist, ids


def brute_projection(x: np.ndarray, y: np.ndarray, seg: np.ndarray) -> np.ndarray:
    """Every point against every segment, written independently: clip the projection, measure to the foot."""
    ax, ay, bx, by = (c[None, :] for c in seg.T)
    dx, dy = bx - ax, by - ay
    den = dx * dx + dy * dy
    out = np.empty(x.size)
    step = max(1, 2_000_000 // len(seg))
    for lo in range(0, x.size, step):
        px, py = x[lo : lo + step, None], y[lo : lo + step, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.where(den > 0, np.clip(((px - ax) * dx + (py - ay) * dy) / den, 0.0, 1.0), 0.0)
        out[lo : lo + step] = np.hypot(px - (ax + t * dx), py - (ay + t * dy)).min(axis=1)
    return out


def lines(seg: np.ndarray) -> np.ndarray:
    return shapely.linestrings(seg.reshape(-1, 2, 2))


def sample(n: int, k: int | None) -> np.ndarray:
    return np.arange(n) if k is None or k >= n else np.random.default_rng(0).choice(n, k, replace=False)


def check(
    idx: SegmentIndex,
    seg: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    scalar: int | None = None,
    exact: int | None = None,
) -> None:
    """nearest == brute force (1e-9 m, same id), == shapely (1e-6 m); nearest_one == nearest bit for bit.

    ``exact`` and ``scalar`` limit the brute-force and scalar comparisons to a sample of that many points.
    """
    d, ids = idx.nearest(x, y)
    k = sample(x.size, exact)
    bd, bi = brute(x[k], y[k], seg)
    assert np.abs(d[k] - bd).max() <= 1e-9
    np.testing.assert_array_equal(ids[k], bi)
    assert np.abs(d[k] - brute_projection(x[k], y[k], seg)).max() <= 1e-9
    # shapely: the distance to the segment returned, and the smallest distance to any segment
    geoms = lines(seg)
    pts = shapely.points(x, y)
    assert np.abs(shapely.distance(pts, geoms[ids]) - d).max() <= 1e-6
    if len(seg) * x.size <= 300_000:
        ref = shapely.distance(pts[:, None], geoms[None, :]).min(axis=1)
    else:
        _, ref = shapely.STRtree(geoms).query_nearest(pts, return_distance=True, all_matches=False)
    assert np.abs(ref - d).max() <= 1e-6
    for i in sample(x.size, scalar):
        assert idx.nearest_one(float(x[i]), float(y[i])) == (d[i], ids[i])


def probe_points(
    seg: np.ndarray, rng: np.random.Generator, n: int, bounds: tuple[float, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """Random points in and around ``bounds``, the vertices, the midpoints and points a hair off them."""
    xmin, ymin, xmax, ymax = bounds
    wx, wy = max(xmax - xmin, 1.0), max(ymax - ymin, 1.0)
    x = [rng.uniform(xmin - 0.2 * wx, xmax + 0.2 * wx, n), seg[:, 0], seg[:, 2], (seg[:, 0] + seg[:, 2]) / 2]
    y = [rng.uniform(ymin - 0.2 * wy, ymax + 0.2 * wy, n), seg[:, 1], seg[:, 3], (seg[:, 1] + seg[:, 3]) / 2]
    x.append(np.nextafter(seg[:, 0], np.inf))
    y.append(seg[:, 1])
    return np.concatenate(x), np.concatenate(y)


# ---------------------------------------------------------------- small cases and the API


def square() -> np.ndarray:
    x0 = np.array([0.0, 10.0, 10.0, 0.0])
    y0 = np.array([0.0, 0.0, 10.0, 10.0])
    return np.stack([x0, y0, np.roll(x0, -1), np.roll(y0, -1)], 1)


def test_square() -> None:
    seg = square()
    idx = SegmentIndex.build(*seg.T, min_cell=0.25)
    rng = np.random.default_rng(3)
    x, y = probe_points(seg, rng, 5000, (0.0, 0.0, 10.0, 10.0))
    check(idx, seg, x, y)
    # the centre ties between all four sides: the lowest id, as argmin
    assert idx.nearest_one(5.0, 5.0) == (5.0, 0)


def test_bytes_round_trip_is_deterministic(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    seg = rng.uniform(0, 500, (60, 4))
    owner = rng.integers(0, 7, 60)
    a = SegmentIndex.build(*seg.T, owner=owner)
    b = SegmentIndex.build(*seg.T, owner=owner)
    blob = a.to_bytes()
    assert blob == b.to_bytes()
    c = SegmentIndex.from_bytes(blob)
    a.save(tmp_path / "seg.idx")
    e = SegmentIndex.load(tmp_path / "seg.idx")
    x, y = rng.uniform(-100, 600, (2, 20000))
    d0, i0 = a.nearest(x, y)
    for other in (c, e):
        d1, i1 = other.nearest(x, y)
        np.testing.assert_array_equal(d0, d1)
        np.testing.assert_array_equal(i0, i1)
        np.testing.assert_array_equal(other.owner, owner)
        assert other.to_bytes() == blob
    assert c.nearest_one(float(x[0]), float(y[0])) == (d0[0], i0[0])


def test_shapes_nan_and_outside() -> None:
    seg = square()
    idx = SegmentIndex.build(*seg.T, bounds=(0.0, 0.0, 10.0, 10.0), min_cell=1.0)
    d, s = idx.nearest(np.array([[1.0, np.nan], [20.0, 5.0]]), np.array([[5.0, 1.0], [5.0, -3.0]]))
    assert d.shape == (2, 2) and s.shape == (2, 2)
    assert d[0, 0] == 1.0 and s[0, 0] == 3
    assert math.isnan(d[0, 1]) and s[0, 1] == -1
    assert (d[1, 0], s[1, 0]) == (10.0, 1)  # outside bounds: brute force
    assert (d[1, 1], s[1, 1]) == (3.0, 0)
    assert idx.nearest_one(20.0, 5.0) == (10.0, 1)
    r = idx.nearest_one(math.nan, 1.0)
    assert math.isnan(r[0]) and r[1] == -1
    assert idx.nearest(np.array([]), np.array([]))[0].shape == (0,)


def test_degenerate_inputs() -> None:
    # a zero-length segment, an exact duplicate, a reversed duplicate, a polyline with a spike
    seg = np.array(
        [
            [5.0, 5.0, 5.0, 5.0],
            [0.0, 0.0, 10.0, 0.0],
            [0.0, 0.0, 10.0, 0.0],
            [10.0, 0.0, 0.0, 0.0],
            [10.0, 0.0, 10.0, 10.0],
            [10.0, 10.0, 10.0, 0.0],
            [10.0, 10.0, 3.0, 7.0],
        ]
    )
    idx = SegmentIndex.build(*seg.T, min_cell=0.125)
    x, y = probe_points(seg, np.random.default_rng(1), 4000, (0.0, 0.0, 10.0, 10.0))
    check(idx, seg, x, y)
    one = SegmentIndex.build([1.0], [2.0], [1.0], [2.0])
    assert one.nearest_one(4.0, 6.0) == (5.0, 0)
    with pytest.raises(ValueError):
        SegmentIndex.build([0.0], [0.0], [np.nan], [1.0])
    with pytest.raises(ValueError):
        SegmentIndex.build([], [], [], [])


def test_coarse_directory_and_deep_tree(monkeypatch: pytest.MonkeyPatch) -> None:
    # a 16-cell directory: nearly every lookup goes through the Morton code and the binary search, with
    # cell indices beyond 16 bits (a 1/16 m finest cell over 20 km; leaves stop early at 8 candidates)
    monkeypatch.setattr(segments, "_DIRECTORY", 16)
    rng = np.random.default_rng(17)
    start = rng.uniform(0, 20000, (300, 2))
    seg = np.hstack([start, start + rng.normal(0, 30, (300, 2))]) + np.array([800000.0, 800000.0] * 2)
    idx = SegmentIndex.build(*seg.T, min_cell=0.0625, max_leaf=8, extra_area=1e12)
    assert idx.levels > 16 and idx.dir_shift > 10
    assert np.mean(idx.dir_leaf < 0) > 0.5
    x, y = probe_points(seg, rng, 3000, idx.bounds)
    check(idx, seg, x, y, scalar=3000)


# ---------------------------------------------------------------- hypothesis: segment soups


@st.composite
def soups(draw: st.DrawFn) -> tuple[np.ndarray, float]:
    """Segments on a coarse lattice (shared vertices, collinear overlaps, crossings, duplicates, zero length)
    or anywhere, optionally polylines, optionally offset to EPSG:2326-sized coordinates."""
    n = draw(st.integers(1, 24))
    lattice = draw(st.booleans())
    scale = draw(st.sampled_from([1.0, 37.5, 1000.0]))
    if lattice:
        pts = draw(st.lists(st.tuples(st.integers(0, 8), st.integers(0, 8)), min_size=n + 1, max_size=n + 1))
        xy = np.array(pts, dtype=np.float64) * (scale / 8)
    else:
        coord = st.floats(0.0, scale, allow_nan=False, allow_infinity=False)
        xy = np.array(draw(st.lists(st.tuples(coord, coord), min_size=n + 1, max_size=n + 1)))
    if draw(st.booleans()):
        seg = np.hstack([xy[:-1], xy[1:]])  # a polyline
    else:
        other = xy[np.array(draw(st.permutations(range(n + 1))))]
        seg = np.hstack([xy[:-1], other[:-1]])
    if draw(st.booleans()):
        seg = seg + np.array([836000.0, 818000.0, 836000.0, 818000.0])
    return seg, scale


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(soups(), st.integers(0, 2**32 - 1), st.sampled_from([1, 2, 4]))
def test_soups_match_brute_force(soup: tuple[np.ndarray, float], seed: int, max_leaf: int) -> None:
    seg, scale = soup
    idx = SegmentIndex.build(*seg.T, min_cell=scale / 64, max_leaf=max_leaf)
    x, y = probe_points(seg, np.random.default_rng(seed), 400, idx.bounds)
    check(idx, seg, x, y, scalar=100)


def test_random_soup_large() -> None:
    rng = np.random.default_rng(11)
    start = rng.uniform(0, 2000, (600, 2))
    seg = np.hstack([start, start + rng.normal(0, 60, (600, 2))]) + np.array([836000.0, 818000.0] * 2)
    idx = SegmentIndex.build(*seg.T)
    x, y = probe_points(seg, rng, 4000, idx.bounds)
    check(idx, seg, x, y, scalar=2000)


# ---------------------------------------------------------------- the Appendix II shared boundaries


def shared_boundary_segments() -> tuple[np.ndarray, tuple[float, float, float, float]]:
    layer = json.loads(LAYER.read_text(encoding="utf-8"))
    polys = [shape(f["geometry"]) for f in layer["features"]]
    rows = []
    for a, b in itertools.combinations(range(len(polys)), 2):
        shared = shapely.intersection(polys[a].boundary, polys[b])
        for part in shapely.get_parts(shared):
            if part.geom_type == "LineString":
                c = shapely.get_coordinates(part)
                rows.append(np.hstack([c[:-1], c[1:]]))
    return np.vstack(rows), tuple(float(v) for v in shapely.total_bounds(polys))  # type: ignore[return-value]


@pytest.fixture(scope="module")
def appendix() -> tuple[SegmentIndex, np.ndarray, tuple[float, float, float, float]]:
    seg, bounds = shared_boundary_segments()
    return SegmentIndex.build(*seg.T, bounds=bounds), seg, bounds


def test_appendix_ii_random_points(appendix) -> None:  # type: ignore[no-untyped-def]
    idx, seg, (xmin, ymin, xmax, ymax) = appendix
    assert len(seg) > 3000
    rng = np.random.default_rng(2326)
    x = rng.uniform(xmin, xmax, 200_000)
    y = rng.uniform(ymin, ymax, 200_000)
    d, ids = idx.nearest(x, y)
    pts = shapely.points(x, y)
    geoms = lines(seg)
    # shapely: the segment returned is at distance d, and no segment is within d - 1e-6
    assert np.abs(shapely.distance(pts, geoms[ids]) - d).max() <= 1e-6
    far = np.flatnonzero(d > 1e-6)
    assert far.size > 199_000
    closer = shapely.STRtree(geoms).query(pts[far], predicate="dwithin", distance=d[far] - 1e-6)
    assert closer.shape == (2, 0)
    # brute force, same formula: equal distances and ids on a sample
    k = rng.choice(x.size, 2500, replace=False)
    bd, bi = brute(x[k], y[k], seg)
    assert np.abs(d[k] - bd).max() <= 1e-9
    np.testing.assert_array_equal(ids[k], bi)
    assert np.abs(d[k] - brute_projection(x[k], y[k], seg)).max() <= 1e-9
    # the scalar path is the batch path
    for i in k[:2000]:
        assert idx.nearest_one(float(x[i]), float(y[i])) == (d[i], ids[i])
    assert idx.candidates(x, y).mean() < 1.4


def test_appendix_ii_vertices_and_midpoints(appendix) -> None:  # type: ignore[no-untyped-def]
    idx, seg, _ = appendix
    rng = np.random.default_rng(7)
    verts = np.unique(np.vstack([seg[:, :2], seg[:, 2:]]), axis=0)
    mids = (seg[:, :2] + seg[:, 2:]) / 2
    x = np.concatenate([verts[:, 0], mids[:, 0]])
    y = np.concatenate([verts[:, 1], mids[:, 1]])
    d, _ = idx.nearest(x, y)
    assert np.abs(d[: len(verts)]).max() <= 1e-9  # on a vertex: distance 0
    assert np.abs(d[len(verts) :]).max() <= 1e-9
    check(idx, seg, x, y, scalar=2000, exact=2000)
    # a hair off the midpoints and vertices, on both sides
    off = rng.choice([-1e-7, 1e-7, -0.01, 0.01], (2, x.size))
    check(idx, seg, x + off[0], y + off[1], scalar=1000, exact=2000)


def test_appendix_ii_cell_corners(appendix) -> None:  # type: ignore[no-untyped-def]
    # points on the quadtree's grid lines and corners next to the boundaries: cells are closed boxes
    idx, seg, _ = appendix
    rng = np.random.default_rng(13)
    base = seg[rng.choice(len(seg), 3000)]
    h = idx.cell
    ox, oy = idx.origin
    gx = ox + np.round((base[:, 0] - ox) / h + rng.integers(-3, 4, 3000)) * h
    gy = oy + np.round((base[:, 1] - oy) / h + rng.integers(-3, 4, 3000)) * h
    on_line = rng.uniform(-2 * h, 2 * h, 3000)
    x = np.concatenate([gx, gx, base[:, 0] + on_line])
    y = np.concatenate([gy, base[:, 1] + on_line, gy])
    check(idx, seg, x, y, scalar=1000, exact=2000)


def test_appendix_ii_outside_bounds(appendix) -> None:  # type: ignore[no-untyped-def]
    idx, seg, (xmin, ymin, xmax, ymax) = appendix
    rng = np.random.default_rng(9)
    x = np.concatenate([rng.uniform(xmin - 5000, xmin, 300), rng.uniform(xmax, xmax + 5000, 300), [xmin, xmax]])
    y = np.concatenate([rng.uniform(ymin - 5000, ymax + 5000, 600), [ymin, ymax]])
    check(idx, seg, x, y, scalar=50)
