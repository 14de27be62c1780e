"""Point path: resolve_many vs geopandas.sjoin on the same region file, same run; scalar resolve; cold CLI.

Usage: python benchmarks/bench_points.py [N]   (default 1,000,000 points)
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
import timeit

import numpy as np

import lotrate
from lotrate.index.regions import RegionIndex, data_path
from lotrate.index.zones import ZoneIndex


def points(n: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Uniform points over the HKSAR extent, kept where they fall inside Hong Kong (land and sea)."""
    rng = np.random.default_rng(seed)
    idx = RegionIndex.default()
    xs, ys = [], []
    have = 0
    while have < n:
        x = rng.uniform(799_153, 869_857, n)
        y = rng.uniform(799_816, 847_654, n)
        keep = idx.region_grid.locate(x, y) >= 0
        xs.append(x[keep])
        ys.append(y[keep])
        have += int(keep.sum())
    return np.concatenate(xs)[:n], np.concatenate(ys)[:n]


def best(fn, repeat: int = 3) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    import geopandas as gpd

    n = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 1_000_000
    x, y = points(n)
    regions = gpd.read_file(data_path("regions", "appendix_ii.geojson"))
    idx = RegionIndex.default()
    ZoneIndex.default()  # built before timing, like the region index
    lotrate.resolve_many(x=x[:1000], y=y[:1000], crs="EPSG:2326")  # build the indexes once (warm process)

    def sjoin() -> object:
        pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs=2326)
        return gpd.sjoin(pts, regions[["code", "geometry"]], how="left", predicate="intersects")

    t_sjoin = best(sjoin, 2)
    joined = sjoin()
    joined = joined[~joined.index.duplicated(keep="first")]  # edge points: sjoin matches both sides
    t_fast = best(lambda: lotrate.resolve_many(x=x, y=y, crs="EPSG:2326", distances=False))
    t_full = best(lambda: lotrate.resolve_many(x=x, y=y, crs="EPSG:2326"), 1)
    t_locate = best(lambda: idx.region_grid.locate(x, y))
    ours = lotrate.resolve_many(x=x, y=y, crs="EPSG:2326", distances=False)["region_code"].to_numpy()
    same = bool((joined["code"].to_numpy(dtype=object) == ours).all())
    zone_hits = sum(
        1 for h in lotrate.resolve_many(x=x[:100_000], y=y[:100_000], crs="EPSG:2326", distances=False)["zones"] if h
    )

    print(
        f"points: {n:,} inside Hong Kong (uniform over the SAR, land and sea); region layer "
        f"{idx.region_grid.nx}x{idx.region_grid.ny} cells of {idx.cell:.0f} m, "
        f"{idx.region_grid.mixed_fraction * 100:.1f} % decided exactly"
    )
    print(f"geopandas.sjoin (points_from_xy + sjoin):        {t_sjoin:8.3f} s")
    print(f"resolve_many, distances=False (+zones, warnings): {t_fast:8.3f} s   {t_sjoin / t_fast:6.1f}x sjoin")
    print(f"resolve_many, exact distance on every row:       {t_full:8.3f} s   {t_sjoin / t_full:6.1f}x sjoin")
    print(f"RegionIndex.region_grid.locate (ids only):        {t_locate:8.3f} s   {t_sjoin / t_locate:6.1f}x sjoin")
    print(f"identical region codes to sjoin: {same}; zone hits in the first 100,000: {zone_hits:,}")

    # one point, warm process
    lotrate.resolve(x=114.2235, y=22.3110)
    for label, kw in (
        ("WGS 84", {"x": 114.2235, "y": 22.3110}),
        ("HK1980", {"x": 838_500.0, "y": 819_800.0, "crs": "EPSG:2326"}),
    ):
        per = min(timeit.repeat(lambda kw=kw: lotrate.resolve(**kw), number=2000, repeat=5)) / 2000  # type: ignore[misc]
        print(f"resolve, one point ({label}):                  {per * 1e6:8.1f} us")
    per = min(timeit.repeat(lambda: idx.region_grid.locate_one(838_500.0, 819_800.0), number=20000, repeat=5)) / 20000
    print(f"region_grid.locate_one, one point (HK1980):      {per * 1e6:8.2f} us")

    # cold start of the command line, median of 5
    cold = []
    for _ in range(5):
        t = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "lotrate", "resolve", "114.2235", "22.3110"], check=True, capture_output=True
        )
        cold.append(time.perf_counter() - t)
    print(f"lotrate resolve X Y, cold process (median of 5): {statistics.median(cold):8.3f} s")


if __name__ == "__main__":
    main()
