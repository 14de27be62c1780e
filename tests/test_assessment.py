"""assessment.py and `lotrate assess`: the whole pipeline on lot files."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pyproj import Transformer

import lotrate
from lotrate.cli import main
from lotrate.errors import LotFileError, RateNotFoundError
from lotrate.index.regions import RegionIndex
from lotrate.premium.assess import assess, assess_all

TO_WGS = Transformer.from_crs("EPSG:2326", "EPSG:4326", always_xy=True)


def doc(coords: list[float] | None = None, geometry: dict | None = None, **props: Any) -> dict:
    base = {
        "lot_id": "KTIL 713",
        "pbto_accepted": "2024-02-15",
        "max_gfa_m2": 10000,
        "gfa_after_m2": {"commercial": 10000},
        "private_residential_prohibited": True,
        "gfa_before_m2": {"industrial": 5000},
        "lot_user": "industrial",
        "building_completed": "1975-01-01",
        "wholesale_converted": False,
        "special_use_after": None,
        "option_submitted": "2024-02-01",
    }
    base.update(props)
    geom = geometry or {"type": "Point", "coordinates": coords or [114.2235, 22.3110]}
    return {"type": "Feature", "geometry": geom, "properties": base}


def test_kwun_tong_hand_computed() -> None:
    a = assess(doc())
    assert (a.region_code, a.district, a.rate_schedule.id, a.applicable) == ("KE", "Kwun Tong", "PN12/2023", True)
    assert a.verdict == "applicable" and a.to_dict()["verdict"] == "applicable"
    assert a.premium_hkd == Decimal(450_000_000)
    d = a.to_dict()
    for key in (
        "lot_id",
        "region_code",
        "district",
        "zones",
        "rate_schedule",
        "verdict",
        "applicable",
        "eligibility",
        "premium_hkd",
        "breakdown",
        "warnings",
    ):
        assert key in d
    assert d["premium_hkd"] == "450000000" and d["breakdown"]["A_m2"] == "10000.00"
    assert all(c["status"] == "pass" for c in d["eligibility"])


def test_unknown_checks_still_price_the_lot_and_say_so() -> None:
    a = assess(doc(option_submitted=None, building_completed=None))
    assert a.verdict == "unverified" and a.applicable is None and a.premium_hkd == Decimal(450_000_000)
    w = next(w for w in a.warnings if w.code == "unverified")
    assert "option_timing" in w.message and "pre_1987_building" in w.message


def test_industrial_estate_lot_is_not_applicable_with_the_reason() -> None:
    a = assess(doc([114.183, 22.457], lot_id="TPTL 45"))
    assert not a.applicable and a.premium_hkd is None and a.to_dict()["premium_hkd"] is None
    assert any("HKSTP" in r and "IE2.0" in r for r in a.reasons)


def test_nda_lot_is_not_applicable() -> None:
    a = assess(doc([113.985, 22.435]))
    assert not a.applicable and any("New Development Area" in r for r in a.reasons)


def test_failed_blocking_check_means_not_applicable() -> None:
    a = assess(doc(special_use_after="columbarium"))
    assert not a.applicable and a.premium_hkd is None


def test_special_industrial_under_pn_1_2021_is_out_of_scope() -> None:
    a = assess(doc(pbto_accepted="2022-06-01", lot_user="special_industrial", transitional=False,
                   gfa_before_m2={"special_industrial": 5000}))
    assert a.verdict == "not_applicable" and a.applicable is False
    assert any("special industrial" in r for r in a.reasons) and a.instead


def test_straddling_lot_is_apportioned_and_flagged() -> None:
    idx = RegionIndex.default()
    edge = idx.regions[1].geometry.boundary.intersection(idx.regions[2].geometry.boundary)
    p = edge.interpolate(0.3, normalized=True)
    ring = [
        TO_WGS.transform(x, y)
        for x, y in [
            (p.x - 60, p.y - 60),
            (p.x + 60, p.y - 60),
            (p.x + 60, p.y + 60),
            (p.x - 60, p.y + 60),
            (p.x - 60, p.y - 60),
        ]
    ]
    a = assess(doc(geometry={"type": "Polygon", "coordinates": [ring]}))
    assert a.breakdown is not None and a.breakdown.estimate
    assert {line.region_code for line in a.breakdown.after} == {"KE", "KW"}
    assert any(w.code == "estimate" for w in a.warnings)


def test_a_date_no_schedule_covers() -> None:
    with pytest.raises(RateNotFoundError, match="2024-06-01"):
        assess(doc(pbto_accepted="2024-06-01"))


def test_no_date_without_as_of_gives_no_premium() -> None:
    import datetime as dt

    a = assess(doc(pbto_accepted=None))
    assert a.premium_hkd is None and any(w.code == "no_date" for w in a.warnings)
    b = assess(doc(pbto_accepted=None), as_of=dt.date(2024, 3, 1))
    assert b.premium_hkd == Decimal(450_000_000)


def test_a_user_schedule_prices_a_later_date(tmp_path: Path) -> None:
    template = lotrate.index.regions.data_path("rates", "template_separate_commercial.csv").read_text()
    path = tmp_path / "pn5.csv"
    path.write_text(template.replace(",0\n", ",1000\n"))
    a = assess(doc(pbto_accepted="2025-06-01"), rates=path)
    assert a.rate_schedule.id == "PN5/2025" and a.premium_hkd == Decimal(10000 * 1000 - 5000 * 1000)


def test_sample_collection_gives_one_assessment_per_lot(samples_dir: Path) -> None:
    results = assess_all(samples_dir / "sample_lots.geojson")
    assert len(results) == 11
    assert {a.region_code for a in results} == {"HKI", "KE", "KW", "NTS", "NTN"}
    with pytest.raises(LotFileError, match="assess_all"):
        assess(samples_dir / "sample_lots.geojson")
    verdicts = {a.lot_id: a.verdict for a in results}
    assert verdicts["TMTL 120"] == "applicable"  # PN 1/2021 case: the Pilot Scheme exclusion came later
    assert verdicts["TPTL 45"] == "not_applicable" and verdicts["NKIL 5981"] == "unverified"


def test_cli_assess_table_and_json(samples_dir: Path) -> None:
    runner = CliRunner()
    out = runner.invoke(main, ["assess", str(samples_dir / "sample_lots.geojson")])
    assert out.exit_code == 0 and "HK$504,000,000" in out.stdout and "not applicable" in out.stdout
    out = runner.invoke(main, ["assess", str(samples_dir / "sample_lots.geojson"), "--json"])
    data = json.loads(out.stdout)
    assert len(data) == 11 and data[0]["premium_hkd"] == "504000000"


def test_cli_assess_bad_lot_file_exit_1(tmp_path: Path) -> None:
    path = tmp_path / "bad.geojson"
    path.write_text(json.dumps(doc(max_gfa_m2=-5)))
    out = CliRunner().invoke(main, ["assess", str(path)])
    assert out.exit_code == 1 and "max_gfa_m2=-5" in out.stderr and "Traceback" not in out.stderr


def test_cli_assess_rates_option(tmp_path: Path) -> None:
    template = lotrate.index.regions.data_path("rates", "template_separate_commercial.csv").read_text()
    rates = tmp_path / "pn5.csv"
    rates.write_text(template.replace(",0\n", ",1000\n"))
    lot = tmp_path / "lot.geojson"
    lot.write_text(json.dumps(doc(pbto_accepted="2025-06-01")))
    out = CliRunner().invoke(main, ["assess", str(lot), "--json", "--rates", str(rates)])
    assert out.exit_code == 0 and json.loads(out.stdout)["rate_schedule"] == "PN5/2025"
    out = CliRunner().invoke(main, ["assess", str(lot)])
    assert out.exit_code == 1 and "no rate schedule covers 2025-06-01" in out.stderr
