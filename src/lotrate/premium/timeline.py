"""The dated steps of an application under PN 12/2023, each with its paragraph, status and consequence.

Events (docs/outputs.md):

- ``enquiry_form``: the Enquiry Form (Appendix III) with its supporting documents, not later than the settlement
  of the initial administrative fee (para 7); 26 January 2024 for a transitional case (para 10);
- ``option_form``: the Option Form (Appendix I) on or before acceptance of the PBTO (paras 4, 11); 28 February
  2024 for a transitional case (para 10);
- ``pbto_acceptance``: the rates prevailing on that date apply (para 6);
- ``premium_offer``: the premium offer under the BBTO, normally within five weeks of LandsD's receipt of the
  PBTO acceptance for straightforward cases (para 8, fn 10). The lot file's ``pbto_accepted`` date stands in
  for the date of receipt;
- ``pn_issued`` and the transitional deadlines for an on-going special-industrial case (para 10);
- ``rate_review``: the next 1 April, when the standard rates are reviewed, and which loaded schedule would then
  apply (para 6).

Status against ``today``: ``done`` (recorded in the lot file, on or before today, in time), ``due`` (a
deadline still ahead, not yet met), ``overdue`` (a deadline passed unmet, or met late), ``expected`` (a date
ahead that LandsD or the applicant is expected to keep, or a recorded date still in the future), ``info``.

Examples
--------
>>> import datetime
>>> lot = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [114.2235, 22.311]},
...        "properties": {"lot_id": "KTIL 1", "pbto_accepted": "2024-02-15"}}
>>> t = timeline(lot, today=datetime.date(2024, 2, 1))[0]
>>> [(e.date and e.date.isoformat(), e.kind, e.status) for e in t.events]
[('2024-02-15', 'option_form', 'due'), ('2024-02-15', 'pbto_acceptance', 'expected'), \
('2024-03-21', 'premium_offer', 'expected'), ('2024-04-01', 'rate_review', 'expected'), \
(None, 'enquiry_form', 'due')]
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from lotrate.errors import LotFileError, LotrateError
from lotrate.premium.assess import RatesArg, schedules_from
from lotrate.premium.eligibility import (
    TRANSITIONAL_AS_OF,
    TRANSITIONAL_ENQUIRY_BY,
    TRANSITIONAL_OPTION_BY,
    is_transitional,
)
from lotrate.premium.lot import Lot
from lotrate.premium.rates import RateSchedule, schedule_for
from lotrate.premium.scenarios import hk_today, lots_of
from lotrate.results import provenance

#: para 8: the premium offer under the BBTO normally within five weeks of receipt of the PBTO acceptance
PREMIUM_OFFER_DAYS = 35
#: para 10's dates (the PN's own date, the Enquiry and Option deadlines) live with the eligibility rules
PN_DATE = TRANSITIONAL_AS_OF
#: para 6: rates are reviewed every 1 April (PN 12/2023's rates "remain valid until 31 March 2024")
REVIEW_MONTH_DAY = (4, 1)
STATUSES = ("done", "due", "overdue", "expected", "info")


@dataclass(frozen=True)
class Event:
    """One dated step (``date`` is ``None`` when the lot file does not give the date it hangs on)."""

    date: dt.date | None
    event: str
    paragraph: str
    status: str
    consequence: str
    kind: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "date": None if self.date is None else self.date.isoformat(),
            "event": self.event,
            "paragraph": self.paragraph,
            "status": self.status,
            "consequence": self.consequence,
            "kind": self.kind,
        }


@dataclass(frozen=True)
class Timeline:
    """A lot's events in date order (undated ones last), with their status as of ``today``."""

    lot_id: str
    address: str
    today: dt.date
    events: tuple[Event, ...]

    def to_dict(self) -> dict[str, Any]:
        """The ``timeline`` JSON object of one lot (docs/outputs.md) plus ``today`` and ``address``."""
        return {
            "lot_id": self.lot_id,
            "events": [e.to_dict() for e in self.events],
            "today": self.today.isoformat(),
            "address": self.address,
            "versions": provenance(),
        }

    def to_ics(self) -> bytes:
        """An iCalendar file (RFC 5545) with one all-day event per dated step, for a diary to import."""
        return to_ics([self])

    def to_frame(self) -> Any:
        """The events as a pandas DataFrame (one row each)."""
        import pandas as pd

        return pd.DataFrame([{"lot_id": self.lot_id, **e.to_dict()} for e in self.events])


