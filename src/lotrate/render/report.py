"""One self-contained HTML report per lot: a document a firm can sign, printing on A4.

Page 1 stands alone: the lot, its region, the verdict, the headline premium, the computation
``A x B - C x D - E`` and two maps (the site, with the lot's outline, and its location among the regions).
Page 2 carries where the lot lies and how sure that is, the special zones, the eligibility checklist, the rate
schedule, notices, the particulars as supplied and every assumption. Pages after the first have a running
header (lot, date, reference) and page numbers; a watermark "estimate" (and "unverified" when the verdict is)
is on every page.

Everything is inlined (Leaflet from the installed ``xstatic-leaflet`` package, the styles, the layers, the logo),
so a report opens and draws with no network; only basemap tiles need one. Text from a user (lot id, address,
properties, names in user layers, the firm and reference) is placed as escaped values by fixed templates and,
on the maps, as JSON data (:mod:`lotrate.render.inert`): nothing in it is ever evaluated.

Examples
--------
>>> doc = {"type": "Feature", "properties": {"lot_id": "<b>KTIL {{ 6*7 }}</b>"},
...        "geometry": {"type": "Point", "coordinates": [114.2250, 22.3130]}}
>>> page = report_html(doc, assess=False)
>>> "&lt;b&gt;KTIL {{ 6*7 }}&lt;/b&gt;" in page and "<b>KTIL" not in page and "KTIL 42" not in page
True
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import html
import os
import re
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from lotrate._data import data_version
from lotrate._version import __version__
from lotrate.crs import geometry_to_grid
from lotrate.errors import InputError, LotFileError, LotrateError
from lotrate.render.format import area_text, css_string, number, plain_text, timestamp
from lotrate.render.kit import kit_css
from lotrate.render.leaflet import leaflet_assets, map_fragments
from lotrate.render.maps import (
    DISPLAY_TOLERANCE_M,
    LANDSD_ATTRIBUTION,
    OSM_ATTRIBUTION,
    REGION_COLOURS,
    Basemap,
    context_view,
    legend_items,
    legend_symbol,
    lot_map,
)
from lotrate.render.pages import environment, report_css
from lotrate.render.views import (
    RATE_COLUMNS,
    Outcome,
    computation,
    confidence,
    dlo_text,
    eligibility_rows,
    notice_rows,
    summary,
    zone_rows,
)
from lotrate.resolution.layers import Layers, pick

if TYPE_CHECKING:
    from lotrate.index.regions import RegionIndex
    from lotrate.index.zones import ZoneIndex
    from lotrate.io.lotfile import LotFeature
    from lotrate.premium.assess import Assessment, RatesArg
    from lotrate.premium.rates import RateSchedule
    from lotrate.results import Resolution


class PremiumNotComputedWarning(UserWarning):
    """A report was written, but the lot's premium could not be computed; the report says why."""


# --- branding ----------------------------------------------------------------------------------------------

#: largest logo inlined into a report
LOGO_MAX_BYTES = 1_000_000
_LOGO_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".svg": "image/svg+xml",
}
_LOGO_MAGIC = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),
}


def logo_data_uri(path: str | os.PathLike[str] | None) -> str:
    """A logo file as a ``data:`` URI to inline into a page ("" for None).

    PNG, JPEG, GIF, WebP or SVG up to :data:`LOGO_MAX_BYTES`; an SVG is shown as an image, so any script in
    it never runs.

    Raises
    ------
    InputError when the file is missing, too large or not an image of those kinds.
    """
    if path is None or str(path) == "":
        return ""
    p = Path(path)
    mime = _LOGO_TYPES.get(p.suffix.lower())
    if mime is None:
        raise InputError(f"--logo {str(p)!r}: use a .png, .jpg, .gif, .webp or .svg image")
    try:
        if not p.is_file():
            raise InputError(f"--logo {str(p)!r}: no such file")
        if p.stat().st_size > LOGO_MAX_BYTES:
            raise InputError(f"--logo {str(p)!r}: larger than {LOGO_MAX_BYTES // 1000:,} kB; use a smaller image")
        data = p.read_bytes()
    except OSError as exc:
        raise InputError(f"--logo {str(p)!r}: cannot be read ({exc.strerror or exc})") from exc
    magic = _LOGO_MAGIC.get(mime)
    if magic and not data.startswith(magic):
        raise InputError(f"--logo {str(p)!r}: not a {mime.split('/')[1].upper()} image")
    if mime == "image/svg+xml" and b"<svg" not in data[:4096].lower():
        raise InputError(f"--logo {str(p)!r}: not an SVG image")
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def watermark_text(verdict: str) -> list[str]:
    """The words printed across every page: "estimate", and "unverified" when the verdict is."""
    return ["estimate", "unverified"] if verdict == "unverified" else ["estimate"]


