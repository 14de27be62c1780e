"""Hostile text through every field and every output: nothing is evaluated, nothing runs, nothing leaves.

folium/branca render each map element's output as a Jinja2 template once more; before lotrate kept every text
as JSON data, ``{{ 6*7 }}`` in a lot id printed 42, ``{{ lipsum.__globals__.os.popen(...) }}`` ran a command and
``{#`` crashed the report. Here each payload goes through each text field (lot id, address, a property, a
zone's name and source from a user zone layer, region and district names from a user region layer, a frame's
lot id column) and each output (report page, index page, ``lot_map``, ``territory_map``, the rich views of a
Resolution and an Assessment). Every output must show the text literally, create no file, raise nothing and
keep the text out of every executable script; headless Chromium then checks that nothing runs and no request
leaves the page except documented tile hosts.
"""

from __future__ import annotations

import html
import json
import re
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from lotrate import data_path
from lotrate.index.regions import RegionIndex
from lotrate.index.zones import ZoneIndex
from lotrate.io.lotfile import read_features
from lotrate.render.maps import TILE_HOSTS, lot_map, territory_map
from lotrate.render.report import report_html
from lotrate.render.reportset import write_reports
from lotrate.resolution.lots import resolve_geometry
from support.chromium import Chromium, chromium_binary, remote_urls

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples" / "sample_lots.geojson"
MARKER = "MARKER"  # replaced by an absolute path under tmp_path in each test


PAYLOADS: dict[str, str] = {
    "expression": "{{ 6*7 }}",
    "statement": "{% for x in range(3) %}",
    "comment": "{# ",
    "command": "{{ lipsum.__globals__.os.popen('touch MARKER').read() }}",
    "command_cycler": "{{ cycler.__init__.__globals__.os.popen('touch MARKER').read() }}",
    "script_close": "</script><script>window.__pwn=1</script>",
    "attribute": "\"'><img src=x onerror=window.__pwn=1>",
    "style_close": "</style><script>window.__pwn=1</script>",
    "newlines": "line one\nline two\r\nline three",
    "separators": "a\u2028b\u2029c",
    "chinese": "觀塘 海濱道 新界北",
    "emoji": "🏭 lot 🚧",
    "js_template": "${window.__pwn=1}`'\"\\",
}


def _read(path: Path) -> str:
    with open(path, encoding="utf-8", newline="") as fh:  # keep a \r\n in a text as it was written
        return fh.read()


def _payload(name: str, marker: Path) -> str:
    return PAYLOADS[name].replace(MARKER, str(marker))


# --- what a page shows, decoded -----------------------------------------------------------------------------


class Parsed(HTMLParser):
    """Text nodes, attributes, executable scripts and JSON data blocks of a page; iframes' srcdoc pages too."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.attrs: list[tuple[str, str, str]] = []
        self.scripts: list[str] = []
        self.data: list[Any] = []
        self.frames: list[Parsed] = []
        self._script: dict[str, str | None] | None = None
        self._buf: list[str] = []
        self.feed(page)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for k, v in attrs:
            self.attrs.append((tag, k, v or ""))
        if tag in ("script", "style"):
            self._script = {"tag": tag, "type": dict(attrs).get("type")}
            self._buf = []
        if tag == "iframe" and dict(attrs).get("srcdoc"):
            self.frames.append(Parsed(str(dict(attrs)["srcdoc"])))

    def handle_endtag(self, tag: str) -> None:
        if self._script is not None and tag == self._script["tag"]:
            body = "".join(self._buf)
            if tag == "script" and self._script["type"] == "application/json":
                self.data.append(json.loads(body))
            elif tag == "script":
                self.scripts.append(body)
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._buf.append(data)
        else:
            self.texts.append(data)

    def strings(self) -> Iterator[str]:
        """Every text a reader can see: text nodes (joined), attribute values, JSON strings, frames'."""
        yield "".join(self.texts)
        for _, _, v in self.attrs:
            yield v
        stack = list(self.data)
        while stack:
            item = stack.pop()
            if isinstance(item, str):
                yield item
            elif isinstance(item, dict):
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(item)
        for frame in self.frames:
            yield from frame.strings()

    def all_scripts(self) -> list[str]:
        return self.scripts + [s for f in self.frames for s in f.all_scripts()]

    def all_attrs(self) -> list[tuple[str, str, str]]:
        return self.attrs + [a for f in self.frames for a in f.all_attrs()]


