"""Standard-rate schedules: one CSV per schedule, chosen by the PBTO acceptance date (PN 12/2023 para 6).

Examples
--------
>>> import datetime
>>> s = schedule_for(datetime.date(2024, 2, 15))
>>> s.id, s.rate("KE", "commercial")
('PN12/2023', Decimal('65000'))
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import os
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

from lotrate.errors import RateNotFoundError, ScheduleError
from lotrate.index.regions import REGION_CODES, data_path

#: after-uses (B) and before-uses (D) a schedule prices, HK$ per m2 of GFA
USES = ("industrial", "special_industrial", "commercial", "modern_industrial", "residential")
#: every schedule must price these for every region; special industrial only exists from PN 12/2023 (para 5(iv))
REQUIRED_USES = ("industrial", "commercial", "modern_industrial", "residential")
_HEADER_KEYS = ("id", "practice_note", "paragraph", "effective_from", "effective_to")


@dataclass(frozen=True)
class RateSchedule:
    """One table of standard rates and the period it is valid for (both dates inclusive)."""

    id: str
    practice_note: str
    paragraph: str
    effective_from: dt.date
    effective_to: dt.date
    source: str
    rates: dict[tuple[str, str], Decimal] = field(hash=False, compare=False)
    path: str = ""

    def covers(self, day: dt.date) -> bool:
        return self.effective_from <= day <= self.effective_to

    def has(self, use: str) -> bool:
        return any(u == use for _, u in self.rates)

    def rate(self, region_code: str, use: str) -> Decimal:
        """HK$ per m2 for a region and use; :class:`ScheduleError` if the schedule has no such rate."""
        try:
            return self.rates[(region_code, use)]
        except KeyError:
            raise ScheduleError(
                f"schedule {self.id} has no {use} rate for region {region_code}"
                + (" (special industrial rates start with PN 12/2023)" if use == "special_industrial" else "")
            ) from None

    @property
    def period(self) -> str:
        return f"{self.effective_from:%d %b %Y} to {self.effective_to:%d %b %Y}"

    def to_dict(self) -> dict[str, str]:
        return {
            "id": self.id,
            "practice_note": self.practice_note,
            "paragraph": self.paragraph,
            "effective_from": self.effective_from.isoformat(),
            "effective_to": self.effective_to.isoformat(),
            "source": self.source,
        }


def _date(text: str, where: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ScheduleError(f"{where}: {text!r} is not a date in YYYY-MM-DD form") from None


def load_schedule(path: str | os.PathLike[str]) -> RateSchedule:
    """Read and validate one schedule file.

    Errors name the file and the row: a missing header key, a malformed date, a period that ends before it
    starts, an unknown region or use, a duplicate row, a rate that is not a positive number, a region x use
    pair left out.
    """
    p = Path(path)
    try:
        lines = p.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ScheduleError(f"rate schedule {str(p)!r} cannot be read: {exc}") from exc
    header: dict[str, str] = {}
    body: list[tuple[int, str]] = []
    for no, line in enumerate(lines, start=1):
        if line.startswith("#"):
            key, sep, value = line[1:].partition(":")
            if sep and key.strip() in (*_HEADER_KEYS, "source"):
                header[key.strip()] = value.strip()
        elif line.strip():
            body.append((no, line))
    missing = [k for k in _HEADER_KEYS if k not in header]
    if missing:
        raise ScheduleError(f"{p.name}: header line(s) missing: {', '.join('# ' + k + ': ...' for k in missing)}")
    start = _date(header["effective_from"], f"{p.name}: effective_from")
    end = _date(header["effective_to"], f"{p.name}: effective_to")
    if end < start:
        raise ScheduleError(f"{p.name}: effective_to {end} is before effective_from {start}")
    reader = csv.reader([line for _, line in body])
    rows = list(reader)
    if not rows or [c.strip() for c in rows[0]] != ["region_code", "use", "rate_hkd_per_m2"]:
        raise ScheduleError(f"{p.name}: the first data line must be 'region_code,use,rate_hkd_per_m2'")
    rates: dict[tuple[str, str], Decimal] = {}
    for (no, _), row in zip(body[1:], rows[1:]):
        where = f"{p.name} line {no}"
        if len(row) != 3:
            raise ScheduleError(f"{where}: expected 3 columns, found {len(row)}: {row}")
        region, use, value = (c.strip() for c in row)
        if region not in REGION_CODES:
            raise ScheduleError(f"{where}: region {region!r} is not one of {', '.join(REGION_CODES)}")
        if use not in USES:
            raise ScheduleError(f"{where}: use {use!r} is not one of {', '.join(USES)}")
        if (region, use) in rates:
            raise ScheduleError(f"{where}: a second {use} rate for {region}")
        try:
            rate = Decimal(value)
        except InvalidOperation:
            raise ScheduleError(f"{where}: rate {value!r} is not a number") from None
        if not rate.is_finite() or rate <= 0:
            raise ScheduleError(f"{where}: rate {value} for {region} {use} must be a positive number of HK$ per m2")
        rates[(region, use)] = rate
    uses = set(REQUIRED_USES) | ({"special_industrial"} if any(u == "special_industrial" for _, u in rates) else set())
    absent = [f"{r} {u}" for r in REGION_CODES for u in USES if u in uses and (r, u) not in rates]
    if absent:
        raise ScheduleError(f"{p.name}: no rate for {', '.join(absent)}; every region x use needs a row")
    return RateSchedule(
        id=header["id"],
        practice_note=header["practice_note"],
        paragraph=header["paragraph"],
        effective_from=start,
        effective_to=end,
        source=header.get("source", ""),
        rates=rates,
        path=str(p),
    )


@lru_cache(maxsize=1)
def builtin_schedules() -> tuple[RateSchedule, ...]:
    """The schedules shipped in ``data/rates/`` (files named ``template_*`` are not loaded)."""
    folder = data_path("rates")
    return tuple(load_schedule(f) for f in sorted(folder.glob("*.csv")) if not f.name.startswith("template"))


def schedule_set(extra: tuple[RateSchedule, ...] | list[RateSchedule] = ()) -> tuple[RateSchedule, ...]:
    """Built-in schedules plus ``extra`` ones, sorted by start date; overlapping periods are an error."""
    out = sorted([*builtin_schedules(), *extra], key=lambda s: s.effective_from)
    for a, b in itertools.pairwise(out):
        if b.effective_from <= a.effective_to:
            raise ScheduleError(
                f"schedule {b.id} ({b.period}) overlaps schedule {a.id} ({a.period}); periods must not overlap"
            )
    return tuple(out)


def schedule_for(day: dt.date, schedules: tuple[RateSchedule, ...] | list[RateSchedule] | None = None) -> RateSchedule:
    """The schedule whose period covers ``day`` (the PBTO acceptance date, PN 12/2023 para 6).

    Raises
    ------
    RateNotFoundError
        Naming the date, the nearest schedules before and after it, and how to load one.
    """
    pool = schedule_set() if schedules is None else tuple(sorted(schedules, key=lambda s: s.effective_from))
    for s in pool:
        if s.covers(day):
            return s
    before = [s for s in pool if s.effective_to < day]
    after = [s for s in pool if s.effective_from > day]
    near = []
    if before:
        near.append(f"the latest before it is {before[-1].id} ({before[-1].period})")
    if after:
        near.append(f"the next after it is {after[0].id} ({after[0].period})")
    raise RateNotFoundError(
        f"no rate schedule covers {day.isoformat()}"
        + (f": {'; '.join(near)}" if near else "")
        + ". Rates change every 1 April: load the table in force on that date with --rates FILE or "
        "lotrate.load_schedule(path) (see data/rates/template_separate_commercial.csv)"
    )