# --- location and zones ----------------------------------------------------------------------------------

_PARTICULARS = [
    ("lot_user", "User under the lease"),
    ("ozp_zone", "OZP zone"),
    ("private_residential_prohibited", "Private residential prohibited"),
    ("building_completed", "Building completed"),
    ("plans_first_submitted", "Plans first submitted"),
    ("wholesale_converted", "Wholesale-converted"),
    ("special_use_after", "Special use after"),
    ("max_gfa_m2", "Maximum total GFA (m²)"),
    ("max_gfa_ft2", "Maximum total GFA (ft²)"),
    ("gfa_after_m2", "GFA after, by use (m²)"),
    ("gfa_after_ft2", "GFA after, by use (ft²)"),
    ("gfa_before_m2", "GFA before, by use (m²)"),
    ("gfa_before_ft2", "GFA before, by use (ft²)"),
    ("ga_gfa_m2", "Gov. Accommodation GFA (m²)"),
    ("ga_nofa_m2", "Gov. Accommodation NOFA (m²)"),
    ("ga_cost_hkd", "Gov. Accommodation cost (HK$)"),
    ("option_submitted", "Option Form submitted"),
    ("enquiry_submitted", "Enquiry Form submitted"),
]


#: figures the computation shows already, with their units and paragraphs
_COMPUTED = {"max_gfa_m2", "max_gfa_ft2", "gfa_after_m2", "gfa_after_ft2", "gfa_before_m2", "gfa_before_ft2",
             "ga_gfa_m2", "ga_nofa_m2", "ga_cost_hkd"}  # fmt: skip


def _particulars(props: Mapping[str, Any], computed: bool) -> list[tuple[str, str]]:
    """The lot file's particulars as supplied, each said once: not the PBTO date (page 1), nor, when the
    computation is shown, its figures."""
    return [
        (label, plain_text(props[key]))
        for key, label in _PARTICULARS
        if key in props and not (computed and key in _COMPUTED)
    ]


def _zone_layers_note(zones: ZoneIndex | None) -> str:
    idx = pick(None, None, zones).zones
    approx = sum(1 for z in idx.zones if z.status != "official")
    n = len(idx.zones)
    if n == 0:
        return "no zones"
    if approx == n:
        return f"{n} zone boundaries, all approximate"
    if approx == 0:
        return f"{n} zone boundaries, all official"
    return f"{n} zone boundaries, {approx} of them approximate"


def _rate_schedule(schedule: RateSchedule, regions_priced: Iterable[str], idx: RegionIndex) -> dict[str, Any]:
    columns = [(use, label) for use, label in RATE_COLUMNS if schedule.has(use)]
    priced = set(regions_priced)
    rates = []
    for region in idx.regions:
        cells = [
            number(schedule.rate(region.code, use)) if (region.code, use) in schedule.rates else "–"
            for use, _ in columns
        ]
        rates.append({"name": f"{region.name_en} ({region.code})", "cells": cells, "used": region.code in priced})
    source = schedule.source or "the rate schedule supplied"
    line = (
        f"{schedule.id}: {schedule.practice_note}, para {schedule.paragraph}, for a PBTO accepted {schedule.period} "
        f"(the acceptance date chooses the schedule; rates change every 1 April). Source: {source}."
    )
    return {"line": line, "rate_header": ["Region", *(label for _, label in columns)], "rates": rates}


# --- the report ----------------------------------------------------------------------------------------------


def as_feature(feature: Any, crs: Any = None) -> LotFeature:
    from lotrate.io.lotfile import LotFeature, read_features

    if isinstance(feature, LotFeature):
        return feature
    if isinstance(feature, Mapping):
        feats = read_features(dict(feature), crs=crs)
        if len(feats) != 1:
            raise LotFileError(
                f"a report is for one lot and this document holds {len(feats)}; use write_reports() for a "
                "FeatureCollection",
                field="features",
                value=len(feats),
            )
        return feats[0]
    raise LotFileError(
        f"cannot report on a {type(feature).__name__}; give a LotFeature or a GeoJSON Feature dict",
        field="feature",
        value=type(feature).__name__,
    )


