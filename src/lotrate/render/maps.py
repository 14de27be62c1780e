"""A folium map of a lot among the Appendix II regions and the special zones, drawable with no network.

Everything is computed in HK1980 Grid (EPSG:2326): display geometry is simplified there (metres), and
converted to WGS 84 exactly once, in :func:`to_wgs84_geojson`, the folium boundary. Leaflet itself (script,
stylesheet and images) comes from the installed ``xstatic-leaflet`` package, the same Leaflet release folium
uses, so a saved map or a report opens and draws its vector layers offline; only the basemap tiles need the
network. Every text shown on the map (tooltips, legend) is set as text, never parsed as HTML, so a hostile
lot id or zone name stays inert.

Examples
--------
>>> m = lot_map({"type": "Point", "coordinates": [114.2250, 22.3130]}, label="KTIL 713")
>>> sorted(k for k in m._children if k.startswith("lotrate_"))
['lotrate_legend', 'lotrate_lot', 'lotrate_regions', 'lotrate_zones']
"""

from __future__ import annotations

import html
import math
import weakref
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import shapely

from lotrate.crs import HK_CRS, WGS84, geometry_to_grid
from lotrate.render.leaflet import data_uri, leaflet_assets
from lotrate.resolution.layers import pick

if TYPE_CHECKING:
    import folium

    from lotrate.index.regions import RegionIndex
    from lotrate.index.zones import ZoneIndex
    from lotrate.results import Resolution

#: Display simplification of region and zone outlines, in metres (EPSG:2326). Far below what a map at lot
#: scale can show next to a layer accurate to 50 m, and it keeps a report near 0.5 MB.
DISPLAY_TOLERANCE_M = 20.0

#: One colour per Appendix II region (Okabe-Ito palette: distinguishable with colour-blindness).
REGION_COLOURS: dict[str, str] = {
    "HKI": "#0072B2",
    "KE": "#E69F00",
    "KW": "#CC79A7",
    "NTS": "#009E73",
    "NTN": "#8C7A00",
}
_OTHER_REGION_COLOUR = "#777777"


@dataclass(frozen=True)
class ZoneStyle:
    """How a kind of zone is outlined on the map."""

    label: str
    colour: str
    dash: str | None
    weight: float


#: Zones are outlined (barely filled), one stroke per kind, so the region colour underneath stays readable.
ZONE_STYLES: dict[str, ZoneStyle] = {
    "NDA": ZoneStyle("New Development Area", "#D55E00", "8 5", 2.5),
    "PILOT_SCHEME": ZoneStyle("Pilot Scheme Area", "#6A3D9A", "2 4", 2.5),
    "INDUSTRIAL_ESTATE": ZoneStyle("Industrial Estate (INNOPARK)", "#222222", None, 2.5),
}
_OTHER_ZONE = ZoneStyle("Other zone", "#555555", "4 4", 2.0)
LOT_COLOUR = "#D7191C"

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
LANDSD_BASEMAP_TILES = "https://mapapi.geodata.gov.hk/gs/api/v1.0.0/xyz/basemap/WGS84/{z}/{x}/{y}.png"
LANDSD_LABEL_TILES = "https://mapapi.geodata.gov.hk/gs/api/v1.0.0/xyz/label/hk/en/WGS84/{z}/{x}/{y}.png"
LANDSD_ATTRIBUTION = (
    '&copy; <a href="https://api.portal.hkmapservice.gov.hk/disclaimer">Map information from Lands Department</a>'
)
Basemap = Literal["osm", "landsd"]
BASEMAPS: tuple[str, ...] = ("osm", "landsd")
_BASEMAP_NAMES = {"osm": "OpenStreetMap", "landsd": "Lands Department basemap"}

# --- Leaflet from an installed package -------------------------------------------------------------------








# --- the folium boundary: EPSG:2326 in, WGS 84 GeoJSON out -----------------------------------------------


@lru_cache(maxsize=1)
def _grid_to_wgs84() -> Any:
    from pyproj import Transformer

    return Transformer.from_crs(HK_CRS, WGS84, always_xy=True)


def to_wgs84_geojson(geom: shapely.Geometry, decimals: int = 6) -> dict[str, Any]:
    """The one conversion of display geometry: HK1980 Grid (EPSG:2326) to a WGS 84 GeoJSON geometry.

    ``decimals=6`` keeps 0.1 m, well inside the 1 m accuracy of the HK1980 to WGS 84 transformation.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> to_wgs84_geojson(Point(832591.320, 820351.389))  # REFERENCE section 5 fixture
    {'type': 'Point', 'coordinates': (114.141188, 22.322172)}
    """
    tr = _grid_to_wgs84()

    def convert(c: np.ndarray) -> np.ndarray:
        lon, lat = tr.transform(c[:, 0], c[:, 1])
        return np.round(np.column_stack([lon, lat]), decimals)

    mapped: dict[str, Any] = shapely.geometry.mapping(shapely.transform(geom, convert))
    return mapped


