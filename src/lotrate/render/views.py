"""View models shared by the report page and the Jupyter views: summary, checklist, computation, notices."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from lotrate.messages import zone_consequence
from lotrate.render.format import area_text, hkd, metres, money, number, percent, rate_text
from lotrate.render.maps import REGION_COLOURS, ZONE_STYLES

if TYPE_CHECKING:

    from lotrate.index.regions import RegionIndex
    from lotrate.premium.assess import Assessment
    from lotrate.premium.formula import PremiumBreakdown, PremiumLine
    from lotrate.results import Resolution




#: uses of a rate schedule, in the column order of the PN 12/2023 para 6 table
RATE_COLUMNS = (
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


def confidence(r: Resolution, idx: RegionIndex) -> dict[str, Any]:
    by_code = {reg.code: reg for reg in idx.regions}
    region = by_code.get(r.region_code)
    accuracy = region.accuracy_m if region is not None else 0.0
    nearest = by_code.get(r.nearest_region or "")
    nearest_text = f"{nearest.name_en} ({nearest.code})" if nearest else (r.nearest_region or "none")
    if r.straddles:
        parts = ", ".join(f"{s.code} {percent(s.share)}" for s in r.shares)
        verdict = f"The lot straddles regions ({parts}): LandsD decides which rates apply."
    elif r.near_boundary:
        verdict = (
            f"Near a region boundary: {metres(r.boundary_distance_m)} from {nearest_text}, inside the layer's "
            f"accuracy of {accuracy:,.0f} m."
        )
    elif math.isfinite(r.boundary_distance_m):
        verdict = f"{metres(r.boundary_distance_m)} from the nearest other region, {nearest_text}."
    else:
        verdict = "No other region nearby."
    what = "lot boundary" if r.geometry_type != "Point" else "point"
    zh = f" {region.name_zh}" if region is not None and region.name_zh else ""
    lot = r.geometry_type + (f", {area_text(round(r.area_m2, 1))}" if r.area_m2 is not None else "")
    rows = [
        ("Region", f"{r.region_name} ({r.region_code}){zh}"),
        ("District", f"{r.district} {r.district_zh}".strip() or "not found"),
        ("Nearest other region", f"{nearest_text}, {metres(r.boundary_distance_m)} from the {what}"),
        ("District Lands Office", r.district_lands_office or "not known"),
        ("Region layer accuracy", f"about {accuracy:,.0f} m" if accuracy else "not stated"),
        ("Near a region boundary", "yes: check the Appendix II map" if r.near_boundary else "no"),
        ("Lot", lot),
        ("HK1980 Grid", f"E {r.easting:,.2f}, N {r.northing:,.2f}"),
    ]
    shares = []
    if len(r.shares) > 1:
        for s in r.shares:
            area = area_text(round(s.share * r.area_m2, 1)) if r.area_m2 is not None else ""
            colour = REGION_COLOURS.get(s.code, "#777")
            shares.append({"code": s.code, "name": s.name, "pct": percent(s.share), "area": area, "colour": colour})
    return {"verdict": verdict, "rows": rows, "shares": shares}


def zone_rows(r: Resolution) -> list[dict[str, str]]:
    out = []
    for z in r.zones:
        style = ZONE_STYLES.get(z.kind)
        out.append(
            {
                "name": z.name,
                "kind": style.label if style else z.kind,
                "status": z.status + (f", about {z.accuracy_m:,.0f} m" if z.accuracy_m else ""),
                "share": percent(z.share) if z.share is not None else "",
                "consequence": zone_consequence(z.kind, z.name),
            }
        )
    return out


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


def eligibility_rows(a: Assessment) -> list[dict[str, str]]:
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
        area_text(line.gfa_m2.quantize(Decimal("0.01"))),
        rate_text(line.rate_hkd_per_m2),
        sign + hkd(line.amount_hkd),
        f"para {line.paragraph}; para 6 ({schedule_id})",
    )


def _row(
    symbol: str, description: str, figure: str = "", rate: str = "", amount: str = "", source: str = "", css: str = ""
) -> dict[str, str]:
    return {"symbol": symbol, "description": description, "figure": figure, "rate": rate, "amount": amount,
            "source": source, "css": css}  # fmt: skip


def computation(a: Assessment) -> dict[str, Any] | None:
    """The table of ``A x B - C x D - E``: every figure with its unit and paragraph; ``None`` when not priced."""
    b: PremiumBreakdown | None = a.breakdown
    if b is None:
        return None
    rows: list[dict[str, str]] = []
    if b.ga_gfa_m2:
        rows.append(_row("", "Maximum total GFA stipulated", area_text(b.a_m2 + b.ga_gfa_m2), source="para 5(i)"))
        rows.append(_row("", "less Gov. Accommodation GFA (NOFA × 1.8)", "−" + area_text(b.ga_gfa_m2), source="fn 6"))
    rows.append(
        _row(
            "A",
            "Maximum total GFA after the lease modification"
            + (", less Government Accommodation" if b.ga_gfa_m2 else ""),
            area_text(b.a_m2),
            source="para 5(i), fn 6",
            css="subtotal",
        )
    )
    rows += [_line(x, b.schedule_id, "", b.estimate) for x in b.after]
    rows.append(_row("A × B", "Value after", amount=hkd(b.axb_hkd), source="para 5(ii)",
                     css="subtotal"))  # fmt: skip
    rows.append(_row("C", "GFA of the existing pre-1987 building", area_text(b.c_m2), source="para 5(iii)",
                     css="subtotal"))  # fmt: skip
    rows += [_line(x, b.schedule_id, "−", b.estimate) for x in b.before]
    rows.append(_row("C × D", "Value before", amount="−" + hkd(b.cxd_hkd),
                     source="para 5(iv)", css="subtotal"))  # fmt: skip
    if b.e_hkd:
        rows.append(_row("E", "Gov. Accommodation construction cost, as conveyed", amount="−" + hkd(b.e_hkd),
                         source="para 5(v)"))  # fmt: skip
    else:
        rows.append(_row("E", "Gov. Accommodation cost: none conveyed", amount="0",
                         source="para 5(v)"))  # fmt: skip
    rows.append(_row("", "A × B − C × D − E", amount=hkd(b.gross_hkd), source="para 5", css="subtotal"))
    rows.append(_row("", "Premium (not below zero; to the nearest HK$1)",
                     amount=number(b.premium_hkd), source="para 5, fn 5", css="total"))  # fmt: skip
    notes = [f"{n[0].upper()}{n[1:]}" + ("" if n.endswith(".") else ".") for n in b.notes if n]
    notes.append(f"Figures in square metres of GFA and HK dollars; rounding: {b.rounding}.")
    return {"rows": rows, "notes": notes}


@dataclass(frozen=True)
class Outcome:
    resolution: Resolution
    assessment: Assessment | None
    error: str | None


def summary(outcome: Outcome) -> dict[str, str]:
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


def notice_rows(outcome: Outcome) -> list[dict[str, str]]:
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
