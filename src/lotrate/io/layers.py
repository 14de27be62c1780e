"""GIS layers in and out: anything pyogrio reads, CSV with x/y or WKT columns, Parquet; safe writes."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import shapely

from lotrate.errors import CRSError, LayerError, OutputError

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd



XY_NAMES = {
    ("x", "y"): None,
    ("lon", "lat"): "EPSG:4326",
    ("longitude", "latitude"): "EPSG:4326",
    ("easting", "northing"): "EPSG:2326",
    ("e", "n"): "EPSG:2326",
}


WRITERS: dict[str, str] = {
    ".gpkg": "GPKG",
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".fgb": "FlatGeobuf",
    ".shp": "ESRI Shapefile",
    ".csv": "CSV",
    ".parquet": "Parquet",
    ".xlsx": "XLSX",  # surveyors' schedules: one row per lot, geometry as WKT unless x/y columns came in
}


#: attrs key of a frame read by :func:`read_layer`: {row position: why that row has no usable geometry}
ROW_ERRORS = "lotrate_row_errors"
#: attrs key of a frame read from a CSV's coordinate columns: (x column, y column); a CSV written from it keeps
#: them as its geometry instead of adding a WKT column that would repeat them
XY_COLUMNS = "lotrate_xy_columns"
#: the files of one shapefile, all written together (into a temporary folder, then moved into place)
SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx", ".shp.xml")


def _csv_rows_check(text: str, name: str) -> None:
    """Refuse a CSV whose rows do not all have the header's number of fields (values would shift)."""
    limit = csv.field_size_limit()
    csv.field_size_limit(max(limit, 1 << 30))  # WKT of a large polygon is longer than csv's default 128 kB
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        width = None
        row_no = 0
        for row in reader:
            if not row or (len(row) == 1 and not row[0].strip()):
                continue  # blank lines are skipped, as pandas does
            if width is None:
                width = len(row)
                continue
            row_no += 1
            if len(row) != width:
                raise LayerError(
                    f"{name}: row {row_no} (line {reader.line_num}) has {len(row)} fields but the header has "
                    f"{width}; fix that row (a value holding a comma needs double quotes)"
                )
    except csv.Error as exc:
        raise LayerError(f"{name}: not a readable CSV ({exc}); save it again as CSV UTF-8") from None
    finally:
        csv.field_size_limit(limit)
    if width is None:
        raise LayerError(
            f"{name}: the CSV file is empty; it needs a header line naming x/y (lon/lat, easting/northing) or "
            "geometry (WKT) columns, then one row per lot"
        )


def _same_points(p: Path, df: pd.DataFrame, xn: str, yn: str, wkt: str) -> None:
    """A CSV with coordinate columns and a WKT column: fine if the WKT repeats the points, else ambiguous."""
    import pandas as pd

    xs = pd.to_numeric(df[xn], errors="coerce").to_numpy(dtype=float)
    ys = pd.to_numeric(df[yn], errors="coerce").to_numpy(dtype=float)
    values = np.array([v if isinstance(v, str) and v.strip() else None for v in df[wkt]], dtype=object)
    geoms = shapely.from_wkt(values, on_invalid="ignore")
    for i, g in enumerate(geoms):
        if values[i] is None and not (np.isfinite(xs[i]) and np.isfinite(ys[i])):
            continue
        same = (
            g is not None
            and g.geom_type == "Point"
            and not g.is_empty
            and bool(np.isclose(g.x, xs[i], rtol=1e-12, atol=1e-9) and np.isclose(g.y, ys[i], rtol=1e-12, atol=1e-9))
        )
        if not same:
            raise LayerError(
                f"{p}: has both {xn}/{yn} coordinate columns and a {wkt} column, and they disagree on row {i + 1}, "
                f"so which one locates a lot is ambiguous; remove or rename one of them"
            )


def _read_csv(p: Path, crs: str | None) -> gpd.GeoDataFrame:
    import pandas as pd

    from lotrate.io.inputs import read_text

    text = read_text(p, "CSV file", LayerError)
    _csv_rows_check(text, str(p))
    try:
        df = pd.read_csv(io.StringIO(text))
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise LayerError(f"{p}: not a readable CSV ({exc})") from None
    return _table_layer(p, df, crs)


