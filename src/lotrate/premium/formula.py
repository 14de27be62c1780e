"""The premium at standard rates: ``premium = A x B - C x D - E``, never below zero (PN 12/2023 para 5, fn 5).

- A (para 5(i), fn 6): the maximum total GFA stipulated, less Government Accommodation GFA (NOFA x 1.8).
- B (para 5(ii)): residential rate on all of A when private residential use is not prohibited, except in a
  CDA or OU (commercial-cum-residential) zone, where it applies to the residential GFA and the
  commercial/modern industrial rate to the rest; hotel GFA counts as commercial.
- C x D (para 5(iii), 5(iv), fn 8): existing GFA by before-use at the industrial/godown rate (also for lots
  without user restriction) or the special industrial rate.
- E (para 5(v)): Government Accommodation construction cost, deducted only when conveyed.
A lot straddling regions has A and C apportioned by area share (an estimate: LandsD decides).

Money is computed exactly in ``Decimal`` and rounded once, at the end, to the nearest HK$1 (half up).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from lotrate.errors import LotFileError
from lotrate.premium.lot import Lot
from lotrate.premium.rates import RateSchedule
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
        }


def _after_uses(lot: Lot, a: Decimal, schedule: RateSchedule, regions: list[str]) -> list[tuple[str, str, Decimal]]:
    """(use, rate use, GFA) for A, by the rules of para 5(ii)."""
    if lot.private_residential_prohibited is None:
        raise LotFileError(
            f"private_residential_prohibited is missing for lot {lot.lot_id}: it decides the rate B (para 5(ii)); "
            "give true or false",
            field="private_residential_prohibited",
            value=None,
        )
    after = lot.gfa_after_m2
    if not lot.private_residential_prohibited and not lot.cda_or_ou_cr:
        # para 5(ii): residential rate for all GFA when private residential use is not prohibited
        return [("all uses (residential not prohibited)", "residential", a)]
    if lot.private_residential_prohibited and after.get("residential"):
        raise LotFileError(
            f"gfa_after_m2.residential={float(after['residential'])} for lot {lot.lot_id}, but private residential "
            "use is prohibited; move that GFA to another use or set private_residential_prohibited false",
            field="gfa_after_m2.residential",
            value=float(after["residential"]),
        )
    if not after:
        same = all(schedule.rate(r, "commercial") == schedule.rate(r, "modern_industrial") for r in regions)
        if lot.cda_or_ou_cr or not same:
            raise LotFileError(
                f"gfa_after_m2 is missing for lot {lot.lot_id}: the split of A by use is needed "
                + ("in a CDA or OU (commercial-cum-residential) zone (para 5(ii))" if lot.cda_or_ou_cr
                   else f"because schedule {schedule.id} rates commercial and modern industrial differently"),
                field="gfa_after_m2",
                value=None,
            )
        return [("commercial/modern industrial", "commercial", a)]
    return [(use, _AFTER_RATE[use], gfa) for use, gfa in after.items()]


def compute_premium(lot: Lot, shares: Sequence[RegionShare], schedule: RateSchedule) -> PremiumBreakdown:
    """Compute the premium of a lot under a schedule, with every figure shown.

    Parameters
    ----------
    lot : Lot
    shares : sequence of RegionShare
        The lot's area share per region (one share of 1.0 for a lot wholly in one region).
    schedule : RateSchedule

    Examples
    --------
    >>> import datetime
    >>> from decimal import Decimal
    >>> from lotrate.premium.rates import schedule_for
    >>> lot = Lot("KTIL 1", {}, "EPSG:4326", max_gfa_m2=Decimal(10000), gfa_after_m2={"commercial": Decimal(10000)},
    ...           private_residential_prohibited=True, gfa_before_m2={"industrial": Decimal(5000)})
    >>> b = compute_premium(lot, [RegionShare("KE", "Kowloon East", 1.0)], schedule_for(datetime.date(2024, 2, 1)))
    >>> b.premium_hkd  # 10,000 x 65,000 - 5,000 x 40,000
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
    a = lot.max_gfa_m2 - lot.ga_gfa_m2  # para 5(i), fn 6: Government Accommodation disregarded
    regions = [s.code for s in shares]
    weights = [(s.code, Decimal(str(s.share))) for s in shares]
    total = sum((w for _, w in weights), Decimal(0))
    weights = [(code, w / total) for code, w in weights]  # shares as Decimal, summing to exactly 1
    after_lines: list[PremiumLine] = []
    for use, rate_use, gfa in _after_uses(lot, a, schedule, regions):
        for code, w in weights:
            rate = schedule.rate(code, rate_use)
            after_lines.append(PremiumLine("B", use, rate_use, code, gfa * w, rate, gfa * w * rate, "5(ii)"))
    before_lines: list[PremiumLine] = []
    for use, gfa in lot.gfa_before_m2.items():
        # fn 8: the industrial/godown rate also applies to lots without user restriction
        para = "5(iv), fn 8" if use == "industrial" else "5(iv)"
        for code, w in weights:
            rate = schedule.rate(code, use)
            before_lines.append(PremiumLine("D", use, use, code, gfa * w, rate, gfa * w * rate, para))
    e = lot.ga_cost_hkd if (lot.ga_cost_hkd is not None and lot.ga_cost_conveyed) else Decimal(0)
    gross = (
        sum((x.amount_hkd for x in after_lines), Decimal(0))
        - sum((x.amount_hkd for x in before_lines), Decimal(0))
        - e
    )
    premium = max(Decimal(0), gross).quantize(Decimal(1), rounding=ROUND_HALF_UP)  # fn 5: never negative
    notes = []
    if lot.ga_gfa_m2:
        notes.append(f"Government Accommodation of {float(lot.ga_gfa_m2):,.2f} m2 GFA disregarded from A (fn 6)")
    if lot.ga_cost_hkd is not None and not lot.ga_cost_conveyed:
        notes.append("Government Accommodation cost not conveyed: no deduction E (para 5(v))")
    if gross < 0:
        notes.append("the formula gives a negative amount: no premium is charged (fn 5)")
    estimate = len(weights) > 1
    if estimate:
        parts = ", ".join(f"{c} {float(w) * 100:.1f} %" for c, w in weights)
        notes.append(f"the lot straddles regions ({parts}): A and C apportioned by area, an estimate; LandsD decides")
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
    )
