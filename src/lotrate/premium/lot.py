"""The lot file format v1 (docs/lot-file.md): parse and validate one application's properties.

Areas are square metres; any area may instead be given in square feet with an ``_ft2`` suffix (never both for
one field), converted exactly: 1 ft = 0.3048 m, so 1 ft2 = 0.09290304 m2. Every error names the field and
the value. A property that is not in the format but close to a key that is (``max_gfa``, ``gfa_after``,
``Max GFA m2``) is an error naming the right key; any other unknown property is kept, listed in
:attr:`Lot.unknown_keys` (the assessment turns it into a notice) and never changes a result. Properties are
also validated against the JSON Schema lotrate ships (``data/schema/lot.schema.json``, ``lotrate schema``).

Extensions to v1 (optional, never required): ``option_submitted``, ``enquiry_submitted``,
``initial_fee_settled`` (ISO dates, for the timing checks of paras 4 and 7), ``transitional`` (bool: an
on-going special-industrial application under para 10), ``bbto_issued``, ``bbto_accepted`` (ISO dates, para
10), ``vacant_formerly_pre1987_ib`` (bool, fn 2), ``ga_cost_conveyed`` (bool, default true when
``ga_cost_hkd`` is given, para 5(v)), ``gfa_before_alternative_m2`` (C on the alternative basis of 5(iii)).
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from lotrate._data import data_path
from lotrate.errors import LotFileError
from lotrate.io.lotfile import (
    AFTER_USES,
    AREA_FIELDS,
    BEFORE_USES,
    LOCATION_COLUMNS,
    SPLIT_FIELDS,
    LotFeature,
    flat_keys,
    format_keys,
    lot_properties,
)

#: 1 ft = 0.3048 m exactly (international foot), so 1 ft2 = 0.09290304 m2 exactly
M2_PER_FT2 = Decimal("0.09290304")
#: square feet per square metre, for display only (conversion multiplies by :data:`M2_PER_FT2`)
FT2_PER_M2 = Decimal(1) / M2_PER_FT2
#: PN 12/2023 fn 6: "the conversion ratio of the NOFA to GFA of the Government Accommodation is 1:1.8"
GA_NOFA_TO_GFA = Decimal("1.8")
USES_AFTER = AFTER_USES
USES_BEFORE = BEFORE_USES
INDUSTRIAL_USERS = ("industrial", "godown", "industrial_godown", "special_industrial", "unrestricted")
#: a split figure may differ from its exact share of A by rounding: at most half a unit of the last place a
#: surveyor writes (0.5 m2) per figure; beyond that the split disagrees with A (para 5(i): A governs)
SPLIT_ROUNDING_M2 = Decimal("0.5")
#: kept for callers of the old name
SPLIT_TOLERANCE_M2 = SPLIT_ROUNDING_M2
#: fields of the Lands Department lot layer and other GIS bookkeeping columns: never taken for typos
_GIS_COLUMNS = {
    "lotid", "lotcode", "lotnumber", "lotnumberalpha", "sectioncode", "lottype", "cislotdisplayname",
    "lotcodedisplay", "prn", "lotcsuid", "shape_area", "shape_length", "shape_leng", "objectid", "fid", "id",
}  # fmt: skip
#: what people write for a unit, and the suffix the format uses
_UNIT_SPELLINGS = {"m2": "m2", "sqm": "m2", "sq_m": "m2", "m²": "m2", "sqft": "ft2", "sq_ft": "ft2", "sf": "ft2",
                   "ft2": "ft2", "ft²": "ft2"}  # fmt: skip


def zone_rule(ozp_zone: str | None) -> str | None:
    """``"CDA"`` or ``"OU-CR"`` when an OZP zone takes the split rule of para 5(ii), else ``None``.

    Para 5(ii) names the zones "Comprehensive Development Area" and "Other Specified Uses" for
    commercial-cum-residential uses; Outline Zoning Plans number their sub-zones, so "CDA(1)", "CDA (2)",
    "OU(CR)", "OU (C/R) 1" and "OU(Commercial cum Residential)" are all of them.

    Examples
    --------
    >>> [zone_rule(z) for z in ("CDA(1)", "CDA (2)", "OU(CR)", "OU(Commercial cum Residential)", "OU(B)", "R(A)")]
    ['CDA', 'CDA', 'OU-CR', 'OU-CR', None, None]
    """
    if not ozp_zone:
        return None
    z = re.sub(r"[\s\-_/&.,\"']+", "", str(ozp_zone).upper())
    if re.fullmatch(r"(CDA|COMPREHENSIVEDEVELOPMENTAREA)(\(?[0-9A-Z]{1,3}\)?)?", z):
        return "CDA"
    m = re.fullmatch(r"(OU|OTHERSPECIFIEDUSES?)(.*)", z)
    if m:
        rest = m.group(2).replace("(", "").replace(")", "")
        rest = re.sub(r"^(FOR|ANNOTATED)", "", rest)
        if re.fullmatch(r"C(UM)?R\d*[A-Z]?", rest) or ("COMMERCIAL" in rest and "RESIDENTIAL" in rest):
            return "OU-CR"
    return None


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
    transitional: bool | None = None
    vacant_formerly_pre1987_ib: bool | None = None
    bbto_issued: dt.date | None = None
    bbto_accepted: dt.date | None = None
    gfa_before_alternative_m2: dict[str, Decimal] = field(default_factory=dict)
    unknown_keys: tuple[str, ...] = field(default=(), compare=False)
    properties: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def zone_rule(self) -> str | None:
        """``"CDA"`` / ``"OU-CR"`` when the OZP zone (any sub-zone) takes the split rule of para 5(ii)."""
        return zone_rule(self.ozp_zone)

    @property
    def cda_or_ou_cr(self) -> bool:
        """In a CDA or OU (commercial-cum-residential) zone, sub-zones included: the split rule of para 5(ii)."""
        return self.zone_rule is not None

    @property
    def a_m2(self) -> Decimal | None:
        """A: the maximum total GFA less Government Accommodation GFA (para 5(i), fn 6)."""
        return None if self.max_gfa_m2 is None else self.max_gfa_m2 - self.ga_gfa_m2


def _fail(field_name: str, value: object, why: str) -> LotFileError:
    return LotFileError(f"{field_name}={value!r}: {why}", field=field_name, value=value)


_THOUSANDS = re.compile(r"^\s*\d{1,3}(,\d{3})+(\.\d+)?\s*$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _number(props: dict[str, Any], name: str, lot: str) -> Decimal | None:
    value = props.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise _fail(name, value, f"lot {lot}: give a number")
    text = str(value).strip()
    if isinstance(value, str) and _THOUSANDS.match(text):
        text = text.replace(",", "")
    try:
        d = Decimal(text)
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
        return None if v is None else v * M2_PER_FT2  # 1 ft = 0.3048 m exactly
    return _number(props, m2, lot)


def _split(props: dict[str, Any], name: str, allowed: tuple[str, ...], lot: str) -> dict[str, Decimal]:
    m2, ft2 = f"{name}_m2", f"{name}_ft2"
    if props.get(m2) is not None and props.get(ft2) is not None:
        raise _fail(m2, props[m2], f"lot {lot}: given both as {m2} and {ft2}; give one")
    key, factor = (ft2, M2_PER_FT2) if props.get(ft2) is not None else (m2, Decimal(1))
    raw = props.get(key)
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise _fail(key, raw, f"lot {lot}: give an object of use: area, e.g. {{\"{allowed[0]}\": 1000}}")
    out: dict[str, Decimal] = {}
    for use, value in raw.items():
        if use not in allowed:
            hint = difflib.get_close_matches(str(use), allowed, n=1, cutoff=0.6)
            raise _fail(
                f"{key}.{use}",
                value,
                f"lot {lot}: unknown use {use!r}"
                + (f" (did you mean {hint[0]!r}?)" if hint else "")
                + f"; expected one of {', '.join(allowed)}",
            )
        v = _number({f"{key}.{use}": value}, f"{key}.{use}", lot)
        if v is not None and v > 0:
            out[use] = v * factor
    return out


def _date(props: dict[str, Any], name: str, lot: str) -> dt.date | None:
    value = props.get(name)
    if value is None:
        return None
    text = str(value).strip()
    try:
        if not _ISO_DATE.match(text):
            raise ValueError(text)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise _fail(name, value, f"lot {lot}: not a date in YYYY-MM-DD form") from None


def _bool(props: dict[str, Any], name: str, lot: str) -> bool | None:
    value = props.get(name)
    if value is None or isinstance(value, bool):
        return value
    raise _fail(name, value, f"lot {lot}: give true or false")


def _text(props: dict[str, Any], name: str, lot: str) -> str | None:
    value = props.get(name)
    if value is None or isinstance(value, str):
        return value
    raise _fail(name, value, f"lot {lot}: give a text")


@lru_cache(maxsize=1)
def _known() -> tuple[frozenset[str], dict[str, str]]:
    """Known keys, and the stem (key less its unit) of every area key."""
    keys = frozenset(format_keys()) | frozenset(flat_keys())
    stems = {k.rsplit("_", 1)[0]: k for k in keys if k.endswith("_m2")}
    return keys, stems


def _norm(key: str) -> str:
    return re.sub(r"[\s\-.]+", "_", key.strip().lower()).strip("_")


def close_key(key: str) -> str | None:
    """The format key a property name is a typo of, or ``None`` when it is not close to any.

    Examples
    --------
    >>> close_key("max_gfa"), close_key("gfa_after"), close_key("Max GFA m2"), close_key("gfa_after_sqft")
    ('max_gfa_m2', 'gfa_after_m2', 'max_gfa_m2', 'gfa_after_ft2')
    >>> close_key("pbto_acepted"), close_key("owner"), close_key("LOTID")
    ('pbto_accepted', None, None)
    """
    keys, stems = _known()
    if key in keys:
        return None
    n = _norm(key)
    if n in _GIS_COLUMNS or n in LOCATION_COLUMNS:
        return None
    if n in keys:
        return n
    if n in stems:
        return stems[n]
    for spelling, unit in _UNIT_SPELLINGS.items():
        if n.endswith("_" + spelling) and n[: -len(spelling) - 1] in stems:
            return f"{n[: -len(spelling) - 1]}_{unit}"
    hit = difflib.get_close_matches(n, sorted(keys), n=1, cutoff=0.86)
    return hit[0] if hit else None


def check_keys(props: dict[str, Any], lot: str) -> tuple[str, ...]:
    """Raise for a property close to a format key (naming the right key); return the other unknown keys."""
    keys, _ = _known()
    unknown = []
    for key in props:
        if key in keys:
            continue
        right = close_key(str(key))
        if right is not None:
            raise LotFileError(
                f"{key}={props[key]!r}: lot {lot}: {key!r} is not a lot file key; did you mean {right!r}? "
                "(lotrate schema lists every key)",
                field=str(key),
                value=props[key],
            )
        unknown.append(str(key))
    return tuple(unknown)


@lru_cache(maxsize=1)
def lot_schema() -> dict[str, Any]:
    """The JSON Schema of lot file format v1 that lotrate ships (``data/schema/lot.schema.json``)."""
    return json.loads(data_path("schema", "lot.schema.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=2)
def _validator(part: str) -> Any:
    import jsonschema

    schema = lot_schema()
    target = schema if part == "" else {**schema, "$ref": f"#/$defs/{part}", "oneOf": None}
    target = {k: v for k, v in target.items() if v is not None}
    return jsonschema.Draft202012Validator(target, format_checker=jsonschema.FormatChecker())


def schema_errors(doc: dict[str, Any], part: str = "") -> list[str]:
    """Where ``doc`` breaks the lot file schema (``part="properties"``: one feature's properties), one line each.

    Examples
    --------
    >>> schema_errors({"lot_id": "X", "max_gfa_m2": -1}, part="properties")
    ['max_gfa_m2: -1 is less than the minimum of 0']
    """
    out = []
    for err in sorted(_validator(part).iter_errors(doc), key=lambda e: list(map(str, e.absolute_path))):
        where = ".".join(str(p) for p in err.absolute_path) or "(document)"
        out.append(f"{where}: {err.message}")
    return out


def _schema_check(props: dict[str, Any], lot: str) -> None:
    import jsonschema

    errors = list(_validator("properties").iter_errors(props))
    if errors:
        err = jsonschema.exceptions.best_match(errors)
        where = ".".join(str(p) for p in err.absolute_path) or "properties"
        value = err.instance
        raise LotFileError(f"{where}={value!r}: lot {lot}: {err.message} (lot file schema)", field=where, value=value)


def check_a_governs(after: dict[str, Decimal], a: Decimal, lot: str, unit: str = "m2") -> None:
    """Para 5(i): A governs; a split of A by use must add up to A, up to rounding of its figures."""
    total = sum(after.values(), Decimal(0))
    if abs(total - a) > SPLIT_ROUNDING_M2 * len(after):
        raise _fail(
            "gfa_after_m2" if unit == "m2" else "gfa_after_ft2",
            {k: float(v) for k, v in after.items()},
            f"lot {lot}: the uses add up to {total:,.3f} m2, but A (max_gfa_m2 less Government Accommodation) is "
            f"{a:,.3f} m2, {abs(total - a):,.3f} m2 apart, more than rounding; A governs (PN 12/2023 para 5(i), "
            "fn 6): correct the split or max_gfa_m2",
        )


def parse_lot(feature: LotFeature) -> Lot:
    """Validate a lot file feature and return a :class:`Lot`.

    Examples
    --------
    >>> from lotrate.io.lotfile import read_features
    >>> feat = read_features({"type": "Feature", "geometry": {"type": "Point", "coordinates": [114.2235, 22.311]},
    ...     "properties": {"lot_id": "KTIL 713", "max_gfa_ft2": 100000, "gfa_after_m2": {"commercial": 9290.304}}})[0]
    >>> parse_lot(feat).max_gfa_m2  # 100,000 ft2 x 0.09290304
    Decimal('9290.30400000')
    """
    lot = feature.lot_id
    props = lot_properties(feature.properties) if _has_flat(feature.properties) else dict(feature.properties)
    unknown = check_keys(props, lot)
    max_gfa = _area(props, "max_gfa", lot)
    ga_gfa = _area(props, "ga_gfa", lot)
    ga_nofa = _area(props, "ga_nofa", lot)
    if ga_gfa is not None and ga_nofa is not None:
        raise _fail("ga_nofa_m2", props.get("ga_nofa_m2", props.get("ga_nofa_ft2")),
                    f"lot {lot}: give the Government Accommodation as GFA or as NOFA, not both")
    # fn 6: NOFA to GFA of the Government Accommodation at 1:1.8
    ga = ga_gfa if ga_gfa is not None else (ga_nofa * GA_NOFA_TO_GFA if ga_nofa is not None else Decimal(0))
    after = _split(props, "gfa_after", USES_AFTER, lot)
    before = _split(props, "gfa_before", USES_BEFORE, lot)
    alternative = _split(props, "gfa_before_alternative", USES_BEFORE, lot)
    if max_gfa is not None:
        if ga > max_gfa:
            raise _fail("ga_gfa_m2", float(ga), f"lot {lot}: Government Accommodation GFA exceeds max_gfa_m2={max_gfa}")
        if after:
            check_a_governs(after, max_gfa - ga, lot, "ft2" if props.get("gfa_after_ft2") is not None else "m2")
    lot_user = _text(props, "lot_user", lot)
    conveyed = _bool(props, "ga_cost_conveyed", lot)
    ga_cost = _number(props, "ga_cost_hkd", lot)
    parsed = Lot(
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
        lot_user=lot_user.strip().lower().replace(" ", "_").replace("/", "_") if lot_user else lot_user,
        building_completed=_date(props, "building_completed", lot),
        plans_first_submitted=_date(props, "plans_first_submitted", lot),
        wholesale_converted=_bool(props, "wholesale_converted", lot),
        special_use_after=_text(props, "special_use_after", lot),
        special_use_after_given="special_use_after" in props,
        option_submitted=_date(props, "option_submitted", lot),
        enquiry_submitted=_date(props, "enquiry_submitted", lot),
        initial_fee_settled=_date(props, "initial_fee_settled", lot),
        transitional=_bool(props, "transitional", lot),
        vacant_formerly_pre1987_ib=_bool(props, "vacant_formerly_pre1987_ib", lot),
        bbto_issued=_date(props, "bbto_issued", lot),
        bbto_accepted=_date(props, "bbto_accepted", lot),
        gfa_before_alternative_m2=alternative,
        unknown_keys=unknown,
        properties=dict(props),
    )
    # the shipped schema is the format's contract: a lot the parser accepts must also pass it
    _schema_check(_plain({**props, "lot_id": lot}), lot)
    return parsed


def _plain(value: Any) -> Any:
    """JSON values for the schema check (a ``Decimal`` given through the Python API counts as a number)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, Decimal):
        return float(value)
    return value


def _has_flat(props: dict[str, Any]) -> bool:
    return any(k.startswith(("gfa_after_", "gfa_before_")) and k.count("_") >= 3 for k in map(str, props)) and any(
        k in set(flat_keys()) for k in map(str, props)
    )


__all__ = ["AREA_FIELDS", "SPLIT_FIELDS", "Lot", "close_key", "lot_schema", "parse_lot", "schema_errors", "zone_rule"]
