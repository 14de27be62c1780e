"""Compare a lot as filed with the alternatives a surveyor can still choose before opting (docs/outputs.md).

Under PN 12/2023 the Option is irreversible (para 4), so is the alternative basis for C (para 5(iii)), and the
rates prevailing at acceptance of the PBTO apply (para 6). :func:`compare` prices, for each lot of a lot file:

- ``filed``: the lot as filed;
- ``use``: each single after-use the lot may take. Residential only where para 5(ii) allows it: a lot whose
  private residential use is prohibited gets its residential scenario shown as *not allowed*, not priced. A
  commercial or modern industrial scheme assumes the lease modification prohibits private residential use
  (otherwise 5(ii) prices all GFA at the residential rate). In a CDA or OU (commercial-cum-residential) zone the
  residential GFA stays as filed (5(ii) applies the residential rate to that GFA and the commercial/modern
  industrial rate to the remainder), and only the remainder changes use. Hotel GFA is commercial (5(ii)), so it
  gets no scenario of its own;
- ``c_basis``: C on the alternative basis of 5(iii), when the lot gives ``gfa_before_alternative_m2``;
- ``e``: with and without E, when the lot gives ``ga_cost_hkd`` (5(v): deducted only when conveyed);
- ``timing``: the filed mix and each single use with the PBTO acceptance moved into every loaded schedule whose
  period ends on or after the lot's PBTO date (or ``today`` when it has none), on the first day of that period;
- ``user``: named sets of lot file property overrides (``--scenarios FILE``).

Each scenario is assessed with :func:`lotrate.premium.assess.assess_lot`, so its verdict (``applicable``,
``not_applicable``, ``unverified``) is the assessment's own; ``not_allowed`` marks what the PN does not allow.
Scenarios are sorted by premium (unpriced ones last) with the difference to the filed case.

Examples
--------
>>> lot = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [114.2235, 22.311]},
...        "properties": {"lot_id": "KTIL 1", "pbto_accepted": "2024-02-15", "max_gfa_m2": 10000,
...                       "gfa_after_m2": {"commercial": 10000}, "private_residential_prohibited": True,
...                       "gfa_before_m2": {"industrial": 5000}, "lot_user": "industrial"}}
>>> c = compare(lot)[0]
>>> [s.name for s in c.scenarios]
['as filed', 'modern industrial only', 'residential only']
>>> [(s.verdict, s.premium_hkd) for s in c.scenarios]  # KE: 10,000 x 65,000 - 5,000 x 40,000 (paras 5, 6)
[('unverified', Decimal('450000000')), ('unverified', Decimal('450000000')), ('not_allowed', None)]
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import difflib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lotrate.errors import LotFileError, LotrateError
from lotrate.io.lotfile import LotFeature, read_features
from lotrate.premium.assess import Assessment, RatesArg, assess_lot, schedules_from
from lotrate.premium.lot import Lot, parse_lot
from lotrate.premium.rates import RateSchedule, schedule_for
from lotrate.resolution.layers import Layers, pick
from lotrate.results import provenance

if TYPE_CHECKING:
    import pandas as pd

#: Hong Kong has no daylight saving: its date is the UTC+8 date
HK_TZ = dt.timezone(dt.timedelta(hours=8), "HKT")
#: single after-uses priced (para 5(ii)); hotel is commercial under 5(ii), so it has no scenario of its own
SINGLE_USES = ("commercial", "modern_industrial", "residential")
#: verdicts of a scenario: the assessment's three, plus what the PN does not allow
VERDICTS = ("applicable", "unverified", "not_applicable", "not_allowed")
C_BASES = ("certificate", "alternative")

#: lot file v1 keys (docs/lot-file.md) a user scenario may override; areas also with the _ft2 suffix
_AREA_KEYS = ("max_gfa", "gfa_after", "gfa_before", "gfa_before_alternative", "ga_gfa", "ga_nofa")
OVERRIDE_KEYS = frozenset(
    {f"{k}_{u}" for k in _AREA_KEYS for u in ("m2", "ft2")}
    | {
        "address", "pbto_accepted", "private_residential_prohibited", "ozp_zone", "ga_cost_hkd", "ga_cost_conveyed",
        "lot_user", "building_completed", "plans_first_submitted", "wholesale_converted", "special_use_after",
        "option_submitted", "enquiry_submitted", "initial_fee_settled", "transitional", "bbto_issued",
        "bbto_accepted", "vacant_formerly_pre1987_ib", "c_basis",
    }
)
_FIXED_KEYS = ("lot_id", "geometry", "crs")


def hk_today() -> dt.date:
    """Today's date in Hong Kong (deadlines under the PN are Hong Kong dates)."""
    return dt.datetime.now(HK_TZ).date()


