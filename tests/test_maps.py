"""maps.py: layers, styles, the one EPSG:2326 -> WGS 84 conversion, basemaps, offline Leaflet, text-only labels."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import folium
import numpy as np
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import Point, box, shape

from lotrate.index.regions import RegionIndex
from lotrate.io.lotfile import read_features
from lotrate.render.leaflet import leaflet_assets, map_fragments
from lotrate.render.maps import (
    DISPLAY_TOLERANCE_M,
    LANDSD_BASEMAP_TILES,
    LANDSD_LABEL_TILES,
    OSM_TILES,
    REGION_COLOURS,
    ZONE_STYLE_LIST,
    ZONE_STYLES,
    legend_html,
    legend_items,
    lot_map,
    region_features,
    site_view,
    territory_map,
    to_wgs84_geojson,
    zone_band,
    zone_band_features,
    zone_features,
)

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples" / "sample_lots.geojson"
TO_GRID = Transformer.from_crs("EPSG:4326", "EPSG:2326", always_xy=True)
HOSTILE = "<img src=x onerror=alert(1)>"

# REFERENCE section 5: the Lands Department's converter, (E, N) -> (lon, lat)
OFFICIAL = [
    ((832591.320, 820351.389), (114.141187917, 22.322172084)),
    ((815035.0, 828386.0), (113.970677223, 22.394601560)),
    ((835411.431, 817266.016), (114.168562005, 22.294313001)),
]


@pytest.fixture(scope="module")
def regions() -> RegionIndex:
    return RegionIndex.default()


@pytest.fixture(scope="module")
def ktil() -> Any:
    return read_features(SAMPLES)[0]


def _layer_data(m: folium.Map, name: str) -> dict[str, Any]:
    layer: Any = m._children[name]
    data: dict[str, Any] = layer.data
    return data


def _walk(element: Any) -> list[Any]:
    out = []
    for child in element._children.values():
        out.append(child)
        out.extend(_walk(child))
    return out


def _fit_bounds(m: folium.Map) -> Any:
    fit: Any = next(c for c in m._children.values() if type(c).__name__ == "FitBounds")
    return fit.bounds


def _base_layers(m: folium.Map) -> dict[str, bool]:
    """Base layers (basemaps) of the map's layer control, and whether each is shown on opening."""
    layers: list[Any] = [c for c in m._children.values() if getattr(c, "overlay", True) is False]
    return {c.layer_name: c.show for c in layers}


def _rendered(m: folium.Map) -> str:
    html: str = m.get_root().render()
    return html


# --- Leaflet from an installed package ---------------------------------------------------------------------


def test_leaflet_is_the_release_folium_targets() -> None:
    assets = leaflet_assets()
    cdn = dict(folium.Map.default_js)["leaflet"]
    assert f"leaflet@{assets.version}/" in cdn  # same Leaflet as folium's own templates are written for
    assert "L.Map" in assets.js or "Map:" in assets.js
    assert ".leaflet-container" in assets.css


def test_leaflet_css_images_are_inlined() -> None:
    css = leaflet_assets().css
    assert "url(images/" not in css
    assert css.count("url(data:image/png;base64,") == 3  # layers, layers-2x, marker-icon


# --- the conversion at the folium boundary ------------------------------------------------------------------


@pytest.mark.parametrize(("grid", "lonlat"), OFFICIAL)
def test_to_wgs84_matches_the_official_converter(grid: tuple[float, float], lonlat: tuple[float, float]) -> None:
    lon, lat = to_wgs84_geojson(Point(*grid))["coordinates"]
    assert lon == pytest.approx(lonlat[0], abs=1e-6) and lat == pytest.approx(lonlat[1], abs=1e-6)


def test_to_wgs84_keeps_polygon_shape_and_rounds_to_6_decimals() -> None:
    lot = box(835300, 817200, 835340, 817240)
    gj = to_wgs84_geojson(lot)
    coords = np.array(gj["coordinates"][0])
    assert np.all(np.round(coords, 6) == coords)
    e, n = TO_GRID.transform(coords[:, 0], coords[:, 1])
    back = shapely.Polygon(np.column_stack([e, n]))
    assert back.area == pytest.approx(1600, abs=8)  # vertices move by at most 0.1 m
    assert back.symmetric_difference(lot).area < 10  # 0.1 m rounding on a 40 m square


# --- region and zone layers ------------------------------------------------------------------------------


