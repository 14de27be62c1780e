"""`lotrate rates list|show|template|check`, LOTRATE_RATES, and a 2026 case priced from a user's table.

The 2026 figures below are TEST FIGURES made up for these tests: they are not LandsD's rates and are never
shipped (they live in a temporary folder only).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import lotrate
from lotrate.cli import main
from lotrate.errors import RateNotFoundError, ScheduleError
from lotrate.premium.assess import assess
from lotrate.premium.rates import (
    RATES_ENV,
    builtin_schedules,
    env_schedules,
    gaps,
    load_schedule,
    parse_schedule,
    schedule_for,
    schedule_set,
    template_csv,
)

#: TEST FIGURES, not LandsD rates: a made-up 2026/27 table with separate commercial and modern industrial rates
TEST_RATES_2026 = {
    "HKI": (41000, 29000, 76000, 70000, 131000),
    "KE": (41000, 29000, 66000, 60000, 101000),
    "KW": (36000, 25000, 61000, 55000, 111000),
    "NTS": (36000, 25000, 51000, 45000, 76000),
    "NTN": (21000, 15000, 31000, 25000, 56000),
}
USES = ("industrial", "special_industrial", "commercial", "modern_industrial", "residential")


def test_table_2026(folder: Path, name: str = "test_2026.csv") -> Path:
    """Fill `lotrate rates template` with the TEST FIGURES above, as a user would, into ``folder``."""
    text = template_csv(effective_from=dt.date(2026, 4, 1), schedule_id="TEST-2026")
    for region, figures in TEST_RATES_2026.items():
        for use, rate in zip(USES, figures):
            text = text.replace(f"{region},{use},\n", f"{region},{use},{rate}\n")
    text = text.replace("fill in: the LandsD Practice Note promulgating these rates", "TEST FIGURES, not LandsD rates")
    text = text.replace("fill in: the LandsD publication the rates come from (title, date)", "tests only")
    path = folder / name
    path.write_text(text)
    return path


test_table_2026.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


def lot_2026(**props: Any) -> dict:
    base = {
        "lot_id": "KTIL 2026", "pbto_accepted": "2026-05-04", "max_gfa_m2": 10000,
        "gfa_after_m2": {"commercial": 6000, "modern_industrial": 4000}, "private_residential_prohibited": True,
        "gfa_before_m2": {"industrial": 5000}, "lot_user": "industrial", "building_completed": "1975-01-01",
        "wholesale_converted": False, "special_use_after": None, "option_submitted": "2026-05-01",
    }  # fmt: skip
    base.update(props)
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [114.2235, 22.3110]}, "properties": base}


@pytest.fixture
def user_rates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "my rates"
    folder.mkdir()
    test_table_2026(folder)
    monkeypatch.setenv(RATES_ENV, str(folder))
    return folder


def test_a_2026_lot_is_priced_from_a_users_table_found_through_lotrate_rates(user_rates: Path) -> None:
    a = assess(lot_2026())
    assert a.rate_schedule.id == "TEST-2026" and a.rate_schedule.origin == RATES_ENV
    # KE TEST FIGURES: commercial 66,000 and modern industrial 60,000 priced per after-use; industrial 41,000
    assert a.premium_hkd == Decimal(6000 * 66_000 + 4000 * 60_000 - 5000 * 41_000)
    assert a.verdict == "applicable"


def test_every_command_loads_lotrate_rates(user_rates: Path, tmp_path: Path) -> None:
    path = tmp_path / "lot.geojson"
    path.write_text(json.dumps(lot_2026()))
    env = {RATES_ENV: str(user_rates)}
    out = CliRunner().invoke(main, ["assess", str(path), "--json"], env=env)
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["rate_schedule"] == "TEST-2026"
    listed = CliRunner().invoke(main, ["rates", "list"], env=env)
    assert "TEST-2026" in listed.stdout and RATES_ENV in listed.stdout


def test_lotrate_rates_takes_files_and_folders_separated_by_pathsep(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    test_table_2026(a)
    text = template_csv(effective_from=dt.date(2027, 4, 1), schedule_id="TEST-2027")
    text = re.sub(r",\n", ",1000\n", text)
    (b / "t2027.csv").write_text(text)
    (b / "template_x.csv").write_text("not a schedule")  # template_* files in a folder are skipped
    got = env_schedules(os.pathsep.join([str(a), str(b / "t2027.csv")]))
    assert [s.id for s in got] == ["TEST-2026", "TEST-2027"]
    assert [s.id for s in env_schedules(str(b))] == ["TEST-2027"]
    with pytest.raises(ScheduleError, match=f"{RATES_ENV} names"):
        env_schedules(str(tmp_path / "missing.csv"))


def test_the_same_table_loaded_twice_counts_once(user_rates: Path) -> None:
    again = load_schedule(user_rates / "test_2026.csv")
    assert [s.id for s in schedule_set([again])].count("TEST-2026") == 1


def test_rate_not_found_tells_a_pip_user_how_to_add_a_table(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(RATES_ENV, raising=False)
    with pytest.raises(RateNotFoundError) as info:
        schedule_for(dt.date(2026, 5, 4))
    msg = str(info.value)
    assert "2026-05-04" in msg and "lotrate rates template --effective-from 2026-04-01" in msg
    assert RATES_ENV in msg and "--rates FILE" in msg and "load_schedule" in msg
    assert "data/rates" not in msg and ".csv (see" not in msg and "template_separate" not in msg


def test_the_2023_gap_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(RATES_ENV, raising=False)
    with pytest.raises(RateNotFoundError, match="No sourced table covers 15 Mar 2023 to 27 Dec 2023"):
        schedule_for(dt.date(2023, 6, 1))
    holes = [(g.start, g.end) for g in gaps(builtin_schedules())]
    assert holes == [(dt.date(2023, 3, 15), dt.date(2023, 12, 27)), (dt.date(2024, 4, 1), None)]


def test_rates_list_shows_gaps(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(RATES_ENV, raising=False)
    out = CliRunner().invoke(main, ["rates", "list"])
    assert out.exit_code == 0
    assert "15 Mar 2023 to 27 Dec 2023" in out.stdout and "built-in" in out.stdout and "from 01 Apr 2024" in out.stdout
    data = json.loads(CliRunner().invoke(main, ["rates", "list", "--json"]).stdout)
    assert [s["id"] for s in data["schedules"]] == ["PN1/2021", "PN12/2023"]
    assert data["gaps"][0] == {"from": "2023-03-15", "to": "2023-12-27"}


def test_rates_show() -> None:
    out = CliRunner().invoke(main, ["rates", "show", "PN12/2023"])
    assert out.exit_code == 0 and "130,000" in out.stdout and "special_industrial" in out.stdout
    data = json.loads(CliRunner().invoke(main, ["rates", "show", "pn12/2023", "--json"]).stdout)
    assert data["rates"]["KW"]["special_industrial"] == "24500"  # PN 12/2023 para 6 table, Kowloon West
    missing = CliRunner().invoke(main, ["rates", "show", "PN9/2099"])
    assert missing.exit_code == 1 and "no schedule 'PN9/2099'" in missing.stderr


def test_rates_template_is_blank_and_never_loads_until_filled(tmp_path: Path) -> None:
    out = CliRunner().invoke(main, ["rates", "template", "--effective-from", "2026-04-01"])
    assert out.exit_code == 0 and "# effective_from: 2026-04-01" in out.stdout
    assert "# effective_to: 2027-03-31" in out.stdout
    assert "KE,commercial,\n" in out.stdout and "KE,modern_industrial,\n" in out.stdout
    assert "data/" not in out.stdout  # nothing here points into a repository
    with pytest.raises(ScheduleError, match="no rate for HKI industrial: fill in"):
        parse_schedule(out.stdout, "t.csv")
    copied = CliRunner().invoke(main, ["rates", "template", "--from", "PN12/2023", "-o", str(tmp_path / "c.csv")])
    assert copied.exit_code == 0 and "copied from PN12/2023" in (tmp_path / "c.csv").read_text()
    again = CliRunner().invoke(main, ["rates", "template", "-o", str(tmp_path / "c.csv")])
    assert again.exit_code == 2 and "--overwrite" in again.output


def test_rates_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(RATES_ENV, raising=False)
    good = test_table_2026(tmp_path)
    out = CliRunner().invoke(main, ["rates", "check", str(good)])
    assert out.exit_code == 0 and "ok: TEST-2026" in out.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text(good.read_text().replace("KE,commercial,66000", "KE,commercial,-1"))
    out = CliRunner().invoke(main, ["rates", "check", str(bad)])
    assert out.exit_code == 1 and "positive" in out.stderr and "Traceback" not in out.stderr
    overlap = tmp_path / "overlap.csv"
    overlap.write_text(good.read_text().replace("2026-04-01", "2024-01-01").replace("TEST-2026", "TEST-OVER"))
    out = CliRunner().invoke(main, ["rates", "check", str(overlap)])
    assert out.exit_code == 1 and "overlaps schedule PN12/2023" in out.stderr


def test_schedules_with_separate_rates_price_each_after_use(user_rates: Path) -> None:
    a = assess(lot_2026(gfa_after_m2={"modern_industrial": 10000}))
    b = assess(lot_2026(gfa_after_m2={"commercial": 10000}))
    assert b.premium_hkd - a.premium_hkd == 10000 * (66_000 - 60_000)  # TEST FIGURES, KE
    with pytest.raises(lotrate.LotFileError, match="rates commercial and modern industrial differently"):
        assess(lot_2026(gfa_after_m2=None))


def test_no_test_figures_are_shipped() -> None:
    shipped = {s.id for s in builtin_schedules()}
    assert shipped == {"PN1/2021", "PN12/2023"}
    for path in lotrate.data_path("rates").glob("*.csv"):
        assert "TEST" not in path.read_text()


def test_schema_and_template_lot_commands(tmp_path: Path) -> None:
    from lotrate.premium.lot import lot_schema, schema_errors

    out = CliRunner().invoke(main, ["schema"])
    assert out.exit_code == 0 and json.loads(out.stdout) == lot_schema()
    blank = CliRunner().invoke(main, ["template", "lot"])
    doc = json.loads(blank.stdout)
    assert doc["type"] == "Feature" and "max_gfa_m2" in doc["properties"] and "5(i)" in doc["comments"]["max_gfa_m2"]
    doc["geometry"]["coordinates"] = [114.2235, 22.311]
    assert schema_errors(doc) == []
    csv_head = CliRunner().invoke(main, ["template", "lot", "--format", "csv"]).stdout
    assert "gfa_after_commercial_m2" in csv_head and "lon,lat" in csv_head
    xlsx = tmp_path / "lots.xlsx"
    out = CliRunner().invoke(main, ["template", "lot", "--format", "xlsx", "-o", str(xlsx)])
    assert out.exit_code == 0 and xlsx.stat().st_size > 0