def lots_of(source: Any, crs: str | None = None) -> list[Lot]:
    """The parsed lots of a lot file path, GeoJSON dict, :class:`LotFeature`, :class:`Lot` or a list of them."""
    if isinstance(source, Lot):
        return [source]
    if isinstance(source, LotFeature):
        return [parse_lot(source)]
    if isinstance(source, (str, os.PathLike, dict)):
        return [parse_lot(f) for f in read_features(source if isinstance(source, dict) else Path(source), crs=crs)]
    if isinstance(source, (list, tuple)):
        return [lot for item in source for lot in lots_of(item, crs)]
    raise LotFileError(
        f"cannot read lots from a {type(source).__name__}; give a lot file path, a GeoJSON dict or a Lot"
    )


# --- results -------------------------------------------------------------------------------------------------


def _day(d: dt.date) -> str:
    return f"{d.day} {d:%B %Y}"


def _area_dict(split: Mapping[str, Decimal]) -> dict[str, float]:
    return {k: float(v.quantize(Decimal("0.01"))) for k, v in split.items()}


@dataclass(frozen=True)
class Scenario:
    """One alternative: what changes, the schedule it is priced at, its verdict and premium."""

    name: str
    kind: str  # "filed" | "use" | "c_basis" | "e" | "timing" | "user"
    schedule: str | None
    pbto_accepted: dt.date | None
    gfa_after_m2: dict[str, Decimal]
    residential_prohibited: bool | None
    c_basis: str  # "certificate" | "alternative"
    e_hkd: Decimal
    verdict: str
    premium_hkd: Decimal | None
    paragraph: str
    note: str = ""
    difference_hkd: Decimal | None = None
    same_as: tuple[str, ...] = ()
    assessment: Assessment | None = field(default=None, repr=False, compare=False)

    @property
    def priced(self) -> bool:
        return self.premium_hkd is not None

    def to_dict(self) -> dict[str, Any]:
        """The scenario object of the ``compare`` JSON (docs/outputs.md) plus a few extra keys."""
        return {
            "name": self.name,
            "schedule": self.schedule,
            "pbto_accepted": None if self.pbto_accepted is None else self.pbto_accepted.isoformat(),
            "gfa_after_m2": _area_dict(self.gfa_after_m2),
            "c_basis": self.c_basis,
            "verdict": self.verdict,
            "premium_hkd": None if self.premium_hkd is None else str(self.premium_hkd),
            "difference_hkd": None if self.difference_hkd is None else str(self.difference_hkd),
            "kind": self.kind,
            "filed": self.kind == "filed",
            "residential_prohibited": self.residential_prohibited,
            "e_hkd": str(self.e_hkd),
            "paragraph": self.paragraph,
            "note": self.note,
            "same_as": list(self.same_as),
        }


