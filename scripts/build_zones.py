"""Draw the special-zone layers (NDA, Pilot Scheme Areas, HKSTP Industrial Estates) from documented facts.

No official vector boundaries are reachable (data/sources/README.md, "Not found"), so each zone is an honest
approximation drawn from the facts in data/zones/zone_facts.csv (one row a part: a centre, and an area or a
radius, with its source):
  - a part with ``area_ha`` is a disc of exactly that area around the documented centre;
  - a part with ``radius_m`` is a disc of that radius (1 km around a railway station, or a new town's extent);
  - the parts of one zone are unioned; every zone is clipped to the HKSAR boundary (data/regions);
  - Pilot Scheme Areas lie outside the NDAs (PN 12/2023 para 6 note), so the NDAs are cut out of them, and
    they are clipped to Tuen Mun, Yuen Long and North districts (first phase; news.gov.hk, 28 Dec 2023).
Writes data/zones/nda.geojson, pilot_scheme.geojson, industrial_estates.geojson in EPSG:2326 (cm), with
``kind``, ``name``, ``source``, ``status`` ("approximate"), ``accuracy_m`` and ``area_ha`` on every feature.

Reads only project files: data/zones/zone_facts.csv and data/regions/{appendix_ii,districts}.geojson (built
by scripts/build_regions.py from data/sources; run that first). The INNOPARK facts are backed by the vendored
HKSTP text, data/sources/hkstp_industrial_estates.txt.

Run:  python scripts/build_zones.py [--out DIR] [--check]
  --check  write nothing; rebuild in a temporary folder and exit 1 unless the files in --out (default
           data/zones) are byte-identical to the rebuild
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
import tempfile
from pathlib import Path

import shapely
from build_regions import GRID, _write, check_same
from build_regions import _geojson_geometry as geojson_geometry
from pyproj import Transformer
from shapely.geometry import Point

ROOT = Path(__file__).resolve().parents[1]
FACTS = ROOT / "data" / "zones" / "zone_facts.csv"
REGIONS = ROOT / "data" / "regions"
QUAD_SEGS = 32  # a disc is a 128-gon
FILES = {
    "NDA": "nda.geojson",
    "PILOT_SCHEME": "pilot_scheme.geojson",
    "INDUSTRIAL_ESTATE": "industrial_estates.geojson",
}
PILOT_DISTRICTS = ("L", "M", "N")  # Tuen Mun, Yuen Long, North


def _layer(path: Path) -> list[tuple[dict[str, object], shapely.Geometry]]:
    doc = json.loads(path.read_text(encoding="utf-8"))
    return [(f["properties"], shapely.geometry.shape(f["geometry"])) for f in doc["features"]]


def disc(e: float, n: float, area_m2: float | None = None, radius_m: float | None = None) -> shapely.Geometry:
    """A regular 128-gon around (e, n) with exactly the given area, or the given circumradius."""
    sides = 4 * QUAD_SEGS
    if area_m2 is not None:
        radius_m = math.sqrt(2 * area_m2 / (sides * math.sin(2 * math.pi / sides)))
    assert radius_m is not None
    return Point(e, n).buffer(radius_m, quad_segs=QUAD_SEGS)


def build() -> dict[str, list[dict[str, object]]]:
    to_grid = Transformer.from_crs("EPSG:4326", "EPSG:2326", always_xy=True)
    with FACTS.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    hksar = shapely.union_all([g for _, g in _layer(REGIONS / "appendix_ii.geojson")], grid_size=GRID)
    pilot_land = shapely.union_all(
        [g for p, g in _layer(REGIONS / "districts.geojson") if p["dc_code"] in PILOT_DISTRICTS], grid_size=GRID
    )
    zones: dict[tuple[str, str], dict[str, object]] = {}
    for row in rows:
        e, n = to_grid.transform(float(row["lon"]), float(row["lat"]))
        area = float(row["area_ha"]) * 1e4 if row["area_ha"] else None
        radius = float(row["radius_m"]) if row["radius_m"] else None
        part = disc(e, n, area, radius)
        z = zones.setdefault((row["kind"], row["name"]), {"parts": [], "accuracy_m": 0.0, "sources": []})
        z["parts"].append(part)  # type: ignore[union-attr]
        z["accuracy_m"] = max(float(z["accuracy_m"]), float(row["accuracy_m"]))  # type: ignore[arg-type]
        label = f"{row['part']}: " if row["part"] else ""
        z["sources"].append(label + row["source"])  # type: ignore[union-attr]
    nda_union = shapely.union_all(
        [shapely.union_all(z["parts"]) for (k, _), z in zones.items() if k == "NDA"], grid_size=GRID
    )
    out: dict[str, list[dict[str, object]]] = {k: [] for k in FILES}
    for (kind, name), z in sorted(zones.items()):
        geom = shapely.intersection(shapely.union_all(z["parts"], grid_size=GRID), hksar, grid_size=GRID)
        if kind == "PILOT_SCHEME":
            geom = shapely.intersection(shapely.difference(geom, nda_union, grid_size=GRID), pilot_land, grid_size=GRID)
        geom = shapely.make_valid(geom)
        out[kind].append(
            {
                "type": "Feature",
                "properties": {
                    "kind": kind,
                    "name": name,
                    "status": "approximate",
                    "accuracy_m": z["accuracy_m"],
                    "area_ha": round(geom.area / 1e4, 1),
                    "source": "; ".join(z["sources"]),  # type: ignore[arg-type]
                },
                "geometry": geojson_geometry(geom),
            }
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "zones", help="output folder (default data/zones)")
    parser.add_argument("--check", action="store_true", help="compare a rebuild with --out; write nothing")
    args = parser.parse_args(argv)
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            write(Path(tmp))
            return check_same(Path(tmp), args.out, tuple(FILES.values()))
    write(args.out)
    return 0


def write(out: Path) -> None:
    """Build the three zone layers and write them into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    for kind, features in build().items():
        _write(out / FILES[kind], FILES[kind].removesuffix(".geojson"), features)
        for f in features:
            p = f["properties"]
            print(f"{kind:17} {p['name']:45} {p['area_ha']:8.1f} ha  +-{p['accuracy_m']:.0f} m", file=sys.stderr)  # type: ignore[index]


if __name__ == "__main__":
    raise SystemExit(main())