def assert_inert(page: str, expected: list[str], marker: Path) -> Parsed:
    """``page`` shows every ``expected`` text literally, ran nothing, and keeps text out of its scripts."""
    assert not marker.exists(), "a template payload ran a command"
    parsed = Parsed(page)
    strings = list(parsed.strings())
    for text in expected:
        assert any(text in s for s in strings), f"{text!r} is not shown literally"
    for script in parsed.all_scripts():
        assert "__pwn" not in script and "os.popen" not in script and "{{ 6*7 }}" not in script
    for tag, name, value in parsed.all_attrs():
        assert not name.startswith("on"), (tag, name, value)
        if tag == "img":
            assert value.startswith("data:image/") or name != "src", (tag, name, value)
    return parsed


# --- hostile layers ---------------------------------------------------------------------------------------


def _region_layer(tmp: Path, text: str) -> RegionIndex:
    """The built-in region and district layers with KE's names and Kwun Tong's district names set to ``text``."""
    regions = json.loads(data_path("regions", "appendix_ii.geojson").read_text(encoding="utf-8"))
    for f in regions["features"]:
        if f["properties"]["code"] == "KE":
            f["properties"].update(name_en=f"Region {text}", name_zh=f"區 {text}", assumption=f"Assume {text}",
                                   source=f"Source {text}")  # fmt: skip
    districts = json.loads(data_path("regions", "districts.geojson").read_text(encoding="utf-8"))
    for f in districts["features"]:
        if f["properties"]["name_en"] == "Kwun Tong":
            f["properties"].update(name_en=f"District {text}", name_zh=f"區 {text}",
                                   district_lands_office=f"Office {text}")  # fmt: skip
    rp, dp = tmp / "regions.geojson", tmp / "districts.geojson"
    rp.write_text(json.dumps(regions, ensure_ascii=False), encoding="utf-8")
    dp.write_text(json.dumps(districts, ensure_ascii=False), encoding="utf-8")
    return RegionIndex.from_file(rp, districts=dp)


def _zone_layer(tmp: Path, text: str, around: Any) -> ZoneIndex:
    """A user NDA layer (``--zones``) with one approximate zone named ``text`` around the lot."""
    import shapely
    from shapely.geometry import mapping

    from lotrate.crs import geometry_to_grid

    lot = geometry_to_grid(around.geometry, around.crs)
    zone = shapely.buffer(lot.envelope, 150).envelope
    doc = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::2326"}},
        "features": [
            {
                "type": "Feature",
                "properties": {
                    "kind": "NDA",
                    "name": f"Zone {text}",
                    "status": "approximate",
                    "accuracy_m": 60,
                    "source": f"Zone source {text}",
                },
                "geometry": mapping(zone),
            }
        ],
    }
    path = tmp / "zones.geojson"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return ZoneIndex.from_files(path)


def _lot(text: str) -> dict[str, Any]:
    feat = read_features(SAMPLES)[0]  # KTIL 713, Kwun Tong (KE)
    props = dict(feat.properties, lot_id=f"Lot {text}", address=f"Address {text}", ozp_zone=f"OZP {text}")
    return {"type": "Feature", "properties": props, "geometry": feat.geometry}


