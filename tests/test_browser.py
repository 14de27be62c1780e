"""Reports in a real browser: Debian's headless Chromium, offline, driven over the DevTools protocol.

Chromium runs with every host name resolving to nothing (``--host-resolver-rules``), so a report that needed a
CDN would draw no map here. The browser is driven through ``--remote-debugging-pipe`` (JSON over two file
descriptors), so no extra Python package and no browser download is needed. Screenshots and a PDF of the
report go to ``artifacts/`` (git-ignored) for a person to look at.

These tests never skip: without Chromium they fail and say how to install it.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lotrate.io.lotfile import read_features
from lotrate.render.format import money
from lotrate.render.report import report_html
from lotrate.render.reportset import write_reports

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "artifacts"
SAMPLES = ROOT / "data" / "samples" / "sample_lots.geojson"
HOSTILE_ID = "<img src=x onerror=alert(1)>"
HOSTILE_ADDRESS = "</script><script>window.__xss = 'script'</script><img src=y onerror=\"window.__xss='img'\">"
HOSTILE_OZP = "${window.__xss = 'template'}`\"-alert(2)-\""


def chromium_binary() -> str:
    """Debian's Chromium (or LOTRATE_CHROMIUM); a clear failure, never a skip, when there is none."""
    how = "install Debian's package (`apt-get install -y chromium`, as .ci/run does) or set LOTRATE_CHROMIUM"
    given = os.environ.get("LOTRATE_CHROMIUM")
    if given:
        if not (os.path.isfile(given) and os.access(given, os.X_OK)):
            pytest.fail(f"LOTRATE_CHROMIUM={given!r} is not an executable file: {how}", pytrace=False)
        return given
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.fail(f"Chromium is needed for the browser tests and was not found on PATH: {how}", pytrace=False)
    return found


