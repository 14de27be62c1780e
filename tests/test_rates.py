"""rates.py: built-in schedules against the Practice Note text, date selection, user schedules."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest

from lotrate._data import data_path
from lotrate.errors import RateNotFoundError, ScheduleError
from lotrate.premium.rates import builtin_schedules, load_schedule, schedule_for, schedule_set

from conftest import SOURCES

PN = (SOURCES / "pn_12_2023.txt").read_text(encoding="utf-8")  # LAO PN 12/2023, vendored
NAMES = {
    "HKI": "Hong Kong Island",
    "KE": "Kowloon East",
    "KW": "Kowloon West",
    "NTS": "New Territories South",
    "NTN": "New Territories North",
}


@pytest.mark.parametrize("code", sorted(NAMES))
def test_pn_12_2023_rates_match_the_practice_note_table(code: str) -> None:
    # the para 6 table row: region, then industrial, special industrial, commercial/MI, residential
    row = next(line for line in PN.splitlines() if line.startswith(NAMES[code] + "\t"))
    figures = [Decimal(x.replace(",", "")) for x in re.findall(r"\$([\d,]+)", row)]
    s = schedule_for(dt.date(2024, 1, 2))
    assert s.id == "PN12/2023"
    ours = [s.rate(code, u) for u in ("industrial", "special_industrial", "commercial", "residential")]
    assert ours == figures
    assert s.rate(code, "modern_industrial") == s.rate(code, "commercial")  # one column in the PN


def test_pn_12_2023_period_is_28_dec_2023_to_31_mar_2024() -> None:
    s = next(x for x in builtin_schedules() if x.id == "PN12/2023")
    assert (s.effective_from, s.effective_to) == (dt.date(2023, 12, 28), dt.date(2024, 3, 31))
    assert "31 March 2024" in PN and "28 December 2023" in PN


def test_pn_1_2021_has_no_special_industrial_rate() -> None:
    s = schedule_for(dt.date(2022, 6, 1))
    assert s.id == "PN1/2021" and not s.has("special_industrial")
    assert s.rate("KW", "industrial") == Decimal(35000)
    with pytest.raises(ScheduleError, match="special industrial rates start with PN 12/2023"):
        s.rate("KW", "special_industrial")


@pytest.mark.parametrize(
    ("day", "schedule"),
    [
        (dt.date(2021, 3, 15), "PN1/2021"),
        (dt.date(2023, 3, 14), "PN1/2021"),
        (dt.date(2023, 12, 28), "PN12/2023"),
        (dt.date(2024, 3, 31), "PN12/2023"),
    ],
)
def test_period_ends_are_inclusive(day: dt.date, schedule: str) -> None:
    assert schedule_for(day).id == schedule


@pytest.mark.parametrize("day", [dt.date(2023, 6, 1), dt.date(2024, 4, 1), dt.date(2020, 1, 1)])
def test_a_date_no_schedule_covers(day: dt.date) -> None:
    with pytest.raises(RateNotFoundError) as info:
        schedule_for(day)
    msg = str(info.value)
    assert day.isoformat() in msg and "--rates FILE" in msg and "load_schedule" in msg
    if day == dt.date(2023, 6, 1):
        assert "PN1/2021" in msg and "PN12/2023" in msg


def _write(tmp_path: Path, text: str, name: str = "s.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _template(tmp_path: Path, **changes: str) -> Path:
    text = data_path("rates", "template_separate_commercial.csv").read_text()
    text = re.sub(r",0$", ",1000", text, flags=re.M)  # fill every rate
    for old, new in changes.items():
        text = text.replace(old, new)
    return _write(tmp_path, text)


def test_a_new_years_table_loads_with_separate_commercial_rates(tmp_path: Path) -> None:
    path = _template(
        tmp_path,
        **{"KE,commercial,1000": "KE,commercial,52000", "KE,modern_industrial,1000": "KE,modern_industrial,46000"},
    )
    s = load_schedule(path)
    assert s.id == "PN5/2025" and s.rate("KE", "commercial") == 52000 and s.rate("KE", "modern_industrial") == 46000
    pool = schedule_set([s])
    assert schedule_for(dt.date(2025, 7, 1), pool).id == "PN5/2025"


def test_the_template_itself_is_rejected_until_filled() -> None:
    with pytest.raises(ScheduleError, match="must be a positive number"):
        load_schedule(data_path("rates", "template_separate_commercial.csv"))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"KE,commercial,1000\n": ""}, "no rate for KE commercial"),
        ({"KE,commercial,1000": "KE,commercial,-5"}, r"line \d+: rate -5 .* positive"),
        ({"KE,commercial,1000": "KE,commercial,abc"}, r"line \d+: rate 'abc' is not a number"),
        ({"KE,commercial,1000": "XX,commercial,1000"}, r"line \d+: region 'XX'"),
        ({"KE,commercial,1000": "KE,office,1000"}, r"line \d+: use 'office'"),
        ({"KE,residential,1000": "KE,commercial,1000"}, r"line \d+: a second commercial rate for KE"),
        ({"# effective_to: 2026-03-31": "# effective_to: 2024-13-01"}, "not a date"),
        ({"# effective_to: 2026-03-31": "# effective_to: 2025-01-01"}, "before effective_from"),
        ({"# id: PN5/2025\n": ""}, "header line"),
    ],
)
def test_schedule_validation_names_the_row(tmp_path: Path, change: dict[str, str], message: str) -> None:
    with pytest.raises(ScheduleError, match=message):
        load_schedule(_template(tmp_path, **change))


def test_overlapping_periods_are_rejected(tmp_path: Path) -> None:
    s = load_schedule(_template(tmp_path, **{"# effective_from: 2025-04-01": "# effective_from: 2024-03-01"}))
    with pytest.raises(ScheduleError, match="overlaps schedule PN12/2023"):
        schedule_set([s])
