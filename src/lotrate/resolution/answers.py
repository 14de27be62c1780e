"""Answers from index positions: the Resolution, its notices and its errors, for scalar and batch paths alike.

The index layer answers with integers (region ``k``, district ``d``, nearest other region ``near``); this
module turns them into the values and sentences of :mod:`lotrate.messages`, so one point gives the same answer,
word for word, whether it came through :func:`lotrate.resolve` or :func:`lotrate.resolve_many`.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from lotrate import messages
from lotrate.crs import to_grid
from lotrate.errors import CoordinateOrderError, LotrateError, OutsideHongKongError
from lotrate.index.regions import RegionIndex
from lotrate.index.zones import ZoneIndex
from lotrate.results import Notice, RegionShare, Resolution, ZoneHit


def swapped_inside(x: np.ndarray, y: np.ndarray, crs: Any, idx: RegionIndex) -> np.ndarray:
    """True where the user's own coordinates, x and y swapped (in their crs), would land inside Hong Kong."""
    xs = np.asarray(x, dtype=float)
    ys = np.asarray(y, dtype=float)
    if xs.size == 0:
        return np.zeros(0, dtype=bool)
    with np.errstate(invalid="ignore"):
        e, n = to_grid(ys, xs, crs)
    ok = np.isfinite(e) & np.isfinite(n)
    out = np.zeros(xs.size, dtype=bool)
    if ok.any():
        out[ok] = idx.locate(e[ok], n[ok])[0] >= 0
    return out


def outside_error(
    x: float, y: float, crs: Any, e: float, n: float, idx: RegionIndex, *, lot: bool = False
) -> LotrateError:
    """The error for a point (or a lot, by its first vertex) outside Hong Kong: swapped, or outside.

    ``x``, ``y`` are the user's numbers in their ``crs``; ``e``, ``n`` the same point in HK1980 Grid.
    """
    swapped = bool(swapped_inside(np.array([x]), np.array([y]), crs, idx)[0])
    cls = CoordinateOrderError if swapped else OutsideHongKongError
    return cls(messages.outside_hong_kong(x, y, crs, e, n, swapped, lot=lot))


def outside_errors(
    x: np.ndarray, y: np.ndarray, crs: Any, e: np.ndarray, n: np.ndarray, idx: RegionIndex, *, lot: bool = False
) -> list[LotrateError]:
    """:func:`outside_error` for many rows at once (one swap test for all of them)."""
    swapped = swapped_inside(x, y, crs, idx)
    return [
        (CoordinateOrderError if s else OutsideHongKongError)(
            messages.outside_hong_kong(float(a), float(b), crs, float(c), float(d), bool(s), lot=lot)
        )
        for a, b, c, d, s in zip(x, y, e, n, swapped)
    ]


def boundary_notice(idx: RegionIndex, k: int, dist: float, near: int) -> Notice | None:
    """A ``near_boundary`` notice when region ``k`` is closer to region ``near`` than the layer's accuracy
    (the notice gives the distance in whole metres: one cached notice per region pair and metre)."""
    if near < 0:
        return None
    if not dist < max(idx.regions[k].accuracy_m, idx.regions[near].accuracy_m):
        return None
    return region_notice(idx, k, near, round(dist))  # half to even, as numpy.rint in the batch path


_CACHE: weakref.WeakKeyDictionary[RegionIndex, dict[Any, Any]] = weakref.WeakKeyDictionary()


def _cache(idx: RegionIndex) -> dict[Any, Any]:
    got = _CACHE.get(idx)
    if got is None:
        got = _CACHE[idx] = {}
    return got


def pair_accuracy(idx: RegionIndex) -> np.ndarray:
    """(regions, regions) array: the accuracy that applies between two regions (the larger of the two)."""
    c = _cache(idx)
    got = c.get("pair")
    if got is None:
        acc = np.array([r.accuracy_m for r in idx.regions])
        got = c["pair"] = np.maximum(acc[:, None], acc[None, :])
    return got


def region_notice(idx: RegionIndex, k: int, near: int, metres: int) -> Notice:
    """The ``near_boundary`` notice of a point of region ``k`` ``metres`` (rounded) from region ``near``:
    the notice :func:`boundary_notice` gives for any distance that rounds to ``metres``, built once."""
    c = _cache(idx)
    key = (k, near, metres)
    got = c.get(key)
    if got is None:
        other = idx.regions[near]
        accuracy = max(idx.regions[k].accuracy_m, other.accuracy_m)
        got = c[key] = messages.near_boundary(float(metres), accuracy, other.name_en, other.code)
    return got