class Chromium:
    """Headless Chromium driven through the DevTools protocol over ``--remote-debugging-pipe``."""

    def __init__(self, binary: str) -> None:
        self.profile = tempfile.mkdtemp(prefix="lotrate-chromium-")
        to_read, to_write = os.pipe()  # we write commands; Chromium reads them on fd 3
        from_read, from_write = os.pipe()  # Chromium writes answers on fd 4; we read them

        def child_fds() -> None:  # runs in the child before exec: put the pipe ends on fds 3 and 4
            a, b = os.dup(to_read), os.dup(from_write)
            os.dup2(a, 3)
            os.dup2(b, 4)
            os.set_inheritable(3, True)
            os.set_inheritable(4, True)

        self.stderr = tempfile.TemporaryFile()  # noqa: SIM115 (lives as long as the browser; closed in close())
        self.proc = subprocess.Popen(
            [
                binary,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--remote-debugging-pipe",
                "--host-resolver-rules=MAP * ~NOTFOUND",  # offline: no host name resolves
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--no-first-run",
                "--no-default-browser-check",
                "--hide-scrollbars",
                "--font-render-hinting=none",
                f"--user-data-dir={self.profile}",
                "about:blank",
            ],
            pass_fds=(3, 4),
            preexec_fn=child_fds,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self.stderr,
        )
        os.close(to_read)
        os.close(from_write)
        self._out, self._in = to_write, from_read
        self._buf = b""
        self._id = 0
        self.events: list[dict[str, Any]] = []
        self.dialogs: list[str] = []
        self.session = ""

    # -- protocol -------------------------------------------------------------------------------------
    def _read(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self._in], [], [], max(left, 0))
            if not ready:
                raise TimeoutError("Chromium did not answer in time")
            chunk = os.read(self._in, 1 << 20)
            if not chunk:
                self.stderr.seek(0)
                raise RuntimeError(f"Chromium exited: {self.stderr.read()[-2000:].decode(errors='replace')}")
            self._buf += chunk
        raw, self._buf = self._buf.split(b"\0", 1)
        msg: dict[str, Any] = json.loads(raw)
        return msg

    def _post(self, method: str, params: dict[str, Any] | None, session: str | None) -> int:
        self._id += 1
        msg: dict[str, Any] = {"id": self._id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._out, json.dumps(msg).encode() + b"\0")
        return self._id

    def _event(self, msg: dict[str, Any]) -> None:
        self.events.append(msg)
        if msg.get("method") == "Page.javascriptDialogOpening":  # an alert() ran: record it, dismiss it
            self.dialogs.append(str(msg["params"].get("message")))
            self._post("Page.handleJavaScriptDialog", {"accept": False}, msg.get("sessionId"))

    def send(
        self, method: str, params: dict[str, Any] | None = None, *, browser: bool = False, timeout: float = 30
    ) -> dict[str, Any]:
        want = self._post(method, params, None if browser else self.session)
        deadline = time.monotonic() + timeout
        while True:
            msg = self._read(deadline)
            if msg.get("id") == want:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                result: dict[str, Any] = msg.get("result", {})
                return result
            if "method" in msg:
                self._event(msg)

    def wait_for(self, method: str, timeout: float = 20) -> dict[str, Any]:
        for msg in self.events:
            if msg.get("method") == method:
                self.events.remove(msg)
                return msg
        deadline = time.monotonic() + timeout
        while True:
            msg = self._read(deadline)
            if "method" in msg:
                self._event(msg)
                if msg["method"] == method:
                    return msg

    # -- page -----------------------------------------------------------------------------------------
    def open_tab(self, width: int = 900, height: int = 1200) -> None:
        target = self.send("Target.createTarget", {"url": "about:blank"}, browser=True)
        self.session = self.send(
            "Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}, browser=True
        )["sessionId"]
        for domain in ("Page", "Runtime", "Network"):
            self.send(f"{domain}.enable")
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )

    def load(self, path: Path, *, has_map: bool = True) -> list[str]:
        """Open a file and wait until Leaflet drew its vector layers; return every URL the page asked for."""
        self.events.clear()
        self.dialogs.clear()
        self.send("Page.navigate", {"url": path.resolve().as_uri()})
        self.wait_for("Page.loadEventFired")
        deadline = time.monotonic() + 15
        while has_map and self.js("document.querySelectorAll('path.leaflet-interactive').length") == 0:
            if time.monotonic() > deadline:
                break
            time.sleep(0.1)
        time.sleep(0.3)  # let tile errors and the last frames settle
        self.js("0")  # drain pending events
        return [e["params"]["request"]["url"] for e in self.events if e.get("method") == "Network.requestWillBeSent"]

    def js(self, expression: str) -> Any:
        out = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in out:
            raise RuntimeError(f"{expression[:60]}...: {out['exceptionDetails']}")
        return out["result"].get("value")

    def screenshot(self, path: Path, full_page: bool = True) -> Path:
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            height = self.js("document.documentElement.scrollHeight")
            width = self.js("document.documentElement.scrollWidth")
            params |= {
                "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
            }
        data = self.send("Page.captureScreenshot", params)["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path

    def mouse_to(self, x: float, y: float) -> None:
        self.send("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": x, "y": y})

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, TimeoutError, OSError):
            self.send("Browser.close", browser=True, timeout=5)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        os.close(self._out)
        os.close(self._in)
        self.stderr.close()
        shutil.rmtree(self.profile, ignore_errors=True)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Chromium]:
    browser = Chromium(chromium_binary())
    try:
        browser.open_tab()
        yield browser
    finally:
        browser.close()


# JavaScript run in the page: every vector layer Leaflet drew, by what it shows
LAYERS_JS = """
(() => {
  const el = document.querySelector('.folium-map');
  const map = el && window[el.id];
  const out = {region: [], zone: [], lot: [], marker: 0};
  if (!map) return out;
  map.eachLayer(l => {
    const p = l.feature && l.feature.properties;
    if (!p || !l._path || !document.contains(l._path) || !(l._path.getAttribute('d') || '').length) return;
    if (p.code) out.region.push(p.code);
    else if (p.kind) out.zone.push(p.name);
    else { out.lot.push(p.tip_title); if (p.marker) out.marker += 1; }
  });
  return out;
})()
"""

