"""report.py: one self-contained HTML report per lot, the index page, escaping, the Jupyter views, the CLI."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import shapely
from click.testing import CliRunner
from shapely.geometry import box

from lotrate.cli import main
from lotrate.index.regions import RegionIndex
from lotrate.io.lotfile import read_features
from lotrate.render.jupyter import resolution_html
from lotrate.render.leaflet import leaflet_assets
from lotrate.render.report import report_html, write_report
from lotrate.render.reportset import ReportSet, safe_filename, write_reports
from lotrate.resolution.lots import resolve_geometry
from lotrate.resolution.points import resolve

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples" / "sample_lots.geojson"
HOSTILE = "<img src=x onerror=alert(1)>"
WHEN = datetime(2024, 3, 1, 9, 30, tzinfo=timezone.utc)
MACAU = {
    "type": "Feature",
    "properties": {"lot_id": "Macau"},
    "geometry": {"type": "Point", "coordinates": [113.5439, 22.1987]},
}


class Page(HTMLParser):
    """The parts of a page the tests look at: elements with attributes, text by element id, scripts."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self.text_by_id: dict[str, str] = {}
        self._open: list[tuple[str, str | None]] = []
        self._in_script = False
        self.text: list[str] = []
        self.feed(html)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append((tag, a))
        self._space()
        if tag in ("meta", "link", "br", "img", "input", "hr", "wbr"):
            return
        self._open.append((tag, a.get("id")))
        if a.get("id"):
            self.text_by_id[str(a["id"])] = ""
        self._in_script = tag in ("script", "style")
        if tag == "script":
            self.scripts.append("")

    def _space(self) -> None:  # element boundaries separate words, as a browser's innerText does
        if not self._in_script:
            self.text.append(" ")
            for _, ident in self._open:
                if ident:
                    self.text_by_id[ident] += " "

    def handle_endtag(self, tag: str) -> None:
        if not any(t == tag for t, _ in self._open):
            return
        self._in_script = False
        self._space()
        while self._open:
            t, _ = self._open.pop()
            if t == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._in_script:
            if self._open and self._open[-1][0] == "script":
                self.scripts[-1] += data
            return
        self.text.append(data)
        for _, ident in self._open:
            if ident:
                self.text_by_id[ident] += data

    def all_text(self) -> str:
        return re.sub(r"\s+", " ", "".join(self.text))

    def section(self, ident: str) -> str:
        return re.sub(r"\s+", " ", self.text_by_id.get(ident, "")).strip()


@pytest.fixture(scope="module")
def samples() -> list[Any]:
    return read_features(SAMPLES)


@pytest.fixture(scope="module")
def by_id(samples: list[Any]) -> dict[str, Any]:
    return {f.lot_id: f for f in samples}


@pytest.fixture(scope="module")
def ktil_page(by_id: dict[str, Any]) -> str:
    return report_html(by_id["KTIL 713"], generated=WHEN)


def _shared_edge_point(a: str, b: str) -> shapely.Point:
    idx = RegionIndex.default()
    ga = next(r.geometry for r in idx.regions if r.code == a)
    gb = next(r.geometry for r in idx.regions if r.code == b)
    edge = shapely.intersection(ga.boundary, gb.boundary)
    line = max(shapely.get_parts(shapely.line_merge(edge)), key=lambda g: g.length)
    return line.interpolate(0.5, normalized=True)


# --- self-contained ---------------------------------------------------------------------------------------


def test_report_is_self_contained(ktil_page: str) -> None:
    page = Page(ktil_page)
    for tag, attrs in page.tags:
        if tag in ("script", "img", "iframe", "link", "source", "video", "audio", "embed", "object"):
            src = attrs.get("src") or ""
            assert (not src or src.startswith("data:")) and not attrs.get("href"), (tag, attrs)
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", ktil_page)  # no remote CSS images or fonts
    assert not re.search(r"@import", ktil_page)
    assert "L.map(" in ktil_page and "Leaflet 1.9" in ktil_page  # Leaflet itself is inlined
    assert 100_000 < len(ktil_page.encode()) < 1_000_000