@dataclass(frozen=True)
class Comparison:
    """A lot as filed beside its alternatives, sorted by premium (unpriced last)."""

    lot_id: str
    address: str
    region_code: str
    district_lands_office: str
    base_date: dt.date | None
    scenarios: tuple[Scenario, ...]
    lot: Lot = field(repr=False, compare=False)

    @property
    def filed(self) -> Scenario:
        return next(s for s in self.scenarios if s.kind == "filed")

    @property
    def cheapest(self) -> Scenario | None:
        """The priced scenario with the lowest premium (``None`` when nothing could be priced)."""
        priced = [s for s in self.scenarios if s.priced]
        return priced[0] if priced else None

    def to_dict(self) -> dict[str, Any]:
        """The ``compare`` JSON object of one lot (docs/outputs.md) plus a few extra keys."""
        return {
            "lot_id": self.lot_id,
            "scenarios": [s.to_dict() for s in self.scenarios],
            "address": self.address,
            "region_code": self.region_code,
            "district_lands_office": self.district_lands_office,
            "base_date": None if self.base_date is None else self.base_date.isoformat(),
            "filed": self.filed.name,
            "versions": provenance(),
        }

    def to_frame(self) -> pd.DataFrame:
        """The scenarios as a table (one row each; premiums as floats, for charts)."""
        import pandas as pd

        rows = []
        for s in self.scenarios:
            d = s.to_dict()
            rows.append(
                {
                    "lot_id": self.lot_id,
                    "scenario": s.name,
                    "kind": s.kind,
                    "schedule": s.schedule,
                    "pbto_accepted": d["pbto_accepted"],
                    "c_basis": s.c_basis,
                    "verdict": s.verdict,
                    "premium_hkd": None if s.premium_hkd is None else float(s.premium_hkd),
                    "difference_hkd": None if s.difference_hkd is None else float(s.difference_hkd),
                    "paragraph": s.paragraph,
                }
            )
        return pd.DataFrame(rows)


# --- user scenarios ------------------------------------------------------------------------------------------


def load_scenarios(source: str | os.PathLike[str] | Mapping[str, Any] | list[Any]) -> dict[str, dict[str, Any]]:
    """Named sets of lot file property overrides, from a JSON file or an object already read.

    Either ``{"name": {"property": value, ...}, ...}`` or ``[{"name": ..., "properties": {...}}, ...]``.
    Keys are lot file v1 properties (docs/lot-file.md); a key that is not one, or that cannot change
    (``lot_id``, the geometry), is an error naming the nearest key.

    Examples
    --------
    >>> load_scenarios({"smaller": {"max_gfa_m2": 9000, "gfa_after_m2": {"commercial": 9000}}})
    {'smaller': {'max_gfa_m2': 9000, 'gfa_after_m2': {'commercial': 9000}}}
    >>> load_scenarios({"x": {"max_gfa": 1}})
    Traceback (most recent call last):
    ...
    lotrate.errors.LotFileError: scenario 'x': 'max_gfa' is not a lot file property; did you mean 'max_gfa_m2'?
    """
    where = "scenarios"
    data: Any = source
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        where = f"scenario file {str(path)!r}"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise LotFileError(f"{where} does not exist", field="scenarios", value=str(path)) from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise LotFileError(f"{where} is not valid JSON: {exc}", field="scenarios", value=str(path)) from None
    if isinstance(data, list):
        named: dict[str, Any] = {}
        for i, item in enumerate(data, start=1):
            if not isinstance(item, dict) or not isinstance(item.get("name"), str) or "properties" not in item:
                raise LotFileError(
                    f"{where}: item {i} must be an object with a text 'name' and an object 'properties'",
                    field="scenarios",
                    value=item,
                )
            if item["name"] in named:
                raise LotFileError(f"{where}: two scenarios are named {item['name']!r}", field="scenarios")
            named[item["name"]] = item["properties"]
        data = named
    if not isinstance(data, Mapping) or not data:
        raise LotFileError(
            f"{where}: give a JSON object of named scenarios, e.g. "
            '{"commercial 12,000 m2": {"max_gfa_m2": 12000, "gfa_after_m2": {"commercial": 12000}}}',
            field="scenarios",
        )
    out: dict[str, dict[str, Any]] = {}
    for name, props in data.items():
        if not str(name).strip():
            raise LotFileError(f"{where}: a scenario has an empty name", field="scenarios")
        if not isinstance(props, Mapping) or not props:
            raise LotFileError(
                f"{where}: scenario {name!r} must be a non-empty object of lot file properties to change",
                field="scenarios",
                value=props,
            )
        for key in props:
            if key in _FIXED_KEYS:
                raise LotFileError(f"scenario {name!r}: {key!r} cannot change in a scenario", field=key)
            if key not in OVERRIDE_KEYS:
                near = difflib.get_close_matches(str(key), sorted(OVERRIDE_KEYS), n=1, cutoff=0.6)
                hint = f"; did you mean {near[0]!r}?" if near else "; see the lot file format (docs/lot-file.md)"
                raise LotFileError(f"scenario {name!r}: {key!r} is not a lot file property{hint}", field=key)
        basis = props.get("c_basis")
        if basis is not None and basis not in C_BASES:
            raise LotFileError(f"scenario {name!r}: c_basis={basis!r}; give 'certificate' or 'alternative'",
                               field="c_basis", value=basis)
        out[str(name)] = dict(props)
    return out


