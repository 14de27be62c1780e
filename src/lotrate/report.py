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
import math
import os
import re
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lotrate import __version__
from lotrate.errors import LotFileError, LotrateError
from lotrate.maps import (
    DISPLAY_TOLERANCE_M,
    LANDSD_ATTRIBUTION,
    OSM_ATTRIBUTION,
    REGION_COLOURS,
    ZONE_STYLES,
    Basemap,
    leaflet_assets,
    legend_items,
    legend_symbol,
    lot_map,
    map_fragments,
    zone_features,
    zone_kinds,
)

if TYPE_CHECKING:
    import jinja2

    from lotrate.assessment import Assessment, RatesArg
    from lotrate.lookup import LotFeature
    from lotrate.premium import PremiumBreakdown, PremiumLine
    from lotrate.rates import RateSchedule
    from lotrate.regions import RegionIndex
    from lotrate.results import Resolution
    from lotrate.zones import ZoneIndex

TEMPLATES = Path(__file__).resolve().parent / "templates"


class PremiumNotComputedWarning(UserWarning):
    """A report was written, but the lot's premium could not be computed; the report says why."""


#: uses of a rate schedule, in the column order of the PN 12/2023 para 6 table
_RATE_COLUMNS = (
    ("industrial", "Industrial / godown"),
    ("special_industrial", "Special industrial"),
    ("commercial", "Commercial"),
    ("modern_industrial", "Modern industrial"),
    ("residential", "Residential"),
)
_USE_LABEL = {
    "industrial": "industrial/godown",
    "special_industrial": "special industrial",
    "modern_industrial": "modern industrial",
}


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    import jinja2

    # autoescape everywhere: every value is text unless the template says |safe (only our own markup)
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


@lru_cache(maxsize=1)
def _report_css() -> str:
    css = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    if "</style" in css.lower():
        raise RuntimeError("report.css cannot be inlined")
    return css


# --- formatting ------------------------------------------------------------------------------------------


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        d = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return d if d.is_finite() else None


def _number(d: Decimal) -> str:
    return f"{d:,.2f}" if d != d.to_integral_value() else f"{d:,.0f}"


def money(value: Any) -> str:
    """HK dollars as a report shows them: ``HK$1,234,567`` (cents only when there are any).

    Examples
    --------
    >>> money("504000000"), money(Decimal("-12.5"))
    ('HK$504,000,000', '−HK$12.50')
    """
    d = _decimal(value)
    if d is None:
        return str(value)
    return f"{'−' if d < 0 else ''}HK${_number(abs(d))}"


def _area(m2: Any) -> str:
    d = _decimal(m2)
    if d is None:
        return "" if m2 is None else str(m2)
    return f"{_number(d)} m²"


def _rate(hkd_per_m2: Decimal) -> str:
    return f"HK${_number(hkd_per_m2)}/m²"


def _metres(m: float) -> str:
    return f"{m:,.0f} m" if math.isfinite(m) else "no other region nearby"


def _pct(share: float) -> str:
    return f"{share * 100:.2f} %" if share < 0.9995 or share == 1 else f"{share * 100:.3f} %"


def _text(value: Any) -> str:
    """A property value as plain text (escaped later by the template)."""
    if value is None:
        return "not given"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Mapping):
        return ", ".join(f"{str(k).replace('_', ' ')}: {_text(v)}" for k, v in value.items()) or "none"
    if isinstance(value, (list, tuple)):
        return ", ".join(_text(v) for v in value)
    if isinstance(value, (int, float)):
        d = _decimal(value)
        return str(value) if d is None else _number(d)
    return str(value)


def _when(moment: dt.datetime) -> str:
    return moment.strftime("%d %B %Y, %H:%M %Z").strip()


def _region_index(regions: RegionIndex | None) -> RegionIndex:
    from lotrate.regions import RegionIndex

    return RegionIndex.default() if regions is None else regions


def _zone_index(zones: ZoneIndex | None) -> ZoneIndex:
    from lotrate.zones import ZoneIndex

    return ZoneIndex.default() if zones is None else zones


