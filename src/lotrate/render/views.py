"""View models shared by the report page and the Jupyter views: summary, checklist, computation, notices.

Every sentence from the engine passes :func:`~lotrate.render.format.client_text` (m², no command-line hints),
and each fact is said once: a zone's consequence in the zones table, not again in the checklist or the notices.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from lotrate.messages import zone_consequence
from lotrate.render.format import area_text, client_text, hkd, metres, money, number, percent, rate_text
from lotrate.render.maps import REGION_COLOURS, ZONE_STYLES, approx_text, is_approximate
from lotrate.render.verdicts import VERDICT_LABELS, verdict_of

if TYPE_CHECKING:
    from lotrate.index.regions import RegionIndex
    from lotrate.premium.assess import Assessment
    from lotrate.premium.formula import PremiumBreakdown, PremiumLine
    from lotrate.results import Resolution, ZoneHit


#: uses of a rate schedule, in the column order of the PN 12/2023 para 6 table
RATE_COLUMNS = (
    ("industrial", "Industrial/godown"),
    ("special_industrial", "Special ind."),
    ("commercial", "Commercial"),
    ("modern_industrial", "Modern ind."),
    ("residential", "Residential"),
)


_USE_LABEL = {
    "industrial": "industrial/godown",
    "special_industrial": "special industrial",
    "modern_industrial": "modern industrial",
}


def _first_sentence(text: str) -> str:
    first = re.split(r"(?<=\.)\s+(?=[A-Z])", text.strip(), maxsplit=1)[0]
    return first if first.endswith(".") else first + "."


def dlo_text(dlo: str) -> str:
    """The District Lands Office, named once: ``District Lands Office Tai Po`` (not "DLO District Lands ...")."""
    if not dlo:
        return "District Lands Office not known"
    return dlo if dlo.lower().startswith("district lands office") else f"District Lands Office {dlo}"


def consequence(z: ZoneHit) -> str:
    try:
        return zone_consequence(z.kind, z.name)
    except ValueError:  # a kind from a user layer that the engine has no sentence for
        return f"{z.name} ({z.kind}): check with LandsD whether PN 12/2023 standard rates apply."


def confidence(r: Resolution, idx: RegionIndex) -> dict[str, Any]:
    """How sure the region is, without repeating the region, district or office shown on page 1."""
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
    lot = "boundary" if r.geometry_type != "Point" else "point"
    if r.area_m2 is not None:
        lot += f", {area_text(r.area_m2, measured=True)} as drawn"
    rows = [
        ("Nearest other region", f"{nearest_text}, {metres(r.boundary_distance_m)} from the {what}"),
        ("Region layer accuracy", f"about {accuracy:,.0f} m" if accuracy else "not stated"),
        ("Near a region boundary", "yes: check the Appendix II map" if r.near_boundary else "no"),
        ("Lot given as", lot),
        ("HK1980 Grid", f"E {r.easting:,.0f}, N {r.northing:,.0f}"),
    ]
    shares = []
    if len(r.shares) > 1:
        for s in r.shares:
            area = area_text(s.share * r.area_m2, measured=True) if r.area_m2 is not None else ""
            colour = REGION_COLOURS.get(s.code, "#777777")
            shares.append({"code": s.code, "name": s.name, "pct": percent(s.share), "area": area, "colour": colour})
    # page 1 repeats the verdict only when it calls for care: a straddle or a boundary within the accuracy
    return {"verdict": verdict, "rows": rows, "shares": shares, "caution": bool(r.straddles or r.near_boundary)}


def zone_rows(r: Resolution) -> list[dict[str, str]]:
    out = []
    for z in r.zones:
        style = ZONE_STYLES.get(z.kind)
        approx = is_approximate(z.status, z.accuracy_m)
        out.append(
            {
                "name": z.name,
                "kind": style.label if style else z.kind,
                "status": approx_text(z.accuracy_m) if approx else z.status,
                "share": percent(z.share) if z.share is not None else "",
                "consequence": client_text(consequence(z)),
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


def check_label(check: str) -> str:
    return _CHECK_LABEL.get(check, check.replace("_", " ").capitalize())


def _without_consequences(text: str, r: Resolution | None) -> str:
    """A reason that repeats a zone's consequence keeps its first sentence and points to the zones table."""
    if r is None:
        return text
    for z in r.zones:
        full = consequence(z)
        if full in text:
            text = text.replace(full, _first_sentence(full) + " See Special zones.")
    return text


