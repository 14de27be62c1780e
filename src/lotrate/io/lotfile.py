"""Read lot files (format v1: a GeoJSON Feature or FeatureCollection, one application each) into features."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lotrate.errors import LotFileError

WGS84 = "EPSG:4326"



@dataclass(frozen=True)
class LotFeature:
    """One feature of a lot file: its id, geometry (GeoJSON dict, as given), CRS and properties."""

    lot_id: str
    geometry: dict[str, Any]
    crs: str
    properties: dict[str, Any]


_LEGACY_HK = {"urn:ogc:def:crs:EPSG::2326", "EPSG:2326", "epsg:2326", "urn:ogc:def:crs:EPSG:2326"}


def read_features(source: str | os.PathLike[str] | dict[str, Any], crs: str | None = None) -> list[LotFeature]:
    """Read the features of a GeoJSON Feature or FeatureCollection (lot file format v1).

    The CRS is ``crs`` when given, else the file's legacy ``crs`` member, else WGS 84 (RFC 7946).
    A feature without ``lot_id`` is named by its position (``#1``, ``#2``, ...).

    Examples
    --------
    >>> doc = {"type": "Feature", "properties": {"lot_id": "KTIL 713"},
    ...        "geometry": {"type": "Point", "coordinates": [114.225, 22.313]}}
    >>> [(f.lot_id, f.crs) for f in read_features(doc)]
    [('KTIL 713', 'EPSG:4326')]
    """
    if isinstance(source, dict):
        doc = source
    else:
        path = Path(source)
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise LotFileError(f"lot file {str(path)!r} does not exist", field="path", value=str(path)) from exc
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise LotFileError(
                f"lot file {str(path)!r} is not valid JSON: {exc}", field="path", value=str(path)
            ) from exc
    if not isinstance(doc, dict) or doc.get("type") not in ("Feature", "FeatureCollection"):
        raise LotFileError(
            "a lot file is a GeoJSON Feature or FeatureCollection; found "
            f"type={doc.get('type') if isinstance(doc, dict) else type(doc).__name__!r}",
            field="type",
            value=doc.get("type") if isinstance(doc, dict) else None,
        )
    legacy = ((doc.get("crs") or {}).get("properties") or {}).get("name")
    file_crs = crs or ("EPSG:2326" if legacy in _LEGACY_HK else (legacy or WGS84))
    feats = doc["features"] if doc["type"] == "FeatureCollection" else [doc]
    if not isinstance(feats, list) or not feats:
        raise LotFileError("the FeatureCollection has no features", field="features", value=feats)
    out = []
    for i, f in enumerate(feats, start=1):
        props = dict((f or {}).get("properties") or {})
        geom = (f or {}).get("geometry")
        if not isinstance(geom, dict):
            raise LotFileError(
                f"feature #{i} has no geometry; give a Point, Polygon or MultiPolygon", field="geometry", value=geom
            )
        out.append(LotFeature(str(props.get("lot_id") or f"#{i}"), geom, file_crs, props))
    return out


def row_properties(row: dict[str, Any]) -> dict[str, Any]:
    """Lot file properties from a table row: dates to ISO text, nested values stored as JSON text decoded."""
    import pandas as pd

    props: dict[str, Any] = {}
    for key, value in row.items():
        if key == "geometry":
            continue
        if not isinstance(value, (dict, list)) and pd.isna(value):
            value = None
        elif isinstance(value, (pd.Timestamp, dt.datetime)):
            value = value.date().isoformat()
        elif isinstance(value, dt.date):
            value = value.isoformat()
        elif isinstance(value, str) and value[:1] in "{[":
            with contextlib.suppress(json.JSONDecodeError):
                value = json.loads(value)
        elif hasattr(value, "item"):
            value = value.item()  # NumPy scalar
        props[key] = value
    return props
