"""Assess a lot: where it lies, whether the scheme applies, and the premium at standard rates.

``assess`` takes one application (a lot file Feature, a path, a dict or a parsed :class:`~lotrate.premium.lot.Lot`);
``assess_all`` takes a FeatureCollection and gives one assessment per feature; ``assess_each`` answers lot by
lot, a :class:`LotFailure` for a lot that cannot be assessed; ``assess_frame`` assesses every row of a layer.
Spreadsheets (``.csv``, ``.xlsx``, a row per lot with flat columns) are read wherever a path is accepted.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import shapely

from lotrate.errors import CRSError, LotFileError, LotrateError
from lotrate.io.lotfile import LotFeature, lot_properties, read_features, read_lots, row_properties
from lotrate.premium.eligibility import TRANSITIONAL_AS_OF, Check, evaluate, is_transitional, routes_of
from lotrate.premium.formula import PremiumBreakdown, compute_premium
from lotrate.premium.lot import Lot, parse_lot
from lotrate.premium.rates import (
    PN_12_2023,
    Instrument,
    RateSchedule,
    instrument_for,
    load_schedule,
    schedule_for,
    schedule_set,
)
from lotrate.resolution.frame import lot_ids, notes_text
from lotrate.resolution.layers import Layers, pick
from lotrate.resolution.lots import resolve_geometry
from lotrate.results import STRADDLE_MIN_SHARE, Notice, RegionShare, Resolution, ZoneHit, html_view, provenance

if TYPE_CHECKING:
    import geopandas as gpd

    from lotrate.index.regions import RegionIndex
    from lotrate.index.zones import ZoneIndex

RatesArg = str | os.PathLike[str] | RateSchedule | Iterable[str | os.PathLike[str] | RateSchedule] | None

VERDICTS = ("applicable", "not_applicable", "unverified")
#: lotrate's reading of paras 6 and 10 for a transitional case, stated in every such assessment
TRANSITIONAL_READING = (
    "para 10 transitional case: priced with the table in force on 28 December 2023, the date of PN 12/2023 "
    "({schedule}), not a table at the PBTO acceptance (para 6): the PBTO was accepted before any table with "
    "special industrial rates, and the Option is made under PN 12/2023 by 28 February 2024, within that table's "
    "period. This is lotrate's reading of paras 6 and 10; LandsD decides"
)


@dataclass(frozen=True)
class Assessment:
    """The outcome for one lot: location, eligibility, schedule and premium, with every step shown.

    ``verdict`` is ``applicable`` (every blocking check passed), ``not_applicable`` (one failed; ``instead``
    says where the lot goes) or ``unverified`` (none failed, at least one unknown: the premium is computed, as
    an estimate). ``applicable`` is true, false or ``None`` (unverified) accordingly.
    """

    lot: Lot
    resolution: Resolution
    eligibility: tuple[Check, ...]
    verdict: str
    rate_schedule: RateSchedule | None
    breakdown: PremiumBreakdown | None
    warnings: tuple[Notice, ...]
    instrument: Instrument | None = None
    readings: tuple[str, ...] = ()

    @property
    def applicable(self) -> bool | None:
        """True for verdict ``applicable``, false for ``not_applicable``, ``None`` for ``unverified``."""
        return {"applicable": True, "not_applicable": False}.get(self.verdict)

    @property
    def lot_id(self) -> str:
        return self.lot.lot_id

    @property
    def region_code(self) -> str:
        return self.resolution.region_code

    @property
    def district(self) -> str:
        return self.resolution.district

    @property
    def zones(self) -> tuple[ZoneHit, ...]:
        return self.resolution.zones

    @property
    def premium_hkd(self) -> Decimal | None:
        """The premium (an estimate when unverified or apportioned); ``None`` when not applicable or unpriced."""
        if self.breakdown is None or self.verdict == "not_applicable":
            return None
        return self.breakdown.premium_hkd

    @property
    def premium_range_hkd(self) -> tuple[Decimal, Decimal] | None:
        """For a lot straddling regions: the premium under the cheapest and dearest region it touches (para 6)."""
        return None if self.premium_hkd is None or self.breakdown is None else self.breakdown.premium_range

    @property
    def premium_is_estimate(self) -> bool:
        """True when the premium rests on unknown checks or on an apportionment across regions."""
        return self.premium_hkd is not None and (
            self.verdict == "unverified" or bool(self.breakdown and self.breakdown.estimate)
        )

    @property
    def reasons(self) -> tuple[str, ...]:
        """Why the scheme does not apply (the failed blocking checks)."""
        return tuple(c.reason for c in self.eligibility if c.status == "fail" and c.blocking)

    @property
    def unverified_checks(self) -> tuple[str, ...]:
        """The blocking checks left unknown (an ``unverified`` verdict rests on them)."""
        return tuple(c.check for c in self.eligibility if c.status == "unknown" and c.blocking)

    @property
    def instead(self) -> list[dict[str, str]]:
        """Where a not-applicable lot goes instead (case-by-case, NDA or Pilot Scheme rates, HKSTP), with paragraph."""
        return routes_of(self.eligibility) if self.verdict == "not_applicable" else []

    @property
    def verdict_text(self) -> str:
        """The verdict in one sentence."""
        if self.verdict == "applicable":
            return "the scheme applies: every blocking check passed"
        if self.verdict == "unverified":
            return ("unverified: no check failed, but these are unknown and must pass: "
                    + ", ".join(self.unverified_checks) + "; the premium is an estimate")
        goes = "; ".join(f"{r['label']} ({r['paragraph']})" for r in self.instead)
        return f"not applicable: {'; '.join(self.reasons)}" + (f". Instead: {goes}" if goes else "")

    def to_dict(self) -> dict[str, Any]:
        """The ``assess`` JSON object (docs/outputs.md) plus a few extra keys."""
        rng = self.premium_range_hkd
        return {
            "lot_id": self.lot_id,
            "region_code": self.region_code,
            "district": self.district,
            "zones": [z.to_dict() for z in self.zones],
            "rate_schedule": None if self.rate_schedule is None else self.rate_schedule.id,
            "verdict": self.verdict,
            "applicable": self.applicable,
            "eligibility": [c.to_dict() for c in self.eligibility],
            "premium_hkd": None if self.premium_hkd is None else str(self.premium_hkd),
            "breakdown": None if self.breakdown is None else self.breakdown.to_dict(),
            "warnings": [w.to_dict() for w in self.warnings],
            "address": self.lot.address,
            "region_name": self.resolution.region_name,
            "district_lands_office": self.resolution.district_lands_office,
            "rate_schedule_detail": None if self.rate_schedule is None else self.rate_schedule.to_dict(),
            "reasons": list(self.reasons),
            "resolution": self.resolution.to_dict(),
            "versions": provenance(),
            "verdict_text": self.verdict_text,
            "instead": self.instead,
            "unverified_checks": list(self.unverified_checks),
            "premium_is_estimate": self.premium_is_estimate,
            "premium_range_hkd": None if rng is None else [str(x) for x in rng],
            "instrument": None if self.instrument is None else self.instrument.name,
            "readings": list(self.readings),
            "unknown_properties": list(self.lot.unknown_keys),
        }

    def _repr_html_(self) -> str:  # Jupyter rich view, drawn by lotrate.render.jupyter through the registry
        return html_view(self)


@dataclass(frozen=True)
class LotFailure:
    """A lot of a collection that could not be assessed: its id and the error (docs/outputs.md)."""

    lot_id: str
    error: str
    exception: LotrateError

    verdict = None
    applicable = None

    def to_dict(self) -> dict[str, Any]:
        return {"lot_id": self.lot_id, "error": self.error}


def schedules_from(rates: RatesArg) -> tuple[RateSchedule, ...]:
    """Built-in, ``LOTRATE_RATES`` and ``rates`` schedules (paths or :class:`RateSchedule` objects)."""
    if rates is None:
        return schedule_set()
    items = [rates] if isinstance(rates, (str, os.PathLike, RateSchedule)) else list(rates)
    loaded = [r if isinstance(r, RateSchedule) else load_schedule(r) for r in items]
    return schedule_set(loaded)


def _priced_shares(res: Resolution) -> list[RegionShare]:
    """The primary region and any straddle share above 0.5 % (a sliver below that is not apportioned)."""
    keep = [s for s in res.shares if s.code == res.region_code or s.share > STRADDLE_MIN_SHARE]
    return keep or [RegionShare(res.region_code, res.region_name, 1.0)]


def _verdict(checks: list[Check]) -> str:
    if any(c.status == "fail" and c.blocking for c in checks):
        return "not_applicable"
    if any(c.status == "unknown" and c.blocking for c in checks):
        return "unverified"
    return "applicable"


def assess_lot(
    lot: Lot,
    schedules: tuple[RateSchedule, ...],
    layers: Layers,
    as_of: dt.date | None,
) -> Assessment:
    """Assess one parsed lot against ``schedules`` and ``layers`` (the step every public entry point shares)."""
    if not lot.geometry:
        raise LotFileError(f"lot {lot.lot_id} has no location: give a point or boundary (or x/y columns)",
                           field="geometry", value=None)
    res = resolve_geometry(lot.geometry, lot.crs, layers=layers)
    warnings = list(res.warnings)
    readings: list[str] = []
    transitional = is_transitional(lot)
    schedule = None
    if transitional:
        # para 10: the case is under PN 12/2023 whatever its PBTO date; the table is our reading (stated)
        instrument = PN_12_2023
        schedule = schedule_for(TRANSITIONAL_AS_OF, schedules)
        readings.append(TRANSITIONAL_READING.format(schedule=schedule.id))
        warnings.append(Notice("transitional_rates", readings[-1]))
    else:
        day = lot.pbto_accepted or as_of
        instrument = instrument_for(day)
        if day is None:
            warnings.append(Notice("no_date", "no pbto_accepted date (para 6): give it, or an as_of date, to price it"))
        else:
            schedule = schedule_for(day, schedules)
            if lot.pbto_accepted is None:
                warnings.append(
                    Notice("as_of", f"no pbto_accepted date: rates as of {day.isoformat()} ({schedule.id})")
                )
    checks = list(evaluate(lot, res, instrument=instrument, transitional=transitional))
    verdict = _verdict(checks)
    breakdown = None
    if verdict != "not_applicable" and schedule is not None:
        breakdown = compute_premium(lot, _priced_shares(res), schedule)
        unknown = [c.check for c in checks if c.status == "unknown" and c.blocking]
        if unknown:
            warnings.append(
                Notice(
                    "unverified",
                    "premium computed as an estimate, but these checks are unknown and must pass for "
                    f"the scheme to apply: {', '.join(unknown)}",
                )
            )
        if breakdown.estimate:
            warnings.append(Notice("estimate", breakdown.notes[-1]))
    if lot.unknown_keys:
        warnings.append(
            Notice(
                "unknown_properties",
                "properties not in the lot file format, kept but not used: " + ", ".join(lot.unknown_keys),
            )
        )
    warnings.append(
        Notice(
            "not_determination",
            "an estimate at standard rates, not LandsD's determination: LandsD's "
            "decisions on eligibility, GFA and region are final (paras 5, 12)",
        )
    )
    return Assessment(lot, res, tuple(checks), verdict, schedule, breakdown, tuple(warnings), instrument,
                      tuple(readings))


def _features(source: Any, crs: str | None) -> list[Any]:
    """Unparsed lots of a source: :class:`Lot` objects are kept, everything else becomes features."""
    if isinstance(source, (Lot, LotFeature)):
        return [source]
    if isinstance(source, dict):
        return list(read_features(source, crs))
    if isinstance(source, (str, os.PathLike)):
        return list(read_lots(Path(source), crs))
    raise LotFileError(f"cannot assess a {type(source).__name__}; give a lot file path, a GeoJSON dict or a Lot")


def _parse(item: Any) -> Lot:
    return item if isinstance(item, Lot) else parse_lot(item)


def _lots(source: Any, crs: str | None = None) -> list[Lot]:
    return [_parse(f) for f in _features(source, crs)]


def assess(
    source: Any,
    *,
    rates: RatesArg = None,
    regions: RegionIndex | None = None,
    zones: ZoneIndex | None = None,
    layers: Layers | None = None,
    as_of: dt.date | None = None,
    crs: str | None = None,
) -> Assessment:
    """Assess one lot (a Feature, a FeatureCollection holding one feature, or a one-row spreadsheet).

    Parameters
    ----------
    source : path (GeoJSON lot file, .csv or .xlsx), GeoJSON dict, LotFeature or Lot
    rates : schedule path(s) or RateSchedule(s) to add to the built-in and ``LOTRATE_RATES`` ones
    regions, zones : optional indexes to use instead of the built-in layers
    as_of : date to price a lot that has no ``pbto_accepted`` date
    crs : CRS of a file that does not say its own (e.g. "EPSG:2326" for HK1980 Grid)

    Examples
    --------
    >>> a = assess({"type": "Feature", "geometry": {"type": "Point", "coordinates": [114.2235, 22.311]},
    ...     "properties": {"lot_id": "KTIL 713", "pbto_accepted": "2024-02-15", "max_gfa_m2": 10000,
    ...                    "gfa_after_m2": {"commercial": 10000}, "private_residential_prohibited": True,
    ...                    "gfa_before_m2": {"industrial": 5000}, "lot_user": "industrial"}})
    >>> a.region_code, a.rate_schedule.id, a.premium_hkd, a.verdict
    ('KE', 'PN12/2023', Decimal('450000000'), 'unverified')
    """
    lots = _lots(source, crs)
    if len(lots) != 1:
        raise LotFileError(
            f"the lot file holds {len(lots)} lots; use assess_all() or assess_each() for a FeatureCollection",
            field="features",
            value=len(lots),
        )
    return assess_lot(lots[0], schedules_from(rates), pick(layers, regions, zones), as_of)


def assess_all(
    source: Any,
    *,
    rates: RatesArg = None,
    regions: RegionIndex | None = None,
    zones: ZoneIndex | None = None,
    layers: Layers | None = None,
    as_of: dt.date | None = None,
    crs: str | None = None,
) -> list[Assessment]:
    """One assessment per feature of a lot file (Feature or FeatureCollection, or spreadsheet rows).

    The first lot that cannot be assessed raises; :func:`assess_each` answers lot by lot instead.
    """
    schedules = schedules_from(rates)
    lay = pick(layers, regions, zones)
    return [assess_lot(lot, schedules, lay, as_of) for lot in _lots(source, crs)]


def assess_each(
    source: Any,
    *,
    rates: RatesArg = None,
    regions: RegionIndex | None = None,
    zones: ZoneIndex | None = None,
    layers: Layers | None = None,
    as_of: dt.date | None = None,
    crs: str | None = None,
) -> list[Assessment | LotFailure]:
    """Lot by lot: an :class:`Assessment` per lot, or a :class:`LotFailure` for a lot that cannot be assessed.

    An error in the file as a whole (unreadable, not GeoJSON, a bad rate schedule) still raises.
    """
    schedules = schedules_from(rates)
    lay = pick(layers, regions, zones)
    out: list[Assessment | LotFailure] = []
    for item in _features(source, crs):
        lot_id = item.lot_id
        try:
            out.append(assess_lot(_parse(item), schedules, lay, as_of))
        except LotrateError as exc:
            out.append(LotFailure(lot_id, str(exc), exc))
    return out


#: the formula's figures as columns of :func:`assess_frame` (after-uses for B, before-uses for C and D)
FRAME_B_USES = ("residential", "commercial", "modern_industrial", "hotel")
FRAME_C_USES = ("industrial", "special_industrial")


def breakdown_columns(a: Assessment | None) -> dict[str, Any]:
    """A, each B line, C, D, E and the premium of an assessment as flat numeric columns (floats, HK$ and m2).

    B lines are summed per after-use (a lot priced at the residential rate throughout, para 5(ii), shows all of
    A as ``B_residential``); a straddling lot's rate is the area-weighted rate of its regions. ``premium_hkd``
    (exact decimal text) sits beside ``premium_hkd_float``.
    """
    cols: dict[str, Any] = {"A_m2": None}
    for u in FRAME_B_USES:
        cols.update({f"B_{u}_m2": None, f"B_{u}_hkd_per_m2": None, f"B_{u}_hkd": None})
    cols["A_x_B_hkd"] = None
    cols["C_m2"] = None
    for u in FRAME_C_USES:
        cols.update({f"C_{u}_m2": None, f"D_{u}_hkd_per_m2": None, f"C_x_D_{u}_hkd": None})
    cols.update({"C_x_D_hkd": None, "E_hkd": None, "premium_hkd_float": None, "premium_min_hkd": None,
                 "premium_max_hkd": None})
    b = None if a is None else a.breakdown
    if a is None or b is None or a.premium_hkd is None:
        return cols
    cols["A_m2"] = float(b.a_m2)
    for lines, prefix, gfa_key, amount_key in ((b.after, "B", "B_{}_m2", "B_{}_hkd"),
                                               (b.before, "D", "C_{}_m2", "C_x_D_{}_hkd")):
        sums: dict[str, list[Decimal]] = {}
        for line in lines:
            use = line.use if line.use in (*FRAME_B_USES, *FRAME_C_USES) else line.rate_use
            acc = sums.setdefault(use, [Decimal(0), Decimal(0)])
            acc[0] += line.gfa_m2
            acc[1] += line.amount_hkd
        for use, (gfa, amount) in sums.items():
            rate_key = f"B_{use}_hkd_per_m2" if prefix == "B" else f"D_{use}_hkd_per_m2"
            cols[gfa_key.format(use)] = float(gfa)
            cols[amount_key.format(use)] = float(amount)
            cols[rate_key] = float(amount / gfa) if gfa else None
    cols["A_x_B_hkd"] = float(b.axb_hkd)
    cols["C_m2"] = float(b.c_m2)
    cols["C_x_D_hkd"] = float(b.cxd_hkd)
    cols["E_hkd"] = float(b.e_hkd)
    cols["premium_hkd_float"] = float(b.premium_hkd)
    low, high = b.premium_range or (b.premium_hkd, b.premium_hkd)
    cols["premium_min_hkd"], cols["premium_max_hkd"] = float(low), float(high)
    return cols


def assess_frame(
    gdf: gpd.GeoDataFrame,
    *,
    rates: Any = None,
    regions: RegionIndex | None = None,
    zones: ZoneIndex | None = None,
    layers: Layers | None = None,
    progress: bool | None = None,
) -> gpd.GeoDataFrame:
    """Assess every row (lot file v1 properties as columns; nested splits as JSON text or flat columns).

    Adds ``lot_id``, ``region_code``, ``district``, ``zone_kinds``, ``rate_schedule``, ``verdict``
    (applicable | not_applicable | unverified), ``applicable`` (true, false, or empty when unverified),
    ``premium_hkd`` (exact decimal text; an estimate when unverified or straddling), the figures of the formula
    (:func:`breakdown_columns`: ``A_m2``, ``B_<use>_m2`` / ``_hkd_per_m2`` / ``_hkd``, ``C_<use>_m2``,
    ``D_<use>_hkd_per_m2``, ``E_hkd``, ``premium_hkd_float``, ``premium_min_hkd``/``premium_max_hkd`` over the
    regions a lot touches), ``instead`` (where a not-applicable lot goes), ``eligibility`` (check:status list),
    ``warnings`` and ``error``. A missing value (a boolean or date left empty on some rows of a layer) is
    missing on that row only; a bad value fails its row, named, never the layer.
    """
    import pandas as pd
    from tqdm import tqdm

    schedules = schedules_from(rates)
    lay = pick(layers, regions, zones)
    crs = gdf.crs.to_string() if gdf.crs is not None else None
    if crs is None:
        raise CRSError("the layer has no CRS; set it before assessing")
    ids = lot_ids(gdf)
    show = (len(gdf) >= 2_000) if progress is None else progress
    names = ["region_code", "district", "zone_kinds", "rate_schedule", "verdict", "applicable", "premium_hkd",
             *breakdown_columns(None), "instead", "eligibility", "warnings", "error"]
    cols: dict[str, list[Any]] = {c: [] for c in names}
    records = gdf.drop(columns=gdf.geometry.name).to_dict("records")
    for i, (rec, geom) in enumerate(
        tqdm(
            list(zip(records, gdf.geometry.values)),
            disable=not show,
            file=sys.stderr,
            unit="lot",
            desc="lotrate assess",
        )
    ):
        lot_id = ids[i] or f"#{i + 1}"
        try:
            if geom is None or geom.is_empty:
                raise LotrateError("empty geometry: the row has no point or boundary")
            props = lot_properties(row_properties(rec))
            feat = LotFeature(lot_id, shapely.geometry.mapping(geom), crs, props)
            a = assess_lot(parse_lot(feat), schedules, lay, None)
        except LotrateError as exc:
            for name in cols:
                cols[name].append(None)
            cols["error"][-1] = f"lot {lot_id}: {exc}" if lot_id not in str(exc) else str(exc)
            continue
        cols["region_code"].append(a.region_code)
        cols["district"].append(a.district)
        cols["zone_kinds"].append("; ".join(z.kind for z in a.zones))
        cols["rate_schedule"].append(a.rate_schedule.id if a.rate_schedule else None)
        cols["verdict"].append(a.verdict)
        cols["applicable"].append(a.applicable)
        cols["premium_hkd"].append(None if a.premium_hkd is None else str(a.premium_hkd))
        for name, value in breakdown_columns(a).items():
            cols[name].append(value)
        cols["instead"].append("; ".join(f"{r['label']} ({r['paragraph']})" for r in a.instead) or None)
        cols["eligibility"].append("; ".join(f"{c.check}:{c.status}" for c in a.eligibility))
        cols["warnings"].append(notes_text(a.warnings))
        cols["error"].append(None)
    out = gdf.copy()
    if "lot_id" not in out.columns:
        out["lot_id"] = pd.Series(ids, index=out.index, dtype=object)
    numeric = set(breakdown_columns(None))
    for name, values in cols.items():
        series = (pd.Series(values, index=out.index, dtype="float64") if name in numeric
                  else pd.Series(values, index=out.index, dtype=object))
        out[name if name not in gdf.columns else f"lotrate_{name}"] = series
    return out