def eligibility_rows(a: Assessment) -> list[dict[str, str]]:
    rows = []
    for c in a.eligibility:
        rows.append(
            {
                "check": check_label(c.check),
                "status_class": c.status if c.status in _STATUS_TEXT else "unknown",
                "status_text": _STATUS_TEXT.get(c.status, c.status) + ("" if c.blocking else " (advisory)"),
                "reason": client_text(_without_consequences(c.reason, a.resolution)),
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
        f"paras {line.paragraph}, 6",
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
            "Maximum total GFA after the lease modification" + (", less Gov. Accommodation" if b.ga_gfa_m2 else ""),
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
                     amount=hkd(b.premium_hkd), source="para 5, fn 5", css="total"))  # fmt: skip
    notes = [client_text(f"{n[0].upper()}{n[1:]}" + ("" if n.endswith(".") else ".")) for n in b.notes if n]
    notes.append(
        f"Rates of schedule {b.schedule_id} (para 6). GFA in m²; amounts in whole HK$, each rounded for display "
        f"(the premium is computed exactly, then rounded: {b.rounding})."
    )
    return {"rows": rows, "notes": [n for n in notes if n], "schedule": b.schedule_id}


@dataclass(frozen=True)
class Outcome:
    resolution: Resolution
    assessment: Assessment | None
    error: str | None
    #: the decision kit's report sections (scenarios, timeline), HTML with every value escaped; empty if none
    kit: tuple[str, ...] = ()


def verdict_text(outcome: Outcome) -> tuple[str, str]:
    """The verdict key and its words (``applicable``, ``not_applicable``, ``unverified``, ...)."""
    key = "error" if outcome.error is not None else verdict_of(outcome.assessment)
    return key, VERDICT_LABELS.get(key, key)


def summary(outcome: Outcome) -> dict[str, str]:
    a, error = outcome.assessment, outcome.error
    verdict, verdict_label = verdict_text(outcome)
    base = {"verdict": verdict, "verdict_label": verdict_label[0].upper() + verdict_label[1:]}
    label = "Premium at standard rates"
    if error is not None:
        sub = client_text(error) or "The premium could not be computed from the figures given."
        return {**base, "status": "error", "label": label, "headline": "Not computed", "sub": sub, "premium": "",
                "reason": sub}  # fmt: skip
    if a is None:
        sub = "This report resolves the lot's location only; no premium was computed."
        return {**base, "status": "resolved_only", "label": label, "headline": "Not assessed", "sub": sub,
                "premium": "", "reason": "location only"}  # fmt: skip
    if verdict == "not_applicable":
        # the first sentence of each failed check; the checklist and the zones table carry the rest
        firsts = [client_text(_first_sentence(reason)) for reason in a.reasons] or ["A blocking check failed."]
        sub = " ".join(firsts) + " See the eligibility checklist."
        return {**base, "status": "not_applicable", "label": label, "headline": "None at standard rates", "sub": sub,
                "premium": "", "reason": " ".join(firsts)}  # fmt: skip
    if a.premium_hkd is None:
        sub = client_text(" ".join(w.message for w in a.warnings if w.code == "no_date")) or (
            "No rate schedule was chosen: the PBTO acceptance date decides it (para 6)."
        )
        return {**base, "status": "unpriced", "label": label, "headline": "Not priced", "sub": sub, "premium": "",
                "reason": sub}  # fmt: skip
    unknown = [check_label(c.check).lower() for c in a.eligibility if c.status == "unknown"]
    sub = f"A × B − C × D − E at the rates of {a.rate_schedule.id if a.rate_schedule else 'the schedule'}"
    reason = "all checks pass"
    if unknown:
        sub += f"; rests on checks still unknown: {', '.join(unknown)}"
        reason = f"unknown: {', '.join(unknown)}"
    return {**base, "status": "premium", "label": f"{label} (estimate)", "headline": "",
            "premium": money(a.premium_hkd), "sub": sub, "reason": reason}  # fmt: skip


NOTICE_LABELS = {
    "near_boundary": "Near a region boundary",
    "straddle": "Straddles regions",
    "near_zone": "Near a special zone",
    "in_zone": "In a special zone",
    "geometry_repaired": "Boundary repaired",
    "estimate": "Estimate",
    "as_of": "Rates as of a date",
    "no_date": "No PBTO date",
    "error": "Not computed",
}


def notice_rows(outcome: Outcome) -> list[dict[str, str]]:
    """The notices a client should read, each once, in words (``label``) rather than codes."""
    r, a = outcome.resolution, outcome.assessment
    # a zone's consequence is in the zones table already, the LandsD caveat in the assumptions
    shown = [consequence(z) for z in r.zones]
    notices = a.warnings if a is not None else r.warnings
    out = []
    if outcome.error:
        out.append({"code": "error", "label": NOTICE_LABELS["error"], "message": client_text(outcome.error)})
    seen: set[str] = set()
    for w in notices:
        if w.code == "not_determination" or any(c in w.message for c in shown):
            continue
        message = client_text(w.message)
        if not message or message in seen:
            continue
        seen.add(message)
        label = NOTICE_LABELS.get(w.code, w.code.replace("_", " ").capitalize())
        out.append({"code": w.code, "label": label, "message": message[0].upper() + message[1:]})
    return out


def number_text(d: Decimal) -> str:
    return number(d)
