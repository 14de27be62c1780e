"""folium maps of a lot among the Appendix II regions and the special zones, and of many lots, drawable offline.

Everything is computed in HK1980 Grid (EPSG:2326): display geometry is simplified there (metres), and
converted to WGS 84 exactly once, in :func:`to_wgs84_geojson`, the folium boundary. Leaflet itself (script,
stylesheet and images) comes from the installed ``xstatic-leaflet`` package, the same Leaflet release folium
uses, so a saved map or a report opens and draws its vector layers offline; only the basemap tiles need the
network.

No text reaches a template: every lot id, address, region or zone name and legend label travels as JSON data
(:mod:`lotrate.render.inert`) and is put on the page with ``textContent``, so ``{{ 6*7 }}``, ``</script>`` or
``<img onerror=...>`` in a lot id are shown as they are and nothing runs.

Approximate zones are drawn as approximate: a hatched band about as wide as their stated accuracy, a dashed
line, and the label "approximate, about N m"; official zones get a solid outline.

Examples
--------
>>> m = lot_map({"type": "Point", "coordinates": [114.2250, 22.3130]}, label="KTIL 713")
>>> sorted(k for k in m._children if k.startswith("lotrate_"))
['lotrate_inset', 'lotrate_legend', 'lotrate_lot', 'lotrate_lot_marker', 'lotrate_regions', 'lotrate_zones']
"""

from __future__ import annotations

import html
import math
import re
import weakref
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import shapely
from folium.map import Layer
from jinja2 import Template

from lotrate.crs import HK_CRS, WGS84, geometry_to_grid
from lotrate.render.inert import InertMacro, data_script
from lotrate.render.leaflet import data_uri, leaflet_assets
from lotrate.render.verdicts import VERDICT_COLOURS, VERDICT_LABELS, verdict_of_row
from lotrate.resolution.layers import pick

if TYPE_CHECKING:
    import folium
    import geopandas as gpd

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


#: Zones are outlined (barely filled), one colour per kind, so the region colour underneath stays readable.
ZONE_STYLES: dict[str, ZoneStyle] = {
    "NDA": ZoneStyle("New Development Area", "#D55E00", "8 5", 2.5),
    "PILOT_SCHEME": ZoneStyle("Pilot Scheme Area", "#6A3D9A", "2 4", 2.5),
    "INDUSTRIAL_ESTATE": ZoneStyle("Industrial Estate (INNOPARK)", "#222222", None, 2.5),
}
_OTHER_ZONE = ZoneStyle("Other zone", "#555555", "4 4", 2.0)
LOT_COLOUR = "#D7191C"
#: dash pattern of every approximate boundary (the centre line of its band)
APPROX_DASH = "6 6"

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
LANDSD_BASEMAP_TILES = "https://mapapi.geodata.gov.hk/gs/api/v1.0.0/xyz/basemap/WGS84/{z}/{x}/{y}.png"
LANDSD_LABEL_TILES = "https://mapapi.geodata.gov.hk/gs/api/v1.0.0/xyz/label/hk/en/WGS84/{z}/{x}/{y}.png"
LANDSD_ATTRIBUTION = (
    '&copy; <a href="https://api.portal.hkmapservice.gov.hk/disclaimer">Map information from Lands Department</a>'
)
#: The only hosts a lotrate page ever asks anything of: basemap tiles (documented in the README).
TILE_HOSTS: tuple[str, ...] = ("https://tile.openstreetmap.org/", "https://mapapi.geodata.gov.hk/gs/api/v1.0.0/xyz/")
Basemap = Literal["osm", "landsd"]
BASEMAPS: tuple[str, ...] = ("osm", "landsd")
_BASEMAP_NAMES = {"osm": "OpenStreetMap", "landsd": "Lands Department basemap"}
View = Literal["site", "context"]

# --- the folium boundary: EPSG:2326 in, WGS 84 GeoJSON out -----------------------------------------------


@lru_cache(maxsize=1)
def _grid_to_wgs84() -> Any:
    from pyproj import Transformer

    return Transformer.from_crs(HK_CRS, WGS84, always_xy=True)


def grid_to_lonlat(e: float, n: float, decimals: int = 6) -> tuple[float, float]:
    """One HK1980 Grid point as (longitude, latitude).

    Examples
    --------
    >>> grid_to_lonlat(832591.320, 820351.389)
    (114.141188, 22.322172)
    """
    lon, lat = _grid_to_wgs84().transform(e, n)
    return round(float(lon), decimals), round(float(lat), decimals)


