"""Assess a lot: where it lies, whether the scheme applies, and the premium at standard rates.

``assess`` takes one application (a lot file Feature, a path, a dict or a parsed :class:`~lotrate.premium.lot.Lot`);
``assess_all`` takes a FeatureCollection and gives one assessment per feature.
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
from lotrate.io.lotfile import LotFeature, read_features, row_properties
from lotrate.premium.eligibility import Check, evaluate
from lotrate.premium.formula import PremiumBreakdown, compute_premium
from lotrate.premium.lot import Lot, parse_lot
from lotrate.premium.rates import RateSchedule, load_schedule, schedule_for, schedule_set
from lotrate.resolution.frame import lot_ids, notes_text
from lotrate.resolution.layers import Layers, pick
from lotrate.resolution.lots import resolve_geometry
from lotrate.results import STRADDLE_MIN_SHARE, Notice, RegionShare, Resolution, ZoneHit, html_view

if TYPE_CHECKING:
    import geopandas as gpd

    from lotrate.index.regions import RegionIndex
    from lotrate.index.zones import ZoneIndex

RatesArg = str | os.PathLike[str] | RateSchedule | Iterable[str | os.PathLike[str] | RateSchedule] | None


@dataclass(frozen=True)
class Assessment:
    """The outcome for one lot: location, eligibility, schedule and premium, with every step shown."""

    lot: Lot
    resolution: Resolution
    eligibility: tuple[Check, ...]
    applicable: bool
    rate_schedule: RateSchedule | None
    breakdown: PremiumBreakdown | None
    warnings: tuple[Notice, ...]

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
        return self.breakdown.premium_hkd if self.breakdown is not None and self.applicable else None

    @property
    def reasons(self) -> tuple[str, ...]:
        """Why the scheme does not apply (the failed blocking checks)."""
        return tuple(c.reason for c in self.eligibility if c.status == "fail" and c.blocking)

    def to_dict(self) -> dict[str, Any]:
        """The ``assess`` JSON object (DESIGN section 7) plus a few extra keys."""
        return {
            "lot_id": self.lot_id,
            "region_code": self.region_code,
            "district": self.district,
            "zones": [z.to_dict() for z in self.zones],
            "rate_schedule": None if self.rate_schedule is None else self.rate_schedule.id,
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
        }

    def _repr_html_(self) -> str:  # Jupyter rich view, drawn by lotrate.render.jupyter through the registry
        return html_view(self)


def schedules_from(rates: RatesArg) -> tuple[RateSchedule, ...]:
    if rates is None:
        return schedule_set()
    items = [rates] if isinstance(rates, (str, os.PathLike, RateSchedule)) else list(rates)
    loaded = [r if isinstance(r, RateSchedule) else load_schedule(r) for r in items]
    return schedule_set(loaded)


def _priced_shares(res: Resolution) -> list[RegionShare]:
    """The primary region and any straddle share above 0.5 % (a sliver below that is not apportioned)."""
    keep = [s for s in res.shares if s.code == res.region_code or s.share > STRADDLE_MIN_SHARE]
    return keep or [RegionShare(res.region_code, res.region_name, 1.0)]


def assess_lot(
    lot: Lot,
    schedules: tuple[RateSchedule, ...],
    layers: Layers,
    as_of: dt.date | None,
) -> Assessment:
    """Assess one parsed lot against ``schedules`` and ``layers`` (the step every public entry point shares)."""
    res = resolve_geometry(lot.geometry, lot.crs, layers=layers)
    checks = list(evaluate(lot, res))
    warnings = list(res.warnings)
    day = lot.pbto_accepted or as_of
    schedule = None
    if day is None:
        warnings.append(Notice("no_date", "no pbto_accepted date (para 6): give it, or an as_of date, to price it"))
    else:
        schedule = schedule_for(day, schedules)
        if lot.pbto_accepted is None:
            warnings.append(Notice("as_of", f"no pbto_accepted date: rates as of {day.isoformat()} ({schedule.id})"))
    if schedule is not None and lot.gfa_before_m2.get("special_industrial") and not schedule.has("special_industrial"):
        checks.append(
            Check(
                "special_industrial_in_scope",
                "fail",
                f"schedule {schedule.id} has no special industrial rate: special industrial lots came "
                "into the scheme with PN 12/2023",
                "para 5(iv)",
            )
        )
    applicable = not any(c.status == "fail" and c.blocking for c in checks)
    breakdown = None
    if applicable and schedule is not None:
        breakdown = compute_premium(lot, _priced_shares(res), schedule)
        unknown = [c.check for c in checks if c.status == "unknown"]
        if unknown:
            warnings.append(
                Notice(
                    "unverified",
                    "premium computed, but these checks are unknown and must pass for "
                    f"the scheme to apply: {', '.join(unknown)}",
                )
            )
        if breakdown.estimate:
            warnings.append(Notice("estimate", breakdown.notes[-1]))
    warnings.append(
        Notice(
            "not_determination",
            "an estimate at standard rates, not LandsD's determination: LandsD's "
            "decisions on eligibility, GFA and region are final (paras 5, 12)",
        )
    )
    return Assessment(lot, res, tuple(checks), applicable, schedule, breakdown, tuple(warnings))


def _lots(source: Any) -> list[Lot]:
    if isinstance(source, Lot):
        return [source]
    if isinstance(source, LotFeature):
        return [parse_lot(source)]
    if isinstance(source, (str, os.PathLike, dict)):
        return [parse_lot(f) for f in read_features(Path(source) if not isinstance(source, dict) else source)]
    raise LotFileError(f"cannot assess a {type(source).__name__}; give a lot file path, a GeoJSON dict or a Lot")


def assess(
    source: Any,
    *,
    rates: RatesArg = None,
    regions: RegionIndex | None = None,
    zones: ZoneIndex | None = None,
    layers: Layers | None = None,
    as_of: dt.date | None = None,
) -> Assessment:
    """Assess one lot (a Feature, or a FeatureCollection holding one feature).

    Parameters
    ----------
    source : path, GeoJSON dict, LotFeature or Lot
    rates : schedule path(s) or RateSchedule(s) to add to the built-in ones
    regions, zones : optional indexes to use instead of the built-in layers
    as_of : date to price a lot that has no ``pbto_accepted`` date

    Examples
    --------
    >>> a = assess({"type": "Feature", "geometry": {"type": "Point", "coordinates": [114.2235, 22.311]},
    ...     "properties": {"lot_id": "KTIL 713", "pbto_accepted": "2024-02-15", "max_gfa_m2": 10000,
    ...                    "gfa_after_m2": {"commercial": 10000}, "private_residential_prohibited": True,
    ...                    "gfa_before_m2": {"industrial": 5000}, "lot_user": "industrial"}})
    >>> a.region_code, a.rate_schedule.id, a.premium_hkd
    ('KE', 'PN12/2023', Decimal('450000000'))
    """
    lots = _lots(source)
    if len(lots) != 1:
        raise LotFileError(
            f"the lot file holds {len(lots)} lots; use assess_all() for a FeatureCollection",
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
) -> list[Assessment]:
    """One assessment per feature of a lot file (Feature or FeatureCollection)."""
    schedules = schedules_from(rates)
    lay = pick(layers, regions, zones)
    return [assess_lot(lot, schedules, lay, as_of) for lot in _lots(source)]




def assess_frame(
    gdf: gpd.GeoDataFrame,
    *,
    rates: Any = None,
    regions: RegionIndex | None = None,
    zones: ZoneIndex | None = None,
    layers: Layers | None = None,
    progress: bool | None = None,
) -> gpd.GeoDataFrame:
    """Assess every row (lot file v1 properties as columns; nested splits may be JSON text).

    Adds ``lot_id``, ``region_code``, ``district``, ``zone_kinds``, ``rate_schedule``, ``applicable``,
    ``premium_hkd`` (decimal text), ``eligibility`` (check:status list), ``warnings`` and ``error``.
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
    cols: dict[str, list[Any]] = {
        c: []
        for c in (
            "region_code",
            "district",
            "zone_kinds",
            "rate_schedule",
            "applicable",
            "premium_hkd",
            "eligibility",
            "warnings",
            "error",
        )
    }
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
            feat = LotFeature(lot_id, shapely.geometry.mapping(geom), crs, row_properties(rec))
            a = assess_lot(parse_lot(feat), schedules, lay, None)
        except LotrateError as exc:
            for name in cols:
                cols[name].append(None)
            cols["error"][-1] = str(exc)
            continue
        cols["region_code"].append(a.region_code)
        cols["district"].append(a.district)
        cols["zone_kinds"].append("; ".join(z.kind for z in a.zones))
        cols["rate_schedule"].append(a.rate_schedule.id if a.rate_schedule else None)
        cols["applicable"].append(a.applicable)
        cols["premium_hkd"].append(None if a.premium_hkd is None else str(a.premium_hkd))
        cols["eligibility"].append("; ".join(f"{c.check}:{c.status}" for c in a.eligibility))
        cols["warnings"].append(notes_text(a.warnings))
        cols["error"].append(None)
    out = gdf.copy()
    if "lot_id" not in out.columns:
        out["lot_id"] = pd.Series(ids, index=out.index, dtype=object)
    for name, values in cols.items():
        out[name if name not in gdf.columns else f"lotrate_{name}"] = pd.Series(values, index=out.index, dtype=object)
    return out
