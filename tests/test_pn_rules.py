"""Each rule of PN 12/2023 as lotrate applies it, built from the Practice Note's own words (cited by paragraph).

Every test quotes the sentence it rests on and checks the quote is in the vendored text
(``data/sources/pn_12_2023.txt``), so a rule cannot drift from the PN unnoticed. Figures are the para 6 table.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import Transformer

from lotrate.errors import LotFileError
from lotrate.index.regions import RegionIndex
from lotrate.io.lotfile import read_features
from lotrate.premium.assess import assess
from lotrate.premium.eligibility import evaluate
from lotrate.premium.formula import compute_premium
from lotrate.premium.lot import M2_PER_FT2, Lot, parse_lot, zone_rule
from lotrate.premium.rates import schedule_for
from lotrate.results import RegionShare

from conftest import SOURCES

PN_TEXT = re.sub(r"\s+", " ", (SOURCES / "pn_12_2023.txt").read_text(encoding="utf-8"))
PN12 = schedule_for(dt.date(2024, 2, 1))
PN1 = schedule_for(dt.date(2022, 6, 1))
D = Decimal
TO_WGS = Transformer.from_crs("EPSG:2326", "EPSG:4326", always_xy=True)
KE_POINT = [114.2235, 22.3110]  # Kwun Tong, Hoi Yuen Road
KW_POINT = [114.1545, 22.3370]  # Cheung Sha Wan Road


def pn(quote: str) -> str:
    """The quote, after checking it is in the Practice Note (whitespace and ** emphasis ignored)."""
    text = PN_TEXT.replace("**", "")
    assert re.sub(r"\s+", " ", quote) in text, f"not in PN 12/2023: {quote!r}"
    return quote


def lot(**kw: Any) -> Lot:
    base: dict[str, Any] = {"lot_id": "T", "geometry": {}, "crs": "EPSG:4326", "private_residential_prohibited": True,
                            "gfa_before_m2": {"industrial": D(5000)}}
    base.update(kw)
    return Lot(**base)


def one(code: str) -> list[RegionShare]:
    return [RegionShare(code, code, 1.0)]


def doc(coords: list[float] | None = None, geometry: dict | None = None, **props: Any) -> dict:
    base = {
        "lot_id": "KTIL 713", "pbto_accepted": "2024-02-15", "max_gfa_m2": 10000,
        "gfa_after_m2": {"commercial": 10000}, "private_residential_prohibited": True,
        "gfa_before_m2": {"industrial": 5000}, "lot_user": "industrial", "building_completed": "1975-01-01",
        "wholesale_converted": False, "special_use_after": None, "option_submitted": "2024-02-01",
    }  # fmt: skip
    base.update(props)
    return {"type": "Feature", "geometry": geometry or {"type": "Point", "coordinates": coords or KE_POINT},
            "properties": {k: v for k, v in base.items() if v != "DROP"}}


# --- para 5(ii): CDA and OU (commercial-cum-residential), any sub-zone --------------------------------------


@pytest.mark.parametrize(
    "zone", ["CDA", "CDA(1)", "CDA (2)", "CDA1", "OU-CR", "OU(CR)", "OU (C/R)", "OU(Commercial cum Residential)",
             "OU(Commercial-cum-Residential)", "Comprehensive Development Area (3)", "cda(1)"],
)  # fmt: skip
def test_cda_and_ou_cr_sub_zones_take_the_split_rule(zone: str) -> None:
    pn("save for those falling within the zone of \"Comprehensive Development Area\" or \"Other Specified Uses\" for "
       "commercial-cum-residential uses under Outline Zoning Plan(s)")  # fmt: skip
    pn("the residential rate is applicable to the GFA not prohibiting private residential use whereas the "
       "commercial/modern industrial rate is applicable to the remainder GFA")  # fmt: skip
    b = compute_premium(
        lot(max_gfa_m2=D(10000), private_residential_prohibited=False, ozp_zone=zone,
            gfa_after_m2={"residential": D(6000), "commercial": D(4000)}),
        one("KW"), PN12,
    )  # fmt: skip
    # KW (para 6 table): residential 110,000, commercial/MI 60,000, industrial/godown 35,000
    assert b.premium_hkd == 6000 * 110_000 + 4000 * 60_000 - 5000 * 35_000
    # the old reading priced all of it at the residential rate: HK$200 million too much
    assert 10000 * 110_000 - 5000 * 35_000 - b.premium_hkd == 200_000_000


@pytest.mark.parametrize("zone", ["OU(B)", "R(A)", "I", "OU(Business)", "C", "OU(Commercial)", ""])
def test_other_zones_price_all_of_a_at_the_residential_rate(zone: str) -> None:
    pn("residential rates are applicable to all applications not prohibiting private residential use")
    assert zone_rule(zone) is None
    b = compute_premium(
        lot(max_gfa_m2=D(10000), private_residential_prohibited=False, ozp_zone=zone,
            gfa_after_m2={"residential": D(6000), "commercial": D(4000)}),
        one("KW"), PN12,
    )  # fmt: skip
    assert b.premium_hkd == 10000 * 110_000 - 5000 * 35_000


def test_hotel_is_commercial() -> None:
    pn("hotel and hotel ancillary GFA will be treated as commercial use under the scheme")
    b = compute_premium(lot(max_gfa_m2=D(2000), gfa_after_m2={"hotel": D(2000)},
                            gfa_before_m2={"industrial": D(1000)}), one("HKI"), PN12)  # fmt: skip
    assert b.premium_hkd == 2000 * 75_000 - 1000 * 40_000 and b.after[0].rate_use == "commercial"


# --- para 5(i): A governs -----------------------------------------------------------------------------------


@pytest.mark.parametrize("short", [D("0.4"), D("0.001"), D("-0.3"), D(0)])
def test_a_split_within_rounding_apportions_a_and_never_changes_the_premium(short: Decimal) -> None:
    pn("A is the maximum total gross floor area (\"GFA\") after the lease modification as stipulated in lease "
       "modification document(s)")  # fmt: skip
    exact = compute_premium(lot(max_gfa_m2=D(10000), gfa_after_m2={"commercial": D(10000)}), one("KE"), PN12)
    split = compute_premium(
        lot(max_gfa_m2=D(10000), gfa_after_m2={"commercial": D(6000) - short, "modern_industrial": D(4000)}),
        one("KE"), PN12,
    )  # fmt: skip
    assert split.premium_hkd == exact.premium_hkd == 10000 * 65_000 - 5000 * 40_000
    assert sum(line.gfa_m2 for line in split.after) == D(10000)


def test_a_split_beyond_rounding_is_an_error_naming_both_figures() -> None:
    with pytest.raises(LotFileError) as info:
        compute_premium(lot(max_gfa_m2=D(10000), gfa_after_m2={"commercial": D(9997)}), one("KE"), PN12)
    assert "9,997.000" in str(info.value) and "10,000.000" in str(info.value) and "5(i)" in str(info.value)
    with pytest.raises(LotFileError, match=r"9,997\.000"):
        parse_lot(read_features(doc(gfa_after_m2={"commercial": 9997}))[0])


def test_nofa_times_1_8_three_decimal_splits_price_exactly_a() -> None:
    pn("the conversion ratio of the NOFA to GFA of the Government Accommodation is 1:1.8, e.g. 100m^2 NOFA = "
       "180m^2 GFA")  # fmt: skip
    feat = read_features(doc(max_gfa_m2=10000, ga_nofa_m2=123.457,
                             gfa_after_m2={"commercial": 5000.000, "modern_industrial": 4777.777}))[0]  # fmt: skip
    parsed = parse_lot(feat)
    assert parsed.a_m2 == D(10000) - D("123.457") * D("1.8") == D("9777.7774")
    b = compute_premium(parsed, one("KE"), PN12)
    expected = (D("9777.7774") * 65_000 - 5000 * 40_000).quantize(D(1), rounding=ROUND_HALF_UP)
    assert b.premium_hkd == expected


# --- para 5(iv), fn 8 ---------------------------------------------------------------------------------------


def test_unrestricted_lot_pays_the_industrial_godown_rate() -> None:
    pn("The rate is also applicable where the land grants do not contain user restriction.")
    b = compute_premium(lot(lot_user="unrestricted", max_gfa_m2=D(8000), gfa_after_m2={"commercial": D(8000)}),
                        one("NTS"), PN12)  # fmt: skip
    assert b.premium_hkd == 8000 * 50_000 - 5000 * 35_000
    assert b.before[0].rate_use == "industrial" and "fn 8" in b.before[0].paragraph


def test_special_industrial_gfa_on_an_unrestricted_lot_is_a_contradiction() -> None:
    with pytest.raises(LotFileError, match="fn 8") as info:
        compute_premium(
            lot(lot_user="unrestricted", max_gfa_m2=D(8000), gfa_after_m2={"commercial": D(8000)},
                gfa_before_m2={"special_industrial": D(5000)}),
            one("NTS"), PN12,
        )  # fmt: skip
    assert info.value.field == "gfa_before_m2.special_industrial"


# --- fns 2 and 3: the pre-1987 building -----------------------------------------------------------------------


def check(lt: Lot, name: str, **kw: Any) -> Any:
    return next(c for c in evaluate(lt, **kw) if c.check == name)


@pytest.mark.parametrize(
    ("completed", "plans", "status"),
    [
        (None, dt.date(1987, 3, 2), "fail"),  # plans after the date settle it
        (dt.date(1990, 1, 1), dt.date(1988, 1, 1), "fail"),
        (dt.date(1986, 1, 1), dt.date(1988, 1, 1), "fail"),  # contradictory dates: the plans settle it
        (None, dt.date(1987, 3, 1), "pass"),
        (dt.date(1987, 3, 1), None, "pass"),
        (dt.date(1990, 1, 1), None, "unknown"),  # may have been partly constructed, or on earlier plans
    ],
)
def test_pre_1987_building(completed: dt.date | None, plans: dt.date | None, status: str) -> None:
    pn("A pre-1987 IB refers to an IB which was wholly or partly constructed on or before 1 March 1987, or was "
       "constructed in accordance with building plans first submitted to the Building Authority for approval on or "
       "before 1 March 1987.")  # fmt: skip
    c = check(lot(building_completed=completed, plans_first_submitted=plans), "pre_1987_building")
    assert c.status == status
    if status == "fail":
        assert c.routes == ("case_by_case",)


def test_vacant_lot_formerly_occupied_by_a_pre_1987_ib_passes() -> None:
    pn("vacant industrial lots which were occupied by pre-1987 IBs (see footnote 3 below) immediately before they "
       "became vacant are also eligible for the Option")  # fmt: skip
    assert check(lot(vacant_formerly_pre1987_ib=True), "pre_1987_building").status == "pass"
    assert check(lot(vacant_formerly_pre1987_ib=None), "pre_1987_building").status == "unknown"
    late = lot(vacant_formerly_pre1987_ib=True, plans_first_submitted=dt.date(1990, 1, 1))
    assert check(late, "pre_1987_building").status == "fail"


# --- scope by instrument ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tuen_mun_pilot() -> dict:
    samples = json.loads((SOURCES.parent / "samples" / "sample_lots.geojson").read_text())
    return next(f["geometry"] for f in samples["features"] if f["properties"]["lot_id"] == "TMTL 120")


def test_pilot_scheme_exclusion_comes_with_pn_12_2023(tuen_mun_pilot: dict) -> None:
    pn("area under the pilot scheme for development of agricultural land in the New Territories outside the New "
       "Development Areas (\"the Pilot Scheme Areas\"), the applicant shall only be allowed to opt for the standard "
       "rates for the New Development Areas or the Pilot Scheme Areas")  # fmt: skip
    pn("28 December 2023")
    d = doc(geometry=tuen_mun_pilot, pbto_accepted="2022-06-01", option_submitted="2022-06-01",
            gfa_after_m2={"commercial": 15200}, max_gfa_m2=15200, gfa_before_m2={"industrial": 14400})  # fmt: skip
    before = assess(d)
    assert any(z.kind == "PILOT_SCHEME" for z in before.zones), "the sample lot must lie in a Pilot Scheme Area"
    assert before.instrument is not None and before.instrument.name == "PN 1/2021"
    assert before.verdict == "applicable" and before.premium_hkd == 15200 * 30_000 - 14400 * 20_000
    zone = next(c for c in before.eligibility if c.check == "outside_special_zones")
    assert zone.status == "pass" and "PN 1/2021" in zone.reason
    after = assess(doc(geometry=tuen_mun_pilot, pbto_accepted="2024-02-01", option_submitted="2024-02-01",
                       gfa_after_m2={"commercial": 15200}, max_gfa_m2=15200))  # fmt: skip
    assert after.verdict == "not_applicable" and after.applicable is False
    assert [r["route"] for r in after.instead] == ["pilot_scheme"] and after.instead[0]["paragraph"] == "para 6 (note)"


def test_special_industrial_lots_under_pn_1_2021_the_user_decides() -> None:
    pn("an industrial use includes special industrial uses such as leather tanning")
    # a lot restricted to special industrial uses, not on-going as of 28 Dec 2023: outside PN 1/2021
    out = assess(doc(pbto_accepted="2022-06-01", option_submitted="2022-06-01", lot_user="special_industrial",
                     transitional=False, gfa_before_m2={"special_industrial": 5000}))  # fmt: skip
    assert out.verdict == "not_applicable" and out.instead[0]["route"] == "case_by_case"
    assert any("special industrial" in r for r in out.reasons)
    # an industrial lot whose building had some special industrial GFA: in scope; PN 1/2021 has one rate for C
    ok = assess(doc(pbto_accepted="2022-06-01", option_submitted="2022-06-01",
                    gfa_before_m2={"industrial": 4000, "special_industrial": 1000}))  # fmt: skip
    assert ok.verdict == "applicable" and ok.premium_hkd == 10000 * 65_000 - 5000 * 40_000
    assert all(line.rate_use == "industrial" for line in ok.breakdown.before)


# --- para 10: the transitional arrangement -----------------------------------------------------------------------


TRANSITIONAL = {"lot_user": "special_industrial", "pbto_accepted": "2023-11-01", "option_submitted": "2024-02-20",
                "gfa_before_m2": {"special_industrial": 5000}, "bbto_accepted": None, "transitional": True}  # fmt: skip


def test_para_10_case_is_priced_with_the_pn_12_2023_table_and_says_so() -> None:
    pn("for on-going lease modification applications in respect of industrial lots which are restricted under the "
       "terms of their land grants to special industrial uses with the PBTO already accepted or with the BBTO "
       "already issued but without acceptance of the premium offered as of the date of this PN")  # fmt: skip
    pn("the applicants will be invited to opt by 28 February 2024 for the Option once")
    a = assess(doc(**TRANSITIONAL))
    assert a.verdict == "applicable" and a.rate_schedule.id == "PN12/2023"
    assert a.premium_hkd == 10000 * 65_000 - 5000 * 28_000  # KE special industrial 28,000 (para 6 table)
    assert a.readings and "28 December 2023" in a.readings[0] and "reading" in a.readings[0]
    assert any(w.code == "transitional_rates" for w in a.warnings)
    assert a.to_dict()["readings"] == list(a.readings)


@pytest.mark.parametrize(
    ("change", "status", "route"),
    [
        ({"lot_user": "industrial"}, "fail", "case_by_case"),  # special industrial lots only
        ({"pbto_accepted": "2024-01-05", "bbto_issued": None}, "fail", "case_by_case"),  # not on-going on 28 Dec
        ({"pbto_accepted": None, "bbto_issued": "2023-12-01"}, "pass", None),  # BBTO issued, not accepted
        ({"bbto_accepted": "2023-12-20"}, "fail", "execution"),  # BBTO accepted: proceeds to execution
        ({"bbto_accepted": "2024-01-10"}, "pass", None),  # accepted after the date of the PN
        ({"transitional": None, "bbto_accepted": None}, "unknown", None),  # not said whether the BBTO was accepted
    ],
)
def test_para_10_conditions(change: dict[str, Any], status: str, route: str | None) -> None:
    pn("This transitional arrangement will not apply to any lease modification application where the BBTO "
       "(including the premium offered) has already been accepted as of the date of this PN")  # fmt: skip
    a = assess(doc(**{**TRANSITIONAL, **change}))
    c = next(c for c in a.eligibility if c.check == "transitional_arrangement")
    assert c.status == status and c.paragraph == "para 10"
    if route:
        assert a.verdict == "not_applicable" and route in [r["route"] for r in a.instead]


@pytest.mark.parametrize(("option", "status"), [("2024-02-28", "pass"), ("2024-02-29", "fail")])
def test_para_10_option_by_28_february_2024(option: str, status: str) -> None:
    a = assess(doc(**{**TRANSITIONAL, "option_submitted": option}))
    assert next(c for c in a.eligibility if c.check == "option_timing").status == status


@pytest.mark.parametrize(("enquiry", "status"), [("2024-01-26", "pass"), ("2024-01-27", "fail")])
def test_para_10_enquiry_by_26_january_2024_is_not_blocking(enquiry: str, status: str) -> None:
    pn("they can submit the Enquiry Form at Appendix III with all relevant supporting documents not later than "
       "26 January 2024")  # fmt: skip
    a = assess(doc(**{**TRANSITIONAL, "enquiry_submitted": enquiry}))
    c = next(c for c in a.eligibility if c.check == "enquiry_timing")
    assert c.status == status and not c.blocking and a.verdict == "applicable"


# --- square feet -------------------------------------------------------------------------------------------------


def test_square_feet_convert_at_exactly_0_3048_m_per_foot() -> None:
    assert M2_PER_FT2 == D("0.3048") ** 2 == D("0.09290304")
    parsed = parse_lot(read_features(doc(max_gfa_m2=None, max_gfa_ft2=100000,
                                         gfa_after_m2=None, gfa_after_ft2={"commercial": 100000},
                                         gfa_before_m2=None, gfa_before_ft2={"industrial": 50000}))[0])  # fmt: skip
    assert parsed.max_gfa_m2 == D("9290.304") and parsed.gfa_before_m2["industrial"] == D("4645.152")


# --- para 6: straddling lots --------------------------------------------------------------------------------------


def test_straddling_lot_shows_each_region_and_an_apportioned_estimate() -> None:
    pn("The standard rates to be applicable to lease modification will be based on those in one of the following "
       "five broad regions as delineated at Appendix II where the lot(s) is/are situated")  # fmt: skip
    idx = RegionIndex.default()
    codes = [r.code for r in idx.regions]
    ke, kw = (idx.regions[codes.index(c)].geometry for c in ("KE", "KW"))
    edge = ke.boundary.intersection(kw.boundary)
    p = edge.interpolate(0.3, normalized=True)
    ring = [TO_WGS.transform(p.x + dx, p.y + dy) for dx, dy in [(-60, -60), (60, -60), (60, 60), (-60, 60), (-60, -60)]]
    a = assess(doc(geometry={"type": "Polygon", "coordinates": [ring]}))
    whole = dict(a.breakdown.by_region)
    assert whole == {"KE": D(10000 * 65_000 - 5000 * 40_000), "KW": D(10000 * 60_000 - 5000 * 35_000)}
    low, high = a.premium_range_hkd
    assert (low, high) == (D(425_000_000), D(450_000_000)) and low <= a.premium_hkd <= high
    assert a.premium_is_estimate and a.to_dict()["premium_range_hkd"] == ["425000000", "450000000"]
    note = next(w for w in a.warnings if w.code == "estimate").message
    assert "one region" in note and "estimate" in note and "LandsD" in note


# --- section 7: verdicts ------------------------------------------------------------------------------------------


def test_unknown_blocking_checks_make_the_verdict_unverified() -> None:
    a = assess(doc(option_submitted="DROP", building_completed="DROP", wholesale_converted="DROP"))
    d = a.to_dict()
    assert a.verdict == "unverified" and a.applicable is None and d["applicable"] is None
    assert d["verdict"] == "unverified" and d["premium_hkd"] == "450000000" and d["premium_is_estimate"]
    assert set(d["unverified_checks"]) == {"option_timing", "pre_1987_building", "not_wholesale_converted"}


@pytest.mark.parametrize(
    ("props", "coords", "route", "paragraph"),
    [
        ({"special_use_after": "columbarium"}, None, "case_by_case", "paras 4, 11"),
        ({"max_gfa_m2": None, "gfa_after_m2": None}, None, "case_by_case", "paras 4, 11"),
        ({"option_submitted": "2024-02-20"}, None, "case_by_case", "paras 4, 11"),
        ({}, [113.985, 22.435], "nda", "para 6 (note)"),  # Hung Shui Kiu NDA
        ({"lot_id": "TPTL 45"}, [114.183, 22.457], "hkstp", "para 3, fn 2; HKSTP IE2.0"),  # Tai Po INNOPARK
    ],
)
def test_not_applicable_says_where_the_lot_goes(props: dict, coords: list | None, route: str, paragraph: str) -> None:
    pn("An applicant for the lease modification can continue to choose having the premium to be assessed on the "
       "established case-by-case basis.")  # fmt: skip
    a = assess(doc(coords, **props))
    d = a.to_dict()
    assert a.verdict == "not_applicable" and d["applicable"] is False and d["premium_hkd"] is None
    assert {"route": route, "paragraph": paragraph}.items() <= d["instead"][0].items()
    assert "Instead:" in a.verdict_text


# --- the premium against an independent formula --------------------------------------------------------------


def _rate(schedule: Any, region: str, use: str) -> Fraction:
    return Fraction(str(schedule.rate(region, use)))


def independent_premium(case: dict[str, Any], schedule: Any) -> int:
    """PN 12/2023 para 5 read straight: A x B - C x D - E, never below zero (fn 5), nearest dollar."""
    r = case["region"]
    a = Fraction(case["max_gfa"]) - Fraction(case["ga"])
    if not case["prohibited"] and not case["cda"]:
        axb = a * _rate(schedule, r, "residential")
    else:
        split = case["split"]
        total = sum(Fraction(v) for v in split.values())
        rate_use = {"residential": "residential", "commercial": "commercial", "hotel": "commercial",
                    "modern_industrial": "modern_industrial"}  # fmt: skip
        axb = sum(a * Fraction(v) / total * _rate(schedule, r, rate_use[u]) for u, v in split.items())
    cxd = sum(Fraction(v) * _rate(schedule, r, u) for u, v in case["before"].items())
    gross = axb - cxd - Fraction(case["e"])
    if gross <= 0:
        return 0
    whole, rest = divmod(gross, 1)
    return int(whole) + (1 if rest >= Fraction(1, 2) else 0)


amounts = st.decimals(min_value=0, max_value=60_000, places=3)


@st.composite
def cases(draw: Any) -> dict[str, Any]:
    prohibited = draw(st.booleans())
    uses = ["commercial", "modern_industrial", "hotel"] + ([] if prohibited else ["residential"])
    chosen = draw(st.lists(st.sampled_from(uses), min_size=1, max_size=len(uses), unique=True))
    split = {u: draw(st.decimals(min_value=1, max_value=60_000, places=3)) for u in chosen}
    ga = draw(st.sampled_from([D(0), draw(st.decimals(min_value=0, max_value=900, places=3))]))
    jitter = draw(st.decimals(min_value=D("-0.4"), max_value=D("0.4"), places=3))  # rounding in the split
    before = {"industrial": draw(amounts)}
    if draw(st.booleans()):
        before["special_industrial"] = draw(amounts)
    return {
        "region": draw(st.sampled_from(["HKI", "KE", "KW", "NTS", "NTN"])),
        "prohibited": prohibited,
        "cda": draw(st.booleans()),
        "split": split,
        "ga": ga,
        "max_gfa": sum(split.values()) + ga + jitter if sum(split.values()) + jitter > 0 else sum(split.values()) + ga,
        "before": before,
        "e": draw(st.sampled_from([D(0), draw(st.decimals(min_value=0, max_value=10**9, places=2))])),
    }


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases())
def test_premium_matches_an_independent_formula(case: dict[str, Any]) -> None:
    lt = lot(
        max_gfa_m2=case["max_gfa"], ga_gfa_m2=case["ga"], private_residential_prohibited=case["prohibited"],
        ozp_zone="CDA(1)" if case["cda"] else "OU(B)", gfa_after_m2=case["split"], gfa_before_m2=case["before"],
        ga_cost_hkd=case["e"], ga_cost_conveyed=True,
    )  # fmt: skip
    b = compute_premium(lt, one(case["region"]), PN12)
    assert b.premium_hkd == independent_premium(case, PN12)


def test_independent_formula_on_a_hand_case() -> None:
    case = {"region": "KE", "prohibited": True, "cda": False, "split": {"commercial": D(10000)}, "ga": D(0),
            "max_gfa": D(10000), "before": {"industrial": D(5000)}, "e": D(0)}  # fmt: skip
    assert independent_premium(case, PN12) == 450_000_000


def test_sources_path_is_the_vendored_text() -> None:
    assert (SOURCES / "pn_12_2023.txt").is_file() and Path(SOURCES).name == "sources"