def test_region_features_one_per_region_in_layer_order(regions: RegionIndex) -> None:
    feats = region_features(regions)
    assert [f["properties"]["code"] for f in feats] == [r.code for r in regions.regions]
    assert feats is region_features(regions)  # cached per index: built once per process


def test_region_display_simplification_stays_within_tolerance(regions: RegionIndex) -> None:
    for feat, region in zip(region_features(regions), regions.regions):
        coords = shapely.get_coordinates(shape(feat["geometry"]))
        e, n = TO_GRID.transform(coords[:, 0], coords[:, 1])
        shown = shapely.set_coordinates(shape(feat["geometry"]), np.column_stack([e, n]))
        assert shown.is_valid
        assert abs(shown.area - region.geometry.area) / region.geometry.area < 0.01
        # every displayed vertex lies within the tolerance (plus conversion rounding) of the true boundary
        d = shapely.distance(region.geometry.boundary, shapely.points(np.column_stack([e, n])))
        assert d.max() < DISPLAY_TOLERANCE_M + 1


def test_region_display_keeps_shared_edges_shared(regions: RegionIndex) -> None:
    shown = [shape(f["geometry"]) for f in region_features(regions)]
    overlap = sum(g.area for g in shown) - shapely.union_all(shown).area
    assert overlap < 1e-9  # degrees squared: no slivers between neighbouring regions


def test_zone_features_one_per_zone_within_tolerance() -> None:
    from lotrate.index.zones import ZoneIndex

    idx = ZoneIndex.default()
    feats = zone_features(idx)
    assert [(f["properties"]["kind"], f["properties"]["name"]) for f in feats] == [(z.kind, z.name) for z in idx.zones]
    assert {f["properties"]["kind"] for f in feats} == set(ZONE_STYLES)
    for feat, zone in zip(feats, idx.zones):
        coords = shapely.get_coordinates(shape(feat["geometry"]))
        e, n = TO_GRID.transform(coords[:, 0], coords[:, 1])
        d = shapely.distance(zone.geometry.boundary, shapely.points(np.column_stack([e, n])))
        assert d.max() < DISPLAY_TOLERANCE_M + 1, zone.name
        assert zone.status in feat["properties"]["tip_text"]


def test_user_zone_layer_is_drawn_with_its_names_as_data() -> None:
    from lotrate.index.zones import Zone, ZoneIndex

    zone = Zone("NDA", HOSTILE, "official", 0.0, "test", box(836000, 818000, 837000, 819000))
    m = lot_map({"type": "Point", "coordinates": [114.2250, 22.3130]}, zones=ZoneIndex([zone]))
    feats = _layer_data(m, "lotrate_zones")["features"]
    assert [f["properties"]["name"] for f in feats] == [HOSTILE]
    assert HOSTILE not in _rendered(m)


# --- the map ---------------------------------------------------------------------------------------------


def test_map_has_regions_zones_lot_legend_and_inset(ktil: Any) -> None:
    m = lot_map(ktil)
    for name in ("lotrate_regions", "lotrate_zones", "lotrate_lot", "lotrate_legend", "lotrate_inset"):
        assert name in m._children
    assert len(_layer_data(m, "lotrate_regions")["features"]) == 5
    zones = _layer_data(m, "lotrate_zones")["features"]
    assert len(zones) == len(zone_features()) + len(zone_band_features())  # no band near KTIL 713: no label
    lot = _layer_data(m, "lotrate_lot")["features"]
    assert [f["geometry"]["type"] for f in lot] == ["Polygon"]  # at site scale, the outline
    context = _layer_data(lot_map(ktil, view="context"), "lotrate_lot")["features"]
    assert [f["geometry"]["type"] for f in context] == ["Polygon", "Point"]  # and a marker when it is small
    assert all(f["properties"]["tip_title"] == "KTIL 713" for f in lot + context)


def test_each_region_has_its_own_colour_and_zones_are_outlined_by_kind(ktil: Any) -> None:
    html = _rendered(lot_map(ktil))
    for colour in REGION_COLOURS.values():
        assert colour in html
    assert len(set(REGION_COLOURS.values())) == 5
    styles = {(s.colour, s.dash) for s in ZONE_STYLES.values()}
    assert len(styles) == len(ZONE_STYLES)