def test_only_remote_references_are_tiles_and_attribution_links(ktil_page: str) -> None:
    allowed = (
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "https://mapapi.geodata.gov.hk/gs/api/v1.0.0/xyz/",
        "https://www.openstreetmap.org/copyright",
        "https://api.portal.hkmapservice.gov.hk/disclaimer",
        "https://leafletjs.com",
        "http://www.w3.org/2000/svg",  # the SVG namespace of the legend symbols: a name, never fetched
    )
    assets = leaflet_assets()  # Leaflet's own text (comments, namespaces) is checked by the browser test
    ours = ktil_page.replace(assets.js, "").replace(assets.css, "")
    assert len(ours) < len(ktil_page) - 100_000
    urls = re.findall(r"https?://[^\s\"'<>)\\]+", ours)
    assert urls and all(url.startswith(allowed) for url in urls), urls


# --- content ---------------------------------------------------------------------------------------------


def test_report_names_lot_address_district_and_office(ktil_page: str) -> None:
    page = Page(ktil_page)
    assert page.section("lot-id") == "KTIL 713"
    assert page.section("address") == "Hoi Yuen Road, Kwun Tong"
    text = page.all_text()
    assert "Kwun Tong" in text and "District Lands Office Kowloon East" in text
    assert "Kowloon East (KE)" in text
    assert "01 March 2024, 09:30 UTC" in text


def test_report_says_how_sure_the_region_is(by_id: dict[str, Any], ktil_page: str) -> None:
    r = resolve_geometry(by_id["KTIL 713"].geometry)
    location = Page(ktil_page).section("location")
    assert f"Nearest other region Kowloon West (KW), {r.boundary_distance_m:,.0f} m from the lot boundary" in location
    assert "Region layer accuracy about 50 m" in location and "Near a region boundary no" in location


def test_straddling_lot_reports_shares_and_warns() -> None:
    p = _shared_edge_point("KE", "KW")
    lot = box(p.x - 40, p.y - 40, p.x + 40, p.y + 40)
    doc = {"type": "Feature", "properties": {"lot_id": "EDGE 1"}, "geometry": shapely.geometry.mapping(lot)}
    page = Page(report_html(doc, crs="EPSG:2326", assess=False))
    location = page.section("location")
    assert "Share of the lot in each region" in location
    assert "Kowloon East (KE)" in location and "Kowloon West (KW)" in location and "%" in location
    assert "straddle" in page.section("warnings")
    assert "straddles regions" in page.section("summary")


def test_point_near_boundary_is_flagged() -> None:
    p = _shared_edge_point("KE", "KW")
    r = resolve(x=p.x + 10, y=p.y + 10, crs="EPSG:2326")
    doc = {
        "type": "Feature",
        "properties": {"lot_id": "NEAR 1"},
        "geometry": {"type": "Point", "coordinates": [p.x + 10, p.y + 10]},
    }
    page = Page(report_html(doc, crs="EPSG:2326", resolution=r, assess=False))
    assert r.near_boundary
    assert "Near a region boundary yes" in page.section("location")
    assert "Near a region boundary." in page.section("warnings")  # in words, not the code near_boundary
    assert "near_boundary" not in page.all_text()


def test_zone_and_its_consequence(by_id: dict[str, Any]) -> None:
    from lotrate.messages import zone_consequence as consequence
    from lotrate.render.format import client_text

    r = resolve_geometry(by_id["TPTL 45"].geometry)
    assert r.zones
    zones = Page(report_html(by_id["TPTL 45"], resolution=r, assess=False)).section("zones")
    for z in r.zones:
        assert z.name in zones
        assert re.sub(r"\s+", " ", client_text(consequence(z.kind, z.name))) in zones
        assert "approximate, about 200 m" in zones


def test_no_zone_says_which_layers_were_checked(ktil_page: str) -> None:
    assert "lies in no New Development Area, Pilot Scheme Area or Industrial Estate" in Page(ktil_page).section("zones")


def test_assumptions_are_stated(ktil_page: str) -> None:
    text = Page(ktil_page).section("assumptions")
    assert "Appendix II" in text and "2019 District Council districts" in text
    assert "approximations" in text
    assert "Not the Lands Department's determination" in text


def test_resolved_only_report(by_id: dict[str, Any]) -> None:
    page = Page(report_html(by_id["KTIL 713"], assess=False))
    assert "Not assessed" in page.section("summary")
    assert "No premium was computed for this lot." in page.section("computation")
    assert "resolves the lot's location only" in page.section("eligibility")
    assert "premium" not in page.text_by_id


