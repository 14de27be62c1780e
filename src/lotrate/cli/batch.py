"""``lotrate batch``: read a GIS layer, resolve or assess every row, write the result."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from lotrate.io.layers import read_layer, write_layer
from lotrate.premium.assess import assess_frame
from lotrate.resolution.frame import resolve_frame
from lotrate.resolution.layers import Layers


def run_batch(
    src: str | os.PathLike[str],
    dst: str | os.PathLike[str],
    *,
    assess: bool = False,
    crs: str | None = None,
    rates: Any = None,
    layers: Layers | None = None,
    progress: bool | None = None,
    echo: Callable[[str], None] | None = None,
) -> tuple[int, int]:
    """Read ``src``, resolve (or assess) every row, write ``dst``; return (rows, rows that failed)."""
    gdf = read_layer(src, crs)
    out = (
        assess_frame(gdf, rates=rates, layers=layers, progress=progress)
        if assess
        else resolve_frame(gdf, layers=layers, progress=progress)
    )
    write_layer(out, dst)
    errors = out["error" if "error" not in gdf.columns else "lotrate_error"]
    failed = int(errors.notna().sum())
    if echo is not None:
        done = out["region_code" if "region_code" not in gdf.columns else "lotrate_region_code"]
        by_region = done.value_counts().to_dict()
        summary = ", ".join(f"{k} {v}" for k, v in sorted(by_region.items()))
        echo(f"lotrate: {len(out)} rows, {len(out) - failed} resolved ({summary}), {failed} failed; wrote {dst}")
    return len(out), failed
