"""Frozen value objects shared by the resolver, the zone index and everything downstream."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lotrate._data import data_version
from lotrate._version import __version__

_HTML_RENDERER: list[Callable[[Any], str]] = []


def provenance() -> dict[str, str]:
    """The versions an answer came from: the package and its data (layers, zones, rates), for every JSON answer.

    Examples
    --------
    >>> sorted(provenance())
    ['data', 'lotrate']
    """
    return {"lotrate": __version__, "data": data_version()}


def set_html_renderer(render: Callable[[Any], str]) -> None:
    """Register the function that draws results in Jupyter (``lotrate`` registers :mod:`lotrate.render.jupyter`).

    Results sit low in the package and rendering high: results never import rendering; rendering is handed to
    them here, so the import graph stays one-way.
    """
    _HTML_RENDERER[:] = [render]


def html_view(obj: Any) -> str:
    """The rich HTML view of a result, through the registered renderer (escaped text when there is none)."""
    if _HTML_RENDERER:
        return _HTML_RENDERER[0](obj)
    return f"<pre>{html.escape(repr(obj))}</pre>"

#: A share of a lot in another region above this fraction is reported as a straddle (docs/layers.md).
STRADDLE_MIN_SHARE = 0.005


@dataclass(frozen=True)
class Notice:
    """A warning attached to a result: a machine-readable ``code`` and a sentence for people.

    Codes used: ``near_boundary``, ``straddle``, ``near_zone``, ``in_zone``, ``geometry_repaired``,
    ``estimate`` and those of the premium engine.
    """

    code: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


@dataclass(frozen=True)
class RegionShare:
    """The fraction of a lot's area inside one region (1.0 for a point)."""

    code: str
    name: str
    share: float

    def to_dict(self) -> dict[str, Any]:
        return {"region_code": self.code, "region_name": self.name, "share": round(self.share, 6)}


@dataclass(frozen=True)
class ZoneHit:
    """A special zone (NDA, Pilot Scheme Area, Industrial Estate) a lot falls in.

    ``share`` is the fraction of the lot's area inside the zone for a polygon lot, ``None`` for a point.
    """

    kind: str
    name: str
    status: str
    share: float | None = None
    accuracy_m: float = 0.0
    source: str = ""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "name": self.name, "status": self.status}
        if self.share is not None:
            out["share"] = round(self.share, 6)
        return out


@dataclass(frozen=True)
class Resolution:
    """Where a lot lies: its Appendix II region, district, special zones, and how sure that is.

    Coordinates ``easting``/``northing`` are HK1980 Grid (EPSG:2326) metres: the point itself, or a point
    inside the lot for a polygon. ``boundary_distance_m`` is the distance from that point (from the lot
    boundary, for a polygon lying wholly in one region) to the nearest other region, ``nearest_region``.

    Examples
    --------
    >>> import lotrate
    >>> r = lotrate.resolve(x=114.2250, y=22.3130)  # Kwun Tong industrial area, lon/lat
    >>> r.region_code, r.district
    ('KE', 'Kwun Tong')
    """

    region_code: str
    region_name: str
    district: str
    district_zh: str
    district_lands_office: str
    boundary_distance_m: float
    nearest_region: str | None
    easting: float
    northing: float
    geometry_type: str = "Point"
    area_m2: float | None = None
    shares: tuple[RegionShare, ...] = ()
    zones: tuple[ZoneHit, ...] = ()
    warnings: tuple[Notice, ...] = field(default=())

    @property
    def near_boundary(self) -> bool:
        """Closer to another region than the layer's accuracy: a ``near_boundary`` or ``straddle`` notice."""
        return any(w.code in ("near_boundary", "straddle") for w in self.warnings)

    @property
    def straddles(self) -> tuple[RegionShare, ...]:
        """Shares of regions other than the primary one above 0.5 % of the lot's area."""
        return tuple(s for s in self.shares if s.code != self.region_code and s.share > STRADDLE_MIN_SHARE)

    def _repr_html_(self) -> str:  # Jupyter rich view, drawn by lotrate.render.jupyter through the registry
        return html_view(self)

    def to_dict(self) -> dict[str, Any]:
        """The ``resolve`` JSON object (docs/outputs.md) plus a few extra keys."""
        return {
            "region_code": self.region_code,
            "region_name": self.region_name,
            "district": self.district,
            "zones": [z.to_dict() for z in self.zones],
            "boundary_distance_m": round(self.boundary_distance_m, 2),
            "warnings": [w.to_dict() for w in self.warnings],
            "district_zh": self.district_zh,
            "district_lands_office": self.district_lands_office,
            "nearest_region": self.nearest_region,
            "easting": round(self.easting, 3),
            "northing": round(self.northing, 3),
            "geometry_type": self.geometry_type,
            "area_m2": None if self.area_m2 is None else round(self.area_m2, 2),
            "shares": [s.to_dict() for s in self.shares],
            "versions": provenance(),
        }