# --- building the scenarios ----------------------------------------------------------------------------------


def _override(lot: Lot, overrides: Mapping[str, Any], label: str) -> Lot:
    """The lot with lot file properties replaced (``x_m2`` also drops ``x_ft2`` and the other way round)."""
    props = dict(lot.properties)
    for key, value in overrides.items():
        for suffix, other in (("_m2", "_ft2"), ("_ft2", "_m2")):
            if key.endswith(suffix):
                props.pop(key[: -len(suffix)] + other, None)
        props[key] = value
    try:
        return parse_lot(LotFeature(lot.lot_id, lot.geometry, lot.crs, props))
    except LotFileError as exc:
        raise LotFileError(f"{label}: {exc}", field=exc.field, value=exc.value) from None


def alternative_c(lot: Lot) -> dict[str, Decimal] | None:
    """C by use on the alternative basis of 5(iii) (``gfa_before_alternative_m2``), or ``None`` if not given."""
    given = getattr(lot, "gfa_before_alternative_m2", None)
    if given:
        return dict(given)
    props = lot.properties
    key = next((k for k in ("gfa_before_alternative_m2", "gfa_before_alternative_ft2") if props.get(k) is not None),
               None)
    if key is None:
        return None
    suffix = key.rsplit("_", 1)[1]
    try:
        parsed = _override(lot, {f"gfa_before_{suffix}": props[key]}, f"lot {lot.lot_id}")
    except LotFileError as exc:
        msg = str(exc).replace(f"gfa_before_{suffix}", key)
        raise LotFileError(msg, field=key, value=props[key]) from None
    return dict(parsed.gfa_before_m2) or None


def filed_c_basis(lot: Lot) -> str:
    """The basis for C the lot is filed on: ``certificate`` (5(iii), the AP/RPS Certificate) or ``alternative``."""
    chosen = getattr(lot, "c_basis", None) or lot.properties.get("c_basis")
    if chosen in C_BASES:
        return str(chosen)
    return "alternative" if not lot.gfa_before_m2 and alternative_c(lot) else "certificate"


def with_c_basis(lot: Lot, basis: str, certified: Mapping[str, Decimal] | None = None) -> Lot:
    """The lot priced with C on ``basis`` (5(iii)): ``gfa_before_m2`` holds the certified figures or the alternative
    ones, and ``c_basis`` says which. ``certified`` are the certified figures when ``lot`` no longer holds them."""
    fields = {f.name for f in dataclasses.fields(lot)}
    c = (alternative_c(lot) or {}) if basis == "alternative" else dict(
        lot.gfa_before_m2 if certified is None else certified)
    changes: dict[str, Any] = {"gfa_before_m2": c}
    if "c_basis" in fields:
        changes["c_basis"] = basis
    return dataclasses.replace(lot, properties=dict(lot.properties, c_basis=basis), **changes)


def verdict_of(a: Assessment) -> str:
    """The assessment's verdict (``applicable`` | ``not_applicable`` | ``unverified``)."""
    given = getattr(a, "verdict", None)
    if given in ("applicable", "not_applicable", "unverified"):
        return str(given)
    if any(c.status == "fail" and c.blocking for c in a.eligibility):
        return "not_applicable"
    if any(c.status == "unknown" and c.blocking for c in a.eligibility):
        return "unverified"
    return "applicable" if a.breakdown is not None else "unverified"


