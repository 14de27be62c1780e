"""Polygon path: resolve_frame (region shares, districts, zones) vs geopandas.overlay, same data, same run.

Usage: python benchmarks/bench_polygons.py [N]   (default 100,000 lots)
"""

from __future__ import annotations

import sys
import time

import geopandas as gpd
import numpy as np
import shapely

from lotrate.index.regions import RegionIndex, data_path
from lotrate.index.zones import ZoneIndex
from lotrate.resolution.frame import resolve_frame


def lots(n: int, seed: int = 2) -> gpd.GeoDataFrame:
    """Rectangular lots of 200-5,000 m2 at random inside Hong Kong (land and sea), HK1980 Grid."""
    rng = np.random.default_rng(seed)
    idx = RegionIndex.default()
    x = rng.uniform(799_153, 869_857, n * 3)
    y = rng.uniform(799_816, 847_654, n * 3)
    keep = idx.region_grid.locate(x, y) >= 0
    x, y = x[keep][:n], y[keep][:n]
    w = np.sqrt(rng.uniform(200, 5000, n))
    h = w * rng.uniform(0.6, 1.4, n)
    return gpd.GeoDataFrame(
        {"lot": np.arange(n)}, geometry=shapely.box(x - w / 2, y - h / 2, x + w / 2, y + h / 2), crs="EPSG:2326"
    )


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 100_000
    gdf = lots(n)
    regions = gpd.read_file(data_path("regions", "appendix_ii.geojson"))[["code", "geometry"]]
    zidx = ZoneIndex.default()
    zones = gpd.GeoDataFrame(
        {"zone": [z.name for z in zidx.zones]}, geometry=[z.geometry for z in zidx.zones], crs="EPSG:2326"
    )
    resolve_frame(gdf.iloc[:200], progress=False)  # warm: indexes built once per process

    t = time.perf_counter()
    o_reg = gpd.overlay(gdf, regions, how="intersection", keep_geom_type=True)
    o_zone = gpd.overlay(gdf, zones, how="intersection", keep_geom_type=True)
    t_overlay = time.perf_counter() - t

    t = time.perf_counter()
    out = resolve_frame(gdf, progress=False)
    t_ours = time.perf_counter() - t
    t = time.perf_counter()
    resolve_frame(gdf, progress=False, distances=False)
    t_fast = time.perf_counter() - t

    # same shares: the primary region's share from overlay vs ours
    area = gdf.area.to_numpy()
    o_reg["share"] = o_reg.area.to_numpy() / area[o_reg["lot"].to_numpy()]
    best = o_reg.sort_values(["lot", "share"], ascending=[True, False]).drop_duplicates("lot")
    inside = set(out.loc[out["error"].isna(), "lot"])  # lots partly outside Hong Kong are errors here
    best = best[best["lot"].isin(inside)]
    o_zone = o_zone[o_zone["lot"].isin(inside)]
    ours = out.set_index("lot").loc[best["lot"].to_numpy()]
    diff = float(np.max(np.abs(ours["region_share"].to_numpy() - best["share"].to_numpy())))
    same_region = bool((ours["region_code"].to_numpy() == best["code"].to_numpy()).all())
    o_zone["share"] = o_zone.area.to_numpy() / area[o_zone["lot"].to_numpy()]
    zone_lots = set(o_zone.loc[o_zone["share"] > 1e-9, "lot"])
    ours_zone_lots = set(out.loc[out["zone_names"] != "", "lot"])

    print(f"lots: {n:,} rectangles of 200-5,000 m2, uniform over Hong Kong, HK1980 Grid")
    print(f"geopandas.overlay, regions + zones:             {t_overlay:8.2f} s")
    print(f"resolve_frame (shares, district, zones, dist):  {t_ours:8.2f} s   {t_overlay / t_ours:6.1f}x overlay")
    print(f"resolve_frame, distances=False:                 {t_fast:8.2f} s   {t_overlay / t_fast:6.1f}x overlay")
    print(f"lots partly outside Hong Kong (errors): {n - len(inside):,}")
    print(
        f"same primary region: {same_region}; max share difference {diff:.2e}; "
        f"lots in a zone: overlay {len(zone_lots):,}, ours {len(zone_lots & ours_zone_lots):,} of them "
        f"(+{len(ours_zone_lots - zone_lots):,} only near a zone edge)"
    )


if __name__ == "__main__":
    main()