def next_rate_review(today: dt.date) -> dt.date:
    """The first 1 April after ``today`` (para 6: the standard rates are reviewed every 1 April).

    Examples
    --------
    >>> next_rate_review(dt.date(2024, 3, 31)), next_rate_review(dt.date(2024, 4, 1))
    (datetime.date(2024, 4, 1), datetime.date(2025, 4, 1))
    """
    this_year = dt.date(today.year, *REVIEW_MONTH_DAY)
    return this_year if today < this_year else dt.date(today.year + 1, *REVIEW_MONTH_DAY)


def _date_prop(lot: Lot, name: str) -> dt.date | None:
    given = getattr(lot, name, None)
    if isinstance(given, dt.date):
        return given
    value = lot.properties.get(name)
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise LotFileError(f"{name}={value!r}: lot {lot.lot_id}: not a date in YYYY-MM-DD form",
                           field=name, value=value) from None


def _day(d: dt.date | None) -> str:
    return "" if d is None else f"{d.day} {d:%B %Y}"


def _recorded(day: dt.date, today: dt.date) -> str:
    """A date the lot file records: done, or expected when it is still ahead (a planned date)."""
    return "done" if day <= today else "expected"


def _deadline(day: dt.date, today: dt.date) -> str:
    return "due" if day >= today else "overdue"


def _schedule_text(day: dt.date, schedules: tuple[RateSchedule, ...]) -> str:
    try:
        s = schedule_for(day, schedules)
    except LotrateError:
        return "no loaded rate schedule covers it: load LandsD's table for that date with --rates FILE"
    return f"{s.id} ({s.period})"


def _enquiry(lot: Lot, today: dt.date) -> Event:
    sent = lot.enquiry_submitted
    pbto = lot.pbto_accepted
    by: dt.date | None
    if is_transitional(lot):  # para 10
        by, para = TRANSITIONAL_ENQUIRY_BY, "para 10"
        what = f"Enquiry Form (Appendix III) with all supporting documents, transitional case: by {_day(by)}"
        missed = "LandsD need not inform the GFA figure of C before the Option deadline of 28 February 2024 (para 10)"
    else:  # para 7
        by, para = lot.initial_fee_settled, "para 7"
        what = ("Enquiry Form (Appendix III) with all supporting documents, not later than the settlement of the "
                "initial administrative fee")
        missed = ("LandsD informs the GFA figure of C with the PBTO only if the Enquiry Form came in time; otherwise "
                  "the Option must be decided without it (para 7)")
    kept = ("LandsD informs the GFA figure of C by a separate letter with the PBTO (para 7)" if not is_transitional(lot)
            else "LandsD informs the GFA figure of C before the Option deadline (para 10)")
    if sent is not None:
        late = by is not None and sent > by
        status = "overdue" if late else _recorded(sent, today)
        return Event(sent, f"Enquiry Form submitted {_day(sent)}" + (f", after {_day(by)}" if late else ""),
                     para, status, missed if late else kept, "enquiry_form")
    if by is not None:
        status = _deadline(by, today)
        return Event(by, what + (" (none recorded: enquiry_submitted)" if status == "overdue" else ""), para, status,
                     missed, "enquiry_form")
    # the fee is always settled before a PBTO is issued: once the PBTO is accepted, the time has passed
    status = "overdue" if pbto is not None and pbto <= today else "due"
    return Event(None, what + " (date not given: add initial_fee_settled)", para, status, missed, "enquiry_form")


