"""A fresh process: index build (load) time, the cold command line, and the resident memory of all indexes.

Each figure is the median of several fresh processes.

Usage: python benchmarks/bench_cold.py [RUNS]   (default 5)
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time

FIRST_CALL = r"""
import json, os, time
import psutil
proc = psutil.Process(os.getpid())
import numpy, shapely, pyproj, pandas, geopandas  # the libraries, loaded before measuring
import lotrate
from lotrate.resolution.layers import Layers
libs = proc.memory_info().rss
# numba and the compiled loops of the batch paths (loaded from numba's cache): code, not indexes, measured apart
import numba
from lotrate.index import kernels
one = numpy.zeros(1)
kernels.nearest_listed(one, one, numpy.zeros(1, "i8"), numpy.zeros(1, "i8"), numpy.zeros((1, 8)), numpy.zeros(1, "i8"))
base = proc.memory_info().rss
t = time.perf_counter()
lay = Layers.default()
lay.regions.table, lay.zones.table
build = time.perf_counter() - t
t = time.perf_counter()
lotrate.resolve(x=114.2235, y=22.3110)
first = time.perf_counter() - t
# everything the point and polygon paths keep: one-point tables, fused words, zone answers, area-share tables
import geopandas as gpd
from shapely.geometry import box
lotrate.resolve_many(x=[838500.0, 827000.0], y=[819800.0, 838000.0], crs="EPSG:2326")
lotrate.resolve_frame(gpd.GeoDataFrame(geometry=[box(838500, 819800, 838540, 819830)], crs=2326), progress=False)
for x, y in ((114.2235, 22.3110), (114.105, 22.497), (113.9740, 22.3905)):
    lotrate.resolve(x=x, y=y)
rss = proc.memory_info().rss - base
print(json.dumps({"build": build, "first": first, "rss": rss, "numba": base - libs}))
"""

FIRST_BATCH = r"""
import json, time
import numpy, shapely, pyproj, pandas, geopandas
import lotrate
t = time.perf_counter()
lotrate.resolve_many(x=[838500.0, 827000.0], y=[819800.0, 838000.0], crs="EPSG:2326")
print(json.dumps({"batch": time.perf_counter() - t}))
"""


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 5
    build, first, rss, cli, jit, batch = [], [], [], [], [], []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", FIRST_CALL], check=True, capture_output=True, text=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        build.append(r["build"])
        first.append(r["first"])
        rss.append(r["rss"] / 1e6)
        out = subprocess.run([sys.executable, "-c", FIRST_BATCH], check=True, capture_output=True, text=True)
        batch.append(json.loads(out.stdout.strip().splitlines()[-1])["batch"])
        jit.append(r["numba"] / 1e6)
        t = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "lotrate", "resolve", "114.2235", "22.3110"], check=True, capture_output=True
        )
        cli.append(time.perf_counter() - t)
    b, c, m = statistics.median(build), statistics.median(cli), statistics.median(rss)
    print(f"fresh process, median of {runs}:")
    print(
        f"  index build (load data/index/*.bin, region and zone tables): {b:6.3f} s  "
        f"[target <= 0.5 s: {'target met' if b <= 0.5 else 'target NOT met'}]; first resolve after it "
        f"{statistics.median(first) * 1e3:.1f} ms"
    )
    print(
        f"  lotrate resolve X Y, cold process:                          {c:6.3f} s  "
        f"[target < 0.6 s: {'target met' if c < 0.6 else 'target NOT met'}]"
    )
    print(
        f"  resident memory of all indexes (RSS growth):               {m:6.1f} MB "
        f"[target <= 80 MB: {'target met' if m <= 80 else 'target NOT met'}]"
    )
    print(
        f"  first resolve_many in a fresh process (tables, then numba's cached loops):  "
        f"{statistics.median(batch):6.3f} s"
    )
    print(
        f"  numba and the batch paths' compiled loops (loaded once, on the first batch call): "
        f"{statistics.median(jit):.1f} MB more"
    )


if __name__ == "__main__":
    main()