@pytest.fixture(params=sorted(PAYLOADS), ids=sorted(PAYLOADS))
def case(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, Any]:
    marker = tmp_path / "pwned"
    text = _payload(request.param, marker)
    doc = _lot(text)
    feat = read_features(doc)[0]
    regions = _region_layer(tmp_path, text)
    zones = _zone_layer(tmp_path, text, feat)
    return {"name": request.param, "text": text, "marker": marker, "doc": doc, "feat": feat,
            "regions": regions, "zones": zones, "tmp": tmp_path}  # fmt: skip


def _as_read(case: dict[str, Any]) -> str:
    """The lot id as the lot file reader gives it (it may normalise characters such as line breaks)."""
    lot_id: str = case["feat"].lot_id
    if case["name"] not in ("newlines", "separators"):
        assert lot_id == f"Lot {case['text']}"  # template text is data: the reader keeps it as it is
    return lot_id[len("Lot ") :]


# --- every output ---------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_report_page(case: dict[str, Any]) -> None:
    page = report_html(case["doc"], regions=case["regions"], zones=case["zones"], firm=f"Firm {case['text']}",
                       reference=f"Ref {case['text']}")  # fmt: skip
    text = _as_read(case)
    parsed = assert_inert(
        page,
        [
            f"Lot {text}",
            f"Address {text}",
            f"OZP {case['text']}",
            f"Zone {case['text']}",
            f"Region {case['text']}",
            f"District {case['text']}",
            f"Firm {case['text']}",
            f"Ref {case['text']}",
        ],
        case["marker"],
    )
    assert len(parsed.data) >= 6  # the map's texts travel as JSON data
    # the running header is CSS: every character but letters, digits and spaces is escaped
    style = re.search(r"<style>(@page \{ @top-left.*?)</style>", page, re.S)
    assert style and not re.search(r"[<>{}%#`'$]", style.group(1).split("content: ", 1)[1].split(";", 1)[0])


@pytest.mark.slow
def test_index_page(case: dict[str, Any]) -> None:
    macau = {"type": "Feature", "properties": {"lot_id": f"Far {case['text']}"},
             "geometry": {"type": "Point", "coordinates": [113.5439, 22.1987]}}  # fmt: skip
    doc = {"type": "FeatureCollection", "features": [case["doc"], macau]}
    rs = write_reports(doc, case["tmp"] / "out", regions=case["regions"], zones=case["zones"],
                       firm=f"Firm {case['text']}")  # fmt: skip
    text = _as_read(case)
    page = _read(rs.index)
    assert_inert(page, [f"Lot {text}", f"Address {text}", f"Far {case['text']}", f"Firm {case['text']}"],
                 case["marker"])  # fmt: skip
    assert rs.entries[0].path is not None
    assert_inert(_read(rs.entries[0].path), [f"Lot {text}"], case["marker"])


def test_lot_map(case: dict[str, Any]) -> None:
    r = resolve_geometry(case["feat"].geometry, regions=case["regions"], zones=case["zones"])
    for view in ("site", "context"):
        m = lot_map(case["feat"], resolution=r, regions=case["regions"], zones=case["zones"], view=view)
        page = m.get_root().render()
        assert_inert(
            page,
            [f"Lot {_as_read(case)}", f"Zone {case['text']}", f"Region {case['text']}", f"District {case['text']}"],
            case["marker"],
        )
    m = lot_map(case["feat"], label=f"Label {case['text']}", regions=case["regions"], zones=case["zones"])
    assert_inert(m._repr_html_(), [f"Label {case['text']}"], case["marker"])


@pytest.mark.slow
def test_territory_map(case: dict[str, Any]) -> None:
    import geopandas as gpd

    from lotrate.premium.assess import assess_frame

    gdf = gpd.GeoDataFrame.from_features([case["doc"]], crs="EPSG:4326")
    gdf["lot_id"] = [f"Row {case['text']}"]
    assessed = assess_frame(gdf, regions=case["regions"], zones=case["zones"])
    for by in ("region", "verdict", "premium"):
        page = territory_map(assessed, by=by, regions=case["regions"]).get_root().render()
        assert_inert(page, [f"Row {case['text']}"], case["marker"])


