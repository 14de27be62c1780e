"""eligibility.py: paras 2-4, 7, 10 and fns 1-4, 6; pass, fail or unknown, never an unknown taken as a pass."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from lotrate.premium.eligibility import evaluate
from lotrate.premium.lot import Lot

D = dt.date


def lot(**kw: Any) -> Lot:
    base: dict[str, Any] = {
        "lot_id": "T",
        "geometry": {},
        "crs": "EPSG:4326",
        "lot_user": "industrial",
        "building_completed": D(1975, 1, 1),
        "wholesale_converted": False,
        "special_use_after": None,
        "special_use_after_given": True,
        "max_gfa_m2": Decimal(1000),
        "gfa_after_m2": {"commercial": Decimal(1000)},
        "pbto_accepted": D(2024, 2, 1),
        "option_submitted": D(2024, 1, 15),
    }
    base.update(kw)
    return Lot(**base)


def status(lt: Lot, check: str) -> str:
    return next(c.status for c in evaluate(lt) if c.check == check)


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ("industrial", "pass"),
        ("godown", "pass"),
        ("industrial_godown", "pass"),
        ("special_industrial", "pass"),
        ("unrestricted", "pass"),
        ("residential", "fail"),
        (None, "unknown"),
    ],
)
def test_industrial_lot(user: str | None, expected: str) -> None:
    assert status(lot(lot_user=user), "industrial_lot") == expected


@pytest.mark.parametrize(
    ("completed", "plans", "expected"),
    [
        (D(1987, 3, 1), None, "pass"),  # on the day counts (fn 3)
        (D(1987, 3, 2), D(1987, 3, 1), "pass"),  # plans first submitted in time
        (D(1987, 3, 2), D(1987, 3, 2), "fail"),
        (D(1990, 1, 1), None, "unknown"),  # plans might have been submitted before the cut-off
        (None, None, "unknown"),
    ],
)
def test_pre_1987_building(completed: dt.date | None, plans: dt.date | None, expected: str) -> None:
    assert status(lot(building_completed=completed, plans_first_submitted=plans), "pre_1987_building") == expected


@pytest.mark.parametrize(("value", "expected"), [(False, "pass"), (True, "fail"), (None, "unknown")])
def test_wholesale_conversion(value: bool | None, expected: str) -> None:
    assert status(lot(wholesale_converted=value), "not_wholesale_converted") == expected


def test_special_use_after_fails_and_unstated_is_unknown() -> None:
    assert status(lot(special_use_after="columbarium"), "use_after") == "fail"
    assert status(lot(special_use_after_given=False), "use_after") == "unknown"


def test_no_maximum_gfa_means_the_scheme_does_not_apply() -> None:
    assert status(lot(max_gfa_m2=None), "max_gfa_stipulated") == "fail"


@pytest.mark.parametrize(("option", "expected"), [(D(2024, 2, 1), "pass"), (D(2024, 2, 2), "fail"), (None, "unknown")])
def test_option_no_later_than_pbto_acceptance(option: dt.date | None, expected: str) -> None:
    assert status(lot(option_submitted=option), "option_timing") == expected


def test_enquiry_form_timing_is_not_blocking() -> None:
    late = next(
        c
        for c in evaluate(lot(enquiry_submitted=D(2023, 6, 2), initial_fee_settled=D(2023, 6, 1)))
        if c.check == "enquiry_timing"
    )
    assert late.status == "fail" and not late.blocking and late.paragraph == "para 7"
    assert status(lot(enquiry_submitted=D(2023, 5, 1), initial_fee_settled=D(2023, 6, 1)), "enquiry_timing") == "pass"


@pytest.mark.parametrize(
    ("option", "enquiry", "option_status", "enquiry_status"),
    [(D(2024, 2, 28), D(2024, 1, 26), "pass", "pass"), (D(2024, 2, 29), D(2024, 1, 27), "fail", "fail")],
)
def test_transitional_special_industrial_deadlines(
    option: dt.date, enquiry: dt.date, option_status: str, enquiry_status: str
) -> None:
    lt = lot(
        lot_user="special_industrial",
        transitional=True,
        option_submitted=option,
        enquiry_submitted=enquiry,
        pbto_accepted=D(2023, 11, 1),
    )
    assert status(lt, "option_timing") == option_status
    assert status(lt, "enquiry_timing") == enquiry_status
