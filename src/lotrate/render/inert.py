"""Map elements whose text is data, never template source.

folium and branca turn the output of every element's ``header``/``html``/``script`` macro into a new Jinja2
template (``Element(text)``) and render it once more when the page is assembled. Any text that reached such an
output (a lot id, an address, a zone or region name, a legend label) was therefore evaluated as a template:
``{{ 6*7 }}`` printed 42 and ``{{ lipsum.__globals__.os.popen(...) }}`` ran a command.

lotrate closes that class of bug by construction:

* every user or layer text travels as JSON in a ``<script type="application/json">`` element
  (:func:`json_for_script` escapes ``<``, ``>``, ``&`` and U+2028/9, so nothing ends the element early);
* lotrate's elements (:class:`InertMacro`) build their pieces with fixed, module-level templates that place only
  names, ids and lotrate's own constants, and hand them to the page as :class:`Inert` elements, which are output
  as they are and never parsed again;
* the page-side code (:data:`HELPER_JS`) reads that JSON and puts every text into the page with ``textContent``.

folium's own elements (the map, tile layers, the layer control, fit-bounds) only ever see lotrate's constants.

Examples
--------
>>> json_for_script({"lot_id": "</script>{{ 6*7 }}"})
'{"lot_id":"\\\\u003c/script\\\\u003e{{ 6*7 }}"}'
"""

from __future__ import annotations

import json
import math
from typing import Any

from branca.element import Element, Figure, MacroElement
from jinja2 import Template

_JS_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def _finite(obj: Any) -> Any:
    """``obj`` with NaN and infinities replaced by None (JSON has neither)."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {str(k): _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    return obj


def json_for_script(obj: Any) -> str:
    """``obj`` as JSON that can sit inside any ``<script>`` element: ``<``, ``>``, ``&``, U+2028/9 escaped."""
    try:
        text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except ValueError:
        text = json.dumps(_finite(obj), ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for ch, esc in _JS_ESCAPES.items():
        text = text.replace(ch, esc)
    return text


class Inert(Element):
    """A finished piece of a page, output exactly as given: it is never parsed as a template."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "Inert"
        self.text = text

    def render(self, **kwargs: Any) -> str:
        return self.text


_DATA_TEMPLATE = Template('<script type="application/json" id="{{ ident }}">{{ payload }}</script>')


def data_script(ident: str, payload: Any) -> str:
    """The JSON data element a map reads its features and labels from (``ident`` is lotrate's own id)."""
    if not ident.replace("_", "").replace("-", "").isalnum():
        raise ValueError(f"not an element id: {ident!r}")
    return _DATA_TEMPLATE.render(ident=ident, payload=json_for_script(payload))


