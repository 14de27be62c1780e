"""zones.py: the special-zone layers, their consequences, user layers and the point/polygon answers."""

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
from pyproj import Transformer
from shapely.geometry import box, mapping

import lotrate
from lotrate.errors import LayerError
from lotrate.index.zones import KINDS, ZoneIndex
from lotrate.messages import zone_consequence as consequence

from conftest import ROOT

TO_GRID = Transformer.from_crs("EPSG:4326", "EPSG:2326", always_xy=True)
TO_WGS = Transformer.from_crs("EPSG:2326", "EPSG:4326", always_xy=True)

# REFERENCE.md sections 3 and 4: documented centres and the kind each must be flagged with
CENTRES = {
    "Kwu Tung North NDA": (114.105, 22.497, "NDA"),
    "Fanling North NDA": (114.140, 22.503, "NDA"),
    "Hung Shui Kiu/Ha Tsuen NDA": (113.985, 22.435, "NDA"),
    "Yuen Long South Development": (114.030, 22.433, "NDA"),
    "Tung Chung New Town Extension (East)": (113.955, 22.293, "NDA"),
    "Tung Chung New Town Extension (West)": (113.925, 22.283, "NDA"),
    "San Tin Technopole": (114.075, 22.500, "NDA"),
    "Tai Po INNOPARK": (114.183, 22.457, "INDUSTRIAL_ESTATE"),
    "Yuen Long INNOPARK": (114.021, 22.460, "INDUSTRIAL_ESTATE"),
    "Tseung Kwan O INNOPARK": (114.272, 22.282, "INDUSTRIAL_ESTATE"),
}
# existing railway stations in Tuen Mun, Yuen Long and North districts: within the Pilot Scheme Areas
STATIONS = {"Tuen Mun": (113.9733, 22.3950), "Long Ping": (114.0253, 22.4477), "Sheung Shui": (114.1283, 22.5013)}
ORDINARY = {
    "Kwun Tong": (114.2235, 22.3110),
    "Chai Wan": (114.2375, 22.2660),
    "Cheung Sha Wan": (114.1545, 22.3370),
    "Fo Tan": (114.1925, 22.3960),
    "Kwai Chung": (114.1300, 22.3650),
}
PUBLISHED_HA = {
    "Tai Po INNOPARK": 75,
    "Yuen Long INNOPARK": 67,
    "Tseung Kwan O INNOPARK": 75,
    "Hung Shui Kiu/Ha Tsuen NDA": 714,
    "San Tin Technopole": 627,
}


@pytest.mark.parametrize("name", sorted(CENTRES))
def test_documented_centres_are_flagged(name: str) -> None:
    lon, lat, kind = CENTRES[name]
    r = lotrate.resolve(x=lon, y=lat)
    assert (kind, name) in {(z.kind, z.name) for z in r.zones}
    assert all(z.status == "approximate" for z in r.zones)
    assert any(w.code == "in_zone" for w in r.warnings)


@pytest.mark.parametrize("name", sorted(STATIONS))
def test_existing_stations_are_in_the_pilot_scheme(name: str) -> None:
    lon, lat = STATIONS[name]
    assert "PILOT_SCHEME" in {z.kind for z in lotrate.resolve(x=lon, y=lat).zones}


@pytest.mark.parametrize("name", sorted(ORDINARY))
def test_ordinary_industrial_areas_are_in_no_zone(name: str) -> None:
    lon, lat = ORDINARY[name]
    r = lotrate.resolve(x=lon, y=lat)
    assert r.zones == () and not any(w.code in ("in_zone", "near_zone") for w in r.warnings)


def test_areas_are_close_to_the_published_ones(default_zones: ZoneIndex) -> None:
    areas = {z.name: z.geometry.area / 1e4 for z in default_zones.zones}
    for name, published in PUBLISHED_HA.items():
        assert areas[name] == pytest.approx(published, rel=0.03), name


def test_pilot_scheme_areas_lie_outside_the_ndas(default_zones: ZoneIndex) -> None:
    nda = shapely.union_all([z.geometry for z in default_zones.layers["NDA"]])
    for z in default_zones.layers["PILOT_SCHEME"]:
        assert z.geometry.intersection(nda).area < 1.0


def test_every_feature_carries_its_metadata(default_zones: ZoneIndex) -> None:
    assert {z.kind for z in default_zones.zones} == set(KINDS)
    for z in default_zones.zones:
        assert z.name and z.source and z.status == "approximate" and z.accuracy_m > 0


def test_consequences_name_the_scheme() -> None:
    assert "standard rates for New Development Areas" in consequence("NDA", "Kwu Tung North NDA")
    assert "Pilot Scheme" in consequence("PILOT_SCHEME", "Pilot Scheme Area: Tuen Mun")
    ie = consequence("INDUSTRIAL_ESTATE", "Tai Po INNOPARK")
    assert "IE2.0" in ie and "2629 6863" in ie and "exceptional" in ie and "biomedical" in ie
    with pytest.raises(ValueError, match="unknown zone kind"):
        consequence("PARK", "x")


def test_near_zone_warning_close_to_an_edge_only(default_zones: ZoneIndex) -> None:
    ie = next(z for z in default_zones.zones if z.name == "Tai Po INNOPARK")
    c = ie.geometry.centroid
    edge_x = ie.geometry.bounds[2]  # east edge of the disc
    _, notes = default_zones.point_hits(edge_x + 50, c.y)
    assert [n.code for n in notes] == ["near_zone"] and "Tai Po INNOPARK" in notes[0].message
    hits, notes = default_zones.point_hits(edge_x + ie.accuracy_m + 100, c.y)
    assert hits == () and notes == ()