def test_lot_coordinates_are_converted_once_from_the_grid() -> None:
    lot = box(835300, 817200, 835340, 817240)  # HK1980 Grid, Tsim Sha Tsui
    m = lot_map(lot, crs="EPSG:2326", label="TST")
    ring = np.array(_layer_data(m, "lotrate_lot")["features"][0]["geometry"]["coordinates"][0])
    assert 114.16 < ring[:, 0].min() < 114.18 and 22.28 < ring[:, 1].min() < 22.31
    assert np.array_equal(ring, np.array(to_wgs84_geojson(lot)["coordinates"][0]))


def test_point_lot_gets_a_marker_only() -> None:
    m = lot_map({"type": "Point", "coordinates": [114.2250, 22.3130]}, label="pt")
    feats = _layer_data(m, "lotrate_lot")["features"]
    assert [f["geometry"]["type"] for f in feats] == ["Point"]


def test_view_widens_to_show_a_close_boundary(ktil: Any) -> None:
    from lotrate.resolution.lots import resolve_geometry

    r = resolve_geometry(ktil.geometry)
    near = dataclasses.replace(r, boundary_distance_m=2000.0)
    spans = []
    for res in (None, near):
        m = lot_map(ktil, resolution=res, view="context")
        (s, _w), (n, _e) = _fit_bounds(m)
        spans.append(n - s)
    assert spans[1] > spans[0] * 2


def test_tooltips_are_text_not_html() -> None:
    m = lot_map({"type": "Point", "coordinates": [114.2250, 22.3130]}, label=HOSTILE)
    html = _rendered(m)
    assert HOSTILE not in html  # the id travels as JSON data with < and > escaped
    assert json.dumps(HOSTILE).replace("<", "\\u003c").replace(">", "\\u003e") in html
    assert 'el("strong", p.tip_title' in html and "innerHTML" not in html.split("window.lotrate = {")[0][-20000:]
    assert "GeoJsonTooltip" not in html and ".innerHTML=table" not in html


def test_no_text_reaches_a_script() -> None:
    """Every text is JSON data in a <script type="application/json">; the executable scripts hold none."""
    label = "{{ 6*7 }} </script> 觀塘"
    html = _rendered(lot_map({"type": "Point", "coordinates": [114.2250, 22.3130]}, label=label))
    blocks = re.findall(r'<script type="application/json" id="([\w-]+)">(.*?)</script>', html, re.S)
    assert len(blocks) >= 4  # regions, zones, lot, legend (and the inset's marker)
    assert any(label in json.dumps(json.loads(b), ensure_ascii=False) for _, b in blocks)
    executable = re.sub(r'<script type="application/json".*?</script>', "", html, flags=re.S)
    assert "6*7" not in executable and "觀塘" not in executable and "</script> " not in executable


def test_legend_lists_regions_zone_kinds_and_lot_and_escapes_text(regions: RegionIndex) -> None:
    items = legend_items(None, regions, kinds=["NDA", "INDUSTRIAL_ESTATE"])
    assert [i.shape for i in items] == ["fill"] * 5 + ["band", "band", "polygon"]
    assert [i.label for i in items][5:7] == [
        "New Development Area: approximate, about 300 to 800 m",
        "Industrial Estate (INNOPARK): approximate, about 200 m",
    ]
    hostile = RegionIndex(
        [dataclasses.replace(r, name_en=HOSTILE if r.code == "KE" else r.name_en) for r in regions.regions],
        regions.districts,
    )
    html = legend_html(None, hostile)
    assert HOSTILE not in html and "&lt;img src=x onerror=alert(1)&gt; (KE)" in html


def test_legend_symbol_matches_the_lot_geometry(ktil: Any) -> None:
    assert legend_items(lot="point")[-1].shape == "point"
    assert legend_items(lot="polygon")[-1].shape == "polygon"
    point = lot_map({"type": "Point", "coordinates": [114.2250, 22.3130]})
    assert point._children["lotrate_legend"].items[-1].label == "The lot (point)"
    assert lot_map(ktil)._children["lotrate_legend"].items[-1].label == "The lot (boundary)"


def test_legend_lists_only_what_an_extent_shows(ktil: Any) -> None:
    from lotrate.crs import geometry_to_grid

    lot = geometry_to_grid(ktil.geometry, ktil.crs)
    items = legend_items(within=lot.buffer(500).envelope)
    assert [i.label for i in items] == ["Kowloon East (KE)", "The lot (boundary)"]


