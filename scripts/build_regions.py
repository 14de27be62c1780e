"""Build the Appendix II region layer and the 18-district layer from the EAC 2019 areas.

Reads the vendored source files (origin, licence and sha256 in data/sources/README.md):
  data/sources/hk_dcca_2019/DCCA_2019.shp                 452 constituency areas, EPSG:2326, land and sea
  data/sources/hk_outline_osm_geomaps_coastline.geojson   only the Lok Ma Chau Loop piece it adds
Reads from the project:
  data/regions/district_regions.csv  district letter -> region code, names, District Lands Office
  data/regions/regions.csv           region code -> names
Writes:
  data/regions/appendix_ii.geojson   5 regions, EPSG:2326, cm coordinates
  data/regions/districts.geojson     18 districts, EPSG:2326, cm coordinates

Steps (all in EPSG:2326, metres):
  1. Snap every area to a 1 cm grid and dissolve by district letter (first letter of CACODE).
  2. Drop interior rings under 10 m2 (node slivers; Hong Kong has no real district enclaves).
  3. Remove pairwise overlaps: each district loses what an earlier district (letter order) already holds.
  4. Give every gap between districts to the neighbour sharing the longest edge with it.
  5. Fill the Lok Ma Chau Loop, which the EAC areas leave out: the OpenStreetMap outline piece north of
     the EAC union around 114.08 E 22.52 N, given to the district sharing the longest edge with it.
  6. Dissolve districts into regions through district_regions.csv, check the tiling, write sorted,
     fixed-format JSON so that a rebuild gives the same bytes.

Run:  python scripts/build_regions.py [--sources DIR] [--out DIR] [--check]
  --sources  folder holding hk_dcca_2019/ and the OSM outline (default data/sources)
  --out      where to write the two GeoJSON files (default data/regions)
  --check    write nothing; rebuild in a temporary folder and exit 1 unless the files in --out are
             byte-identical to the rebuild
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import pyogrio
import shapely
from pyproj import Transformer
from shapely.geometry import MultiPolygon, Polygon

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "data" / "regions"
SOURCES = ROOT / "data" / "sources"
OUTPUTS = ("appendix_ii.geojson", "districts.geojson")
GRID = 0.01  # snap to 1 cm: the EAC edges are not exactly noded
SLIVER_M2 = 10.0
# The Loop piece of the OSM outline lies inside this WGS 84 box (its centre is about 114.078 E, 22.520 N).
LOOP_BOX_WGS84 = (114.060, 22.505, 114.100, 22.535)
REGION_ACCURACY_M = 50.0
LOOP_ACCURACY_M = 300.0  # OSM outline: mean segment about 630 m (data/sources/README.md)
SOURCE = (
    "Electoral Affairs Commission, District Council Constituency Areas 2019 (DCCA_2019.shp), "
    "HKSAR Government data under the DATA.GOV.HK terms; Lok Ma Chau Loop from the OpenStreetMap "
    "outline (@geo-maps/countries-coastline-1m 0.6.0, ODbL 1.0, (c) OpenStreetMap contributors)"
)
ASSUMPTION = (
    "Region boundaries follow whole 2019 District Council districts as read from the Appendix II map of "
    "LAO PN 12/2023; the map is published only in print and LandsD's reading is final."
)


def _polygons(geom: shapely.Geometry) -> list[Polygon]:
    if geom.is_empty:
        return []
    if isinstance(geom, Polygon):
        return [geom]
    return [g for part in getattr(geom, "geoms", []) for g in _polygons(part)]


def _drop_small_holes(geom: shapely.Geometry) -> shapely.Geometry:
    polys = [Polygon(p.exterior, [r for r in p.interiors if Polygon(r).area >= SLIVER_M2]) for p in _polygons(geom)]
    return shapely.set_precision(MultiPolygon(polys), GRID)


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _longest_edge_owner(piece: shapely.Geometry, owners: dict[str, shapely.Geometry]) -> str:
    ring = piece.boundary
    lengths = {k: shapely.intersection(ring, g.buffer(GRID * 2)).length for k, g in owners.items()}
    return max(sorted(lengths), key=lambda k: lengths[k])


def build_districts(sources: Path) -> dict[str, shapely.Geometry]:
    areas = pyogrio.read_dataframe(sources / "hk_dcca_2019" / "DCCA_2019.shp")
    if areas.crs is None or areas.crs.to_epsg() != 2326:
        raise SystemExit(f"DCCA_2019.shp: expected EPSG:2326, found {areas.crs}")
    letters = areas["CACODE"].str[0].to_numpy()
    snapped = shapely.set_precision(areas.geometry.to_numpy(), GRID)
    districts: dict[str, shapely.Geometry] = {}
    taken: shapely.Geometry = Polygon()
    for letter in sorted(set(letters)):
        merged = shapely.union_all(snapped[letters == letter], grid_size=GRID)
        merged = _drop_small_holes(merged)
        merged = shapely.difference(merged, taken, grid_size=GRID)  # step 3
        districts[letter] = merged
        taken = shapely.union(taken, merged, grid_size=GRID)
    # step 4: gaps = holes of the filled union that no district covers
    filled = MultiPolygon([Polygon(p.exterior) for p in _polygons(taken)])
    gaps = shapely.difference(filled, taken, grid_size=GRID)
    for gap in sorted(_polygons(gaps), key=lambda p: (p.centroid.x, p.centroid.y)):
        owner = _longest_edge_owner(gap, districts)
        districts[owner] = shapely.union(districts[owner], gap, grid_size=GRID)
    # step 5: the Lok Ma Chau Loop
    outline = pyogrio.read_dataframe(sources / "hk_outline_osm_geomaps_coastline.geojson")
    to_grid = Transformer.from_crs("EPSG:4326", "EPSG:2326", always_xy=True)
    x0, y0 = to_grid.transform(LOOP_BOX_WGS84[0], LOOP_BOX_WGS84[1])
    x1, y1 = to_grid.transform(LOOP_BOX_WGS84[2], LOOP_BOX_WGS84[3])
    osm = shapely.transform(outline.geometry.iloc[0], lambda c: np.column_stack(to_grid.transform(c[:, 0], c[:, 1])))
    union = shapely.union_all(list(districts.values()), grid_size=GRID)
    extra = shapely.difference(shapely.clip_by_rect(osm, x0, y0, x1, y1), union, grid_size=GRID)
    loop = [p for p in _polygons(extra) if p.area > 1e5]
    if len(loop) != 1:
        raise SystemExit(f"expected one Lok Ma Chau Loop piece, found {len(loop)}")
    owner = _longest_edge_owner(loop[0], districts)
    districts[owner] = shapely.union(districts[owner], loop[0], grid_size=GRID)
    districts["_loop"] = loop[0]
    return districts


def _check_tiling(parts: dict[str, shapely.Geometry]) -> None:
    geoms = list(parts.values())
    total = shapely.union_all(geoms, grid_size=GRID).area
    summed = sum(g.area for g in geoms)
    if abs(total - summed) > 1.0 or not all(g.is_valid for g in geoms):
        raise SystemExit(f"tiling check failed: union {total:.1f} m2, sum {summed:.1f} m2")


def _coords(ring: shapely.LinearRing) -> list[list[float]]:
    return [[round(float(x), 2), round(float(y), 2)] for x, y in np.asarray(ring.coords)]


def _geojson_geometry(geom: shapely.Geometry) -> dict[str, object]:
    polys = sorted(_polygons(shapely.normalize(geom)), key=lambda p: (-p.area, p.bounds))
    return {
        "type": "MultiPolygon",
        "coordinates": [[_coords(p.exterior)] + [_coords(r) for r in p.interiors] for p in polys],
    }


def _write(path: Path, name: str, features: list[dict[str, object]]) -> None:
    doc = {
        "type": "FeatureCollection",
        "name": name,
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::2326"}},
        "features": features,
    }
    text = json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    # one feature a line keeps diffs readable while staying compact
    text = text.replace(',{"geometry"', ',\n{"geometry"').replace('"features":[{', '"features":[\n{')
    path.write_text(text + "\n", encoding="utf-8")


def check_same(built: Path, committed: Path, names: tuple[str, ...]) -> int:
    """0 if every file ``names`` in ``committed`` has the bytes of the one in ``built``, else 1 (and say which)."""
    bad = [
        n for n in names if not (committed / n).is_file() or (committed / n).read_bytes() != (built / n).read_bytes()
    ]
    for n in bad:
        print(f"differs from a rebuild: {committed / n}", file=sys.stderr)
    if not bad:
        print(f"up to date: {', '.join(str(committed / n) for n in names)}", file=sys.stderr)
    return 1 if bad else 0


def build(sources: Path, out: Path) -> None:
    """Build both layers from the files in ``sources`` and write them into ``out``."""
    table = _read_csv(OUT / "district_regions.csv")
    region_names = {r["code"]: r for r in _read_csv(OUT / "regions.csv")}
    districts = build_districts(sources)
    loop = districts.pop("_loop")
    _check_tiling(districts)

    district_features = []
    for row in table:
        geom = districts[row["dc_code"]]
        district_features.append(
            {
                "type": "Feature",
                "properties": {
                    "dc_code": row["dc_code"],
                    "name_en": row["name_en"],
                    "name_zh": row["name_zh"],
                    "region_code": row["region_code"],
                    "district_lands_office": row["district_lands_office"],
                    "area_km2": round(geom.area / 1e6, 3),
                    "source": SOURCE,
                },
                "geometry": _geojson_geometry(geom),
            }
        )

    regions: dict[str, shapely.Geometry] = {}
    for code in region_names:
        members = [districts[r["dc_code"]] for r in table if r["region_code"] == code]
        regions[code] = shapely.union_all(members, grid_size=GRID)
    _check_tiling(regions)
    region_features = []
    for code, meta in region_names.items():
        letters = [r["dc_code"] for r in table if r["region_code"] == code]
        has_loop = regions[code].covers(loop.representative_point())
        region_features.append(
            {
                "type": "Feature",
                "properties": {
                    "code": code,
                    "name_en": meta["name_en"],
                    "name_zh": meta["name_zh"],
                    "districts": [r["name_en"] for r in table if r["dc_code"] in letters],
                    "source": SOURCE,
                    "assumption": ASSUMPTION
                    + (
                        " The Lok Ma Chau Loop, missing from the EAC areas, is filled from the coarse OSM outline"
                        f" (accuracy about {LOOP_ACCURACY_M:.0f} m there)."
                        if has_loop
                        else ""
                    ),
                    "accuracy_m": REGION_ACCURACY_M,
                    "area_km2": round(regions[code].area / 1e6, 3),
                },
                "geometry": _geojson_geometry(regions[code]),
            }
        )
    out.mkdir(parents=True, exist_ok=True)
    _write(out / "appendix_ii.geojson", "appendix_ii", region_features)
    _write(out / "districts.geojson", "districts", district_features)
    for f in region_features:
        p = f["properties"]
        print(f"{p['code']:4} {p['area_km2']:9.3f} km2  {', '.join(p['districts'])}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=Path, default=SOURCES, help="vendored source files (default data/sources)")
    parser.add_argument("--out", type=Path, default=OUT, help="output folder (default data/regions)")
    parser.add_argument("--check", action="store_true", help="compare a rebuild with --out; write nothing")
    args = parser.parse_args(argv)
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            build(args.sources, Path(tmp))
            return check_same(Path(tmp), args.out, OUTPUTS)
    build(args.sources, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