def evaluate(
    feat: LotFeature,
    *,
    resolution: Resolution | None,
    assessment: Assessment | None,
    assess: bool,
    rates: RatesArg,
    as_of: dt.date | None,
    regions: RegionIndex | None,
    zones: ZoneIndex | None,
) -> Outcome:
    """Locate the lot (errors propagate: no report without a place) and assess it (errors are reported)."""
    from lotrate.resolution.lots import resolve_geometry

    if assessment is not None:
        return Outcome(assessment.resolution, assessment, None, _kit(assessment, rates, regions, zones))
    r = (
        resolution
        if resolution is not None
        else resolve_geometry(feat.geometry, feat.crs, regions=regions, zones=zones)
    )
    if not assess:
        return Outcome(r, None, None)
    from lotrate.premium.assess import assess as assess_lot

    try:
        a = assess_lot(feat, rates=rates, regions=regions, zones=zones, as_of=as_of)
    except LotrateError as exc:
        return Outcome(r, None, str(exc))
    return Outcome(r, a, None, _kit(a, rates, regions, zones))


def _kit(a: Assessment, rates: RatesArg, regions: RegionIndex | None, zones: ZoneIndex | None) -> tuple[str, ...]:
    """The scenarios and timeline sections of the decision kit (issue: the report shows both), or none."""
    from lotrate.premium.assess import schedules_from
    from lotrate.premium.scenarios import compare_lot
    from lotrate.premium.timeline import timeline_lot
    from lotrate.render.kit import compare_section, timeline_section

    if getattr(a, "verdict", None) == "not_applicable":  # outside the scheme: no options to weigh, no deadlines
        return ()
    schedules = schedules_from(rates)
    sections: list[str] = []
    with contextlib.suppress(LotrateError):  # a lot whose filed case cannot be priced has no scenarios
        sections.append(compare_section(compare_lot(a.lot, schedules, pick(None, regions, zones))))
    sections.append(timeline_section(timeline_lot(a.lot, schedules)))
    return tuple(sections)


def _assumptions(outcome: Outcome, idx: RegionIndex, zones: ZoneIndex | None) -> list[str]:
    r = outcome.resolution
    region = next((reg for reg in idx.regions if reg.code == r.region_code), None)
    out = []
    if region is not None and region.assumption:
        out.append(f"Region mapping: {region.assumption}")
    else:
        out.append("Region mapping: the Appendix II map of PN 12/2023 as read into the region layer used.")
    zidx = pick(None, None, zones).zones
    approx = [z for z in zidx.zones if z.status != "official"]
    if approx:
        accs = sorted({z.accuracy_m for z in approx if z.accuracy_m})
        span = "" if not accs else f"{accs[0]:,.0f} m" if len(accs) == 1 else f"{accs[0]:,.0f} to {accs[-1]:,.0f} m"
        which = f"All {len(approx)}" if len(approx) == len(zidx.zones) else f"{len(approx)} of the {len(zidx.zones)}"
        out.append(
            f"Special zones: {which} New Development Area, Pilot Scheme Area and Industrial Estate boundaries used "
            "are approximations drawn from public descriptions, not official boundaries"
            + (f" (accurate to about {span}, drawn as hatched bands that wide)" if span else "")
            + "; the official plans decide."
        )
    else:
        out.append("Special zones: the zone boundaries used are marked official.")
    out.append(
        "GFA, dates and the lease user are taken as supplied, not verified; LandsD determines A, C and the "
        "Government Accommodation deduction (paras 5(i), 5(iii), 5(v))."
    )
    out.append(
        "Not the Lands Department's determination: eligibility, the region and the premium are decided by LandsD at "
        "its absolute discretion, and an Option under the scheme is irreversible (PN 12/2023 paras 4, 12)."
    )
    out.append(
        "Areas and distances are computed in HK1980 Grid, converted with the Lands Department's published "
        "transformation (about 1 m)."
    )
    return out


