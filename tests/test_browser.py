"""Reports, maps and views in a real browser: Debian's headless Chromium, offline, over the DevTools protocol.

Chromium runs with every host name resolving to nothing, so a page that needed a CDN would draw no map here
(:mod:`support.chromium`). Screenshots and PDFs of each page type go to ``artifacts/`` (git-ignored) for a
person to look at: the report (screen and print), a report whose scheme does not apply, the index, a saved
``lot_map``, a ``territory_map`` and the rich views.

These tests never skip: without Chromium they fail and say how to install it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lotrate.io.lotfile import read_features
from lotrate.render.format import money
from lotrate.render.maps import TILE_HOSTS
from lotrate.render.report import report_html
from lotrate.render.reportset import write_reports
from support.chromium import Chromium, chromium_binary, pdf_page_count, remote_urls

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "artifacts"
SAMPLES = ROOT / "data" / "samples" / "sample_lots.geojson"
HOSTILE_ID = "<img src=x onerror=alert(1)>"
HOSTILE_ADDRESS = "</script><script>window.__xss = 'script'</script><img src=y onerror=\"window.__xss='img'\">"
HOSTILE_OZP = "${window.__xss = 'template'}`\"-alert(2)-\""
#: A4 less lotrate's page margins (13 mm top and bottom), in CSS pixels
A4_CONTENT_HEIGHT_PX = (297 - 26) / 25.4 * 96
A4_CONTENT_WIDTH_PX = (210 - 24) / 25.4 * 96


@pytest.fixture(scope="module")
def chromium() -> Iterator[Chromium]:
    browser = Chromium(chromium_binary())
    try:
        browser.open_tab()
        yield browser
    finally:
        browser.close()


# JavaScript run in the page: every vector layer Leaflet drew in each map, by what it shows
LAYERS_JS = """
(() => [...document.querySelectorAll('.folium-map')].map(el => {
  const map = window[el.id];
  const out = {region: [], zone: [], band: [], label: [], lot: [], marker: 0};
  if (!map) return out;
  map.eachLayer(l => {
    const p = l.feature && l.feature.properties;
    if (!p || !l._path || !document.contains(l._path) || !(l._path.getAttribute('d') || '').length) return;
    if (p.code) out.region.push(p.code);
    else if (p.label_only) out.label.push(p.label);
    else if (p.band) out.band.push(p.name);
    else if (p.kind) out.zone.push(p.name);
    else { out.lot.push(p.tip_title); if (p.marker) out.marker += 1; }
  });
  return out;
}))()
"""

#: the on-screen box of the lot's outline (or marker) in each map
LOT_BOX_JS = """
(() => [...document.querySelectorAll('.folium-map')].map(el => {
  const map = window[el.id];
  let box = null;
  map.eachLayer(l => {
    const p = l.feature && l.feature.properties;
    if (p && p.lot && l._path && (!box || !p.marker)) {
      const r = l._path.getBoundingClientRect();
      box = {x: r.x, y: r.y, width: r.width, height: r.height, marker: !!p.marker};
    }
  });
  return box;
}))()
"""


@pytest.fixture(scope="module")
def sample_reports(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return write_reports(SAMPLES, tmp_path_factory.mktemp("reports"), firm="Wong & Partners", reference="J-017")


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    feat = read_features(SAMPLES)[0]
    props = dict(feat.properties, lot_id=HOSTILE_ID, address=HOSTILE_ADDRESS, ozp_zone=HOSTILE_OZP)
    doc = {"type": "Feature", "properties": props, "geometry": feat.geometry}
    path = tmp_path_factory.mktemp("hostile") / "hostile.html"
    path.write_text(report_html(doc), encoding="utf-8")
    return path


def _entry(reports: Any, lot_id: str) -> Any:
    return next(e for e in reports.entries if e.lot_id == lot_id)


def _print_media(chromium: Chromium, on: bool) -> None:
    """Lay the page out as Chromium prints it: print media, the width of A4 less the margins."""
    chromium.send("Emulation.setEmulatedMedia", {"media": "print" if on else ""})
    width = round(A4_CONTENT_WIDTH_PX) if on else 900
    chromium.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": 1200, "deviceScaleFactor": 1, "mobile": False})  # fmt: skip


# --- the report -----------------------------------------------------------------------------------------


def test_report_draws_both_maps_offline(chromium: Chromium, sample_reports: Any) -> None:
    urls = chromium.load(_entry(sample_reports, "KTIL 713").path)
    assert chromium.js("typeof L !== 'undefined' && L.version") == "1.9.3"
    site, context = chromium.js(LAYERS_JS)
    for layers in (site, context):
        assert sorted(layers["region"]) == ["HKI", "KE", "KW", "NTN", "NTS"]
        assert len(layers["zone"]) == 16 and len(layers["band"]) == 16
    assert site["lot"] == ["KTIL 713"] and site["marker"] == 0  # the outline at site scale
    assert context["lot"] == ["KTIL 713", "KTIL 713"] and context["marker"] == 1  # and a dot in context
    remote = remote_urls(urls)
    assert remote, "the basemap should at least try to load tiles"
    assert all(u.startswith("https://tile.openstreetmap.org/") for u in remote), remote
    assert chromium.dialogs == []
    chromium.screenshot(ARTIFACTS / "report_KTIL_713.png")


def test_site_view_shows_the_lot_outline(chromium: Chromium, sample_reports: Any) -> None:
    chromium.load(_entry(sample_reports, "KTIL 713").path)
    site, context = chromium.js(LOT_BOX_JS)
    assert not site["marker"] and site["width"] > 80 and site["height"] > 60  # a 1,200 m² lot, drawn large
    assert context["width"] < 20  # in context it is a dot
    legend = chromium.js("document.querySelector('#legend').innerText")
    assert "The lot (boundary)" in legend
    assert chromium.js("document.querySelector('#legend .legend-item:last-child polygon') !== null")


def test_report_shows_verdict_premium_and_computation(chromium: Chromium, sample_reports: Any) -> None:
    entry = _entry(sample_reports, "KTIL 713")
    assert entry.status == "premium" and entry.premium_hkd is not None
    chromium.load(entry.path)
    assert chromium.js("document.querySelector('#premium').textContent.trim()") == money(entry.premium_hkd)
    assert chromium.js("document.querySelector('#verdict').textContent.trim()") == "Scheme applies"
    rows = chromium.js("[...document.querySelectorAll('#computation-table tbody tr')].map(r => r.innerText)")
    assert any(r.startswith("A") for r in rows) and any("para 5" in r for r in rows)
    assert chromium.js("document.querySelectorAll('#eligibility tr.check').length") >= 4
    assert chromium.js("getComputedStyle(document.querySelector('#watermark')).position") == "fixed"
    assert chromium.js("document.querySelector('#firm').textContent") == "Wong & Partners"


def test_not_applicable_lot_says_why_with_its_approximate_zone(chromium: Chromium, sample_reports: Any) -> None:
    entry = _entry(sample_reports, "TPTL 45")  # Tai Po INNOPARK
    assert entry.status == "not_applicable"
    chromium.load(entry.path)
    assert chromium.js("document.querySelector('#premium')") is None
    assert chromium.js("document.querySelector('#verdict').textContent") == "Scheme not applicable"
    assert "Industrial Estate" in chromium.js("document.querySelector('#zones').innerText")
    # the approximate zone is a hatched, dashed band, labelled with its accuracy
    bands = chromium.js(
        "[...document.querySelectorAll('path.leaflet-interactive')].filter(p => "
        "(p.getAttribute('fill') || '').startsWith('url(#lotrate-hatch-') && p.getAttribute('stroke-dasharray'))"
        ".length"
    )
    assert bands >= 2  # in both maps
    assert chromium.js("document.querySelector('#lotrate-patterns pattern') !== null")
    labels = chromium.js("[...document.querySelectorAll('.lotrate-label')].map(l => l.textContent)")
    assert "approximate, about 200 m" in labels
    assert "Industrial Estate (INNOPARK): approximate, about 200 m" in chromium.js(
        "document.querySelector('#legend').innerText"
    )
    chromium.screenshot(ARTIFACTS / "report_TPTL_45.png")


def test_hostile_text_stays_inert(chromium: Chromium, hostile_report: Path) -> None:
    chromium.load(hostile_report)
    assert chromium.js("window.__xss === undefined")
    assert chromium.dialogs == []
    assert chromium.js("document.querySelector('#lot-id').textContent") == HOSTILE_ID
    assert chromium.js("document.querySelector('#address').textContent") == HOSTILE_ADDRESS
    assert HOSTILE_ID in chromium.js("document.title")
    assert chromium.js("document.querySelectorAll('img[onerror], img[src=x], img[src=y]').length") == 0
    assert chromium.js("document.querySelectorAll('script:not([type=\"application/json\"])').length") == 7
    assert HOSTILE_OZP in chromium.js("document.querySelector('#particulars').innerText")
    # hover the lot in the site map: its tooltip shows the id as text, and still nothing runs
    box = chromium.js(LOT_BOX_JS)[0]
    chromium.mouse_to(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    time.sleep(0.3)
    tip = chromium.js("(document.querySelector('.leaflet-tooltip') || {}).textContent || ''")
    assert tip.startswith(HOSTILE_ID)
    assert chromium.js("document.querySelectorAll('.leaflet-tooltip img').length") == 0
    assert chromium.js("window.__xss === undefined") and chromium.dialogs == []
    chromium.screenshot(ARTIFACTS / "report_hostile.png", full_page=False)


# --- print -------------------------------------------------------------------------------------------------

STANDARD = ["KTIL 713", "NKIL 4745", "KIL 9030", "CWIL 88", "AIL 384", "KCTL 371", "STTL 325", "TPTL 12"]


def test_standard_lots_print_on_two_a4_pages(chromium: Chromium, sample_reports: Any) -> None:
    counts = {}
    for lot_id in [e.lot_id for e in sample_reports.entries]:
        entry = _entry(sample_reports, lot_id)
        chromium.load(entry.path)
        pdf = chromium.print_pdf()
        assert pdf.startswith(b"%PDF")
        counts[lot_id] = pdf_page_count(pdf)
        if lot_id == "KTIL 713":
            (ARTIFACTS / "report_KTIL_713.pdf").write_bytes(pdf)
    assert all(counts[k] == 2 for k in STANDARD), counts  # page 1 alone, then the rest on page 2
    assert all(n <= 3 for n in counts.values()), counts  # zones, unverified checks: never more than three


def test_page_one_stands_alone(chromium: Chromium, sample_reports: Any) -> None:
    for lot_id in ("KTIL 713", "AIL 384", "TPTL 45", "NKIL 5981"):
        chromium.load(_entry(sample_reports, lot_id).path)
        _print_media(chromium, True)
        try:
            time.sleep(0.2)
            height = chromium.js("document.querySelector('#page-1').getBoundingClientRect().height")
            assert height <= A4_CONTENT_HEIGHT_PX, (lot_id, height)
            inside = chromium.js(
                "['#lot-id', '#address', '#verdict', '.region-name', '#site-map .folium-map', "
                "'#context-map .folium-map', '#legend'].map(s => !!document.querySelector('#page-1 ' + s))"
            )
            assert all(inside), (lot_id, inside)
            priced = chromium.js("!!document.querySelector('#page-1 #premium')")
            assert priced == (lot_id != "TPTL 45")
            if priced:
                assert chromium.js("!!document.querySelector('#page-1 #computation-table')")
            styles = chromium.js(
                "[getComputedStyle(document.querySelector('#page-2')).breakBefore, "
                "getComputedStyle(document.querySelector('#computation-table tr, #eligibility tr')).breakInside, "
                "getComputedStyle(document.querySelector('.leaflet-control-zoom')).display]"
            )
            assert styles == ["page", "avoid", "none"]  # page 2 starts a page; no row is split
            if lot_id == "KTIL 713":
                chromium.screenshot(ARTIFACTS / "report_KTIL_713_print.png")
        finally:
            _print_media(chromium, False)


# --- the index ---------------------------------------------------------------------------------------------


def test_index_links_sorts_and_maps_every_lot(chromium: Chromium, sample_reports: Any) -> None:
    urls = chromium.load(sample_reports.index, ready="document.querySelector('#overview canvas') !== null")
    links = chromium.js("[...document.querySelectorAll('table a')].map(a => a.getAttribute('href'))")
    assert links == [e.path.name for e in sample_reports.entries if e.path is not None]
    assert all((sample_reports.index.parent / href).exists() for href in links)
    dots = chromium.js(
        "(() => { const map = window[document.querySelector('#overview .folium-map').id]; let n = 0; "
        "map.eachLayer(l => { if (l.feature && l.feature.properties.tip_title && !l.feature.properties.code) n++; });"
        " return n; })()"
    )
    assert dots == len(sample_reports.entries)
    legend = chromium.js("document.querySelector('.lotrate-legend').innerText")
    assert "Scheme applies" in legend and "Scheme not applicable" in legend and "Unverified" in legend
    assert all(u.startswith(TILE_HOSTS) for u in remote_urls(urls))
    premiums = "[...document.querySelectorAll('#lots tbody tr')].map(r => r.cells[4].dataset.sort)"
    chromium.js("document.querySelectorAll('#lots th button')[4].click()")
    asc = [float(v) for v in chromium.js(premiums) if v]
    assert asc == sorted(asc) and len(asc) >= 9
    chromium.js("document.querySelectorAll('#lots th button')[4].click()")
    desc = [float(v) for v in chromium.js(premiums) if v]
    assert desc == sorted(desc, reverse=True)
    chromium.js("document.querySelectorAll('#lots th button')[1].click()")
    addresses = chromium.js("[...document.querySelectorAll('#lots tbody tr')].map(r => r.cells[1].textContent)")
    assert addresses == sorted(addresses, key=str.lower)
    chromium.load(sample_reports.index, ready="document.querySelector('#overview canvas') !== null")
    chromium.screenshot(ARTIFACTS / "index.png")


# --- maps and views -----------------------------------------------------------------------------------------


def test_saved_lot_map_draws_offline_at_site_scale(chromium: Chromium, tmp_path: Path) -> None:
    from lotrate.render.maps import lot_map

    path = tmp_path / "map.html"
    lot_map(read_features(SAMPLES)[0]).save(str(path))
    urls = chromium.load(path)
    layers = chromium.js(LAYERS_JS)[0]
    assert len(layers["region"]) == 5 and layers["zone"] and layers["lot"] == ["KTIL 713"]
    assert chromium.js("document.querySelector('.lotrate-legend').innerText").count("(") >= 2
    inset = chromium.js("document.querySelectorAll('.lotrate-inset path').length")
    assert inset >= 6  # the overview inset: the regions and the lot's dot
    assert all(u.startswith(("file:", "data:", "https://tile.openstreetmap.org/")) for u in urls), urls
    chromium.screenshot(ARTIFACTS / "lot_map.png", full_page=False)


def test_territory_map_draws_every_lot(chromium: Chromium, tmp_path: Path) -> None:
    import geopandas as gpd

    from lotrate.premium.assess import assess_frame
    from lotrate.render.maps import territory_map

    lots = gpd.read_file(SAMPLES)
    assessed = assess_frame(lots)
    path = tmp_path / "territory.html"
    territory_map(assessed, by="verdict").save(str(path))
    urls = chromium.load(path, ready="document.querySelector('canvas') !== null")
    legend = chromium.js("document.querySelector('.lotrate-legend').innerText")
    assert "Scheme applies" in legend
    assert all(u.startswith(("file:", "data:", *TILE_HOSTS)) for u in urls), urls
    chromium.screenshot(ARTIFACTS / "territory_map.png", full_page=False)


def test_rich_views_show_the_site_map_and_align_their_tables(chromium: Chromium, tmp_path: Path) -> None:
    from lotrate.premium.assess import assess
    from lotrate.resolution.lots import resolve_geometry

    feat = read_features(SAMPLES)[0]
    a = assess(feat)
    r = resolve_geometry(feat.geometry)
    for name, view in (("assessment", a._repr_html_()), ("resolution", r._repr_html_())):
        path = tmp_path / f"{name}.html"
        path.write_text(f"<!DOCTYPE html><meta charset='utf-8'><body style='margin:12px'>{view}</body>",
                        encoding="utf-8")  # fmt: skip
        chromium.load(path, ready="document.readyState === 'complete'")
        deadline = time.monotonic() + 10
        frame = "document.querySelector('iframe').contentDocument"
        while not chromium.js(f"{frame} && {frame}.querySelectorAll('path.leaflet-interactive').length > 0"):
            assert time.monotonic() < deadline, f"the map of the {name} view did not draw"
            time.sleep(0.2)
        if name == "assessment":
            aligns = chromium.js(
                "[...document.querySelectorAll('.lotrate-assessment table:last-of-type tr:nth-child(2) td')]"
                ".map(td => getComputedStyle(td).textAlign)"
            )
            assert aligns[:2] == ["left", "left"] and aligns[2:5] == ["right", "right", "right"]
        chromium.screenshot(ARTIFACTS / f"rich_view_{name}.png")


def test_landsd_basemap_option_asks_the_government_tiles(chromium: Chromium, tmp_path: Path) -> None:
    path = tmp_path / "landsd.html"
    path.write_text(report_html(read_features(SAMPLES)[1], basemap="landsd"), encoding="utf-8")
    urls = chromium.load(path)
    remote = remote_urls(urls)
    assert remote and all(u.startswith("https://mapapi.geodata.gov.hk/gs/api/v1.0.0/xyz/") for u in remote)
    assert any("/xyz/basemap/WGS84/" in u for u in remote) and any("/xyz/label/hk/en/WGS84/" in u for u in remote)
    assert "Map information from Lands Department" in chromium.js(
        "document.querySelector('.leaflet-control-attribution').innerText"
    )