def test_basemaps_osm_default_landsd_option_with_attributions(ktil: Any) -> None:
    osm = lot_map(ktil)
    html = _rendered(osm)
    assert OSM_TILES in html and LANDSD_BASEMAP_TILES in html and LANDSD_LABEL_TILES in html
    tiles = [c for c in _walk(osm) if type(c).__name__ == "TileLayer"]
    attributions = {c.tiles: c.options.get("attribution") for c in tiles}
    assert attributions[OSM_TILES].endswith("OpenStreetMap</a> contributors")
    assert "Map information from Lands Department" in attributions[LANDSD_BASEMAP_TILES]
    assert _base_layers(osm) == {"OpenStreetMap": True, "Lands Department basemap": False}
    landsd = lot_map(ktil, basemap="landsd")
    assert _base_layers(landsd) == {"OpenStreetMap": False, "Lands Department basemap": True}
    with pytest.raises(ValueError, match="basemap='google'"):
        lot_map(ktil, basemap="google")  # type: ignore[arg-type]


def test_saved_map_is_self_contained(tmp_path: Path, ktil: Any) -> None:
    path = tmp_path / "map.html"
    lot_map(ktil).save(str(path))
    html = path.read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=\"https?:", html)
    assert not re.search(r"<link[^>]+href=\"https?:", html)
    assert html.count('src="data:text/javascript;base64,') == 1
    online = _rendered(lot_map(ktil, offline=False))
    srcs = re.findall(r"<script[^>]+src=\"([^\"]+)\"", online)
    assert srcs == [dict(folium.Map.default_js)["leaflet"]]  # only Leaflet: no jQuery, Bootstrap, icon fonts


def test_map_fragments_for_embedding(ktil: Any) -> None:
    m = lot_map(ktil, legend=False)
    frags = map_fragments(m)
    assert "<meta" not in frags.head and "<script src" not in frags.head and "<link" not in frags.head
    assert "html, body" not in frags.head
    assert f'id="{frags.name}"' in frags.body and f"var {frags.name} = L.map(" in frags.script
    assert "lotrate_legend" not in m._children
    # rendering fragments leaves the map itself self-contained for save()
    assert "data:text/javascript;base64," in _rendered(m)


# --- site scale, approximate zones ---------------------------------------------------------------------------


def test_site_view_shows_the_lot_outline_at_site_scale(ktil: Any) -> None:
    from lotrate.crs import geometry_to_grid

    lot = geometry_to_grid(ktil.geometry, ktil.crs)
    view = site_view(lot)
    assert view.contains(lot)
    x0, _, x1, _ = shapely.bounds(view)
    lx0, _, lx1, _ = shapely.bounds(lot)
    assert 0.3 < (lx1 - lx0) / (x1 - x0) < 0.6  # the outline fills about half of the map
    (s, _), (n, _) = _fit_bounds(lot_map(ktil))
    assert (n - s) * 111_000 < 200  # about 120 m across: a site plan, not a district map
    (s, _), (n, _) = _fit_bounds(lot_map({"type": "Point", "coordinates": [114.2250, 22.3130]}))
    assert 150 < (n - s) * 111_000 < 300


def test_approximate_zones_are_bands_as_wide_as_their_accuracy() -> None:
    from lotrate.index.zones import ZoneIndex

    idx = ZoneIndex.default()
    bands = zone_band_features(idx)
    assert len(bands) == sum(1 for z in idx.zones if z.status != "official") > 0
    for feat, zone in zip(bands, [z for z in idx.zones if z.status != "official"]):
        band = zone_band(zone.geometry, zone.accuracy_m)
        assert band.contains(zone.geometry.boundary)
        edge = shapely.points(shapely.get_coordinates(band.boundary))
        half = shapely.distance(zone.geometry.boundary, edge).max()  # the band reaches accuracy/2 each side
        assert half == pytest.approx(zone.accuracy_m / 2, rel=0.02)
        style = ZONE_STYLE_LIST[feat["properties"]["s"]]
        assert style["hatch"] and style["dashArray"]  # hatched, dashed: not drawn like a surveyed line
        assert f"approximate, about {zone.accuracy_m:,.0f} m" in feat["properties"]["tip_text"]
    outline = zone_features(idx)
    assert all(ZONE_STYLE_LIST[f["properties"]["s"]]["dashArray"] for f in outline)


def test_official_zones_keep_a_solid_outline_and_no_band() -> None:
    from lotrate.index.zones import Zone, ZoneIndex

    zone = Zone("INDUSTRIAL_ESTATE", "Official IE", "official", 0.0, "test", box(836000, 818000, 837000, 819000))
    idx = ZoneIndex([zone])
    assert zone_band_features(idx) == []
    assert ZONE_STYLE_LIST[zone_features(idx)[0]["properties"]["s"]]["dashArray"] is None
    assert [i.label for i in legend_items(idx)][-2] == "Industrial Estate (INNOPARK): official boundary"