#: The page-side helpers: read the JSON data, draw GeoJSON with styles by index, text-only tooltips and labels,
#: the legend built from data with textContent, an inset overview map, hatch patterns for approximate zones.
HELPER_JS = r"""
(function () {
  if (window.lotrate) { return; }
  var SVG = "http://www.w3.org/2000/svg";
  function data(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  function svg(tag, attrs) {
    var e = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, String(attrs[k])); });
    return e;
  }
  var hex = /^#[0-9A-Fa-f]{6}$/;
  function hatch(colour) {  /* one diagonal hatch pattern per colour, defined once per page */
    if (!hex.test(colour)) { return colour; }
    var id = "lotrate-hatch-" + colour.slice(1);
    if (!document.getElementById(id)) {
      var host = document.getElementById("lotrate-patterns");
      if (!host) {
        host = svg("svg", {id: "lotrate-patterns", width: 0, height: 0, "aria-hidden": "true"});
        host.style.position = "absolute";
        host.appendChild(svg("defs", {}));
        document.body.appendChild(host);
      }
      var p = svg("pattern", {id: id, patternUnits: "userSpaceOnUse", width: 8, height: 8,
                              patternTransform: "rotate(45)"});
      p.appendChild(svg("line", {x1: 0, y1: 0, x2: 0, y2: 8, stroke: colour, "stroke-width": 3}));
      host.firstChild.appendChild(p);
    }
    return "url(#" + id + ")";
  }
  function styleOf(styles, f) {
    var p = (f && f.properties) || {};
    var s = styles[p.s] || {};
    if (s.hatch) { s = Object.assign({}, s, {fillColor: hatch(s.hatch)}); }
    return s;
  }
  function tip(layer) {
    var p = (layer.feature && layer.feature.properties) || {};
    var div = el("div");
    div.appendChild(el("strong", p.tip_title || ""));
    if (p.tip_text) {
      div.appendChild(document.createElement("br"));
      div.appendChild(document.createTextNode(String(p.tip_text)));
    }
    return div;
  }
  function geojson(id, opts) {
    opts = opts || {};
    var styles = opts.styles || [];
    var o = {
      style: function (f) { return styleOf(styles, f); },
      pointToLayer: function (f, ll) { return L.circleMarker(ll, styleOf(styles, f)); },
      interactive: opts.interactive !== false
    };
    if (opts.canvas) { o.renderer = L.canvas({padding: 0.3}); }
    if (opts.labels) {
      o.onEachFeature = function (f, layer) {
        var p = f.properties || {};
        if (p.label) {
          layer.bindTooltip(el("span", p.label), {permanent: true, direction: "center",
                                                   className: "lotrate-label", interactive: false});
        }
      };
    }
    var layer = L.geoJSON(data(id), o);
    if (opts.tooltip) {
      layer.bindTooltip(tip, {sticky: true, className: "lotrate-tooltip"});
    }
    return layer;
  }
  function symbol(item) {
    var s = svg("svg", {"class": "lotrate-symbol", width: 26, height: 14, viewBox: "0 0 26 14",
                        "aria-hidden": "true"});
    var c = hex.test(item.colour) ? item.colour : "#777777";
    if (item.shape === "line") {
      var line = svg("line", {x1: 1, y1: 7, x2: 25, y2: 7, stroke: c, "stroke-width": item.weight || 2});
      if (item.dash) { line.setAttribute("stroke-dasharray", item.dash); }
      s.appendChild(line);
    } else if (item.shape === "band") {
      s.appendChild(svg("rect", {x: 1, y: 2, width: 24, height: 10, fill: hatch(c), "fill-opacity": 0.7,
                                 stroke: c, "stroke-width": 1.5, "stroke-dasharray": item.dash || "4 3"}));
    } else if (item.shape === "point") {
      s.appendChild(svg("circle", {cx: 13, cy: 7, r: 5, fill: c, "fill-opacity": 0.6, stroke: c,
                                   "stroke-width": 2}));
    } else if (item.shape === "polygon") {
      s.appendChild(svg("polygon", {points: "4,12 7,2 22,3 23,12", fill: c, "fill-opacity": 0.3, stroke: c,
                                    "stroke-width": 2.5}));
    } else {
      s.appendChild(svg("rect", {x: 6, y: 1, width: 12, height: 12, fill: c, "fill-opacity": 0.55,
                                 stroke: c, "stroke-width": 1}));
    }
    return s;
  }
  function legendBody(items) {
    var div = el("div");
    var group = null;
    (items || []).forEach(function (it) {
      if (it.group && it.group !== group) { div.appendChild(el("div", it.group, "lotrate-legend-title")); }
      group = it.group;
      var row = el("div", null, "lotrate-legend-row");
      row.appendChild(symbol(it));
      row.appendChild(document.createTextNode(String(it.label)));
      div.appendChild(row);
    });
    return div;
  }
  function legend(map, id, position) {
    var ctl = L.control({position: position || "bottomright"});
    ctl.onAdd = function () {
      var div = L.DomUtil.create("div", "lotrate-legend");
      div.appendChild(legendBody(data(id)));
      L.DomEvent.disableScrollPropagation(div);
      return div;
    };
    ctl.addTo(map);
    return ctl;
  }
  function inset(map, opts) {  /* a small overview map in a corner: the regions and where the lot is */
    var ctl = L.control({position: opts.position || "bottomleft"});
    ctl.onAdd = function () { return L.DomUtil.create("div", "lotrate-inset"); };
    ctl.addTo(map);
    var mini = L.map(ctl.getContainer(), {zoomControl: false, attributionControl: false, dragging: false,
      scrollWheelZoom: false, doubleClickZoom: false, boxZoom: false, keyboard: false, touchZoom: false,
      zoomSnap: 0});
    (opts.layers || []).forEach(function (l) {
      geojson(l.id, {styles: l.styles, interactive: false}).addTo(mini);
    });
    mini.fitBounds(opts.bounds);
    var redraw = function () { mini.invalidateSize({animate: false}); mini.fitBounds(opts.bounds); };
    window.addEventListener("beforeprint", redraw);
    return mini;
  }
  window.lotrate = {data: data, geojson: geojson, legend: legend, legendBody: legendBody, inset: inset,
                    symbol: symbol, hatch: hatch};
})();
"""

HELPER_CSS = """
.lotrate-legend { background: rgba(255,255,255,.92); padding: 5px 8px; border-radius: 4px; font: 11px/1.35
  system-ui, sans-serif; color: #222; box-shadow: 0 1px 4px rgba(0,0,0,.3); max-width: 240px; }
.lotrate-legend-title { font-weight: 600; margin-top: 2px; }
.lotrate-legend-row { padding-left: 31px; text-indent: -31px; }
.leaflet-container { font-size: 12px; }
.lotrate-symbol { margin-right: 5px; vertical-align: middle; }
.lotrate-tooltip { font: 12px/1.4 system-ui, sans-serif; max-width: 320px; white-space: normal; }
.lotrate-label { background: rgba(255,255,255,.85); border: 0; box-shadow: none; font: 600 11px/1.2 system-ui,
  sans-serif; color: #333; padding: 1px 4px; }
.lotrate-label::before { display: none; }
.lotrate-inset { width: 170px; height: 130px; border: 1px solid #8a939c; background: #f4f6f8;
  box-shadow: 0 1px 4px rgba(0,0,0,.3); }
.leaflet-container { background: #eef1f4; }
"""

_HEAD_TEMPLATE = Template("<style>{{ css }}</style>\n<script>{{ js }}</script>")


def helper_head() -> str:
    """The ``<style>`` and ``<script>`` every lotrate map needs once per page."""
    return _HEAD_TEMPLATE.render(css=HELPER_CSS, js=HELPER_JS)


class InertMacro(MacroElement):
    """A folium element whose page pieces are finished text (:class:`Inert`), never templates.

    Subclasses return the pieces from :meth:`pieces`, built with fixed templates from ids and lotrate's own
    constants; every user or layer text goes in :meth:`data` as JSON.
    """

    def pieces(self) -> dict[str, str]:  # "header", "html", "script" -> text
        raise NotImplementedError

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]  # branca's MacroElement returns None too
        figure = self.get_root()
        if not isinstance(figure, Figure):
            raise TypeError("a lotrate map element can only be rendered inside a folium Figure")
        figure.header.add_child(Inert(helper_head()), name="lotrate_helpers")
        for part, text in self.pieces().items():
            getattr(figure, part).add_child(Inert(text), name=f"{self.get_name()}_{part}")
        for child in self._children.values():
            child.render(**kwargs)