LOT_CENTRE_JS = """
(() => {
  const map = window[document.querySelector('.folium-map').id];
  let box = null;
  map.eachLayer(l => {
    const p = l.feature && l.feature.properties;
    if (p && p.marker && l._path) box = l._path.getBoundingClientRect();
  });
  return box && {x: box.x + box.width / 2, y: box.y + box.height / 2};
})()
"""


@pytest.fixture(scope="module")
def sample_reports(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return write_reports(SAMPLES, tmp_path_factory.mktemp("reports"))


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    feat = read_features(SAMPLES)[0]
    props = dict(feat.properties, lot_id=HOSTILE_ID, address=HOSTILE_ADDRESS, ozp_zone=HOSTILE_OZP)
    doc = {"type": "Feature", "properties": props, "geometry": feat.geometry}
    path = tmp_path_factory.mktemp("hostile") / "hostile.html"
    path.write_text(report_html(doc), encoding="utf-8")
    return path


def _expected_zone_count() -> int:
    from lotrate.render.maps import zone_features

    return len(zone_features())


def test_report_draws_regions_zones_and_lot_offline(chromium: Chromium, sample_reports: Any) -> None:
    entry = next(e for e in sample_reports.entries if e.lot_id == "KTIL 713")
    urls = chromium.load(entry.path)
    assert chromium.js("typeof L !== 'undefined' && L.version") == "1.9.3"
    layers = chromium.js(LAYERS_JS)
    assert sorted(layers["region"]) == ["HKI", "KE", "KW", "NTN", "NTS"]
    assert len(layers["zone"]) == _expected_zone_count() > 0
    assert layers["lot"] == ["KTIL 713", "KTIL 713"] and layers["marker"] == 1  # boundary and its marker
    # nothing but the page itself, inlined data and basemap tiles was requested: no CDN, no fonts
    remote = [u for u in urls if not u.startswith(("file:", "data:"))]
    assert remote, "the basemap should at least try to load tiles"
    assert all(u.startswith("https://tile.openstreetmap.org/") for u in remote), remote
    assert chromium.dialogs == []
    chromium.screenshot(ARTIFACTS / "report_KTIL_713.png")


def test_report_shows_the_premium_and_the_computation(chromium: Chromium, sample_reports: Any) -> None:
    entry = next(e for e in sample_reports.entries if e.lot_id == "KTIL 713")
    assert entry.status == "premium" and entry.premium_hkd is not None
    chromium.load(entry.path)
    assert chromium.js("document.querySelector('#premium').textContent.trim()") == money(entry.premium_hkd)
    rows = chromium.js("[...document.querySelectorAll('#computation-table tbody tr')].map(r => r.innerText)")
    assert any(r.startswith("A") for r in rows) and any("para 5" in r for r in rows)
    checks = chromium.js("document.querySelectorAll('#eligibility tr.check').length")
    assert checks >= 4


def test_not_applicable_lot_says_why(chromium: Chromium, sample_reports: Any) -> None:
    entry = next(e for e in sample_reports.entries if e.lot_id == "TPTL 45")  # Tai Po INNOPARK
    assert entry.status == "not_applicable"
    chromium.load(entry.path)
    assert chromium.js("document.querySelector('#premium')") is None
    status = chromium.js("document.querySelector('#premium-status').textContent")
    assert "not applicable" in status.lower()
    assert "Industrial Estate" in chromium.js("document.querySelector('#zones').innerText")
    chromium.screenshot(ARTIFACTS / "report_TPTL_45.png")


def test_hostile_text_stays_inert(chromium: Chromium, hostile_report: Path) -> None:
    chromium.load(hostile_report)
    assert chromium.js("window.__xss === undefined")
    assert chromium.dialogs == []
    assert chromium.js("document.querySelector('#lot-id').textContent") == HOSTILE_ID
    assert chromium.js("document.querySelector('#address').textContent") == HOSTILE_ADDRESS
    assert HOSTILE_ID in chromium.js("document.title")
    assert chromium.js("document.querySelectorAll('img[onerror], img[src=x], img[src=y]').length") == 0
    assert chromium.js("document.querySelectorAll('script').length") == 3  # Leaflet, map set-up, map script
    assert HOSTILE_OZP in chromium.js("document.querySelector('#particulars').innerText")
    # hover the lot: its tooltip shows the id as text, and still nothing runs
    centre = chromium.js(LOT_CENTRE_JS)
    chromium.mouse_to(centre["x"], centre["y"])
    time.sleep(0.3)
    tip = chromium.js("(document.querySelector('.leaflet-tooltip') || {}).textContent || ''")
    assert tip.startswith(HOSTILE_ID)
    assert chromium.js("document.querySelectorAll('.leaflet-tooltip img').length") == 0
    assert chromium.js("window.__xss === undefined") and chromium.dialogs == []
    chromium.screenshot(ARTIFACTS / "report_hostile.png", full_page=False)


def test_index_links_every_report(chromium: Chromium, sample_reports: Any) -> None:
    chromium.load(sample_reports.index, has_map=False)
    links = chromium.js("[...document.querySelectorAll('table a')].map(a => a.getAttribute('href'))")
    assert links == [e.path.name for e in sample_reports.entries if e.path is not None]
    assert all((sample_reports.index.parent / href).exists() for href in links)


def test_report_prints_on_a4(chromium: Chromium, sample_reports: Any) -> None:
    entry = next(e for e in sample_reports.entries if e.lot_id == "STTL 325")
    chromium.load(entry.path)
    pdf = base64.b64decode(
        chromium.send("Page.printToPDF", {"preferCSSPageSize": True, "printBackground": True})["data"]
    )
    assert pdf.startswith(b"%PDF")
    pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
    assert 1 <= pages <= 4
    (ARTIFACTS / "report_STTL_325.pdf").write_bytes(pdf)
    chromium.send("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert chromium.js("getComputedStyle(document.querySelector('.leaflet-control-zoom')).display") == "none"
        assert len(chromium.js(LAYERS_JS)["region"]) == 5
        chromium.screenshot(ARTIFACTS / "report_STTL_325_print.png")
    finally:
        chromium.send("Emulation.setEmulatedMedia", {"media": ""})


def test_saved_folium_map_draws_offline(chromium: Chromium, tmp_path: Path) -> None:
    from lotrate.render.maps import lot_map

    path = tmp_path / "map.html"
    lot_map(read_features(SAMPLES)[0]).save(str(path))
    urls = chromium.load(path)
    layers = chromium.js(LAYERS_JS)
    assert len(layers["region"]) == 5 and layers["zone"] and layers["marker"] == 1
    assert chromium.js("document.querySelector('.lotrate-legend').innerText").count("(") >= 5  # legend on the map
    assert all(u.startswith(("file:", "data:", "https://tile.openstreetmap.org/")) for u in urls), urls


def test_landsd_basemap_option_asks_the_government_tiles(chromium: Chromium, tmp_path: Path) -> None:
    path = tmp_path / "landsd.html"
    path.write_text(report_html(read_features(SAMPLES)[1], basemap="landsd"), encoding="utf-8")
    urls = chromium.load(path)
    remote = [u for u in urls if not u.startswith(("file:", "data:"))]
    assert remote and all(u.startswith("https://mapapi.geodata.gov.hk/gs/api/v1.0.0/xyz/") for u in remote)
    assert any("/xyz/basemap/WGS84/" in u for u in remote) and any("/xyz/label/hk/en/WGS84/" in u for u in remote)
    assert "Map information from Lands Department" in chromium.js(
        "document.querySelector('.leaflet-control-attribution').innerText"
    )