def _display(geoms: list[shapely.Geometry], tolerance_m: float, coverage: bool) -> list[shapely.Geometry]:
    """Simplify polygons for display in EPSG:2326; a coverage (regions) keeps its shared edges shared."""
    if tolerance_m <= 0:
        return geoms
    if coverage and hasattr(shapely, "coverage_simplify"):
        try:
            return list(shapely.coverage_simplify(np.array(geoms, dtype=object), tolerance_m))
        except shapely.errors.GEOSException:  # not a clean coverage: fall back to one polygon at a time
            pass
    return [shapely.simplify(g, tolerance_m, preserve_topology=True) for g in geoms]


_REGION_CACHE: weakref.WeakKeyDictionary[Any, dict[float, list[dict[str, Any]]]] = weakref.WeakKeyDictionary()
_ZONE_CACHE: weakref.WeakKeyDictionary[Any, dict[float, list[dict[str, Any]]]] = weakref.WeakKeyDictionary()


def region_features(
    regions: RegionIndex | None = None, tolerance_m: float = DISPLAY_TOLERANCE_M
) -> list[dict[str, Any]]:
    """GeoJSON Features (WGS 84) of the five regions, simplified for display; cached per index.

    Examples
    --------
    >>> feats = region_features()
    >>> [f["properties"]["code"] for f in feats]
    ['HKI', 'KE', 'KW', 'NTS', 'NTN']
    """

    idx = pick(None, regions, None).regions
    cache = _REGION_CACHE.setdefault(idx, {})
    if tolerance_m not in cache:
        shapes = _display([r.geometry for r in idx.regions], tolerance_m, coverage=True)
        cache[tolerance_m] = [
            {
                "type": "Feature",
                "properties": {
                    "code": r.code,
                    "tip_title": f"{r.name_en} ({r.code})" + (f" {r.name_zh}" if r.name_zh else ""),
                    "tip_text": "Appendix II region, as read from the printed map",
                },
                "geometry": to_wgs84_geojson(g),
            }
            for r, g in zip(idx.regions, shapes)
        ]
    return cache[tolerance_m]


def _zone_records(zones: ZoneIndex) -> list[tuple[str, str, str, float, shapely.Geometry]]:
    """(kind, name, status, accuracy_m, EPSG:2326 geometry) of every zone in the index."""
    return [(z.kind, z.name, z.status, z.accuracy_m, z.geometry) for z in zones.zones]


def zone_features(zones: ZoneIndex | None = None, tolerance_m: float = DISPLAY_TOLERANCE_M) -> list[dict[str, Any]]:
    """GeoJSON Features (WGS 84) of the special zones, simplified for display; cached per index.

    Examples
    --------
    >>> kinds = {f["properties"]["kind"] for f in zone_features()}
    >>> sorted(kinds)
    ['INDUSTRIAL_ESTATE', 'NDA', 'PILOT_SCHEME']
    """
    idx = pick(None, None, zones).zones
    cache = _ZONE_CACHE.setdefault(idx, {})
    if tolerance_m not in cache:
        records = _zone_records(idx)
        shapes = _display([r[4] for r in records], tolerance_m, coverage=False)
        feats = []
        for (kind, name, status, accuracy, _g), g in zip(records, shapes):
            style = ZONE_STYLES.get(kind, _OTHER_ZONE)
            note = f"{style.label}, {status}" + (f" (about {accuracy:,.0f} m)" if accuracy else "")
            feats.append(
                {
                    "type": "Feature",
                    "properties": {"kind": kind, "name": name, "tip_title": name, "tip_text": note},
                    "geometry": to_wgs84_geojson(g),
                }
            )
        cache[tolerance_m] = feats
    return cache[tolerance_m]


def zone_kinds(features: list[dict[str, Any]]) -> list[str]:
    """The zone kinds present in ``features``, built-in kinds first, for the legend.

    Examples
    --------
    >>> zone_kinds([{"properties": {"kind": "X"}}, {"properties": {"kind": "NDA"}}])
    ['NDA', 'X']
    """
    return sorted({f["properties"]["kind"] for f in features}, key=lambda k: (k not in ZONE_STYLES, k))


# --- folium elements that keep text as text ----------------------------------------------------------------


