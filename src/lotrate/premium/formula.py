"""The premium at standard rates: ``premium = A x B - C x D - E``, never below zero (PN 12/2023 para 5, fn 5).

- A (para 5(i), fn 6): the maximum total GFA stipulated, less Government Accommodation GFA (NOFA x 1.8).
- B (para 5(ii)): residential rate on all of A when private residential use is not prohibited, except in a
  CDA or OU (commercial-cum-residential) zone (any numbered sub-zone, "CDA(1)"), where it applies to the
  residential GFA and the commercial/modern industrial rate to the rest; hotel GFA counts as commercial. A
  governs (5(i)): the split by use only apportions A, it is never priced itself; a split that disagrees with A
  beyond rounding is an error. A schedule with separate commercial and modern industrial rates (PN 5/2025
  onwards) prices each after-use at its own rate.
- C x D (para 5(iii), 5(iv), fn 8): existing GFA by before-use at the industrial/godown rate (also for lots
  without user restriction: special industrial GFA on such a lot is a contradiction, rejected) or the special
  industrial rate. Under PN 1/2021 (no special industrial rate) the lot's user decides scope and C is priced
  at its one industrial/godown rate.
- E (para 5(v)): Government Accommodation construction cost, deducted only when conveyed.
A lot straddling regions: para 6 applies the rates of "one of" the five regions, as LandsD decides. The
breakdown gives the premium under each region the lot touches (a range) and, as an estimate labelled as such,
A and C apportioned by area share (our assumption, not the PN's).

Money is computed in ``Decimal`` at 60 digits and rounded once, at the end, to the nearest HK$1 (half up).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, localcontext
from typing import Any

from lotrate.errors import LotFileError
from lotrate.premium.lot import Lot, check_a_governs
from lotrate.premium.rates import PN_12_2023_DATE, RateSchedule
from lotrate.results import RegionShare

ROUNDING = "nearest HK$1, half up, applied once to the final premium"
_AFTER_RATE = {"residential": "residential", "commercial": "commercial", "hotel": "commercial",
               "modern_industrial": "modern_industrial"}


@dataclass(frozen=True)
class PremiumLine:
    """One product in the formula: a GFA (m2) times a rate (HK$/m2) for a use in a region."""

    term: str  # "B" (after) or "D" (before)
    use: str
    rate_use: str
    region_code: str
    gfa_m2: Decimal
    rate_hkd_per_m2: Decimal
    amount_hkd: Decimal
    paragraph: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "term": self.term,
            "use": self.use,
            "rate_use": self.rate_use,
            "region_code": self.region_code,
            "gfa_m2": str(self.gfa_m2.quantize(Decimal("0.01"))),
            "rate_hkd_per_m2": str(self.rate_hkd_per_m2),
            "amount_hkd": str(self.amount_hkd.quantize(Decimal("0.01"))),
            "paragraph": self.paragraph,
        }


@dataclass(frozen=True)
class PremiumBreakdown:
    """Every figure of the computation, with its paragraph."""

    a_m2: Decimal
    ga_gfa_m2: Decimal
    c_m2: Decimal
    after: tuple[PremiumLine, ...]
    before: tuple[PremiumLine, ...]
    e_hkd: Decimal
    gross_hkd: Decimal
    premium_hkd: Decimal
    schedule_id: str
    estimate: bool
    notes: tuple[str, ...] = ()
    rounding: str = ROUNDING
    #: the premium if the whole lot took each touched region's rates (straddling lots only), para 6
    by_region: tuple[tuple[str, Decimal], ...] = ()

    @property
    def axb_hkd(self) -> Decimal:
        return sum((line.amount_hkd for line in self.after), Decimal(0))

    @property
    def cxd_hkd(self) -> Decimal:
        return sum((line.amount_hkd for line in self.before), Decimal(0))

    def to_dict(self) -> dict[str, Any]:
        cents = Decimal("0.01")
        return {
            "A_m2": str(self.a_m2.quantize(cents)),
            "government_accommodation_gfa_m2": str(self.ga_gfa_m2.quantize(cents)),
            "B": [line.to_dict() for line in self.after],
            "A_x_B_hkd": str(self.axb_hkd.quantize(cents)),
            "C_m2": str(self.c_m2.quantize(cents)),
            "C_x_D": [line.to_dict() for line in self.before],
            "C_x_D_hkd": str(self.cxd_hkd.quantize(cents)),
            "E_hkd": str(self.e_hkd.quantize(cents)),
            "gross_hkd": str(self.gross_hkd.quantize(cents)),
            "premium_hkd": str(self.premium_hkd),
            "schedule": self.schedule_id,
            "estimate": self.estimate,
            "rounding": self.rounding,
            "notes": list(self.notes),
            "premium_by_region_hkd": {code: str(p) for code, p in self.by_region},
            "premium_range_hkd": None if self.premium_range is None else [str(x) for x in self.premium_range],
            "apportioned_estimate": self.estimate,
        }

    @property
    def premium_range(self) -> tuple[Decimal, Decimal] | None:
        """Lowest and highest premium over the regions a straddling lot touches (``None`` for one region)."""
        if not self.by_region:
            return None
        values = [p for _, p in self.by_region]
        return min(values), max(values)


def _after_uses(lot: Lot, a: Decimal, schedule: RateSchedule, regions: list[str]) -> list[tuple[str, str, Decimal]]:
    """(use, rate use, GFA) for A, by the rules of para 5(ii); the GFAs add up to A exactly."""
    if lot.private_residential_prohibited is None:
        raise LotFileError(
            f"private_residential_prohibited is missing for lot {lot.lot_id}: it decides the rate B (para 5(ii)); "
            "give true or false",
            field="private_residential_prohibited",
            value=None,
        )
    after = lot.gfa_after_m2
    if after:
        check_a_governs(after, a, lot.lot_id)  # para 5(i): A governs
    if not lot.private_residential_prohibited and not lot.cda_or_ou_cr:
        # para 5(ii): "residential rates are applicable to all applications not prohibiting private residential use"
        return [("all uses (residential not prohibited)", "residential", a)]
    if lot.private_residential_prohibited and after.get("residential"):
        raise LotFileError(
            f"gfa_after_m2.residential={float(after['residential'])} for lot {lot.lot_id}, but private residential "
            "use is prohibited; move that GFA to another use or set private_residential_prohibited false",
            field="gfa_after_m2.residential",
            value=float(after["residential"]),
        )
    needs_residential = lot.cda_or_ou_cr and not lot.private_residential_prohibited
    if not after:
        same = all(schedule.rate(r, "commercial") == schedule.rate(r, "modern_industrial") for r in regions)
        if needs_residential or not same:
            raise LotFileError(
                f"gfa_after_m2 is missing for lot {lot.lot_id}: the split of A by use is needed "
                + (f"in a {lot.zone_rule} zone ({lot.ozp_zone}) where private residential use is not prohibited "
                   "(para 5(ii))" if needs_residential
                   else f"because schedule {schedule.id} rates commercial and modern industrial differently"),
                field="gfa_after_m2",
                value=None,
            )
        return [("commercial/modern industrial", "commercial", a)]
    total = sum(after.values(), Decimal(0))
    # the split apportions A: each use's share of A, never the split's own figures (para 5(i))
    return [(use, _AFTER_RATE[use], a * gfa / total) for use, gfa in after.items()]


def _before_rate_use(lot: Lot, use: str, schedule: RateSchedule) -> tuple[str, str]:
    """The rate (use) that prices C of ``use`` and its paragraph (para 5(iv), fn 8)."""
    if use == "special_industrial" and lot.lot_user == "unrestricted":
        raise LotFileError(
            f"gfa_before_m2.special_industrial is given for lot {lot.lot_id}, whose grant has no user restriction: "
            "such a lot pays the industrial/godown rate for D (PN 12/2023 fn 8). Move that GFA to "
            "gfa_before_m2.industrial, or correct lot_user if the grant restricts the lot to special industrial uses",
            field="gfa_before_m2.special_industrial",
            value=float(lot.gfa_before_m2[use]),
        )
    if use == "special_industrial" and not schedule.has(use) and schedule.effective_from < PN_12_2023_DATE:
        # PN 1/2021 has one before-use rate; the lot's user (not this GFA) decides scope (PN 12/2023 fn 2)
        return "industrial", "5(iv); PN 1/2021: one industrial/godown rate for C"
    if use == "industrial":
        return "industrial", "5(iv), fn 8" if lot.lot_user == "unrestricted" else "5(iv)"
    return use, "5(iv)"


def compute_premium(
    lot: Lot, shares: Sequence[RegionShare], schedule: RateSchedule, *, each_region: bool = True
) -> PremiumBreakdown:
    """Compute the premium of a lot under a schedule, with every figure shown.

    Parameters
    ----------
    lot : Lot
    shares : sequence of RegionShare
        The lot's area share per region (one share of 1.0 for a lot wholly in one region).
    schedule : RateSchedule
    each_region : for a straddling lot, also price the whole lot at each region's rates (``by_region``)

    Examples
    --------
    >>> import datetime
    >>> from decimal import Decimal
    >>> from lotrate.premium.rates import schedule_for
    >>> lot = Lot("KTIL 1", {}, "EPSG:4326", max_gfa_m2=Decimal(10000), gfa_after_m2={"commercial": Decimal(10000)},
    ...           private_residential_prohibited=True, gfa_before_m2={"industrial": Decimal(5000)})
    >>> b = compute_premium(lot, [RegionShare("KE", "Kowloon East", 1.0)], schedule_for(datetime.date(2024, 2, 1)))
    >>> b.premium_hkd  # 10,000 x 65,000 - 5,000 x 40,000 (PN 12/2023 para 6 table, Kowloon East)
    Decimal('450000000')
    """
    if lot.max_gfa_m2 is None:  # fn 6: no maximum total GFA stipulated, the scheme does not apply
        raise LotFileError(
            f"max_gfa_m2 is missing for lot {lot.lot_id}: with no maximum total GFA stipulated the scheme does not "
            "apply (PN 12/2023 fn 6)",
            field="max_gfa_m2",
            value=None,
        )
    if not lot.gfa_before_m2:
        raise LotFileError(
            f"gfa_before_m2 is missing for lot {lot.lot_id}: C, the GFA of the pre-1987 building by use, is needed "
            "(para 5(iii))",
            field="gfa_before_m2",
            value=None,
        )
    with localcontext() as ctx:
        ctx.prec = 60
        return _compute(lot, shares, schedule, each_region)


def _compute(lot: Lot, shares: Sequence[RegionShare], schedule: RateSchedule, each_region: bool) -> PremiumBreakdown:
    a = lot.max_gfa_m2 - lot.ga_gfa_m2  # type: ignore[operator]  # para 5(i), fn 6: Government Accommodation disregarded
    regions = [s.code for s in shares]
    weights = [(s.code, Decimal(str(s.share))) for s in shares]
    total = sum((w for _, w in weights), Decimal(0))
    weights = [(code, w / total) for code, w in weights]  # shares as Decimal, summing to 1
    after_lines: list[PremiumLine] = []
    for use, rate_use, gfa in _after_uses(lot, a, schedule, regions):
        for code, w in weights:
            rate = schedule.rate(code, rate_use)
            after_lines.append(PremiumLine("B", use, rate_use, code, gfa * w, rate, gfa * w * rate, "5(ii)"))
    before_lines: list[PremiumLine] = []
    notes = []
    for use, gfa in lot.gfa_before_m2.items():
        rate_use, para = _before_rate_use(lot, use, schedule)
        if rate_use != use:
            notes.append(
                f"schedule {schedule.id} has no special industrial rate: the {float(gfa):,.2f} m2 of special "
                "industrial GFA is priced at its industrial/godown rate (PN 1/2021 has one rate for C)"
            )
        for code, w in weights:
            rate = schedule.rate(code, rate_use)
            before_lines.append(PremiumLine("D", use, rate_use, code, gfa * w, rate, gfa * w * rate, para))
    e = lot.ga_cost_hkd if (lot.ga_cost_hkd is not None and lot.ga_cost_conveyed) else Decimal(0)
    gross = (
        sum((x.amount_hkd for x in after_lines), Decimal(0))
        - sum((x.amount_hkd for x in before_lines), Decimal(0))
        - e
    )
    # exact up to 60 digits: settle the last places first, so a sum exactly on a half dollar rounds up
    gross = gross.quantize(Decimal("1e-30"), rounding=ROUND_HALF_EVEN).normalize()
    premium = max(Decimal(0), gross).quantize(Decimal(1), rounding=ROUND_HALF_UP)  # fn 5: never negative
    if lot.ga_gfa_m2:
        notes.append(f"Government Accommodation of {float(lot.ga_gfa_m2):,.2f} m2 GFA disregarded from A (fn 6)")
    if lot.ga_cost_hkd is not None and not lot.ga_cost_conveyed:
        notes.append("Government Accommodation cost not conveyed: no deduction E (para 5(v))")
    if gross < 0:
        notes.append("the formula gives a negative amount: no premium is charged (fn 5)")
    estimate = len(weights) > 1
    by_region: tuple[tuple[str, Decimal], ...] = ()
    if estimate:
        if each_region:
            by_region = tuple(
                (s.code, _compute(lot, [RegionShare(s.code, s.name, 1.0)], schedule, False).premium_hkd)
                for s in shares
            )
        parts = ", ".join(f"{c} {float(w) * 100:.1f} %" for c, w in weights)
        whole = "; ".join(f"all at {c} rates HK${float(p):,.0f}" for c, p in by_region)
        notes.append(
            f"the lot straddles regions ({parts}): PN 12/2023 para 6 applies the rates of one region, as LandsD "
            f"decides ({whole}); the figure given apportions A and C by area, an estimate, not a PN rule"
        )
    return PremiumBreakdown(
        a_m2=a,
        ga_gfa_m2=lot.ga_gfa_m2,
        c_m2=sum(lot.gfa_before_m2.values(), Decimal(0)),
        after=tuple(after_lines),
        before=tuple(before_lines),
        e_hkd=e,
        gross_hkd=gross,
        premium_hkd=premium,
        schedule_id=schedule.id,
        estimate=estimate,
        notes=tuple(notes),
        by_region=by_region,
    )
