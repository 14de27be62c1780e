"""Hostile and careless inputs (issue 9, sections 2 to 4): nothing lost, one line per user mistake, no silent
wrong answer.

Every user mistake must give exit code 1 (3 when other lots or rows were processed) and one line on stderr
naming the file, the lot or row, the field and the fix; never a traceback. A traceback is for bugs only: exit
code 4 with a request to report it. Outputs never replace their input or an existing file without
--overwrite; a GeoPackage keeps its other layers; a failed write leaves what was there before.
"""

from __future__ import annotations

import errno
import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from click.testing import CliRunner, Result
from pyproj import Transformer
from shapely.geometry import Point, box, mapping

from lotrate.cli import main
from lotrate.index.regions import RegionIndex
from lotrate.index.zones import ZoneIndex
from lotrate.io.layers import read_layer
from lotrate.resolution.frame import resolve_frame

from conftest import ROOT

SAMPLES = ROOT / "data" / "samples" / "sample_lots.geojson"
RATES = ROOT / "data" / "rates" / "pn_12_2023.csv"
TO_WGS = Transformer.from_crs("EPSG:2326", "EPSG:4326", always_xy=True)
KWUN_TONG = (114.2235, 22.3110)
LOCAL_CS = 'LOCAL_CS["site grid",LOCAL_DATUM["site",32767],UNIT["metre",1],AXIS["X",EAST],AXIS["Y",NORTH]]'


# --- helpers ------------------------------------------------------------------------------------------------


def cli(*args: object, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], env=env)


