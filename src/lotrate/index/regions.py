"""The Appendix II region layer and a fast point-in-region index over it.

The index answers with integer ids over raw coordinate arrays (the geometry step); turning them into
results is left to :mod:`lotrate.resolve` (the table step). A point is located through a raster of cells:
a cell that no boundary crosses answers from an array; a cell a boundary may cross is decided exactly with
prepared ``contains_xy``. A point exactly on a shared edge goes to the first region in layer order
(HKI, KE, KW, NTS, NTN for the built-in layer): one deterministic answer.
"""

from __future__ import annotations

import hashlib
import itertools
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely import STRtree

from lotrate import messages
from lotrate._data import data_path
from lotrate.crs import HK_CRS, check_crs, parse_crs, to_grid
from lotrate.errors import LayerError, LotrateError
from lotrate.index.fused import CELL, NEAR_BIT, REGION_MIXED, RegionTable, fingerprint, shared_segments
from lotrate.index.fused import FORMAT as TABLE_FORMAT
from lotrate.index.grid import GridIndex
from lotrate.index.store import read_cached, unpack, write_cached
from lotrate.results import RegionShare

REGION_CODES = ("HKI", "KE", "KW", "NTS", "NTN")
#: the precomputed fused table of the built-in layers (``scripts/build_index.py``)
REGION_TABLE_FILE = "regions.bin"


def read_polygon_layer(path: str | os.PathLike[str]) -> tuple[list[dict[str, Any]], list[shapely.Geometry]]:
    """Read a polygon layer into properties and EPSG:2326 geometries.

    GeoJSON is parsed directly (fast, no GDAL): a legacy ``crs`` member is honoured, otherwise RFC 7946
    WGS 84 is assumed. Any other format pyogrio reads is accepted too, its CRS read from the file. Empty
    values (null, or NaN in a typed column read by pyogrio) come back as ``None``; a feature with no
    geometry comes back as ``None`` too, for the caller to name. Errors name the file and the feature.
    """
    from lotrate.io.inputs import check_file, load_json

    p = Path(path)
    if not p.exists():
        raise LayerError(f"layer file {str(p)!r} does not exist")
    if p.suffix.lower() in (".geojson", ".json"):
        doc = load_json(p, "layer file", LayerError, kind="GeoJSON")
        if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
            raise LayerError(f"layer file {str(p)!r} is not a GeoJSON FeatureCollection")
        member = doc.get("crs")
        crs_name: Any = "EPSG:4326"
        if member is not None:
            props0 = member.get("properties") if isinstance(member, dict) else None
            crs_name = props0.get("name") if isinstance(props0, dict) else None
            if not isinstance(crs_name, str):
                raise LayerError(
                    f"{p.name}: crs={member!r} is not a crs object; give "
                    '"crs": {"type": "name", "properties": {"name": "EPSG:2326"}}, or leave it out for WGS 84'
                )
        feats = doc.get("features")
        if not isinstance(feats, list):
            raise LayerError(f"{p.name}: the FeatureCollection has no 'features' list")
        props: list[dict[str, Any]] = []
        geoms: list[shapely.Geometry | None] = []
        for i, feat in enumerate(feats, start=1):
            if not isinstance(feat, dict):
                raise LayerError(f"{p.name}: feature {i} is a JSON {type(feat).__name__}, not a GeoJSON Feature")
            fprops = feat.get("properties")
            if fprops is not None and not isinstance(fprops, dict):
                raise LayerError(
                    f"{p.name}: feature {i} has properties as a JSON {type(fprops).__name__}; give an object"
                )
            if feat.get("geometry") is None:
                geoms.append(None)
            else:
                try:
                    geoms.append(shapely.geometry.shape(feat["geometry"]))
                except Exception as exc:
                    raise LayerError(f"{p.name}: feature {i} has no readable geometry ({exc})") from exc
            props.append(dict(fprops or {}))
        geom_arr = np.array(geoms, dtype=object)
    else:
        import pandas as pd
        import pyogrio

        if not p.is_dir():  # a folder may be a dataset (a FileGDB); a device or pipe is refused
            check_file(p, "layer file", LayerError)
        try:
            df = pyogrio.read_dataframe(p)
        except Exception as exc:
            raise LayerError(f"layer file {str(p)!r} cannot be read: {exc}") from exc
        if not hasattr(df, "geometry") or getattr(df, "_geometry_column_name", None) not in df.columns:
            raise LayerError(f"layer file {str(p)!r} has no geometry; a layer needs one polygon per feature")
        if df.crs is None:
            raise LayerError(f"layer file {str(p)!r} has no CRS; save it with one (e.g. EPSG:2326)")
        crs_name = df.crs.to_wkt()
        geom_name = df.geometry.name
        props = [
            {k: (None if not isinstance(v, (list, dict, np.ndarray)) and pd.isna(v) else v) for k, v in row.items()}
            for row in df.drop(columns=geom_name).to_dict("records")
        ]
        geom_arr = df.geometry.to_numpy()
    coords, owner = shapely.get_coordinates(np.asarray(geom_arr, dtype=object), return_index=True)
    bad = owner[~np.isfinite(coords).all(axis=1)]
    if bad.size:
        raise LayerError(
            f"{p.name}: feature {int(bad[0]) + 1} has coordinates that are not finite numbers (NaN or Infinity); "
            "fix its geometry"
        )
    try:
        layer_crs = check_crs(crs_name)
    except LotrateError as exc:
        raise LayerError(f"{p.name}: {exc}") from exc
    if layer_crs != parse_crs(HK_CRS):
        geom_arr = np.array(
            [
                None
                if g is None
                else shapely.transform(g, lambda c: np.column_stack(to_grid(c[:, 0], c[:, 1], layer_crs)))
                for g in geom_arr
            ],
            dtype=object,
        )
    return props, list(geom_arr)


