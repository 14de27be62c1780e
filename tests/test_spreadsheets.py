"""Lots as people keep them: CSV and XLSX rows with flat columns, GIS layers with gaps, HK1980 files."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import openpyxl
import pytest
from click.testing import CliRunner
from shapely.geometry import Point

from lotrate.cli import main
from lotrate.errors import LotFileError
from lotrate.io.lotfile import lot_properties, read_lots, read_rows, write_xlsx
from lotrate.premium.assess import assess, assess_each, assess_frame

HEAD = ("lot_id,lon,lat,pbto_accepted,max_gfa_m2,gfa_after_commercial_m2,gfa_after_hotel_m2,gfa_before_industrial_m2,"
        "private_residential_prohibited,lot_user,building_completed,wholesale_converted,special_use_after,"
        "option_submitted")  # fmt: skip
ROW_KT = "KTIL 713,114.2235,22.3110,2024-02-15,10000,8000,2000,5000,yes,industrial,1975-01-01,no,,2024-02-01"
ROW_CSW = "NKIL 5981,114.1545,22.3370,2024-01-10,\"14,400\",14400,,12000,TRUE,godown,1980-06-01,FALSE,,2024-01-02"
KE_PREMIUM = 10000 * 65_000 - 5000 * 40_000  # PN 12/2023 para 6 table, Kowloon East
KW_PREMIUM = 14400 * 60_000 - 12000 * 35_000


def write_csv(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "lots.csv"
    path.write_text("\n".join([HEAD, *rows]) + "\n")
    return path


def test_flat_csv_rows_are_assessed_like_a_lot_file(tmp_path: Path) -> None:
    path = write_csv(tmp_path, ROW_KT, ROW_CSW)
    got = assess_each(path)
    assert [a.lot_id for a in got] == ["KTIL 713", "NKIL 5981"]
    assert [a.premium_hkd for a in got] == [Decimal(KE_PREMIUM), Decimal(KW_PREMIUM)]
    assert [a.verdict for a in got] == ["applicable", "applicable"]
    out = CliRunner().invoke(main, ["assess", str(path), "--json"])
    assert out.exit_code == 0, out.output
    assert [d["premium_hkd"] for d in json.loads(out.stdout)] == [str(KE_PREMIUM), str(KW_PREMIUM)]


def test_one_bad_row_fails_alone_named_and_the_others_are_assessed(tmp_path: Path) -> None:
    bad = ROW_CSW.replace("2024-01-10", "2024-02-30")
    path = write_csv(tmp_path, ROW_KT, bad)
    out = CliRunner().invoke(main, ["assess", str(path)])
    assert out.exit_code == 3
    assert "HK$450,000,000" in out.stdout and "NKIL 5981" in out.stdout
    assert "NKIL 5981" in out.stderr and "pbto_accepted='2024-02-30'" in out.stderr
    data = json.loads(CliRunner().invoke(main, ["assess", str(path), "--json"]).stdout)
    assert data[1] == {"lot_id": "NKIL 5981", "error": data[1]["error"]} and "pbto_accepted" in data[1]["error"]


def test_a_single_bad_lot_is_still_exit_1(tmp_path: Path) -> None:
    path = write_csv(tmp_path, ROW_KT.replace("2024-02-15", "15/02/2024"))
    out = CliRunner().invoke(main, ["assess", str(path)])
    assert out.exit_code == 1 and "YYYY-MM-DD" in out.stderr


def test_xlsx_rows_with_hk1980_columns(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["lot_id", "easting", "northing", "pbto_accepted", "max_gfa_ft2", "gfa_after_commercial_ft2",
               "gfa_before_industrial_ft2", "private_residential_prohibited", "lot_user", "building_completed",
               "wholesale_converted", "special_use_after", "option_submitted", "owner"])  # fmt: skip
    ws.append(["KTIL 713", 841_072.1, 819_114.6, dt.datetime(2024, 2, 15), 100000, 100000, 50000, True,
               "Industrial", dt.date(1975, 1, 1), False, None, dt.date(2024, 2, 1), "Acme Ltd"])  # fmt: skip
    path = tmp_path / "lots.xlsx"
    wb.save(path)
    a = assess(path)
    assert a.region_code == "KE" and a.verdict == "applicable"
    assert a.premium_hkd == (Decimal("9290.304") * 65_000 - Decimal("4645.152") * 40_000).quantize(Decimal(1))
    assert any(w.code == "unknown_properties" and "owner" in w.message for w in a.warnings)


def test_xy_columns_need_a_crs(tmp_path: Path) -> None:
    path = tmp_path / "xy.csv"
    path.write_text("lot_id,x,y\nA,840220,816560\n")
    with pytest.raises(LotFileError, match="pass --crs"):
        read_rows(path)
    assert read_rows(path, crs="EPSG:2326")[0].crs == "EPSG:2326"
    assert read_lots(path, crs="EPSG:2326")[0].geometry == {"type": "Point", "coordinates": [840220.0, 816560.0]}


def test_assess_crs_option_for_an_hk1980_lot_file(tmp_path: Path) -> None:
    doc = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [841072.1, 819114.6]},
           "properties": {"lot_id": "KTIL 713", "pbto_accepted": "2024-02-15", "max_gfa_m2": 10000,
                          "gfa_after_m2": {"commercial": 10000}, "private_residential_prohibited": True,
                          "gfa_before_m2": {"industrial": 5000}}}  # fmt: skip
    path = tmp_path / "hk80.geojson"
    path.write_text(json.dumps(doc))
    out = CliRunner().invoke(main, ["assess", str(path), "--crs", "EPSG:2326", "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["region_code"] == "KE"


def test_lot_properties_reads_each_row_on_its_own() -> None:
    assert lot_properties({"wholesale_converted": np.float64(1.0), "transitional": float("nan"),
                           "pbto_accepted": "2024-02-15T00:00:00", "bbto_issued": dt.date(2023, 1, 2),
                           "gfa_before_industrial_m2": 5, "gfa_before_special_industrial_m2": None,
                           "lon": 114.2}) == {
        "wholesale_converted": True, "transitional": None, "pbto_accepted": "2024-02-15",
        "bbto_issued": "2023-01-02", "gfa_before_m2": {"industrial": 5},
    }  # fmt: skip


def frame(**columns: list[Any]) -> gpd.GeoDataFrame:
    n = len(next(iter(columns.values())))
    base = {
        "lot_id": [f"L{i}" for i in range(n)], "pbto_accepted": ["2024-02-15"] * n, "max_gfa_m2": [10000.0] * n,
        "gfa_after_commercial_m2": [6000.0] * n, "gfa_after_modern_industrial_m2": [4000.0] * n,
        "gfa_before_industrial_m2": [5000.0] * n, "private_residential_prohibited": [1.0] * n,
        "lot_user": ["industrial"] * n, "building_completed": ["1975-01-01"] * n, "special_use_after": [None] * n,
        "option_submitted": ["2024-02-01"] * n,
    }  # fmt: skip
    base.update(columns)
    return gpd.GeoDataFrame(base, geometry=[Point(114.2235, 22.3110)] * n, crs="EPSG:4326")


def test_assess_frame_carries_the_formula_as_columns() -> None:
    out = assess_frame(frame(wholesale_converted=[0.0]))
    row = out.iloc[0]
    assert row["verdict"] == "applicable" and row["applicable"] is True and row["error"] is None
    assert row["premium_hkd"] == str(KE_PREMIUM) and row["premium_hkd_float"] == float(KE_PREMIUM)
    assert (row["A_m2"], row["B_commercial_m2"], row["B_modern_industrial_m2"]) == (10000.0, 6000.0, 4000.0)
    assert row["B_commercial_hkd_per_m2"] == 65000.0 and row["A_x_B_hkd"] == 10000 * 65000.0
    assert (row["C_m2"], row["C_industrial_m2"], row["D_industrial_hkd_per_m2"]) == (5000.0, 5000.0, 40000.0)
    assert row["E_hkd"] == 0.0 and row["premium_min_hkd"] == row["premium_max_hkd"] == float(KE_PREMIUM)
    assert np.isnan(row["B_residential_m2"])
    assert out["premium_hkd_float"].dtype == np.float64


def test_missing_booleans_and_dates_stay_missing_on_their_rows_only() -> None:
    # as a GeoJSON layer arrives: a boolean column with a gap is 1.0/0.0/NaN, a date column has a gap
    gdf = frame(wholesale_converted=[0.0, np.nan, 1.0, 0.0], option_submitted=["2024-02-01", "2024-02-01", None,
                                                                             "2024-02-31"])  # fmt: skip
    out = assess_frame(gdf)
    assert list(out["verdict"][:3]) == ["applicable", "unverified", "not_applicable"]
    assert list(out["applicable"][:3]) == [True, None, False]
    assert out["premium_hkd"][1] == str(KE_PREMIUM) and out["premium_hkd"][2] is None
    assert out["error"][:3].isna().all() and "option_submitted='2024-02-31'" in out["error"][3]
    assert "L3" in out["error"][3]


def test_not_applicable_rows_say_where_they_go() -> None:
    out = assess_frame(frame(wholesale_converted=[1.0]))
    assert "case-by-case assessment" in out["instead"][0]


def test_xlsx_out_round_trip(tmp_path: Path) -> None:
    out = assess_frame(frame(wholesale_converted=[0.0, np.nan]))
    path = write_xlsx(out, tmp_path / "assessed.xlsx")
    ws = openpyxl.load_workbook(path).active
    head = [c.value for c in ws[1]]
    assert {"verdict", "premium_hkd", "premium_hkd_float", "A_m2", "geometry"} <= set(head)
    values = dict(zip(head, [c.value for c in ws[2]]))
    assert values["premium_hkd"] == str(KE_PREMIUM) and values["premium_hkd_float"] == KE_PREMIUM
    assert values["geometry"].startswith("POINT")
    back = read_rows(path, crs="EPSG:4326")
    assert [f.lot_id for f in back] == ["L0", "L1"]