def straddle_notice(idx: RegionIndex, shares: list[tuple[float, int]]) -> Notice:
    """A ``straddle`` notice from (share, region position) pairs, largest first."""
    return messages.straddle([(idx.regions[j].code, s) for s, j in shares])


_RESOLUTION_NEW = object.__new__


def make_resolution(
    idx: RegionIndex,
    k: int,
    d: int,
    dist: float,
    near: int,
    e: float,
    n: float,
    gtype: str,
    area: float | None,
    shares: tuple[RegionShare, ...],
    hits: tuple[ZoneHit, ...],
    notes: tuple[Notice, ...],
) -> Resolution:
    """The frozen :class:`Resolution` of an answer (built field by field, without the dataclass ``__init__``)."""
    region = idx.regions[k]
    district = idx.districts[d] if d >= 0 else None
    r = _RESOLUTION_NEW(Resolution)
    r.__dict__.update(
        region_code=region.code,
        region_name=region.name_en,
        district=district.name_en if district else "",
        district_zh=district.name_zh if district else "",
        district_lands_office=district.district_lands_office if district else "",
        boundary_distance_m=dist,
        nearest_region=idx.regions[near].code if near >= 0 else None,
        easting=e,
        northing=n,
        geometry_type=gtype,
        area_m2=area,
        shares=shares,
        zones=hits,
        warnings=notes,
    )
    return r


def point_builder(idx: RegionIndex) -> Callable[..., Resolution]:
    """``build(k, d, dist, near, e, n, hits, notes)``: the :class:`Resolution` of a point, from a template per
    (region, district) holding every field in order (those that depend on the point as placeholders); built
    once per index. ``build.templates[k * build.stride + d]`` is that template (``d = stride - 1``: no district)."""
    c = _cache(idx)
    got = c.get("point_builder")
    if got is not None:
        return got
    nd = len(idx.districts)
    templates = []
    for k, region in enumerate(idx.regions):
        for d in [*range(nd), -1]:
            district = idx.districts[d] if d >= 0 else None
            templates.append(
                {
                    "region_code": region.code,
                    "region_name": region.name_en,
                    "district": district.name_en if district else "",
                    "district_zh": district.name_zh if district else "",
                    "district_lands_office": district.district_lands_office if district else "",
                    "geometry_type": "Point",
                    "area_m2": None,
                    "shares": idx.point_shares[k],
                    # the point's own fields, set by build (the dictionary is copied whole, then overwritten)
                    "boundary_distance_m": None,
                    "nearest_region": None,
                    "easting": None,
                    "northing": None,
                    "zones": None,
                    "warnings": None,
                }
            )
    codes: list[str | None] = [r.code for r in idx.regions]
    codes.append(None)  # near == -1
    new = _RESOLUTION_NEW
    cls = Resolution
    stride = nd + 1

    def build(
        k: int, d: int, dist: float, near: int, e: float, n: float, hits: tuple[ZoneHit, ...], notes: tuple[Notice, ...]
    ) -> Resolution:
        r = new(cls)
        f = r.__dict__
        f |= templates[k * stride + (d if d >= 0 else nd)]
        f["boundary_distance_m"] = dist
        f["nearest_region"] = codes[near]
        f["easting"] = e
        f["northing"] = n
        f["zones"] = hits
        f["warnings"] = notes
        return r

    build.templates = templates  # type: ignore[attr-defined]
    build.codes = codes  # type: ignore[attr-defined]
    build.stride = stride  # type: ignore[attr-defined]
    c["point_builder"] = build
    return build


class Catalogue:
    """Distinct values (tuples of notices or of zone hits) numbered in order of first sight, for categorical
    columns built from integer codes: the category dtype is rebuilt only when new values have appeared."""

    def __init__(self) -> None:
        self.values: list[Any] = []
        self.codes: dict[Any, int] = {}
        self._dtype: Any = None
        self._size = -1

    def add(self, value: Any) -> int:
        code = self.codes.get(value)
        if code is None:
            code = self.codes[value] = len(self.values)
            self.values.append(value)
        return code

    @property
    def code_dtype(self) -> type[np.signedinteger[Any]]:
        """The integer type of the codes of a column of the values met so far."""
        return np.int16 if len(self.values) < 2**15 else np.int32

    def column(self, codes: np.ndarray) -> Any:
        """A pandas Categorical of ``values[codes]`` (every value met so far is a category)."""
        import pandas as pd

        if self._size != len(self.values):
            index = pd.Index(self.values, dtype=object, tupleize_cols=False)
            self._dtype = pd.CategoricalDtype(index)
            self._size = len(self.values)
        small = codes.astype(self.code_dtype, copy=False)
        return pd.Categorical.from_codes(small, dtype=self._dtype, validate=False)