def accuracy_value(value: object, where: str) -> float:
    """A layer's ``accuracy_m`` property: empty means 0; else a finite number of metres, 0 or more.

    A NaN, negative or non-numeric accuracy would silently switch off the near-edge checks, so it is a
    :class:`LayerError` naming the feature (``where``) and the value.

    Examples
    --------
    >>> accuracy_value(None, "x"), accuracy_value("50", "x"), accuracy_value(12.5, "x")
    (0.0, 50.0, 12.5)
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return 0.0
    try:
        if isinstance(value, bool):
            raise ValueError
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        v = float("nan")
    if not np.isfinite(v) or v < 0:
        raise LayerError(
            f"{where} has accuracy_m={value!r}; give the boundary's accuracy in metres, a number 0 or more "
            "(leave it empty for 0)"
        )
    return v


@dataclass(frozen=True)
class Region:
    """One Appendix II region of a loaded layer."""

    code: str
    name_en: str
    name_zh: str
    accuracy_m: float
    source: str
    assumption: str
    geometry: shapely.Geometry  # EPSG:2326


@dataclass(frozen=True)
class District:
    """One of the 18 districts, with its District Lands Office."""

    code: str
    name_en: str
    name_zh: str
    region_code: str
    district_lands_office: str
    geometry: shapely.Geometry  # EPSG:2326


def _validate_regions(path: Path, props: list[dict[str, Any]], geoms: list[shapely.Geometry]) -> None:
    codes = [p.get("code") for p in props]
    if sorted(str(c) for c in codes) != sorted(REGION_CODES):
        raise LayerError(
            f"{path.name}: a region layer needs exactly one feature for each of {', '.join(REGION_CODES)} in a "
            f"'code' property; found {codes}"
        )
    for p, g in zip(props, geoms):
        if g.geom_type not in ("Polygon", "MultiPolygon") or g.is_empty:
            raise LayerError(f"{path.name}: region {p['code']} is a {g.geom_type}, not a polygon")
        if not g.is_valid:
            raise LayerError(f"{path.name}: region {p['code']} is invalid ({shapely.is_valid_reason(g)})")
        if not p.get("name_en"):
            raise LayerError(f"{path.name}: region {p['code']} has no 'name_en' property")
        xmin, ymin, xmax, ymax = g.bounds
        if xmin < 780_000 or xmax > 890_000 or ymin < 780_000 or ymax > 870_000:
            raise LayerError(
                f"{path.name}: region {p['code']} lies outside Hong Kong once read as "
                f"{'legacy crs' if path.suffix in ('.geojson', '.json') else 'its CRS'}; check the file's CRS"
            )
    areas = sum(g.area for g in geoms)
    union = shapely.union_all(geoms).area
    if areas - union > max(100.0, 1e-6 * areas):  # regions must not overlap (beyond node slivers)
        raise LayerError(f"{path.name}: regions overlap by {areas - union:,.0f} m2; they must tile Hong Kong")


class RegionIndex:
    """An immutable index over the five Appendix II regions and the 18 districts.

    Build it once (``RegionIndex.from_file(path)``) and reuse it; :meth:`default` gives the built-in layer,
    built lazily on first use.

    Examples
    --------
    >>> idx = RegionIndex.default()
    >>> [r.code for r in idx.regions]
    ['HKI', 'KE', 'KW', 'NTS', 'NTN']
    >>> idx.region_codes_at(np.array([835411.431]), np.array([817266.016])).tolist()  # Tsim Sha Tsui
    ['KW']
    """

    _default: RegionIndex | None = None
    #: where the regions came from: "built-in", the layer file's path (set by :meth:`from_file`), or "in memory"
    source: str = "in memory"

    def __init__(self, regions: list[Region], districts: list[District], *, cell: float = CELL) -> None:
        order = {c: i for i, c in enumerate(REGION_CODES)}
        self.regions = sorted(regions, key=lambda r: order.get(r.code, 99))
        self.districts = list(districts)
        self.cell = cell
        self._codes = np.array([r.code for r in self.regions], dtype=object)
        self.accuracy_m = max(r.accuracy_m for r in self.regions)
        self._edge_cache: dict[int, tuple[STRtree, np.ndarray, np.ndarray]] = {}
        self._table: RegionTable | None = None
        for g in [r.geometry for r in self.regions] + [d.geometry for d in self.districts]:
            shapely.prepare(g)

    @classmethod
    def default(cls) -> RegionIndex:
        """The built-in Appendix II layer (``data/regions/``), loaded once per process.

        When ``data/index/regions.bin`` was built from the very files in ``data/regions/`` (their SHA-256 is in
        it), the layers and the fused table are read from it (no GeoJSON parsing); otherwise from the files.
        """
        if cls._default is None:
            cls._default = cls._from_index_file() or cls.from_file(data_path("regions", "appendix_ii.geojson"))
        return cls._default

    #: the layer files the precomputed table of the built-in layers is checked against
    BUILTIN_SOURCES = ("appendix_ii.geojson", "districts.geojson")

    @staticmethod
    def builtin_hashes() -> dict[str, str]:
        """SHA-256 of the built-in layer files."""
        return {
            n: hashlib.sha256(data_path("regions", n).read_bytes()).hexdigest() for n in RegionIndex.BUILTIN_SOURCES
        }

    def index_file_bytes(self) -> bytes:
        """The precomputed file of this (built-in) index: the fused table, the layers as WKB and their
        properties, and the hashes of the files they came from (``scripts/build_index.py``)."""
        fields: dict[str, list[Any]] = {"regions": self.regions, "districts": self.districts}
        props = {
            k: [{f: getattr(x, f) for f in x.__dataclass_fields__ if f != "geometry"} for x in v]
            for k, v in fields.items()
        }
        wkb = {}
        for k, v in fields.items():
            blobs = [shapely.to_wkb(x.geometry, output_dimension=2, byte_order=1) for x in v]
            wkb[f"{k}_wkb"] = np.frombuffer(b"".join(blobs), dtype=np.uint8)
            wkb[f"{k}_len"] = np.array([len(b) for b in blobs], dtype=np.int64)
        extra = {"sources": self.builtin_hashes(), "props": props, "accuracy_m": self.accuracy_m}
        return self.table.to_bytes(self.fingerprint(), extra, wkb)

    @classmethod
    def _from_index_file(cls) -> RegionIndex | None:
        path = data_path("index", REGION_TABLE_FILE)
        if not path.is_file():
            return None
        try:
            meta, arrays = unpack(path.read_bytes())
        except ValueError:
            return None
        extra: dict[str, Any] = meta.get("extra") or {}
        if meta.get("format") != TABLE_FORMAT or extra.get("sources") != cls.builtin_hashes():
            return None

        def geoms(kind: str) -> list[shapely.Geometry]:
            raw, lens = arrays[f"x_{kind}_wkb"].tobytes(), arrays[f"x_{kind}_len"].tolist()
            starts = np.cumsum([0, *lens]).tolist()
            return list(shapely.from_wkb([raw[a:b] for a, b in itertools.pairwise(starts)]))

        regions = [Region(**p, geometry=g) for p, g in zip(extra["props"]["regions"], geoms("regions"))]
        districts = [District(**p, geometry=g) for p, g in zip(extra["props"]["districts"], geoms("districts"))]
        idx = cls(regions, districts)
        if idx.fingerprint() != meta.get("fingerprint"):
            return None
        polys = [r.geometry for r in idx.regions]
        idx._table = RegionTable.from_parts(meta, arrays, polys, [d.geometry for d in districts])
        idx.source = messages.BUILT_IN
        return idx

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], districts: str | os.PathLike[str] | None = None) -> RegionIndex:
        """Load and validate a region layer (five features with ``code`` HKI, KE, KW, NTS, NTN).

        ``districts`` defaults to the built-in 18-district layer.
        """
        path = Path(path)
        props, geoms = read_polygon_layer(path)
        if not props:
            raise LayerError(
                f"no regions in {path}: a region layer needs one feature for each of {', '.join(REGION_CODES)}"
            )
        for i, (p, g) in enumerate(zip(props, geoms), start=1):
            if g is None:
                raise LayerError(f"{path.name}: feature {i} ({p.get('code')}) has no geometry; give its polygon")
        _validate_regions(path, props, geoms)
        regions = [
            Region(
                code=str(p["code"]),
                name_en=str(p["name_en"]),
                name_zh=str(p.get("name_zh") or ""),
                accuracy_m=accuracy_value(p.get("accuracy_m"), f"{path.name}: region {p['code']}"),
                source=str(p.get("source") or path.name),
                assumption=str(p.get("assumption") or ""),
                geometry=g,
            )
            for p, g in zip(props, geoms)
        ]
        dpath = Path(districts) if districts is not None else data_path("regions", "districts.geojson")
        dprops, dgeoms = read_polygon_layer(dpath)
        if len(dprops) != 18 or any(not p.get("name_en") for p in dprops):
            raise LayerError(f"{dpath.name}: a district layer needs 18 features with 'name_en'")
        dists = [
            District(
                code=str(p.get("dc_code", "")),
                name_en=str(p["name_en"]),
                name_zh=str(p.get("name_zh") or ""),
                region_code=str(p.get("region_code") or ""),
                district_lands_office=str(p.get("district_lands_office") or ""),
                geometry=g,
            )
            for p, g in zip(dprops, dgeoms)
        ]
        idx = cls(regions, dists)
        builtin = path.resolve() == data_path("regions", "appendix_ii.geojson").resolve()
        idx.source = messages.BUILT_IN if builtin else str(path)
        return idx

    # -- the geometry step: integer ids over raw arrays ---------------------------------------------------

    @cached_property
    def point_shares(self) -> list[tuple[RegionShare, ...]]:
        """The ``shares`` of a point in each region: that region, 1.0."""
        return [(RegionShare(r.code, r.name_en, 1.0),) for r in self.regions]

    @property
    def table(self) -> RegionTable:
        """The fused per-cell table (regions, districts, candidate boundary segments) of :mod:`lotrate.index.fused`.

        Loaded from ``data/index/regions.bin`` when built from the same layers (the built-in ones), else from the
        user's cache (:func:`lotrate.index.store.cache_dir`), else built (a few seconds) and cached.
        """
        if self._table is None:
            polys = [r.geometry for r in self.regions]
            dpolys = [d.geometry for d in self.districts]
            fp = self.fingerprint()
            table = None
            path = data_path("index", REGION_TABLE_FILE)
            if path.is_file():
                table = RegionTable.from_bytes(path.read_bytes(), polys, dpolys, fp)
            cached = f"regions-{fp[:40]}.bin"
            if table is None and (raw := read_cached(cached)) is not None:
                table = RegionTable.from_bytes(raw, polys, dpolys, fp)
            if table is None:  # other layers: built once, then kept in the user's cache
                table = RegionTable.build(polys, dpolys, self.accuracy_m)
                write_cached(cached, table.to_bytes(fp))
            self._table = table
        return self._table

    def use_table(self, table: RegionTable) -> None:
        """Use ``table`` (built from these layers) as the fused table."""
        self._table = table

    def fingerprint(self) -> str:
        """What the fused table depends on: the region and district geometries, the accuracy and the format."""
        geoms = [r.geometry for r in self.regions] + [d.geometry for d in self.districts]
        return fingerprint(geoms, TABLE_FORMAT, self.cell, len(self.regions), self.accuracy_m)

    @property
    def region_grid(self) -> GridIndex:
        return self.table.region_grid

    @property
    def district_grid(self) -> GridIndex:
        return self.table.district_grid

    def _edges(self, k: int) -> tuple[STRtree, np.ndarray, np.ndarray]:
        """Region ``k``'s boundary segments shared with other regions: an STRtree, the segments, their owners."""
        cached = self._edge_cache.get(k)
        if cached is not None:
            return cached
        segs, own = shared_segments([r.geometry for r in self.regions], k)
        geoms = shapely.linestrings(segs.reshape(-1, 2), indices=np.repeat(np.arange(segs.shape[0]), 2))
        self._edge_cache[k] = (STRtree(geoms), np.asarray(geoms), own)
        return self._edge_cache[k]

    def point_answer(self, e: float, n: float) -> tuple[int, int, float, int]:
        """Region, district (-1 outside), exact distance to the nearest other region and that region, for one
        EPSG:2326 point, in plain Python: the same floats as :meth:`answer` gives for it."""
        return self.table.answer_one(e, n)

    def answer(
        self, e: np.ndarray, n: np.ndarray, distances: bool = True
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Region, district, exact distance to the nearest other region and that region, for EPSG:2326 arrays
        (see :meth:`lotrate.index.fused.RegionTable.answer`)."""
        return self.table.answer(e, n, distances)[:4]

    def locate_point(self, e: float, n: float) -> tuple[int, int]:
        """Region and district ids (-1 outside) of one EPSG:2326 point."""
        k, d, _dist, _near = self.table.answer_one(e, n)
        return k, d

    def maybe_near_boundary(self, e: np.ndarray, n: np.ndarray) -> np.ndarray:
        """True for every point that may lie within ``accuracy_m`` of another region (never misses one)."""
        t = self.table
        w = t.word[t.cells(np.asarray(e, dtype=float), np.asarray(n, dtype=float))]
        return ((w & NEAR_BIT) != 0) | ((w & 0xFF) == REGION_MIXED)

    def locate(self, e: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Region and district ids (-1 outside Hong Kong) for EPSG:2326 arrays."""
        return self.region_grid.locate(e, n), self.district_grid.locate(e, n)

    def region_codes_at(self, e: np.ndarray, n: np.ndarray) -> np.ndarray:
        """Region codes (``None`` outside Hong Kong) for EPSG:2326 arrays."""
        k = self.region_grid.locate(e, n)
        out = np.full(k.shape[0], None, dtype=object)
        out[k >= 0] = self._codes[k[k >= 0]]
        return out

    def boundary_distances(self, e: np.ndarray, n: np.ndarray, region: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Exact distance (m) from each point to the nearest other region, and that region's id (-1: none).

        ``region`` is each point's region (as :meth:`locate` gives it); NaN and -1 for a point outside.
        """
        _k, _d, dist, near, _z = self.table.answer(np.asarray(e, dtype=float), np.asarray(n, dtype=float))
        out = np.asarray(region) < 0
        return np.where(out, np.nan, dist), np.where(out, -1, near)

    def point_distance(self, e: float, n: float, region: int) -> tuple[float, int]:
        """Scalar :meth:`boundary_distances` for one point in ``region``."""
        _k, _d, dist, near = self.table.answer_one(e, n)
        return dist, near

    def geometry_distance(self, geom: shapely.Geometry, region: int) -> tuple[float, int]:
        """Distance from a geometry (lying in ``region``) to the nearest other region, and that region's id."""
        dist, near = self.geometry_distances(np.array([geom], dtype=object), region)
        return float(dist[0]), int(near[0])

    def geometry_distances(self, geoms: np.ndarray, region: int | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Vectorised :meth:`geometry_distance` for lots (or their parts) lying in ``region`` (one id, or one
        per lot): exact, through the fused table's candidate segments (:meth:`RegionTable.lot_distances`)."""
        geoms = np.asarray(geoms, dtype=object)
        return self.table.lot_distances(geoms, np.broadcast_to(np.asarray(region, dtype=np.int64), geoms.shape))

    def outside_part(self, geom: shapely.Geometry, reach: float) -> tuple[float, bool]:
        """Area (m2) of a lot outside every region, and whether all of it lies within ``reach`` m of a region.

        Worked on the region layer cut to the raster's tiles around the lot, so the cost does not grow with
        the size of the layer. The reach test uses buffers of those pieces (polygonal, so it errs towards
        "beyond reach" by at most 0.5 % of ``reach``).
        """
        grid = self.region_grid
        territory = grid.territory_near(geom.bounds, 0.0)
        outside = shapely.difference(geom, territory)
        if outside.is_empty or outside.area <= 0:
            return 0.0, True
        if reach <= 0:
            return float(outside.area), False
        return float(outside.area), bool(shapely.covers(grid.reach_near(outside.bounds, reach), outside))
