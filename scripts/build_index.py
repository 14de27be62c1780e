"""Build the precomputed index tables of the built-in layers: data/index/regions.bin and data/index/zones.bin.

The tables (the fused per-cell table of the regions and districts with the boundary segment quadtrees, and the
per-cell zone states with the zone-edge quadtrees) take seconds to build; shipped, the first lookup in a
process only reads them. Each file records a fingerprint of the geometries it was built from: lotrate uses a
file only if the layers in use are the same, and builds the table itself otherwise.

Same layers, same bytes: ``--check`` rebuilds in memory and fails if a committed file differs (when only the
zlib in use compresses differently, the uncompressed contents are compared and the difference is reported).

Usage: python scripts/build_index.py [--out DIR] [--check]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from lotrate._data import data_path
from lotrate.index.fused import RegionTable
from lotrate.index.regions import REGION_TABLE_FILE, RegionIndex
from lotrate.index.store import unpack_payload
from lotrate.index.zones import ZONE_TABLE_FILE, ZoneIndex
from lotrate.index.zonetable import ZoneTable

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "data" / "index"


def build() -> dict[str, bytes]:
    """The bytes of every table file, built from the layers in data/regions and data/zones."""
    idx = RegionIndex.from_file(data_path("regions", "appendix_ii.geojson"))  # from the files, never the index
    idx.use_table(
        RegionTable.build([r.geometry for r in idx.regions], [d.geometry for d in idx.districts], idx.accuracy_m)
    )
    zidx = ZoneIndex.default()
    geoms = [z.geometry for z in zidx.zones]
    acc = [z.accuracy_m for z in zidx.zones]
    zones = ZoneTable.build(geoms, acc)
    return {
        REGION_TABLE_FILE: idx.index_file_bytes(),
        ZONE_TABLE_FILE: zones.to_bytes(ZoneTable.fingerprint(geoms, acc)),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUT, help="folder to write (default data/index)")
    ap.add_argument("--check", action="store_true", help="rebuild in memory and compare with the files in --out")
    args = ap.parse_args(argv)
    t = time.perf_counter()
    files = build()
    took = time.perf_counter() - t
    if args.check:
        failed = False
        for name, data in files.items():
            path = args.out / name
            if not path.is_file():
                print(f"missing: {path}", file=sys.stderr)
                failed = True
            elif path.read_bytes() == data:
                print(f"up to date: {path}")
            elif unpack_payload(path.read_bytes()) == unpack_payload(data):
                print(f"up to date: {path} (same contents; this zlib compresses them differently)")
            else:
                print(f"out of date: {path}; run: python scripts/build_index.py", file=sys.stderr)
                failed = True
        return 1 if failed else 0
    args.out.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (args.out / name).write_bytes(data)
        print(f"wrote {args.out / name} ({len(data) / 1e6:.2f} MB)")
    print(f"built in {took:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