def zone_consequence(kind: str, name: str) -> str:
    """What a zone means for the scheme, in the surveyor's words of :func:`lotrate.zones.consequence`."""
    from lotrate.zones import consequence

    return consequence(kind, name)


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
    return [(label, _text(props[key])) for key, label in _PARTICULARS if key in props]


def _confidence(r: Resolution, idx: RegionIndex) -> dict[str, Any]:
    by_code = {reg.code: reg for reg in idx.regions}
    region = by_code.get(r.region_code)
    accuracy = region.accuracy_m if region is not None else 0.0
    nearest = by_code.get(r.nearest_region or "")
    nearest_text = f"{nearest.name_en} ({nearest.code})" if nearest else (r.nearest_region or "none")
    if r.straddles:
        parts = ", ".join(f"{s.code} {_pct(s.share)}" for s in r.shares)
        verdict = f"The lot straddles regions ({parts}): LandsD decides which rates apply."
    elif r.near_boundary:
        verdict = (
            f"Near a region boundary: {_metres(r.boundary_distance_m)} from {nearest_text}, inside the layer's "
            f"accuracy of {accuracy:,.0f} m."
        )
    elif math.isfinite(r.boundary_distance_m):
        verdict = f"{_metres(r.boundary_distance_m)} from the nearest other region, {nearest_text}."
    else:
        verdict = "No other region nearby."
    what = "lot boundary" if r.geometry_type != "Point" else "point"
    zh = f" {region.name_zh}" if region is not None and region.name_zh else ""
    lot = r.geometry_type + (f", {_area(round(r.area_m2, 1))}" if r.area_m2 is not None else "")
    rows = [
        ("Region", f"{r.region_name} ({r.region_code}){zh}"),
        ("District", f"{r.district} {r.district_zh}".strip() or "not found"),
        ("Nearest other region", f"{nearest_text}, {_metres(r.boundary_distance_m)} from the {what}"),
        ("District Lands Office", r.district_lands_office or "not known"),
        ("Region layer accuracy", f"about {accuracy:,.0f} m" if accuracy else "not stated"),
        ("Near a region boundary", "yes: check the Appendix II map" if r.near_boundary else "no"),
        ("Lot", lot),
        ("HK1980 Grid", f"E {r.easting:,.2f}, N {r.northing:,.2f}"),
    ]
    shares = []
    if len(r.shares) > 1:
        for s in r.shares:
            area = _area(round(s.share * r.area_m2, 1)) if r.area_m2 is not None else ""
            colour = REGION_COLOURS.get(s.code, "#777")
            shares.append({"code": s.code, "name": s.name, "pct": _pct(s.share), "area": area, "colour": colour})
    return {"verdict": verdict, "rows": rows, "shares": shares}


def _zones(r: Resolution) -> list[dict[str, str]]:
    out = []
    for z in r.zones:
        style = ZONE_STYLES.get(z.kind)
        out.append(
            {
                "name": z.name,
                "kind": style.label if style else z.kind,
                "status": z.status + (f", about {z.accuracy_m:,.0f} m" if z.accuracy_m else ""),
                "share": _pct(z.share) if z.share is not None else "",
                "consequence": zone_consequence(z.kind, z.name),
            }
        )
    return out


def _zone_layers_note(zones: ZoneIndex | None) -> str:
    idx = _zone_index(zones)
    statuses = sorted({z.status for z in idx.zones})
    return f"{len(idx.zones)} zones, {', '.join(statuses) or 'none'}"


# --- the assessment: checklist, computation, schedule ------------------------------------------------------

_STATUS_TEXT = {"pass": "✓ pass", "fail": "✗ fail", "unknown": "? unknown"}
_CHECK_LABEL = {
    "industrial_lot": "Industrial lot",
    "pre_1987_building": "Pre-1987 industrial building",
    "not_wholesale_converted": "Not wholesale-converted",
    "use_after": "Use after redevelopment",
    "max_gfa_stipulated": "Maximum GFA stipulated",
    "option_timing": "Option Form in time",
    "enquiry_timing": "Enquiry Form in time",
    "outside_special_zones": "Outside NDAs, Pilot Scheme Areas and Industrial Estates",
    "special_industrial_in_scope": "Special industrial use in scope",
}