def _read_xlsx(p: Path, crs: str | None) -> gpd.GeoDataFrame:
    """The first sheet of a workbook as a layer, read like a CSV (x/y or WKT columns)."""
    import pandas as pd

    from lotrate.io.inputs import check_file, check_size

    check_file(p, "workbook", LayerError)
    check_size(p, "workbook", LayerError)
    try:
        df = pd.read_excel(p, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise LayerError(f"{p}: not a readable XLSX workbook ({' '.join(str(exc).split())})") from None
    if df.empty:
        raise LayerError(f"{p}: the first sheet has no rows")
    return _table_layer(p, df, crs)


def _table_layer(p: Path, df: pd.DataFrame, crs: str | None) -> gpd.GeoDataFrame:
    """A table with x/y (lon/lat, easting/northing) or WKT columns as a layer; bad cells fail their row only."""
    import geopandas as gpd
    import pandas as pd

    lower: dict[str, str] = {}
    for c in df.columns:
        if str(c).lower() in lower:
            raise LayerError(
                f"{p}: columns {lower[str(c).lower()]!r} and {c!r} differ only in case; rename one of them"
            )
        lower[str(c).lower()] = str(c)
    wkt = lower.get("geometry") or lower.get("wkt")
    row_errors: dict[int, str] = {}
    for (xn, yn), default in XY_NAMES.items():
        if xn in lower and yn in lower:
            if wkt is not None:
                _same_points(p, df, lower[xn], lower[yn], wkt)
                df = df.drop(columns=[wkt])
            use_crs = crs or default
            if use_crs is None:
                raise CRSError(f"{p.name}: columns {lower[xn]}/{lower[yn]} do not say their CRS; pass --crs")
            xs = pd.to_numeric(df[lower[xn]], errors="coerce")
            ys = pd.to_numeric(df[lower[yn]], errors="coerce")
            for name, raw, num in ((lower[xn], df[lower[xn]], xs), (lower[yn], df[lower[yn]], ys)):
                for i in np.flatnonzero((num.isna() & raw.notna()).to_numpy()):
                    row_errors.setdefault(int(i), f"row {i + 1}: {name}={raw.iloc[i]!r} is not a number")
            for i in np.flatnonzero((xs.isna() & ys.isna() & df[lower[xn]].isna() & df[lower[yn]].isna()).to_numpy()):
                row_errors.setdefault(int(i), f"row {i + 1}: {lower[xn]} and {lower[yn]} are empty; give both")
            gdf = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(xs, ys), crs=use_crs)
            gdf.attrs[ROW_ERRORS] = row_errors
            gdf.attrs[XY_COLUMNS] = (lower[xn], lower[yn])
            return gdf
    if wkt is not None:
        if crs is None:
            raise CRSError(f"{p.name}: WKT geometry in column {wkt!r} does not say its CRS; pass --crs")
        raw = df[wkt]
        values = np.array([v if isinstance(v, str) and v.strip() else None for v in raw], dtype=object)
        geoms = shapely.from_wkt(values, on_invalid="ignore")
        for i in np.flatnonzero(pd.isna(geoms)):
            if values[i] is None:
                row_errors[int(i)] = f"row {i + 1}: the {wkt} cell is empty; give the lot's WKT"
            else:
                text_i = str(values[i])
                shown = text_i if len(text_i) <= 60 else text_i[:57] + "..."
                row_errors[int(i)] = f"row {i + 1}: {wkt}={shown!r} is not valid WKT; fix that cell"
        gdf = gpd.GeoDataFrame(df.drop(columns=[wkt]), geometry=gpd.GeoSeries(geoms, index=df.index), crs=crs)
        gdf.attrs[ROW_ERRORS] = row_errors
        return gdf
    raise LayerError(
        f"{p.name}: no coordinate columns; expected x/y, lon/lat, longitude/latitude, easting/northing, "
        "or WKT in a geometry column"
    )


