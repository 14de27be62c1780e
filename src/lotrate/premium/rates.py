"""Standard-rate schedules: one CSV per schedule, chosen by the PBTO acceptance date (PN 12/2023 para 6).

Where schedules come from, in order: the built-in ones (``data/rates/``, sourced tables only), the files and
folders named in the ``LOTRATE_RATES`` environment variable (``os.pathsep``-separated, read by every command
and by the Python API), and the ones a caller passes (``--rates FILE``, ``rates=``). The tool never guesses a
rate: a date no loaded schedule covers is a :class:`~lotrate.errors.RateNotFoundError` that says how to add
the table in force (``lotrate rates template``, ``LOTRATE_RATES``).

Examples
--------
>>> import datetime
>>> s = schedule_for(datetime.date(2024, 2, 15))
>>> s.id, s.rate("KE", "commercial")
('PN12/2023', Decimal('65000'))
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import itertools
import os
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

from lotrate._data import data_path
from lotrate.errors import RateNotFoundError, ScheduleError
from lotrate.index.regions import REGION_CODES

#: after-uses (B) and before-uses (D) a schedule prices, HK$ per m2 of GFA
USES = ("industrial", "special_industrial", "commercial", "modern_industrial", "residential")
#: every schedule must price these for every region; special industrial only exists from PN 12/2023 (para 5(iv))
REQUIRED_USES = ("industrial", "commercial", "modern_industrial", "residential")
_HEADER_KEYS = ("id", "practice_note", "paragraph", "effective_from", "effective_to")
#: the environment variable naming extra schedule files or folders (os.pathsep-separated)
RATES_ENV = "LOTRATE_RATES"
#: PN 12/2023 is dated 28 December 2023 and "takes immediate effect" (PN 12/2023, signature and para 1)
PN_12_2023_DATE = dt.date(2023, 12, 28)


@dataclass(frozen=True)
class Instrument:
    """The Practice Note a case falls under, and the rules only that instrument states.

    ``pilot_scheme_exclusion``: the Pilot Scheme Areas note under PN 12/2023 para 6 (the Pilot Scheme came with
    LandsD's PN of 28 Dec 2023). ``special_industrial``: special industrial uses count as industrial (PN 12/2023
    fn 2(a)); before PN 12/2023 a lot restricted to special industrial uses was outside the scheme.
    """

    name: str
    effective_from: dt.date
    pilot_scheme_exclusion: bool
    special_industrial: bool


PN_1_2021 = Instrument("PN 1/2021", dt.date(2021, 3, 15), pilot_scheme_exclusion=False, special_industrial=False)
PN_12_2023 = Instrument("PN 12/2023", PN_12_2023_DATE, pilot_scheme_exclusion=True, special_industrial=True)


def instrument_for(day: dt.date | None) -> Instrument:
    """The instrument in force on ``day`` (a PBTO acceptance date); ``None`` (no date): the current one.

    PN 12/2023 "takes immediate effect and supersedes LAO PN Nos. 1/2021 and 1/2021A" (PN 12/2023 para 1);
    later yearly tables (PN 5/2025, ...) vary its rates, not its rules.

    Examples
    --------
    >>> instrument_for(dt.date(2022, 6, 1)).name, instrument_for(None).name
    ('PN 1/2021', 'PN 12/2023')
    """
    return PN_1_2021 if day is not None and day < PN_12_2023_DATE else PN_12_2023


@dataclass(frozen=True)
class RateSchedule:
    """One table of standard rates and the period it is valid for (both dates inclusive).

    ``origin`` says where it was loaded from: ``built-in``, ``LOTRATE_RATES`` or ``--rates`` (a caller's file).
    """

    id: str
    practice_note: str
    paragraph: str
    effective_from: dt.date
    effective_to: dt.date
    source: str
    rates: dict[tuple[str, str], Decimal] = field(hash=False, compare=False)
    path: str = ""
    origin: str = field(default="--rates", compare=False)

    def covers(self, day: dt.date) -> bool:
        return self.effective_from <= day <= self.effective_to

    def has(self, use: str) -> bool:
        return any(u == use for _, u in self.rates)

    @property
    def separate_commercial(self) -> bool:
        """True when commercial and modern industrial have different rates somewhere (PN 5/2025 onwards)."""
        return any(self.rates.get((r, "commercial")) != self.rates.get((r, "modern_industrial")) for r in REGION_CODES)

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
            "origin": self.origin,
            "path": self.path,
        }


def _date(text: str, where: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ScheduleError(f"{where}: {text!r} is not a date in YYYY-MM-DD form") from None


def parse_schedule(text: str, name: str = "<schedule>", path: str = "") -> RateSchedule:
    """Read and validate a schedule from its CSV text (see :func:`load_schedule`)."""
    lines = text.splitlines()
    header: dict[str, str] = {}
    body: list[tuple[int, str]] = []
    for no, line in enumerate(lines, start=1):
        if line.startswith("#"):
            key, sep, value = line[1:].partition(":")
            if sep and key.strip() in (*_HEADER_KEYS, "source"):
                header[key.strip()] = value.strip()
        elif line.strip():
            body.append((no, line))
    missing = [k for k in _HEADER_KEYS if not header.get(k)]
    if missing:
        raise ScheduleError(f"{name}: header line(s) missing: {', '.join('# ' + k + ': ...' for k in missing)}")
    start = _date(header["effective_from"], f"{name}: effective_from")
    end = _date(header["effective_to"], f"{name}: effective_to")
    if end < start:
        raise ScheduleError(f"{name}: effective_to {end} is before effective_from {start}")
    rows = list(csv.reader([line for _, line in body]))
    if not rows or [c.strip() for c in rows[0]] != ["region_code", "use", "rate_hkd_per_m2"]:
        raise ScheduleError(f"{name}: the first data line must be 'region_code,use,rate_hkd_per_m2'")
    rates: dict[tuple[str, str], Decimal] = {}
    for (no, _), row in zip(body[1:], rows[1:]):
        where = f"{name} line {no}"
        if len(row) != 3:
            raise ScheduleError(f"{where}: expected 3 columns, found {len(row)}: {row}")
        region, use, value = (c.strip() for c in row)
        if region not in REGION_CODES:
            raise ScheduleError(f"{where}: region {region!r} is not one of {', '.join(REGION_CODES)}")
        if use not in USES:
            raise ScheduleError(f"{where}: use {use!r} is not one of {', '.join(USES)}")
        if (region, use) in rates:
            raise ScheduleError(f"{where}: a second {use} rate for {region}")
        if not value:
            raise ScheduleError(
                f"{where}: no rate for {region} {use}: fill in the HK$ per m2 of the table in force (never a guess)"
            )
        try:
            rate = Decimal(value.replace(",", ""))
        except InvalidOperation:
            raise ScheduleError(f"{where}: rate {value!r} is not a number") from None
        if not rate.is_finite() or rate <= 0:
            raise ScheduleError(f"{where}: rate {value} for {region} {use} must be a positive number of HK$ per m2")
        rates[(region, use)] = rate
    uses = set(REQUIRED_USES) | ({"special_industrial"} if any(u == "special_industrial" for _, u in rates) else set())
    absent = [f"{r} {u}" for r in REGION_CODES for u in USES if u in uses and (r, u) not in rates]
    if absent:
        raise ScheduleError(f"{name}: no rate for {', '.join(absent)}; every region x use needs a row")
    return RateSchedule(
        id=header["id"],
        practice_note=header["practice_note"],
        paragraph=header["paragraph"],
        effective_from=start,
        effective_to=end,
        source=header.get("source", ""),
        rates=rates,
        path=path,
    )


@lru_cache(maxsize=256)
def _load_cached(path: str, mtime_ns: int, size: int) -> RateSchedule:
    from lotrate.io.inputs import read_text

    p = Path(path)
    # a regular file within LOTRATE_MAX_INPUT_MB; UTF-8, a byte order mark (Excel's "CSV UTF-8") dropped;
    # Latin-1/Big5 text is refused with the line and how to re-save it, never guessed
    text = read_text(p, "rate schedule", ScheduleError)
    return parse_schedule(text, p.name, str(p))


def load_schedule(path: str | os.PathLike[str], origin: str = "--rates") -> RateSchedule:
    """Read and validate one schedule file.

    Errors name the file and the row: a missing header key, a malformed date, a period that ends before it
    starts, an unknown region or use, a duplicate row, an empty rate, a rate that is not a positive number, a
    region x use pair left out.
    """
    p = Path(path)
    try:
        st = p.stat()
    except OSError as exc:
        raise ScheduleError(f"rate schedule {str(p)!r} cannot be read: {exc.strerror or exc}") from exc
    if p.is_dir():
        raise ScheduleError(
            f"rate schedule {str(p)!r} is a folder; give a CSV file (or name the folder in {RATES_ENV})"
        )
    return dataclasses.replace(_load_cached(str(p.resolve()), st.st_mtime_ns, st.st_size), origin=origin)


def _folder_files(folder: Path) -> list[Path]:
    """The schedule files of a folder: every ``*.csv`` except ``template_*`` ones."""
    return sorted(f for f in folder.glob("*.csv") if not f.name.startswith("template"))


@lru_cache(maxsize=1)
def builtin_schedules() -> tuple[RateSchedule, ...]:
    """The schedules shipped in ``data/rates/`` (files named ``template_*`` are not loaded)."""
    return tuple(load_schedule(f, origin="built-in") for f in _folder_files(data_path("rates")))


def env_schedules(value: str | None = None) -> tuple[RateSchedule, ...]:
    """The schedules named by ``LOTRATE_RATES`` (files or folders, ``os.pathsep``-separated).

    A folder contributes every ``*.csv`` in it except ``template_*`` files. A path that does not exist is an
    error naming the variable, so a typo never silently drops a table.
    """
    text = os.environ.get(RATES_ENV, "") if value is None else value
    out: list[RateSchedule] = []
    for part in (p.strip() for p in text.split(os.pathsep)):
        if not part:
            continue
        p = Path(part).expanduser()
        if p.is_dir():
            out.extend(load_schedule(f, origin=RATES_ENV) for f in _folder_files(p))
        elif p.is_file():
            out.append(load_schedule(p, origin=RATES_ENV))
        else:
            raise ScheduleError(f"{RATES_ENV} names {part!r}, which is neither a file nor a folder; fix or unset it")
    return tuple(out)


def _dedupe(items: list[RateSchedule]) -> list[RateSchedule]:
    """Drop a schedule loaded twice (same file, or the same id, period and rates from two places)."""
    seen: dict[tuple[object, ...], RateSchedule] = {}
    out = []
    for s in items:
        key = (s.id, s.effective_from, s.effective_to, tuple(sorted(s.rates.items())))
        if key in seen:
            continue
        seen[key] = s
        out.append(s)
    return out


def schedule_set(extra: tuple[RateSchedule, ...] | list[RateSchedule] = ()) -> tuple[RateSchedule, ...]:
    """Built-in schedules, ``LOTRATE_RATES`` ones and ``extra`` ones, sorted by start date.

    The same table loaded twice counts once; two different tables whose periods overlap are an error.
    """
    out = sorted(_dedupe([*builtin_schedules(), *env_schedules(), *extra]), key=lambda s: s.effective_from)
    for a, b in itertools.pairwise(out):
        if b.effective_from <= a.effective_to:
            raise ScheduleError(
                f"schedule {b.id} ({b.period}, {b.origin} {b.path}) overlaps schedule {a.id} ({a.period}, "
                f"{a.origin}); periods must not overlap"
            )
    return tuple(out)


@dataclass(frozen=True)
class Gap:
    """A period no loaded schedule covers (``end`` is ``None`` after the last schedule)."""

    start: dt.date
    end: dt.date | None

    def __str__(self) -> str:
        if self.end is None:
            return f"from {self.start:%d %b %Y}: no schedule loaded (rates are reviewed every 1 April)"
        return f"{self.start:%d %b %Y} to {self.end:%d %b %Y}: no schedule loaded"

    def to_dict(self) -> dict[str, str | None]:
        return {"from": self.start.isoformat(), "to": None if self.end is None else self.end.isoformat()}


def gaps(schedules: tuple[RateSchedule, ...] | list[RateSchedule]) -> tuple[Gap, ...]:
    """Periods between (and after) the schedules that no schedule covers.

    Examples
    --------
    >>> [str(g) for g in gaps(builtin_schedules())][0]
    '15 Mar 2023 to 27 Dec 2023: no schedule loaded'
    """
    pool = sorted(schedules, key=lambda s: s.effective_from)
    out = [
        Gap(a.effective_to + dt.timedelta(days=1), b.effective_from - dt.timedelta(days=1))
        for a, b in itertools.pairwise(pool)
        if (b.effective_from - a.effective_to).days > 1
    ]
    if pool:
        out.append(Gap(pool[-1].effective_to + dt.timedelta(days=1), None))
    return tuple(out)


def next_review(after: dt.date) -> dt.date:
    """The first 1 April after ``after`` (PN 12/2023 para 6: rates valid until 31 March 2024, then reviewed)."""
    year = after.year + (1 if (after.month, after.day) >= (4, 1) else 0)
    return dt.date(year, 4, 1)


def template_csv(
    base: RateSchedule | None = None,
    effective_from: dt.date | None = None,
    schedule_id: str | None = None,
) -> str:
    """A ready-to-fill schedule CSV for a new period (``lotrate rates template``).

    Every region x use row is present with separate commercial and modern industrial rows (PN 5/2025 onwards).
    Rates are left empty unless ``base`` is given, in which case its figures are copied and a header line says
    so: either way nothing here is a rate until the user fills in the table in force.
    """
    start = effective_from or next_review(max(s.effective_to for s in builtin_schedules()))
    end = dt.date(start.year + (1 if (start.month, start.day) >= (4, 1) else 0), 3, 31)  # a rate year (para 6)
    sid = schedule_id or f"RATES-{start:%Y-%m-%d}"
    out = io.StringIO()
    out.write(
        "# A standard-rate schedule for lotrate. Fill in every rate (HK$ per m2 of GFA) from the Lands Department's\n"
        "# publication for this period, set the header lines, then check and load it:\n"
        "#   lotrate rates check THIS.csv\n"
        f"#   export {RATES_ENV}=/path/to/THIS.csv   (every command; several files or folders: separate with "
        f"{os.pathsep!r})\n"
        "#   lotrate assess LOT --rates THIS.csv      (one run)\n"
        "# Commercial and modern industrial have separate rows (equal figures where one rate covers both);\n"
        "# special_industrial rows may be deleted only for a table with no special industrial rate.\n"
    )
    if base is not None:
        out.write(f"# Rates below are copied from {base.id} ({base.period}): replace each with the new table's.\n")
    out.write(
        f"# id: {sid}\n"
        "# practice_note: fill in: the LandsD Practice Note promulgating these rates\n"
        "# paragraph: 6\n"
        f"# effective_from: {start.isoformat()}\n"
        f"# effective_to: {end.isoformat()}\n"
        "# source: fill in: the LandsD publication the rates come from (title, date)\n"
        "region_code,use,rate_hkd_per_m2\n"
    )
    for region in REGION_CODES:
        for use in USES:
            value = ""
            if base is not None and (region, use) in base.rates:
                value = str(base.rates[(region, use)])
            out.write(f"{region},{use},{value}\n")
    return out.getvalue()


def _how_to_add(day: dt.date) -> str:
    # para 6: the rates are reviewed every 1 April, so a year's table starts on the 1 April on or before the date
    start = dt.date(day.year, 4, 1) if (day.month, day.day) >= (4, 1) else dt.date(day.year - 1, 4, 1)
    return (
        "Rates are reviewed every 1 April and lotrate never guesses one: write the table in force on that date with "
        f"`lotrate rates template --effective-from {start.isoformat()} > rates.csv`, fill in its rates from the "
        "Lands Department's publication, check it with `lotrate rates check rates.csv`, then load it for every "
        f"command with the environment variable {RATES_ENV}=/path/to/rates.csv (files or folders), for one run with "
        "--rates FILE, or in Python with lotrate.load_schedule(path) (rates=...); `lotrate rates list` shows what "
        "is loaded"
    )


def schedule_for(day: dt.date, schedules: tuple[RateSchedule, ...] | list[RateSchedule] | None = None) -> RateSchedule:
    """The schedule whose period covers ``day`` (the PBTO acceptance date, PN 12/2023 para 6).

    Raises
    ------
    RateNotFoundError
        Naming the date, the nearest schedules before and after it, and how to add the table in force.
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
    gap = ""
    if before and after and before[-1].id == "PN1/2021" and after[0].id == "PN12/2023":
        gap = (
            " No sourced table covers 15 Mar 2023 to 27 Dec 2023 (after the PN 1/2021 option period and before "
            "PN 12/2023 of 28 Dec 2023)."
        )
    raise RateNotFoundError(
        f"no rate schedule covers {day.isoformat()}" + (f": {'; '.join(near)}." if near else ".") + gap + " "
        + _how_to_add(day)
    )
