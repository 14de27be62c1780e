"""Points: resolve_many (full answer) vs geopandas.sjoin on the same region file, same run; one point through
resolve; each figure a ratio of medians of paired runs, with the agreement of the answers beside it.

Usage: python benchmarks/bench_points.py [N] [REPEAT]   (default 1,000,000 points, 3 repeats)
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import line, paired, timed, verdict

import lotrate
from lotrate.crs import to_grid
from lotrate.index.regions import RegionIndex, data_path
from lotrate.index.zones import ZoneIndex

E0, E1, N0, N1 = 799_153.0, 869_857.0, 799_816.0, 847_654.0


def points(n: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Uniform points over the HKSAR extent, kept where they fall inside Hong Kong (land and sea), HK1980."""
    rng = np.random.default_rng(seed)
    idx = RegionIndex.default()
    xs, ys = [], []
    have = 0
    while have < n:
        x = rng.uniform(E0, E1, n)
        y = rng.uniform(N0, N1, n)
        keep = idx.region_grid.locate(x, y) >= 0
        xs.append(x[keep])
        ys.append(y[keep])
        have += int(keep.sum())
    return np.concatenate(xs)[:n], np.concatenate(ys)[:n]


def shapely_distances(idx: RegionIndex, e: np.ndarray, n: np.ndarray, k: np.ndarray) -> np.ndarray:
    """The reference: shapely's distance from each point to the boundary its region shares with the others."""
    out = np.full(e.size, np.nan)
    for r in range(len(idx.regions)):
        sel = np.flatnonzero(k == r)
        region = idx.regions[r].geometry
        shared = shapely.union_all(
            [shapely.intersection(region.boundary, o.geometry) for j, o in enumerate(idx.regions) if j != r]
        )
        out[sel] = shapely.distance(shared, shapely.points(e[sel], n[sel]))
    return out


def main() -> None:
    import geopandas as gpd

    n = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 1_000_000
    repeat = int(sys.argv[2]) if len(sys.argv) > 2 and sys.argv[2].isdigit() else 3
    x, y = points(n)
    regions = gpd.read_file(data_path("regions", "appendix_ii.geojson"))[["code", "geometry"]]
    idx = RegionIndex.default()
    ZoneIndex.default()
    lotrate.resolve_many(x=x, y=y, crs="EPSG:2326")  # warm: tables loaded, notice texts built once

    def sjoin(predicate: str):  # type: ignore[no-untyped-def]
        pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs=2326)
        return gpd.sjoin(pts, regions, how="left", predicate=predicate)

    def ours():  # type: ignore[no-untyped-def]
        return lotrate.resolve_many(x=x, y=y, crs="EPSG:2326")

    t_within, t_full, r_full = paired(lambda: sjoin("within"), ours, repeat)
    t_bare, _t_full2, r_bare = paired(lambda: idx.region_grid.locate(x, y), ours, max(repeat, 5))
    _t_fast_b, t_fast, r_fast = paired(
        lambda: sjoin("within"), lambda: lotrate.resolve_many(x=x, y=y, crs="EPSG:2326", distances=False), repeat
    )
    t_inter, _ = timed(lambda: sjoin("intersects"))

    # agreement: codes against sjoin(within) (edge points, where sjoin answers twice, take the first), distances
    joined = sjoin("within")
    joined = joined[~joined.index.duplicated(keep="first")]
    frame = ours()
    codes = frame["region_code"].astype(object).where(frame["region_code"].notna(), None).to_numpy()
    sj = joined["code"].astype(object).where(joined["code"].notna(), None).to_numpy()
    same = int((sj == codes).sum())
    sample = np.random.default_rng(9).choice(n, size=min(n, 50_000), replace=False)
    k = idx.region_grid.locate_exact(x[sample], y[sample])
    ref = shapely_distances(idx, x[sample], y[sample], k)
    worst = float(np.nanmax(np.abs(ref - frame["boundary_distance_m"].to_numpy()[sample])))
    zones = int((frame["zones"].astype(object).map(len) > 0).sum())

    print(
        f"points: {n:,} uniform over Hong Kong (land and sea), HK1980 Grid; median of {repeat} paired runs; "
        f"cells of {idx.table.cell:.0f} m, {idx.region_grid.mixed_fraction * 100:.1f} % with a sub-raster, "
        f"{idx.region_grid.exact_fraction * 100:.2f} % of the area decided exactly"
    )
    print(line("geopandas.sjoin(predicate='within') [baseline]", t_within))
    print(line("geopandas.sjoin(predicate='intersects') [the default]", t_inter, t_inter / t_full, "vs ours"))
    print(
        line(
            "resolve_many, full answer (exact distance every row)",
            t_full,
            r_full,
            "sjoin(within)",
            f"target >= 20x: {verdict(r_full, 20)}; {t_inter / t_full:.0f}x sjoin(intersects)",
        )
    )
    print(line("resolve_many(distances=False)", t_fast, r_fast, "sjoin(within)"))
    print(
        line(
            "RegionIndex.region_grid.locate (region ids only: the bare index)",
            t_bare,
            None,
            "",
            f"full answer = {1 / r_bare:.1f}x the bare index (aim <= 3x)",
        )
    )
    print(
        f"  agreement: region codes identical to sjoin(within) for {same:,} of {n:,} points; "
        f"distance vs shapely on {sample.size:,} points: max |diff| {worst:.1e} m (target 1e-6); "
        f"{zones:,} points in a zone"
    )

    # one point, WGS 84, warm: uniform over Hong Kong (boundaries and zones included)
    lon, lat = wgs84_points(20_000)
    f = lotrate.resolve
    for a, b in zip(lon, lat):
        f(x=a, y=b)
    runs = []
    for _ in range(5):
        per = []
        for a, b in zip(lon, lat):
            t = time.perf_counter_ns()
            f(x=a, y=b)
            per.append(time.perf_counter_ns() - t)
        runs.append(np.array(per) / 1e3)
    per_point = np.median(np.vstack(runs), axis=0)  # each point's median over the 5 runs
    mean = float(per_point.mean())
    batch = lotrate.resolve_many(x=lon, y=lat)
    agree = sum(
        1
        for a, b, row in zip(lon[:2000], lat[:2000], batch.to_dict("records")[:2000])
        if (r := f(x=a, y=b)).region_code == row["region_code"]
        and r.boundary_distance_m == row["boundary_distance_m"]
        and r.warnings == tuple(row["warnings"])
    )
    print(
        f"resolve, one WGS 84 point, warm ({lon.size:,} uniform points): mean {mean:.2f} us, median "
        f"{statistics.median(per_point):.2f} us, p99 {np.percentile(per_point, 99):.2f} us  "
        f"[target mean <= 5 us: {verdict(mean, 5.0, higher_is_better=False)}]; "
        f"scalar == batch for {agree:,} of 2,000"
    )


def wgs84_points(n: int, seed: int = 4) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    idx = RegionIndex.default()
    lon = rng.uniform(113.83, 114.45, n * 3)
    lat = rng.uniform(22.13, 22.57, n * 3)
    e, nn = to_grid(lon, lat)
    keep = idx.region_grid.locate(e, nn) >= 0
    return lon[keep][:n], lat[keep][:n]


if __name__ == "__main__":
    main()