def to_wgs84_geojson(geom: shapely.Geometry, decimals: int = 6) -> dict[str, Any]:
    """The one conversion of display geometry: HK1980 Grid (EPSG:2326) to a WGS 84 GeoJSON geometry.

    ``decimals=6`` keeps 0.1 m, well inside the 1 m accuracy of the HK1980 to WGS 84 transformation.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> to_wgs84_geojson(Point(832591.320, 820351.389))  # LandsD's HK1980 Grid notes, docs/layers.md fixture
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


# --- styles: lotrate's own constants, referred to by index from the data -------------------------------------

_HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")


def _colour(c: str) -> str:
    if not _HEX.match(c):  # styles are ours; a bad one is a bug, not user input
        raise ValueError(f"not a colour: {c!r}")
    return c


def _region_style(colour: str) -> dict[str, Any]:
    return {"color": colour, "weight": 1.5, "fillColor": colour, "fillOpacity": 0.22, "opacity": 0.9}


REGION_STYLE_KEYS: tuple[str, ...] = (*REGION_COLOURS, "")
REGION_STYLES: list[dict[str, Any]] = [
    _region_style(_colour(REGION_COLOURS.get(k, _OTHER_REGION_COLOUR))) for k in REGION_STYLE_KEYS
]


def _region_style_index(code: str) -> int:
    return REGION_STYLE_KEYS.index(code) if code in REGION_COLOURS else len(REGION_STYLE_KEYS) - 1


_ZONE_STYLE_KEYS: tuple[str, ...] = (*ZONE_STYLES, "")


def _zone_style(kind: str) -> ZoneStyle:
    return ZONE_STYLES.get(kind, _OTHER_ZONE)


def _zone_styles() -> list[dict[str, Any]]:
    """Per kind: [official outline, approximate centre line, approximate band]."""
    out = []
    for key in _ZONE_STYLE_KEYS:
        st = _zone_style(key)
        c = _colour(st.colour)
        out.append({"color": c, "weight": st.weight, "dashArray": st.dash, "fillColor": c, "fillOpacity": 0.06})
        out.append(
            {"color": c, "weight": 1.5, "dashArray": APPROX_DASH, "opacity": 0.9, "fillColor": c, "fillOpacity": 0.07}
        )
        out.append({"color": c, "weight": 1, "dashArray": "2 4", "opacity": 0.7, "hatch": c, "fillOpacity": 0.45})
    return out


ZONE_STYLE_LIST: list[dict[str, Any]] = [
    *_zone_styles(),
    {"radius": 1, "opacity": 0, "fillOpacity": 0, "interactive": False},  # a label's anchor: not drawn
]
_LABEL_STYLE = len(ZONE_STYLE_LIST) - 1


def _zone_style_index(kind: str, part: Literal["official", "line", "band"]) -> int:
    k = _ZONE_STYLE_KEYS.index(kind) if kind in ZONE_STYLES else len(_ZONE_STYLE_KEYS) - 1
    return k * 3 + {"official": 0, "line": 1, "band": 2}[part]


#: The lot: [its boundary at site scale, its marker]
LOT_STYLES: list[dict[str, Any]] = [
    {"color": LOT_COLOUR, "weight": 3, "fillColor": LOT_COLOUR, "fillOpacity": 0.25},
    {"color": LOT_COLOUR, "weight": 2, "fillColor": LOT_COLOUR, "fillOpacity": 0.6, "radius": 7},
]


def is_approximate(status: str, accuracy_m: float) -> bool:
    """A boundary drawn as approximate: any zone not marked official, or one with a stated accuracy."""
    return status != "official" or accuracy_m > 0


def approx_text(accuracy_m: float) -> str:
    """The label of an approximate boundary.

    Examples
    --------
    >>> approx_text(600.0), approx_text(0)
    ('approximate, about 600 m', 'approximate')
    """
    return f"approximate, about {accuracy_m:,.0f} m" if accuracy_m > 0 else "approximate"


# --- region and zone layers ------------------------------------------------------------------------------

_REGION_CACHE: weakref.WeakKeyDictionary[Any, dict[float, list[dict[str, Any]]]] = weakref.WeakKeyDictionary()
_ZONE_CACHE: weakref.WeakKeyDictionary[Any, dict[float, list[dict[str, Any]]]] = weakref.WeakKeyDictionary()
_BAND_CACHE: weakref.WeakKeyDictionary[Any, dict[float, list[dict[str, Any]]]] = weakref.WeakKeyDictionary()


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
                    "s": _region_style_index(r.code),
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


def _zone_note(kind: str, status: str, accuracy: float) -> str:
    label = _zone_style(kind).label if kind in ZONE_STYLES else kind
    if is_approximate(status, accuracy):
        return f"{label}, {approx_text(accuracy)}; not an official boundary"
    return f"{label}, {status} boundary"


def zone_features(zones: ZoneIndex | None = None, tolerance_m: float = DISPLAY_TOLERANCE_M) -> list[dict[str, Any]]:
    """GeoJSON Features (WGS 84) of the special zones as stated, simplified for display; cached per index.

    An approximate zone's outline is dashed; :func:`zone_band_features` draws its band of uncertainty.

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
            approx = is_approximate(status, accuracy)
            feats.append(
                {
                    "type": "Feature",
                    "properties": {
                        "kind": kind,
                        "name": name,
                        "status": status,
                        "accuracy_m": accuracy,
                        "approximate": approx,
                        "s": _zone_style_index(kind, "line" if approx else "official"),
                        "tip_title": name,
                        "tip_text": _zone_note(kind, status, accuracy),
                    },
                    "geometry": to_wgs84_geojson(g),
                }
            )
        cache[tolerance_m] = feats
    return cache[tolerance_m]


