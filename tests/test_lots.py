"""lots.py: the lot file format v1, square feet, and every malformed field."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from lotrate.errors import LotFileError
from lotrate.io.lotfile import read_features
from lotrate.premium.lot import parse_lot


def feature(**props: Any) -> Any:
    base = {
        "lot_id": "KTIL 1",
        "max_gfa_m2": 10000,
        "gfa_after_m2": {"commercial": 10000},
        "gfa_before_m2": {"industrial": 5000},
        "pbto_accepted": "2024-02-01",
    }
    base.update(props)
    doc = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [114.2235, 22.311]}, "properties": base}
    return read_features(doc)[0]


def test_a_complete_lot_parses() -> None:
    lot = parse_lot(feature(private_residential_prohibited=True, lot_user="industrial", ozp_zone="CDA"))
    assert lot.max_gfa_m2 == 10000 and lot.gfa_after_m2 == {"commercial": Decimal(10000)}
    assert lot.pbto_accepted == dt.date(2024, 2, 1) and lot.cda_or_ou_cr


def test_square_feet_are_converted_exactly() -> None:
    # 1 ft = 0.3048 m exactly, so 1 ft2 = 0.09290304 m2
    lot = parse_lot(
        feature(
            max_gfa_m2=None,
            max_gfa_ft2=107639,
            gfa_after_m2=None,
            gfa_after_ft2={"commercial": 107639},
            gfa_before_m2=None,
            gfa_before_ft2={"industrial": 53819.5},
        )
    )
    assert lot.max_gfa_m2 == Decimal("9999.99032256") and lot.gfa_before_m2["industrial"] == Decimal("4999.995161280")


def test_government_accommodation_nofa_is_converted_at_1_8() -> None:
    lot = parse_lot(feature(ga_nofa_m2=100, gfa_after_m2={"commercial": 9820}))
    assert lot.ga_gfa_m2 == Decimal(180)


@pytest.mark.parametrize(
    ("props", "field"),
    [
        ({"max_gfa_m2": -1}, "max_gfa_m2"),
        ({"gfa_before_m2": {"industrial": -5}}, "gfa_before_m2.industrial"),
        ({"gfa_after_m2": {"commercial": 9000}}, "gfa_after_m2"),  # does not add up to A
        ({"gfa_after_m2": {"office": 10000}}, "gfa_after_m2.office"),
        ({"gfa_before_m2": {"chemical": 10}}, "gfa_before_m2.chemical"),
        ({"pbto_accepted": "15/02/2024"}, "pbto_accepted"),
        ({"building_completed": "1986-02-30"}, "building_completed"),
        ({"max_gfa_ft2": 107639}, "max_gfa_m2"),  # both m2 and ft2
        ({"gfa_after_ft2": {"commercial": 1}}, "gfa_after_m2"),
        ({"max_gfa_m2": "ten thousand"}, "max_gfa_m2"),
        ({"private_residential_prohibited": "yes"}, "private_residential_prohibited"),
        ({"ga_gfa_m2": 100, "ga_nofa_m2": 50}, "ga_nofa_m2"),
        ({"ga_gfa_m2": 20000}, "ga_gfa_m2"),
    ],
)
def test_bad_fields_name_the_field_and_value(props: dict[str, Any], field: str) -> None:
    with pytest.raises(LotFileError) as info:
        parse_lot(feature(**props))
    assert info.value.field == field
    assert field.split(".")[0] in str(info.value) and "KTIL 1" in str(info.value)


@pytest.mark.parametrize(
    ("key", "right"),
    [
        ("max_gfa", "max_gfa_m2"),
        ("gfa_after", "gfa_after_m2"),
        ("Max GFA m2", "max_gfa_m2"),
        ("max_gfa_sqft", "max_gfa_ft2"),
        ("pbto_acepted", "pbto_accepted"),
        ("gfa_after_comercial_m2", "gfa_after_commercial_m2"),
        ("transitonal", "transitional"),
    ],
)
def test_a_typo_of_a_key_is_an_error_naming_the_right_key(key: str, right: str) -> None:
    with pytest.raises(LotFileError) as info:
        parse_lot(feature(**{key: 1}))
    assert info.value.field == key and f"did you mean {right!r}" in str(info.value) and "KTIL 1" in str(info.value)


def test_other_unknown_keys_are_kept_listed_and_change_nothing() -> None:
    plain = parse_lot(feature())
    extra = parse_lot(feature(owner="Acme Ltd", LOTID=713, remarks="see plan", x=1))
    assert extra.unknown_keys == ("owner", "LOTID", "remarks", "x")
    assert extra == plain  # every field the premium uses is the same
    assert extra.properties["owner"] == "Acme Ltd"


def test_flat_split_columns_in_a_lot_file_fold_into_the_split() -> None:
    lot = parse_lot(feature(gfa_after_m2=None, gfa_after_commercial_m2=6000, gfa_after_hotel_m2=4000))
    assert lot.gfa_after_m2 == {"commercial": Decimal(6000), "hotel": Decimal(4000)}
    with pytest.raises(LotFileError, match="both as an object and as flat columns"):
        parse_lot(feature(gfa_after_commercial_m2=6000))


def test_dates_are_strict_iso() -> None:
    for bad in ("20240215", "2024-2-15", "15/02/2024"):
        with pytest.raises(LotFileError, match="YYYY-MM-DD"):
            parse_lot(feature(pbto_accepted=bad))


def test_the_shipped_schema_agrees_with_the_parser(samples_dir: Any) -> None:
    import json

    from lotrate.premium.lot import lot_schema, schema_errors

    assert lot_schema()["$schema"].endswith("2020-12/schema")
    samples = json.loads((samples_dir / "sample_lots.geojson").read_text())
    assert schema_errors(samples) == []
    for f in read_features(samples):
        parse_lot(f)
    # what the parser refuses, the schema refuses too (editors see the same mistakes)
    for props in ({"max_gfa_m2": -1}, {"gfa_after_m2": {"office": 1}}, {"pbto_accepted": "15/02/2024"},
                  {"max_gfa": 1}, {"private_residential_prohibited": "yes"}, {"max_gfa_m2": 1, "max_gfa_ft2": 2}):
        assert schema_errors({"lot_id": "X", **props}, part="properties"), props