def _text_tooltip(sticky: bool = True) -> Any:
    """A tooltip for a GeoJson layer built with ``textContent`` from ``tip_title``/``tip_text`` properties.

    folium's own tooltips put property values into ``innerHTML``; a lot id such as
    ``<img src=x onerror=alert(1)>`` would run there. Here it is only ever text.
    """
    from branca.element import MacroElement
    from jinja2 import Template

    class TextTooltip(MacroElement):
        _template = Template(
            """
            {% macro script(this, kwargs) %}
            {{ this._parent.get_name() }}.bindTooltip(function (layer) {
                var p = (layer.feature && layer.feature.properties) || {};
                var div = document.createElement("div");
                var b = document.createElement("strong");
                b.textContent = p.tip_title || "";
                div.appendChild(b);
                if (p.tip_text) {
                    div.appendChild(document.createElement("br"));
                    div.appendChild(document.createTextNode(p.tip_text));
                }
                return div;
            }, {{ this.options|tojson }});
            {% endmacro %}
            """
        )

        def __init__(self) -> None:
            super().__init__()
            self._name = "TextTooltip"
            self.options = {"sticky": sticky, "className": "lotrate-tooltip"}

    return TextTooltip()


@dataclass(frozen=True)
class LegendItem:
    """One legend entry: a filled swatch (``fill``) or a line sample (``line``), with its colour and text."""

    group: str
    shape: str
    colour: str
    label: str
    dash: str | None = None
    weight: float = 2.0


def legend_items(kinds: list[str] | None = None, regions: RegionIndex | None = None) -> list[LegendItem]:
    """The legend's entries: one per region, one per zone kind shown, and the lot.

    Examples
    --------
    >>> [i.label for i in legend_items([])][-2:]
    ['New Territories North (NTN)', 'The lot']
    """
    items = [
        LegendItem(
            "Appendix II regions", "fill", REGION_COLOURS.get(r.code, _OTHER_REGION_COLOUR), f"{r.name_en} ({r.code})"
        )
        for r in pick(None, regions, None).regions.regions
    ]
    for kind in list(ZONE_STYLES) if kinds is None else kinds:
        style = ZONE_STYLES.get(kind, ZoneStyle(kind, _OTHER_ZONE.colour, _OTHER_ZONE.dash, 2.0))
        items.append(LegendItem("Special zones (outline)", "line", style.colour, style.label, style.dash, style.weight))
    items.append(LegendItem("", "lot", LOT_COLOUR, "The lot"))
    return items


def legend_html(kinds: list[str] | None = None, regions: RegionIndex | None = None) -> str:
    """The legend as HTML (every text escaped): region swatches, zone outlines, the lot.

    Examples
    --------
    >>> "Kowloon East" in legend_html(["NDA"])
    True
    """
    rows, group = [], None
    for item in legend_items(kinds, regions):
        if item.group and item.group != group:
            rows.append(f'<div class="lotrate-legend-title">{html.escape(item.group)}</div>')
        group = item.group
        rows.append(f"<div>{legend_symbol(item)}{html.escape(item.label)}</div>")
    return "".join(rows)


def legend_symbol(item: LegendItem) -> str:
    """The small swatch or line sample of a legend entry, as inline HTML/SVG (colours are ours, not user text)."""
    colour = html.escape(item.colour)
    if item.shape == "line":
        dash = f"stroke-dasharray:{html.escape(item.dash)};" if item.dash else ""
        return (
            '<svg class="lotrate-line" width="26" height="10" aria-hidden="true">'
            f'<line x1="1" y1="5" x2="25" y2="5" style="stroke:{colour};stroke-width:{item.weight};{dash}"/></svg>'
        )
    if item.shape == "lot":
        return (
            f'<span class="lotrate-swatch" style="background:{colour};opacity:.55;outline:2px solid {colour}"></span>'
        )
    return f'<span class="lotrate-swatch" style="background:{colour}"></span>'


_LEGEND_CSS = """
.lotrate-legend { background: rgba(255,255,255,.92); padding: 6px 9px; border-radius: 4px; font: 12px/1.45
  system-ui, sans-serif; color: #222; box-shadow: 0 1px 4px rgba(0,0,0,.3); }
.lotrate-legend-title { font-weight: 600; margin-top: 3px; }
.lotrate-swatch { display: inline-block; width: 12px; height: 12px; margin-right: 6px; vertical-align: -1px;
  opacity: .75; }
.lotrate-line { margin-right: 4px; vertical-align: middle; }
.lotrate-tooltip { font: 12px/1.4 system-ui, sans-serif; }
.leaflet-container { background: #eef1f4; }
"""


