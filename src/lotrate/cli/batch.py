"""``lotrate batch``: read a GIS layer, resolve or assess every row, write the result without losing anything.

Nothing is lost (docs/cli.md):

- the output never replaces the input: ``-o`` naming the input (the same file, however spelled) is refused,
  except a GeoPackage, which then gets a new layer beside the one read;
- an existing output file is replaced only with ``overwrite``; an existing GeoPackage gets the layer ``layer``
  (default: the input's name; ``<input layer>_lotrate`` when writing into the input GeoPackage) and keeps
  every other layer; a layer of the same name is replaced only with ``overwrite``;
- every write goes to a temporary file beside the output and is renamed into place (see
  :func:`lotrate.io.layers.write_layer`), so a failed run leaves what was there before;
- every input column is kept as it was. A result column never collides with an input column, compared
  case-insensitively (GeoPackage, Shapefile and SQL-based formats ignore case): a result whose name is taken
  is written as ``lotrate_NAME``, then ``lotrate_2_NAME``, ``lotrate_3_NAME``, ... so a second pass over a
  batch output adds new columns and never overwrites the first pass's results.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lotrate import messages
from lotrate.crs import check_crs
from lotrate.errors import CRSError, LayerError, OutputError
from lotrate.io.layers import ROW_ERRORS, check_output, layer_names, read_layer, write_layer
from lotrate.resolution.layers import Layers

if TYPE_CHECKING:
    import geopandas as gpd

#: the columns ``assess_frame`` adds (``resolve_frame``'s are ``lotrate.resolution.frame.RESULT_COLUMNS``)
ASSESS_COLUMNS = (
    "lot_id",
    "region_code",
    "district",
    "zone_kinds",
    "rate_schedule",
    "applicable",
    "premium_hkd",
    "eligibility",
    "warnings",
    "error",
)
PREFIX = "lotrate_"


def result_name(name: str, taken: set[str]) -> str:
    """``name`` if no column in ``taken`` (lower-cased names) has it in any case, else ``lotrate_NAME``,
    ``lotrate_2_NAME``, ...; the name chosen is added to ``taken``.

    Examples
    --------
    >>> taken = {"district", "lotrate_district"}
    >>> result_name("region_code", taken), result_name("District", taken)
    ('region_code', 'lotrate_2_District')
    """
    candidates = [name, f"{PREFIX}{name}"]
    k = 2
    while True:
        for c in candidates:
            if c.lower() not in taken:
                taken.add(c.lower())
                return c
        candidates = [f"{PREFIX}{k}_{name}"]
        k += 1


def _same_file(a: Path, b: Path) -> bool:
    try:
        return b.exists() and os.path.samefile(a, b)
    except OSError:
        return a.resolve() == b.resolve()


def output_plan(
    src: Path, dst: Path, layer: str | None, overwrite: bool
) -> str | None:
    """Check ``dst`` before any work; return the GeoPackage layer to write (``None`` for other formats)."""
    same = _same_file(src, dst)
    if dst.suffix.lower() != ".gpkg":
        if same:
            raise OutputError(messages.output_is_input(dst, src))
        check_output(dst, overwrite=overwrite)
        return None
    if same:
        names = layer_names(src) or []
        read = names[0] if names else src.stem
        name = layer or f"{read}_{PREFIX.rstrip('_')}"
        if name.lower() == read.lower():
            raise OutputError(
                f"-o {str(dst)!r} is the input and --layer {name!r} is the layer read from it; an output never "
                f"replaces its input: give another --layer (e.g. {read}_lotrate) or another -o"
            )
    else:
        name = layer or src.stem
    check_output(dst, layer=name, overwrite=overwrite)
    return name


def _compute(
    gdf: gpd.GeoDataFrame,
    *,
    assess: bool,
    rates: Any,
    layers: Layers | None,
    progress: bool | None,
) -> tuple[gpd.GeoDataFrame, dict[str, str]]:
    """The output frame (the input untouched plus the result columns) and {result: column name written}."""
    import pandas as pd

    from lotrate.resolution.frame import RESULT_COLUMNS

    known = {c.lower() for c in (*RESULT_COLUMNS, *ASSESS_COLUMNS)}
    geom = gdf.geometry.name
    # the engines see no input column a result could be confused with (a lot id column stays: it names lots)
    hide = [
        c
        for c in gdf.columns
        if c != geom and str(c).lower() != "lot_id" and (str(c).lower() in known or str(c).lower().startswith(PREFIX))
    ]
    work = gdf.drop(columns=hide)
    if assess:
        from lotrate.premium.assess import assess_frame

        done = assess_frame(work, rates=rates, layers=layers, progress=progress)
    else:
        from lotrate.resolution.frame import resolve_frame

        done = resolve_frame(work, layers=layers, progress=progress)
    has_lot_id = any(str(c).lower() == "lot_id" for c in gdf.columns)
    new = [c for c in done.columns if c not in work.columns and not (has_lot_id and str(c).lower() == "lot_id")]
    taken = {str(c).lower() for c in gdf.columns}
    names = {str(c): result_name(str(c), taken) for c in new}
    out = gdf.copy()
    for c in new:
        out[names[str(c)]] = pd.Series(done[c].to_numpy(), index=out.index, dtype=done[c].dtype)
    return out, names


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
    layer: str | None = None,
    overwrite: bool = False,
) -> tuple[int, int]:
    """Read ``src``, resolve (or assess) every row, write ``dst``; return (rows, rows that failed).

    See the module docstring for what is refused and how result columns are named. A row whose geometry
    could not be read (a bad WKT or non-numeric coordinate in a CSV) fails alone, with its reason in the
    error column.
    """
    src_p, dst_p = Path(src), Path(dst)
    if not str(dst).strip():
        raise OutputError("-o is empty; give the output file, e.g. -o lots_regions.gpkg")
    gpkg_layer = output_plan(src_p, dst_p, layer, overwrite)
    if crs is not None:
        try:
            check_crs(crs)
        except CRSError as exc:
            raise CRSError(f"--crs: {exc}") from None
    names = layer_names(src_p) if src_p.suffix.lower() == ".gpkg" else None
    read = names[0] if names else None
    gdf = read_layer(src_p, crs, layer=read)
    row_errors: dict[int, str] = dict(gdf.attrs.pop(ROW_ERRORS, None) or {})
    if len(gdf) == 0:
        raise LayerError(f"{src_p} has no rows to resolve")
    if gdf.crs is None:
        raise CRSError(f"{src_p} does not say its CRS; pass --crs (e.g. EPSG:2326 for HK1980 Grid, EPSG:4326)")
    out, columns = _compute(gdf, assess=assess, rates=rates, layers=layers, progress=progress)
    error_col = columns["error"]
    if row_errors:
        errors = out[error_col].to_numpy(dtype=object).copy()
        for i, why in row_errors.items():
            errors[i] = why
        out[error_col] = errors
    write_layer(out, dst_p, layer=gpkg_layer, overwrite=overwrite)
    failed = int(out[error_col].notna().sum())
    if echo is not None:
        by_region = out[columns["region_code"]].value_counts().to_dict()
        summary = ", ".join(f"{messages.printable(k)} {v}" for k, v in sorted(by_region.items()))
        where = f"{dst_p} (layer {gpkg_layer})" if gpkg_layer else str(dst_p)
        renamed = [f"{k} as {v}" for k, v in columns.items() if k != v]
        source = f" of layer {read!r} ({len(names or [])} layers in {src_p.name})" if names and len(names) > 1 else ""
        echo(
            f"lotrate: {len(out)} rows{source}, {len(out) - failed} resolved ({summary}), {failed} failed; "
            f"wrote {where}"
            + (f"; result columns already taken were written as: {', '.join(renamed)}" if renamed else "")
        )
    return len(out), failed