def one_line_error(result: Result, *needles: str, code: int = 1) -> str:
    """Assert the exit code and exactly one ``lotrate: error:`` line on stderr (no traceback); return it."""
    err = result.stderr
    assert result.exit_code == code, (result.exit_code, err, result.exception)
    assert "Traceback" not in err and "this is a bug" not in err, err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("lotrate: error: "), err
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under ``folder``: its bytes and mtime, to prove nothing was touched."""
    return {
        str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def lot_doc(**props: Any) -> dict[str, Any]:
    """The first sample lot as a Feature, with ``props`` changed."""
    feat = json.loads(SAMPLES.read_text(encoding="utf-8"))["features"][0]
    feat["properties"].update(props)
    return feat


def write_json(path: Path, doc: object) -> Path:
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def point_feature(lot_id: str, lon: float = KWUN_TONG[0], lat: float = KWUN_TONG[1]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {"lot_id": lot_id},
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
    }


def lots_gpkg(path: Path, layer: str = "lots", **columns: list[object]) -> Path:
    gdf = gpd.GeoDataFrame(
        {"name": ["a", "b"], **columns},
        geometry=[Point(*KWUN_TONG), Point(114.1545, 22.3370)],
        crs="EPSG:4326",
    )
    gdf.to_file(path, layer=layer, driver="GPKG")
    return path


def layers_of(path: Path) -> list[str]:
    return [str(name) for name, _ in pyogrio.list_layers(path)]


def zone_layer(path: Path, **props: object) -> Path:
    """A one-zone NDA layer around Kwun Tong (so a lot there is in it), with ``props`` set."""
    x0, y0 = TO_WGS.transform(840_500, 818_500)
    x1, y1 = TO_WGS.transform(841_500, 819_500)
    feat = {
        "type": "Feature",
        "properties": {"kind": "NDA", "name": "Test NDA", "status": "official", **props},
        "geometry": mapping(box(x0, y0, x1, y1)),
    }
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feat]}), encoding="utf-8")
    return path


# --- section 2: nothing lost --------------------------------------------------------------------------------


def test_batch_into_an_existing_geopackage_keeps_its_other_layers(tmp_path: Path) -> None:
    src = lots_gpkg(tmp_path / "lots.gpkg")
    dst = lots_gpkg(tmp_path / "project.gpkg", layer="parcels")
    lots_gpkg(dst, layer="roads")
    result = cli("batch", src, "-o", dst)
    assert result.exit_code == 0, result.stderr
    assert layers_of(dst) == ["parcels", "roads", "lots"]  # the default layer: the input's name
    assert len(pyogrio.read_dataframe(dst, layer="parcels")) == 2
    assert list(pyogrio.read_dataframe(dst, layer="lots")["region_code"]) == ["KE", "KW"]


def test_batch_in_place_adds_a_layer_and_keeps_the_input_layer(tmp_path: Path) -> None:
    src = lots_gpkg(tmp_path / "lots.gpkg")
    lots_gpkg(src, layer="other")
    before = pyogrio.read_dataframe(src, layer="lots")
    result = cli("batch", src, "-o", src)
    assert result.exit_code == 0, result.stderr
    assert layers_of(src) == ["lots", "other", "lots_lotrate"]
    pd.testing.assert_frame_equal(pyogrio.read_dataframe(src, layer="lots"), before)
    assert list(pyogrio.read_dataframe(src, layer="lots_lotrate")["region_code"]) == ["KE", "KW"]


@pytest.mark.parametrize("overwrite", [False, True])
def test_batch_in_place_onto_the_input_layer_is_refused(tmp_path: Path, overwrite: bool) -> None:
    src = lots_gpkg(tmp_path / "lots.gpkg")
    lots_gpkg(src, layer="other")
    before = snapshot(tmp_path)
    args = ["batch", src, "-o", tmp_path / "." / "lots.gpkg", "--layer", "lots"] + (
        ["--overwrite"] if overwrite else []
    )
    one_line_error(cli(*args), "is the input", "--layer")
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("spelling", ["same", "dotted", "symlink"])
@pytest.mark.parametrize("overwrite", [False, True])
def test_batch_output_equal_to_the_input_is_refused(tmp_path: Path, spelling: str, overwrite: bool) -> None:
    src = tmp_path / "pts.csv"
    src.write_text("name,lon,lat\nKwun Tong,114.2235,22.3110\n", encoding="utf-8")
    dst = {"same": src, "dotted": tmp_path / "sub" / ".." / "pts.csv", "symlink": tmp_path / "link.csv"}[spelling]
    (tmp_path / "sub").mkdir()
    if spelling == "symlink":
        dst.symlink_to(src)
    before = snapshot(tmp_path)
    one_line_error(cli("batch", src, "-o", dst, *(["--overwrite"] if overwrite else [])), "is the input")
    assert snapshot(tmp_path) == before


def test_batch_never_replaces_an_existing_file_without_overwrite(tmp_path: Path) -> None:
    src = lots_gpkg(tmp_path / "lots.gpkg")
    dst = tmp_path / "out.geojson"
    dst.write_text("precious", encoding="utf-8")
    before = snapshot(tmp_path)
    one_line_error(cli("batch", src, "-o", dst), "already exists", "--overwrite")
    assert snapshot(tmp_path) == before
    result = cli("batch", src, "-o", dst, "--overwrite")
    assert result.exit_code == 0, result.stderr
    assert list(read_layer(dst)["region_code"]) == ["KE", "KW"]


def test_batch_replaces_a_geopackage_layer_only_with_overwrite(tmp_path: Path) -> None:
    src = lots_gpkg(tmp_path / "lots.gpkg")
    dst = lots_gpkg(tmp_path / "out.gpkg", layer="lots")
    lots_gpkg(dst, layer="keep")
    before = snapshot(tmp_path)
    one_line_error(cli("batch", src, "-o", dst), "already has a layer 'lots'", "--overwrite", "--layer")
    assert snapshot(tmp_path) == before
    result = cli("batch", src, "-o", dst, "--overwrite")
    assert result.exit_code == 0, result.stderr
    assert layers_of(dst) == ["lots", "keep"] or sorted(layers_of(dst)) == ["keep", "lots"]
    assert "region_code" in pyogrio.read_dataframe(dst, layer="lots").columns
    assert "region_code" not in pyogrio.read_dataframe(dst, layer="keep").columns


def test_result_columns_never_collide_with_input_columns(tmp_path: Path) -> None:
    src = lots_gpkg(tmp_path / "lots.gpkg", District=["mine", "mine"], ERROR=["e1", "e2"], Warnings=["w", "w"])
    dst = tmp_path / "out.gpkg"
    result = cli("batch", src, "-o", dst)
    assert result.exit_code == 0, result.stderr
    out = pyogrio.read_dataframe(dst)
    assert list(out["District"]) == ["mine", "mine"] and list(out["ERROR"]) == ["e1", "e2"]
    assert list(out["lotrate_district"]) == ["Kwun Tong", "Sham Shui Po"]
    assert out["lotrate_error"].isna().all() and "lotrate_warnings" in out.columns
    lower = [c.lower() for c in out.columns]
    assert len(lower) == len(set(lower))


def test_a_second_and_third_pass_never_overwrite_earlier_results(tmp_path: Path) -> None:
    src = lots_gpkg(tmp_path / "lots.gpkg")
    assert cli("batch", src, "-o", tmp_path / "one.gpkg").exit_code == 0
    first = pyogrio.read_dataframe(tmp_path / "one.gpkg")
    assert cli("batch", tmp_path / "one.gpkg", "-o", tmp_path / "two.gpkg").exit_code == 0
    second = pyogrio.read_dataframe(tmp_path / "two.gpkg")
    assert cli("batch", tmp_path / "two.gpkg", "-o", tmp_path / "three.gpkg").exit_code == 0
    third = pyogrio.read_dataframe(tmp_path / "three.gpkg")
    for col in first.columns.drop("geometry"):
        assert list(second[col].astype(str)) == list(first[col].astype(str)), col
        assert list(third[col].astype(str)) == list(first[col].astype(str)), col
    assert list(second["lotrate_region_code"]) == ["KE", "KW"]
    assert list(third["lotrate_2_region_code"]) == ["KE", "KW"]
    assert list(third["lotrate_region_code"]) == ["KE", "KW"]


def _failing_to_file(partial: bool) -> Any:
    def to_file(self: gpd.GeoDataFrame, filename: Any, *args: Any, **kwargs: Any) -> None:
        if partial:
            Path(filename).write_bytes(b"half a file")
            Path(filename).with_suffix(".dbf").write_bytes(b"half")
        raise OSError(errno.ENOSPC, "No space left on device")

    return to_file


@pytest.mark.parametrize("ext", [".gpkg", ".geojson", ".shp"])
def test_a_failed_write_leaves_what_was_there(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ext: str) -> None:
    src = lots_gpkg(tmp_path / "lots.gpkg")
    dst = tmp_path / f"out{ext}"
    assert cli("batch", src, "-o", dst).exit_code == 0
    lots_gpkg(src, layer="other")
    before = snapshot(tmp_path)
    monkeypatch.setattr(gpd.GeoDataFrame, "to_file", _failing_to_file(partial=True))
    line = one_line_error(cli("batch", src, "-o", dst, "--overwrite"), "cannot write", "nothing was changed")
    assert "No space left" in line
    assert snapshot(tmp_path) == before  # no partial file, no temporary folder left behind


def test_a_failed_shapefile_write_leaves_no_partial_shapefile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = lots_gpkg(tmp_path / "lots.gpkg")
    before = snapshot(tmp_path)
    monkeypatch.setattr(gpd.GeoDataFrame, "to_file", _failing_to_file(partial=True))
    one_line_error(cli("batch", src, "-o", tmp_path / "out.shp"), "cannot write")
    assert snapshot(tmp_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lots.gpkg"]


def test_a_shapefile_output_is_refused_when_any_of_its_files_exists(tmp_path: Path) -> None:
    src = lots_gpkg(tmp_path / "lots.gpkg")
    (tmp_path / "out.dbf").write_bytes(b"someone's table")
    before = snapshot(tmp_path)
    one_line_error(cli("batch", src, "-o", tmp_path / "out.shp"), "out.dbf", "already exists")
    assert snapshot(tmp_path) == before


def test_report_to_an_empty_output_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = cli("report", SAMPLES, "-o", "")
    assert result.exit_code == 2 and "is empty" in result.stderr and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_report_never_replaces_existing_pages_without_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    out.mkdir()
    (out / "index.html").write_text("my own index", encoding="utf-8")
    (out / "KTIL_713.html").write_text("my own page", encoding="utf-8")
    before = snapshot(tmp_path)
    one_line_error(cli("report", SAMPLES, "-o", out), "index.html", "KTIL_713.html", "--overwrite")
    assert snapshot(tmp_path) == before
    result = cli("report", SAMPLES, "-o", out, "--overwrite")
    assert result.exit_code == 0, result.stderr
    assert "KTIL 713" in (out / "KTIL_713.html").read_text(encoding="utf-8")


def test_report_to_an_existing_html_file_needs_overwrite(tmp_path: Path) -> None:
    lot = write_json(tmp_path / "lot.geojson", lot_doc())
    page = tmp_path / "lot.html"
    page.write_text("keep", encoding="utf-8")
    before = snapshot(tmp_path)
    one_line_error(cli("report", lot, "-o", page), "already exists", "--overwrite")
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("overwrite", [False, True])
def test_report_output_pointing_at_the_input_is_refused(tmp_path: Path, overwrite: bool) -> None:
    lot = write_json(tmp_path / "lot.html", lot_doc())  # a lot file with an .html name: -o would replace it
    before = snapshot(tmp_path)
    one_line_error(cli("report", lot, "-o", lot, *(["--overwrite"] if overwrite else [])), "is the input")
    assert snapshot(tmp_path) == before


def test_csv_with_a_geometry_column_beside_xy_is_ambiguous(tmp_path: Path) -> None:
    src = tmp_path / "pts.csv"
    src.write_text("name,x,y,geometry\nA,114.2235,22.311,POINT (113.5 22.2)\n", encoding="utf-8")
    before = snapshot(tmp_path)
    one_line_error(cli("batch", src, "-o", tmp_path / "out.csv", "--crs", "EPSG:4326"), "pts.csv", "ambiguous", "row 1")
    assert snapshot(tmp_path) == before


def test_a_csv_batch_output_reads_back_and_passes_again(tmp_path: Path) -> None:
    src = tmp_path / "pts.csv"
    src.write_text("name,lon,lat\nKwun Tong,114.2235,22.3110\n", encoding="utf-8")
    assert cli("batch", src, "-o", tmp_path / "one.csv").exit_code == 0
    result = cli("batch", tmp_path / "one.csv", "-o", tmp_path / "two.csv")
    assert result.exit_code == 0, result.stderr
    two = pd.read_csv(tmp_path / "two.csv")
    assert list(two["region_code"]) == ["KE"] and list(two["lotrate_region_code"]) == ["KE"]


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ("name,lon,lat\nA,114.2235,22.311\nB,114.2235,22.311,oops\n", "row 2 (line 3) has 4 fields"),
        ("name,lon,lat\nA,114.2235,22.311\nB,114.2235\n", "row 2 (line 3) has 2 fields"),
    ],
)
def test_ragged_csv_rows_are_an_error_naming_the_row(tmp_path: Path, body: str, needle: str) -> None:
    src = tmp_path / "pts.csv"
    src.write_text(body, encoding="utf-8")
    one_line_error(cli("batch", src, "-o", tmp_path / "out.csv"), "pts.csv", needle, "header has 3")
    assert not (tmp_path / "out.csv").exists()


def test_one_bad_wkt_row_fails_alone(tmp_path: Path) -> None:
    src = tmp_path / "lots.csv"
    src.write_text('name,geometry\nA,POINT (114.2235 22.311)\nB,"POINT (oops"\nC,\n', encoding="utf-8")
    result = cli("batch", src, "-o", tmp_path / "out.csv", "--crs", "EPSG:4326")
    assert result.exit_code == 3 and "Traceback" not in result.stderr
    out = pd.read_csv(tmp_path / "out.csv")
    assert out["region_code"].iloc[0] == "KE" and pd.isna(out["error"].iloc[0])
    assert "row 2" in out["error"].iloc[1] and "not valid WKT" in out["error"].iloc[1]
    assert "row 3" in out["error"].iloc[2] and "empty" in out["error"].iloc[2]


def test_a_non_numeric_coordinate_fails_its_row_with_the_value(tmp_path: Path) -> None:
    src = tmp_path / "pts.csv"
    src.write_text("name,lon,lat\nA,114.2235,22.311\nB,114.2235 E,22.311\n", encoding="utf-8")
    result = cli("batch", src, "-o", tmp_path / "out.csv")
    assert result.exit_code == 3
    out = pd.read_csv(tmp_path / "out.csv")
    assert "lon='114.2235 E' is not a number" in out["error"].iloc[1]


# --- section 3: one line per user mistake ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("doc", "needles"),
    [
        ({"type": "FeatureCollection", "crs": "EPSG:2326", "features": [point_feature("a")]}, ["crs=", "properties"]),
        ({"type": "FeatureCollection"}, ["'features' list"]),
        ({"type": "FeatureCollection", "features": "all of them"}, ["'features' list"]),
        ({"type": "FeatureCollection", "features": [7]}, ["feature #1", "not a GeoJSON Feature"]),
        (
            {"type": "Feature", "properties": [1, 2], "geometry": {"type": "Point", "coordinates": list(KWUN_TONG)}},
            ["feature #1", "properties is a JSON list"],
        ),
        ([1, 2], ["Feature or FeatureCollection"]),
    ],
)
@pytest.mark.parametrize("verb", ["resolve", "assess", "report"])
def test_malformed_lot_files(tmp_path: Path, doc: object, needles: list[str], verb: str) -> None:
    lot = write_json(tmp_path / "lots.geojson", doc)
    args = {
        "resolve": ["resolve", "--file", lot],
        "assess": ["assess", lot],
        "report": ["report", lot, "-o", tmp_path / "r"],
    }
    one_line_error(cli(*args[verb]), "lots.geojson", *needles)
    assert not (tmp_path / "r").exists()


def test_json_nested_thousands_deep(tmp_path: Path) -> None:
    lot = tmp_path / "deep.geojson"
    lot.write_text('{"type": "Feature", "properties": {"x": ' + "[" * 5000 + "]" * 5000 + "}}", encoding="utf-8")
    one_line_error(cli("resolve", "--file", lot), "deep.geojson", "more than 64 deep")
    one_line_error(cli("assess", lot), "deep.geojson", "more than 64 deep")


def test_json_nested_deep_in_a_real_process(tmp_path: Path) -> None:
    lot = tmp_path / "deep.json"
    lot.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "lotrate", "resolve", "--file", str(lot)], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1 and "deep" in proc.stderr, proc.stderr


@pytest.mark.parametrize(
    ("props", "field"),
    [
        ({"max_gfa_m2": 1e23, "gfa_after_m2": {"commercial": 1e23}}, "gfa_after_m2.commercial=1e+23"),
        ({"max_gfa_m2": 1e30, "gfa_after_m2": {"commercial": 1e30}}, "=1e+30"),
        ({"max_gfa_ft2": "1e40", "max_gfa_m2": None}, "max_gfa_ft2=1e+40"),
    ],
)
@pytest.mark.parametrize("as_json", [False, True])
def test_huge_areas_are_a_clear_error_not_a_decimal_overflow(
    tmp_path: Path, props: dict[str, Any], field: str, as_json: bool
) -> None:
    lot = write_json(tmp_path / "lot.geojson", lot_doc(**props))
    result = cli("assess", lot, *(["--json"] if as_json else []))
    one_line_error(result, "lot.geojson", "KTIL 713", field, "units")


def test_huge_areas_in_a_batch_fail_their_row_only(tmp_path: Path) -> None:
    rows = gpd.GeoDataFrame(
        {"lot_id": ["big", "fine"], "max_gfa_m2": [1e25, 14400.0]},
        geometry=[Point(*KWUN_TONG), Point(*KWUN_TONG)],
        crs="EPSG:4326",
    )
    rows.to_file(tmp_path / "lots.gpkg")
    result = cli("batch", tmp_path / "lots.gpkg", "-o", tmp_path / "out.gpkg", "--assess")
    assert result.exit_code == 3 and "Traceback" not in result.stderr, result.stderr
    out = pyogrio.read_dataframe(tmp_path / "out.gpkg")
    assert "max_gfa_m2=1e+25" in out["error"].iloc[0]


def test_latin1_csv_is_refused_and_a_bom_csv_is_read(tmp_path: Path) -> None:
    latin = tmp_path / "latin.csv"
    latin.write_bytes("name,lon,lat\nCafé,114.2235,22.3110\n".encode("latin-1"))
    one_line_error(cli("batch", latin, "-o", tmp_path / "a.csv"), "latin.csv", "not UTF-8", "line 2", "CSV UTF-8")
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + "lon,lat,name\n114.2235,22.3110,Café\n".encode())  # lon first: the BOM
    result = cli("batch", bom, "-o", tmp_path / "b.csv")
    assert result.exit_code == 0, result.stderr
    assert list(pd.read_csv(tmp_path / "b.csv")["region_code"]) == ["KE"]


def test_latin1_rates_file_is_refused_and_a_bom_one_is_read(tmp_path: Path) -> None:
    text = RATES.read_text(encoding="utf-8")
    latin = tmp_path / "latin_rates.csv"
    latin.write_bytes(text.replace("# source: ", "# source: Caf\xe9 ").encode("latin-1"))
    one_line_error(cli("assess", SAMPLES, "--rates", latin), "latin_rates.csv", "not UTF-8", "CSV UTF-8")
    bom = tmp_path / "bom_rates.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + text.encode())
    result = cli("assess", SAMPLES, "--rates", bom)
    assert result.exit_code == 0, result.stderr


def test_a_bad_crs_in_batch(tmp_path: Path) -> None:
    src = tmp_path / "pts.csv"
    src.write_text("x,y\n835411,817266\n", encoding="utf-8")
    one_line_error(
        cli("batch", src, "-o", tmp_path / "out.csv", "--crs", "nonsense"), "--crs", "'nonsense'", "EPSG:2326"
    )
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.parametrize("body", ["", "\n\n", "name,lon,lat\n"])
def test_an_empty_csv(tmp_path: Path, body: str) -> None:
    src = tmp_path / "empty.csv"
    src.write_text(body, encoding="utf-8")
    one_line_error(cli("batch", src, "-o", tmp_path / "out.csv"), "empty.csv")
    assert not (tmp_path / "out.csv").exists()


def test_mixed_2d_3d_to_flatgeobuf(tmp_path: Path) -> None:
    src = write_json(
        tmp_path / "mixed.geojson",
        {
            "type": "FeatureCollection",
            "features": [
                point_feature("flat"),
                {**point_feature("tall"), "geometry": {"type": "Point", "coordinates": [*KWUN_TONG, 4.0]}},
            ],
        },
    )
    before = snapshot(tmp_path)
    one_line_error(cli("batch", src, "-o", tmp_path / "out.fgb"), "out.fgb", "FlatGeobuf", "rows [2]", ".gpkg")
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("value", [float("nan"), -5, "fifty", True])
def test_a_bad_accuracy_in_a_zone_layer(tmp_path: Path, value: object) -> None:
    layer = zone_layer(tmp_path / "nda.geojson", accuracy_m=value)
    one_line_error(cli("resolve", *KWUN_TONG, "--zones", layer), "nda.geojson", "feature 1 (Test NDA)", "accuracy_m=")


def test_a_non_numeric_accuracy_in_a_geopackage_zone_layer(tmp_path: Path) -> None:
    gdf = gpd.read_file(zone_layer(tmp_path / "nda.geojson"))
    gdf["accuracy_m"] = ["about 50 m"]
    gdf.to_file(tmp_path / "nda.gpkg")
    one_line_error(cli("resolve", *KWUN_TONG, "--zones", tmp_path / "nda.gpkg"), "nda.gpkg", "accuracy_m='about 50 m'")


def test_a_bad_accuracy_in_a_region_layer(tmp_path: Path) -> None:
    doc = json.loads((ROOT / "data" / "regions" / "appendix_ii.geojson").read_text(encoding="utf-8"))
    doc["features"][2]["properties"]["accuracy_m"] = "n/a"
    layer = write_json(tmp_path / "regions.geojson", doc)
    one_line_error(cli("resolve", *KWUN_TONG, "--regions", layer), "regions.geojson", "accuracy_m='n/a'")


def test_a_local_cs(tmp_path: Path) -> None:
    one_line_error(cli("resolve", "835411", "817266", "--crs", LOCAL_CS), "no link to the Earth", "EPSG:2326")
    gdf = gpd.GeoDataFrame({"a": [1]}, geometry=[Point(835411, 817266)], crs=LOCAL_CS)
    gdf.to_file(tmp_path / "site.gpkg")
    one_line_error(
        cli("batch", tmp_path / "site.gpkg", "-o", tmp_path / "out.csv"), "site.gpkg", "no link to the Earth"
    )
    lot = write_json(
        tmp_path / "lot.geojson",
        {
            "type": "FeatureCollection",
            "crs": {"type": "name", "properties": {"name": LOCAL_CS}},
            "features": [point_feature("a", 835411, 817266)],
        },
    )
    result = cli("resolve", "--file", lot)
    assert result.exit_code == 3 and "no link to the Earth" in result.stdout and "Traceback" not in result.stderr


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
@pytest.mark.parametrize(
    "args",
    [
        ["resolve", "--file", "/dev/zero"],
        ["assess", "/dev/zero"],
        ["report", "/dev/zero", "-o", "OUT"],
        ["batch", "/dev/zero", "-o", "OUT.csv"],
        ["resolve", "114.2235", "22.311", "--zones", "/dev/zero"],
        ["assess", str(SAMPLES), "--rates", "/dev/zero"],
    ],
)
def test_dev_zero_as_input(tmp_path: Path, args: list[str]) -> None:
    args = [str(tmp_path / a) if a.startswith("OUT") else a for a in args]
    one_line_error(cli(*args), "/dev/zero", "not a file")
    assert list(tmp_path.iterdir()) == []


def test_dev_zero_in_a_real_process() -> None:
    if not Path("/dev/zero").exists():
        pytest.skip("needs /dev/zero")
    proc = subprocess.run(
        [sys.executable, "-m", "lotrate", "resolve", "--file", "/dev/zero"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1 and "not a file" in proc.stderr, proc.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["resolve", "--file", "DIR"],
        ["assess", "DIR"],
        ["report", "DIR", "-o", "OUT"],
        ["batch", "DIR", "-o", "OUT.csv"],
        ["resolve", "114.2235", "22.311", "--zones", "DIR"],
    ],
)
def test_a_folder_as_input(tmp_path: Path, args: list[str]) -> None:
    folder = tmp_path / "lots"
    folder.mkdir()
    args = [str(folder) if a == "DIR" else str(tmp_path / a) if a.startswith("OUT") else a for a in args]
    one_line_error(cli(*args), str(folder))
    assert [p.name for p in tmp_path.iterdir()] == ["lots"]


def test_inputs_above_the_size_limit(tmp_path: Path) -> None:
    lot = write_json(tmp_path / "lots.geojson", {"type": "FeatureCollection", "features": [point_feature("a" * 3000)]})
    env = {"LOTRATE_MAX_INPUT_MB": "0.001"}
    one_line_error(cli("resolve", "--file", lot, env=env), "lots.geojson", "limit", "LOTRATE_MAX_INPUT_MB")
    src = tmp_path / "pts.csv"
    src.write_text("name,lon,lat\n" + "Kwun Tong,114.2235,22.3110\n" * 100, encoding="utf-8")
    one_line_error(cli("batch", src, "-o", tmp_path / "out.csv", env=env), "pts.csv", "LOTRATE_MAX_INPUT_MB")
    one_line_error(cli("resolve", "--file", lot, env={"LOTRATE_MAX_INPUT_MB": "lots"}), "LOTRATE_MAX_INPUT_MB='lots'")
    assert cli("resolve", "--file", lot).exit_code == 0  # the default limit is far above this


def test_a_bug_prints_a_traceback_and_exits_4(monkeypatch: pytest.MonkeyPatch) -> None:
    import lotrate.resolution.points

    def broken(**kwargs: Any) -> None:
        raise ZeroDivisionError("an internal slip")

    monkeypatch.setattr(lotrate.resolution.points, "resolve", broken)
    result = cli("resolve", *KWUN_TONG)
    assert result.exit_code == 4
    assert "Traceback" in result.stderr and "ZeroDivisionError" in result.stderr
    assert "this is a bug in lotrate, please report it" in result.stderr


def test_a_full_disk_is_one_line_not_a_bug(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = lots_gpkg(tmp_path / "lots.gpkg")
    monkeypatch.setattr(gpd.GeoDataFrame, "to_file", _failing_to_file(partial=False))
    one_line_error(cli("batch", src, "-o", tmp_path / "o.gpkg"), "No space left")
    assert [p.name for p in tmp_path.iterdir()] == ["lots.gpkg"]


# --- section 4: silent wrong answers ------------------------------------------------------------------------


def test_an_empty_zone_layer_is_an_error(tmp_path: Path) -> None:
    layer = write_json(tmp_path / "none.geojson", {"type": "FeatureCollection", "features": []})
    one_line_error(cli("resolve", *KWUN_TONG, "--zones", layer), "no zones in", "none.geojson")


@pytest.mark.parametrize(
    ("props", "needle"), [({"status": "maybe"}, "status='maybe'"), ({"kind": "nda"}, "kind='nda'")]
)
def test_zone_properties_that_change_an_answer_are_validated(tmp_path: Path, props: dict, needle: str) -> None:
    layer = zone_layer(tmp_path / "nda.geojson", **props)
    one_line_error(cli("resolve", *KWUN_TONG, "--zones", layer), "nda.geojson", needle)


def test_a_valid_zone_layer_answers_and_the_layers_used_are_said(tmp_path: Path) -> None:
    layer = zone_layer(tmp_path / "nda.geojson", accuracy_m=20)
    result = cli("resolve", *KWUN_TONG, "--zones", layer, "--json")
    assert result.exit_code == 0, result.stderr
    assert [z["name"] for z in json.loads(result.stdout)["zones"]] == ["Test NDA"]
    assert result.stderr == (
        f"lotrate: layers used: regions built-in; NDA zones from {layer}; PILOT_SCHEME, INDUSTRIAL_ESTATE zones "
        "built-in\n"
    )
    assert cli("-q", "resolve", *KWUN_TONG, "--zones", layer).stderr == ""


def test_layers_carry_their_source(tmp_path: Path) -> None:
    assert RegionIndex.default().source == "built-in"
    assert ZoneIndex.default().sources == {
        "NDA": "built-in",
        "PILOT_SCHEME": "built-in",
        "INDUSTRIAL_ESTATE": "built-in",
    }
    layer = zone_layer(tmp_path / "nda.geojson")
    assert ZoneIndex.from_files(layer).sources["NDA"] == str(layer)
    assert ZoneIndex.empty().sources["NDA"] == "none"


def test_json_output_is_strict_json(monkeypatch: pytest.MonkeyPatch) -> None:
    import lotrate.resolution.points
    from lotrate.cli.options import json_text

    class Odd:
        def to_dict(self) -> dict[str, Any]:
            return {"boundary_distance_m": math.inf, "share": math.nan, "list": [-math.inf, 1.5]}

    monkeypatch.setattr(lotrate.resolution.points, "resolve", lambda **kwargs: Odd())
    result = cli("resolve", *KWUN_TONG, "--json")
    assert result.exit_code == 0

    def refuse(name: str) -> None:
        raise AssertionError(f"{name} in JSON output")

    data = json.loads(result.stdout, parse_constant=refuse)
    assert data == {"boundary_distance_m": None, "share": None, "list": [None, 1.5]}
    assert json.loads(json_text({"id": "a\x9bb"}))["id"] == "a\x9bb" and "\x9b" not in json_text({"id": "a\x9bb"})


HOSTILE_ID = "KTIL 1\x1b[2J\x1b[31m\rFORGED  KE  HK$1\nnext\u202eevil"


def test_control_characters_in_lot_ids_are_escaped_in_text_output(tmp_path: Path) -> None:
    from lotrate.messages import printable

    lot = write_json(
        tmp_path / "lots.geojson",
        {
            "type": "FeatureCollection",
            "features": [point_feature(HOSTILE_ID), point_feature(HOSTILE_ID + " macau", 113.5439, 22.1987)],
        },
    )
    result = cli("resolve", "--file", lot)
    assert result.exit_code == 3
    for text in (result.stdout, result.stderr):
        assert "\x1b" not in text and "\r" not in text and "\u202e" not in text
    assert printable(HOSTILE_ID) in result.stdout
    assert result.stdout.count("\n") == len(result.stdout.splitlines())
    assert not any(line.startswith(("FORGED", "next")) for line in result.stdout.splitlines())
    full = lot_doc(lot_id=HOSTILE_ID)
    result = cli("assess", write_json(tmp_path / "lot.geojson", full))
    assert result.exit_code == 0, result.stderr
    assert "\x1b" not in result.stdout and "\r" not in result.stdout and printable(HOSTILE_ID) in result.stdout
    assert len(result.stdout.splitlines()) == 3  # head, rule, one row


@pytest.mark.parametrize("column", ["LOT_ID", "LOTNO", "lot_no", "LotNo"])
def test_lot_id_columns_are_used(tmp_path: Path, column: str) -> None:
    gdf = gpd.GeoDataFrame({column: ["DD 1 LOT 5"]}, geometry=[Point(*KWUN_TONG)], crs="EPSG:4326")
    assert list(resolve_frame(gdf)["lot_id"]) == ["DD 1 LOT 5"]
    src = tmp_path / "lots.csv"
    src.write_text(f"{column},lon,lat\nDD 1 LOT 5,114.2235,22.3110\n", encoding="utf-8")
    assert cli("batch", src, "-o", tmp_path / "out.gpkg").exit_code == 0
    out = pyogrio.read_dataframe(tmp_path / "out.gpkg")
    lot_columns = [c for c in out.columns if c.lower() == "lot_id"]
    assert len(lot_columns) == 1 and list(out[lot_columns[0]]) == ["DD 1 LOT 5"]


def test_no_temporary_files_are_left_after_a_successful_batch(tmp_path: Path) -> None:
    src = lots_gpkg(tmp_path / "lots.gpkg")
    for ext in (".gpkg", ".csv", ".shp", ".fgb", ".geojson", ".parquet"):
        assert cli("batch", src, "-o", tmp_path / f"out{ext}").exit_code == 0
    assert not [p for p in tmp_path.iterdir() if "lotrate-tmp" in p.name]
    assert os.stat(tmp_path / "out.csv").st_mode & 0o777 == os.stat(src).st_mode & 0o777