@pytest.mark.slow
def test_rich_views(case: dict[str, Any]) -> None:
    from lotrate.premium.assess import assess

    r = resolve_geometry(case["feat"].geometry, regions=case["regions"], zones=case["zones"])
    view = assert_inert(r._repr_html_(), [f"Zone {case['text']}", f"Region {case['text']}",
                                          f"District {case['text']}"], case["marker"])  # fmt: skip
    assert len(view.frames) == 1 and view.frames[0].data  # the map, its texts as JSON data
    a = assess(case["doc"], regions=case["regions"], zones=case["zones"])
    view = assert_inert(a._repr_html_(), [f"Lot {_as_read(case)}", f"Zone {case['text']}"], case["marker"])
    assert len(view.frames) == 1
    shown = [s for s in view.frames[0].strings()]
    assert any(s == f"Lot {_as_read(case)}" for s in shown)  # the lot's tooltip title, as data in the map


def test_payloads_were_live_in_a_bare_folium_map(tmp_path: Path) -> None:
    """The class of bug: folium evaluates text placed in an element's output; lotrate's elements never do."""
    import folium
    from branca.element import MacroElement
    from jinja2 import Template

    class Naive(MacroElement):  # what any element that formats text into its script does
        _template = Template("{% macro script(this, kwargs) %}var t = {{ this.text|tojson }};{% endmacro %}")

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    m = folium.Map(tiles=None)
    m.add_child(Naive("{{ 6*7 }}"))
    assert 'var t = "42";' in m.get_root().render()  # folium re-reads it as a template: the bug
    safe = lot_map({"type": "Point", "coordinates": [114.2250, 22.3130]}, label="{{ 6*7 }}")
    out = safe.get_root().render()
    assert "{{ 6*7 }}" in out and '"42"' not in out


# --- in a browser -----------------------------------------------------------------------------------------

#: open every tooltip of every map on the page, so that tooltip code runs on every text
OPEN_TOOLTIPS_JS = """
(() => {
  const texts = [];
  document.querySelectorAll('.folium-map').forEach(el => {
    const map = window[el.id];
    if (!map) return;
    map.eachLayer(l => {
      if (!l.feature || !l._map || (l.options && l.options.interactive === false)) return;
      const ll = l.getLatLng ? l.getLatLng() : l.getBounds().getCenter();
      l.fire('mouseover', {latlng: ll}, true);  // as a pointer would: the group's tooltip opens on it
      document.querySelectorAll('.leaflet-tooltip').forEach(t => texts.push(t.textContent));
      l.fire('mouseout', {latlng: ll}, true);
    });
  });
  return texts;
})()
"""


@pytest.fixture(scope="module")
def chromium() -> Iterator[Chromium]:
    browser = Chromium(chromium_binary())
    try:
        browser.open_tab()
        yield browser
    finally:
        browser.close()