def _legend(body: str, position: str = "bottomright") -> Any:
    from branca.element import MacroElement
    from jinja2 import Template

    class Legend(MacroElement):
        _template = Template(
            """
            {% macro header(this, kwargs) %}<style>{{ this.css }}</style>{% endmacro %}
            {% macro script(this, kwargs) %}
            (function () {
                var legend = L.control({position: {{ this.position|tojson }}});
                legend.onAdd = function () {
                    var div = L.DomUtil.create("div", "lotrate-legend");
                    div.innerHTML = {{ this.body|tojson }};
                    return div;
                };
                legend.addTo({{ this._parent.get_name() }});
            })();
            {% endmacro %}
            """
        )

        def __init__(self) -> None:
            super().__init__()
            self._name = "Legend"
            self.body = body
            self.position = position
            self.css = _LEGEND_CSS

    return Legend()


# --- the map -------------------------------------------------------------------------------------------------


def _lot_geometry(lot: Any, crs: Any) -> tuple[shapely.Geometry, str | None]:
    """The lot in EPSG:2326 and its id when the input carries one (a LotFeature or a GeoJSON Feature)."""
    label = None
    if hasattr(lot, "geometry") and hasattr(lot, "lot_id") and hasattr(lot, "crs"):  # lookup.LotFeature
        return geometry_to_grid(lot.geometry, lot.crs), str(lot.lot_id)
    if isinstance(lot, dict) and lot.get("type") == "Feature":
        lid = (lot.get("properties") or {}).get("lot_id")
        label = None if lid is None else str(lid)
    return geometry_to_grid(lot, crs), label


def _fit_padding(resolution: Resolution | None) -> float:
    """Metres of context around the lot: enough to show the nearest other region when it is close."""
    if resolution is None or not math.isfinite(resolution.boundary_distance_m):
        return 700.0
    return min(max(resolution.boundary_distance_m * 1.25 + 150.0, 400.0), 1500.0)


def _lot_tip(label: str | None, resolution: Resolution | None) -> tuple[str, str]:
    title = label or "Lot"
    if resolution is None:
        return title, ""
    parts = [f"{resolution.region_name} ({resolution.region_code})"]
    if resolution.district:
        parts.append(f"{resolution.district} District")
    if resolution.area_m2 is not None:
        parts.append(f"{resolution.area_m2:,.0f} m²")
    return title, ", ".join(parts)


