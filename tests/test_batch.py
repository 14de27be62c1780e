"""batch.py and `lotrate batch`: whole layers in, the same layers enriched out."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from click.testing import CliRunner
from pyproj import Transformer
from shapely.geometry import Point, Polygon, box

import lotrate
from lotrate.cli import main
from lotrate.index.regions import RegionIndex
from lotrate.io.layers import read_layer, write_layer
from lotrate.premium.assess import assess_frame
from lotrate.resolution.frame import resolve_frame

TO_GRID = Transformer.from_crs("EPSG:4326", "EPSG:2326", always_xy=True)


def _lots_hk1980() -> gpd.GeoDataFrame:
    """Lots in HK1980 Grid with LandsD Lot layer fields, including bad rows and a straddling lot."""
    idx = RegionIndex.default()
    edge = idx.regions[1].geometry.boundary.intersection(idx.regions[2].geometry.boundary)
    p = edge.interpolate(0.3, normalized=True)
    geoms: list[object] = []
    for lon, lat in [
        (114.2235, 22.3110),
        (114.1545, 22.3370),
        (114.2375, 22.2660),
        (114.1925, 22.3960),
        (113.9740, 22.3905),
        (114.183, 22.457),
        (113.985, 22.435),
    ]:
        e, n = TO_GRID.transform(lon, lat)
        geoms.append(box(e - 20, n - 15, e + 20, n + 15))
    geoms.append(box(p.x - 60, p.y - 60, p.x + 60, p.y + 60))  # straddles KE/KW
    e, n = TO_GRID.transform(114.2235, 22.3110)
    geoms.append(Point(e, n))  # a point lot
    geoms.append(Polygon([(e, n), (e + 50, n + 50), (e + 50, n), (e, n + 50)]))  # bow-tie: repaired
    geoms.append(Polygon())  # empty
    e, n = TO_GRID.transform(114.0579, 22.5431)
    geoms.append(box(e, n, e + 30, n + 30))  # Shenzhen
    names = [f"DD {i} LOT {100 + i}" for i in range(len(geoms))]
    return gpd.GeoDataFrame(
        {
            "LOTID": np.arange(len(geoms)),
            "CISLOTDISPLAYNAME": names,
            "LOTCODEDISPLAY": names,
            "SHAPE_Area": [g.area for g in geoms],
            "note": ["keep me"] * len(geoms),
        },
        geometry=geoms,
        crs="EPSG:2326",
    )


@pytest.fixture(scope="module")
def lots() -> gpd.GeoDataFrame:
    return _lots_hk1980()


@pytest.fixture(scope="module")
def resolved(lots: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return resolve_frame(lots)


def test_one_row_per_input_in_order_with_every_column(lots: gpd.GeoDataFrame, resolved: gpd.GeoDataFrame) -> None:
    assert len(resolved) == len(lots) and list(resolved["LOTID"]) == list(lots["LOTID"])
    for col in lots.columns:
        assert col in resolved.columns
    assert list(resolved["lot_id"]) == list(lots["CISLOTDISPLAYNAME"])  # LandsD field recognised


def test_answers(resolved: gpd.GeoDataFrame) -> None:
    assert list(resolved["region_code"][:5]) == ["KE", "KW", "HKI", "NTS", "NTN"]
    assert resolved["zone_kinds"][4] == "PILOT_SCHEME" and resolved["zone_kinds"][5] == "INDUSTRIAL_ESTATE"
    assert resolved["zone_kinds"][6] == "NDA"
    assert resolved["straddle"][7].startswith("K") and "KE" in resolved["straddle"][7]
    assert resolved["region_code"][8] == "KE" and resolved["district"][8] == "Kwun Tong"


def test_bad_rows_are_kept_with_their_errors(resolved: gpd.GeoDataFrame) -> None:
    assert "geometry_repaired" in resolved["warnings"][9] and resolved["region_code"][9] == "KE"
    assert resolved["region_code"][10] is None and "empty geometry" in resolved["error"][10]
    assert resolved["region_code"][11] is None and "outside the HKSAR boundary" in resolved["error"][11]
    assert resolved["error"][:10].isna().all()


def test_polygon_rows_equal_resolve_geometry(lots: gpd.GeoDataFrame, resolved: gpd.GeoDataFrame) -> None:
    for i in range(9):
        r = lotrate.resolve_geometry(lots.geometry.iloc[i], crs="EPSG:2326")
        row = resolved.iloc[i]
        assert (row["region_code"], row["district"], row["nearest_region"]) == (
            r.region_code,
            r.district,
            r.nearest_region,
        )
        assert math.isclose(row["boundary_distance_m"], r.boundary_distance_m, rel_tol=1e-9, abs_tol=1e-6)
        assert row["warnings"] == " | ".join(str(w) for w in r.warnings)
        assert row["zone_names"] == "; ".join(z.name for z in r.zones)


def test_random_polygons_equal_resolve_geometry() -> None:
    rng = np.random.default_rng(11)
    idx = RegionIndex.default()
    x = rng.uniform(825_000, 845_000, 300)
    y = rng.uniform(812_000, 826_000, 300)
    keep = idx.region_grid.locate(x, y) >= 0
    w = rng.uniform(15, 400, 300)
    geoms = shapely.box(x - w, y - w / 2, x + w, y + w / 2)[keep]
    out = resolve_frame(gpd.GeoDataFrame(geometry=geoms, crs="EPSG:2326"))
    for g, (_, row) in zip(geoms[:120], out.iterrows()):
        try:
            r = lotrate.resolve_geometry(g, crs="EPSG:2326")
        except lotrate.LotrateError as exc:
            assert row["region_code"] is None and row["error"] and "outside" in str(exc)
            continue
        assert row["region_code"] == r.region_code and row["district"] == r.district
        assert row["region_share"] == pytest.approx(max(s.share for s in r.shares), abs=1e-6)
        assert row["warnings"] == " | ".join(str(w) for w in r.warnings)


def test_hk1980_and_wgs84_copies_give_identical_results(lots: gpd.GeoDataFrame, resolved: gpd.GeoDataFrame) -> None:
    wgs = resolve_frame(lots.to_crs(4326))
    for col in ("region_code", "district", "zone_kinds", "straddle"):
        assert list(wgs[col]) == list(resolved[col]), col
    # the same rows fail; each error quotes the numbers of its own copy, in its own CRS (issue 9 section 4)
    assert list(wgs["error"].isna()) == list(resolved["error"].isna())
    for w, g in zip(wgs["error"].dropna(), resolved["error"].dropna()):
        assert w == g or ("EPSG:4326" in w and "EPSG:2326" in g), (w, g)
    ok = resolved["error"].isna()
    assert np.allclose(wgs["region_share"][ok], resolved["region_share"][ok], atol=1e-6)


def test_layer_without_crs_is_rejected(lots: gpd.GeoDataFrame) -> None:
    with pytest.raises(lotrate.CRSError, match="no CRS"):
        resolve_frame(gpd.GeoDataFrame(geometry=list(lots.geometry.values)))


@pytest.mark.parametrize("ext", [".gpkg", ".geojson", ".fgb", ".parquet", ".csv"])
def test_round_trip_through_each_format(tmp_path: Path, lots: gpd.GeoDataFrame, ext: str) -> None:
    src = tmp_path / "lots.gpkg"
    lots[~lots.geometry.is_empty].to_file(src)
    out = tmp_path / f"out{ext}"
    result = CliRunner().invoke(main, ["batch", str(src), "-o", str(out)])
    assert result.exit_code == 3, result.stderr  # the Shenzhen row fails
    assert "rows" in result.stderr and "failed" in result.stderr
    back = read_layer(out, crs="EPSG:2326" if ext == ".csv" else None)
    assert len(back) == len(lots) - 1
    assert list(back["region_code"].iloc[:5]) == ["KE", "KW", "HKI", "NTS", "NTN"]
    assert list(back["note"]) == ["keep me"] * len(back)


def test_csv_points_with_lon_lat_columns(tmp_path: Path) -> None:
    path = tmp_path / "pts.csv"
    path.write_text("name,lon,lat\nKwun Tong,114.2235,22.3110\nMacau,113.5439,22.1987\nblank,,\n")
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(main, ["batch", str(path), "-o", str(out)])
    assert result.exit_code == 3
    back = read_layer(out, crs="EPSG:4326")
    assert list(back["name"]) == ["Kwun Tong", "Macau", "blank"]
    assert back["region_code"][0] == "KE" and isinstance(back["error"][1], str) and isinstance(back["error"][2], str)


def test_assess_frame_on_the_samples(samples_dir: Path) -> None:
    gdf = read_layer(samples_dir / "sample_lots.geojson")
    out = assess_frame(gdf)
    assert list(out["premium_hkd"][:2]) == ["504000000", "514500000"]
    # TPTL 45 (Tai Po INNOPARK) is not applicable; NKIL 5981 is unverified (its option timing is unknown)
    assert list(out["applicable"]).count(False) == 1 and out["applicable"][2] is None and out["error"].isna().all()


def test_write_layer_rejects_unknown_extension(tmp_path: Path, resolved: gpd.GeoDataFrame) -> None:
    with pytest.raises(lotrate.LayerError, match="cannot write"):
        write_layer(resolved, tmp_path / "x.kml")


def test_large_input_shows_progress_and_finishes(capsys: pytest.CaptureFixture[str]) -> None:
    rng = np.random.default_rng(5)
    n = 25_000
    pts = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy(rng.uniform(830_000, 845_000, n), rng.uniform(815_000, 825_000, n)), crs="EPSG:2326"
    )
    out = resolve_frame(pts)
    err = capsys.readouterr().err
    assert "lotrate" in err and "25000/25000" in err.replace(",", "")
    assert len(out) == n and out["region_code"].notna().sum() > 0.95 * n