def premium_of(a: Assessment, verdict: str) -> Decimal | None:
    """The premium of an assessment, also when it rests on unknown checks (``unverified``)."""
    if verdict == "not_applicable":
        return None
    if a.premium_hkd is not None:
        return a.premium_hkd
    return a.breakdown.premium_hkd if a.breakdown is not None else None


@dataclass(frozen=True)
class _Plan:
    name: str
    kind: str
    lot: Lot
    date: dt.date | None  # the PBTO acceptance (or as-of) date it is priced at
    paragraph: str
    note: str = ""
    not_allowed: str = ""  # the reason, when the PN does not allow the scenario


def _residential_not_allowed(lot: Lot) -> str:
    if lot.private_residential_prohibited and lot.gfa_after_m2.get("residential"):
        return (f"{float(lot.gfa_after_m2['residential']):,.0f} m2 of residential GFA, but private residential use is "
                "prohibited (private_residential_prohibited): the PN does not allow the residential rate here")
    return ""


def _use_plans(lot: Lot, date: dt.date | None, suffix: str) -> list[_Plan]:
    """One scenario per single after-use the lot may take (para 5(ii))."""
    if lot.max_gfa_m2 is None:
        return []  # fn 6: no maximum GFA stipulated, nothing to split
    a = lot.max_gfa_m2 - lot.ga_gfa_m2  # para 5(i), fn 6
    plans = []
    if lot.cda_or_ou_cr:
        # para 5(ii): in a CDA / OU(CR) zone the residential rate applies to the residential GFA as filed and the
        # commercial/modern industrial rate to the remainder: only the remainder's use is a choice
        resi = Decimal(0) if lot.private_residential_prohibited else lot.gfa_after_m2.get("residential", Decimal(0))
        rest = a - resi
        for use in ("commercial", "modern_industrial"):
            split = {k: v for k, v in (("residential", resi), (use, rest)) if v > 0}
            label = use.replace("_", " ")
            plans.append(_Plan(
                f"{label} remainder{suffix}" if resi else f"{label} only{suffix}", "use",
                dataclasses.replace(lot, gfa_after_m2=split), date, "para 5(ii)",
                "CDA/OU(CR) zone: residential GFA as filed at the residential rate, the remainder "
                f"{label} (5(ii))" if resi else "",
            ))
        return plans
    for use in SINGLE_USES:
        label = use.replace("_", " ")
        if use == "residential":
            if lot.private_residential_prohibited:
                plans.append(_Plan(
                    f"{label} only{suffix}", "use", lot, date, "para 5(ii)",
                    not_allowed="private residential use is prohibited for this lot "
                    "(private_residential_prohibited): the PN does not allow a residential scheme at the "
                    "residential rate (5(ii))",
                ))
                continue
            changed = dataclasses.replace(lot, gfa_after_m2={"residential": a}, private_residential_prohibited=False)
            plans.append(_Plan(f"{label} only{suffix}", "use", changed, date, "para 5(ii)",
                               "residential rate on all GFA (5(ii))"))
            continue
        changed = dataclasses.replace(lot, gfa_after_m2={use: a}, private_residential_prohibited=True)
        note = "" if lot.private_residential_prohibited else (
            "assumes the lease modification prohibits private residential use; otherwise 5(ii) prices all GFA at "
            "the residential rate")
        plans.append(_Plan(f"{label} only{suffix}", "use", changed, date, "para 5(ii)", note))
    return plans


def _moved(lot: Lot, date: dt.date) -> Lot:
    return dataclasses.replace(lot, pbto_accepted=date) if lot.pbto_accepted is not None else lot


