"""A report per lot of a lot file, and the index page linking them."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lotrate._data import data_version
from lotrate._version import __version__
from lotrate.errors import LotrateError
from lotrate.io.lotfile import read_lots
from lotrate.render.format import client_text, money, timestamp
from lotrate.render.leaflet import leaflet_assets, map_fragments
from lotrate.render.maps import Basemap, grid_to_lonlat, overview_map
from lotrate.render.pages import environment, report_css
from lotrate.render.report import brand_of, evaluate, render_page, sources_text, write_text_atomic
from lotrate.render.verdicts import VERDICT_COLOURS, VERDICT_LABELS
from lotrate.render.views import summary
from lotrate.resolution.layers import Layers, pick

if TYPE_CHECKING:
    from lotrate.index.regions import RegionIndex
    from lotrate.index.zones import ZoneIndex
    from lotrate.io.lotfile import LotFeature
    from lotrate.premium.assess import RatesArg


@dataclass(frozen=True)
class ReportEntry:
    """One lot of a report set: its report (``None`` when the lot could not be located) and its outcome."""

    lot_id: str
    path: Path | None
    region_code: str | None
    district: str | None
    status: str  # premium | not_applicable | unpriced | resolved_only | error
    premium_hkd: Decimal | None
    error: str | None
    address: str = ""
    verdict: str = "not_assessed"  # applicable | not_applicable | unverified | not_assessed | error
    schedule: str = ""
    reason: str = ""
    lon: float | None = None
    lat: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "lot_id": self.lot_id,
            "path": None if self.path is None else str(self.path),
            "region_code": self.region_code,
            "district": self.district,
            "status": self.status,
            "verdict": self.verdict,
            "premium_hkd": None if self.premium_hkd is None else str(self.premium_hkd),
            "error": self.error,
        }


@dataclass(frozen=True)
class ReportSet:
    """The reports written for a file of lots, and its index page."""

    index: Path
    entries: tuple[ReportEntry, ...]

    @property
    def failed(self) -> tuple[ReportEntry, ...]:
        """Lots with no report, or whose premium could not be computed."""
        return tuple(e for e in self.entries if e.error is not None)

    def to_dict(self) -> dict[str, Any]:
        return {"index": str(self.index), "reports": [e.to_dict() for e in self.entries]}


def safe_filename(lot_id: str, taken: set[str] | None = None) -> str:
    """A file name for a lot's report: letters, digits, ``-``, ``_`` and ``.`` only, unique in ``taken``.

    Examples
    --------
    >>> safe_filename("KTIL 713 s.A")
    'KTIL_713_s.A.html'
    >>> safe_filename("<img src=x onerror=alert(1)>")
    'img_src_x_onerror_alert_1.html'
    >>> safe_filename("../../etc/passwd")
    'etc_passwd.html'
    """
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", lot_id)
    stem = re.sub(r"\.{2,}", "", stem).strip("._-")[:80] or "lot"
    name = f"{stem}.html"
    if taken is not None:
        n = 2
        while name.lower() in taken or name.lower() == "index.html":
            name = f"{stem}-{n}.html"
            n += 1
        taken.add(name.lower())
    return name


def write_reports(
    source: str | os.PathLike[str] | dict[str, Any] | Iterable[LotFeature],
    out_dir: str | os.PathLike[str],
    *,
    assess: bool = True,
    rates: RatesArg = None,
    as_of: dt.date | None = None,
    crs: Any = None,
    regions: RegionIndex | None = None,
    zones: ZoneIndex | None = None,
    layers: Layers | None = None,
    basemap: Basemap = "osm",
    generated: dt.datetime | None = None,
    firm: str | None = None,
    reference: str | None = None,
    logo: str | os.PathLike[str] | None = None,
) -> ReportSet:
    """Write one report per lot of a lot file into ``out_dir``, plus ``index.html`` linking them all.

    A lot that cannot be located gets no report; its row in the index (and its entry) says why. A lot whose
    premium cannot be computed gets a report saying why, and an entry with that ``error``. ``firm``,
    ``reference`` and ``logo`` brand every page (see :func:`~lotrate.render.report.report_html`).

    Examples
    --------
    >>> import tempfile
    >>> doc = {"type": "FeatureCollection", "features": [
    ...     {"type": "Feature", "properties": {"lot_id": "KTIL 713"},
    ...      "geometry": {"type": "Point", "coordinates": [114.2250, 22.3130]}},
    ...     {"type": "Feature", "properties": {"lot_id": "Macau"},
    ...      "geometry": {"type": "Point", "coordinates": [113.5439, 22.1987]}}]}
    >>> rs = write_reports(doc, tempfile.mkdtemp(), assess=False)
    >>> [(e.lot_id, e.path.name if e.path else None) for e in rs.entries]
    [('KTIL 713', 'KTIL_713.html'), ('Macau', None)]
    """
    lay = pick(layers, regions, zones)
    regions, zones = lay.regions, lay.zones
    brand = brand_of(firm, reference, str(logo) if logo else None)  # a bad logo fails before any work
    feats = read_lots(source, crs=crs) if isinstance(source, (str, os.PathLike, dict)) else list(source)
    if assess and rates is not None:  # read and check the schedule files once, not once per lot
        from lotrate.premium.rates import RateSchedule, load_schedule, schedule_set

        items = [rates] if isinstance(rates, (str, os.PathLike, RateSchedule)) else list(rates)
        loaded = [r if isinstance(r, RateSchedule) else load_schedule(r) for r in items]
        schedule_set(loaded)  # overlapping periods fail here, once, as a user error
        rates = loaded
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    when = generated or dt.datetime.now(dt.timezone.utc)
    taken: set[str] = set()
    entries = []
    for feat in feats:
        address = str(feat.properties.get("address") or "")
        try:
            outcome = evaluate(
                feat,
                resolution=None,
                assessment=None,
                assess=assess,
                rates=rates,
                as_of=as_of,
                regions=regions,
                zones=zones,
            )
        except LotrateError as exc:
            entries.append(
                ReportEntry(
                    feat.lot_id,
                    None,
                    None,
                    None,
                    "error",
                    None,
                    str(exc),
                    address=address,
                    verdict="error",
                    reason=client_text(str(exc)) or "could not be located",
                )
            )
            continue
        path = out / safe_filename(feat.lot_id, taken)
        page = render_page(feat, outcome, regions=regions, zones=zones, basemap=basemap, generated=when, brand=brand)
        write_text_atomic(path, page)
        r, a = outcome.resolution, outcome.assessment
        premium = a.premium_hkd if a is not None else None
        summ = summary(outcome)
        lon, lat = grid_to_lonlat(r.easting, r.northing)
        entries.append(
            ReportEntry(
                feat.lot_id,
                path,
                r.region_code,
                r.district,
                summ["status"],
                premium,
                outcome.error,
                address=address,
                verdict=summ["verdict"],
                schedule=a.rate_schedule.id if a is not None and a.rate_schedule is not None else "",
                reason=summ["reason"],
                lon=lon,
                lat=lat,
            )
        )
    index = out / "index.html"
    write_text_atomic(index, _index_html(entries, when, brand=brand, regions=regions, basemap=basemap))
    return ReportSet(index, tuple(entries))


#: Sorting of the index table, in plain JavaScript (no network, no library): click a column heading.
SORT_JS = """
(function () {
  document.querySelectorAll("table.sortable").forEach(function (table) {
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, col) {
      var button = th.querySelector("button");
      if (!button) { return; }
      button.addEventListener("click", function () {
        var dir = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", dir);
        var numeric = th.getAttribute("data-type") === "number";
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        var key = function (row) {
          var cell = row.cells[col];
          var v = cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent.trim();
          return numeric ? (v === "" ? NaN : parseFloat(v)) : v;
        };
        rows.sort(function (a, b) {
          var x = key(a), y = key(b), c;
          if (numeric) {
            if (isNaN(x) && isNaN(y)) { return 0; }
            if (isNaN(x)) { return 1; }
            if (isNaN(y)) { return -1; }
            c = x - y;
          } else {
            c = String(x).localeCompare(String(y), undefined, {numeric: true, sensitivity: "base"});
          }
          return dir === "ascending" ? c : -c;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  });
})();
"""


def _index_html(
    entries: Iterable[ReportEntry],
    when: dt.datetime,
    *,
    brand: dict[str, str] | None = None,
    regions: RegionIndex | None = None,
    basemap: Basemap = "osm",
) -> str:
    entries = list(entries)
    rows = [
        {
            "lot_id": e.lot_id,
            "href": e.path.name if e.path is not None else "",
            "address": e.address,
            "region": e.region_code or "",
            "verdict": e.verdict,
            "verdict_label": VERDICT_LABELS.get(e.verdict, e.verdict),
            "colour": VERDICT_COLOURS.get(e.verdict, "#6E7781"),
            "schedule": e.schedule,
            "premium": money(e.premium_hkd) if e.premium_hkd is not None else "",
            "premium_sort": str(e.premium_hkd) if e.premium_hkd is not None else "",
            "reason": e.reason,
        }
        for e in entries
    ]
    located = [e for e in entries if e.lon is not None and e.lat is not None]
    overview = map_fragments(overview_map(located, regions=regions, basemap=basemap)) if located else None
    counts = {k: sum(1 for e in entries if e.verdict == k) for k in VERDICT_LABELS}
    assets = leaflet_assets()
    brand = brand or {"firm": "", "reference": "", "logo": ""}
    return (
        environment()
        .get_template("index.html.j2")
        .render(
            rows=rows,
            counts=[(VERDICT_LABELS[k], n, VERDICT_COLOURS[k]) for k, n in counts.items() if n],
            version=f"{__version__} (data {data_version()})",
            generated=timestamp(when),
            date=when.strftime("%d %B %Y").lstrip("0"),
            brand=brand,
            report_css=report_css(),
            overview=overview,
            leaflet_js=assets.js,
            leaflet_css=assets.css,
            sort_js=SORT_JS,
            sources=sources_text(basemap, pick(None, regions, None).regions, ""),
        )
    )
