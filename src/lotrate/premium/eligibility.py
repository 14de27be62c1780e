"""The eligibility checklist of PN 12/2023 (paras 2-4, 7, 10; fns 1-4, 6).

Each check is ``pass``, ``fail`` or ``unknown`` with a reason. An unknown is never treated as a pass: the
assessment still computes the premium and says which checks it rests on. A ``blocking`` check that fails
takes the lot out of the scheme; a non-blocking one (the Enquiry Form timing of para 7) only changes what
LandsD will do.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from lotrate.premium.lot import INDUSTRIAL_USERS, Lot
from lotrate.results import Resolution

#: fn 3: a pre-1987 IB was constructed, or its plans first submitted, on or before 1 March 1987
PRE_1987_CUTOFF = dt.date(1987, 3, 1)
#: para 10: transitional arrangement for special-industrial lots
TRANSITIONAL_ENQUIRY_BY = dt.date(2024, 1, 26)
TRANSITIONAL_OPTION_BY = dt.date(2024, 2, 28)
OUT_OF_SCHEME_ZONES = ("NDA", "PILOT_SCHEME", "INDUSTRIAL_ESTATE")


@dataclass(frozen=True)
class Check:
    """One line of the checklist."""

    check: str
    status: str  # "pass" | "fail" | "unknown"
    reason: str
    paragraph: str
    blocking: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {"check": self.check, "status": self.status, "reason": self.reason, "paragraph": self.paragraph,
                "blocking": self.blocking}


def _industrial_lot(lot: Lot) -> Check:
    para = "para 3, fn 2"
    if lot.lot_user is None:
        return Check("industrial_lot", "unknown", "lot_user not given: the user clause of the land grant decides", para)
    if lot.lot_user in INDUSTRIAL_USERS:
        kind = {"unrestricted": "a lot without user restriction counts as an industrial lot (fn 2)",
                "special_industrial": "special industrial uses count as industrial (fn 2)"}.get(
            lot.lot_user, f"the lot is restricted to {lot.lot_user.replace('_', '/')} use")
        return Check("industrial_lot", "pass", kind, para)
    return Check("industrial_lot", "fail", f"lot_user {lot.lot_user!r} is not an industrial or godown user", para)


def _pre_1987(lot: Lot) -> Check:
    para = "para 2, fn 3"
    dates = [(n, d) for n, d in (("completed", lot.building_completed),
                                 ("plans first submitted", lot.plans_first_submitted)) if d is not None]
    early = [(n, d) for n, d in dates if d <= PRE_1987_CUTOFF]
    prefix = "the vacant lot's former building: " if lot.vacant_formerly_pre1987_ib else ""
    if early:
        n, d = early[0]
        return Check("pre_1987_building", "pass", f"{prefix}{n} {d.isoformat()}, on or before 1 March 1987", para)
    if len(dates) == 2:
        return Check("pre_1987_building", "fail",
                     f"{prefix}completed and plans first submitted after 1 March 1987", para)
    if dates:
        n, d = dates[0]
        other = "plans_first_submitted" if n == "completed" else "building_completed"
        return Check("pre_1987_building", "unknown",
                     f"{prefix}{n} {d.isoformat()} is after 1 March 1987; give {other} to decide", para)
    return Check("pre_1987_building", "unknown", "give building_completed or plans_first_submitted", para)


def _not_converted(lot: Lot) -> Check:
    para = "fn 3"
    if lot.wholesale_converted is None:
        return Check("not_wholesale_converted", "unknown", "wholesale_converted not given", para)
    if lot.wholesale_converted:
        return Check("not_wholesale_converted", "fail",
                     "wholesale conversion under the 2010 or 2018 revitalisation schemes: not a pre-1987 IB", para)
    return Check("not_wholesale_converted", "pass", "not wholesale-converted under the 2010 or 2018 schemes", para)


def _use_after(lot: Lot) -> Check:
    para = "para 3, fn 4"
    if lot.special_use_after:
        return Check("use_after", "fail",
                     f"redevelopment for a special use ({lot.special_use_after}) is outside the scheme", para)
    uses = ", ".join(u.replace("_", " ") for u in lot.gfa_after_m2) or "not split by use"
    if not lot.special_use_after_given:
        return Check("use_after", "unknown", f"uses after: {uses}; special_use_after not stated", para)
    return Check("use_after", "pass", f"commercial, modern industrial and/or residential ({uses})", para)


def _max_gfa(lot: Lot) -> Check:
    para = "para 5(i), fn 6"
    if lot.max_gfa_m2 is None:
        return Check("max_gfa_stipulated", "fail",
                     "no maximum total GFA stipulated: the scheme does not apply", para)
    return Check("max_gfa_stipulated", "pass", f"maximum total GFA {float(lot.max_gfa_m2):,.2f} m2", para)


def _option_timing(lot: Lot) -> Check:
    if lot.transitional:
        para = "para 10"
        if lot.option_submitted is None:
            return Check("option_timing", "unknown",
                         f"transitional case: the Option is due by {TRANSITIONAL_OPTION_BY:%d %B %Y}", para)
        ok = lot.option_submitted <= TRANSITIONAL_OPTION_BY
        return Check("option_timing", "pass" if ok else "fail",
                     f"transitional case: Option {lot.option_submitted.isoformat()}, due by "
                     f"{TRANSITIONAL_OPTION_BY:%d %B %Y}", para)
    para = "paras 4, 11"
    if lot.option_submitted is None or lot.pbto_accepted is None:
        return Check("option_timing", "unknown",
                     "the Option Form is due not later than acceptance of the PBTO; give option_submitted", para)
    if lot.option_submitted <= lot.pbto_accepted:
        return Check("option_timing", "pass",
                     f"Option {lot.option_submitted.isoformat()}, PBTO accepted {lot.pbto_accepted.isoformat()}", para)
    return Check("option_timing", "fail",
                 f"Option {lot.option_submitted.isoformat()} after PBTO acceptance {lot.pbto_accepted.isoformat()}: "
                 "case-by-case assessment unless the application is resubmitted (para 11)", para)


def _enquiry_timing(lot: Lot) -> Check | None:
    if lot.enquiry_submitted is None:
        return None
    if lot.transitional:
        ok = lot.enquiry_submitted <= TRANSITIONAL_ENQUIRY_BY
        return Check("enquiry_timing", "pass" if ok else "fail",
                     f"transitional case: Enquiry Form {lot.enquiry_submitted.isoformat()}, due by "
                     f"{TRANSITIONAL_ENQUIRY_BY:%d %B %Y}", "para 10", blocking=False)
    if lot.initial_fee_settled is None:
        return Check("enquiry_timing", "unknown", "give initial_fee_settled to check the Enquiry Form timing",
                     "para 7", blocking=False)
    ok = lot.enquiry_submitted <= lot.initial_fee_settled
    return Check("enquiry_timing", "pass" if ok else "fail",
                 "Enquiry Form " + ("in time: LandsD informs C with the PBTO" if ok else
                                    "after the initial administrative fee: LandsD need not inform C with the PBTO"),
                 "para 7", blocking=False)


def _zones(res: Resolution | None) -> Check:
    para = "para 6 (note); HKSTP IE2.0"
    if res is None:
        return Check("outside_special_zones", "unknown", "the lot was not located", para)
    hit = [z for z in res.zones if z.kind in OUT_OF_SCHEME_ZONES]
    if not hit:
        return Check("outside_special_zones", "pass",
                     "not in a New Development Area, Pilot Scheme Area or Industrial Estate", para)
    from lotrate.messages import zone_consequence as consequence

    return Check("outside_special_zones", "fail", " ".join(consequence(z.kind, z.name) for z in hit), para)


def evaluate(lot: Lot, resolution: Resolution | None = None) -> tuple[Check, ...]:
    """The checklist for a lot, in the order of the Practice Note.

    Examples
    --------
    >>> from decimal import Decimal
    >>> lot = Lot("X", {}, "EPSG:4326", lot_user="godown", building_completed=dt.date(1980, 1, 1))
    >>> [(c.check, c.status) for c in evaluate(lot)][:2]
    [('industrial_lot', 'pass'), ('pre_1987_building', 'pass')]
    """
    checks = [_industrial_lot(lot), _pre_1987(lot), _not_converted(lot), _use_after(lot), _max_gfa(lot),
              _option_timing(lot)]
    enquiry = _enquiry_timing(lot)
    if enquiry is not None:
        checks.append(enquiry)
    checks.append(_zones(resolution))
    return tuple(checks)