def test_maps_are_embedded_with_the_lot(ktil_page: str) -> None:
    page = Page(ktil_page)
    divs = [a for t, a in page.tags if t == "div" and "folium-map" in (a.get("class") or "")]
    assert len(divs) == 2  # the site, and its location among the regions
    scripts = "".join(page.scripts)
    assert all(f'"{d["id"]}"' in scripts for d in divs)
    data = re.findall(r'<script type="application/json" id="[\w-]+">(.*?)</script>', ktil_page, re.S)
    assert any('"tip_title":"KTIL 713"' in d for d in data)  # the lot's id travels as data
    legend = page.section("legend")
    # only what the maps show (the context map reaches the harbour and Kowloon West), the lot as drawn
    assert legend.startswith("Hong Kong Island (HKI) Kowloon East (KE) Kowloon West (KW)")
    assert legend.endswith("The lot (boundary)") and "New Territories North" not in legend
    assert "Special zones" not in legend and "approximate" not in legend


# --- escaping ---------------------------------------------------------------------------------------------


def test_user_text_is_escaped_everywhere(by_id: dict[str, Any]) -> None:
    feat = by_id["KTIL 713"]
    props = dict(feat.properties, lot_id=HOSTILE, address="</script><script>alert(2)</script>", ozp_zone='"><b>x</b>')
    html = report_html({"type": "Feature", "properties": props, "geometry": feat.geometry}, assess=False)
    page = Page(html)
    assert page.section("lot-id") == HOSTILE
    assert page.section("address") == "</script><script>alert(2)</script>"
    assert not any(t == "img" for t, _ in page.tags)
    assert not any(t == "b" for t, _ in page.tags)
    executable = [a for t, a in page.tags if t == "script" and a.get("type") != "application/json"]
    assert len(executable) == 7  # Leaflet, and per map its helpers, set-up and script: nothing injected
    code = re.findall(r"<script>(.*?)</script>", html.replace(leaflet_assets().js, ""), re.S)
    assert len(code) == 7 and not any("alert" in c for c in code)  # the texts are only ever JSON data
    assert HOSTILE not in html and "<script>alert(2)" not in html
    assert f"<title>{HOSTILE.replace('<', '&lt;').replace('>', '&gt;')}" in html


# --- many lots --------------------------------------------------------------------------------------------


def test_safe_filenames_are_unique_and_tame() -> None:
    taken: set[str] = set()
    names = [safe_filename(x, taken) for x in ("KTIL 713", "KTIL 713", "ktil_713", "index", "", "..")]
    assert names == ["KTIL_713.html", "KTIL_713-2.html", "ktil_713-3.html", "index-2.html", "lot.html", "lot-2.html"]


def test_write_reports_one_per_lot_and_an_index(tmp_path: Path) -> None:
    rs = write_reports(SAMPLES, tmp_path / "out", generated=WHEN)
    assert isinstance(rs, ReportSet) and rs.index == tmp_path / "out" / "index.html"
    assert len(rs.entries) == len(read_features(SAMPLES)) and not rs.failed
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        ["index.html", *(e.path.name for e in rs.entries if e.path)]
    )
    index = Page(rs.index.read_text(encoding="utf-8"))
    hrefs = [a["href"] for t, a in index.tags if t == "a"]
    assert hrefs == [e.path.name for e in rs.entries if e.path]
    assert rs.to_dict()["reports"][0]["lot_id"] == "KTIL 713"


def test_write_reports_keeps_going_past_a_bad_lot(tmp_path: Path) -> None:
    doc = json.loads(SAMPLES.read_text(encoding="utf-8"))
    doc["features"] = [*doc["features"][:1], MACAU]
    rs = write_reports(doc, tmp_path, assess=False)
    assert [e.lot_id for e in rs.failed] == ["Macau"]
    assert rs.failed[0].path is None and "outside the HKSAR boundary" in (rs.failed[0].error or "")
    text = Page(rs.index.read_text(encoding="utf-8")).all_text()
    assert "Macau" in text and "outside the HKSAR boundary" in text


def test_write_report_single(tmp_path: Path, by_id: dict[str, Any]) -> None:
    out = write_report(by_id["KCTL 371"], tmp_path / "a" / "b.html", assess=False)
    assert out.exists() and "KCTL 371" in out.read_text(encoding="utf-8")