class ZoneColumns:
    """The ``zones`` and ``warnings`` catalogues of one pair of layers, and the code of each zone answer."""

    def __init__(self, zidx: ZoneIndex) -> None:
        self.zidx = weakref.ref(zidx)
        self.hits = Catalogue()
        self.warnings = Catalogue()
        self.hit_code = np.zeros(0, dtype=np.int64)
        self.note_code = np.zeros(0, dtype=np.int64)
        self.combo: dict[tuple[int, int], int] = {}

    def codes(self, zidx: ZoneIndex) -> tuple[np.ndarray, np.ndarray]:
        """Per zone answer id: its hits code and its warnings code (grown as answers appear), each in its
        catalogue's :attr:`Catalogue.code_dtype`."""
        answers = zidx.answer_list
        if self.hit_code.size < len(answers):
            new = answers[self.hit_code.size :]
            self.hit_code = np.concatenate([self.hit_code, [self.hits.add(h) for h, _m in new]]).astype(np.int64)
            self.note_code = np.concatenate([self.note_code, [self.warnings.add(m) for _h, m in new]]).astype(np.int64)
        return self.hit_code.astype(self.hits.code_dtype), self.note_code.astype(self.warnings.code_dtype)


def zone_columns(idx: RegionIndex, zidx: ZoneIndex) -> ZoneColumns:
    """The :class:`ZoneColumns` of a pair of layers (one per pair, for the process)."""
    c = _cache(idx)
    key = ("columns", id(zidx))
    got = c.get(key)
    if got is None or got.zidx() is not zidx:
        got = c[key] = ZoneColumns(zidx)
    return got


def warnings_with_region_notice(idx: RegionIndex, zidx: ZoneIndex, key: int, nz: int) -> tuple[Notice, ...]:
    """The warnings of a point with a region notice: ``key`` = ((k * regions + near) * 2**24 + metres) * nz +
    zone answer id (``nz`` zone answers known when keyed); built once per key and index pair."""
    c = _cache(idx)
    ck = ("w", id(zidx), nz, key)
    got = c.get(ck)
    if got is None:
        kz, rest = key % nz, key // nz
        metres, pair = rest % (1 << 24), rest // (1 << 24)
        nr = len(idx.regions)
        got = c[ck] = (region_notice(idx, pair // nr, pair % nr, metres), *zidx.answer_list[kz][1])
    return got


def fused_words(idx: RegionIndex, zidx: ZoneIndex) -> np.ndarray | None:
    """The region table's words with the zone codes of ``zidx`` folded in (one gather a point answers region,
    district, candidates and zones), built once per pair of layers; None if the codes do not fit."""
    c = _cache(idx)
    key = ("fused", id(zidx))
    got = c.get(key)
    if got is None or got[0]() is not zidx:
        zt = zidx.table
        got = c[key] = (weakref.ref(zidx), idx.table.with_zones(zt.fused_codes(), (zt.x0, zt.y0), (zt.ny, zt.nx)))
    return got[1]


def code_columns(idx: RegionIndex) -> dict[str, tuple[Any, np.ndarray | None, str]]:
    """Per text column of a region answer: its categorical dtype, the remap from position to category (None
    when the values are distinct) and which position it is keyed by ("k" region, "d" district); built once."""
    c = _cache(idx)
    got = c.get("code_columns")
    if got is None:
        import pandas as pd

        def entry(values: list[str], by: str) -> tuple[Any, np.ndarray | None, str]:
            first: dict[str, int] = {}
            remap = np.array([first.setdefault(v, len(first)) for v in values] + [-1], dtype=np.int64)
            dtype = pd.CategoricalDtype(pd.Index(list(first), dtype=object))
            return dtype, None if len(first) == len(values) else remap, by

        got = c["code_columns"] = {
            "region_code": entry([r.code for r in idx.regions], "k"),
            "region_name": entry([r.name_en for r in idx.regions], "k"),
            "district": entry([d.name_en for d in idx.districts], "d"),
            "district_zh": entry([d.name_zh for d in idx.districts], "d"),
            "district_lands_office": entry([d.district_lands_office for d in idx.districts], "d"),
            "nearest_region": entry([r.code for r in idx.regions], "near"),
        }
    return got
