"""premium.py: each rule of PN 12/2023 para 5 and its footnotes, computed by hand from the text."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lotrate._data import data_path
from lotrate.errors import LotFileError
from lotrate.premium.formula import compute_premium
from lotrate.premium.lot import Lot
from lotrate.premium.rates import load_schedule, schedule_for
from lotrate.results import RegionShare

PN12 = schedule_for(dt.date(2024, 2, 1))
PN1 = schedule_for(dt.date(2022, 2, 1))
D = Decimal


def lot(**kw: Any) -> Lot:
    base: dict[str, Any] = {"lot_id": "T", "geometry": {}, "crs": "EPSG:4326", "private_residential_prohibited": True}
    base.update(kw)
    return Lot(**base)


def share(code: str, s: float = 1.0) -> RegionShare:
    return RegionShare(code, code, s)


def test_commercial_after_industrial_before() -> None:
    # KE: 10,000 x 65,000 - 5,000 x 40,000 = 450,000,000 (para 6 table)
    b = compute_premium(
        lot(max_gfa_m2=D(10000), gfa_after_m2={"commercial": D(10000)}, gfa_before_m2={"industrial": D(5000)}),
        [share("KE")],
        PN12,
    )
    assert b.premium_hkd == D(450_000_000) and b.gross_hkd == D(450_000_000)
    assert b.a_m2 == D(10000) and b.c_m2 == D(5000) and not b.estimate


def test_residential_rate_on_all_gfa_when_residential_not_prohibited() -> None:
    # para 5(ii): KW, residential allowed, outside CDA: all 8,000 at 110,000; less 6,000 x 35,000
    b = compute_premium(
        lot(
            max_gfa_m2=D(8000),
            private_residential_prohibited=False,
            gfa_after_m2={"residential": D(5000), "commercial": D(3000)},
            gfa_before_m2={"industrial": D(6000)},
        ),
        [share("KW")],
        PN12,
    )
    assert b.premium_hkd == D(8000 * 110_000 - 6000 * 35_000)
    assert [x.rate_use for x in b.after] == ["residential"]


@pytest.mark.parametrize("zone", ["CDA", "OU-CR", "OU(CR)"])
def test_cda_split_residential_and_commercial(zone: str) -> None:
    # para 5(ii) exception: NTS CDA: 18,000 residential x 75,000 + 9,000 commercial x 50,000 - 21,000 x 35,000
    b = compute_premium(
        lot(
            max_gfa_m2=D(27000),
            private_residential_prohibited=False,
            ozp_zone=zone,
            gfa_after_m2={"residential": D(18000), "commercial": D(9000)},
            gfa_before_m2={"industrial": D(21000)},
        ),
        [share("NTS")],
        PN12,
    )
    assert b.premium_hkd == D(18000 * 75_000 + 9000 * 50_000 - 21000 * 35_000)


def test_hotel_counts_as_commercial() -> None:
    b = compute_premium(
        lot(
            max_gfa_m2=D(3000),
            gfa_after_m2={"hotel": D(2000), "commercial": D(1000)},
            gfa_before_m2={"industrial": D(1000)},
        ),
        [share("HKI")],
        PN12,
    )
    assert b.premium_hkd == D(3000 * 75_000 - 1000 * 40_000)
    assert {x.rate_use for x in b.after} == {"commercial"}


def test_special_industrial_and_industrial_before_uses() -> None:
    # para 5(iv): NTS, 15,000 industrial x 35,000 and 2,000 special industrial x 24,500
    b = compute_premium(
        lot(
            max_gfa_m2=D(19000),
            gfa_after_m2={"modern_industrial": D(19000)},
            gfa_before_m2={"industrial": D(15000), "special_industrial": D(2000)},
        ),
        [share("NTS")],
        PN12,
    )
    assert b.premium_hkd == D(19000 * 50_000 - 15000 * 35_000 - 2000 * 24_500)
    assert b.c_m2 == D(17000)


def test_government_accommodation_is_disregarded_and_its_cost_deducted() -> None:
    # fn 6: 500 NOFA x 1.8 = 900 GFA off A; para 5(v): conveyed cost 45,000,000 deducted
    b = compute_premium(
        lot(
            max_gfa_m2=D(21600),
            ga_gfa_m2=D(900),
            ga_cost_hkd=D(45_000_000),
            ga_cost_conveyed=True,
            gfa_after_m2={"commercial": D(20700)},
            gfa_before_m2={"industrial": D(16200)},
        ),
        [share("HKI")],
        PN12,
    )
    assert b.a_m2 == D(20700) and b.e_hkd == D(45_000_000)
    assert b.premium_hkd == D(20700 * 75_000 - 16200 * 40_000 - 45_000_000)


def test_cost_not_conveyed_is_not_deducted() -> None:
    b = compute_premium(
        lot(
            max_gfa_m2=D(1000),
            ga_cost_hkd=D(1_000_000),
            ga_cost_conveyed=False,
            gfa_after_m2={"commercial": D(1000)},
            gfa_before_m2={"industrial": D(500)},
        ),
        [share("KE")],
        PN12,
    )
    assert b.e_hkd == 0 and any("not conveyed" in n for n in b.notes)


def test_negative_premium_is_zero() -> None:
    # fn 5: NTN, 1,000 x 30,000 - 2,000 x 20,000 < 0: no premium
    b = compute_premium(
        lot(max_gfa_m2=D(1000), gfa_after_m2={"commercial": D(1000)}, gfa_before_m2={"industrial": D(2000)}),
        [share("NTN")],
        PN12,
    )
    assert b.gross_hkd == D(-10_000_000) and b.premium_hkd == 0


def test_straddling_lot_is_apportioned_by_area_and_flagged() -> None:
    # 60 % KE, 40 % KW: A and C split by area
    b = compute_premium(
        lot(max_gfa_m2=D(10000), gfa_after_m2={"commercial": D(10000)}, gfa_before_m2={"industrial": D(5000)}),
        [share("KE", 0.6), share("KW", 0.4)],
        PN12,
    )
    expected = 6000 * 65_000 + 4000 * 60_000 - 3000 * 40_000 - 2000 * 35_000
    assert b.premium_hkd == D(expected) and b.estimate
    assert any("LandsD decides" in n for n in b.notes)


def test_rounding_to_the_dollar_half_up() -> None:
    b = compute_premium(
        lot(max_gfa_m2=D("0.00001"), gfa_after_m2={"commercial": D("0.00001")}, gfa_before_m2={"industrial": D(0)}),
        [share("KE")],
        PN12,
    )
    assert b.gross_hkd == D("0.65") and b.premium_hkd == D(1)


def test_separate_commercial_and_mi_rates_need_the_split(tmp_path: Path) -> None:
    template = data_path("rates", "template_separate_commercial.csv").read_text()
    body = template.replace(",0\n", ",1000\n").replace("KE,modern_industrial,1000", "KE,modern_industrial,900")
    path = tmp_path / "s.csv"
    path.write_text(body)
    s = load_schedule(path)
    with pytest.raises(LotFileError, match="rates commercial and modern industrial differently"):
        compute_premium(lot(max_gfa_m2=D(100), gfa_before_m2={"industrial": D(10)}), [share("KE")], s)
    b = compute_premium(
        lot(max_gfa_m2=D(100), gfa_after_m2={"modern_industrial": D(100)}, gfa_before_m2={"industrial": D(10)}),
        [share("KE")],
        s,
    )
    assert b.premium_hkd == D(100 * 900 - 10 * 1000)


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"max_gfa_m2": None}, "max_gfa_m2"),
        ({"gfa_before_m2": {}}, "gfa_before_m2"),
        ({"private_residential_prohibited": None}, "private_residential_prohibited"),
        ({"gfa_after_m2": {"residential": D(100)}}, "gfa_after_m2.residential"),
    ],
)
def test_missing_or_contradictory_inputs(kw: dict[str, Any], field: str) -> None:
    base: dict[str, Any] = {
        "max_gfa_m2": D(100),
        "gfa_after_m2": {"commercial": D(100)},
        "gfa_before_m2": {"industrial": D(10)},
    }
    base.update(kw)
    with pytest.raises(LotFileError) as info:
        compute_premium(lot(**base), [share("KE")], PN12)
    assert info.value.field == field


def test_special_industrial_gfa_under_pn_1_2021_takes_its_one_industrial_rate() -> None:
    # PN 1/2021 has one before-use rate (industrial/godown); the lot's user decides scope (eligibility), not C
    b = compute_premium(
        lot(max_gfa_m2=D(100), gfa_after_m2={"commercial": D(100)}, gfa_before_m2={"special_industrial": D(10)}),
        [share("KE")],
        PN1,
    )
    assert b.premium_hkd == D(100 * 65_000 - 10 * 40_000) and b.before[0].rate_use == "industrial"
    assert any("PN 1/2021 has one rate for C" in n for n in b.notes)


def test_a_later_schedule_without_special_industrial_rates_never_guesses(tmp_path: Path) -> None:
    from lotrate.errors import ScheduleError

    text = data_path("rates", "template_separate_commercial.csv").read_text().replace(",0\n", ",1000\n")
    text = "\n".join(line for line in text.splitlines() if ",special_industrial," not in line) + "\n"
    path = tmp_path / "s.csv"
    path.write_text(text)
    with pytest.raises(ScheduleError, match="special industrial"):
        compute_premium(
            lot(max_gfa_m2=D(100), gfa_after_m2={"commercial": D(100)}, gfa_before_m2={"special_industrial": D(10)}),
            [share("KE")],
            load_schedule(path),
        )


areas = st.decimals(min_value=1, max_value=200_000, places=2)
regions = st.sampled_from(["HKI", "KE", "KW", "NTS", "NTN"])


@settings(max_examples=200, deadline=None)
@given(a=areas, c=areas, region=regions, e=st.decimals(min_value=0, max_value=10**10, places=0))
def test_premium_is_never_negative(a: Decimal, c: Decimal, region: str, e: Decimal) -> None:
    b = compute_premium(
        lot(
            max_gfa_m2=a,
            gfa_after_m2={"commercial": a},
            gfa_before_m2={"industrial": c},
            ga_cost_hkd=e,
            ga_cost_conveyed=True,
        ),
        [share(region)],
        PN12,
    )
    assert b.premium_hkd >= 0


@settings(max_examples=200, deadline=None)
@given(a=areas, extra=areas, c=areas, region=regions, residential=st.booleans())
def test_premium_grows_with_a(a: Decimal, extra: Decimal, c: Decimal, region: str, residential: bool) -> None:
    def p(x: Decimal) -> Decimal:
        return compute_premium(
            lot(
                max_gfa_m2=x,
                private_residential_prohibited=not residential,
                gfa_after_m2={} if residential else {"commercial": x},
                gfa_before_m2={"industrial": c},
            ),
            [share(region)],
            PN12,
        ).premium_hkd

    assert p(a + extra) >= p(a)


@settings(max_examples=100, deadline=None)
@given(
    a=st.decimals(min_value=2000, max_value=200_000, places=2), nofa=st.decimals(min_value=1, max_value=1000, places=2)
)
def test_ga_disregard_lowers_a_by_exactly_1_8_nofa(a: Decimal, nofa: Decimal) -> None:
    from lotrate.io.lotfile import read_features
    from lotrate.premium.lot import parse_lot

    def parsed(**props: Any) -> Lot:
        doc = {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [114.2235, 22.311]},
            "properties": {"lot_id": "X", "max_gfa_m2": str(a), **props},
        }
        return parse_lot(read_features(doc)[0])

    with_ga = compute_premium(
        parsed(ga_nofa_m2=str(nofa), gfa_before_m2={"industrial": 1}, private_residential_prohibited=True),
        [share("KE")],
        PN12,
    )
    without = compute_premium(
        parsed(gfa_before_m2={"industrial": 1}, private_residential_prohibited=True), [share("KE")], PN12
    )
    assert without.a_m2 - with_ga.a_m2 == nofa * Decimal("1.8")


@settings(max_examples=100, deadline=None)
@given(a=areas, c=areas, region=regions)
def test_m2_and_ft2_inputs_agree(a: Decimal, c: Decimal, region: str) -> None:
    from lotrate.io.lotfile import read_features
    from lotrate.premium.lot import M2_PER_FT2, parse_lot

    def parsed(props: dict[str, Any]) -> Lot:
        doc = {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [114.2235, 22.311]},
            "properties": {"lot_id": "X", "private_residential_prohibited": True, **props},
        }
        return parse_lot(read_features(doc)[0])

    # a and c in square feet; the same areas in m2 at 1 ft = 0.3048 m exactly
    ft2 = parsed({"max_gfa_ft2": str(a), "gfa_before_ft2": {"industrial": str(c)}})
    m2 = parsed({"max_gfa_m2": str(a * M2_PER_FT2), "gfa_before_m2": {"industrial": str(c * M2_PER_FT2)}})
    assert (
        compute_premium(m2, [share(region)], PN12).premium_hkd
        == compute_premium(ft2, [share(region)], PN12).premium_hkd
    )