def lot_map(
    lot: Any = None,
    *,
    crs: Any = WGS84,
    label: str | None = None,
    resolution: Resolution | None = None,
    regions: RegionIndex | None = None,
    zones: ZoneIndex | None = None,
    basemap: Basemap = "osm",
    tolerance_m: float = DISPLAY_TOLERANCE_M,
    offline: bool = True,
    legend: bool = True,
) -> folium.Map:
    """A folium map of the regions (filled, one colour each), the zones (outlined by kind) and the lot.

    Parameters
    ----------
    lot : shapely geometry, GeoJSON geometry or Feature, :class:`~lotrate.resolution.points.LotFeature`, or None
        The lot: a point or a boundary, in ``crs``. ``None`` draws the layers over all of Hong Kong.
    crs : CRS of ``lot`` (WGS 84 by default; ``"EPSG:2326"`` for HK1980 Grid). A LotFeature brings its own.
    label : text for the lot's tooltip (default: the feature's ``lot_id``). Always shown as text.
    resolution : the lot's :class:`~lotrate.results.Resolution`; adds region and district to the tooltip
        and widens the view to show the nearest other region when it is close.
    regions, zones : indexes to draw instead of the built-in layers.
    basemap : ``"osm"`` (OpenStreetMap, default) or ``"landsd"`` (the Lands Department's public basemap with
        English labels). The other one stays selectable in the layer control.
    tolerance_m : simplification of region and zone outlines for display, metres in EPSG:2326.
    offline : inline Leaflet (from ``xstatic-leaflet``) so ``save()`` and Jupyter need no CDN.
    legend : draw the legend on the map (a page that prints it beside the map passes False).

    Returns
    -------
    folium.Map
        Its layers are children named ``lotrate_regions``, ``lotrate_zones``, ``lotrate_lot`` and
        ``lotrate_legend`` (when ``legend``).

    Raises
    ------
    ValueError for an unknown ``basemap``; the lot's geometry errors (:mod:`lotrate.crs`).

    Examples
    --------
    >>> m = lot_map({"type": "Point", "coordinates": [114.2250, 22.3130]}, basemap="landsd")
    >>> "Lands Department basemap" in m.get_root().render()
    True
    """
    import folium

    if basemap not in BASEMAPS:
        raise ValueError(f"basemap={basemap!r} is not one of {', '.join(map(repr, BASEMAPS))}")
    grid_lot: shapely.Geometry | None = None
    if lot is not None:
        grid_lot, feature_label = _lot_geometry(lot, crs)
        label = label if label is not None else feature_label

    m = folium.Map(tiles=None, control_scale=True, zoom_control=True, prefer_canvas=False)
    if offline:
        assets = leaflet_assets()
        m.default_js = [("leaflet", data_uri("text/javascript", assets.js))]
        m.default_css = [("leaflet_css", data_uri("text/css", assets.css))]
    else:
        m.default_js = [m.default_js[0]]  # Leaflet only: nothing here needs jQuery, Bootstrap or icon fonts
        m.default_css = [m.default_css[0]]

    layers = {
        "osm": folium.TileLayer(OSM_TILES, attr=OSM_ATTRIBUTION, name=_BASEMAP_NAMES["osm"], max_zoom=19),
        "landsd": folium.FeatureGroup(name=_BASEMAP_NAMES["landsd"], overlay=False),
    }
    folium.TileLayer(LANDSD_BASEMAP_TILES, attr=LANDSD_ATTRIBUTION, max_zoom=20, max_native_zoom=20).add_to(
        layers["landsd"]
    )
    folium.TileLayer(LANDSD_LABEL_TILES, attr=" ", max_zoom=20, max_native_zoom=20).add_to(layers["landsd"])
    for key in (basemap, *(b for b in BASEMAPS if b != basemap)):  # the chosen basemap first and shown
        layers[key].show = key == basemap
        m.add_child(layers[key])

    def region_style(feature: dict[str, Any]) -> dict[str, Any]:
        colour = REGION_COLOURS.get(feature["properties"]["code"], _OTHER_REGION_COLOUR)
        return {"color": colour, "weight": 1.5, "fillColor": colour, "fillOpacity": 0.22, "opacity": 0.9}

    region_layer = folium.GeoJson(
        {"type": "FeatureCollection", "features": region_features(regions, tolerance_m)},
        name="Appendix II regions",
        style_function=region_style,
    )
    region_layer.add_child(_text_tooltip())
    m.add_child(region_layer, name="lotrate_regions")

    zfeats = zone_features(zones, tolerance_m)

    def zone_style(feature: dict[str, Any]) -> dict[str, Any]:
        style = ZONE_STYLES.get(feature["properties"]["kind"], _OTHER_ZONE)
        return {
            "color": style.colour,
            "weight": style.weight,
            "dashArray": style.dash,
            "fillColor": style.colour,
            "fillOpacity": 0.06,
        }

    zone_layer = folium.GeoJson(
        {"type": "FeatureCollection", "features": zfeats}, name="Special zones", style_function=zone_style
    )
    zone_layer.add_child(_text_tooltip())
    m.add_child(zone_layer, name="lotrate_zones")

    if grid_lot is not None:
        title, text = _lot_tip(label, resolution)
        props = {"tip_title": title, "tip_text": text}
        anchor = grid_lot if grid_lot.geom_type == "Point" else grid_lot.representative_point()
        feats = []
        if grid_lot.geom_type != "Point":
            feats.append({"type": "Feature", "properties": props, "geometry": to_wgs84_geojson(grid_lot)})
        feats.append({"type": "Feature", "properties": {**props, "marker": True}, "geometry": to_wgs84_geojson(anchor)})
        lot_layer = folium.GeoJson(
            {"type": "FeatureCollection", "features": feats},
            name="Lot",
            style_function=lambda f: {"color": LOT_COLOUR, "weight": 3, "fillColor": LOT_COLOUR, "fillOpacity": 0.45},
            marker=folium.CircleMarker(radius=7, fill=True),
        )
        lot_layer.add_child(_text_tooltip())
        m.add_child(lot_layer, name="lotrate_lot")
        view = grid_lot.buffer(_fit_padding(resolution)).envelope
    else:
        m.add_child(folium.FeatureGroup(name="Lot", control=False), name="lotrate_lot")
        view = shapely.union_all([r.geometry for r in pick(None, regions, None).regions.regions]).envelope
    kinds = zone_kinds(zfeats)
    if legend:
        m.add_child(_legend(legend_html(kinds, regions)), name="lotrate_legend")
    folium.LayerControl(collapsed=True).add_to(m)
    xmin, ymin, xmax, ymax = shapely.bounds(shapely.geometry.shape(to_wgs84_geojson(view)))
    m.fit_bounds([[ymin, xmin], [ymax, xmax]])
    return m




