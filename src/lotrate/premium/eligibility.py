"""The eligibility checklist of PN 12/2023 (paras 2-4, 6, 7, 10; fns 1-4, 6), by instrument.

Each check is ``pass``, ``fail`` or ``unknown`` with a reason. An unknown is never treated as a pass: the
assessment still computes the premium, calls the verdict ``unverified`` and says which checks it rests on. A
``blocking`` check that fails takes the lot out of the scheme, and says where the lot goes instead
(:data:`ROUTES`); a non-blocking one (the Enquiry Form timing of paras 7 and 10) only changes what LandsD will
do. A rule applies only under the instrument that states it (:class:`~lotrate.premium.rates.Instrument`): the
Pilot Scheme Area exclusion comes with PN 12/2023, and so do special industrial lots.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from lotrate.premium.lot import INDUSTRIAL_USERS, Lot
from lotrate.premium.rates import PN_12_2023, PN_12_2023_DATE, Instrument
from lotrate.results import Resolution

#: fn 3: a pre-1987 IB was "wholly or partly constructed on or before 1 March 1987", or built on plans "first
#: submitted to the Building Authority for approval on or before 1 March 1987"
PRE_1987_CUTOFF = dt.date(1987, 3, 1)
#: para 10: on-going special-industrial cases "as of the date of this PN" (28 December 2023, PN signature)
TRANSITIONAL_AS_OF = PN_12_2023_DATE
#: para 10: Enquiry Form "not later than 26 January 2024"
TRANSITIONAL_ENQUIRY_BY = dt.date(2024, 1, 26)
#: para 10: "invited to opt by 28 February 2024"
TRANSITIONAL_OPTION_BY = dt.date(2024, 2, 28)
OUT_OF_SCHEME_ZONES = ("NDA", "PILOT_SCHEME", "INDUSTRIAL_ESTATE")

#: where a lot goes when the scheme does not apply: (label, what happens, paragraph)
ROUTES: dict[str, tuple[str, str, str]] = {
    "case_by_case": (
        "case-by-case assessment",
        "the premium is assessed on the established case-by-case basis (the applicant may always choose it, "
        "para 4; an Option not received by PBTO acceptance leads to it, para 11)",
        "paras 4, 11",
    ),
    "nda": (
        "NDA standard rates",
        "the applicant may only opt for the standard rates for New Development Areas under LandsD's relevant "
        "Practice Note",
        "para 6 (note)",
    ),
    "pilot_scheme": (
        "Pilot Scheme standard rates",
        "the applicant may only opt for the standard rates for the Pilot Scheme Areas under LandsD's relevant "
        "Practice Note",
        "para 6 (note)",
    ),
    "hkstp": (
        "HKSTP's Industrial Estate regime",
        "Industrial Estate land is let and granted under HKSTP's regime (IE2.0), at market-based premium and rents, "
        "not under this Practice Note",
        "para 3, fn 2; HKSTP IE2.0",
    ),
    "execution": (
        "execution on the accepted BBTO",
        "the BBTO was accepted by 28 December 2023: the lease modification proceeds to execution on it",
        "para 10",
    ),
}
_ZONE_ROUTE = {"NDA": "nda", "PILOT_SCHEME": "pilot_scheme", "INDUSTRIAL_ESTATE": "hkstp"}


@dataclass(frozen=True)
class Check:
    """One line of the checklist; ``routes`` (keys of :data:`ROUTES`) say where a failed lot goes instead."""

    check: str
    status: str  # "pass" | "fail" | "unknown"
    reason: str
    paragraph: str
    blocking: bool = True
    routes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"check": self.check, "status": self.status, "reason": self.reason,
                               "paragraph": self.paragraph, "blocking": self.blocking}
        if self.status == "fail" and self.routes:
            out["instead"] = list(self.routes)
        return out


_CBC = ("case_by_case",)


def _industrial_lot(lot: Lot) -> Check:
    para = "para 3, fn 2"
    if lot.lot_user is None:
        return Check("industrial_lot", "unknown", "lot_user not given: the user clause of the land grant decides", para)
    if lot.lot_user in INDUSTRIAL_USERS:
        kind = {"unrestricted": "a lot without user restriction counts as an industrial lot (fn 2(b))",
                "special_industrial": "special industrial uses count as industrial (fn 2(a))"}.get(
            lot.lot_user, f"the lot is restricted to {lot.lot_user.replace('_', '/')} use")
        return Check("industrial_lot", "pass", kind, para)
    return Check("industrial_lot", "fail", f"lot_user {lot.lot_user!r} is not an industrial or godown user", para,
                 routes=_CBC)


def _pre_1987(lot: Lot) -> Check:
    para = "para 2, fn 3" + (", fn 2" if lot.vacant_formerly_pre1987_ib else "")
    completed, plans = lot.building_completed, lot.plans_first_submitted
    prefix = "the vacant lot's former building: " if lot.vacant_formerly_pre1987_ib else ""
    if plans is not None and plans > PRE_1987_CUTOFF:
        # fn 3: a building on plans first submitted after 1 March 1987 cannot have been built on or before it
        clash = (f"; building_completed {completed.isoformat()} contradicts this: check the dates"
                 if completed is not None and completed <= PRE_1987_CUTOFF else "")
        return Check("pre_1987_building", "fail",
                     f"{prefix}plans first submitted {plans.isoformat()}, after 1 March 1987: a building on such "
                     f"plans was not constructed on or before that date, so it is not a pre-1987 IB{clash}", para,
                     routes=_CBC)
    if plans is not None:
        return Check("pre_1987_building", "pass",
                     f"{prefix}plans first submitted {plans.isoformat()}, on or before 1 March 1987", para)
    if completed is not None and completed <= PRE_1987_CUTOFF:
        return Check("pre_1987_building", "pass",
                     f"{prefix}completed {completed.isoformat()}, on or before 1 March 1987", para)
    if lot.vacant_formerly_pre1987_ib:
        return Check("pre_1987_building", "pass",
                     "vacant lot occupied by a pre-1987 IB immediately before it became vacant: eligible (fn 2)", para)
    if completed is not None:
        return Check("pre_1987_building", "unknown",
                     f"completed {completed.isoformat()}, after 1 March 1987, but it may have been partly constructed, "
                     "or built on plans first submitted, on or before it: give plans_first_submitted", para)
    return Check("pre_1987_building", "unknown",
                 "give building_completed or plans_first_submitted (or vacant_formerly_pre1987_ib for a vacant lot, "
                 "fn 2)", para)


def _not_converted(lot: Lot) -> Check:
    para = "fn 3"
    if lot.wholesale_converted is None:
        return Check("not_wholesale_converted", "unknown", "wholesale_converted not given", para)
    if lot.wholesale_converted:
        return Check("not_wholesale_converted", "fail",
                     "wholesale conversion under the 2010 or 2018 revitalisation schemes: not a pre-1987 IB", para,
                     routes=_CBC)
    return Check("not_wholesale_converted", "pass", "not wholesale-converted under the 2010 or 2018 schemes", para)


def _use_after(lot: Lot) -> Check:
    para = "para 3, fn 4"
    if lot.special_use_after:
        return Check("use_after", "fail",
                     f"redevelopment for a special use ({lot.special_use_after}) is outside the scheme", para,
                     routes=_CBC)
    uses = ", ".join(u.replace("_", " ") for u in lot.gfa_after_m2) or "not split by use"
    if not lot.special_use_after_given:
        return Check("use_after", "unknown", f"uses after: {uses}; special_use_after not stated", para)
    return Check("use_after", "pass", f"commercial, modern industrial and/or residential ({uses})", para)


def _max_gfa(lot: Lot) -> Check:
    para = "para 5(i), fn 6"
    if lot.max_gfa_m2 is None:
        return Check("max_gfa_stipulated", "fail",
                     "no maximum total GFA stipulated: the scheme does not apply", para, routes=_CBC)
    return Check("max_gfa_stipulated", "pass", f"maximum total GFA {float(lot.max_gfa_m2):,.2f} m2", para)


def is_transitional(lot: Lot) -> bool:
    """Whether the lot is put to para 10's transitional arrangement.

    ``transitional`` true or false in the lot file decides; when it is not given, a lot restricted to special
    industrial uses whose PBTO was accepted, or BBTO issued, on or before 28 December 2023 is taken as one.
    """
    if lot.transitional is not None:
        return lot.transitional
    if lot.lot_user != "special_industrial":
        return False
    return any(d is not None and d <= TRANSITIONAL_AS_OF for d in (lot.pbto_accepted, lot.bbto_issued))


def _transitional(lot: Lot) -> Check:
    """Para 10's conditions: a special-industrial lot, PBTO accepted or BBTO issued and BBTO not accepted, as of
    28 December 2023 (the Option and Enquiry deadlines are the timing checks)."""
    para = "para 10"
    asof = f"{TRANSITIONAL_AS_OF:%d %B %Y}"
    fails: list[str] = []
    unknowns: list[str] = []
    routes = _CBC
    if lot.lot_user is None:
        unknowns.append("lot_user not given (para 10 covers lots restricted to special industrial uses)")
    elif lot.lot_user != "special_industrial":
        fails.append(f"para 10 covers only lots restricted to special industrial uses, not {lot.lot_user!r}")
    started = [(n, d) for n, d in (("PBTO accepted", lot.pbto_accepted), ("BBTO issued", lot.bbto_issued))
               if d is not None]
    if not started:
        unknowns.append(f"give pbto_accepted or bbto_issued (one of them on or before {asof})")
    elif not any(d <= TRANSITIONAL_AS_OF for _, d in started):
        fails.append(", ".join(f"{n} {d.isoformat()}" for n, d in started)
                     + f": not an on-going case as of {asof}; the Option is due by PBTO acceptance (paras 4, 11)")
    if lot.bbto_accepted is not None and lot.bbto_accepted <= TRANSITIONAL_AS_OF:
        fails.append(f"BBTO accepted {lot.bbto_accepted.isoformat()}, as of {asof}: the arrangement does not apply "
                     "and the lease modification proceeds to execution")
        routes = ("execution",)
    elif lot.bbto_accepted is None and lot.transitional is not True:
        unknowns.append(
            f"give bbto_accepted (the BBTO must not have been accepted as of {asof}), or transitional: true"
        )
    if fails:
        return Check("transitional_arrangement", "fail", "; ".join(fails), para, routes=routes)
    if unknowns:
        return Check("transitional_arrangement", "unknown", "; ".join(unknowns), para)
    return Check("transitional_arrangement", "pass",
                 f"on-going special-industrial case as of {asof} (BBTO not accepted): invited to opt by "
                 f"{TRANSITIONAL_OPTION_BY:%d %B %Y}", para)


def _option_timing(lot: Lot, transitional: bool) -> Check:
    if transitional:
        para = "para 10"
        if lot.option_submitted is None:
            return Check("option_timing", "unknown",
                         f"transitional case: the Option is due by {TRANSITIONAL_OPTION_BY:%d %B %Y}", para)
        ok = lot.option_submitted <= TRANSITIONAL_OPTION_BY
        return Check("option_timing", "pass" if ok else "fail",
                     f"transitional case: Option {lot.option_submitted.isoformat()}, due by "
                     f"{TRANSITIONAL_OPTION_BY:%d %B %Y}", para, routes=() if ok else _CBC)
    para = "paras 4, 11"
    if lot.option_submitted is None or lot.pbto_accepted is None:
        return Check("option_timing", "unknown",
                     "the Option Form is due not later than acceptance of the PBTO; give option_submitted", para)
    if lot.option_submitted <= lot.pbto_accepted:
        return Check("option_timing", "pass",
                     f"Option {lot.option_submitted.isoformat()}, PBTO accepted {lot.pbto_accepted.isoformat()}", para)
    return Check("option_timing", "fail",
                 f"Option {lot.option_submitted.isoformat()} after PBTO acceptance {lot.pbto_accepted.isoformat()}: "
                 "case-by-case assessment unless the application is resubmitted (para 11)", para, routes=_CBC)


def _enquiry_timing(lot: Lot, transitional: bool) -> Check | None:
    if lot.enquiry_submitted is None:
        return None
    if transitional:
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


def _special_industrial_scope(lot: Lot, instrument: Instrument) -> Check | None:
    """Before PN 12/2023 a lot restricted to special industrial uses was outside the scheme: its user decides."""
    if instrument.special_industrial:
        return None
    para = f"{instrument.name}; PN 12/2023 fn 2(a), para 10"
    if lot.lot_user == "special_industrial":
        return Check("special_industrial_in_scope", "fail",
                     f"the lot is restricted to special industrial uses: special industrial lots came into the scheme "
                     f"with PN 12/2023 (fn 2(a)); under {instrument.name} they are outside it", para, routes=_CBC)
    if lot.lot_user is None and lot.gfa_before_m2.get("special_industrial"):
        return Check("special_industrial_in_scope", "unknown",
                     f"special industrial GFA before, and lot_user not given: under {instrument.name} a lot restricted "
                     "to special industrial uses is outside the scheme; the lot's user decides", para)
    return None


def _zones(res: Resolution | None, instrument: Instrument) -> Check:
    para = "para 6 (note); HKSTP IE2.0"
    if res is None:
        return Check("outside_special_zones", "unknown", "the lot was not located", para)
    hit = [z for z in res.zones if z.kind in OUT_OF_SCHEME_ZONES]
    spared = [z for z in hit if z.kind == "PILOT_SCHEME" and not instrument.pilot_scheme_exclusion]
    excluded = [z for z in hit if z not in spared]
    spared_text = "".join(
        f"; in {z.name} (a Pilot Scheme Area), but that exclusion came with PN 12/2023 (para 6 note) and does not "
        f"apply to a case under {instrument.name}"
        for z in spared
    )
    if not excluded:
        return Check("outside_special_zones", "pass",
                     "not in a New Development Area, Pilot Scheme Area or Industrial Estate" + spared_text
                     if not spared else spared_text[2:], para)
    from lotrate.messages import zone_consequence as consequence

    routes = tuple(dict.fromkeys(_ZONE_ROUTE[z.kind] for z in excluded))
    return Check("outside_special_zones", "fail", " ".join(consequence(z.kind, z.name) for z in excluded) + spared_text,
                 para, routes=routes)


def evaluate(
    lot: Lot,
    resolution: Resolution | None = None,
    *,
    instrument: Instrument | None = None,
    transitional: bool | None = None,
) -> tuple[Check, ...]:
    """The checklist for a lot, in the order of the Practice Note.

    ``instrument`` is the Practice Note the case falls under (default: PN 12/2023, the current one);
    ``transitional`` whether para 10's arrangement is claimed (default: :func:`is_transitional`).

    Examples
    --------
    >>> from decimal import Decimal
    >>> lot = Lot("X", {}, "EPSG:4326", lot_user="godown", building_completed=dt.date(1980, 1, 1))
    >>> [(c.check, c.status) for c in evaluate(lot)][:2]
    [('industrial_lot', 'pass'), ('pre_1987_building', 'pass')]
    """
    inst = PN_12_2023 if instrument is None else instrument
    trans = is_transitional(lot) if transitional is None else transitional
    checks = [_industrial_lot(lot), _pre_1987(lot), _not_converted(lot), _use_after(lot), _max_gfa(lot)]
    scope = _special_industrial_scope(lot, inst)
    if scope is not None:
        checks.append(scope)
    if trans:
        checks.append(_transitional(lot))
    checks.append(_option_timing(lot, trans))
    enquiry = _enquiry_timing(lot, trans)
    if enquiry is not None:
        checks.append(enquiry)
    checks.append(_zones(resolution, inst))
    return tuple(checks)


def routes_of(checks: tuple[Check, ...] | list[Check]) -> list[dict[str, str]]:
    """Where a lot goes instead, from its failed blocking checks: ``[{route, label, text, paragraph}]``."""
    keys = dict.fromkeys(r for c in checks if c.status == "fail" and c.blocking for r in (c.routes or _CBC))
    return [{"route": k, "label": ROUTES[k][0], "text": ROUTES[k][1], "paragraph": ROUTES[k][2]} for k in keys]
