"""Resolve points to their Appendix II region, district and special zones: one (``resolve``) or arrays of them.

This is the table step on top of the fused per-cell tables of :mod:`lotrate.index`: ``resolve`` for one point,
``resolve_many`` for arrays (one row per input, never raising for a bad row); lot boundaries are in
:mod:`lotrate.resolution.lots`.

Both paths read the same per-cell tables and compute the same floats: :func:`resolve` in plain Python (no
NumPy scalars, no shapely objects for most points, a cached checked converter per CRS), :func:`resolve_many`
over arrays, with notices keyed by integers and their text built once per distinct key.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from lotrate import messages
from lotrate.crs import WGS84, coordinate_problems, needs_transform, point_converter, point_transform, to_grid
from lotrate.errors import CoordinateUnitsError
from lotrate.index.segments import distance_one
from lotrate.resolution.answers import (
    boundary_notice,
    code_columns,
    fused_words,
    outside_error,
    outside_errors,
    pair_accuracy,
    point_builder,
    warnings_with_region_notice,
    zone_columns,
)
from lotrate.resolution.layers import Layers, pick
from lotrate.results import Notice, Resolution, ZoneHit

if TYPE_CHECKING:
    import pandas as pd
    from pyproj import CRS

    from lotrate.index.regions import RegionIndex
    from lotrate.index.zones import ZoneIndex

_NO_HITS: tuple[ZoneHit, ...] = ()
_NO_NOTES: tuple[Notice, ...] = ()


def resolve(
    *,
    x: float,
    y: float,
    crs: str | int | CRS = WGS84,
    regions: RegionIndex | None = None,
    zones: ZoneIndex | None = None,
    layers: Layers | None = None,
) -> Resolution:
    """Resolve one point to its region, district and special zones.

    Parameters
    ----------
    x, y : float
        Coordinates in ``always_xy`` order: longitude, latitude (degrees) or easting, northing (metres).
    crs : str, int or pyproj.CRS
        CRS of ``x`` and ``y``; WGS 84 by default, ``"EPSG:2326"`` for HK1980 Grid.
    regions, zones, layers : optional
        Layers to use instead of the built-in ones (:class:`~lotrate.resolution.layers.Layers`, or either index).

    Raises
    ------
    OutsideHongKongError, CoordinateOrderError, CoordinateUnitsError, InvalidCoordinateError

    Examples
    --------
    >>> r = resolve(x=835411.431, y=817266.016, crs="EPSG:2326")  # Tsim Sha Tsui, HK1980 Grid
    >>> r.region_code, r.district, r.district_lands_office
    ('KW', 'Yau Tsim Mong', 'District Lands Office Kowloon West')
    >>> resolve(x=114.1887, y=22.2456).region_code  # Wong Chuk Hang
    'HKI'
    """
    if layers is None and regions is None and zones is None:
        try:
            fast = _FAST[crs]
        except (KeyError, TypeError):
            fast = _fast_resolver(crs)
        return fast(x, y)
    return _resolver(pick(layers, regions, zones), crs)(x, y)


#: one-point resolvers over the built-in layers, by CRS
_FAST: dict[Any, Callable[[Any, Any], Resolution]] = {}


def _fast_resolver(crs: Any) -> Callable[[Any, Any], Resolution]:
    fast = _resolver(Layers.default(), crs)
    try:
        if len(_FAST) < 64:
            _FAST[crs] = fast
    except TypeError:  # an unhashable crs (a dict)
        pass
    return fast


def _resolver(lay: Layers, crs: Any) -> Callable[[Any, Any], Resolution]:
    """``resolve`` for one set of layers and one CRS, with every table bound as a local name.

    A point is answered from one read of its cell's entry in :func:`_cell_tables` (ready-made fields and the
    candidate segments): the region and district come with the fields, or from the grids' sub-rasters where a
    boundary may cross the cell; the zone answer too, or from the zone table's row where it varies. A point
    off the raster, or in a cell with no candidate segment, goes through the tables' own one-point functions.
    Both give what :func:`resolve_many` gives.
    """
    idx, zidx = lay.regions, lay.zones
    table = idx.table
    convert = point_converter(crs)
    transform, (wx0, wx1, wy0, wy1) = point_transform(crs)
    isfinite, floor, sqrt = math.isfinite, math.floor, math.sqrt
    answer_one = table.answer_one
    region_row, region_mixed = idx.region_grid.mixed_row_one, idx.region_grid.locate_one_mixed
    district_mixed = idx.district_grid.locate_one_mixed
    mptr = np.ascontiguousarray(table.mixed_ptr).ravel().data
    mcnt = np.ascontiguousarray(table.mixed_cnt).ravel().data
    nreg = table.nregions
    point_hits = zidx.point_hits
    row_hits = point_hits.row  # type: ignore[attr-defined]
    build = point_builder(idx)
    codes = build.codes  # type: ignore[attr-defined]
    accuracy = idx.accuracy_m
    cells, specs, fill, word, nstatic = _cell_tables(idx, zidx)
    segs = table.py_segments
    cand = np.ascontiguousarray(table.cand).data
    x0, y0, nx = table.x0, table.y0, table.nx
    inv = 1.0 / table.cell  # a power of two: the cells of a division (answer_one), as resolve_many finds them
    nxf, nyf = float(table.nx), float(table.ny)
    new, cls, nan = object.__new__, Resolution, math.nan

    def vary(fields: Any, k: int, varies: int, e: float, n: float, c: int) -> tuple[Any, int, int]:
        """Fields, region (-1: outside) and candidates (as ``cells[2c + 1]`` holds them) of a point in a cell a
        boundary may cross (``varies``: 2 a region boundary, 1 a district boundary), as answer_one finds them."""
        if varies & 2:
            m = region_row(c)
            k = region_mixed(e, n, c, m)
            if k < 0:
                return fields, k, 0
            j = m * nreg + k
            s = -1 - ((mptr[j] << 8) | mcnt[j])
            fields = fields[k]
        else:
            s = cells[c + c + 1]
        if varies & 1:
            fields = fields[district_mixed(e, n, c)]  # -1 (no district): the last
        return fields, k, s

    def nearest(e: float, n: float, s: int) -> tuple[float, int]:
        """Distance to the first nearest of the candidates (``s``: offset << 8 | count), as answer_one."""
        dist, near = math.inf, -1
        for j in range(s >> 8, (s >> 8) + (s & 0xFF)):
            ax, ay, dx, dy, den, own = segs[cand[j]]
            dd = distance_one(e, n, ax, ay, dx, dy, den)
            if dd < dist:
                dist, near = dd, own
        return dist, near

    def zone_row(e: float, n: float, c: int) -> tuple[tuple[ZoneHit, ...], tuple[Notice, ...]]:
        """Zone answer in a cell where it varies: its row of the zone table is in the fused word (bits 25-39,
        after the static sets)."""
        return row_hits(e, n, ((word[c] >> 25) & 0x7FFF) - nstatic) if nstatic else point_hits(e, n)

    def other(x: Any, y: Any, e: float, n: float) -> Resolution:
        """A point the cell tables leave: off the raster (or outside), or in a cell with no candidate segment."""
        if not (isfinite(e) and isfinite(n)):
            e, n = convert(x, y)  # raises the error
        k, d, dist, near = answer_one(e, n)
        if k < 0:
            raise outside_error(float(x), float(y), crs, e, n, idx)
        hits, notes = point_hits(e, n)
        if near >= 0 and dist < accuracy:
            bn = boundary_notice(idx, k, dist, near)
            if bn is not None:
                notes = (bn, *notes)
        return build(k, d, dist, near, e, n, hits, notes)

    def resolve_one(x: Any, y: Any) -> Resolution:
        try:  # the numbers as convert reads them: a float as is, NumPy's float64 (an array's items) by value
            xf = float(x)
            yf = float(y)
        except (TypeError, ValueError):
            xf = yf = nan  # not numbers: convert says so
        if wx0 <= xf <= wx1 and wy0 <= yf <= wy1:
            e, n = (xf, yf) if transform is None else transform(xf, yf)
        else:
            e, n = convert(x, y)
        fx = (e - x0) * inv
        fy = (n - y0) * inv
        if not (0.0 <= fx < nxf and 0.0 <= fy < nyf):
            return other(x, y, e, n)
        c = floor(fy) * nx + floor(fx)
        p = cells[c + c]
        if p <= 0 and (p < 0 or (p := fill(c)) < 0):  # 0: the cell's rows of the tables not filled yet
            return other(x, y, e, n)
        fields, k, dynamic, varies = specs[p]
        if varies:
            fields, k, s = vary(fields, k, varies, e, n, c)
            if k < 0:
                return other(x, y, e, n)
        else:
            s = cells[c + c + 1]
        if s >= 0:  # one candidate segment (index.segments.distance_one, inlined: the hot path)
            ax, ay, dx, dy, den, near = segs[s]
            wx = e - ax
            wy = n - ay
            t = (wx * dx + wy * dy) / den
            if t < 0.0:
                t = 0.0
            elif t > 1.0:
                t = 1.0
            ex = wx - t * dx
            ey = wy - t * dy
            dist = sqrt(ex * ex + ey * ey)
        else:
            dist, near = nearest(e, n, -1 - s)
        r = new(cls)
        f = r.__dict__
        f |= fields
        f["boundary_distance_m"] = dist
        f["nearest_region"] = codes[near]
        f["easting"] = e
        f["northing"] = n
        if dynamic:
            f["zones"], f["warnings"] = zone_row(e, n, c)
        if dist < accuracy:
            bn = boundary_notice(idx, k, dist, near)
            if bn is not None:
                f["warnings"] = (bn, *f["warnings"])
        return r

    return resolve_one


#: rows of cells whose one-point tables are filled together, the first time a point falls in one of them
_BLOCK_ROWS = 16
#: the one-point cell tables of each pair of layers (by region index, then id of the zone index)
_CELL_TABLES: weakref.WeakKeyDictionary[RegionIndex, dict[int, tuple[Any, ...]]] = weakref.WeakKeyDictionary()

CellTables = tuple[memoryview, list[tuple[Any, int, bool, int]], Callable[[int], int], memoryview, int]


def _cell_tables(idx: RegionIndex, zidx: ZoneIndex) -> CellTables:
    """The one-point tables of a pair of layers, per cell of the fused word (shared by the resolvers of every
    CRS, built once per pair, filled :data:`_BLOCK_ROWS` rows of cells at a time as points fall there).

    Returns ``(cells, specs, fill, word, nstatic)``. Cell ``c`` has two int32 side by side (one cache line):
    ``cells[2c]`` is 0 while the cell's rows are not filled (``fill(c)`` fills them and returns it), -1 for a
    cell the tables' one-point functions answer (outside every region, or no candidate segment), else the
    position in ``specs`` of ``(fields, region, dynamic, varies)``: every field of the answer in order, those
    of the point as placeholders, the zone answer included unless ``dynamic`` (the cell is a dynamic row of the
    zone table). Where a boundary may cross the cell, ``fields`` is a tuple of them by region (``varies`` & 2)
    then by district (``varies`` & 1; the last for no district). ``cells[2c + 1]`` is the cell's one candidate
    segment, or ``-1 - (offset << 8 | count)`` of its candidates in the table's list (a region boundary: in
    the table's mixed lists). ``nstatic`` is the number of static zone sets (0: the zone codes are not in
    ``word``).
    """
    per = _CELL_TABLES.get(idx)
    if per is None:
        per = _CELL_TABLES[idx] = {}
    got = per.get(id(zidx))
    if got is not None and got[0]() is zidx:
        return got[1]
    table = idx.table
    fused = fused_words(idx, zidx)
    words = fused if fused is not None else table.word
    build = point_builder(idx)
    templates, stride = build.templates, build.stride  # type: ignore[attr-defined]
    zone_static = [zidx.answer_list[i] for i in zidx.static_ids.tolist()] if fused is not None else []
    nstatic, nreg = len(zone_static), table.nregions
    nx, ny = table.nx, table.ny
    cells = np.zeros((words.size, 2), dtype=np.int32)
    specs: list[tuple[Any, int, bool, int]] = [({}, -1, False, 0)]  # position 0: not filled
    # key (region * (stride + 1) + district) * (nstatic + 1) + zone set -> position in specs; region nreg and
    # district stride: a boundary may cross the cell, district stride - 1: none, zone set nstatic: a dynamic row
    nkeys = (nreg + 1) * (stride + 1) * (nstatic + 1)
    lut = np.zeros(nkeys if nkeys <= 1 << 22 else 0, dtype=np.int32)
    ids: dict[int, int] = {}

    def add(key: int) -> int:
        z, (k, d) = key % (nstatic + 1), divmod(key // (nstatic + 1), stride + 1)

        def fields(k: int, d: int) -> dict[str, Any]:
            got = dict(templates[k * stride + d])
            if z < nstatic:
                got["zones"], got["warnings"] = zone_static[z]
            return got

        def by_district(k: int) -> Any:
            return tuple(fields(k, dd) for dd in range(stride)) if d == stride else fields(k, d)

        varies = (2 if k == nreg else 0) | (1 if d == stride else 0)
        got = tuple(map(by_district, range(nreg))) if k == nreg else by_district(k)
        specs.append((got, k, z == nstatic, varies))
        ids[key] = len(specs) - 1
        return ids[key]

    def positions(keys: np.ndarray) -> np.ndarray:
        if lut.size:  # one gather; keys not met yet are added first
            pos = lut[keys]
            if not pos.all():
                for q in sorted(set(keys[pos == 0].tolist())):
                    lut[q] = add(q)
                pos = lut[keys]
            return pos
        uniq, inv = np.unique(keys, return_inverse=True)
        return np.array([ids.get(q) or add(q) for q in uniq.tolist()], dtype=np.int32)[inv.ravel()]

    def fill(c: int) -> int:
        r0 = c // nx // _BLOCK_ROWS * _BLOCK_ROWS
        lo, hi = r0 * nx, min(r0 + _BLOCK_ROWS, ny) * nx
        w = words[lo:hi]  # the fused word: region, district, count, zone code and segment (or offset) bits
        k, d, cnt, ptr = w & 0xFF, (w >> 8) & 0xFF, (w >> 16) & 0xFF, w >> 40
        z = np.minimum((w >> 25) & 0x7FFF, nstatic) if nstatic else 0
        ok = (k == 255) | ((k < 254) & (cnt > 0))
        cells[lo:hi, 1] = np.where(cnt == 1, ptr, -1 - ((ptr << 8) | cnt))  # ptr < 2**23: fits
        k = np.where(k == 255, nreg, k)
        d = np.where(d == 254, stride - 1, np.where(d == 255, stride, d))
        out = np.full(w.size, -1, dtype=np.int32)
        out[ok] = positions(((k * (stride + 1) + d) * (nstatic + 1) + z)[ok])
        cells[lo:hi, 0] = out  # last: a cell reads as filled once its segments and fields are there
        return int(cells[c, 0])

    tables: CellTables = (cells.ravel().data, specs, fill, np.ascontiguousarray(words).data, nstatic)
    per[id(zidx)] = (weakref.ref(zidx), tables)
    return tables


def _tuple_columns(
    idx: RegionIndex, zidx: ZoneIndex, k: np.ndarray, dist: np.ndarray, near: np.ndarray, zid: np.ndarray
) -> tuple[Any, Any, np.ndarray]:
    """The ``zones`` and ``warnings`` columns (categoricals of tuples) and the ``near_boundary`` flags.

    A row's warnings are its region notice (keyed by region, nearest region and whole metres) followed by its
    zone notices (keyed by the zone index's answer id): each distinct key's tuple is built once for the
    process, and the columns are integer codes into catalogues of those tuples.
    """
    cols = zone_columns(idx, zidx)
    rows = np.flatnonzero(dist < idx.accuracy_m)  # NaN compares False
    rows = rows[dist[rows] < pair_accuracy(idx)[k[rows], near[rows]]]
    flag = np.zeros(dist.shape[0], dtype=bool)
    flag[rows] = True
    if rows.size:
        metres = np.rint(dist[rows]).astype(np.int64)
        nz = len(zidx.answer_list)
        kr, nr = k[rows].astype(np.int64), near[rows].astype(np.int64)  # small codes: widen before keying
        key = ((kr * len(idx.regions) + nr) * (1 << 24) + metres) * nz + zid[rows]
        ukey, inv = np.unique(key, return_inverse=True)
        combo = cols.combo
        codes = np.empty(ukey.size, dtype=np.int64)
        for j, kk in enumerate(ukey.tolist()):
            ck = (kk, nz)
            got = combo.get(ck)
            if got is None:
                got = combo[ck] = cols.warnings.add(warnings_with_region_notice(idx, zidx, kk, nz))
            codes[j] = got
    # once the catalogues have every value of this batch: codes in their own dtypes, gathered once a row
    hit_code, note_code = cols.codes(zidx)
    wcode = note_code[zid]
    if rows.size:
        wcode[rows] = codes[inv.ravel()]
    return cols.hits.column(hit_code[zid]), cols.warnings.column(wcode), flag


def resolve_many(
    *,
    x: Any,
    y: Any,
    crs: str | int | CRS = WGS84,
    regions: RegionIndex | None = None,
    zones: ZoneIndex | None = None,
    layers: Layers | None = None,
    distances: bool = True,
) -> pd.DataFrame:
    """Resolve arrays of points; one row per input, in order, never raising for a bad row.

    A row that cannot be resolved has a missing ``region_code`` and an ``error`` text saying why. Every other
    row carries the same answer :func:`resolve` gives for that point, word for word and float for float.

    Parameters
    ----------
    x, y : array-like
        One array per axis, ``always_xy`` order.
    crs : CRS of x and y (WGS 84 by default).
    distances : bool
        ``True`` (default): ``boundary_distance_m`` for every row, exactly as :func:`resolve`. ``False``:
        the distance only where it may be under the layer accuracy (so ``near_boundary`` warnings are still
        exact) and NaN elsewhere.

    Returns
    -------
    pandas.DataFrame
        Columns ``x``, ``y``, ``easting``, ``northing``, ``region_code``, ``region_name``, ``district``,
        ``district_zh``, ``district_lands_office``, ``boundary_distance_m``, ``nearest_region``,
        ``near_boundary``, ``zones`` (tuple of :class:`ZoneHit`), ``warnings`` (tuple of :class:`Notice`),
        ``error`` (the sentence :func:`resolve` would raise, else None) and ``error_type`` (the name of its
        exception class, e.g. ``"OutsideHongKongError"``). The text columns and ``zones``/``warnings`` are
        categoricals built from integer codes (a missing value is NaN; only the values in use are categories).

    Examples
    --------
    >>> df = resolve_many(x=[114.2250, 114.2370, 0.0], y=[22.3130, 22.2650, 0.0])
    >>> df["region_code"].tolist()
    ['KE', 'HKI', nan]
    >>> df["error"].iloc[2].startswith("coordinate x=0.0, y=0.0")
    True
    """
    import pandas as pd

    lay = pick(layers, regions, zones)
    idx, zidx = lay.regions, lay.zones
    xa = np.atleast_1d(np.asarray(x, dtype=float))
    ya = np.atleast_1d(np.asarray(y, dtype=float))
    if xa.shape != ya.shape or xa.ndim != 1:
        raise ValueError(f"x and y must be 1-D arrays of the same length; got shapes {xa.shape} and {ya.shape}")
    size = xa.shape[0]
    e, n = to_grid(xa, ya, crs) if needs_transform(crs) else (xa, ya)
    word = fused_words(idx, zidx)
    lut = zidx.fused_lut if word is not None else None
    k, d, dist, near, looked_up = idx.table.answer(e, n, distances, word, lut)
    errors = np.full(size, None, dtype=object)
    etypes = np.full(size, None, dtype=object)
    bad = np.flatnonzero(k < 0)
    if bad.size:  # a point inside Hong Kong has no coordinate problem: only these rows are checked
        problems = coordinate_problems(xa[bad], ya[bad], crs)
        for j, problem in problems.items():
            errors[bad[j]], etypes[bad[j]] = str(problem), type(problem).__name__
        rest = np.array([j for j in range(bad.size) if j not in problems], dtype=np.int64)
        rows = bad[rest]
        finite = np.isfinite(e[rows]) & np.isfinite(n[rows])
        for i in rows[~finite]:
            errors[i] = messages.cannot_convert(float(xa[i]), float(ya[i]), crs)
            etypes[i] = CoordinateUnitsError.__name__
        out = rows[finite]
        if out.size:
            for i, err in zip(out, outside_errors(xa[out], ya[out], crs, e[out], n[out], idx)):
                errors[i], etypes[i] = str(err), type(err).__name__
    zid = zidx.answer_ids(e, n, looked_up if word is not None else None)
    if bad.size:
        zid[bad] = zidx.static_ids[0]
    zones_col, warnings_col, near_flag = _tuple_columns(idx, zidx, k, dist, near, zid)
    keyed = {"k": k, "d": d, "near": near}  # small integers already: the categorical codes
    text = {}
    for name, (dtype, remap, by) in code_columns(idx).items():
        codes = keyed[by] if remap is None else remap[keyed[by]].astype(keyed[by].dtype)
        text[name] = pd.Categorical.from_codes(codes, dtype=dtype, validate=False)
    easting, northing = e, n
    if bad.size:
        easting, northing = e.copy(), n.copy()
        easting[bad] = np.nan
        northing[bad] = np.nan
    frame = pd.DataFrame(
        {
            "x": xa,
            "y": ya,
            "easting": easting,
            "northing": northing,
            "region_code": text["region_code"],
            "region_name": text["region_name"],
            "district": text["district"],
            "district_zh": text["district_zh"],
            "district_lands_office": text["district_lands_office"],
            "boundary_distance_m": dist,
            "nearest_region": text["nearest_region"],
            "near_boundary": near_flag,
            "zones": zones_col,
            "warnings": warnings_col,
            "error": pd.Series(errors, dtype=object, copy=False),
            "error_type": pd.Series(etypes, dtype=object, copy=False),
        },
        copy=False,
    )
    return frame
