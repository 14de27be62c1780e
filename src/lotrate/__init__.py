"""lotrate: Appendix II region, special zones and PN 12/2023 standard-rate premium for Hong Kong industrial lots.

The public API is re-exported here and imported lazily (PEP 562), so ``import lotrate`` stays light and a
one-point lookup never loads geopandas or folium.

Examples
--------
>>> import lotrate
>>> lotrate.resolve(x=114.2250, y=22.3130).region_code  # Kwun Tong, longitude/latitude
'KE'
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from lotrate._version import __version__
from lotrate.errors import (
    CoordinateError,
    CoordinateOrderError,
    CoordinateUnitsError,
    CRSError,
    EmptyGeometryError,
    GeometryError,
    GeometryRepairWarning,
    InputError,
    InvalidCoordinateError,
    InvalidGeometryError,
    LayerError,
    LotFileError,
    LotrateError,
    OutputError,
    OutsideHongKongError,
    RateNotFoundError,
    ScheduleError,
)
from lotrate.results import set_html_renderer

# public name -> module that defines it
_LAZY = {
    "data_path": "lotrate._data",
    "data_version": "lotrate._data",
    "resolve": "lotrate.resolution.points",
    "resolve_many": "lotrate.resolution.points",
    "resolve_geometry": "lotrate.resolution.lots",
    "resolve_frame": "lotrate.resolution.frame",
    "Layers": "lotrate.resolution.layers",
    "read_features": "lotrate.io.lotfile",
    "RegionIndex": "lotrate.index.regions",
    "ZoneIndex": "lotrate.index.zones",
    "Resolution": "lotrate.results",
    "RegionShare": "lotrate.results",
    "ZoneHit": "lotrate.results",
    "Notice": "lotrate.results",
    "assess": "lotrate.premium.assess",
    "assess_all": "lotrate.premium.assess",
    "assess_each": "lotrate.premium.assess",
    "LotFailure": "lotrate.premium.assess",
    "assess_frame": "lotrate.premium.assess",
    "Assessment": "lotrate.premium.assess",
    "compare": "lotrate.premium.scenarios",
    "timeline": "lotrate.premium.timeline",
    "load_schedule": "lotrate.premium.rates",
    "schedule_for": "lotrate.premium.rates",
    "RateSchedule": "lotrate.premium.rates",
    "lot_map": "lotrate.render.maps",
    "territory_map": "lotrate.render.maps",
    "write_report": "lotrate.render.report",
    "write_reports": "lotrate.render.reportset",
}

if TYPE_CHECKING:
    from lotrate._data import data_path, data_version
    from lotrate.index.regions import RegionIndex
    from lotrate.index.zones import ZoneIndex
    from lotrate.io.lotfile import read_features
    from lotrate.premium.assess import Assessment, LotFailure, assess, assess_all, assess_each, assess_frame
    from lotrate.premium.rates import RateSchedule, load_schedule, schedule_for
    from lotrate.premium.scenarios import compare
    from lotrate.premium.timeline import timeline
    from lotrate.render.maps import lot_map, territory_map
    from lotrate.render.report import write_report
    from lotrate.render.reportset import write_reports
    from lotrate.resolution.frame import resolve_frame
    from lotrate.resolution.layers import Layers
    from lotrate.resolution.lots import resolve_geometry
    from lotrate.resolution.points import resolve, resolve_many
    from lotrate.results import Notice, RegionShare, Resolution, ZoneHit


def _html_view(obj: Any) -> str:
    """Jupyter views of results, handed to :mod:`lotrate.results` so that results never import rendering."""
    return import_module("lotrate.render.jupyter").html_view(obj)


set_html_renderer(_html_view)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'lotrate' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "Assessment",
    "CRSError",
    "CoordinateError",
    "CoordinateOrderError",
    "CoordinateUnitsError",
    "EmptyGeometryError",
    "GeometryError",
    "GeometryRepairWarning",
    "InputError",
    "InvalidCoordinateError",
    "InvalidGeometryError",
    "LayerError",
    "Layers",
    "LotFailure",
    "LotFileError",
    "LotrateError",
    "Notice",
    "OutputError",
    "OutsideHongKongError",
    "RateNotFoundError",
    "RateSchedule",
    "RegionIndex",
    "RegionShare",
    "Resolution",
    "ScheduleError",
    "ZoneHit",
    "ZoneIndex",
    "__version__",
    "assess",
    "assess_all",
    "assess_each",
    "assess_frame",
    "compare",
    "data_path",
    "data_version",
    "load_schedule",
    "lot_map",
    "read_features",
    "resolve",
    "resolve_frame",
    "resolve_geometry",
    "resolve_many",
    "schedule_for",
    "territory_map",
    "timeline",
    "write_report",
    "write_reports",
]
