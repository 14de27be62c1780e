"""regions.py: the Appendix II layer, its validation and the grid index."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from lotrate._data import data_path
from lotrate.errors import LayerError
from lotrate.index.grid import GridIndex
from lotrate.index.regions import REGION_CODES, RegionIndex

from conftest import ROOT, SOURCES

E0, E1, N0, N1 = 799_153.0, 869_857.0, 799_816.0, 847_654.0  # HKSAR extent (REFERENCE section 5)


def test_layer_has_five_regions_that_tile(region_index: RegionIndex) -> None:
    assert [r.code for r in region_index.regions] == list(REGION_CODES)
    geoms = [r.geometry for r in region_index.regions]
    assert all(g.is_valid for g in geoms)
    total = sum(g.area for g in geoms)
    assert shapely.union_all(geoms).area == pytest.approx(total, abs=1.0)  # no overlap
    assert 2_754e6 < total < 2_757e6  # EAC 2,754.169 km2 plus the Lok Ma Chau Loop
    union = shapely.union_all(geoms, grid_size=0.01)  # the layer is on a 1 cm grid
    holes = [r for p in shapely.get_parts(union) for r in p.interiors]
    assert not holes  # no gaps


def test_districts_carry_names_and_lands_offices(region_index: RegionIndex) -> None:
    assert len(region_index.districts) == 18
    by_name = {d.name_en: d for d in region_index.districts}
    assert by_name["Kwun Tong"].name_zh == "觀塘區"
    assert by_name["Kwun Tong"].region_code == "KE"
    assert by_name["Kwai Tsing"].district_lands_office == "District Lands Office Tsuen Wan and Kwai Tsing"
    regions = {r.code: r.geometry for r in region_index.regions}
    for d in region_index.districts:  # every district lies in its own region
        assert regions[d.region_code].buffer(0.1).contains(d.geometry)


def test_metadata_states_source_and_assumption(region_index: RegionIndex) -> None:
    for r in region_index.regions:
        assert "Electoral Affairs Commission" in r.source
        assert "Appendix II" in r.assumption
        assert r.accuracy_m > 0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(E0, E1), st.floats(N0, N1)), min_size=1, max_size=300))
def test_grid_index_agrees_with_exact_point_in_polygon(
    region_index: RegionIndex, pts: list[tuple[float, float]]
) -> None:
    e = np.array([p[0] for p in pts])
    n = np.array([p[1] for p in pts])
    grid = region_index.region_grid
    assert grid.locate(e, n).tolist() == grid.locate_exact(e, n).tolist()
    assert [grid.locate_one(a, b) for a, b in pts] == grid.locate_exact(e, n).tolist()


def test_grid_index_agrees_on_boundary_vertices(region_index: RegionIndex) -> None:
    # the hardest points: vertices of the shared boundaries and points just off them
    grid = region_index.region_grid
    pts = shapely.get_coordinates(region_index.regions[1].geometry.boundary)[::7]
    for dx in (0.0, 0.004, -0.004):
        e, n = pts[:, 0] + dx, pts[:, 1] - dx
        assert grid.locate(e, n).tolist() == grid.locate_exact(e, n).tolist()


def test_points_on_a_shared_edge_get_one_deterministic_answer() -> None:
    idx = GridIndex([box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)], cell=100)
    e = np.array([1000.0, 1000.0])
    n = np.array([500.0, 0.0])
    assert idx.locate(e, n).tolist() == [0, 0]
    assert idx.locate_one(1000.0, 500.0) == 0


def _write_layer(path: Path, features: list[dict]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def test_corrupt_file_is_rejected(tmp_path: Path) -> None:
    bad = tmp_path / "bad.geojson"
    bad.write_text("{not json")
    with pytest.raises(LayerError, match="not valid GeoJSON"):
        RegionIndex.from_file(bad)


def test_foreign_layer_is_rejected(tmp_path: Path) -> None:
    feats = [
        {
            "type": "Feature",
            "properties": {"code": c, "name_en": c},
            "geometry": {"type": "Polygon", "coordinates": [[[i, 0], [i + 1, 0], [i + 1, 1], [i, 0]]]},
        }
        for i, c in enumerate(REGION_CODES)
    ]
    with pytest.raises(LayerError, match="outside Hong Kong"):
        RegionIndex.from_file(_write_layer(tmp_path / "foreign.geojson", feats))


def test_layer_without_the_five_codes_is_rejected(tmp_path: Path) -> None:
    doc = json.loads(data_path("regions", "appendix_ii.geojson").read_text())
    doc["features"] = doc["features"][:4]
    with pytest.raises(LayerError, match="exactly one feature for each"):
        RegionIndex.from_file(_write_layer(tmp_path / "four.geojson", doc["features"]))


def test_overlapping_layer_is_rejected(tmp_path: Path) -> None:
    doc = json.loads(data_path("regions", "appendix_ii.geojson").read_text())
    kw = next(f for f in doc["features"] if f["properties"]["code"] == "KW")
    ke = next(f for f in doc["features"] if f["properties"]["code"] == "KE")
    kw["geometry"] = shapely.geometry.mapping(
        shapely.union(shapely.geometry.shape(kw["geometry"]), shapely.geometry.shape(ke["geometry"]))
    )
    path = tmp_path / "overlap.geojson"
    doc_out = {**doc, "features": doc["features"]}
    path.write_text(json.dumps(doc_out))
    with pytest.raises(LayerError, match="overlap"):
        RegionIndex.from_file(path)


def test_a_user_layer_in_wgs84_loads(tmp_path: Path, region_index: RegionIndex) -> None:
    import geopandas as gpd

    gdf = gpd.read_file(data_path("regions", "appendix_ii.geojson")).to_crs(4326)
    path = tmp_path / "user.gpkg"
    gdf.to_file(path)
    user = RegionIndex.from_file(path)
    e, n = np.array([838_500.0]), np.array([819_800.0])
    assert user.region_codes_at(e, n).tolist() == region_index.region_codes_at(e, n).tolist()


@pytest.mark.slow
def test_rebuild_is_byte_identical(tmp_path: Path) -> None:
    assert (SOURCES / "hk_dcca_2019" / "DCCA_2019.shp").exists(), f"the vendored source data is missing from {SOURCES}"
    out = tmp_path / "regions"
    shutil.copytree(ROOT / "data" / "regions", out)
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_regions.py"), "--sources", str(SOURCES), "--out", str(out)],
        check=True,
        capture_output=True,
    )
    for name in ("appendix_ii.geojson", "districts.geojson"):
        assert (out / name).read_bytes() == (ROOT / "data" / "regions" / name).read_bytes()


@pytest.mark.slow
def test_index_files_rebuild_byte_identical() -> None:
    """data/index/*.bin are what scripts/build_index.py builds from data/regions and data/zones, byte for byte."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_index.py"), "--check"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
