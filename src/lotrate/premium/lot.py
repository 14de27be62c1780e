"""The lot file format v1 (DESIGN section 6): parse and validate one application's properties.

Areas are square metres; any area may instead be given in square feet with an ``_ft2`` suffix (never both for
one field) and is converted with 1 m2 = 10.7639104 ft2. Every error names the field and the value.

Extensions to v1 (optional, never required): ``option_submitted``, ``enquiry_submitted``,
``initial_fee_settled`` (ISO dates, for the timing checks of paras 4 and 7), ``transitional`` (bool: an
on-going special-industrial application under para 10), ``vacant_formerly_pre1987_ib`` (bool, fn 2),
``ga_cost_conveyed`` (bool, default true when ``ga_cost_hkd`` is given, para 5(v)).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from lotrate.errors import LotFileError
from lotrate.io.lotfile import LotFeature

FT2_PER_M2 = Decimal("10.7639104")
#: fn 6: NOFA of Government Accommodation to GFA, 1:1.8
GA_NOFA_TO_GFA = Decimal("1.8")
USES_AFTER = ("residential", "commercial", "modern_industrial", "hotel")
USES_BEFORE = ("industrial", "special_industrial")
INDUSTRIAL_USERS = ("industrial", "godown", "industrial_godown", "special_industrial", "unrestricted")
#: "OU" for commercial-cum-residential uses: spellings seen on OZPs and in lot files
CDA_OU_CR = ("CDA", "OU-CR", "OU(CR)", "OU(C/R)", "OU(COMMERCIAL-CUM-RESIDENTIAL)")
#: tolerance when checking that the use split adds up to A (m2), for figures converted from ft2
SPLIT_TOLERANCE_M2 = Decimal("0.5")


@dataclass(frozen=True)
class Lot:
    """One application as read from a lot file; areas in m2, money in HK$, all ``Decimal``."""

    lot_id: str
    geometry: dict[str, Any]
    crs: str
    address: str = ""
    pbto_accepted: dt.date | None = None
    max_gfa_m2: Decimal | None = None
    gfa_after_m2: dict[str, Decimal] = field(default_factory=dict)
    private_residential_prohibited: bool | None = None
    ozp_zone: str = ""
    ga_gfa_m2: Decimal = Decimal(0)
    ga_cost_hkd: Decimal | None = None
    ga_cost_conveyed: bool = False
    gfa_before_m2: dict[str, Decimal] = field(default_factory=dict)
    lot_user: str | None = None
    building_completed: dt.date | None = None
    plans_first_submitted: dt.date | None = None
    wholesale_converted: bool | None = None
    special_use_after: str | None = None
    special_use_after_given: bool = False
    option_submitted: dt.date | None = None
    enquiry_submitted: dt.date | None = None
    initial_fee_settled: dt.date | None = None
    transitional: bool = False
    vacant_formerly_pre1987_ib: bool | None = None
    properties: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def cda_or_ou_cr(self) -> bool:
        """In a CDA or OU (commercial-cum-residential) zone: the split rule of para 5(ii) applies."""
        return self.ozp_zone.strip().upper().replace(" ", "") in CDA_OU_CR


def _fail(field_name: str, value: object, why: str) -> LotFileError:
    return LotFileError(f"{field_name}={value!r}: {why}", field=field_name, value=value)


def _number(props: dict[str, Any], name: str, lot: str) -> Decimal | None:
    value = props.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise _fail(name, value, f"lot {lot}: give a number")
    try:
        d = Decimal(str(value))
    except InvalidOperation:
        raise _fail(name, value, f"lot {lot}: not a number") from None
    if not d.is_finite():
        raise _fail(name, value, f"lot {lot}: not a finite number")
    if d < 0:
        raise _fail(name, value, f"lot {lot}: must not be negative")
    return d


def _area(props: dict[str, Any], name: str, lot: str) -> Decimal | None:
    """An area in m2 from ``name_m2`` or ``name_ft2`` (never both)."""
    m2, ft2 = f"{name}_m2", f"{name}_ft2"
    if props.get(m2) is not None and props.get(ft2) is not None:
        raise _fail(m2, props[m2], f"lot {lot}: given both as {m2} and {ft2}={props[ft2]!r}; give one")
    if props.get(ft2) is not None:
        v = _number(props, ft2, lot)
        return None if v is None else v / FT2_PER_M2
    return _number(props, m2, lot)


def _split(props: dict[str, Any], name: str, allowed: tuple[str, ...], lot: str) -> dict[str, Decimal]:
    m2, ft2 = f"{name}_m2", f"{name}_ft2"
    if props.get(m2) is not None and props.get(ft2) is not None:
        raise _fail(m2, props[m2], f"lot {lot}: given both as {m2} and {ft2}; give one")
    key, factor = (ft2, FT2_PER_M2) if props.get(ft2) is not None else (m2, Decimal(1))
    raw = props.get(key)
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise _fail(key, raw, f"lot {lot}: give an object of use: area, e.g. {{\"{allowed[0]}\": 1000}}")
    out: dict[str, Decimal] = {}
    for use, value in raw.items():
        if use not in allowed:
            raise _fail(f"{key}.{use}", value, f"lot {lot}: unknown use {use!r}; expected one of {', '.join(allowed)}")
        v = _number({f"{key}.{use}": value}, f"{key}.{use}", lot)
        if v is not None and v > 0:
            out[use] = v / factor
    return out


def _date(props: dict[str, Any], name: str, lot: str) -> dt.date | None:
    value = props.get(name)
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise _fail(name, value, f"lot {lot}: not a date in YYYY-MM-DD form") from None


def _bool(props: dict[str, Any], name: str, lot: str) -> bool | None:
    value = props.get(name)
    if value is None or isinstance(value, bool):
        return value
    raise _fail(name, value, f"lot {lot}: give true or false")


def parse_lot(feature: LotFeature) -> Lot:
    """Validate a lot file feature and return a :class:`Lot`.

    Examples
    --------
    >>> from lotrate.io.lotfile import read_features
    >>> feat = read_features({"type": "Feature", "geometry": {"type": "Point", "coordinates": [114.2235, 22.311]},
    ...     "properties": {"lot_id": "KTIL 713", "max_gfa_ft2": 107639.104, "gfa_after_m2": {"commercial": 10000}}})[0]
    >>> parse_lot(feat).max_gfa_m2 == 10000  # 107,639.104 ft2
    True
    """
    props = feature.properties
    lot = feature.lot_id
    max_gfa = _area(props, "max_gfa", lot)
    ga_gfa = _area(props, "ga_gfa", lot)
    ga_nofa = _area(props, "ga_nofa", lot)
    if ga_gfa is not None and ga_nofa is not None:
        raise _fail("ga_nofa_m2", props.get("ga_nofa_m2", props.get("ga_nofa_ft2")),
                    f"lot {lot}: give the Government Accommodation as GFA or as NOFA, not both")
    ga = ga_gfa if ga_gfa is not None else (ga_nofa * GA_NOFA_TO_GFA if ga_nofa is not None else Decimal(0))
    after = _split(props, "gfa_after", USES_AFTER, lot)
    before = _split(props, "gfa_before", USES_BEFORE, lot)
    if max_gfa is not None:
        if ga > max_gfa:
            raise _fail("ga_gfa_m2", float(ga), f"lot {lot}: Government Accommodation GFA exceeds max_gfa_m2={max_gfa}")
        if after and abs(sum(after.values()) - (max_gfa - ga)) > SPLIT_TOLERANCE_M2:
            raise _fail(
                "gfa_after_m2",
                {k: float(v) for k, v in after.items()},
                f"lot {lot}: the uses add up to {float(sum(after.values())):,.2f} m2, but max_gfa_m2 less "
                f"Government Accommodation is {float(max_gfa - ga):,.2f} m2 (para 5(i), fn 6)",
            )
    lot_user = props.get("lot_user")
    if lot_user is not None and not isinstance(lot_user, str):
        raise _fail("lot_user", lot_user, f"lot {lot}: give a text such as 'industrial'")
    conveyed = _bool(props, "ga_cost_conveyed", lot)
    ga_cost = _number(props, "ga_cost_hkd", lot)
    return Lot(
        lot_id=lot,
        geometry=feature.geometry,
        crs=feature.crs,
        address=str(props.get("address") or ""),
        pbto_accepted=_date(props, "pbto_accepted", lot),
        max_gfa_m2=max_gfa,
        gfa_after_m2=after,
        private_residential_prohibited=_bool(props, "private_residential_prohibited", lot),
        ozp_zone=str(props.get("ozp_zone") or ""),
        ga_gfa_m2=ga,
        ga_cost_hkd=ga_cost,
        ga_cost_conveyed=(ga_cost is not None) if conveyed is None else conveyed,
        gfa_before_m2=before,
        lot_user=lot_user,
        building_completed=_date(props, "building_completed", lot),
        plans_first_submitted=_date(props, "plans_first_submitted", lot),
        wholesale_converted=_bool(props, "wholesale_converted", lot),
        special_use_after=props.get("special_use_after"),
        special_use_after_given="special_use_after" in props,
        option_submitted=_date(props, "option_submitted", lot),
        enquiry_submitted=_date(props, "enquiry_submitted", lot),
        initial_fee_settled=_date(props, "initial_fee_settled", lot),
        transitional=bool(_bool(props, "transitional", lot)),
        vacant_formerly_pre1987_ib=_bool(props, "vacant_formerly_pre1987_ib", lot),
        properties=dict(props),
    )
