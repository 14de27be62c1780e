"""The decision kit (issue 13, DESIGN section 9): ``compare``, ``timeline`` and ``forms``, against PN 12/2023.

Scenario premiums are computed here by hand from the para 6 table as published (read from
``data/rates/pn_12_2023.csv``, itself checked against the Practice Note's text by test_rates.py), and every
figure says which paragraph it comes from. The forms are opened in headless Chromium (offline, DevTools over a
pipe) and printed to PDF on A4.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import json
import re
import shutil
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import icalendar
import pytest
from click.testing import CliRunner

from lotrate.errors import LotFileError, RateNotFoundError
from lotrate.io.lotfile import read_features
from lotrate.premium.scenarios import compare, load_scenarios
from lotrate.premium.timeline import PREMIUM_OFFER_DAYS, next_rate_review, timeline, to_ics
from lotrate.render.forms import forms_html, write_forms
from lotrate.render.kit import compare_section, timeline_section

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples" / "sample_lots.geojson"
ARTIFACTS = ROOT / "artifacts"
KWUN_TONG = [114.2235, 22.311]  # Kowloon East (Appendix II)
HOSTILE = "{{ 6*7 }}</script><script>window.__xss=1</script><img src=x onerror=\"window.__xss=2\">"


def _pn_rates() -> dict[tuple[str, str], Decimal]:
    """The para 6 table of PN 12/2023, HK$ per m2, as vendored in data/rates/pn_12_2023.csv."""
    lines = [ln for ln in (ROOT / "data" / "rates" / "pn_12_2023.csv").read_text().splitlines() if ln and ln[0] != "#"]
    return {(r["region_code"], r["use"]): Decimal(r["rate_hkd_per_m2"]) for r in csv.DictReader(lines)}


R = _pn_rates()


def sample(lot_id: str) -> dict[str, Any]:
    doc = json.loads(SAMPLES.read_text())
    return next(f for f in doc["features"] if f["properties"]["lot_id"] == lot_id)


def lot(**props: Any) -> dict[str, Any]:
    """A KE lot modelled on KTIL 713 (an industrial lot with a pre-1987 building), with ``props`` changed."""
    base = dict(sample("KTIL 713")["properties"])
    base.update(props)
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": KWUN_TONG}, "properties": base}


def by_name(comparison: Any) -> dict[str, Any]:
    return {s.name: s for s in comparison.scenarios}


@pytest.fixture
def table_2024(tmp_path: Path) -> Path:
    """A made-up table for 1 Apr 2024 - 31 Mar 2025 (not LandsD's: for the mechanism of para 6 only)."""
    rates = {"industrial": 32000, "special_industrial": 22400, "commercial": 52000, "modern_industrial": 47000,
             "residential": 80000}
    rows = [f"{region},{use},{rate}" for region in ("HKI", "KE", "KW", "NTS", "NTN") for use, rate in rates.items()]
    path = tmp_path / "test_2024.csv"
    path.write_text(
        "# id: TEST2024\n# practice_note: test table, not LandsD's\n# paragraph: 6\n# effective_from: 2024-04-01\n"
        "# effective_to: 2025-03-31\n# source: made up for tests\nregion_code,use,rate_hkd_per_m2\n" + "\n".join(rows)
        + "\n"
    )
    return path


def run(*args: Any) -> tuple[int, str, str]:
    from lotrate.cli import main

    result = CliRunner().invoke(main, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


# --- compare: hand computations ------------------------------------------------------------------------------


def test_filed_case_and_single_uses_where_residential_is_prohibited() -> None:
    c = compare(SAMPLES)[0]
    assert c.lot_id == "KTIL 713" and c.region_code == "KE"
    s = by_name(c)
    # para 5: A x B - C x D; para 5(ii) B = commercial/modern industrial rate (KE 65,000), para 5(iv) D = 40,000
    filed = 14400 * R["KE", "commercial"] - 10800 * R["KE", "industrial"]
    assert filed == 504_000_000
    assert s["as filed"].premium_hkd == filed and s["as filed"].difference_hkd == 0
    assert s["as filed"].schedule == "PN12/2023" and s["as filed"].c_basis == "certificate"
    assert "commercial only" in s["as filed"].same_as  # the filed scheme is the single commercial use
    mi = 14400 * R["KE", "modern_industrial"] - 10800 * R["KE", "industrial"]
    assert s["modern industrial only"].premium_hkd == mi
    # para 5(ii): private residential use prohibited: residential is shown as not allowed, not priced
    resi = s["residential only"]
    assert resi.verdict == "not_allowed" and resi.premium_hkd is None and resi.difference_hkd is None
    assert resi.paragraph == "para 5(ii)"
    assert c.scenarios[-1] is resi  # unpriced scenarios come last


def test_residential_rate_on_all_gfa_unless_prohibited() -> None:
    c = next(x for x in compare(SAMPLES) if x.lot_id == "KIL 9030")  # KW, R(A), residential not prohibited
    s = by_name(c)
    # para 5(ii): residential rate on all 6,750 m2 though 750 m2 are commercial; para 5(iv) industrial 35,000
    filed = 6750 * R["KW", "residential"] - 6750 * R["KW", "industrial"]
    assert filed == 506_250_000 and s["as filed"].premium_hkd == filed
    assert s["residential only"].premium_hkd == filed
    # a commercial scheme priced at the commercial rate only if the lease prohibits private residential use
    commercial = 6750 * R["KW", "commercial"] - 6750 * R["KW", "industrial"]
    assert s["commercial only"].premium_hkd == commercial == 168_750_000
    assert s["commercial only"].difference_hkd == commercial - filed == -337_500_000
    assert s["commercial only"].residential_prohibited is True
    assert c.scenarios[0].name in ("commercial only", "modern industrial only")  # sorted by premium
    premiums = [x.premium_hkd for x in c.scenarios if x.premium_hkd is not None]
    assert premiums == sorted(premiums)


def test_cda_keeps_the_filed_residential_split() -> None:
    c = next(x for x in compare(SAMPLES) if x.lot_id == "STTL 325")  # NTS, CDA: 18,000 residential + 9,000
    s = by_name(c)
    # para 5(ii): in a CDA the residential rate applies to the residential GFA, commercial/MI to the remainder
    filed = 18000 * R["NTS", "residential"] + 9000 * R["NTS", "commercial"] - 21000 * R["NTS", "industrial"]
    assert filed == 1_065_000_000 and s["as filed"].premium_hkd == filed
    mi = s["modern industrial remainder"]
    assert {k: float(v) for k, v in mi.gfa_after_m2.items()} == {"residential": 18000.0, "modern_industrial": 9000.0}
    assert mi.premium_hkd == 18000 * R["NTS", "residential"] + 9000 * R["NTS", "modern_industrial"] - 21000 * R[
        "NTS", "industrial"]
    assert not any(x.name == "residential only" for x in c.scenarios)


def test_with_and_without_e() -> None:
    c = next(x for x in compare(SAMPLES) if x.lot_id == "AIL 384")  # HKI, Government Accommodation
    s = by_name(c)
    a = 21600 - Decimal(500) * Decimal("1.8")  # para 5(i), fn 6: NOFA x 1.8 disregarded
    e = 45_000_000  # para 5(v): conveyed, deducted
    filed = a * R["HKI", "commercial"] - 16200 * R["HKI", "industrial"] - e
    assert filed == 859_500_000 and s["as filed"].premium_hkd == filed and s["as filed"].e_hkd == e
    assert s["without E"].premium_hkd == filed + e and s["without E"].difference_hkd == e
    assert s["without E"].paragraph == "para 5(v)" and s["without E"].e_hkd == 0


def test_c_on_the_alternative_basis() -> None:
    c = compare(lot(gfa_before_alternative_m2={"industrial": 12000}))[0]
    alt = by_name(c)["C on the alternative basis"]
    # para 5(iii): C = 12,000 m2 on the alternative basis instead of the certified 10,800 m2
    assert alt.premium_hkd == 14400 * R["KE", "commercial"] - 12000 * R["KE", "industrial"] == 456_000_000
    assert alt.c_basis == "alternative" and alt.paragraph == "para 5(iii)" and "irreversible" in alt.note
    assert alt.difference_hkd == -48_000_000
    # filed on the alternative basis (no certified C): the certificate is not a scenario; C is the alternative
    only_alt = compare(lot(gfa_before_m2=None, gfa_before_alternative_m2={"industrial": 12000}))[0]
    assert only_alt.filed.c_basis == "alternative" and only_alt.filed.premium_hkd == 456_000_000
    with pytest.raises(LotFileError, match="gfa_before_alternative_m2"):
        compare(lot(gfa_before_alternative_m2={"godown": 1}))


def test_pbto_moved_into_every_later_schedule(table_2024: Path) -> None:
    c = compare(lot(), rates=table_2024)[0]
    s = by_name(c)
    moved = s["as filed, PBTO on 2024-04-01"]  # para 6: the rates prevailing at PBTO acceptance apply
    assert moved.schedule == "TEST2024" and moved.pbto_accepted == dt.date(2024, 4, 1) and moved.kind == "timing"
    assert moved.premium_hkd == 14400 * 52000 - 10800 * 32000 == 403_200_000
    assert s["modern industrial only, PBTO on 2024-04-01"].premium_hkd == 14400 * 47000 - 10800 * 32000
    assert s["as filed"].schedule == "PN12/2023" and s["as filed"].premium_hkd == 504_000_000
    assert not any(x.schedule == "PN1/2021" for x in c.scenarios)  # it ended before the PBTO date
    assert not any(x.name.startswith("residential only, PBTO") for x in c.scenarios)  # not allowed once is enough
    # a PBTO inside the later period: schedules that ended before it are not offered
    later = compare(lot(pbto_accepted="2024-06-01"), rates=table_2024)[0]
    assert {x.schedule for x in later.scenarios} == {"TEST2024"}
    # no PBTO date: today stands in for it (para 6)
    undated = compare(lot(pbto_accepted=None), rates=table_2024, today=dt.date(2024, 3, 1))[0]
    assert undated.filed.schedule == "PN12/2023" and "as filed, PBTO on 2024-04-01" in by_name(undated)


def test_user_scenarios(tmp_path: Path) -> None:
    path = tmp_path / "schemes.json"
    path.write_text(json.dumps({
        "smaller scheme": {"max_gfa_m2": 12000, "gfa_after_m2": {"commercial": 12000}},
        "flats": {"gfa_after_m2": {"residential": 14400}},
    }))
    s = by_name(compare(lot(), scenarios=path)[0])
    assert s["smaller scheme"].premium_hkd == 12000 * R["KE", "commercial"] - 10800 * R["KE", "industrial"]
    assert s["smaller scheme"].kind == "user" and s["smaller scheme"].difference_hkd == -156_000_000
    assert s["flats"].verdict == "not_allowed" and s["flats"].premium_hkd is None  # para 5(ii)
    with pytest.raises(LotFileError, match="did you mean 'max_gfa_m2'"):
        load_scenarios({"typo": {"max_gfa": 1}})
    with pytest.raises(LotFileError, match="cannot change"):
        load_scenarios({"move": {"lot_id": "X"}})
    with pytest.raises(LotFileError, match=r"scenario 'bad'.*not a number"):
        compare(lot(), scenarios={"bad": {"max_gfa_m2": "lots"}})


def test_not_applicable_lot_is_not_priced_in_any_scenario() -> None:
    c = next(x for x in compare(SAMPLES) if x.lot_id == "TPTL 45")  # Tai Po INNOPARK
    assert all(x.premium_hkd is None and x.verdict in ("not_applicable", "not_allowed") for x in c.scenarios)
    assert "Industrial Estate" in c.filed.note


def test_compare_json_keys() -> None:
    d = compare(SAMPLES)[0].to_dict()
    assert {"lot_id", "scenarios"} <= set(d)
    for sc in d["scenarios"]:
        assert {"name", "schedule", "pbto_accepted", "gfa_after_m2", "c_basis", "verdict", "premium_hkd"} <= set(sc)
        assert sc["verdict"] in ("applicable", "not_applicable", "unverified", "not_allowed")
    json.dumps(d)


def test_compare_needs_a_schedule_for_the_filed_date() -> None:
    with pytest.raises(RateNotFoundError, match="2026-06-01"):
        compare(lot(pbto_accepted="2026-06-01"))


# --- timeline ------------------------------------------------------------------------------------------------


def events(t: Any) -> dict[str, Any]:
    return {e.kind: e for e in t.events}


def test_option_and_premium_offer_dates() -> None:
    t = timeline(lot(option_submitted=None), today=dt.date(2024, 2, 1))[0]
    ev = events(t)
    # paras 4, 11: the Option Form on or before acceptance of the PBTO
    assert ev["option_form"].date == dt.date(2024, 2, 15) and ev["option_form"].status == "due"
    assert ev["option_form"].paragraph == "paras 4, 11" and "resubmitted" in ev["option_form"].consequence
    # para 8: the BBTO premium offer normally within five weeks (35 days) of the PBTO acceptance
    assert PREMIUM_OFFER_DAYS == 35
    assert ev["premium_offer"].date == dt.date(2024, 2, 15) + dt.timedelta(days=35) == dt.date(2024, 3, 21)
    assert ev["premium_offer"].paragraph == "para 8" and ev["premium_offer"].status == "expected"
    assert ev["pbto_acceptance"].paragraph == "para 6" and "PN12/2023" in ev["pbto_acceptance"].consequence
    dates = [e.date for e in t.events if e.date is not None]
    assert dates == sorted(dates)
    # after the PBTO with no Option recorded: overdue; an Option after the PBTO: overdue, case-by-case (para 11)
    assert events(timeline(lot(option_submitted=None), today=dt.date(2024, 3, 1))[0])["option_form"].status == "overdue"
    late = events(timeline(lot(option_submitted="2024-02-20"), today=dt.date(2024, 3, 1))[0])["option_form"]
    assert late.status == "overdue" and "case-by-case" in late.consequence
    done = events(timeline(lot(), today=dt.date(2024, 3, 1))[0])
    assert done["option_form"].status == "done" and done["option_form"].date == dt.date(2024, 2, 1)
    assert done["premium_offer"].status == "expected"
    assert events(timeline(lot(), today=dt.date(2024, 3, 22))[0])["premium_offer"].status == "overdue"
    issued = events(timeline(lot(bbto_issued="2024-03-10"), today=dt.date(2024, 3, 22))[0])["premium_offer"]
    assert issued.status == "done" and issued.date == dt.date(2024, 3, 10) and "24 days" in issued.event


def test_enquiry_form_not_later_than_the_initial_fee() -> None:
    fee = {"initial_fee_settled": "2023-11-01", "pbto_accepted": "2024-02-15"}
    e = events(timeline(lot(**fee), today=dt.date(2023, 10, 1))[0])["enquiry_form"]
    assert (e.date, e.status, e.paragraph) == (dt.date(2023, 11, 1), "due", "para 7")  # para 7
    assert events(timeline(lot(**fee), today=dt.date(2023, 12, 1))[0])["enquiry_form"].status == "overdue"
    sent = events(timeline(lot(**fee, enquiry_submitted="2023-10-20"), today=dt.date(2023, 12, 1))[0])
    assert sent["enquiry_form"].status == "done" and "separate letter" in sent["enquiry_form"].consequence
    late = events(timeline(lot(**fee, enquiry_submitted="2023-11-05"), today=dt.date(2023, 12, 1))[0])
    assert late["enquiry_form"].status == "overdue"


def test_transitional_dates_of_para_10() -> None:
    special = lot(lot_user="special_industrial", gfa_before_m2={"special_industrial": 10800}, transitional=True,
                  pbto_accepted="2023-10-02", option_submitted=None)
    t = timeline(special, today=dt.date(2024, 1, 10))[0]
    ev = events(t)
    # para 10: "as of the date of this PN" (28 December 2023); Enquiry Form by 26 January 2024; Option by 28 February
    assert ev["pn_issued"].date == dt.date(2023, 12, 28) and ev["pn_issued"].paragraph == "para 10"
    assert (ev["enquiry_form"].date, ev["enquiry_form"].paragraph, ev["enquiry_form"].status) == (
        dt.date(2024, 1, 26), "para 10", "due")
    assert (ev["option_form"].date, ev["option_form"].paragraph) == (dt.date(2024, 2, 28), "para 10")
    assert "premium_offer" not in ev
    assert events(timeline(special, today=dt.date(2024, 3, 1))[0])["option_form"].status == "overdue"
    # not flagged, but a special-industrial lot whose PBTO was accepted before the PN is a para 10 case
    # (premium.eligibility.is_transitional); `transitional: false` in the lot file says otherwise
    early = lot(lot_user="special_industrial", gfa_before_m2={"special_industrial": 10800}, pbto_accepted="2023-10-02",
                option_submitted=None)
    detected = events(timeline(early, today=dt.date(2024, 1, 1))[0])
    assert (detected["option_form"].date, detected["option_form"].paragraph) == (dt.date(2024, 2, 28), "para 10")
    declined = events(timeline(lot(lot_user="special_industrial", gfa_before_m2={"special_industrial": 10800},
                                   pbto_accepted="2023-10-02", option_submitted=None, transitional=False),
                                  today=dt.date(2024, 1, 1))[0])
    assert declined["option_form"].paragraph == "paras 4, 11"


def test_next_rate_review(table_2024: Path) -> None:
    # para 6: the PN 12/2023 rates "remain valid until 31 March 2024"; the rates are reviewed every 1 April
    assert next_rate_review(dt.date(2024, 2, 10)) == dt.date(2024, 4, 1)
    assert next_rate_review(dt.date(2024, 3, 31)) == dt.date(2024, 4, 1)
    assert next_rate_review(dt.date(2024, 4, 1)) == dt.date(2025, 4, 1)
    pending = lot(pbto_accepted=None, option_submitted=None)
    review = events(timeline(pending, today=dt.date(2024, 2, 10))[0])["rate_review"]
    assert review.date == dt.date(2024, 4, 1) and review.paragraph == "para 6" and review.status == "expected"
    assert "PN12/2023" in review.consequence and "no loaded rate schedule" in review.consequence
    loaded = events(timeline(pending, today=dt.date(2024, 2, 10), rates=table_2024)[0])["rate_review"]
    assert "TEST2024" in loaded.consequence
    fixed = events(timeline(lot(), today=dt.date(2024, 3, 1))[0])["rate_review"]
    assert fixed.status == "info" and "fixed" in fixed.consequence


def test_ics_parses_back() -> None:
    tls = timeline(SAMPLES, today=dt.date(2024, 1, 5))  # NKIL 5981's Option Form is due on 10 Jan 2024
    cal = icalendar.Calendar.from_ical(to_ics(tls))
    vevents = cal.walk("VEVENT")
    dated = [(t.lot_id, e) for t in tls for e in t.events if e.date is not None]
    assert len(vevents) == len(dated)
    assert len({str(v["UID"]) for v in vevents}) == len(vevents)
    got = {(str(v["SUMMARY"]), v.decoded("DTSTART")) for v in vevents}
    assert {(f"{lot_id}: {e.event}", e.date) for lot_id, e in dated} == got
    due = [v for v in vevents if v["CATEGORIES"].to_ical() == b"due"]
    assert due and all(v.walk("VALARM") for v in due)
    one = icalendar.Calendar.from_ical(tls[0].to_ics())
    assert {str(v["SUMMARY"]).split(":")[0] for v in one.walk("VEVENT")} == {"KTIL 713"}


def test_timeline_json_keys() -> None:
    d = timeline(SAMPLES, today=dt.date(2024, 2, 10))[0].to_dict()
    assert d["lot_id"] == "KTIL 713"
    for e in d["events"]:
        assert {"date", "event", "paragraph", "status", "consequence"} <= set(e)
        assert e["status"] in ("done", "due", "overdue", "expected", "info")


# --- command line --------------------------------------------------------------------------------------------


def test_cli_compare_on_the_samples() -> None:
    code, out, err = run("compare", SAMPLES, "--json")
    assert code == 0, err
    data = json.loads(out)
    assert [d["lot_id"] for d in data] == [f.lot_id for f in read_features(SAMPLES)]
    assert data[0]["scenarios"][0]["premium_hkd"] == "504000000"
    code, out, _ = run("compare", SAMPLES)
    assert code == 0 and "not allowed" in out and "KTIL 713" in out and "HK$504,000,000" in out


def test_cli_compare_bad_input(tmp_path: Path, table_2024: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    code, out, err = run("compare", SAMPLES, "--scenarios", bad)
    assert code == 1 and "not valid JSON" in err and "Traceback" not in err and out == ""
    typo = tmp_path / "typo.json"
    typo.write_text(json.dumps({"x": {"gfa_after": {"commercial": 1}}}))
    code, _, err = run("compare", SAMPLES, "--scenarios", typo)
    assert code == 1 and "did you mean 'gfa_after_m2'" in err
    one = tmp_path / "one.geojson"
    one.write_text(json.dumps(lot(pbto_accepted="2026-06-01")))
    code, _, err = run("compare", one)
    assert code == 1 and "no rate schedule covers 2026-06-01" in err
    code, out, _ = run("compare", one, "--rates", table_2024, "--json")
    assert code == 1
    code, _, err = run("compare", SAMPLES, "--no-such-option")
    assert code == 2
    # a file of several lots, one of them bad: the others are compared, exit 3
    doc = {"type": "FeatureCollection", "features": [lot(), lot(lot_id="BAD 1", pbto_accepted="15/02/2024")]}
    many = tmp_path / "many.geojson"
    many.write_text(json.dumps(doc))
    code, out, err = run("compare", many, "--json")
    assert code == 3 and "1 of 2" in err
    data = json.loads(out)
    assert data[0]["lot_id"] == "KTIL 713" and data[1]["lot_id"] == "BAD 1" and "YYYY-MM-DD" in data[1]["error"]


def test_cli_timeline_and_ics(tmp_path: Path) -> None:
    code, out, err = run("timeline", SAMPLES, "--today", "2024-02-10", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert len(data) == 11 and data[0]["today"] == "2024-02-10"
    ics = tmp_path / "deadlines.ics"
    code, out, err = run("timeline", SAMPLES, "--today", "2024-02-10", "--ics", ics)
    assert code == 0 and ics.exists() and "KTIL 713" in out and "wrote" in err
    before = ics.read_bytes()
    code, _, err = run("timeline", SAMPLES, "--ics", ics)
    assert code == 1 and "--overwrite" in err and ics.read_bytes() == before  # nothing replaced
    code, _, _ = run("timeline", SAMPLES, "--today", "2024-03-10", "--ics", ics, "--overwrite")
    assert code == 0 and ics.read_bytes() != before
    assert icalendar.Calendar.from_ical(ics.read_bytes()).walk("VEVENT")
    assert not list(tmp_path.glob(".*.tmp"))  # the temporary file was renamed into place
    copy = tmp_path / "lots.geojson"
    shutil.copy(SAMPLES, copy)
    code, _, err = run("timeline", copy, "--ics", copy, "--overwrite")
    assert code == 1 and "lot file itself" in err and copy.read_bytes() == SAMPLES.read_bytes()
    code, _, err = run("timeline", SAMPLES, "--today", "10/02/2024")
    assert code == 2 and "--today" in err


def test_cli_forms(tmp_path: Path) -> None:
    out_dir = tmp_path / "forms"
    code, out, err = run("forms", SAMPLES, "-o", out_dir)
    assert code == 0, err
    paths = out.split()
    assert len(paths) == 22 and all(Path(p).exists() for p in paths)
    assert (out_dir / "KTIL_713_option_form.html").exists() and (out_dir / "KTIL_713_enquiry_form.html").exists()
    stamp = (out_dir / "KTIL_713_option_form.html").stat().st_mtime_ns
    code, _, err = run("forms", SAMPLES, "-o", out_dir)
    assert code == 1 and "--overwrite" in err
    assert (out_dir / "KTIL_713_option_form.html").stat().st_mtime_ns == stamp
    code, _, _ = run("forms", SAMPLES, "-o", out_dir, "--overwrite")
    assert code == 0
    # a lot outside Hong Kong among good ones: the others get their forms, exit 3
    doc = {"type": "FeatureCollection", "features": [
        lot(), {"type": "Feature", "geometry": {"type": "Point", "coordinates": [113.55, 22.19]},  # Macau
                "properties": {"lot_id": "MACAU 1"}}]}
    many = tmp_path / "many.geojson"
    many.write_text(json.dumps(doc))
    code, out, err = run("forms", many, "-o", tmp_path / "f2")
    assert code == 3 and "MACAU 1" in err and len(out.split()) == 2


def test_forms_fill_and_checklist(tmp_path: Path) -> None:
    written = write_forms(SAMPLES, tmp_path)
    assert [w.error for w in written] == [None] * 11
    page = (tmp_path / "KTIL_713_option_form.html").read_text()
    assert "OPTION FORM" in page and "Appendix I" in page and "District Lands Officer" in page
    assert "<script" not in page.lower() and "http://" not in page and "https://" not in page
    enquiry = (tmp_path / "NKIL_5981_enquiry_form.html").read_text()
    assert "ENQUIRY FORM" in enquiry and "Appendix III" in enquiry and "cesv@landsd.gov.hk" in enquiry
    # NKIL 5981 gives plans first submitted 1 Dec 1986 (fn 3): the approval letter is given, the permit not needed
    assert re.search(r'data-key="approval_letter" data-status="given"', enquiry)
    assert re.search(r'data-key="occupation_permit" data-status="not needed"', enquiry)


# --- hostile text --------------------------------------------------------------------------------------------


def test_hostile_text_stays_literal_in_forms_and_fragments() -> None:
    doc = lot(lot_id=HOSTILE, address=HOSTILE)
    for page in forms_html(doc).values():
        assert "<img src=x" not in page and "<script>window" not in page
        assert "{{ 6*7 }}&lt;/script&gt;" in page
    c = compare(doc, scenarios={HOSTILE: {"max_gfa_m2": 12000, "gfa_after_m2": {"commercial": 12000}}})[0]
    t = timeline(doc, today=dt.date(2024, 2, 1))[0]
    for fragment in (compare_section(c), timeline_section(t)):
        assert "<img" not in fragment and "<script" not in fragment and "{{ 6*7 }}&lt;/script&gt;" in fragment


# --- the forms in headless Chromium --------------------------------------------------------------------------

from support.chromium import Chromium, chromium_binary  # noqa: E402 (the shared DevTools client)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    browser = Chromium(chromium_binary())
    try:
        browser.open_tab()
        yield browser
    finally:
        browser.close()


def _open(browser: Any, path: Path) -> None:
    browser.events.clear()
    browser.dialogs.clear()
    browser.send("Page.navigate", {"url": path.resolve().as_uri()})
    browser.wait_for("Page.loadEventFired")
    time.sleep(0.2)
    browser.js("0")


def _pdf(browser: Any) -> bytes:
    data = browser.send("Page.printToPDF", {"preferCSSPageSize": True, "printBackground": True}, timeout=60)["data"]
    return base64.b64decode(data)


def _pages(pdf: bytes) -> list[tuple[float, float]]:
    """The size of each page of a PDF, in points."""
    boxes = re.findall(rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    count = len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))
    assert count == len(boxes)
    return [(float(b[2]) - float(b[0]), float(b[3]) - float(b[1])) for b in boxes]


@pytest.fixture(scope="module")
def form_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("forms")
    write_forms(SAMPLES, out)
    write_forms(lot(lot_id=HOSTILE, address=HOSTILE), out / "hostile")
    return out


@pytest.mark.browser
@pytest.mark.parametrize("form", ["option", "enquiry"])
def test_form_is_filled_in_the_browser(chromium: Any, form_dir: Path, form: str) -> None:
    _open(chromium, form_dir / f"KTIL_713_{form}_form.html")
    text = chromium.js
    assert text("document.querySelector('#lot-no').textContent") == "KTIL 713"
    assert text("document.querySelector('#address').textContent") == "Hoi Yuen Road, Kwun Tong"
    assert text("document.querySelector('#dlo').textContent") == "Kowloon East"
    assert text("document.querySelector('#p-dlo').textContent") == "District Lands Office Kowloon East"
    assert text("document.querySelector('#gfa-max').textContent") == "14,400 m²"  # para 5(i)
    assert text("document.querySelector('#gfa-after-commercial').textContent") == "14,400 m²"
    assert text("document.querySelector('#c-industrial').textContent") == "10,800 m²"  # para 5(iii)
    assert text("document.querySelector('#c-basis').dataset.basis") == "certificate"
    statuses = text("Object.fromEntries([...document.querySelectorAll('#checklist tr[data-key]')]"
                    ".map(r => [r.dataset.key, r.dataset.status]))")
    # KTIL 713: completed 30 June 1975 (fn 3), C certified 10,800 m2
    assert statuses == {"occupation_permit": "given", "approval_letter": "not needed", "certificate": "given",
                        "approved_plans": "given"}
    blanks = text("[...document.querySelectorAll('#form .box')].map(b => [b.dataset.field, b.textContent])")
    fields = {f for f, content in blanks if content == ""}
    assert {"signature", "applicant-name", "applicant-address", "date"} <= fields
    assert (form == "enquiry") == ("telephone" in fields)
    assert text("document.querySelectorAll('script').length") == 0
    wanted = "ENQUIRY FORM" if form == "enquiry" else "OPTION FORM"
    assert text("document.querySelector('h1').textContent") == wanted


@pytest.mark.browser
@pytest.mark.parametrize("form", ["option", "enquiry"])
def test_form_prints_on_a4_without_cut_off(chromium: Any, form_dir: Path, form: str) -> None:
    path = form_dir / f"STTL_325_{form}_form.html"
    _open(chromium, path)
    pdf = _pdf(chromium)
    assert pdf.startswith(b"%PDF")
    sizes = _pages(pdf)
    assert 3 <= len(sizes) <= 5  # the form (1-2 pages), the personal information note, the particulars
    for w, h in sizes:  # A4: 210 x 297 mm = 595.3 x 841.9 pt
        assert abs(w - 595.3) < 2 and abs(h - 841.9) < 2
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"STTL_325_{form}_form.pdf").write_bytes(pdf)
    # nothing wider than the printable width of A4 (210 mm less 2 x 16 mm margins = 178 mm = 672.8 CSS px)
    chromium.send("Emulation.setEmulatedMedia", {"media": "print"})
    chromium.send("Emulation.setDeviceMetricsOverride", {"width": 673, "height": 1000, "deviceScaleFactor": 1,
                                                          "mobile": False})
    try:
        widest = chromium.js("Math.max(...[...document.querySelectorAll('body *')]"
                             ".map(e => e.getBoundingClientRect().right))")
        assert widest <= 673.5
        assert chromium.js("document.documentElement.scrollWidth") <= 673
    finally:
        chromium.send("Emulation.setEmulatedMedia", {"media": ""})
        chromium.send("Emulation.setDeviceMetricsOverride", {"width": 900, "height": 1200, "deviceScaleFactor": 1,
                                                              "mobile": False})


@pytest.mark.browser
def test_hostile_text_is_inert_in_the_browser(chromium: Any, form_dir: Path) -> None:
    pages = sorted((form_dir / "hostile").glob("*.html"))
    assert len(pages) == 2
    for path in pages:
        _open(chromium, path)
        assert chromium.js("document.querySelector('#lot-no').textContent") == HOSTILE
        assert chromium.js("document.querySelector('#address').textContent") == HOSTILE
        assert chromium.js("document.querySelector('#p-lot-no').textContent") == HOSTILE
        assert HOSTILE in chromium.js("document.title")
        assert chromium.js("window.__xss === undefined") and chromium.dialogs == []
        assert chromium.js("document.querySelectorAll('img, script').length") == 0
        _pages(_pdf(chromium))  # still prints
