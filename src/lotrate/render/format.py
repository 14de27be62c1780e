"""Numbers and text as every page shows them: HK dollars, m², metres, percentages, dates."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
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


def whole(d: Decimal) -> str:
    """A whole number with thousands separators, rounded half up.

    Examples
    --------
    >>> whole(Decimal("1234567.5")), whole(Decimal("-0.4"))
    ('1,234,568', '0')
    """
    q = d.quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return f"{q:,.0f}" if q != 0 else "0"


def money(value: Any) -> str:
    """HK dollars as a report shows them, in whole dollars: ``HK$1,234,567``.

    Examples
    --------
    >>> money("504000000"), money(Decimal("-12.5"))
    ('HK$504,000,000', '−HK$13')
    """
    d = to_decimal(value)
    if d is None:
        return str(value)
    return f"{'−' if d < 0 else ''}HK${whole(abs(d))}"


def area_text(m2: Any, *, measured: bool = False) -> str:
    """An area in m²: as given (decimals only when there are any), or to the whole m² when ``measured``.

    Examples
    --------
    >>> area_text(Decimal("14400.00")), area_text(4799.504, measured=True), area_text("12.5")
    ('14,400 m²', '4,800 m²', '12.50 m²')
    """
    d = to_decimal(m2)
    if d is None:
        return "" if m2 is None else str(m2)
    return f"{whole(d) if measured else number(d)} m²"


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
    """An amount in whole HK dollars, without the currency sign (the column says HK$)."""
    return whole(d)


#: what marks a sentence as meant for a developer: a command in backticks, an option, a Python function
_DEV_SENTENCE = re.compile(r"`|\s--[a-z][a-z-]*|\b[a-z]+_[a-z_]+\(|\blotrate\.[a-z_]+\(|\bpass -")


def client_text(text: str) -> str:
    """A sentence from the engine as a client page shows it: m² for m2, no ``.00`` on whole areas, and no
    command-line or Python hints (sentences naming options, functions or files are left out).

    Examples
    --------
    >>> client_text("maximum total GFA 24,000.00 m2")
    'maximum total GFA 24,000 m²'
    >>> client_text("No rate schedule covers 2025-06-01. Write one with `lotrate rates template`, then --rates FILE.")
    'No rate schedule covers 2025-06-01.'
    >>> client_text("an official layer can replace them (--zones FILE).")
    'an official layer can replace them.'
    """
    out = re.sub(r"\s*\((?:[^()]*\s)?--[a-z][a-z-]*[^()]*\)", "", str(text))
    out = re.sub(r"(\d)\.00(?=\s*m(?:2|²))", r"\1", out)
    out = re.sub(r"(?<=\d)\s*m2\b", " m²", out)
    parts = re.split(r"(?<=[.;])\s+(?=\S)", out)
    kept = [p for p in parts if not _DEV_SENTENCE.search(" " + p)]
    if not kept:
        return parts[0] if parts and not _DEV_SENTENCE.search(" " + parts[0]) else ""
    text_out = " ".join(kept).strip()
    if text_out.endswith(";"):
        text_out = text_out[:-1] + "."
    return text_out


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string with every character but letters, digits and spaces hex-escaped, so it
    can sit in a ``<style>`` element whatever it holds (``</style>``, quotes, backslashes).

    Examples
    --------
    >>> print(css_string("KTIL 713 </style>"))
    "KTIL 713 \\00003c\\00002fstyle\\00003e"
    """
    out = []
    for ch in str(text):
        if (ch.isascii() and ch.isalnum()) or ch == " ":
            out.append(ch)
        else:
            out.append(f"\\{ord(ch):06x}")
    return '"' + "".join(out) + '"'