def _plans(given: Lot, schedules: tuple[RateSchedule, ...], today: dt.date,
           user: Mapping[str, Mapping[str, Any]]) -> list[_Plan]:
    base = given.pbto_accepted or today  # para 6: the rates prevailing at acceptance of the PBTO
    basis = filed_c_basis(given)
    lot = with_c_basis(given, basis) if basis == "alternative" else given  # C as filed (5(iii))
    plans = [_Plan("as filed", "filed", lot, base, "para 5", "")]
    plans += _use_plans(lot, base, "")
    if basis == "certificate" and alternative_c(given):
        plans.append(_Plan("C on the alternative basis", "c_basis", with_c_basis(given, "alternative"), base,
                           "para 5(iii)", "the choice of the alternative basis is irreversible, and LandsD determines "
                           "the figure (5(iii), fn 7)"))
    elif basis == "alternative" and given.gfa_before_m2 and given.gfa_before_m2 != lot.gfa_before_m2:
        plans.append(_Plan("C on the Certificate", "c_basis", with_c_basis(given, "certificate"), base, "para 5(iii)",
                           "C as certified by an Authorized Person or Registered Professional Surveyor on the "
                           "approved building plans (5(iii))"))
    if lot.ga_cost_hkd is not None:
        if lot.ga_cost_conveyed:
            plans.append(_Plan("without E", "e", dataclasses.replace(lot, ga_cost_conveyed=False), base, "para 5(v)",
                               "the Government Accommodation cost is deducted only if conveyed before the Option "
                               "deadline (5(v))"))
        else:
            plans.append(_Plan("with E", "e", dataclasses.replace(lot, ga_cost_conveyed=True), base, "para 5(v)",
                               "if the proponent department conveys the cost before the Option deadline (5(v))"))
    # para 6: the PBTO accepted in each later loaded schedule's period (on its first day), or in the current one
    filed_schedule = None
    with contextlib.suppress(LotrateError):
        filed_schedule = schedule_for(base, schedules)
    for s in schedules:
        if s.effective_to < base or s is filed_schedule:
            continue
        day = max(s.effective_from, base)
        suffix = f", PBTO on {day.isoformat()}"
        moved = _moved(lot, day)
        plans.append(_Plan(f"as filed{suffix}", "timing", moved, day, "para 6",
                           f"PBTO accepted on {_day(day)}: the rates of {s.id} prevail (para 6)"))
        plans += [dataclasses.replace(p, kind="timing", paragraph="paras 5(ii), 6")
                  for p in _use_plans(moved, day, suffix) if not p.not_allowed]
    for name, overrides in user.items():
        changed = _override(given, overrides, f"scenario {name!r}")
        if filed_c_basis(changed) == "alternative":
            changed = with_c_basis(changed, "alternative")
        plans.append(_Plan(name, "user", changed, changed.pbto_accepted or today, "user scenario",
                           "; ".join(f"{k}={v}" for k, v in overrides.items())))
    return plans


def _key(p: _Plan) -> tuple[Any, ...]:
    lot = p.lot
    return (
        tuple(sorted(lot.gfa_after_m2.items())), lot.private_residential_prohibited, lot.max_gfa_m2, lot.ga_gfa_m2,
        tuple(sorted(lot.gfa_before_m2.items())), lot.ga_cost_conveyed, lot.ga_cost_hkd, p.date,
        lot.special_use_after, lot.ozp_zone, p.not_allowed,
    )


def _price(p: _Plan, schedules: tuple[RateSchedule, ...], layers: Layers) -> Scenario:
    lot = p.lot
    reason = p.not_allowed or _residential_not_allowed(lot)
    e = lot.ga_cost_hkd if (lot.ga_cost_hkd is not None and lot.ga_cost_conveyed) else Decimal(0)

    def scenario(schedule: str | None, verdict: str, premium: Decimal | None, paragraph: str, note: str,
                 assessment: Assessment | None = None) -> Scenario:
        return Scenario(p.name, p.kind, schedule, p.date, dict(lot.gfa_after_m2), lot.private_residential_prohibited,
                        filed_c_basis(lot), e, verdict, premium, paragraph, note, assessment=assessment)

    if reason:
        try:
            schedule_id: str | None = schedule_for(p.date, schedules).id if p.date else None
        except LotrateError:
            schedule_id = None
        return scenario(schedule_id, "not_allowed", None, "para 5(ii)", reason)
    try:
        a = assess_lot(lot, schedules, layers, p.date)
    except LotrateError as exc:
        if p.kind == "filed":
            raise
        raise type(exc)(f"scenario {p.name!r}: {exc}") from None
    verdict = verdict_of(a)
    note = p.note
    if verdict == "not_applicable":
        why = "; ".join(a.reasons)
        note = f"{note}; not applicable: {why}" if note else f"not applicable: {why}"
    return scenario(None if a.rate_schedule is None else a.rate_schedule.id, verdict, premium_of(a, verdict),
                    p.paragraph, note, a)


