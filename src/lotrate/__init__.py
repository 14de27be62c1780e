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

from lotrate.errors import (
    CoordinateError,
    CoordinateOrderError,
    CoordinateUnitsError,
    CRSError,
    EmptyGeometryError,
    GeometryError,
    GeometryRepairWarning,
    IneligibleError,
    InvalidCoordinateError,
    InvalidGeometryError,
    LayerError,
    LotFileError,
    LotrateError,
    OutsideHongKongError,
    RateNotFoundError,
    ScheduleError,
)

__version__ = "0.1.0"

# public name -> module that defines it
_LAZY = {
    "resolve": "lotrate.lookup",
    "resolve_many": "lotrate.lookup",
    "resolve_geometry": "lotrate.lookup",
    "read_features": "lotrate.lookup",
    "RegionIndex": "lotrate.regions",
    "ZoneIndex": "lotrate.zones",
    "Resolution": "lotrate.results",
    "RegionShare": "lotrate.results",
    "ZoneHit": "lotrate.results",
    "Notice": "lotrate.results",
    "assess": "lotrate.assessment",
    "assess_all": "lotrate.assessment",
    "Assessment": "lotrate.assessment",
    "load_schedule": "lotrate.rates",
    "schedule_for": "lotrate.rates",
    "RateSchedule": "lotrate.rates",
    "resolve_frame": "lotrate.batch",
    "assess_frame": "lotrate.batch",
    "lot_map": "lotrate.maps",
    "write_report": "lotrate.report",
    "write_reports": "lotrate.report",
}

if TYPE_CHECKING:
    from lotrate.assessment import Assessment, assess, assess_all
    from lotrate.batch import assess_frame, resolve_frame
    from lotrate.lookup import read_features, resolve, resolve_geometry, resolve_many
    from lotrate.maps import lot_map
    from lotrate.rates import RateSchedule, load_schedule, schedule_for
    from lotrate.regions import RegionIndex
    from lotrate.report import write_report, write_reports
    from lotrate.results import Notice, RegionShare, Resolution, ZoneHit
    from lotrate.zones import ZoneIndex


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
    "IneligibleError",
    "InvalidCoordinateError",
    "InvalidGeometryError",
    "LayerError",
    "LotFileError",
    "LotrateError",
    "Notice",
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
    "assess_frame",
    "load_schedule",
    "lot_map",
    "read_features",
    "resolve",
    "resolve_frame",
    "resolve_geometry",
    "resolve_many",
    "schedule_for",
    "write_report",
    "write_reports",
]
