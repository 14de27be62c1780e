"""Run every benchmarks/bench_*.py in turn (``make bench``): each target against its baseline, measured in the
same run (paired, repeated, medians), with the agreement of the answers beside each ratio.

Usage: python benchmarks/run.py [bench_points bench_polygons bench_cold]   (default: all)
Figures go to stdout; benchmarks/README.md records a run and what the figures mean.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    only = sys.argv[1:]
    for path in sorted(HERE.glob("bench_*.py")):
        if only and path.stem not in only:
            continue
        print(f"== {path.stem}", flush=True)
        saved = sys.argv
        sys.argv = [str(path)]  # each benchmark with its default sizes
        try:
            runpy.run_path(str(path), run_name="__main__")
        finally:
            sys.argv = saved
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
