"""The Appendix II region layer and a fast point-in-region index over it.

The index answers with integer ids over raw coordinate arrays (the geometry step); turning them into
results is left to :mod:`lotrate.resolve` (the table step). A point is located through a raster of cells:
a cell that no boundary crosses answers from an array; a cell a boundary may cross is decided exactly with
prepared ``contains_xy``. A point exactly on a shared edge goes to the first region in layer order
(HKI, KE, KW, NTS, NTN for the built-in layer): one deterministic answer.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely import STRtree

from lotrate._data import data_path
from lotrate.crs import HK_CRS, parse_crs, to_grid
from lotrate.errors import LayerError
from lotrate.index.grid import GridIndex, locate_one_exact
from lotrate.results import RegionShare

REGION_CODES = ("HKI", "KE", "KW", "NTS", "NTN")


def read_polygon_layer(path: str | os.PathLike[str]) -> tuple[list[dict[str, Any]], list[shapely.Geometry]]:
    """Read a polygon layer into properties and EPSG:2326 geometries.

    GeoJSON is parsed directly (fast, no GDAL): a legacy ``crs`` member is honoured, otherwise RFC 7946
    WGS 84 is assumed. Any other format pyogrio reads is accepted too, its CRS read from the file.
    """
    p = Path(path)
    if not p.exists():
        raise LayerError(f"layer file {str(p)!r} does not exist")
    if p.suffix.lower() in (".geojson", ".json"):
        try:
            doc = json.loads(p.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise LayerError(f"layer file {str(p)!r} is not valid GeoJSON: {exc}") from exc
        if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
            raise LayerError(f"layer file {str(p)!r} is not a GeoJSON FeatureCollection")
        crs_name = (doc.get("crs") or {}).get("properties", {}).get("name", "EPSG:4326")
        props, geoms = [], []
        for i, feat in enumerate(doc.get("features") or []):
            try:
                geoms.append(shapely.geometry.shape(feat["geometry"]))
            except Exception as exc:
                raise LayerError(f"{p.name}: feature {i} has no readable geometry ({exc})") from exc
            props.append(dict(feat.get("properties") or {}))
        geom_arr = np.array(geoms, dtype=object)
    else:
        import pyogrio

        try:
            df = pyogrio.read_dataframe(p)
        except Exception as exc:
            raise LayerError(f"layer file {str(p)!r} cannot be read: {exc}") from exc
        if df.crs is None:
            raise LayerError(f"layer file {str(p)!r} has no CRS; save it with one (e.g. EPSG:2326)")
        crs_name = df.crs.to_string()
        props = [{k: v for k, v in row.items() if k != "geometry"} for row in df.to_dict("records")]
        geom_arr = df.geometry.to_numpy()
    if parse_crs(crs_name) != parse_crs(HK_CRS):
        geom_arr = np.array(
            [shapely.transform(g, lambda c: np.column_stack(to_grid(c[:, 0], c[:, 1], crs_name))) for g in geom_arr],
            dtype=object,
        )
    return props, list(geom_arr)






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

    def __init__(self, regions: list[Region], districts: list[District], *, cell: float = 100.0) -> None:
        order = {c: i for i, c in enumerate(REGION_CODES)}
        self.regions = sorted(regions, key=lambda r: order.get(r.code, 99))
        self.districts = list(districts)
        self.cell = cell
        self._codes = np.array([r.code for r in self.regions], dtype=object)
        self.accuracy_m = max(r.accuracy_m for r in self.regions)
        self._edge_cache: dict[int, tuple[STRtree, np.ndarray, np.ndarray]] = {}
        self._scalar_calls = 0
        for g in [r.geometry for r in self.regions] + [d.geometry for d in self.districts]:
            shapely.prepare(g)

    @classmethod
    def default(cls) -> RegionIndex:
        """The built-in Appendix II layer (``data/regions/``), loaded once per process."""
        if cls._default is None:
            cls._default = cls.from_file(data_path("regions", "appendix_ii.geojson"))
        return cls._default

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], districts: str | os.PathLike[str] | None = None) -> RegionIndex:
        """Load and validate a region layer (five features with ``code`` HKI, KE, KW, NTS, NTN).

        ``districts`` defaults to the built-in 18-district layer.
        """
        path = Path(path)
        props, geoms = read_polygon_layer(path)
        _validate_regions(path, props, geoms)
        regions = [
            Region(
                code=str(p["code"]),
                name_en=str(p["name_en"]),
                name_zh=str(p.get("name_zh") or ""),
                accuracy_m=float(p.get("accuracy_m") or 0.0),
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
        return cls(regions, dists)

    # -- the geometry step: integer ids over raw arrays ---------------------------------------------------

    @cached_property
    def point_shares(self) -> list[tuple[RegionShare, ...]]:
        """The ``shares`` of a point in each region: that region, 1.0."""
        return [(RegionShare(r.code, r.name_en, 1.0),) for r in self.regions]

    @cached_property
    def region_grid(self) -> GridIndex:
        return GridIndex([r.geometry for r in self.regions], cell=self.cell)

    @cached_property
    def district_grid(self) -> GridIndex:
        return GridIndex([d.geometry for d in self.districts], cell=self.cell)

    def _edges(self, k: int) -> tuple[STRtree, np.ndarray, np.ndarray]:
        """Region ``k``'s boundary segments shared with other regions: an STRtree, the segments, their owners."""
        cached = self._edge_cache.get(k)
        if cached is not None:
            return cached
        region = self.regions[k].geometry
        boundary = region.boundary
        segs: list[np.ndarray] = []
        owners: list[np.ndarray] = []
        for m, other in enumerate(self.regions):
            if m == k or not region.intersects(other.geometry):
                continue
            shared = shapely.intersection(boundary, other.geometry)
            for line in shapely.get_parts(shapely.line_merge(shapely.get_parts(shared))):
                c = shapely.get_coordinates(line)
                if len(c) < 2:
                    continue
                segs.append(np.stack([c[:-1], c[1:]], axis=1))
                owners.append(np.full(len(c) - 1, m))
        arr = np.concatenate(segs) if segs else np.zeros((0, 2, 2))
        geoms = shapely.linestrings(arr.reshape(-1, 2), indices=np.repeat(np.arange(len(arr)), 2))
        own = np.concatenate(owners) if owners else np.zeros(0, dtype=int)
        self._edge_cache[k] = (STRtree(geoms), np.asarray(geoms), own)
        return self._edge_cache[k]

    #: scalar lookups answered with prepared geometry before the rasters are worth building
    SCALAR_CALLS_BEFORE_GRID = 64

    def locate_point(self, e: float, n: float) -> tuple[int, int]:
        """Region and district ids (-1 outside) of one EPSG:2326 point.

        The first few calls in a process use prepared geometry directly, so that a one-off lookup (the
        command line) does not pay for building the rasters; later calls, and any batch call, use them.
        """
        if "district_grid" in self.__dict__ or self._scalar_calls >= self.SCALAR_CALLS_BEFORE_GRID:
            return self.region_grid.locate_one(e, n), self.district_grid.locate_one(e, n)
        self._scalar_calls += 1
        return (
            locate_one_exact([r.geometry for r in self.regions], e, n),
            locate_one_exact([d.geometry for d in self.districts], e, n),
        )

    @cached_property
    def _near_cells(self) -> np.ndarray:
        """Raster flags: cells within ``accuracy_m`` (plus a cell) of a boundary between two regions."""
        grid = self.region_grid
        flags = np.zeros((grid.ny, grid.nx), dtype=bool)
        rings = int(np.ceil(self.accuracy_m / grid.cell)) + 1
        for k in range(len(self.regions)):
            geoms = self._edges(k)[1]
            if len(geoms) == 0:
                continue
            pts = shapely.get_coordinates(shapely.segmentize(geoms, grid.cell / 2))
            ix = np.clip(((pts[:, 0] - grid.x0) / grid.cell).astype(np.int64), 0, grid.nx - 1)
            iy = np.clip(((pts[:, 1] - grid.y0) / grid.cell).astype(np.int64), 0, grid.ny - 1)
            flags[iy, ix] = True
        for _ in range(rings):  # dilate one ring at a time (8-neighbourhood)
            f = flags.copy()
            f[1:, :] |= flags[:-1, :]
            f[:-1, :] |= flags[1:, :]
            f[:, 1:] |= flags[:, :-1]
            f[:, :-1] |= flags[:, 1:]
            f[1:, 1:] |= flags[:-1, :-1]
            f[:-1, :-1] |= flags[1:, 1:]
            f[1:, :-1] |= flags[:-1, 1:]
            f[:-1, 1:] |= flags[1:, :-1]
            flags = f
        return flags.ravel()

    def maybe_near_boundary(self, e: np.ndarray, n: np.ndarray) -> np.ndarray:
        """True for every point that may lie within ``accuracy_m`` of another region (never misses one)."""
        grid = self.region_grid
        fx = np.clip(np.floor((e - grid.x0) / grid.cell), 0, grid.nx - 1).astype(np.int64)
        fy = np.clip(np.floor((n - grid.y0) / grid.cell), 0, grid.ny - 1).astype(np.int64)
        return self._near_cells[fy * grid.nx + fx]

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
        """Exact distance (m) from each point to the nearest other region, and that region's id (-1: none)."""
        dist = np.full(e.shape[0], np.nan)
        near = np.full(e.shape[0], -1, dtype=np.int64)
        for k in range(len(self.regions)):
            idx = np.flatnonzero(region == k)
            if idx.size == 0:
                continue
            tree, _geoms, owners = self._edges(k)
            if idx.size == 0 or owners.size == 0:
                continue
            (qi, ti), d = tree.query_nearest(shapely.points(e[idx], n[idx]), return_distance=True, all_matches=False)
            dist[idx[qi]] = d
            near[idx[qi]] = owners[ti]
        return dist, near

    def point_distance(self, e: float, n: float, region: int) -> tuple[float, int]:
        """Scalar :meth:`boundary_distances` for one point in ``region``."""
        tree, _geoms, owners = self._edges(region)
        if owners.size == 0:
            return float("inf"), -1
        ti, d = tree.query_nearest(shapely.Point(e, n), return_distance=True, all_matches=False)
        return float(d[0]), int(owners[ti[0]])

    def geometry_distance(self, geom: shapely.Geometry, region: int) -> tuple[float, int]:
        """Distance from a geometry (lying in ``region``) to the nearest other region, and that region's id."""
        tree, _geoms, owners = self._edges(region)
        if owners.size == 0:
            return float("inf"), -1
        (_qi, ti), d = tree.query_nearest([geom], return_distance=True, all_matches=False)
        return float(d[0]), int(owners[ti[0]])