def _option(lot: Lot, today: dt.date) -> Event:
    sent, pbto = lot.option_submitted, lot.pbto_accepted
    kept = ("the Option is irreversible: no appeal against the premium offered under the BBTO, and the fees are "
            "forfeited if the lease modification does not proceed (para 4)")
    by: dt.date | None
    if is_transitional(lot):
        by, para = TRANSITIONAL_OPTION_BY, "para 10"
        what = f"Option Form (Appendix I), transitional case: by {_day(by)}, once, without resubmitting"
        missed = ("the transitional invitation lapses: to opt later, resubmit the application and pay the fees "
                  "again (paras 10, 11)")
    else:
        by, para = pbto, "paras 4, 11"
        what = "Option Form (Appendix I), not later than the acceptance of the PBTO"
        missed = ("the premium is assessed case-by-case; to opt after accepting the PBTO (before accepting the BBTO) "
                  "the application must be resubmitted and is considered afresh, with the prescribed fees (para 11)")
    if sent is not None:
        late = by is not None and sent > by
        status = "overdue" if late else _recorded(sent, today)
        return Event(sent, f"Option Form submitted {_day(sent)}" + (f", after {_day(by)}" if late else ""),
                     para, status, missed if late else kept, "option_form")
    if by is not None:
        status = _deadline(by, today)
        return Event(by, what + (" (none recorded: option_submitted)" if status == "overdue" else ""), para, status,
                     missed, "option_form")
    return Event(None, what + " (date not given: add pbto_accepted)", para, "due", missed, "option_form")


def _transitional(lot: Lot, today: dt.date) -> list[Event]:
    bbto_accepted = _date_prop(lot, "bbto_accepted")
    if is_transitional(lot):
        events = [Event(PN_DATE, "PN 12/2023 issued: on-going special-industrial applications with the PBTO "
                        "accepted, or the BBTO issued but its premium not accepted, are invited to opt once", "para 10",
                        "info", "no new application or administrative fee is needed for this one invitation",
                        "pn_issued")]
        if bbto_accepted is not None and bbto_accepted <= PN_DATE:
            events.append(Event(bbto_accepted, "BBTO accepted on or before the date of the PN", "para 10", "info",
                                "the transitional arrangement does not apply: the lease modification proceeds to "
                                "execution", "transitional_excluded"))
        return events
    if lot.lot_user == "special_industrial" and lot.pbto_accepted is not None and lot.pbto_accepted < PN_DATE:
        return [Event(PN_DATE, "PN 12/2023 issued: this special-industrial lot's PBTO was accepted before it",
                      "para 10", "info", "it may be a transitional case (opt by 28 February 2024): set "
                      "transitional: true in the lot file to see its deadlines", "pn_issued")]
    return []


def _pbto(lot: Lot, today: dt.date, schedules: tuple[RateSchedule, ...]) -> list[Event]:
    pbto = lot.pbto_accepted
    if pbto is None:
        return []
    return [Event(pbto, "PBTO accepted: the standard rates prevailing on this date apply", "para 6",
                  _recorded(pbto, today), f"rates: {_schedule_text(pbto, schedules)}", "pbto_acceptance")]


def _premium_offer(lot: Lot, today: dt.date) -> list[Event]:
    pbto = lot.pbto_accepted
    issued = _date_prop(lot, "bbto_issued")
    accepted = _date_prop(lot, "bbto_accepted")
    events = []
    if issued is not None:
        after = f", {(issued - pbto).days} days after the PBTO acceptance" if pbto else ""
        events.append(Event(issued, f"Premium offer under the BBTO issued{after}", "para 8", _recorded(issued, today),
                            "the premium at standard rates is not negotiable (para 5) and, once opted, not open to "
                            "appeal (para 4)", "premium_offer"))
    elif pbto is not None and not is_transitional(lot):
        due = pbto + dt.timedelta(days=PREMIUM_OFFER_DAYS)  # para 8: five weeks
        late_option = lot.option_submitted is not None and lot.option_submitted > pbto
        if late_option:
            status, note = "info", "applies only where the Option was made in time and LandsD accepted it (para 8)"
        else:
            status = "expected" if due >= today else "overdue"
            note = ("straightforward cases, counted from the PBTO acceptance date as the date LandsD received it; "
                    "complex cases such as land exchanges with title or boundary issues may take longer (fn 10)")
            if status == "overdue":
                note = "no BBTO recorded (bbto_issued): ask the District Lands Office; " + note
        events.append(Event(due, "Premium offer under the BBTO normally issued within five weeks of LandsD's receipt "
                            "of the PBTO acceptance", "para 8", status, note, "premium_offer"))
    if accepted is not None:
        events.append(Event(accepted, "BBTO accepted", "paras 4, 9", _recorded(accepted, today),
                            "the lease modification proceeds to execution; the building covenant normally runs from "
                            "then (para 9)", "bbto_acceptance"))
    return events


