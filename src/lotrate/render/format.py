"""Numbers and text as every page shows them: HK dollars, m², metres, percentages, dates."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:

    pass




def to_decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        d = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return d if d.is_finite() else None


def number(d: Decimal) -> str:
    return f"{d:,.2f}" if d != d.to_integral_value() else f"{d:,.0f}"


def money(value: Any) -> str:
    """HK dollars as a report shows them: ``HK$1,234,567`` (cents only when there are any).

    Examples
    --------
    >>> money("504000000"), money(Decimal("-12.5"))
    ('HK$504,000,000', '−HK$12.50')
    """
    d = to_decimal(value)
    if d is None:
        return str(value)
    return f"{'−' if d < 0 else ''}HK${number(abs(d))}"


def area_text(m2: Any) -> str:
    d = to_decimal(m2)
    if d is None:
        return "" if m2 is None else str(m2)
    return f"{number(d)} m²"


def rate_text(hkd_per_m2: Decimal) -> str:
    return f"HK${number(hkd_per_m2)}/m²"


def metres(m: float) -> str:
    return f"{m:,.0f} m" if math.isfinite(m) else "no other region nearby"


def percent(share: float) -> str:
    return f"{share * 100:.2f} %" if share < 0.9995 or share == 1 else f"{share * 100:.3f} %"


def plain_text(value: Any) -> str:
    """A property value as plain text (escaped later by the template)."""
    if value is None:
        return "not given"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Mapping):
        return ", ".join(f"{str(k).replace('_', ' ')}: {plain_text(v)}" for k, v in value.items()) or "none"
    if isinstance(value, (list, tuple)):
        return ", ".join(plain_text(v) for v in value)
    if isinstance(value, (int, float)):
        d = to_decimal(value)
        return str(value) if d is None else number(d)
    return str(value)


def timestamp(moment: dt.datetime) -> str:
    return moment.strftime("%d %B %Y, %H:%M %Z").strip()


def hkd(d: Decimal) -> str:
    return number(d.quantize(Decimal("0.01")))