# --- Jupyter -----------------------------------------------------------------------------------------------


def test_resolution_repr_html() -> None:
    r = resolve(x=114.2250, y=22.3130)
    html = r._repr_html_()
    assert html.split("<iframe")[0] == resolution_html(r).split("<iframe")[0]  # the same view (map ids differ)
    assert "Kowloon East (KE)" in html and "Kwun Tong" in html and "<script" not in html


# --- command line -----------------------------------------------------------------------------------------


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_cli_report_one_lot_to_a_file(tmp_path: Path, by_id: dict[str, Any]) -> None:
    lot = tmp_path / "lot.geojson"
    f = by_id["NKIL 4745"]
    lot.write_text(json.dumps({"type": "Feature", "properties": f.properties, "geometry": f.geometry}))
    code, out, _ = run("report", str(lot), "-o", str(tmp_path / "r.html"))
    assert code == 0 and out.strip() == str(tmp_path / "r.html")
    assert "NKIL 4745" in (tmp_path / "r.html").read_text(encoding="utf-8")


def test_cli_report_collection_to_a_folder(tmp_path: Path) -> None:
    code, out, _ = run("report", str(SAMPLES), "-o", str(tmp_path / "reports"))
    assert code == 0
    lines = out.split()
    assert lines[0] == str(tmp_path / "reports" / "index.html") and len(lines) == 1 + len(read_features(SAMPLES))
    assert all(Path(p).exists() for p in lines)


def test_cli_report_many_lots_into_one_file_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = run("report", str(SAMPLES), "-o", str(tmp_path / "all.html"))
    assert code == 2 and f"{len(read_features(SAMPLES))} lots" in err and "folder" in err


def test_cli_report_bad_lot_exit_codes(tmp_path: Path) -> None:
    macau = {
        "type": "Feature",
        "properties": {"lot_id": "M"},
        "geometry": {"type": "Point", "coordinates": [113.5439, 22.1987]},
    }
    one = tmp_path / "one.geojson"
    one.write_text(json.dumps(macau))
    code, out, err = run("report", str(one), "-o", str(tmp_path / "m.html"))
    assert code == 1 and out == "" and "outside the HKSAR boundary" in err and "Traceback" not in err
    doc = json.loads(SAMPLES.read_text(encoding="utf-8"))
    doc["features"] = [*doc["features"][:2], macau]
    many = tmp_path / "many.geojson"
    many.write_text(json.dumps(doc))
    code, out, err = run("report", str(many), "-o", str(tmp_path / "dir"))
    assert code == 3 and "M:" in err and len(out.split()) == 3


# --- the premium ------------------------------------------------------------------------------------------


def _feature(by_id: dict[str, Any], key: str, /, **changes: Any) -> dict[str, Any]:
    f = by_id[key]
    props = {k: v for k, v in {**f.properties, **changes}.items() if v is not None}
    return {"type": "Feature", "properties": props, "geometry": f.geometry}


def test_premium_matches_the_engine_and_every_row_has_unit_and_source(by_id: dict[str, Any]) -> None:
    from lotrate.premium.assess import assess
    from lotrate.render.format import money

    a = assess(by_id["KTIL 713"])
    html = report_html(by_id["KTIL 713"], assessment=a)
    page = Page(html)
    assert page.section("premium") == money(a.premium_hkd) == "HK$504,000,000"
    table = page.section("computation-table")
    assert "A Maximum total GFA after the lease modification 14,400 m² para 5(i), fn 6" in table
    assert "A × B GFA after: commercial (KE) 14,400 m² HK$65,000/m² 936,000,000 paras 5(ii), 6" in table
    assert "C × D Existing GFA: industrial/godown (KE) 10,800 m² HK$40,000/m² −432,000,000" in table
    assert "E Gov. Accommodation cost: none conveyed 0 para 5(v)" in table
    assert "Premium (not below zero; to the nearest HK$1) 504,000,000 para 5, fn 5" in table
    # the figures add up as the formula says: 14,400 x 65,000 - 10,800 x 40,000 - 0
    assert a.premium_hkd == 14_400 * 65_000 - 10_800 * 40_000