def read_layer(path: str | os.PathLike[str], crs: str | None = None, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read a layer: anything pyogrio reads, or a CSV with x/y (lon/lat, easting/northing) or WKT columns.

    A CSV's CRS is ``crs`` when given, else EPSG:4326 for lon/lat names and EPSG:2326 for easting/northing.
    A CSV must be UTF-8 (a byte order mark is fine) with as many fields in every row as in its header, and
    either coordinate columns or a WKT ``geometry`` column, not both. A row whose coordinates are not
    numbers or whose WKT cannot be read keeps a ``None``/NaN geometry, and the reason is in
    ``gdf.attrs[ROW_ERRORS]`` by row position: one bad row never fails the file. JSON and CSV inputs above
    ``LOTRATE_MAX_INPUT_MB`` (default 512) are refused; a folder is read only if it is a dataset (a FileGDB).
    ``layer`` names the layer of a multi-layer source (a GeoPackage); by default its first layer is read.
    """
    import geopandas as gpd

    from lotrate.crs import check_crs
    from lotrate.io.inputs import MAX_JSON_DEPTH, check_file, check_size, json_depth, read_bytes

    if crs is not None:
        check_crs(crs)
    p = Path(path)
    if not p.exists():
        raise LayerError(f"layer {str(p)!r} does not exist")
    ext = p.suffix.lower()
    if ext == ".csv":
        return _read_csv(p, crs)
    if ext == ".xlsx":
        return _read_xlsx(p, crs)
    import pyogrio

    if not p.is_dir():
        check_file(p, "layer", LayerError)
        if ext in (".geojson", ".json", ".geojsonl", ".geojsons"):
            check_size(p, "layer", LayerError)
            if ext in (".geojson", ".json") and json_depth(read_bytes(p, "layer", LayerError)) > MAX_JSON_DEPTH:
                from lotrate import messages

                raise LayerError(messages.too_deep("layer", p, MAX_JSON_DEPTH))
    try:
        if ext == ".parquet":
            gdf = gpd.read_parquet(p)
        else:
            names = layer_names(p) if layer is None else [layer]
            # dates as text: one bad date fails its own row (when the lot is read), never the whole layer
            gdf = pyogrio.read_dataframe(p, layer=names[0] if names else None, datetime_as_string=True)
    except Exception as exc:
        if p.is_dir():
            from lotrate import messages

            raise LayerError(messages.not_a_file("layer", p, "a folder")) from exc
        raise LayerError(f"{str(p)!r} cannot be read as a GIS layer: {' '.join(str(exc).split())}") from exc
    if not isinstance(gdf, gpd.GeoDataFrame) or getattr(gdf, "_geometry_column_name", None) not in gdf.columns:
        raise LayerError(
            f"{p}: has no geometry column; give a GIS layer, or a CSV with x/y, lon/lat or easting/northing columns"
        )
    if crs is not None:
        gdf = gdf.set_crs(crs, allow_override=True)
    elif gdf.crs is not None:
        try:
            check_crs(gdf.crs)
        except CRSError as exc:
            raise CRSError(f"{p}: the layer's {exc} (with --crs)") from exc
    gdf.attrs[ROW_ERRORS] = {}
    return gdf


def result_column(name: str, columns: object) -> str:
    """``name``, or ``lotrate_NAME``, ``lotrate_2_NAME``, ... : the first not among ``columns`` in any case."""
    taken = {str(c).lower() for c in columns}  # type: ignore[attr-defined]
    k = 1
    candidate = name
    while candidate.lower() in taken:
        candidate = f"lotrate_{name}" if k == 1 else f"lotrate_{k}_{name}"
        k += 1
    return candidate


def layer_names(path: str | os.PathLike[str]) -> list[str] | None:
    """The layer names of an existing dataset (a GeoPackage, ...), or ``None`` if ``path`` is not one."""
    import pyogrio

    try:
        return [str(name) for name, _ in pyogrio.list_layers(Path(path))]
    except Exception:
        return None


def _existing_parts(p: Path) -> list[Path]:
    """The files a write to ``p`` would replace: ``p`` itself, and a shapefile's other parts."""
    if p.suffix.lower() != ".shp":
        return [p] if p.exists() or p.is_symlink() else []
    stem = p.name[: -len(p.suffix)]
    return [q for q in (p.parent / f"{stem}{ext}" for ext in SHAPEFILE_PARTS) if q.exists() or q.is_symlink()]


def check_output(path: str | os.PathLike[str], *, layer: str | None = None, overwrite: bool = False) -> None:
    """Refuse, before any work, a write that would replace an existing file or GeoPackage layer.

    Without ``overwrite`` an existing file is never replaced; an existing GeoPackage may take a new layer
    (its other layers are kept), but a layer of the same name is replaced only with ``overwrite``.
    """
    from lotrate import messages

    p = Path(path)
    ext = p.suffix.lower()
    if ext not in WRITERS:
        raise LayerError(f"cannot write {p.name}: use one of {', '.join(sorted(WRITERS))}")
    if p.is_dir():
        raise OutputError(f"-o {str(p)!r} is a folder; give a file name such as {p / ('out' + ext)}")
    existing = _existing_parts(p)
    if not existing:
        return
    if ext == ".gpkg" and p.is_file():
        names = layer_names(p)
        if names is not None:
            name = layer or p.stem
            if not overwrite and name.lower() in (n.lower() for n in names):
                raise OutputError(messages.layer_exists(p, name))
            return
    if not overwrite:
        raise OutputError(messages.output_exists(existing[0]))


def _fgb_dimensions(gdf: gpd.GeoDataFrame, p: Path) -> None:
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    present = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    z = shapely.has_z(geoms[present])
    if z.any() and not z.all():
        rows = (np.flatnonzero(present)[z] + 1)[:3].tolist()
        raise OutputError(
            f"cannot write {p.name}: FlatGeobuf holds 2D or 3D geometries, not a mix (rows {rows} have z values, "
            "others not); write .gpkg or .geojson instead"
        )


def write_layer(
    gdf: gpd.GeoDataFrame,
    path: str | os.PathLike[str],
    *,
    layer: str | None = None,
    overwrite: bool = False,
) -> Path:
    """Write by the output's extension: .gpkg, .geojson, .fgb, .shp, .csv or .xlsx (WKT geometry) or .parquet.

    Nothing is lost (docs/cli.md): an existing file is replaced only with ``overwrite``; an existing
    GeoPackage gets the layer ``layer`` (default: the file's stem) added, or replaced with ``overwrite``,
    and keeps its other layers. Every write goes to a temporary folder beside ``path`` and is renamed into
    place (a GeoPackage is copied there first), so a failed write (a full disk, a driver error) leaves what
    was there before; a shapefile's parts are all written before any is moved.
    """
    import pandas as pd

    p = Path(path)
    ext = p.suffix.lower()
    check_output(p, layer=layer, overwrite=overwrite)
    if ext == ".fgb":
        _fgb_dimensions(gdf, p)
    p.parent.mkdir(parents=True, exist_ok=True)
    if ext != ".parquet":
        # nested values (lot file splits) are written as JSON text, which read_layer and assess_frame decode
        gdf = gdf.copy()
        for col in gdf.columns:
            if col != gdf.geometry.name and gdf[col].dtype == object:
                gdf[col] = gdf[col].map(lambda v: json.dumps(v) if isinstance(v, (dict, list)) else v)
    existing = _existing_parts(p)
    add_layer = ext == ".gpkg" and p.is_file() and layer_names(p) is not None
    tmpdir = Path(tempfile.mkdtemp(prefix=f".{p.name}.", suffix=".lotrate-tmp", dir=p.parent))
    try:
        tmp = tmpdir / p.name
        try:
            if add_layer:
                shutil.copy2(p, tmp)
            if ext == ".parquet":
                gdf.to_parquet(tmp)
            elif ext in (".csv", ".xlsx"):
                frame = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
                xy = gdf.attrs.get(XY_COLUMNS)
                if not (xy and all(c in frame.columns for c in xy)):
                    geoms = np.asarray(gdf.geometry.values, dtype=object)
                    frame[result_column("geometry", frame.columns)] = shapely.to_wkt(geoms, rounding_precision=-1)
                if ext == ".csv":
                    frame.to_csv(tmp, index=False)
                else:
                    frame.to_excel(tmp, index=False, engine="openpyxl")
            else:
                # FlatGeobuf's spatial index would reorder the rows: keep the input order
                options: dict[str, object] = {"SPATIAL_INDEX": "NO"} if ext == ".fgb" else {}
                if ext == ".gpkg":
                    options["layer"] = layer or p.stem
                gdf.to_file(tmp, driver=WRITERS[ext], **options)
        except OutputError:
            raise
        except Exception as exc:
            raise OutputError(
                f"cannot write {p}: {' '.join(str(exc).split())}; nothing was changed"
            ) from exc
        written = sorted(tmpdir.iterdir())
        if p.exists():
            mode = p.stat().st_mode & 0o7777
            for q in written:
                os.chmod(q, mode)
        for q in written:
            os.replace(q, p.parent / q.name)
        for old in existing:  # a replaced shapefile's parts the new one does not have
            if old.name not in {q.name for q in written} and old.exists():
                old.unlink()
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    return p
