"""Nearest boundary segment: SegmentIndex vs shapely.STRtree.query_nearest, same segments and points, same run.

Segments: the shared boundaries between the Appendix II regions (EPSG:2326), exploded into 2-point segments.
Points: uniform over the layer's bounding box.

Usage: python benchmarks/bench_segments.py [N]   (default 1,000,000 points)
"""

from __future__ import annotations

import itertools
import json
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import shape

from lotrate.index.segments import SegmentIndex

LAYER = Path(__file__).resolve().parents[1] / "data" / "regions" / "appendix_ii.geojson"


def shared_segments() -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """(n, 4) segments of the boundaries shared by two regions, and the layer's bounds."""
    polys = [shape(f["geometry"]) for f in json.loads(LAYER.read_text(encoding="utf-8"))["features"]]
    rows = []
    for a, b in itertools.combinations(range(len(polys)), 2):
        for part in shapely.get_parts(shapely.intersection(polys[a].boundary, polys[b])):
            if part.geom_type == "LineString":
                c = shapely.get_coordinates(part)
                rows.append(np.hstack([c[:-1], c[1:]]))
    return np.vstack(rows), tuple(float(v) for v in shapely.total_bounds(polys))  # type: ignore[return-value]


def best(fn, repeat: int = 3) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 1_000_000
    seg, bounds = shared_segments()
    rng = np.random.default_rng(2326)
    x = rng.uniform(bounds[0], bounds[2], n)
    y = rng.uniform(bounds[1], bounds[3], n)

    t_build = best(lambda: SegmentIndex.build(*seg.T, bounds=bounds), 2)
    idx = SegmentIndex.build(*seg.T, bounds=bounds)
    blob = idx.to_bytes()
    t_load = best(lambda: SegmentIndex.from_bytes(blob), 5)
    cand = idx.candidates(x, y)

    geoms = shapely.linestrings(seg.reshape(-1, 2, 2))
    pts = shapely.points(x, y)
    t_tree_build = best(lambda: shapely.STRtree(geoms), 3)
    tree = shapely.STRtree(geoms)
    t_tree = best(lambda: tree.query_nearest(pts, return_distance=True, all_matches=False), 2)
    (_, tree_ids), tree_d = tree.query_nearest(pts, return_distance=True, all_matches=False)

    idx.nearest(x[:1000], y[:1000])  # warm
    t_batch = best(lambda: idx.nearest(x, y), 3)
    d, ids = idx.nearest(x, y)
    diff = float(np.abs(d - tree_d).max())
    same_id = float((ids == tree_ids).mean())
    # STRtree picks any of tied segments; the distance to the one it picked must equal ours
    id_diff = float(np.abs(shapely.distance(pts, geoms[ids]) - tree_d).max())

    # one point at a time, warm: each call timed alone, and a plain loop for the mean
    m = min(n, 50_000)
    xs, ys = x[:m].tolist(), y[:m].tolist()
    tracemalloc.start()
    t0 = time.perf_counter()
    idx.nearest_one(xs[0], ys[0])  # builds the Python tables
    t_tables = time.perf_counter() - t0
    py_bytes = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    one = idx.nearest_one
    clock = time.perf_counter_ns
    per = []
    for a, b in zip(xs, ys):
        ns = clock()
        one(a, b)
        per.append(clock() - ns)
    overhead = statistics.median([-(clock() - clock()) for _ in range(10_000)])
    per_us = np.array(per, dtype=np.float64) / 1e3
    t0 = time.perf_counter()
    for a, b in zip(xs, ys):
        one(a, b)
    loop_us = (time.perf_counter() - t0) / m * 1e6
    k = min(m, 5_000)
    single = [shapely.points(a, b) for a, b in zip(xs[:k], ys[:k])]
    t0 = time.perf_counter()
    for p in single:
        tree.query_nearest(p, return_distance=True, all_matches=False)
    tree_one_us = (time.perf_counter() - t0) / k * 1e6
    scalar_ok = all(one(xs[i], ys[i]) == (d[i], ids[i]) for i in range(min(m, 20_000)))

    per_m = 1e6 / n if n else 0.0
    print(
        f"segments: {len(seg):,} (shared Appendix II boundaries, EPSG:2326); points: {n:,} uniform over the "
        f"layer's bounds {bounds[2] - bounds[0]:,.0f} x {bounds[3] - bounds[1]:,.0f} m"
    )
    print(
        f"index: {idx.n_leaves:,} leaves, {idx.cand.size:,} candidate entries, finest cell {idx.cell:g} m, "
        f"{idx.nbytes / 2**20:.1f} MiB of numpy tables, {len(blob) / 2**20:.1f} MiB serialised; "
        f"scalar-path Python tables {py_bytes / 2**20:.1f} MiB, built on first use in {t_tables * 1e3:.0f} ms"
    )
    print(f"SegmentIndex.build:                         {t_build:8.3f} s")
    print(f"SegmentIndex.from_bytes:                    {t_load * 1e3:8.3f} ms")
    print(f"STRtree build:                              {t_tree_build * 1e3:8.3f} ms")
    print(f"candidates per point: mean {cand.mean():.3f}, max {cand.max()}, share with one {np.mean(cand == 1):.3f}")
    print(
        f"batch, per 1M points: nearest {t_batch * per_m:7.3f} s   STRtree.query_nearest {t_tree * per_m:7.3f} s   "
        f"{t_tree / t_batch:5.1f}x   max |d - d_STRtree| = {diff:.2e} m"
    )
    print(
        f"   same segment id as STRtree: {same_id * 100:.3f} % (ties may differ); distance to our segment vs "
        f"STRtree's: max diff {id_diff:.2e} m"
    )
    print(
        f"scalar nearest_one ({m:,} points, each timed; timer overhead {overhead:.0f} ns included): "
        f"mean {per_us.mean():.2f} us, median {np.median(per_us):.2f} us, p99 {np.percentile(per_us, 99):.2f} us; "
        f"plain loop {loop_us:.2f} us a point"
    )
    print(
        f"   STRtree.query_nearest on one shapely Point: {tree_one_us:.2f} us a point   "
        f"{tree_one_us / loop_us:5.1f}x; nearest_one == nearest bit for bit: {scalar_ok}"
    )


if __name__ == "__main__":
    main()
