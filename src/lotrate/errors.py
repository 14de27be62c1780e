"""The lotrate exception tree: one base class, one narrow subclass per kind of mistake.

Every message names the offending field or value and says how to fix it. All user errors derive from
:class:`LotrateError`, so ``except lotrate.LotrateError`` catches every one of them; each is also a
``ValueError`` because each is about a bad value.
"""

from __future__ import annotations


class LotrateError(ValueError):
    """Base class of every error lotrate raises for bad input or data."""


# --- coordinates and geometry -------------------------------------------------------------------------


class CoordinateError(LotrateError):
    """A coordinate that cannot be a place in Hong Kong as given."""


class InvalidCoordinateError(CoordinateError):
    """A coordinate is NaN, infinite or not a number."""


class CoordinateOrderError(CoordinateError):
    """Coordinates look swapped (latitude given as x, or northing as easting)."""


class CoordinateUnitsError(CoordinateError):
    """Coordinates look like metres given as degrees, or degrees given as metres."""


class OutsideHongKongError(CoordinateError):
    """A point or lot lies outside the HKSAR boundary (land and sea)."""


class CRSError(LotrateError):
    """A coordinate reference system that pyproj cannot read or that is not supported here."""


class GeometryError(LotrateError):
    """A lot geometry that cannot be used."""


class EmptyGeometryError(GeometryError):
    """A lot geometry with no coordinates or no area."""


class InvalidGeometryError(GeometryError):
    """A polygon that is invalid and cannot be repaired into an area."""


class GeometryRepairWarning(UserWarning):
    """An invalid polygon was repaired with ``shapely.make_valid``; check the lot boundary."""


# --- data layers ----------------------------------------------------------------------------------------


class LayerError(LotrateError):
    """A region or zone layer file that is missing, corrupt or of the wrong kind."""


# --- files in and out -------------------------------------------------------------------------------------


class InputError(LotrateError):
    """An input file that cannot be read as given: missing, a folder or a device, too large, nested too
    deeply, or not UTF-8 text."""


class OutputError(LotrateError):
    """An output that would replace its input or an existing file, or that could not be written."""


# --- lots, rates, eligibility -----------------------------------------------------------------------------


class LotFileError(LotrateError):
    """A lot file (format v1) with a missing, malformed or inconsistent field."""

    def __init__(self, message: str, *, field: str | None = None, value: object = None) -> None:
        super().__init__(message)
        self.field = field
        self.value = value


class ScheduleError(LotrateError):
    """A rate schedule file that is malformed, incomplete or overlaps another schedule."""


class RateNotFoundError(LotrateError):
    """No loaded rate schedule covers the requested date (PBTO acceptance, PN 12/2023 para 6)."""


__all__ = [
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
    "LotFileError",
    "LotrateError",
    "OutputError",
    "OutsideHongKongError",
    "RateNotFoundError",
    "ScheduleError",
]