def test_government_accommodation_rows(by_id: dict[str, Any]) -> None:
    table = Page(report_html(by_id["AIL 384"])).section("computation-table")
    assert "Maximum total GFA stipulated 21,600 m²" in table
    assert "less Gov. Accommodation GFA (NOFA × 1.8) −900 m² fn 6" in table  # 500 m2 NOFA x 1.8
    assert "A Maximum total GFA after the lease modification, less Gov. Accommodation 20,700 m²" in table
    assert "E Gov. Accommodation construction cost, as conveyed −45,000,000 para 5(v)" in table


def test_cda_split_and_special_industrial_lines(by_id: dict[str, Any]) -> None:
    cda = Page(report_html(by_id["STTL 325"])).section("computation-table")
    assert "GFA after: commercial (NTS) 9,000 m² HK$50,000/m²" in cda
    assert "GFA after: residential (NTS) 18,000 m² HK$75,000/m²" in cda
    special = Page(report_html(by_id["KCTL 371"])).section("computation-table")
    assert "Existing GFA: special industrial (NTS) 2,000 m² HK$24,500/m²" in special
    assert "Existing GFA: industrial/godown (NTS) 15,000 m² HK$35,000/m²" in special


def test_rate_schedule_section_marks_the_region(by_id: dict[str, Any]) -> None:
    page = Page(report_html(by_id["KTIL 713"]))
    rates = page.section("rate-schedule")
    assert "PN12/2023: LAO Practice Note No. 12/2023, para 6" in rates and "28 Dec 2023 to 31 Mar 2024" in rates
    assert "Kowloon East (KE) ◀ 40,000 28,000 65,000 65,000 100,000" in rates
    old = Page(report_html(by_id["TMTL 120"])).section("rate-schedule")
    assert "PN1/2021" in old and "Special ind." not in old  # PN 1/2021 had no special industrial rate


def test_not_applicable_lot_shows_why_and_no_computation(by_id: dict[str, Any]) -> None:
    page = Page(report_html(by_id["TPTL 45"]))
    assert "Scheme not applicable" in page.section("summary") and "HKSTP Industrial Estate land" in page.section(
        "summary"
    )
    assert "premium" not in page.text_by_id and "computation" not in page.text_by_id
    assert page.section("verdict") == "Scheme not applicable"
    assert page.section("premium-status") == "None at standard rates"
    assert "✗ fail" in page.section("eligibility")
    # the zone's consequence (with HKSTP's contact) is said once, in the zones table, on page 1
    assert page.all_text().count("helenwk.chung@hkstp.org") == 1
    assert "helenwk.chung@hkstp.org" in page.section("page-1")


def test_unknown_checks_are_named_in_the_summary(by_id: dict[str, Any]) -> None:
    page = Page(report_html(by_id["NKIL 5981"]))
    assert page.section("verdict") == "Unverified"
    assert "Rests on checks still unknown: use after redevelopment, option form in time." in page.section("summary")
    assert page.section("watermark") == "estimate unverified"


def test_straddling_lot_is_priced_by_share(by_id: dict[str, Any]) -> None:
    p = _shared_edge_point("KE", "KW")
    lot = box(p.x - 40, p.y - 40, p.x + 40, p.y + 40)
    props = {**by_id["KTIL 713"].properties, "lot_id": "EDGE 2"}
    doc = {"type": "Feature", "properties": props, "geometry": shapely.geometry.mapping(lot)}
    table = Page(report_html(doc, crs="EPSG:2326")).section("computation-table")
    assert "GFA after: commercial in KE" in table and "GFA after: commercial in KW" in table


def test_assessment_failure_is_reported_not_raised(by_id: dict[str, Any], tmp_path: Path) -> None:
    from lotrate.render.report import PremiumNotComputedWarning

    doc = _feature(by_id, "KTIL 713", pbto_accepted="2025-06-01")
    with pytest.warns(PremiumNotComputedWarning, match="no rate schedule covers 2025-06-01"):
        page = Page(report_html(doc))
    assert "Not computed" in page.section("summary") and "no rate schedule covers 2025-06-01" in page.section("summary")
    assert "--rates" not in page.all_text() and "`" not in page.all_text()  # no command-line hints for a client
    rs = write_reports({"type": "FeatureCollection", "features": [doc]}, tmp_path)
    assert rs.entries[0].status == "error" and rs.entries[0].path is not None and rs.failed == rs.entries
    lots = tmp_path / "late.geojson"
    lots.write_text(json.dumps({"type": "FeatureCollection", "features": [doc]}), encoding="utf-8")
    code, out, err = run("report", str(lots), "-o", str(tmp_path / "dir"))
    assert code == 3 and "no rate schedule covers 2025-06-01" in err and len(out.split()) == 2


