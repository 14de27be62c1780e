"""crs.py: conversion to HK1980 Grid and the checks that catch wrong coordinates."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from pyproj import Transformer
from shapely.geometry import Point, Polygon, box

from lotrate import crs
from lotrate.errors import (
    CoordinateOrderError,
    CoordinateUnitsError,
    CRSError,
    EmptyGeometryError,
    GeometryError,
    GeometryRepairWarning,
    InvalidCoordinateError,
    InvalidGeometryError,
    LotrateError,
)

from locations import CONTROL_POINTS


@pytest.mark.parametrize(("grid", "geo"), CONTROL_POINTS)
def test_official_control_points_to_grid(grid: tuple[float, float], geo: tuple[float, float]) -> None:
    (north, east), (lat, lon) = grid, geo
    e, n = crs.point_to_grid(lon, lat)
    assert abs(e - east) < 0.01 and abs(n - north) < 0.01


@pytest.mark.parametrize(("grid", "geo"), CONTROL_POINTS)
def test_official_control_points_from_grid(grid: tuple[float, float], geo: tuple[float, float]) -> None:
    (north, east), (lat, lon) = grid, geo
    lon2, lat2 = Transformer.from_crs("EPSG:2326", "EPSG:4326", always_xy=True).transform(east, north)
    assert abs(lon2 - lon) < 1e-7 and abs(lat2 - lat) < 1e-7


def test_grid_input_passes_through_unchanged() -> None:
    assert crs.point_to_grid(835411.431, 817266.016, "EPSG:2326") == (835411.431, 817266.016)


def test_hk1980_geographic_datum_is_not_wgs84() -> None:
    # the grid origin is given in the HK1980 datum (EPSG:4611): read as WGS 84 it lands about 300 m off
    lat = 22 + 18 / 60 + 43.68 / 3600
    lon = 114 + 10 / 60 + 42.80 / 3600
    e, n = crs.point_to_grid(lon, lat, "EPSG:4611")
    assert math.hypot(e - 836694.05, n - 819069.80) < 1.0
    e2, n2 = crs.point_to_grid(lon, lat, "EPSG:4326")
    assert 290 < math.hypot(e2 - 836694.05, n2 - 819069.80) < 320


@pytest.mark.parametrize(
    ("x", "y", "kind", "err"),
    [
        (22.3110, 114.2235, "EPSG:4326", CoordinateOrderError),  # lat, lon swapped
        (835411.431, 817266.016, "EPSG:4326", CoordinateUnitsError),  # metres as degrees
        (114.2235, 22.3110, "EPSG:2326", CoordinateUnitsError),  # degrees as metres
        (22.3110, 114.2235, "EPSG:2326", CoordinateUnitsError),  # swapped degrees as metres
        (float("nan"), 22.3, "EPSG:4326", InvalidCoordinateError),
        (114.2, float("inf"), "EPSG:4326", InvalidCoordinateError),
        (500.0, 22.3, "EPSG:4326", CoordinateUnitsError),
    ],
)
def test_bad_coordinates_raise_specific_errors(x: float, y: float, kind: str, err: type[Exception]) -> None:
    with pytest.raises(err) as info:
        crs.point_to_grid(x, y, kind)
    assert isinstance(info.value, LotrateError)
    assert repr(x) in str(info.value) or "nan" in str(info.value) or "inf" in str(info.value)


def test_swapped_order_message_gives_the_fix() -> None:
    with pytest.raises(CoordinateOrderError, match=r"try x=114.2235, y=22.311"):
        crs.point_to_grid(22.3110, 114.2235)


def test_non_numeric_coordinate() -> None:
    with pytest.raises(InvalidCoordinateError, match="not a number"):
        crs.point_to_grid("east", 22.3)  # type: ignore[arg-type]


def test_unknown_crs() -> None:
    with pytest.raises(CRSError, match="EPSG:999999"):
        crs.point_to_grid(114.2, 22.3, "EPSG:999999")


def test_web_mercator_input_is_accepted() -> None:
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True).transform(114.168562005, 22.294313001)
    e, n = crs.point_to_grid(x, y, "EPSG:3857")
    assert abs(e - 835411.431) < 0.01 and abs(n - 817266.016) < 0.01


def test_coordinate_problems_reports_rows_without_raising() -> None:
    x = np.array([114.2, np.nan, 22.3, 114.1])
    y = np.array([22.3, 22.3, 114.2, 22.4])
    problems = crs.coordinate_problems(x, y)
    assert sorted(problems) == [1, 2]
    assert isinstance(problems[2], CoordinateOrderError)


def test_geometry_to_grid_converts_polygon_area_in_metres() -> None:
    to_wgs = Transformer.from_crs("EPSG:2326", "EPSG:4326", always_xy=True)
    ring = [to_wgs.transform(x, y) for x, y in [(835000, 817000), (835100, 817000), (835100, 817050), (835000, 817050)]]
    g = crs.geometry_to_grid(Polygon(ring))
    assert g.area == pytest.approx(5000.0, rel=1e-6)


def test_geometry_accepts_geojson_dict_and_feature() -> None:
    geom = {"type": "Point", "coordinates": [114.2235, 22.3110]}
    assert crs.geometry_to_grid(geom).geom_type == "Point"
    assert crs.geometry_to_grid({"type": "Feature", "geometry": geom, "properties": {}}).geom_type == "Point"


def test_invalid_polygon_is_repaired_with_a_warning() -> None:
    bowtie = Polygon([(835000, 817000), (835100, 817100), (835100, 817000), (835000, 817100)])
    with pytest.warns(GeometryRepairWarning, match="Self-intersection"):
        g = crs.geometry_to_grid(bowtie, "EPSG:2326")
    assert g.is_valid and g.area == pytest.approx(5000.0)


def test_polygon_with_nothing_left_after_repair_is_rejected() -> None:
    flat = Polygon([(835000, 817000), (835100, 817000), (835050, 817000)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises((InvalidGeometryError, EmptyGeometryError)):
            crs.geometry_to_grid(flat, "EPSG:2326")


@pytest.mark.parametrize("geom", [Point(), Polygon(), {"type": "Feature", "geometry": None}])
def test_empty_geometry(geom: object) -> None:
    with pytest.raises(EmptyGeometryError):
        crs.geometry_to_grid(geom)


def test_unsupported_geometry_type() -> None:
    with pytest.raises(GeometryError, match="LineString"):
        crs.geometry_to_grid({"type": "LineString", "coordinates": [[114.2, 22.3], [114.21, 22.31]]})


def test_vertex_problem_names_the_vertex() -> None:
    with pytest.raises(CoordinateUnitsError, match="vertex 0"):
        crs.geometry_to_grid(box(114.2, 22.3, 114.21, 22.31), "EPSG:2326")