def compare_lot(
    lot: Lot,
    schedules: tuple[RateSchedule, ...],
    layers: Layers,
    today: dt.date | None = None,
    scenarios: Mapping[str, Mapping[str, Any]] | None = None,
) -> Comparison:
    """Compare one parsed lot (the step :func:`compare` runs per lot; the report calls it too)."""
    today = today or hk_today()
    plans = _plans(lot, schedules, today, scenarios or {})
    seen: dict[tuple[Any, ...], int] = {}
    kept: list[_Plan] = []
    aliases: dict[int, list[str]] = {}
    for p in plans:
        k = _key(p)
        if k in seen and p.kind != "user":  # the same figures as an earlier scenario: named there, not repeated
            aliases.setdefault(seen[k], []).append(p.name)
            continue
        seen.setdefault(k, len(kept))
        kept.append(p)
    priced = [_price(p, schedules, layers) for p in kept]
    priced = [dataclasses.replace(s, same_as=tuple(aliases.get(i, ()))) for i, s in enumerate(priced)]
    filed = priced[0]
    out = []
    for s in priced:
        diff = None
        if s.premium_hkd is not None and filed.premium_hkd is not None:
            diff = s.premium_hkd - filed.premium_hkd
        out.append(dataclasses.replace(s, difference_hkd=diff))
    order = {id(s): i for i, s in enumerate(out)}
    out.sort(key=lambda s: (s.premium_hkd is None, s.premium_hkd or Decimal(0), VERDICTS.index(s.verdict),
                            order[id(s)]))
    res = filed.assessment.resolution if filed.assessment is not None else None
    return Comparison(
        lot_id=lot.lot_id,
        address=lot.address,
        region_code=res.region_code if res else "",
        district_lands_office=res.district_lands_office if res else "",
        base_date=lot.pbto_accepted or today,
        scenarios=tuple(out),
        lot=lot,
    )


def compare(
    source: Any,
    *,
    rates: RatesArg = None,
    layers: Layers | None = None,
    scenarios: str | os.PathLike[str] | Mapping[str, Any] | list[Any] | None = None,
    today: dt.date | None = None,
) -> list[Comparison]:
    """The lot(s) of ``source`` as filed beside their alternatives, one :class:`Comparison` per lot.

    Parameters
    ----------
    source : lot file path, GeoJSON dict, LotFeature or Lot
    rates : schedule path(s) or RateSchedule(s) loaded beside the built-in ones (their periods add timing scenarios)
    layers : the region and zone layers (default: the built-in ones)
    scenarios : user scenarios: a JSON file path or an object ``{name: {lot file property: value}}``
    today : the date that stands in for a missing ``pbto_accepted`` (default: today in Hong Kong)

    Raises
    ------
    LotrateError
        A lot cannot be read or priced as filed (e.g. no schedule covers its PBTO date).
    """
    user = load_scenarios(scenarios) if scenarios is not None else {}
    schedules = schedules_from(rates)
    lay = pick(layers)
    return [compare_lot(lot, schedules, lay, today, user) for lot in lots_of(source)]


def compare_all(
    lots: Iterable[Lot],
    schedules: tuple[RateSchedule, ...],
    layers: Layers,
    today: dt.date | None = None,
    scenarios: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[Comparison | LotrateError]:
    """Compare lot by lot; a lot that cannot be compared gives its error in its place (the CLI's exit 3)."""
    out: list[Comparison | LotrateError] = []
    for lot in lots:
        try:
            out.append(compare_lot(lot, schedules, layers, today, scenarios))
        except LotrateError as exc:
            out.append(exc)
    return out