def zone_band(geometry: shapely.Geometry, accuracy_m: float) -> shapely.Geometry:
    """The band of an approximate boundary in EPSG:2326: ``accuracy_m`` wide, centred on the stated line.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> round(zone_band(box(0, 0, 1000, 1000), 100).area / 4000)  # 4 km of boundary x 100 m (corners cut)
    99
    """
    return shapely.buffer(shapely.boundary(geometry), max(accuracy_m, 1.0) / 2, quad_segs=4)


def zone_band_features(
    zones: ZoneIndex | None = None, tolerance_m: float = DISPLAY_TOLERANCE_M
) -> list[dict[str, Any]]:
    """Hatched bands (WGS 84) along the boundaries of approximate zones, each about ``accuracy_m`` wide."""
    idx = pick(None, None, zones).zones
    cache = _BAND_CACHE.setdefault(idx, {})
    if tolerance_m not in cache:
        feats = []
        for kind, name, status, accuracy, geom in _zone_records(idx):
            if not is_approximate(status, accuracy):
                continue
            band = zone_band(geom, accuracy)
            band = shapely.simplify(band, min(tolerance_m, max(accuracy, 1.0) / 8), preserve_topology=True)
            feats.append(
                {
                    "type": "Feature",
                    "properties": {
                        "kind": kind,
                        "name": name,
                        "band": True,
                        "accuracy_m": accuracy,
                        "s": _zone_style_index(kind, "band"),
                        "tip_title": name,
                        "tip_text": _zone_note(kind, status, accuracy),
                    },
                    "geometry": to_wgs84_geojson(band),
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


# --- the legend -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LegendItem:
    """One legend entry: its ``shape`` (``fill``, ``line``, ``band``, ``polygon``, ``point``), colour and text."""

    group: str
    shape: str
    colour: str
    label: str
    dash: str | None = None
    weight: float = 2.0

    def to_dict(self) -> dict[str, Any]:
        return {"group": self.group, "shape": self.shape, "colour": self.colour, "label": self.label,
                "dash": self.dash, "weight": self.weight}  # fmt: skip


def _span(values: list[float]) -> str:
    vals = sorted({round(v) for v in values if v > 0})
    if not vals:
        return "approximate"
    if len(vals) == 1:
        return approx_text(vals[0])
    return f"approximate, about {vals[0]:,.0f} to {vals[-1]:,.0f} m"


def legend_items(
    zones: ZoneIndex | None = None,
    regions: RegionIndex | None = None,
    *,
    lot: str | None = "polygon",
    kinds: list[str] | None = None,
    within: shapely.Geometry | None = None,
) -> list[LegendItem]:
    """The legend's entries: one per region, one per zone kind (and boundary quality) shown, and the lot.

    ``lot`` is the lot's geometry as drawn (``"polygon"`` or ``"point"``; ``None`` for no lot), so the
    legend's symbol matches what the map shows. ``kinds`` limits the zone entries to those kinds; ``within``
    (an extent in EPSG:2326) to the regions and zones a map of that extent shows.

    Examples
    --------
    >>> [(i.shape, i.label) for i in legend_items()][5:]  # doctest: +NORMALIZE_WHITESPACE
    [('band', 'New Development Area: approximate, about 300 to 800 m'),
     ('band', 'Pilot Scheme Area: approximate, about 500 to 800 m'),
     ('band', 'Industrial Estate (INNOPARK): approximate, about 200 m'), ('polygon', 'The lot (boundary)')]
    """
    items = [
        LegendItem(
            "Appendix II regions", "fill", REGION_COLOURS.get(r.code, _OTHER_REGION_COLOUR), f"{r.name_en} ({r.code})"
        )
        for r in pick(None, regions, None).regions.regions
        if within is None or shapely.intersects(r.geometry, within)
    ]
    zidx = pick(None, None, zones).zones
    by_kind: dict[str, dict[str, list[float]]] = {}
    for z in zidx.zones:
        if within is not None and not shapely.dwithin(z.geometry, within, z.accuracy_m / 2):
            continue
        quality = "approximate" if is_approximate(z.status, z.accuracy_m) else "official"
        by_kind.setdefault(z.kind, {}).setdefault(quality, []).append(z.accuracy_m)
    order = sorted(
        by_kind, key=lambda k: (k not in ZONE_STYLES, list(ZONE_STYLES).index(k) if k in ZONE_STYLES else 0, k)
    )
    for kind in order:
        if kinds is not None and kind not in kinds:
            continue
        st = _zone_style(kind)
        label = st.label if kind in ZONE_STYLES else kind
        if "official" in by_kind[kind]:
            items.append(
                LegendItem("Special zones", "line", st.colour, f"{label}: official boundary", st.dash, st.weight)
            )
        if "approximate" in by_kind[kind]:
            items.append(
                LegendItem(
                    "Special zones",
                    "band",
                    st.colour,
                    f"{label}: {_span(by_kind[kind]['approximate'])}",
                    APPROX_DASH,
                    1.5,
                )
            )
    if lot == "point":
        items.append(LegendItem("", "point", LOT_COLOUR, "The lot (point)"))
    elif lot is not None:
        items.append(LegendItem("", "polygon", LOT_COLOUR, "The lot (boundary)"))
    return items


def legend_html(
    zones: ZoneIndex | None = None, regions: RegionIndex | None = None, *, lot: str | None = "polygon"
) -> str:
    """The legend as HTML (every text escaped), for a page that prints it beside the map.

    Examples
    --------
    >>> "Kowloon East" in legend_html()
    True
    """
    rows, group = [], None
    for item in legend_items(zones, regions, lot=lot):
        if item.group and item.group != group:
            rows.append(f'<div class="lotrate-legend-title">{html.escape(item.group)}</div>')
        group = item.group
        rows.append(f'<div class="lotrate-legend-row">{legend_symbol(item)}{html.escape(item.label)}</div>')
    return "".join(rows)


def legend_symbol(item: LegendItem) -> str:
    """The legend symbol as inline SVG: the same drawing as the map's own legend (colours are ours, checked)."""
    c = _colour(item.colour)
    head = '<svg class="lotrate-symbol" width="26" height="14" viewBox="0 0 26 14" aria-hidden="true">'
    if item.shape == "line":
        dash = f' stroke-dasharray="{html.escape(item.dash)}"' if item.dash else ""
        body = f'<line x1="1" y1="7" x2="25" y2="7" stroke="{c}" stroke-width="{item.weight:g}"{dash}/>'
    elif item.shape == "band":
        pid = f"lotrate-hatch-legend-{c[1:]}"
        body = (
            f'<defs><pattern id="{pid}" patternUnits="userSpaceOnUse" width="8" height="8" '
            f'patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="8" stroke="{c}" stroke-width="3"/>'
            f'</pattern></defs><rect x="1" y="2" width="24" height="10" fill="url(#{pid})" fill-opacity="0.7" '
            f'stroke="{c}" stroke-width="1.5" stroke-dasharray="{html.escape(item.dash or "4 3")}"/>'
        )
    elif item.shape == "point":
        body = f'<circle cx="13" cy="7" r="5" fill="{c}" fill-opacity="0.6" stroke="{c}" stroke-width="2"/>'
    elif item.shape == "polygon":
        body = f'<polygon points="4,12 7,2 22,3 23,12" fill="{c}" fill-opacity="0.3" stroke="{c}" stroke-width="2.5"/>'
    else:
        body = (
            f'<rect x="6" y="1" width="12" height="12" fill="{c}" fill-opacity="0.55" stroke="{c}" stroke-width="1"/>'
        )
    return head + body + "</svg>"


# --- folium elements whose text is data ---------------------------------------------------------------------

_LAYER_SCRIPT = Template(
    "var {{ name }} = lotrate.geojson({{ data_id|tojson }}, {{ options|tojson }});\n"
    "{% if show %}{{ name }}.addTo({{ parent }});{% endif %}\n"
)
_LEGEND_SCRIPT = Template("lotrate.legend({{ parent }}, {{ data_id|tojson }}, {{ position|tojson }});\n")
_INSET_SCRIPT = Template("lotrate.inset({{ parent }}, {{ options|tojson }});\n")


class DataLayer(InertMacro, Layer):
    """A GeoJSON layer whose features, text included, are JSON data drawn by lotrate's page helpers.

    ``styles`` are lotrate's own style dicts; each feature picks one with its ``s`` property. Tooltips (title and
    text from ``tip_title``/``tip_text``) and permanent labels (``label``) are set with ``textContent``.
    """

    def __init__(
        self,
        features: list[dict[str, Any]],
        styles: list[dict[str, Any]],
        *,
        name: str,
        tooltip: bool = True,
        labels: bool = False,
        canvas: bool = False,
        interactive: bool = True,
        show: bool = True,
        control: bool = True,
    ) -> None:
        Layer.__init__(self, name=name, overlay=True, control=control, show=show)
        self._name = "LotrateLayer"
        self.data = {"type": "FeatureCollection", "features": features}
        self.options = {"styles": styles, "tooltip": tooltip, "labels": labels, "canvas": canvas,
                        "interactive": interactive}  # fmt: skip

    @property
    def data_id(self) -> str:
        return f"{self.get_name()}_data"

    def pieces(self) -> dict[str, str]:
        assert self._parent is not None
        script = _LAYER_SCRIPT.render(
            name=self.get_name(),
            data_id=self.data_id,
            options=self.options,
            show=self.show,
            parent=self._parent.get_name(),
        )
        return {"html": data_script(self.data_id, self.data), "script": script}


class DataLegend(InertMacro):
    """The map's legend, built on the page from JSON data (labels as text)."""

    def __init__(self, items: list[LegendItem], position: str = "bottomright") -> None:
        super().__init__()
        self._name = "LotrateLegend"
        self.items = items
        self.position = position

    def pieces(self) -> dict[str, str]:
        assert self._parent is not None
        data_id = f"{self.get_name()}_data"
        script = _LEGEND_SCRIPT.render(parent=self._parent.get_name(), data_id=data_id, position=self.position)
        return {"html": data_script(data_id, [i.to_dict() for i in self.items]), "script": script}


class Inset(InertMacro):
    """A small overview map in a corner of a site-scale map: the regions, the zones and a marker on the lot."""

    def __init__(self, layers: list[DataLayer], bounds: list[list[float]], position: str = "bottomleft") -> None:
        super().__init__()
        self._name = "LotrateInset"
        self.layers = layers
        self.bounds = bounds
        self.position = position

    def pieces(self) -> dict[str, str]:
        assert self._parent is not None
        options = {
            "position": self.position,
            "bounds": self.bounds,
            "layers": [{"id": layer.data_id, "styles": layer.options["styles"]} for layer in self.layers],
        }
        return {"script": _INSET_SCRIPT.render(parent=self._parent.get_name(), options=options)}


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


def context_view(grid_lot: shapely.Geometry, resolution: Resolution | None = None) -> shapely.Geometry:
    """The extent of the context view (EPSG:2326): the lot and, when close, the nearest other region."""
    return grid_lot.buffer(_fit_padding(resolution)).envelope


def site_view(grid_lot: shapely.Geometry) -> shapely.Geometry:
    """The extent of a site-scale view (EPSG:2326): the lot's outline fills about half of it.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> shapely.bounds(site_view(box(0, 0, 40, 30))).round().tolist()
    [-30.0, -30.0, 70.0, 60.0]
    """
    if grid_lot.geom_type == "Point":
        return grid_lot.buffer(120.0).envelope
    x0, y0, x1, y1 = shapely.bounds(grid_lot)
    pad = max(30.0, 0.4 * max(x1 - x0, y1 - y0))
    return shapely.box(x0 - pad, y0 - pad, x1 + pad, y1 + pad)


def _bounds(view: shapely.Geometry) -> list[list[float]]:
    xmin, ymin, xmax, ymax = shapely.bounds(shapely.geometry.shape(to_wgs84_geojson(view)))
    return [[float(ymin), float(xmin)], [float(ymax), float(xmax)]]


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


def _base_map(basemap: Basemap, offline: bool, *, prefer_canvas: bool = False) -> folium.Map:
    import folium

    if basemap not in BASEMAPS:
        raise ValueError(f"basemap={basemap!r} is not one of {', '.join(map(repr, BASEMAPS))}")
    m = folium.Map(tiles=None, control_scale=True, zoom_control=True, prefer_canvas=prefer_canvas, zoom_snap=0.25)
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
    return m


def zone_labels(zones: ZoneIndex | None, extent: shapely.Geometry, limit: int = 3) -> list[dict[str, Any]]:
    """Label points "approximate, about N m" on the bands of approximate zones that cross ``extent`` (EPSG:2326).

    Each label sits on the part of the band inside the view, so a site-scale map labels the band it shows.
    """
    out: list[dict[str, Any]] = []
    for kind, name, status, accuracy, geom in _zone_records(pick(None, None, zones).zones):
        if len(out) >= limit or not is_approximate(status, accuracy):
            continue
        if not shapely.intersects(geom.envelope.buffer(accuracy), extent):
            continue
        seen = shapely.intersection(zone_band(geom, accuracy), extent)
        if seen.is_empty:
            continue
        out.append(
            {
                "type": "Feature",
                "properties": {
                    "label": approx_text(accuracy),
                    "s": _LABEL_STYLE,
                    "kind": kind,
                    "name": name,
                    "label_only": True,
                },
                "geometry": to_wgs84_geojson(shapely.point_on_surface(seen)),
            }
        )
    return out


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
    view: View = "site",
    inset: bool = True,
) -> folium.Map:
    """A folium map of the lot over the regions (filled, one colour each) and the special zones.

    Parameters
    ----------
    lot : shapely geometry, GeoJSON geometry or Feature, :class:`~lotrate.io.lotfile.LotFeature`, or None
        The lot: a point or a boundary, in ``crs``. ``None`` draws the layers over all of Hong Kong.
    crs : CRS of ``lot`` (WGS 84 by default; ``"EPSG:2326"`` for HK1980 Grid). A LotFeature brings its own.
    label : text for the lot's tooltip (default: the feature's ``lot_id``). Always shown as text.
    resolution : the lot's :class:`~lotrate.results.Resolution`; adds region and district to the tooltip
        and, in the context view, widens the view to show the nearest other region when it is close.
    regions, zones : indexes to draw instead of the built-in layers.
    basemap : ``"osm"`` (OpenStreetMap, default) or ``"landsd"`` (the Lands Department's public basemap with
        English labels). The other one stays selectable in the layer control.
    tolerance_m : simplification of region and zone outlines for display, metres in EPSG:2326.
    offline : inline Leaflet (from ``xstatic-leaflet``) so ``save()`` and Jupyter need no CDN.
    legend : draw the legend on the map (a page that prints it beside the map passes False).
    view : ``"site"`` (default): the lot's outline fills about half the map, with an overview inset;
        ``"context"``: the lot among its region and the nearest other one, marked by a dot.
    inset : draw the overview inset in the site view.

    Returns
    -------
    folium.Map
        Its layers are children named ``lotrate_regions``, ``lotrate_zones``, ``lotrate_lot``, and
        ``lotrate_legend``/``lotrate_inset`` when drawn.

    Raises
    ------
    ValueError for an unknown ``basemap`` or ``view``; the lot's geometry errors (:mod:`lotrate.crs`).

    Examples
    --------
    >>> m = lot_map({"type": "Point", "coordinates": [114.2250, 22.3130]}, basemap="landsd")
    >>> "Lands Department basemap" in m.get_root().render()
    True
    """
    import folium

    if view not in ("site", "context"):
        raise ValueError(f"view={view!r} is not 'site' or 'context'")
    grid_lot: shapely.Geometry | None = None
    if lot is not None:
        grid_lot, feature_label = _lot_geometry(lot, crs)
        label = label if label is not None else feature_label
    m = _base_map(basemap, offline)

    region_layer = DataLayer(region_features(regions, tolerance_m), REGION_STYLES, name="Appendix II regions")
    m.add_child(region_layer, name="lotrate_regions")

    if grid_lot is None:
        extent = shapely.union_all([r.geometry for r in pick(None, regions, None).regions.regions]).envelope
    elif view == "site":
        extent = site_view(grid_lot)
    else:
        extent = context_view(grid_lot, resolution)
    labels = zone_labels(zones, extent) if grid_lot is not None else []
    zone_layer = DataLayer(
        [*zone_band_features(zones, tolerance_m), *zone_features(zones, tolerance_m), *labels],
        ZONE_STYLE_LIST,
        name="Special zones",
        labels=True,
    )
    m.add_child(zone_layer, name="lotrate_zones")

    lot_shape: str | None = None
    if grid_lot is not None:
        title, text = _lot_tip(label, resolution)
        props = {"tip_title": title, "tip_text": text, "lot": True}
        anchor = grid_lot if grid_lot.geom_type == "Point" else grid_lot.representative_point()
        marker = {"type": "Feature", "properties": {**props, "marker": True, "s": 1},
                  "geometry": to_wgs84_geojson(anchor)}  # fmt: skip
        feats = []
        if grid_lot.geom_type != "Point":
            feats.append({"type": "Feature", "properties": {**props, "s": 0}, "geometry": to_wgs84_geojson(grid_lot)})
            lot_shape = "polygon"
        else:
            lot_shape = "point"
        if grid_lot.geom_type == "Point" or view == "context":
            feats.append(marker)
        lot_layer = DataLayer(feats, LOT_STYLES, name="Lot")
        m.add_child(lot_layer, name="lotrate_lot")
        if view == "site" and inset:
            context = grid_lot.buffer(_fit_padding(resolution) * 4).envelope
            dot = DataLayer([marker], LOT_STYLES, name="Lot marker", control=False, show=False, tooltip=False)
            m.add_child(dot, name="lotrate_lot_marker")
            m.add_child(Inset([region_layer, zone_layer, dot], _bounds(context)), name="lotrate_inset")
    else:
        m.add_child(folium.FeatureGroup(name="Lot", control=False), name="lotrate_lot")
    if legend:
        near = None  # the legend lists what the map (and its inset) can show
        if grid_lot is not None:
            far = view == "site" and inset
            near = grid_lot.buffer(_fit_padding(resolution) * (4 if far else 1)).envelope
        m.add_child(DataLegend(legend_items(zones, regions, lot=lot_shape, within=near)), name="lotrate_legend")
    folium.LayerControl(collapsed=True).add_to(m)
    m.fit_bounds(_bounds(extent))
    return m


# --- many lots ------------------------------------------------------------------------------------------------

TerritoryBy = Literal["region", "verdict", "premium"]
#: sequential classes for premiums (light to dark; readable on both basemaps)
PREMIUM_COLOURS = ("#FDE725", "#7AD151", "#22A884", "#2A788E", "#414487")
_NO_PREMIUM_COLOUR = "#9AA1A9"


def _point_style(colour: str) -> dict[str, Any]:
    c = _colour(colour)
    return {"radius": 4, "color": "#FFFFFF", "weight": 0.6, "fillColor": c, "fillOpacity": 0.9}


def _premium_float(values: Any) -> np.ndarray:
    out = np.full(len(values), np.nan)
    for i, v in enumerate(values):
        if v is None or isinstance(v, bool):
            continue
        try:
            f = float(Decimal(str(v)))
        except (ArithmeticError, ValueError):
            continue
        if math.isfinite(f):
            out[i] = f
    return out


def _money_short(v: float) -> str:
    if abs(v) >= 1e6:
        return f"HK${v / 1e6:,.0f} million"
    return f"HK${v:,.0f}"


def _premium_classes(values: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Quantile classes (up to five) of the finite premiums: class per value (-1 for none) and labels."""
    finite = values[np.isfinite(values)]
    cls = np.full(len(values), -1, dtype=int)
    if len(finite) == 0:
        return cls, []
    edges = np.unique(np.quantile(finite, np.linspace(0, 1, min(len(PREMIUM_COLOURS), len(finite)) + 1)))
    if len(edges) < 2:
        edges = np.array([finite.min(), finite.max()])
    inner = edges[1:-1]
    ok = np.isfinite(values)
    cls[ok] = np.searchsorted(inner, values[ok], side="right")
    labels = [f"{_money_short(edges[i])} to {_money_short(edges[i + 1])}" for i in range(len(edges) - 1)]
    return cls, labels


def territory_map(
    gdf: gpd.GeoDataFrame,
    by: TerritoryBy = "region",
    *,
    label: str | None = None,
    regions: RegionIndex | None = None,
    basemap: Basemap = "osm",
    offline: bool = True,
) -> folium.Map:
    """A folium map of many lots, one dot each, coloured by region, verdict or premium; fast for 50,000 lots.

    Parameters
    ----------
    gdf : GeoDataFrame of lots with a CRS; output of :func:`~lotrate.resolution.frame.resolve_frame` (for
        ``by="region"``) or :func:`~lotrate.premium.assess.assess_frame` (any ``by``). Without a
        ``region_code`` column the lots are resolved first.
    by : ``"region"``, ``"verdict"`` (applicable, not applicable, unverified) or ``"premium"`` (five quantile
        classes of ``premium_hkd``).
    label : column for the tooltip title (default ``lot_id``, else the row number).
    regions : the region index drawn under the lots (default: the built-in one).
    basemap, offline : as for :func:`lot_map`.

    All lots are one GeoJSON layer drawn on a canvas; each tooltip shows the lot's id, region, verdict and
    premium as text.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> lots = gpd.GeoDataFrame({"lot_id": ["A", "B"], "region_code": ["KE", "KW"]},
    ...                         geometry=[Point(114.2250, 22.3130), Point(114.16, 22.33)], crs=4326)
    >>> m = territory_map(lots)
    >>> len(m._children["lotrate_lots"].data["features"])
    2
    """
    if by not in ("region", "verdict", "premium"):
        raise ValueError(f"by={by!r} is not 'region', 'verdict' or 'premium'")
    if gdf.crs is None:
        from lotrate.errors import CRSError

        raise CRSError("the layer has no CRS; set it before mapping (gdf.set_crs(...))")
    if by in ("verdict", "premium") and "applicable" not in gdf.columns and "verdict" not in gdf.columns:
        raise ValueError(f"by={by!r} needs assess_frame() output (columns 'applicable', 'premium_hkd')")
    if "region_code" not in gdf.columns:
        from lotrate.resolution.frame import resolve_frame

        gdf = resolve_frame(gdf)
    geoms = gdf.geometry.values
    valid = ~(np.asarray(geoms.isna()) | np.asarray(geoms.is_empty))
    pts = shapely.point_on_surface(np.asarray(geoms, dtype=object)[valid])
    from pyproj import Transformer

    tr = Transformer.from_crs(gdf.crs, WGS84, always_xy=True)
    lon, lat = tr.transform(shapely.get_x(pts), shapely.get_y(pts))
    lon, lat = np.round(lon, 6), np.round(lat, 6)
    sub = gdf.loc[valid]
    n = len(sub)
    col = label or ("lot_id" if "lot_id" in sub.columns else None)
    titles = [str(v) for v in sub[col].tolist()] if col else [f"#{i + 1}" for i in np.flatnonzero(valid)]
    codes = [str(c) if isinstance(c, str) else "" for c in sub["region_code"].tolist()]
    have_assessment = "applicable" in sub.columns or "verdict" in sub.columns
    records = sub.drop(columns=sub.geometry.name).to_dict("records") if have_assessment else [{}] * n
    verdicts = [verdict_of_row(r) for r in records] if have_assessment else ["not_assessed"] * n
    premiums = _premium_float(sub["premium_hkd"].tolist()) if "premium_hkd" in sub.columns else np.full(n, np.nan)

    idx = pick(None, regions, None).regions
    names = {r.code: r.name_en for r in idx.regions}
    items: list[LegendItem] = []
    if by == "region":
        keys = [*REGION_COLOURS, ""]
        styles = [_point_style(REGION_COLOURS.get(k, _OTHER_REGION_COLOUR)) for k in keys]
        style_of = [keys.index(c) if c in REGION_COLOURS else len(keys) - 1 for c in codes]
        present = set(codes)
        for k in REGION_COLOURS:
            if k in present:
                items.append(LegendItem("Lots by region", "point", REGION_COLOURS[k], f"{names.get(k, k)} ({k})"))
        if any(c not in REGION_COLOURS for c in codes):
            items.append(LegendItem("Lots by region", "point", _OTHER_REGION_COLOUR, "not located"))
    elif by == "verdict":
        keys = list(VERDICT_COLOURS)
        styles = [_point_style(VERDICT_COLOURS[k]) for k in keys]
        style_of = [keys.index(v) for v in verdicts]
        present = set(verdicts)
        items = [
            LegendItem("Lots by verdict", "point", VERDICT_COLOURS[k], VERDICT_LABELS[k].capitalize())
            for k in keys
            if k in present
        ]
    else:
        classes, labels = _premium_classes(premiums)
        styles = [_point_style(c) for c in PREMIUM_COLOURS[: len(labels)]] + [_point_style(_NO_PREMIUM_COLOUR)]
        style_of = [int(c) if c >= 0 else len(styles) - 1 for c in classes]
        items = [LegendItem("Premium at standard rates", "point", PREMIUM_COLOURS[i], t) for i, t in enumerate(labels)]
        if (classes < 0).any():
            items.append(LegendItem("Premium at standard rates", "point", _NO_PREMIUM_COLOUR, "no premium"))

    def tip(i: int) -> str:
        parts = [f"{names.get(codes[i], codes[i])} ({codes[i]})" if codes[i] else "not located"]
        if have_assessment:
            parts.append(VERDICT_LABELS.get(verdicts[i], verdicts[i]))
        if math.isfinite(premiums[i]):
            parts.append(f"HK${premiums[i]:,.0f}")
        return " · ".join(parts)

    texts = [tip(i) for i in range(n)]
    return _points_map(lon, lat, titles, texts, style_of, styles, items, regions=regions, basemap=basemap,
                       offline=offline)  # fmt: skip


def _points_map(
    lon: Any,
    lat: Any,
    titles: list[str],
    texts: list[str],
    style_of: list[int],
    styles: list[dict[str, Any]],
    items: list[LegendItem],
    *,
    regions: RegionIndex | None,
    basemap: Basemap,
    offline: bool,
) -> folium.Map:
    """One dot per lot (one canvas GeoJSON layer) over faint regions, with a legend; texts travel as data."""
    import folium

    n = len(titles)
    features = [
        {
            "type": "Feature",
            "properties": {"s": style_of[i], "tip_title": titles[i], "tip_text": texts[i]},
            "geometry": {"type": "Point", "coordinates": [float(lon[i]), float(lat[i])]},
        }
        for i in range(n)
    ]
    m = _base_map(basemap, offline, prefer_canvas=True)
    outline = [{**s, "fillOpacity": 0.08, "weight": 1} for s in REGION_STYLES]
    m.add_child(
        DataLayer(region_features(regions), outline, name="Appendix II regions", tooltip=False, interactive=False),
        name="lotrate_regions",
    )
    m.add_child(DataLayer(features, styles, name="Lots", canvas=True), name="lotrate_lots")
    m.add_child(DataLegend(items), name="lotrate_legend")
    folium.LayerControl(collapsed=True).add_to(m)
    if n:
        pad = 0.004
        lo_lat, hi_lat = float(np.min(lat)) - pad, float(np.max(lat)) + pad
        lo_lon, hi_lon = float(np.min(lon)) - pad, float(np.max(lon)) + pad
        m.fit_bounds([[lo_lat, lo_lon], [hi_lat, hi_lon]])
    else:
        m.fit_bounds([[22.15, 113.83], [22.57, 114.44]])
    return m


def overview_map(
    entries: list[Any], *, regions: RegionIndex | None = None, basemap: Basemap = "osm", offline: bool = True
) -> folium.Map:
    """The index page's map: every located lot of a report set, one dot each, coloured by verdict.

    ``entries`` carry ``lot_id``, ``lon``, ``lat``, ``verdict``, ``region_code`` and ``premium_hkd``
    (:class:`~lotrate.render.reportset.ReportEntry`).
    """
    keys = list(VERDICT_COLOURS)
    styles = [{**_point_style(VERDICT_COLOURS[k]), "radius": 6, "weight": 1.2} for k in keys]
    verdicts = [e.verdict if e.verdict in VERDICT_COLOURS else "error" for e in entries]
    items = [
        LegendItem("Lots by verdict", "point", VERDICT_COLOURS[k], VERDICT_LABELS[k].capitalize())
        for k in keys
        if k in set(verdicts)
    ]
    texts = []
    for e, v in zip(entries, verdicts):
        parts = [e.region_code or "", VERDICT_LABELS.get(v, v)]
        if e.premium_hkd is not None:
            parts.append(f"HK${float(e.premium_hkd):,.0f}")
        texts.append(" · ".join(p for p in parts if p))
    return _points_map(
        [e.lon for e in entries],
        [e.lat for e in entries],
        [str(e.lot_id) for e in entries],
        texts,
        [keys.index(v) for v in verdicts],
        styles,
        items,
        regions=regions,
        basemap=basemap,
        offline=offline,
    )