def test_lot_without_a_date_is_not_priced(by_id: dict[str, Any]) -> None:
    doc = _feature(by_id, "KTIL 713", pbto_accepted=None)
    page = Page(report_html(doc))
    assert "Not priced" in page.section("summary") and "pbto_accepted" in page.section("summary")
    priced = Page(report_html(doc, as_of=datetime(2024, 2, 1).date()))
    assert priced.section("premium") == "HK$504,000,000"


def test_no_premium_flag_writes_location_only(tmp_path: Path) -> None:
    code, out, _ = run("report", str(SAMPLES), "-o", str(tmp_path / "d"), "--no-premium", "--basemap", "landsd")
    assert code == 0
    page = Page(Path(out.split()[1]).read_text(encoding="utf-8"))
    assert "Not assessed" in page.section("summary") and "Lands Department" in page.section("map-section")


def test_assessment_repr_html(by_id: dict[str, Any]) -> None:
    from lotrate.premium.assess import assess

    a = assess(by_id["AIL 384"])
    html = a._repr_html_()
    assert "HK$859,500,000" in html and "Gov. Accommodation construction cost" in html and "<script" not in html
    hostile = assess(_feature(by_id, "AIL 384", lot_id=HOSTILE))
    assert HOSTILE not in hostile._repr_html_() and "&lt;img src=x" in hostile._repr_html_()


# --- a document a firm can sign -----------------------------------------------------------------------------

PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360f8cf"
    "c0f01f0005fe02fea7d8f1a50000000049454e44ae426082"
)


def test_firm_reference_logo_and_watermark(by_id: dict[str, Any], tmp_path: Path) -> None:
    logo = tmp_path / "logo.png"
    logo.write_bytes(PNG_1PX)
    html = report_html(by_id["KTIL 713"], firm="Wong & Partners", reference="J-2024/017", logo=logo, generated=WHEN)
    page = Page(html)
    assert page.section("firm") == "Wong & Partners" and page.section("reference") == "Ref. J-2024/017"
    imgs = [a for t, a in page.tags if t == "img"]
    assert len(imgs) == 1 and (imgs[0]["src"] or "").startswith("data:image/png;base64,")
    assert page.section("watermark") == "estimate"
    # pages after the first: a running header (lot, address, date; firm and reference) and page numbers
    running = re.search(r"@page \{ @top-left \{ content: (\"[^\"]*\"); \} @top-right \{ content: (\"[^\"]*\")", html)
    assert running is not None

    def css(text: str) -> str:
        return re.sub(r"\\([0-9a-f]{6})", lambda m: chr(int(m.group(1), 16)), text.strip('"'))

    assert css(running.group(1)) == "KTIL 713 · Hoi Yuen Road, Kwun Tong · 1 March 2024"
    assert css(running.group(2)) == "Wong & Partners · Ref. J-2024/017"
    assert 'counter(page) " of " counter(pages)' in html and "@page :first" in html


def test_a_bad_logo_is_a_user_error(by_id: dict[str, Any], tmp_path: Path) -> None:
    from lotrate.errors import InputError

    fake = tmp_path / "logo.png"
    fake.write_text("<svg onload=alert(1)>")
    with pytest.raises(InputError, match="not a PNG image"):
        report_html(by_id["KTIL 713"], logo=fake)
    with pytest.raises(InputError, match="no such file"):
        report_html(by_id["KTIL 713"], logo=tmp_path / "missing.png")
    with pytest.raises(InputError, match=r"use a \.png"):
        report_html(by_id["KTIL 713"], logo=tmp_path / "logo.exe")