def _eligibility(a: Assessment) -> list[dict[str, str]]:
    rows = []
    for c in a.eligibility:
        rows.append(
            {
                "check": _CHECK_LABEL.get(c.check, c.check.replace("_", " ").capitalize()),
                "status_class": c.status if c.status in _STATUS_TEXT else "unknown",
                "status_text": _STATUS_TEXT.get(c.status, c.status) + ("" if c.blocking else " (advisory)"),
                "reason": c.reason,
                "source": c.paragraph,
            }
        )
    return rows


def _line(line: PremiumLine, schedule_id: str, sign: str, straddle: bool) -> dict[str, str]:
    use = _USE_LABEL.get(line.use, line.use.replace("_", " "))
    rate_use = _USE_LABEL.get(line.rate_use, line.rate_use.replace("_", " "))
    what = use if use == rate_use else f"{use} at the {rate_use} rate"
    where = f" in {line.region_code}" if straddle else f" ({line.region_code})"
    return _row(
        "A × B" if line.term == "B" else "C × D",
        f"{'GFA after' if line.term == 'B' else 'Existing GFA'}: {what}{where}",
        _area(line.gfa_m2.quantize(Decimal("0.01"))),
        _rate(line.rate_hkd_per_m2),
        sign + _hkd(line.amount_hkd),
        f"para {line.paragraph}; para 6 ({schedule_id})",
    )


def _row(
    symbol: str, description: str, figure: str = "", rate: str = "", amount: str = "", source: str = "", css: str = ""
) -> dict[str, str]:
    return {"symbol": symbol, "description": description, "figure": figure, "rate": rate, "amount": amount,
            "source": source, "css": css}  # fmt: skip


def _hkd(d: Decimal) -> str:
    return _number(d.quantize(Decimal("0.01")))


def _computation(a: Assessment) -> dict[str, Any] | None:
    """The table of ``A x B - C x D - E``: every figure with its unit and paragraph; ``None`` when not priced."""
    b: PremiumBreakdown | None = a.breakdown
    if b is None:
        return None
    rows: list[dict[str, str]] = []
    if b.ga_gfa_m2:
        rows.append(_row("", "Maximum total GFA stipulated", _area(b.a_m2 + b.ga_gfa_m2), source="para 5(i)"))
        rows.append(_row("", "less Gov. Accommodation GFA (NOFA × 1.8)", "−" + _area(b.ga_gfa_m2), source="fn 6"))
    rows.append(
        _row(
            "A",
            "Maximum total GFA after the lease modification"
            + (", less Government Accommodation" if b.ga_gfa_m2 else ""),
            _area(b.a_m2),
            source="para 5(i), fn 6",
            css="subtotal",
        )
    )
    rows += [_line(x, b.schedule_id, "", b.estimate) for x in b.after]
    rows.append(_row("A × B", "Value after", amount=_hkd(b.axb_hkd), source="para 5(ii)",
                     css="subtotal"))  # fmt: skip
    rows.append(_row("C", "GFA of the existing pre-1987 building", _area(b.c_m2), source="para 5(iii)",
                     css="subtotal"))  # fmt: skip
    rows += [_line(x, b.schedule_id, "−", b.estimate) for x in b.before]
    rows.append(_row("C × D", "Value before", amount="−" + _hkd(b.cxd_hkd),
                     source="para 5(iv)", css="subtotal"))  # fmt: skip
    if b.e_hkd:
        rows.append(_row("E", "Gov. Accommodation construction cost, as conveyed", amount="−" + _hkd(b.e_hkd),
                         source="para 5(v)"))  # fmt: skip
    else:
        rows.append(_row("E", "Gov. Accommodation cost: none conveyed", amount="0",
                         source="para 5(v)"))  # fmt: skip
    rows.append(_row("", "A × B − C × D − E", amount=_hkd(b.gross_hkd), source="para 5", css="subtotal"))
    rows.append(_row("", "Premium (not below zero; to the nearest HK$1)",
                     amount=_number(b.premium_hkd), source="para 5, fn 5", css="total"))  # fmt: skip
    notes = [f"{n[0].upper()}{n[1:]}" + ("" if n.endswith(".") else ".") for n in b.notes if n]
    notes.append(f"Figures in square metres of GFA and HK dollars; rounding: {b.rounding}.")
    return {"rows": rows, "notes": notes}