@pytest.fixture(scope="module")
def hostile_pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every page type, for every payload: one report set (reports and index), maps, rich views."""
    from lotrate.premium.assess import assess

    tmp = tmp_path_factory.mktemp("hostile_pages")
    marker = tmp / "pwned"
    texts = [_payload(n, marker) for n in sorted(PAYLOADS)]
    joined = " | ".join(texts)
    base = read_features(SAMPLES)[0]
    regions = _region_layer(tmp, joined)
    zones = _zone_layer(tmp, joined, base)
    docs = [_lot(t) for t in texts]
    rs = write_reports({"type": "FeatureCollection", "features": docs}, tmp / "reports", regions=regions,
                       zones=zones, firm=joined, reference=joined)  # fmt: skip
    pages = {"index": rs.index}
    pages |= {f"report_{n}": e.path for n, e in zip(sorted(PAYLOADS), rs.entries) if e.path is not None}
    feat = read_features(docs[0])[0]
    r = resolve_geometry(feat.geometry, regions=regions, zones=zones)
    m = lot_map(feat, resolution=r, regions=regions, zones=zones, label=joined)
    pages["lot_map"] = tmp / "lot_map.html"
    m.save(str(pages["lot_map"]))
    a = assess(docs[0], regions=regions, zones=zones)
    for name, view in (("resolution_view", r._repr_html_()), ("assessment_view", a._repr_html_())):
        pages[name] = tmp / f"{name}.html"
        pages[name].write_text(f"<!DOCTYPE html><meta charset='utf-8'><body>{view}</body>", encoding="utf-8")
    return {"pages": pages, "marker": marker, "texts": texts}


@pytest.mark.browser
def test_nothing_runs_in_chromium(chromium: Chromium, hostile_pages: dict[str, Any]) -> None:
    for name, path in hostile_pages["pages"].items():
        urls = chromium.load(path, ready="document.readyState === 'complete'")
        time.sleep(0.3)
        frames = "[window, ...[...document.querySelectorAll('iframe')].map(f => f.contentWindow)]"
        opened = chromium.js(f"{frames}.length")
        if name.endswith("_view"):  # the map is inside the view's iframe: wait for it to draw
            deadline = time.monotonic() + 10
            while not chromium.js(
                "[...document.querySelectorAll('iframe')].every(f => f.contentDocument && "
                "f.contentDocument.querySelectorAll('path.leaflet-interactive').length > 0)"
            ):
                assert time.monotonic() < deadline, f"{name}: the map in the rich view did not draw"
                time.sleep(0.2)
        else:
            opened = len(chromium.js(OPEN_TOOLTIPS_JS))
            assert opened > 0, name
        time.sleep(0.2)
        assert chromium.js(f"{frames}.every(w => w.__pwn === undefined)"), name
        assert chromium.dialogs == [], name
        assert chromium.js(f"{frames}.every(w => w.document.querySelectorAll('img[onerror], img[src=x]').length == 0)")
        leaving = [u for u in remote_urls(urls) if not u.startswith(TILE_HOSTS)]
        assert leaving == [], (name, leaving)
        assert not hostile_pages["marker"].exists()
    # the texts are shown as text: the lot id heads its report, exactly as given
    path = hostile_pages["pages"]["report_expression"]
    chromium.load(path, ready="document.readyState === 'complete'")
    assert chromium.js("document.querySelector('#lot-id').textContent") == "Lot {{ 6*7 }}"
    legend = chromium.js("document.querySelector('#legend').textContent")
    assert "{{ 6*7 }}" in legend and "</script>" in legend


@pytest.mark.browser
def test_page_texts_are_exact_in_the_dom(chromium: Chromium, hostile_pages: dict[str, Any]) -> None:
    for name in ("script_close", "attribute", "chinese", "emoji", "command"):
        path = hostile_pages["pages"][f"report_{name}"]
        chromium.load(path)
        expected = "Lot " + _payload(name, hostile_pages["marker"])
        assert chromium.js("document.querySelector('#lot-id').textContent") == expected
        assert chromium.js("document.querySelector('#address').textContent") == expected.replace("Lot", "Address", 1)
        tips = chromium.js(OPEN_TOOLTIPS_JS)
        assert any(t.startswith(expected) for t in tips), (name, tips[:3])
    assert not hostile_pages["marker"].exists()


def test_hostile_html_in_views_is_escaped() -> None:
    from lotrate.render.jupyter import html_view

    page = html_view(object())
    assert page.startswith("<pre>") and html.escape(repr(object())[:8]) in page


def test_texts_survive_a_copy_of_the_layers(tmp_path: Path) -> None:
    """The hostile region layer really is read as a user layer (not the cached built-in one)."""
    text = PAYLOADS["expression"]
    regions = _region_layer(tmp_path, text)
    assert any(r.name_en == f"Region {text}" for r in regions.regions)