def sources_text(basemap: str, idx: RegionIndex, region_code: str) -> str:
    source = OSM_ATTRIBUTION if basemap == "osm" else LANDSD_ATTRIBUTION
    tiles = html.unescape(re.sub(r"<[^>]+>", "", source))
    region = next((reg for reg in idx.regions if reg.code == region_code), None)
    source = re.sub(r"\s*\([^()]*\.(?:shp|geojson|gpkg|csv|json)\)", "", region.source) if region else ""
    layer = f"Regions: {source}." if source else ""
    return f"Basemap {tiles}. {layer} Map drawn with Leaflet {leaflet_assets().version}.".replace("  ", " ")


def brand_of(firm: str | None, reference: str | None, logo: str | None) -> dict[str, str]:
    return {
        "firm": (firm or "").strip(),
        "reference": (reference or "").strip(),
        "logo": logo_data_uri(logo) if logo else "",
    }


def _running_css(left: str, right: str) -> Markup:
    """The running header and page numbers of printed pages after the first (texts as escaped CSS strings)."""
    return Markup(
        "@page { @top-left { content: "
        + css_string(left)
        + "; } @top-right { content: "
        + css_string(right)
        + '; } @bottom-right { content: "Page " counter(page) " of " counter(pages); } }\n'
        "@page :first { @top-left { content: none; } @top-right { content: none; } "
        "@bottom-right { content: none; } }\n"
    )


def render_page(
    feat: LotFeature,
    outcome: Outcome,
    *,
    regions: RegionIndex | None,
    zones: ZoneIndex | None,
    basemap: Basemap,
    generated: dt.datetime | None,
    firm: str | None = None,
    reference: str | None = None,
    logo: str | os.PathLike[str] | None = None,
    brand: dict[str, str] | None = None,
) -> str:
    r, a = outcome.resolution, outcome.assessment
    idx = pick(None, regions, None).regions
    extent = context_view(geometry_to_grid(feat.geometry, feat.crs), r)  # what the maps show, for the legend
    common: dict[str, Any] = {
        "crs": feat.crs,
        "label": feat.lot_id,
        "resolution": r,
        "regions": regions,
        "zones": zones,
        "basemap": basemap,
        "legend": False,
    }
    site = map_fragments(lot_map(feat.geometry, view="site", inset=False, **common))
    context = map_fragments(lot_map(feat.geometry, view="context", **common))
    assets = leaflet_assets()
    props = feat.properties
    when = generated or dt.datetime.now(dt.timezone.utc)
    brand = brand if brand is not None else brand_of(firm, reference, str(logo) if logo else None)
    summ = summary(outcome)
    point = r.geometry_type == "Point"
    facts = []
    if r.area_m2 is not None:
        facts.append(("Lot area", area_text(r.area_m2, measured=True)))
    facts.append(("PBTO accepted", plain_text(props.get("pbto_accepted"))))
    if a is not None and a.rate_schedule is not None:
        facts.append(("Rate schedule", a.rate_schedule.id))
    not_assessed = "Not assessed: this report resolves the lot's location only."
    not_computed = f"Not computed: {summ['sub']}" if outcome.error else "No premium was computed for this lot."
    if a is not None and a.breakdown is None:
        not_computed = (
            "The scheme does not apply to this lot: no premium at standard rates (see the eligibility checklist)."
            if summ["verdict"] == "not_applicable"
            else "No rate schedule was chosen: give the PBTO acceptance date (para 6)."
        )
    priced = [s.code for s in r.shares] if r.shares else [r.region_code]
    region = next((reg for reg in idx.regions if reg.code == r.region_code), None)
    date = when.strftime("%d %B %Y").lstrip("0")
    running_left = " · ".join(x for x in (feat.lot_id, str(props.get("address") or ""), date) if x)
    running_right = " · ".join(
        x for x in (brand["firm"], f"Ref. {brand['reference']}" if brand["reference"] else "") if x
    )
    ctx = {
        "version": f"{__version__} (data {data_version()})",
        "generated": timestamp(when),
        "date": date,
        "brand": brand,
        "watermark": watermark_text(summ["verdict"]),
        "running_css": _running_css(running_left, running_right),
        "lot_id": feat.lot_id,
        "address": str(props.get("address") or ""),
        "facts": facts,
        "summary": summ,
        "region": {
            "code": r.region_code,
            "name": r.region_name,
            "name_zh": region.name_zh if region is not None else "",
            "colour": REGION_COLOURS.get(r.region_code, "#777777"),
            "district": r.district,
            "district_zh": r.district_zh,
            "dlo": dlo_text(r.district_lands_office),
        },
        "confidence": confidence(r, idx),
        "zones": zone_rows(r),
        "zone_layers": _zone_layers_note(zones),
        "eligibility": eligibility_rows(a) if a is not None else [],
        "eligibility_note": not_assessed if outcome.error is None else f"Not assessed: {summ['sub']}",
        "computation": computation(a) if a is not None else None,
        "computation_note": not_computed,
        "rate_schedule": _rate_schedule(a.rate_schedule, priced, idx) if a and a.rate_schedule else None,
        "warnings": notice_rows(outcome),
        "particulars": _particulars(props, a is not None and a.breakdown is not None),
        "assumptions": _assumptions(outcome, idx, zones),
        "site_map": site,
        "context_map": context,
        "map_names": [site.name, context.name],
        "legend": [
            {"symbol": Markup(legend_symbol(i)), "label": i.label}
            for i in legend_items(zones, regions, lot="point" if point else "polygon", within=extent)
        ],
        "map_tolerance": f"{DISPLAY_TOLERANCE_M:,.0f}",
        "basemap_note": "OpenStreetMap" if basemap == "osm" else "the Lands Department's basemap",
        "sources": sources_text(basemap, idx, r.region_code),
        "leaflet_js": assets.js,
        "leaflet_css": assets.css,
        "report_css": report_css() + (kit_css() if outcome.kit else ""),
        "kit_sections": [Markup(s) for s in outcome.kit],
    }
    return environment().get_template("report.html.j2").render(**ctx)