def test_polygon_half_inside_an_nda_reports_about_half(default_zones: ZoneIndex) -> None:
    hsk = next(z for z in default_zones.zones if z.name == "Hung Shui Kiu/Ha Tsuen NDA")
    x1 = hsk.geometry.bounds[2]
    c = hsk.geometry.centroid
    lot = box(x1 - 40, c.y - 20, x1 + 40, c.y + 20)  # straddles the east edge of the (disc) NDA
    r = lotrate.resolve_geometry(lot, crs="EPSG:2326")
    share = next(z.share for z in r.zones if z.kind == "NDA")
    assert share == pytest.approx(0.5, abs=0.02)
    assert r.to_dict()["zones"][0]["share"] == pytest.approx(share, abs=1e-6)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(810_000, 850_000), st.floats(815_000, 847_000)), min_size=1, max_size=200))
def test_vectorised_points_equal_scalar(default_zones: ZoneIndex, pts: list[tuple[float, float]]) -> None:
    e = np.array([p[0] for p in pts])
    n = np.array([p[1] for p in pts])
    hits, notes = default_zones.points_hits(e, n)
    for (a, b), h, m in zip(pts, hits, notes):
        assert default_zones.point_hits(a, b) == (h, m)


def test_vectorised_points_equal_scalar_near_edges(default_zones: ZoneIndex) -> None:
    rng = np.random.default_rng(3)
    pts = []
    for z in default_zones.zones:
        ring = z.geometry.boundary
        for t in rng.uniform(0, 1, 40):
            p = ring.interpolate(float(t), normalized=True)
            pts.append((p.x + rng.uniform(-1.2, 1.2) * z.accuracy_m, p.y + rng.uniform(-1.2, 1.2) * z.accuracy_m))
    e = np.array([p[0] for p in pts])
    n = np.array([p[1] for p in pts])
    hits, notes = default_zones.points_hits(e, n)
    assert [default_zones.point_hits(a, b) for a, b in pts] == list(zip(hits, notes))


def _user_layer(path: Path, kind: str = "INDUSTRIAL_ESTATE", **props: object) -> Path:
    # an "official" Tai Po INNOPARK: a rectangle in WGS 84 (RFC 7946) away from the built-in disc
    x0, y0 = TO_WGS.transform(837_000, 833_000)
    x1, y1 = TO_WGS.transform(837_400, 833_300)
    feat = {
        "type": "Feature",
        "properties": {"kind": kind, "name": "Tai Po INNOPARK (official)", **props},
        "geometry": mapping(box(x0, y0, x1, y1)),
    }
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feat]}))
    return path


def test_a_user_layer_replaces_the_builtin_one_by_kind(tmp_path: Path, default_zones: ZoneIndex) -> None:
    user = ZoneIndex.from_files(_user_layer(tmp_path / "ie.geojson"))
    assert [z.name for z in user.layers["INDUSTRIAL_ESTATE"]] == ["Tai Po INNOPARK (official)"]
    assert len(user.layers["NDA"]) == len(default_zones.layers["NDA"])  # other kinds kept
    hits, _ = user.point_hits(837_200, 833_150)
    assert [(h.name, h.status) for h in hits] == [("Tai Po INNOPARK (official)", "official")]
    e, n = TO_GRID.transform(114.183, 22.457)  # the built-in centre is no longer an estate
    assert not [h for h in user.point_hits(e, n)[0] if h.kind == "INDUSTRIAL_ESTATE"]


def test_user_layer_through_the_cli(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from lotrate.cli import main

    layer = _user_layer(tmp_path / "ie.geojson")
    lon, lat = TO_WGS.transform(837_200, 833_150)
    out = CliRunner().invoke(main, ["resolve", str(lon), str(lat), "--zones", str(layer), "--json"])
    assert out.exit_code == 0, out.stderr
    assert json.loads(out.stdout)["zones"] == [
        {"kind": "INDUSTRIAL_ESTATE", "name": "Tai Po INNOPARK (official)", "status": "official"}
    ]


@pytest.mark.parametrize(
    ("props", "message"),
    [({"kind": None}, "no 'kind'"), ({"kind": "PARK"}, "kind='PARK'"), ({"name": ""}, "no 'name'")],
)
def test_user_layer_validation(tmp_path: Path, props: dict, message: str) -> None:
    path = _user_layer(tmp_path / "bad.geojson", **props)
    with pytest.raises(LayerError, match=message):
        ZoneIndex.from_files(path)


def test_foreign_crs_layer_is_rejected(tmp_path: Path) -> None:
    feat = {
        "type": "Feature",
        "properties": {"kind": "NDA", "name": "Elsewhere"},
        "geometry": mapping(box(2.0, 48.0, 2.1, 48.1)),
    }  # Paris, in WGS 84
    path = tmp_path / "paris.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feat]}))
    with pytest.raises(LayerError, match="outside Hong Kong"):
        ZoneIndex.from_files(path)


def test_rebuild_is_byte_identical(tmp_path: Path) -> None:
    out = tmp_path / "zones"
    shutil.copytree(ROOT / "data" / "zones", out)
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_zones.py"), "--out", str(out)], check=True, capture_output=True
    )
    for name in ("nda.geojson", "pilot_scheme.geojson", "industrial_estates.geojson"):
        assert (out / name).read_bytes() == (ROOT / "data" / "zones" / name).read_bytes()