def _rate_schedule(schedule: RateSchedule, regions_priced: Iterable[str], idx: RegionIndex) -> dict[str, Any]:
    columns = [(use, label) for use, label in _RATE_COLUMNS if schedule.has(use)]
    priced = set(regions_priced)
    rates = []
    for region in idx.regions:
        cells = [
            _number(schedule.rate(region.code, use)) if (region.code, use) in schedule.rates else "–"
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


def _as_feature(feature: Any, crs: Any = None) -> LotFeature:
    from lotrate.lookup import LotFeature, read_features

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


@dataclass(frozen=True)
class _Outcome:
    resolution: Resolution
    assessment: Assessment | None
    error: str | None


def _evaluate(
    feat: LotFeature,
    *,
    resolution: Resolution | None,
    assessment: Assessment | None,
    assess: bool,
    rates: RatesArg,
    as_of: dt.date | None,
    regions: RegionIndex | None,
    zones: ZoneIndex | None,
) -> _Outcome:
    """Locate the lot (errors propagate: no report without a place) and assess it (errors are reported)."""
    from lotrate.lookup import resolve_geometry

    if assessment is not None:
        return _Outcome(assessment.resolution, assessment, None)
    r = (
        resolution
        if resolution is not None
        else resolve_geometry(feat.geometry, feat.crs, regions=regions, zones=zones)
    )
    if not assess:
        return _Outcome(r, None, None)
    from lotrate.assessment import assess as assess_lot

    try:
        return _Outcome(r, assess_lot(feat, rates=rates, regions=regions, zones=zones, as_of=as_of), None)
    except LotrateError as exc:
        return _Outcome(r, None, str(exc))


def _summary(outcome: _Outcome) -> dict[str, str]:
    a, error = outcome.assessment, outcome.error
    label = "Premium at standard rates"
    if error is not None:
        return {"status": "error", "label": label, "headline": "Not computed", "sub": error, "premium": ""}
    if a is None:
        sub = "This report resolves the lot's location only; no premium was computed."
        return {"status": "resolved_only", "label": label, "headline": "Not assessed", "sub": sub, "premium": ""}
    if not a.applicable:
        # the first sentence of each failed check; the checklist and the zones table carry the rest
        firsts = [re.split(r"(?<=\.)\s+(?=[A-Z])", reason.strip(), maxsplit=1)[0] for reason in a.reasons]
        sub = " ".join(f if f.endswith(".") else f + "." for f in firsts) + " See the eligibility checklist."
        return {
            "status": "not_applicable",
            "label": label,
            "headline": "Scheme not applicable",
            "sub": sub,
            "premium": "",
        }
    if a.premium_hkd is None:
        sub = " ".join(w.message for w in a.warnings if w.code == "no_date") or "No rate schedule was chosen."
        return {"status": "unpriced", "label": label, "headline": "Not priced", "sub": sub, "premium": ""}
    unknown = [c.check.replace("_", " ") for c in a.eligibility if c.status == "unknown"]
    sub = f"A × B − C × D − E at the rates of {a.rate_schedule.id if a.rate_schedule else 'the schedule'}"
    if unknown:
        sub += f"; rests on checks still unknown: {', '.join(unknown)}"
    return {
        "status": "premium",
        "label": f"{label} (estimate)",
        "headline": "",
        "premium": money(a.premium_hkd),
        "sub": sub,
    }


def _assumptions(outcome: _Outcome, idx: RegionIndex, zones: ZoneIndex | None) -> list[str]:
    r = outcome.resolution
    region = next((reg for reg in idx.regions if reg.code == r.region_code), None)
    out = []
    if region is not None and region.assumption:
        out.append(f"Region mapping: {region.assumption} Source: {region.source}.")
    else:
        out.append("Region mapping: the Appendix II map of PN 12/2023 as read into the region layer used.")
    zidx = _zone_index(zones)
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


def _notices(outcome: _Outcome) -> list[dict[str, str]]:
    r, a = outcome.resolution, outcome.assessment
    # a zone's consequence is in the zones table already, the LandsD caveat in the assumptions
    shown = {zone_consequence(z.kind, z.name) for z in r.zones}
    notices = a.warnings if a is not None else r.warnings
    out = [{"code": "error", "message": outcome.error}] if outcome.error else []
    seen: set[tuple[str, str]] = set()
    for w in notices:
        if w.message in shown or w.code == "not_determination" or (w.code, w.message) in seen:
            continue
        seen.add((w.code, w.message))
        out.append({"code": w.code, "message": w.message})
    return out


def _plain_attribution(basemap: str) -> str:
    source = OSM_ATTRIBUTION if basemap == "osm" else LANDSD_ATTRIBUTION
    text = html.unescape(re.sub(r"<[^>]+>", "", source))
    return (
        f"Basemap {text}. Regions from the Electoral Affairs Commission's 2019 constituency areas (DATA.GOV.HK). "
        f"Map drawn with Leaflet {leaflet_assets().version}."
    )


def _render(
    feat: LotFeature,
    outcome: _Outcome,
    *,
    regions: RegionIndex | None,
    zones: ZoneIndex | None,
    basemap: Basemap,
    generated: dt.datetime | None,
) -> str:
    r, a = outcome.resolution, outcome.assessment
    idx = _region_index(regions)
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
        ("PBTO accepted", _text(props.get("pbto_accepted"))),
    ]
    if r.area_m2 is not None:
        facts.append(("Lot area (as drawn)", _area(round(r.area_m2, 1))))
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
        "generated": _when(generated or dt.datetime.now(dt.timezone.utc)),
        "lot_id": feat.lot_id,
        "address": str(props.get("address") or ""),
        "facts": facts,
        "summary": _summary(outcome),
        "region": {"code": r.region_code, "name": r.region_name, "colour": REGION_COLOURS.get(r.region_code, "#777")},
        "confidence": _confidence(r, idx),
        "zones": _zones(r),
        "zone_layers": _zone_layers_note(zones),
        "eligibility": _eligibility(a) if a is not None else [],
        "eligibility_note": not_assessed if outcome.error is None else f"Not assessed: {outcome.error}",
        "computation": _computation(a) if a is not None else None,
        "computation_note": not_computed,
        "rate_schedule": _rate_schedule(a.rate_schedule, priced, idx) if a and a.rate_schedule else None,
        "warnings": _notices(outcome),
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
        "report_css": _report_css(),
    }
    return _env().get_template("report.html.j2").render(**ctx)


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
    basemap: Basemap = "osm",
    generated: dt.datetime | None = None,
) -> str:
    """The self-contained HTML report of one lot.

    Parameters
    ----------
    feature : :class:`~lotrate.lookup.LotFeature` or a GeoJSON Feature dict (lot file format v1)
    assessment : the lot's :class:`~lotrate.assessment.Assessment`, when already computed.
    resolution : the lot's :class:`~lotrate.results.Resolution`, when already computed (location only).
    assess : compute the premium (:func:`lotrate.assessment.assess`) when no ``assessment`` is given; with
        ``False`` the report covers the location only. An assessment that fails (a date no schedule covers, a
        malformed figure) is reported on the page, not raised.
    rates, as_of : passed to :func:`lotrate.assessment.assess`.
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
    feat = _as_feature(feature, crs)
    outcome = _evaluate(
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
    return _render(feat, outcome, regions=regions, zones=zones, basemap=basemap, generated=generated)


def write_report(feature: Any, path: str | os.PathLike[str], **kwargs: Any) -> Path:
    """Write :func:`report_html` to ``path`` (parent folders created); returns the path."""
    page = report_html(feature, **kwargs)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return out


# --- many lots: one report each and an index ----------------------------------------------------------


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

    def to_dict(self) -> dict[str, Any]:
        return {
            "lot_id": self.lot_id,
            "path": None if self.path is None else str(self.path),
            "region_code": self.region_code,
            "district": self.district,
            "status": self.status,
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
    basemap: Basemap = "osm",
    generated: dt.datetime | None = None,
) -> ReportSet:
    """Write one report per lot of a lot file into ``out_dir``, plus ``index.html`` linking them all.

    A lot that cannot be located gets no report; its row in the index (and its entry) says why. A lot whose
    premium cannot be computed gets a report saying why, and an entry with that ``error``.

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
    from lotrate.lookup import read_features

    feats = read_features(source, crs=crs) if isinstance(source, (str, os.PathLike, dict)) else list(source)
    if assess and rates is not None:  # read and check the schedule files once, not once per lot
        from lotrate.rates import RateSchedule, load_schedule, schedule_set

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
        try:
            outcome = _evaluate(
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
            entries.append(ReportEntry(feat.lot_id, None, None, None, "error", None, str(exc)))
            continue
        path = out / safe_filename(feat.lot_id, taken)
        path.write_text(
            _render(feat, outcome, regions=regions, zones=zones, basemap=basemap, generated=when), encoding="utf-8"
        )
        r, a = outcome.resolution, outcome.assessment
        premium = a.premium_hkd if a is not None else None
        status = _summary(outcome)["status"]
        entries.append(ReportEntry(feat.lot_id, path, r.region_code, r.district, status, premium, outcome.error))
    index = out / "index.html"
    index.write_text(_index_html(entries, when), encoding="utf-8")
    return ReportSet(index, tuple(entries))


_STATUS_LABEL = {
    "premium": "premium estimated",
    "not_applicable": "scheme not applicable",
    "unpriced": "not priced (no PBTO date)",
    "resolved_only": "location only",
    "error": "error",
}


def _index_html(entries: Iterable[ReportEntry], when: dt.datetime) -> str:
    rows = [
        {
            "lot_id": e.lot_id,
            "href": e.path.name if e.path is not None else "",
            "region": e.region_code or "",
            "district": e.district or "",
            "status": _STATUS_LABEL.get(e.status, e.status),
            "premium": money(e.premium_hkd) if e.premium_hkd is not None else "",
            "error": e.error or "",
        }
        for e in entries
    ]
    return (
        _env()
        .get_template("index.html.j2")
        .render(rows=rows, version=__version__, generated=_when(when), report_css=_report_css())
    )


# --- Jupyter rich views ----------------------------------------------------------------------------------


def resolution_html(r: Resolution) -> str:
    """A compact HTML view of a :class:`~lotrate.results.Resolution` (its ``_repr_html_``).

    Examples
    --------
    >>> from lotrate.lookup import resolve
    >>> "Kowloon East (KE)" in resolution_html(resolve(x=114.2250, y=22.3130))
    True
    """
    return (
        _env()
        .get_template("resolution.html.j2")
        .render(
            r=r,
            colour=REGION_COLOURS.get(r.region_code, "#777"),
            distance=_metres(r.boundary_distance_m),
            shares=[(s.code, s.name, _pct(s.share)) for s in r.shares] if len(r.shares) > 1 else [],
            zones=[(z.name, ZONE_STYLES[z.kind].label if z.kind in ZONE_STYLES else z.kind, z.status) for z in r.zones],
            area=_area(round(r.area_m2, 1)) if r.area_m2 is not None else "",
        )
    )


def assessment_html(a: Assessment) -> str:
    """A compact HTML view of an :class:`~lotrate.assessment.Assessment` (its ``_repr_html_``).

    Examples
    --------
    >>> from lotrate.assessment import assess
    >>> a = assess({"type": "Feature", "geometry": {"type": "Point", "coordinates": [114.2235, 22.311]},
    ...     "properties": {"lot_id": "KTIL 713", "pbto_accepted": "2024-02-15", "max_gfa_m2": 10000,
    ...                    "gfa_after_m2": {"commercial": 10000}, "private_residential_prohibited": True,
    ...                    "gfa_before_m2": {"industrial": 5000}, "lot_user": "industrial"}})
    >>> "HK$450,000,000" in assessment_html(a)
    True
    """
    outcome = _Outcome(a.resolution, a, None)
    return (
        _env()
        .get_template("assessment.html.j2")
        .render(
            a=a,
            summary=_summary(outcome),
            eligibility=_eligibility(a),
            computation=_computation(a),
            warnings=_notices(outcome),
        )
    )