def test_one_number_format_and_no_developer_text(by_id: dict[str, Any]) -> None:
    for lot_id in ("KTIL 713", "AIL 384", "TPTL 45", "NKIL 5981"):
        text = Page(report_html(by_id[lot_id])).all_text()
        assert not re.search(r"\d m2\b", text), lot_id  # m² everywhere
        assert not re.search(r"\d\.00 m²", text), lot_id
        assert not re.search(r"HK\$[\d,]+\.\d\d", text), lot_id  # whole dollars
        assert not re.search(r"--[a-z]|`|\w\(\)|\.py\b|DCCA_2019\.shp|near_boundary|in_zone", text), lot_id
        assert "16 of the 16" not in text and "District Lands Office District Lands Office" not in text
    # a straddling lot's amounts are apportioned by share: still whole dollars
    p = _shared_edge_point("KE", "KW")
    lot = box(p.x - 33.3, p.y - 41.7, p.x + 37.1, p.y + 40.2)
    doc = {"type": "Feature", "properties": {**by_id["KTIL 713"].properties, "lot_id": "EDGE 3"},
           "geometry": shapely.geometry.mapping(lot)}  # fmt: skip
    table = Page(report_html(doc, crs="EPSG:2326")).section("computation-table")
    assert not re.search(r"\d\.\d\d(?! ?m²)(?!\s*%)", re.sub(r"[\d,.]+ m²", "", table)), table


def test_each_fact_once_on_page_one(ktil_page: str) -> None:
    page = Page(ktil_page)
    one = page.section("page-1")
    assert one.count("Kowloon East (KE)") == 2  # the region card and the legend swatch
    assert one.count("District Lands Office Kowloon East") == 1 and one.count("HK$504,000,000") == 1
    assert "875 m from the nearest" not in one  # how sure the region is: on page 2, not repeated on page 1
    assert page.section("facts") == "Lot area 1,200 m² PBTO accepted 2024-02-15 Rate schedule PN12/2023"


def test_index_columns_verdicts_sorting_and_overview_map(tmp_path: Path) -> None:
    rs = write_reports(SAMPLES, tmp_path / "out", generated=WHEN, firm="Wong & Partners")
    html = rs.index.read_text(encoding="utf-8")
    page = Page(html)
    heads = re.findall(r"<th[^>]*><button type=\"button\">([^<]+)</button></th>", html)
    assert heads == ["Lot", "Address", "Verdict", "Schedule", "Premium (estimate)", "Reason"]
    assert 'class="index-table sortable"' in html and "localeCompare" in html  # sorted by inline JavaScript
    verdicts = re.findall(r'<tr data-verdict="(\w+)">', html)
    assert set(verdicts) == {"applicable", "not_applicable", "unverified"}
    assert "Hoi Yuen Road, Kwun Tong" in page.all_text() and "HK$504,000,000" in page.all_text()
    assert 'data-sort="504000000"' in html
    data = re.findall(r'<script type="application/json" id="[\w-]+">(.*?)</script>', html, re.S)
    lots = [json.loads(d) for d in data if '"tip_title":"KTIL 713"' in d]
    assert lots and len(lots[0]["features"]) == len(rs.entries)  # the overview map: one dot per lot
    assert page.section("brand").startswith("Wong & Partners")


def test_verdict_states_in_entries(tmp_path: Path) -> None:
    rs = write_reports(SAMPLES, tmp_path / "out", generated=WHEN)
    verdicts = {e.lot_id: e.verdict for e in rs.entries}
    assert verdicts["KTIL 713"] == "applicable" and verdicts["TPTL 45"] == "not_applicable"
    assert verdicts["NKIL 5981"] == "unverified"
    assert rs.to_dict()["reports"][0]["verdict"] == "applicable"


def test_cli_report_brands_every_page(tmp_path: Path, by_id: dict[str, Any]) -> None:
    logo = tmp_path / "logo.png"
    logo.write_bytes(PNG_1PX)
    code, out, err = run("report", str(SAMPLES), "-o", str(tmp_path / "d"), "--no-premium", "--firm", "Wong & Partners",
                         "--reference", "J-2024/017", "--logo", str(logo))  # fmt: skip
    assert code == 0, err
    for path in out.split():
        page = Page(Path(path).read_text(encoding="utf-8"))
        assert "Wong & Partners" in page.section("brand") and "J-2024/017" in page.section("brand")
        assert any(t == "img" and (a.get("src") or "").startswith("data:image/png;base64,") for t, a in page.tags)
    code, _, err = run("report", str(SAMPLES), "-o", str(tmp_path / "e"), "--logo", str(tmp_path / "none.png"))
    assert code == 1 and "no such file" in err and "Traceback" not in err