def report_html(
    feature: Any,
    *,
    assessment: Assessment | None = None,
    resolution: Resolution | None = None,
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
) -> str:
    """The self-contained HTML report of one lot.

    Parameters
    ----------
    feature : :class:`~lotrate.io.lotfile.LotFeature` or a GeoJSON Feature dict (lot file format v1)
    assessment : the lot's :class:`~lotrate.premium.assess.Assessment`, when already computed.
    resolution : the lot's :class:`~lotrate.results.Resolution`, when already computed (location only).
    assess : compute the premium (:func:`lotrate.premium.assess.assess`) when no ``assessment`` is given; with
        ``False`` the report covers the location only. An assessment that fails (a date no schedule covers, a
        malformed figure) is reported on the page, not raised.
    rates, as_of : passed to :func:`lotrate.premium.assess.assess`.
    crs : CRS of a dict ``feature`` without a legacy ``crs`` member (default WGS 84).
    regions, zones, layers : layers to use instead of the built-in ones.
    basemap : ``"osm"`` (default) or ``"landsd"``.
    generated : timestamp printed on the report (default: now, UTC).
    firm, reference : the firm's name and the job reference, printed on page 1 and in the running header.
    logo : an image file (PNG, JPEG, GIF, WebP or SVG, up to 1 MB) inlined at the top of page 1.

    Raises
    ------
    LotrateError (a subclass) when the lot cannot be located (outside Hong Kong, bad geometry, ...) or the logo
    cannot be used.

    Warns
    -----
    PremiumNotComputedWarning when the assessment failed (the report shows why).
    """
    lay = pick(layers, regions, zones)
    regions, zones = lay.regions, lay.zones
    brand = brand_of(firm, reference, str(logo) if logo else None)  # a bad logo fails before any work
    feat = as_feature(feature, crs)
    outcome = evaluate(
        feat,
        resolution=resolution,
        assessment=assessment,
        assess=assess,
        rates=rates,
        as_of=as_of,
        regions=regions,
        zones=zones,
    )
    if outcome.error is not None:
        warnings.warn(PremiumNotComputedWarning(f"{feat.lot_id}: premium not computed: {outcome.error}"), stacklevel=2)
    return render_page(feat, outcome, regions=regions, zones=zones, basemap=basemap, generated=generated, brand=brand)


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path`` and rename it into place."""
    import tempfile

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_report(feature: Any, path: str | os.PathLike[str], **kwargs: Any) -> Path:
    """Write :func:`report_html` to ``path`` (parent folders created); returns the path."""
    page = report_html(feature, **kwargs)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(out, page)
    return out
