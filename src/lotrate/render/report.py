"""One self-contained HTML report per lot, an index page for a file of lots, and Jupyter rich views.

A report carries the lot, where it lies and how sure that is, its special zones and their consequence, the
eligibility checklist, the computation ``A x B - C x D - E`` with every figure, unit and source paragraph,
the rate schedule, every assumption, and a map. Everything it needs is inlined (Leaflet from the installed
``xstatic-leaflet`` package, the styles, the layers), so it opens and draws with no network; only basemap
tiles need one. Every text that comes from a user (lot id, address, properties, zone names of a user layer)
is escaped by the template engine: ``<img src=x onerror=alert(1)>`` as a lot id is shown as text.

Examples
--------
>>> doc = {"type": "Feature", "properties": {"lot_id": "<b>KTIL 713</b>"},
...        "geometry": {"type": "Point", "coordinates": [114.2250, 22.3130]}}
>>> page = report_html(doc, assess=False)
>>> "&lt;b&gt;KTIL 713&lt;/b&gt;" in page and "<b>KTIL 713</b>" not in page
True
"""

from __future__ import annotations

import datetime as dt
import html
import os
import re
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lotrate import __version__
from lotrate.errors import LotFileError, LotrateError
from lotrate.render.format import area_text, number, plain_text, timestamp
from lotrate.render.leaflet import leaflet_assets, map_fragments
from lotrate.render.maps import (
    DISPLAY_TOLERANCE_M,
    LANDSD_ATTRIBUTION,
    OSM_ATTRIBUTION,
    REGION_COLOURS,
    Basemap,
    legend_items,
    legend_symbol,
    lot_map,
    zone_features,
    zone_kinds,
)
from lotrate.render.pages import environment, report_css
from lotrate.render.views import (
    RATE_COLUMNS,
    Outcome,
    computation,
    confidence,
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








# --- formatting ------------------------------------------------------------------------------------------






















# --- location and zones ----------------------------------------------------------------------------------

_PARTICULARS = [
    ("pbto_accepted", "PBTO accepted"),
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


def _particulars(props: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [(label, plain_text(props[key])) for key, label in _PARTICULARS if key in props]






def _zone_layers_note(zones: ZoneIndex | None) -> str:
    idx = pick(None, None, zones).zones
    statuses = sorted({z.status for z in idx.zones})
    return f"{len(idx.zones)} zones, {', '.join(statuses) or 'none'}"


# --- the assessment: checklist, computation, schedule ------------------------------------------------------













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
    rows = [
        ("Schedule", f"{schedule.id}: {schedule.practice_note}, para {schedule.paragraph}"),
        ("Valid for PBTO acceptance", schedule.period),
        ("Source", schedule.source or schedule.path or "not stated"),
    ]
    return {"rows": rows, "rate_header": ["Region", *(label for _, label in columns)], "rates": rates}


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
        return Outcome(assessment.resolution, assessment, None)
    r = (
        resolution
        if resolution is not None
        else resolve_geometry(feat.geometry, feat.crs, regions=regions, zones=zones)
    )
    if not assess:
        return Outcome(r, None, None)
    from lotrate.premium.assess import assess as assess_lot

    try:
        return Outcome(r, assess_lot(feat, rates=rates, regions=regions, zones=zones, as_of=as_of), None)
    except LotrateError as exc:
        return Outcome(r, None, str(exc))




def _assumptions(outcome: Outcome, idx: RegionIndex, zones: ZoneIndex | None) -> list[str]:
    r = outcome.resolution
    region = next((reg for reg in idx.regions if reg.code == r.region_code), None)
    out = []
    if region is not None and region.assumption:
        out.append(f"Region mapping: {region.assumption} Source: {region.source}.")
    else:
        out.append("Region mapping: the Appendix II map of PN 12/2023 as read into the region layer used.")
    zidx = pick(None, None, zones).zones
    approx = [z for z in zidx.zones if z.status != "official"]
    if approx:
        accs = sorted({z.accuracy_m for z in approx if z.accuracy_m})
        span = "" if not accs else f"{accs[0]:,.0f} m" if len(accs) == 1 else f"{accs[0]:,.0f} to {accs[-1]:,.0f} m"
        out.append(
            f"Special zones: {len(approx)} of the {len(zidx.zones)} NDA, Pilot Scheme Area and Industrial Estate "
            "boundaries are approximations drawn from public descriptions, not official boundaries"
            + (f" (accurate to about {span})" if span else "")
            + "; an official layer can replace them (--zones FILE)."
        )
    else:
        out.append("Special zones: the zone layers used are marked official.")
    a = outcome.assessment
    if a is not None and a.rate_schedule is not None:
        out.append(
            f"Rates: schedule {a.rate_schedule.id} ({a.rate_schedule.practice_note}), chosen by the date the PBTO "
            "was accepted (PN 12/2023 para 6); rates change every 1 April."
        )
    out.append(
        "Figures such as GFA, dates and the lease user are taken as supplied in the lot file; they are not "
        "verified. LandsD determines A and C and the Government Accommodation deduction (paras 5(i), 5(iii), 5(v))."
    )
    out.append(
        "Not the Lands Department's determination: eligibility, the region and the premium are decided by LandsD at "
        "its absolute discretion, and an Option under the scheme is irreversible (PN 12/2023 paras 4, 12)."
    )
    out.append(
        "Coordinates are converted to HK1980 Grid (EPSG:2326) with the Lands Department's published "
        "transformation (accuracy about 1 m); areas and distances are computed in that grid."
    )
    return out




def _plain_attribution(basemap: str) -> str:
    source = OSM_ATTRIBUTION if basemap == "osm" else LANDSD_ATTRIBUTION
    text = html.unescape(re.sub(r"<[^>]+>", "", source))
    return (
        f"Basemap {text}. Regions from the Electoral Affairs Commission's 2019 constituency areas (DATA.GOV.HK). "
        f"Map drawn with Leaflet {leaflet_assets().version}."
    )


def render_page(
    feat: LotFeature,
    outcome: Outcome,
    *,
    regions: RegionIndex | None,
    zones: ZoneIndex | None,
    basemap: Basemap,
    generated: dt.datetime | None,
) -> str:
    r, a = outcome.resolution, outcome.assessment
    idx = pick(None, regions, None).regions
    m = lot_map(
        feat.geometry,
        crs=feat.crs,
        label=feat.lot_id,
        resolution=r,
        regions=regions,
        zones=zones,
        basemap=basemap,
        legend=False,
    )
    frags = map_fragments(m)
    assets = leaflet_assets()
    props = feat.properties
    facts = [
        ("District", f"{r.district} {r.district_zh}".strip() or "not found"),
        ("District Lands Office", r.district_lands_office or "not known"),
        ("Appendix II region", f"{r.region_name} ({r.region_code})"),
        ("PBTO accepted", plain_text(props.get("pbto_accepted"))),
    ]
    if r.area_m2 is not None:
        facts.append(("Lot area (as drawn)", area_text(round(r.area_m2, 1))))
    if a is not None and a.rate_schedule is not None:
        facts.append(("Rate schedule", a.rate_schedule.id))
    not_assessed = "Not assessed: this report resolves the lot's location only."
    not_computed = f"Not computed: {outcome.error}" if outcome.error else "No premium was computed for this lot."
    if a is not None and a.breakdown is None:
        not_computed = (
            "The scheme does not apply to this lot: no premium at standard rates (see the eligibility checklist)."
            if not a.applicable
            else "No rate schedule was chosen: give the PBTO acceptance date (para 6)."
        )
    priced = [s.code for s in r.shares] if r.shares else [r.region_code]
    ctx = {
        "version": __version__,
        "generated": timestamp(generated or dt.datetime.now(dt.timezone.utc)),
        "lot_id": feat.lot_id,
        "address": str(props.get("address") or ""),
        "facts": facts,
        "summary": summary(outcome),
        "region": {"code": r.region_code, "name": r.region_name, "colour": REGION_COLOURS.get(r.region_code, "#777")},
        "confidence": confidence(r, idx),
        "zones": zone_rows(r),
        "zone_layers": _zone_layers_note(zones),
        "eligibility": eligibility_rows(a) if a is not None else [],
        "eligibility_note": not_assessed if outcome.error is None else f"Not assessed: {outcome.error}",
        "computation": computation(a) if a is not None else None,
        "computation_note": not_computed,
        "rate_schedule": _rate_schedule(a.rate_schedule, priced, idx) if a and a.rate_schedule else None,
        "warnings": notice_rows(outcome),
        "particulars": _particulars(props),
        "assumptions": _assumptions(outcome, idx, zones),
        "map": frags,
        "legend": [
            {"symbol": legend_symbol(i), "label": i.label}
            for i in legend_items(zone_kinds(zone_features(zones)), regions)
        ],
        "map_tolerance": f"{DISPLAY_TOLERANCE_M:,.0f}",
        "basemap_note": "OpenStreetMap" if basemap == "osm" else "Lands Department",
        "attribution": _plain_attribution(basemap),
        "leaflet_js": assets.js,
        "leaflet_css": assets.css,
        "report_css": report_css(),
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
) -> str:
    """The self-contained HTML report of one lot.

    Parameters
    ----------
    feature : :class:`~lotrate.resolution.points.LotFeature` or a GeoJSON Feature dict (lot file format v1)
    assessment : the lot's :class:`~lotrate.premium.assess.Assessment`, when already computed.
    resolution : the lot's :class:`~lotrate.results.Resolution`, when already computed (location only).
    assess : compute the premium (:func:`lotrate.premium.assess.assess`) when no ``assessment`` is given; with
        ``False`` the report covers the location only. An assessment that fails (a date no schedule covers, a
        malformed figure) is reported on the page, not raised.
    rates, as_of : passed to :func:`lotrate.premium.assess.assess`.
    crs : CRS of a dict ``feature`` without a legacy ``crs`` member (default WGS 84).
    regions, zones : layers to use instead of the built-in ones.
    basemap : ``"osm"`` (default) or ``"landsd"``.
    generated : timestamp printed on the report (default: now, UTC).

    Raises
    ------
    LotrateError (a subclass) when the lot cannot be located: outside Hong Kong, bad geometry, ...

    Warns
    -----
    PremiumNotComputedWarning when the assessment failed (the report shows why).
    """
    lay = pick(layers, regions, zones)
    regions, zones = lay.regions, lay.zones
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
    return render_page(feat, outcome, regions=regions, zones=zones, basemap=basemap, generated=generated)


def write_report(feature: Any, path: str | os.PathLike[str], **kwargs: Any) -> Path:
    """Write :func:`report_html` to ``path`` (parent folders created); returns the path."""
    page = report_html(feature, **kwargs)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return out


# --- many lots: one report each and an index ----------------------------------------------------------














# --- Jupyter rich views ----------------------------------------------------------------------------------