def _rate_review(lot: Lot, today: dt.date, schedules: tuple[RateSchedule, ...]) -> Event:
    review = next_rate_review(today)
    then = _schedule_text(review, schedules)
    pbto = lot.pbto_accepted
    if pbto is not None and pbto <= today:
        return Event(review, "Annual review of the standard rates (1 April)", "para 6", "info",
                     f"this lot's rates were fixed when its PBTO was accepted on {_day(pbto)}; from this date "
                     f"new acceptances are priced at {then}", "rate_review")
    now = _schedule_text(today, schedules)
    return Event(review, "Annual review of the standard rates (1 April)", "para 6", "expected",
                 f"a PBTO accepted before this date is priced at {now}; on or after it at {then}", "rate_review")


def timeline_lot(lot: Lot, schedules: tuple[RateSchedule, ...], today: dt.date | None = None) -> Timeline:
    """The timeline of one parsed lot (the step :func:`timeline` runs per lot; the report calls it too)."""
    today = today or hk_today()
    events = [_enquiry(lot, today), _option(lot, today), *_transitional(lot, today), *_pbto(lot, today, schedules),
              *_premium_offer(lot, today), _rate_review(lot, today, schedules)]
    events.sort(key=lambda e: (e.date is None, e.date or today))  # stable: same-day events keep the PN's order
    return Timeline(lot.lot_id, lot.address, today, tuple(events))


def timeline(source: Any, *, today: dt.date | None = None, rates: RatesArg = None) -> list[Timeline]:
    """The dated steps of each lot of ``source`` (a lot file path, GeoJSON dict, LotFeature or Lot).

    Parameters
    ----------
    today : the date statuses are judged against (default: today in Hong Kong)
    rates : schedule path(s) or RateSchedule(s) loaded beside the built-ins (which schedule applies when)
    """
    schedules = schedules_from(rates)
    return [timeline_lot(lot, schedules, today) for lot in lots_of(source)]


def _uid_part(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower() or "lot"


def to_ics(timelines: Iterable[Timeline]) -> bytes:
    """One iCalendar file for the timelines of several lots (all-day events; a reminder a week before a deadline)."""
    import icalendar

    cal = icalendar.Calendar()
    cal.add("prodid", "-//lotrate//PN 12-2023 timeline//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", "lotrate: PN 12/2023 deadlines")
    stamp = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    for t in timelines:
        for e in t.events:
            if e.date is None:
                continue
            ev = icalendar.Event()
            ev.add("uid", f"{_uid_part(t.lot_id)}-{e.kind}-{e.date:%Y%m%d}@lotrate")
            ev.add("dtstamp", stamp)
            ev.add("dtstart", e.date)
            ev.add("dtend", e.date + dt.timedelta(days=1))
            ev.add("summary", f"{t.lot_id}: {e.event}")
            ev.add("description", f"{e.consequence}\n\nPN 12/2023 {e.paragraph}. Status {e.status} as of "
                   f"{t.today.isoformat()} (lotrate).")
            ev.add("categories", [e.status])
            ev.add("transp", "TRANSPARENT")
            if e.status == "due":
                alarm = icalendar.Alarm()
                alarm.add("action", "DISPLAY")
                alarm.add("description", f"{t.lot_id}: {e.event}")
                alarm.add("trigger", dt.timedelta(days=-7))
                ev.add_component(alarm)
            cal.add_component(ev)
    data: bytes = cal.to_ical()
    return data


def write_ics(timelines: Iterable[Timeline], path: str | os.PathLike[str], *, overwrite: bool = False) -> str:
    """Write :func:`to_ics` to ``path`` through a temporary file; never replace a file unless ``overwrite``."""
    import tempfile
    from pathlib import Path

    p = Path(path)
    if p.exists() and not overwrite:
        raise LotFileError(f"{str(p)!r} exists: give --overwrite to replace it", field="ics", value=str(p))
    if p.exists() and not p.is_file():
        raise LotFileError(f"{str(p)!r} is not a file", field="ics", value=str(p))
    data = to_ics(timelines)
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, p)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return str(p)