def test_a_band_in_view_is_labelled() -> None:
    from lotrate.index.zones import ZoneIndex

    ie = next(z for z in ZoneIndex.default().zones if z.name == "Tai Po INNOPARK")
    edge = ie.geometry.boundary.interpolate(0.25, normalized=True)
    m = lot_map(edge, crs="EPSG:2326")
    labels = [
        f["properties"]["label"] for f in _layer_data(m, "lotrate_zones")["features"] if "label" in f["properties"]
    ]
    assert labels == ["approximate, about 200 m"]


# --- many lots ---------------------------------------------------------------------------------------------


def _many(n: int) -> Any:
    import geopandas as gpd

    rng = np.random.default_rng(1)
    e = rng.uniform(830000, 842000, n)
    nn = rng.uniform(815000, 825000, n)
    codes = np.array(["HKI", "KE", "KW", "NTS", "NTN"])[rng.integers(0, 5, n)]
    applicable = np.array([True, False, None], dtype=object)[rng.integers(0, 3, n)]
    premium = [None if a is not True else str(int(p)) for a, p in zip(applicable, rng.uniform(1e7, 9e8, n))]
    return gpd.GeoDataFrame(
        {
            "lot_id": [f"L{i}" for i in range(n)],
            "region_code": codes,
            "applicable": applicable,
            "premium_hkd": premium,
            "eligibility": "",
            "error": None,
        },
        geometry=gpd.points_from_xy(e, nn),
        crs="EPSG:2326",
    )


@pytest.mark.parametrize("by", ["region", "verdict", "premium"])
def test_territory_map_one_layer_legend_and_tooltips(by: str) -> None:
    gdf = _many(300)
    m = territory_map(gdf, by=by)
    feats = _layer_data(m, "lotrate_lots")["features"]
    assert len(feats) == 300 and {f["geometry"]["type"] for f in feats} == {"Point"}
    assert [c for c in m._children if c.startswith("lotrate_")] == ["lotrate_regions", "lotrate_lots", "lotrate_legend"]
    assert all(f["properties"]["tip_title"] == f"L{i}" for i, f in enumerate(feats))
    legend = [i.label for i in m._children["lotrate_legend"].items]
    if by == "region":
        assert legend == ["Hong Kong Island (HKI)", "Kowloon East (KE)", "Kowloon West (KW)",
                          "New Territories South (NTS)", "New Territories North (NTN)"]  # fmt: skip
    elif by == "verdict":
        assert legend == ["Scheme applies", "Scheme not applicable", "Unverified"]
    else:
        assert len(legend) == 6 and legend[-1] == "no premium" and legend[0].startswith("HK$")
    assert m._children["lotrate_lots"].options["canvas"] is True


@pytest.mark.slow
def test_territory_map_is_fast_for_50k_lots() -> None:
    import time

    gdf = _many(50_000)
    start = time.perf_counter()
    html = _rendered(territory_map(gdf, by="premium"))
    took = time.perf_counter() - start
    assert took < 20, took
    assert html.count("lotrate.geojson(") == 2  # the regions and all the lots: one layer each
    assert len(html) < 12_000_000


def test_territory_map_needs_an_assessment_for_verdicts() -> None:
    import geopandas as gpd

    gdf = gpd.GeoDataFrame({"lot_id": ["A"]}, geometry=[Point(114.2250, 22.3130)], crs=4326)
    assert _layer_data(territory_map(gdf), "lotrate_lots")["features"][0]["properties"]["tip_text"].startswith(
        "Kowloon East (KE)"
    )
    with pytest.raises(ValueError, match="assess_frame"):
        territory_map(gdf, by="verdict")


def test_territory_map_is_exported_lazily() -> None:
    import lotrate

    assert lotrate.territory_map is territory_map and "territory_map" in lotrate.__all__


def test_whole_hong_kong_without_a_lot(regions: RegionIndex) -> None:
    m = lot_map()
    (s, w), (n, e) = _fit_bounds(m)
    assert s < 22.2 and n > 22.5 and w < 113.9 and e > 114.4
    assert "lotrate_lot" in m._children and _layer_data(m, "lotrate_regions") != {}
