"""GIS layers in and out: anything pyogrio reads, CSV with x/y or WKT columns, Parquet; safe writes."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import shapely

from lotrate.errors import CRSError, LayerError

if TYPE_CHECKING:
    import geopandas as gpd



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
}


def read_layer(path: str | os.PathLike[str], crs: str | None = None) -> gpd.GeoDataFrame:
    """Read a layer: anything pyogrio reads, or a CSV with x/y (lon/lat, easting/northing) columns.

    A CSV's CRS is ``crs`` when given, else EPSG:4326 for lon/lat names and EPSG:2326 for easting/northing.
    """
    import geopandas as gpd
    import pandas as pd

    p = Path(path)
    if p.suffix.lower() == ".csv":
        df = pd.read_csv(p)
        lower = {c.lower(): c for c in df.columns}
        for (xn, yn), default in XY_NAMES.items():
            if xn in lower and yn in lower:
                use_crs = crs or default
                if use_crs is None:
                    raise CRSError(f"{p.name}: columns {lower[xn]}/{lower[yn]} do not say their CRS; pass --crs")
                xs = pd.to_numeric(df[lower[xn]], errors="coerce")
                ys = pd.to_numeric(df[lower[yn]], errors="coerce")
                return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(xs, ys), crs=use_crs)
        wkt = lower.get("geometry") or lower.get("wkt")
        if wkt is not None:
            if crs is None:
                raise CRSError(f"{p.name}: WKT geometry in column {wkt!r} does not say its CRS; pass --crs")
            return gpd.GeoDataFrame(df.drop(columns=[wkt]), geometry=gpd.GeoSeries.from_wkt(df[wkt]), crs=crs)
        raise LayerError(
            f"{p.name}: no coordinate columns; expected x/y, lon/lat, longitude/latitude, easting/northing, "
            "or WKT in a geometry column"
        )
    import pyogrio

    try:
        gdf = gpd.read_parquet(p) if p.suffix.lower() == ".parquet" else pyogrio.read_dataframe(p)
    except Exception as exc:
        raise LayerError(f"{str(p)!r} cannot be read as a GIS layer: {exc}") from exc
    if crs is not None:
        gdf = gdf.set_crs(crs, allow_override=True)
    return gdf


def write_layer(gdf: gpd.GeoDataFrame, path: str | os.PathLike[str]) -> Path:
    """Write by the output's extension: .gpkg, .geojson, .fgb, .shp, .csv (WKT geometry) or .parquet."""
    import pandas as pd

    p = Path(path)
    ext = p.suffix.lower()
    if ext not in WRITERS:
        raise LayerError(f"cannot write {p.name}: use one of {', '.join(sorted(WRITERS))}")
    p.parent.mkdir(parents=True, exist_ok=True)
    if ext == ".parquet":
        gdf.to_parquet(p)
    else:
        # nested values (lot file splits) are written as JSON text, which read_layer and assess_frame decode
        gdf = gdf.copy()
        for col in gdf.columns:
            if col != gdf.geometry.name and gdf[col].dtype == object:
                gdf[col] = gdf[col].map(lambda v: json.dumps(v) if isinstance(v, (dict, list)) else v)
        if ext == ".csv":
            frame = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
            frame["geometry"] = shapely.to_wkt(np.asarray(gdf.geometry.values, dtype=object), rounding_precision=-1)
            frame.to_csv(p, index=False)
        else:
            if p.exists():
                p.unlink()
            # FlatGeobuf's spatial index would reorder the rows: keep the input order
            options = {"SPATIAL_INDEX": "NO"} if ext == ".fgb" else {}
            gdf.to_file(p, driver=WRITERS[ext], **options)
    return p
