"""The Appendix II region layer and a fast point-in-region index over it.

The index answers with integer ids over raw coordinate arrays (the geometry step); turning them into
results is left to :mod:`lotrate.lookup` (the table step). A point is located through a raster of cells:
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

from lotrate.crs import HK_CRS, parse_crs, to_grid
from lotrate.errors import LayerError
from lotrate.results import RegionShare

REGION_CODES = ("HKI", "KE", "KW", "NTS", "NTN")
DATA_DIR = Path(__file__).resolve().parent / "data"


def data_path(*parts: str) -> Path:
    """Path of a built-in data file (``data/`` in a source checkout, ``lotrate/data`` when installed)."""
    installed = DATA_DIR.joinpath(*parts)
    if installed.exists():
        return installed
    return Path(__file__).resolve().parents[2].joinpath("data", *parts)


def _read_layer(path: str | os.PathLike[str]) -> tuple[list[dict[str, Any]], list[shapely.Geometry]]:
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


class GridIndex:
    """Locate points among non-overlapping polygons (EPSG:2326) through a raster of cells.

    ``locate(e, n)`` returns, per point, the index of the polygon covering it, or -1. Answers are
    identical to an exact prepared ``contains_xy`` test in polygon order, with boundary points going to
    the first polygon that touches them.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> idx = GridIndex([box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)], cell=100)
    >>> idx.locate(np.array([500.0, 1000.0, 1500.0, 5000.0]), np.array([500.0, 10.0, 500.0, 0.0])).tolist()
    [0, 0, 1, -1]
    """

    def __init__(self, polygons: list[shapely.Geometry], cell: float = 100.0) -> None:
        self.polygons = list(polygons)
        for g in self.polygons:
            shapely.prepare(g)
        xmin, ymin, xmax, ymax = shapely.total_bounds(np.array(self.polygons, dtype=object))
        self.cell = float(cell)
        self.x0 = float(xmin) - self.cell
        self.y0 = float(ymin) - self.cell
        self.nx = int(np.ceil((xmax - self.x0) / self.cell)) + 2
        self.ny = int(np.ceil((ymax - self.y0) / self.cell)) + 2
        self.owner = self._build()
        self._flat = self.owner.ravel()
        self._tiles: dict[tuple[int, int], list[tuple[int, shapely.Geometry]]] = {}

    def _build(self) -> np.ndarray:
        mixed = np.zeros((self.ny, self.nx), dtype=bool)
        for g in self.polygons:
            # every cell a boundary passes through holds a vertex of the boundary densified to half a
            # cell, or is next to one: mark those cells and their 8 neighbours as mixed
            pts = shapely.get_coordinates(shapely.segmentize(g.boundary, self.cell / 2))
            ix = ((pts[:, 0] - self.x0) / self.cell).astype(np.int64)
            iy = ((pts[:, 1] - self.y0) / self.cell).astype(np.int64)
            for dy in (-1, 0, 1):
                for dx in (-1, 0, 1):
                    mixed[np.clip(iy + dy, 0, self.ny - 1), np.clip(ix + dx, 0, self.nx - 1)] = True
        owner = np.full((self.ny, self.nx), -1, dtype=np.int16)
        iy, ix = np.nonzero(~mixed)
        cx = self.x0 + (ix + 0.5) * self.cell
        cy = self.y0 + (iy + 0.5) * self.cell
        for k, g in enumerate(self.polygons):
            hit = shapely.contains_xy(g, cx, cy)
            owner[iy[hit], ix[hit]] = k
        owner[mixed] = -2
        return owner

    #: side of the square tiles the polygons are cut into for area shares (m)
    TILE = 2000.0

    @cached_property
    def _sat(self) -> np.ndarray:
        """Summed-area tables of the raster, one per polygon: counts of cells it owns in any cell window."""
        k = len(self.polygons)
        sat = np.zeros((k, self.ny + 1, self.nx + 1), dtype=np.int32)
        for i in range(k):
            sat[i, 1:, 1:] = np.cumsum(np.cumsum(self.owner == i, axis=0), axis=1)
        return sat

    def _piece(self, key: tuple[int, int]) -> list[tuple[int, shapely.Geometry]]:
        """The polygons cut to one tile: (polygon index, piece), cached."""
        pieces = self._tiles.get(key)
        if pieces is None:
            tx, ty = key
            tile = shapely.box(
                self.x0 + tx * self.TILE,
                self.y0 + ty * self.TILE,
                self.x0 + (tx + 1) * self.TILE,
                self.y0 + (ty + 1) * self.TILE,
            )
            pieces = []
            for i, g in enumerate(self.polygons):
                if g.intersects(tile):
                    piece = shapely.intersection(g, tile)
                    if not piece.is_empty:
                        pieces.append((i, piece))
            self._tiles[key] = pieces
        return pieces

    def area_shares(self, polys: np.ndarray) -> np.ndarray:
        """Area of each polygon (EPSG:2326) inside each indexed polygon, as a fraction of its own area.

        Returns an array of shape (len(polys), number of indexed polygons). A lot whose bounding box lies in
        raster cells all owned by one polygon gets a share of exactly 1 with no geometry operation; the others
        are intersected with the indexed polygons cut into 2 km tiles.
        """
        polys = np.asarray(polys, dtype=object)
        out = np.zeros((polys.shape[0], len(self.polygons)))
        if polys.shape[0] == 0:
            return out
        b = shapely.bounds(polys)
        ix0 = np.floor((b[:, 0] - self.x0) / self.cell).astype(np.int64)
        iy0 = np.floor((b[:, 1] - self.y0) / self.cell).astype(np.int64)
        ix1 = np.floor((b[:, 2] - self.x0) / self.cell).astype(np.int64)
        iy1 = np.floor((b[:, 3] - self.y0) / self.cell).astype(np.int64)
        inside = (ix0 >= 0) & (iy0 >= 0) & (ix1 < self.nx) & (iy1 < self.ny)
        unsure = ~inside
        cx0, cy0 = np.clip(ix0, 0, self.nx - 1), np.clip(iy0, 0, self.ny - 1)
        cx1, cy1 = np.clip(ix1, 0, self.nx - 1), np.clip(iy1, 0, self.ny - 1)
        cells = (cx1 - cx0 + 1) * (cy1 - cy0 + 1)
        pure = np.full(polys.shape[0], -1, dtype=np.int64)
        for i in range(len(self.polygons)):
            s = self._sat[i]
            count = s[cy1 + 1, cx1 + 1] - s[cy0, cx1 + 1] - s[cy1 + 1, cx0] + s[cy0, cx0]
            pure[(count == cells) & inside] = i
        rows = np.flatnonzero(pure >= 0)
        out[rows, pure[rows]] = 1.0
        unsure |= pure < 0
        todo = np.flatnonzero(unsure)
        if todo.size == 0:
            return out
        t = self.TILE
        pair_row: list[int] = []
        pair_idx: list[int] = []
        pair_geom: list[shapely.Geometry] = []
        for r in todo:
            x0, y0, x1, y1 = b[r]
            for tx in range(int((x0 - self.x0) // t), int((x1 - self.x0) // t) + 1):
                for ty in range(int((y0 - self.y0) // t), int((y1 - self.y0) // t) + 1):
                    for i, piece in self._piece((tx, ty)):
                        pair_row.append(int(r))
                        pair_idx.append(i)
                        pair_geom.append(piece)
        if pair_row:
            rows_a = np.array(pair_row)
            areas = shapely.area(shapely.intersection(polys[rows_a], np.array(pair_geom, dtype=object)))
            np.add.at(out, (rows_a, np.array(pair_idx)), areas)
            lot_area = shapely.area(polys[todo])
            out[todo] /= np.where(lot_area > 0, lot_area, 1.0)[:, None]
        return out

    @cached_property
    def mixed_fraction(self) -> float:
        """Fraction of cells decided exactly rather than from the raster."""
        return float((self.owner == -2).mean())

    def locate_exact(self, e: np.ndarray, n: np.ndarray) -> np.ndarray:
        """Exact answer with prepared geometry only (no raster): the reference ``locate`` must match."""
        out = np.full(e.shape[0], -1, dtype=np.int64)
        todo = np.ones(e.shape[0], dtype=bool)
        for test in (shapely.contains_xy, shapely.intersects_xy):
            for k, g in enumerate(self.polygons):
                idx = np.flatnonzero(todo)
                if idx.size == 0:
                    return out
                hit = test(g, e[idx], n[idx])
                out[idx[hit]] = k
                todo[idx[hit]] = False
        return out

    def locate(self, e: np.ndarray, n: np.ndarray) -> np.ndarray:
        e = np.asarray(e, dtype=float)
        n = np.asarray(n, dtype=float)
        fx = np.floor((e - self.x0) / self.cell)
        fy = np.floor((n - self.y0) / self.cell)
        inside = (fx >= 0) & (fx < self.nx) & (fy >= 0) & (fy < self.ny)
        out = np.full(e.shape[0], -1, dtype=np.int64)
        cells = fy[inside].astype(np.int64) * self.nx + fx[inside].astype(np.int64)
        out[inside] = self._flat[cells]
        unsure = np.flatnonzero(out == -2)
        if unsure.size:
            out[unsure] = self.locate_exact(e[unsure], n[unsure])
        return out

    def locate_one(self, e: float, n: float) -> int:
        """Scalar :meth:`locate` without NumPy array overhead."""
        fx = (e - self.x0) / self.cell
        fy = (n - self.y0) / self.cell
        if not (0 <= fx < self.nx and 0 <= fy < self.ny):
            return -1
        k = int(self._flat[int(fy) * self.nx + int(fx)])
        if k != -2:
            return k
        return locate_one_exact(self.polygons, e, n)


def locate_one_exact(polygons: list[shapely.Geometry], e: float, n: float) -> int:
    """Index of the polygon covering the point (first in order on a shared edge), or -1; prepared tests only."""
    for i, g in enumerate(polygons):
        if shapely.contains_xy(g, e, n):
            return i
    for i, g in enumerate(polygons):
        if shapely.intersects_xy(g, e, n):
            return i
    return -1


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
        props, geoms = _read_layer(path)
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
        dprops, dgeoms = _read_layer(dpath)
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
