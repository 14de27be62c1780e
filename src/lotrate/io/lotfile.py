"""Read lot files (format v1: a GeoJSON Feature or FeatureCollection, one application each) into features."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
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

#: no area of a lot reaches this (all of Hong Kong is about 1.1e9 m2): larger values are a units mistake and
#: would overflow the premium arithmetic
MAX_AREA_M2 = 1e12
#: HK$ amounts (e.g. ``ga_cost_hkd``) beyond this cannot be a real cost
MAX_HKD = 1e16
_FT2_PER_M2 = 10.7639104


def _fail(where: str, message: str, field: str, value: object) -> LotFileError:
    return LotFileError(f"{where}{message}", field=field, value=value)


def _as_float(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def check_magnitudes(props: dict[str, Any], lot: str | None, where: str = "") -> None:
    """Refuse an area (``*_m2``/``*_ft2``, or a use split of them) or HK$ amount too large to be real.

    Such a value is a units mistake (mm2 for m2, cents for dollars) and would overflow the premium's decimal
    arithmetic; the error names the lot, the field and the value.

    Examples
    --------
    >>> check_magnitudes({"max_gfa_m2": 1e23}, "KTIL 713")
    Traceback (most recent call last):
    ...
    lotrate.errors.LotFileError: lot KTIL 713: max_gfa_m2=1e+23 is larger than any lot's area ...
    """
    where = where + (f"lot {lot}: " if lot is not None else "")
    for key, raw in props.items():
        name = str(key)
        if name.endswith(("_m2", "_ft2")):
            limit = MAX_AREA_M2 * (_FT2_PER_M2 if name.endswith("_ft2") else 1.0)
            unit = "ft2" if name.endswith("_ft2") else "m2"
            items = raw.items() if isinstance(raw, dict) else [(None, raw)]
            for sub, value in items:
                v = _as_float(value)
                if v is not None and math.isfinite(v) and abs(v) >= limit:
                    field = name if sub is None else f"{name}.{sub}"
                    raise _fail(
                        where,
                        f"{field}={v:g} is larger than any lot's area ({limit:.0e} {unit} and more "
                        "cannot be real); check the figure and its units",
                        field,
                        value,
                    )
        elif name.endswith("_hkd"):
            v = _as_float(raw)
            if v is not None and math.isfinite(v) and abs(v) >= MAX_HKD:
                raise _fail(
                    where,
                    f"{name}={v:g} HK$ is too large to be real; check the figure and its units",
                    name,
                    raw,
                )


def _legacy_crs(doc: dict[str, Any], where: str) -> str | None:
    """The name in a legacy GeoJSON ``crs`` member, checked: ``{"type": "name", "properties": {"name": ...}}``."""
    member = doc.get("crs")
    if member is None:
        return None
    fix = 'give "crs": {"type": "name", "properties": {"name": "EPSG:2326"}}, or leave it out for WGS 84'
    if not isinstance(member, dict):
        raise _fail(where, f"crs={member!r} is not a crs object; {fix}", "crs", member)
    props = member.get("properties")
    name = props.get("name") if isinstance(props, dict) else None
    if not isinstance(name, str) or not name.strip():
        raise _fail(where, f"crs={member!r} has no properties.name; {fix}", "crs", member)
    return name.strip()


def read_features(source: str | os.PathLike[str] | dict[str, Any], crs: str | None = None) -> list[LotFeature]:
    """Read the features of a GeoJSON Feature or FeatureCollection (lot file format v1).

    The CRS is ``crs`` when given, else the file's legacy ``crs`` member, else WGS 84 (RFC 7946).
    A feature without ``lot_id`` is named by its position (``#1``, ``#2``, ...). A file must be a regular
    UTF-8 file (a byte order mark is fine) within ``LOTRATE_MAX_INPUT_MB`` and nested at most 64 deep; every
    error names the file, the feature and the field.

    Examples
    --------
    >>> doc = {"type": "Feature", "properties": {"lot_id": "KTIL 713"},
    ...        "geometry": {"type": "Point", "coordinates": [114.225, 22.313]}}
    >>> [(f.lot_id, f.crs) for f in read_features(doc)]
    [('KTIL 713', 'EPSG:4326')]
    """
    if isinstance(source, dict):
        doc: Any = source
        where = ""
    else:
        from lotrate.io.inputs import load_json

        path = Path(source)
        where = f"{path}: "

        def error(message: str) -> LotFileError:
            return LotFileError(message, field="path", value=str(path))

        doc = load_json(path, "lot file", error)
    if not isinstance(doc, dict) or doc.get("type") not in ("Feature", "FeatureCollection"):
        found = doc.get("type") if isinstance(doc, dict) else f"a JSON {type(doc).__name__}"
        raise _fail(
            where,
            f"a lot file is a GeoJSON Feature or FeatureCollection; found type={found!r}",
            "type",
            doc.get("type") if isinstance(doc, dict) else None,
        )
    legacy = _legacy_crs(doc, where)
    file_crs = crs or ("EPSG:2326" if legacy in _LEGACY_HK else (legacy or WGS84))
    if doc["type"] == "FeatureCollection":
        feats = doc.get("features")
        if not isinstance(feats, list):
            raise _fail(
                where,
                "the FeatureCollection has no 'features' list; give \"features\": [ ...one Feature per lot... ]",
                "features",
                feats,
            )
    else:
        feats = [doc]
    if not feats:
        raise _fail(where, "the FeatureCollection has no features; give one Feature per lot", "features", feats)
    out = []
    for i, f in enumerate(feats, start=1):
        if not isinstance(f, dict):
            raise _fail(
                where, f"feature #{i} is a JSON {type(f).__name__}, not a GeoJSON Feature object", "features", f
            )
        raw_props = f.get("properties")
        if raw_props is not None and not isinstance(raw_props, dict):
            raise _fail(
                where,
                f"feature #{i}: properties is a JSON {type(raw_props).__name__}; give an object such as "
                '{"lot_id": "KTIL 713", "max_gfa_m2": 14400}',
                "properties",
                raw_props,
            )
        props = dict(raw_props or {})
        raw_id = props.get("lot_id")
        lot_id = str(raw_id) if raw_id not in (None, "") else f"#{i}"
        geom = f.get("geometry")
        if not isinstance(geom, dict):
            raise _fail(
                where,
                f"feature #{i} (lot {lot_id}) has no geometry; give a Point, Polygon or MultiPolygon",
                "geometry",
                geom,
            )
        check_magnitudes(props, lot_id, where)
        out.append(LotFeature(lot_id, geom, file_crs, props))
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
    lot = props.get("lot_id")
    check_magnitudes(props, None if lot is None else str(lot))
    return props


# --- the lot file's fields, and flat spreadsheet rows (CSV / XLSX) ------------------------------------------------

#: after-uses of ``gfa_after_m2`` (PN 12/2023 para 5(ii); hotel counts as commercial) and before-uses of C (5(iv))
AFTER_USES = ("residential", "commercial", "modern_industrial", "hotel")
BEFORE_USES = ("industrial", "special_industrial")
#: split fields (objects of use: area), each given as ``<name>_m2`` or ``<name>_ft2``
SPLIT_FIELDS: dict[str, tuple[str, ...]] = {
    "gfa_after": AFTER_USES,
    "gfa_before": BEFORE_USES,
    "gfa_before_alternative": BEFORE_USES,
}
#: single areas, each given as ``<name>_m2`` or ``<name>_ft2``
AREA_FIELDS = ("max_gfa", "ga_gfa", "ga_nofa")
DATE_FIELDS = (
    "pbto_accepted",
    "building_completed",
    "plans_first_submitted",
    "option_submitted",
    "enquiry_submitted",
    "initial_fee_settled",
    "bbto_issued",
    "bbto_accepted",
)
BOOL_FIELDS = (
    "private_residential_prohibited",
    "wholesale_converted",
    "ga_cost_conveyed",
    "transitional",
    "vacant_formerly_pre1987_ib",
)
TEXT_FIELDS = ("lot_id", "address", "ozp_zone", "lot_user", "special_use_after")
NUMBER_FIELDS = ("ga_cost_hkd",)
UNITS = ("m2", "ft2")
#: columns a spreadsheet row may carry its location in (read, never taken as lot properties)
LOCATION_COLUMNS = ("x", "y", "lon", "lat", "longitude", "latitude", "easting", "northing", "e", "n", "wkt", "geometry")


def format_keys() -> tuple[str, ...]:
    """Every property key of lot file format v1 (docs/lot-file.md), nested splits as one key each."""
    keys = [*TEXT_FIELDS, *DATE_FIELDS, *BOOL_FIELDS, *NUMBER_FIELDS]
    keys += [f"{name}_{unit}" for name in (*AREA_FIELDS, *SPLIT_FIELDS) for unit in UNITS]
    return tuple(keys)


def flat_keys() -> tuple[str, ...]:
    """The flat spreadsheet columns of the splits: ``gfa_after_commercial_m2``, ``gfa_before_industrial_ft2``, ..."""
    return tuple(f"{name}_{use}_{unit}" for name, uses in SPLIT_FIELDS.items() for use in uses for unit in UNITS)


def _flat_key(key: str) -> tuple[str, str, str] | None:
    for name in sorted(SPLIT_FIELDS, key=len, reverse=True):
        for unit in UNITS:
            for use in SPLIT_FIELDS[name]:
                if key == f"{name}_{use}_{unit}":
                    return name, use, unit
    return None


_TRUE = {"true", "yes", "y", "1", "t"}
_FALSE = {"false", "no", "n", "0", "f"}


def _missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, str) and not value.strip():
        return True
    try:
        import pandas as pd

        return bool(value is pd.NaT or (not isinstance(value, (dict, list, str)) and pd.isna(value)))
    except (TypeError, ValueError):
        return False


def _as_bool(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    return value  # left as is: the lot parser names the field and the value


def _as_date(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        text = value.strip()
        for sep in ("T", " "):
            day, _, time = text.partition(sep)
            if time and time.strip("0:.Z") == "" and len(day) == 10:
                return day
        return text
    return value


def lot_properties(row: dict[str, Any]) -> dict[str, Any]:
    """Lot file properties from one table row (a spreadsheet or GIS layer): the flat columns folded back.

    - flat split columns (``gfa_after_commercial_m2``, ``gfa_before_industrial_ft2``, ...) become the nested
      ``gfa_after_m2`` / ``gfa_before_ft2`` objects (giving one split both ways is an error naming both);
    - an empty cell is missing on that row only: booleans given as true/false, yes/no or 1/0 (a GIS column with
      a missing value arrives as 1.0/0.0/NaN) and dates given as date cells or text are read per row;
    - location columns are dropped; every other column is kept, as it is.

    Examples
    --------
    >>> lot_properties({"gfa_after_commercial_m2": 900, "gfa_after_hotel_m2": "",
    ...                 "wholesale_converted": 0.0, "pbto_accepted": "2024-02-15 00:00:00", "x": 1})
    {'wholesale_converted': False, 'pbto_accepted': '2024-02-15', 'gfa_after_m2': {'commercial': 900}}
    """
    props: dict[str, Any] = {}
    splits: dict[str, dict[str, Any]] = {}
    for key, raw in row.items():
        name = str(key)
        if name.lower() in LOCATION_COLUMNS:
            continue
        value: Any = None if not isinstance(raw, (dict, list)) and _missing(raw) else raw
        if value is not None and hasattr(value, "item") and not isinstance(value, (dict, list, str)):
            value = value.item()  # NumPy scalar
        flat = _flat_key(name)
        if flat is not None:
            if value is not None:
                splits.setdefault(f"{flat[0]}_{flat[2]}", {})[flat[1]] = value
            continue
        if value is not None and name in BOOL_FIELDS:
            value = _as_bool(value)
        elif value is not None and name in DATE_FIELDS:
            value = _as_date(value)
        elif isinstance(value, str) and name not in TEXT_FIELDS and value.strip()[:1] in "{[":
            with contextlib.suppress(json.JSONDecodeError):
                value = json.loads(value)
        props[name] = value
    for key, split in splits.items():
        if props.get(key) is not None:
            first = next(iter(split))
            raise LotFileError(
                f"{key} is given both as an object and as flat columns ({key.rsplit('_', 1)[0]}_{first}_"
                f"{key.rsplit('_', 1)[1]}, ...); give one",
                field=key,
                value=props[key],
            )
        props[key] = split
    lot_id = props.get("lot_id")
    check_magnitudes(props, None if lot_id is None else str(lot_id))  # 1e25 m2 is a typo, never a premium
    return props


def _sheet_records(path: Path, sheet: str | None = None) -> list[dict[str, Any]]:
    """The rows of a CSV (every cell as text) or the first (or named) sheet of an XLSX workbook."""
    if path.suffix.lower() == ".csv":
        import csv
        import io

        from lotrate.io.inputs import read_text

        def error(message: str) -> LotFileError:
            return LotFileError(message, field="path", value=str(path))

        text = read_text(path, "lot table", error)  # the size limit, a BOM, a clear not-UTF-8 message
        try:
            return [dict(r) for r in csv.DictReader(io.StringIO(text, newline=""))]
        except csv.Error as exc:
            raise LotFileError(f"{str(path)!r} cannot be read as CSV: {exc}", field="path", value=str(path)) from exc
    try:
        import openpyxl
    except ImportError as exc:  # pragma: no cover - a dependency
        raise LotFileError("reading .xlsx needs openpyxl: pip install openpyxl", field="path", value=str(path)) from exc
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise LotFileError(f"{str(path)!r} cannot be read as an XLSX workbook: {exc}", field="path",
                           value=str(path)) from exc
    try:
        if sheet is not None and sheet not in wb.sheetnames:
            raise LotFileError(f"{path.name} has no sheet {sheet!r}; it has {', '.join(wb.sheetnames)}",
                               field="sheet", value=sheet)
        ws = wb[sheet] if sheet is not None else wb.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        head = next(rows, None)
        if head is None:
            return []
        names = [None if h is None else str(h).strip() for h in head]
        out = []
        for values in rows:
            if values is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            out.append({n: v for n, v in zip(names, values) if n})
        return out
    finally:
        wb.close()


def _row_geometry(rec: dict[str, Any], crs: str | None, name: str, no: int) -> tuple[dict[str, Any], str]:
    """The GeoJSON geometry and CRS of a spreadsheet row (x/y-like columns or WKT)."""
    from lotrate.io.layers import XY_NAMES

    lower = {str(k).lower(): k for k in rec}
    for (xn, yn), default in XY_NAMES.items():
        if xn in lower and yn in lower:
            use = crs or default
            if use is None:
                raise LotFileError(
                    f"{name}: columns {lower[xn]}/{lower[yn]} do not say their CRS; pass --crs (e.g. EPSG:2326 for "
                    "HK1980 Grid, EPSG:4326 for longitude/latitude)",
                    field="crs",
                    value=None,
                )
            x, y = rec[lower[xn]], rec[lower[yn]]
            if _missing(x) or _missing(y):
                return {}, use
            try:
                return {"type": "Point", "coordinates": [float(str(x).replace(",", "")),
                                                         float(str(y).replace(",", ""))]}, use
            except ValueError:
                raise LotFileError(f"{name} row {no}: coordinates {x!r}, {y!r} are not numbers",
                                   field=str(lower[xn]), value=x) from None
    wkt = lower.get("wkt") or lower.get("geometry")
    if wkt is not None:
        if crs is None:
            raise LotFileError(f"{name}: WKT geometry in column {wkt!r} does not say its CRS; pass --crs",
                               field="crs", value=None)
        text = rec[wkt]
        if _missing(text):
            return {}, crs
        import shapely

        try:
            return shapely.geometry.mapping(shapely.from_wkt(str(text))), crs
        except shapely.errors.ShapelyError as exc:
            raise LotFileError(f"{name} row {no}: {wkt} is not WKT: {exc}", field=str(wkt), value=text) from None
    raise LotFileError(
        f"{name}: no coordinate columns; expected x/y, lon/lat, longitude/latitude, easting/northing, or WKT in a "
        "geometry column",
        field="geometry",
        value=None,
    )


SHEET_SUFFIXES = (".csv", ".xlsx")


def read_rows(path: str | os.PathLike[str], crs: str | None = None, sheet: str | None = None) -> list[LotFeature]:
    """Read a spreadsheet of lots (CSV, or XLSX via openpyxl), one lot per row, flat columns.

    Columns: the lot file v1 keys, splits as flat columns (``gfa_after_commercial_m2``, ...), and the location
    as x/y, lon/lat, easting/northing or WKT (``geometry``/``wkt``). The CRS is ``crs`` when given, else the
    one the column names say (lon/lat: EPSG:4326, easting/northing: EPSG:2326). A row with no location keeps
    an empty geometry, to be reported with that lot. A row is named by its ``lot_id`` or ``row N``.
    """
    p = Path(path)
    if not p.exists():
        raise LotFileError(f"lot file {str(p)!r} does not exist", field="path", value=str(p))
    records = _sheet_records(p, sheet)
    if not records:
        raise LotFileError(f"{p.name} has no rows under its header", field="rows", value=0)
    out = []
    for no, rec in enumerate(records, start=2):  # row 1 is the header
        geom, use_crs = _row_geometry(rec, crs, p.name, no)
        props = lot_properties(rec)
        lot_id = props.get("lot_id")
        name = f"row {no}" if lot_id is None else str(lot_id)
        out.append(LotFeature(name, geom, use_crs, props))
    return out


def read_lots(source: str | os.PathLike[str] | dict[str, Any], crs: str | None = None) -> list[LotFeature]:
    """The lots of a lot file (GeoJSON Feature or FeatureCollection) or a spreadsheet (``.csv``, ``.xlsx``)."""
    if not isinstance(source, dict) and Path(source).suffix.lower() in SHEET_SUFFIXES:
        return read_rows(source, crs)
    return read_features(source, crs)


def write_xlsx(frame: Any, path: str | os.PathLike[str]) -> Path:
    """Write a (Geo)DataFrame as an XLSX workbook (geometry as WKT text), atomically: a temporary file renamed.

    Nested values are written as JSON text, missing values as empty cells.
    """
    import tempfile

    import openpyxl
    import pandas as pd

    p = Path(path)
    geom_name = getattr(frame, "_geometry_column_name", None)
    df = pd.DataFrame(frame)  # a plain frame: geometry becomes WKT text below
    if geom_name is not None and geom_name in df.columns:
        import shapely

        df[geom_name] = [None if g is None else shapely.to_wkt(g, rounding_precision=-1) for g in df[geom_name]]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "lots"
    ws.append([str(c) for c in df.columns])
    for values in df.itertuples(index=False, name=None):
        row = []
        for v in values:
            if isinstance(v, (dict, list)):
                v = json.dumps(v, ensure_ascii=False)
            elif _missing(v):
                v = None
            elif hasattr(v, "item") and not isinstance(v, str):
                v = v.item()
            elif not isinstance(v, (str, int, float, bool, dt.date, dt.datetime)):
                v = str(v)
            row.append(v)
        ws.append(row)
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".xlsx", dir=p.parent)
    os.close(fd)
    try:
        wb.save(tmp)
        os.replace(tmp, p)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return p
