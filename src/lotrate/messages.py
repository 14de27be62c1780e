"""Every sentence lotrate says to people, written once: notices and error wording for scalar and batch paths.

Functions here take plain values (names, distances, codes), never indexes, so the index, resolution, premium
and rendering layers all word the same fact the same way. A test asserts scalar == batch, errors included.
"""

from __future__ import annotations

from typing import Any

from lotrate.results import Notice

ZONE_KINDS = ("NDA", "PILOT_SCHEME", "INDUSTRIAL_ESTATE")


def outside_hong_kong(x: float, y: float, crs: Any, e: float, n: float, swapped: bool) -> str:
    """Why a coordinate was refused: outside the HKSAR boundary, or inside only with x and y swapped.

    Examples
    --------
    >>> outside_hong_kong(113.54, 22.2, "EPSG:4326", 780000.0, 810000.0, False)[:27]
    'coordinate x=113.54, y=22.2'
    """
    where = f"x={x!r}, y={y!r} ({crs})"
    if swapped:
        return (
            f"coordinate {where} is outside Hong Kong, but would be inside with x and y swapped; "
            "lotrate takes x=easting (or longitude), y=northing (or latitude)"
        )
    return (
        f"coordinate {where} (HK1980 E {e:,.0f}, N {n:,.0f}) lies outside the HKSAR boundary; "
        "check the coordinate and its crs"
    )


def near_boundary(dist_m: float, accuracy_m: float, other_name: str, other_code: str) -> Notice:
    """The lot is closer to another region than the region layer's accuracy."""
    return Notice(
        "near_boundary",
        f"{dist_m:,.0f} m from {other_name} ({other_code}), within the region layer's accuracy of "
        f"{accuracy_m:,.0f} m: LandsD's reading of the Appendix II map decides",
    )


def straddle(parts: list[tuple[str, float]]) -> Notice:
    """The lot lies in more than one region; ``parts`` are (region code, share) pairs, largest first."""
    text = ", ".join(f"{code} {share * 100:.1f} %" for code, share in parts)
    return Notice("straddle", f"the lot straddles regions ({text}); LandsD decides the rates that apply")


def near_zone(dist_m: float, inside: bool, name: str, kind: str, status: str, accuracy_m: float) -> Notice:
    """The lot is closer to a zone's edge than the zone layer's accuracy, inside or outside."""
    side = "inside" if inside else "outside"
    approx = " (an approximate boundary)" if status == "approximate" else ""
    return Notice(
        "near_zone",
        f"{dist_m:,.0f} m {side} the edge of {name} ({kind}){approx}, within its accuracy of "
        f"{accuracy_m:,.0f} m: check against the official plan",
    )


def in_zone(kind: str, name: str, share: float | None = None) -> Notice:
    """The lot (or ``share`` of a polygon lot) lies in a special zone: the consequence for the scheme."""
    prefix = "" if share is None else f"{share * 100:.1f} % of the lot: "
    return Notice("in_zone", prefix + zone_consequence(kind, name))


def geometry_repaired(reason: str) -> Notice:
    """An invalid polygon was repaired before use."""
    return Notice("geometry_repaired", f"invalid polygon ({reason}) repaired with make_valid; check the boundary")


HKSTP_CONTACT = "HKSTP Leasing Officer, Ms Helen Chung, tel. 2629 6863, helenwk.chung@hkstp.org"


IE_TARGETS = (
    "pharmaceutical, healthcare and biomedical; electronics and optical; precision engineering and assembly; "
    "specialised manufacturing and advanced materials; information, communication and telecommunications"
)


def zone_consequence(kind: str, name: str) -> str:
    """What falling in a zone means for a PN 12/2023 application, in a surveyor's words.

    Examples
    --------
    >>> zone_consequence("NDA", "Kwu Tung North NDA").startswith("Kwu Tung North NDA is a New Development Area")
    True
    """
    if kind == "NDA":
        return (
            f"{name} is a New Development Area: under PN 12/2023 para 6 (note) the PN 12/2023 standard rates do "
            "not apply; the applicant may only opt for the standard rates for New Development Areas under "
            "LandsD's relevant Practice Note. LandsD decides whether PN 12/2023 rates apply."
        )
    if kind == "PILOT_SCHEME":
        return (
            f"{name} lies in the Pilot Scheme Areas (pilot scheme for development of agricultural land in the "
            "New Territories outside the NDAs, LandsD Practice Note of 28 December 2023): under PN 12/2023 para 6 "
            "(note) its standard rates do not apply; the Pilot Scheme's own zone rates do. LandsD decides "
            "whether PN 12/2023 rates apply."
        )
    if kind == "INDUSTRIAL_ESTATE":
        return (
            f"{name} is HKSTP Industrial Estate land, not an industrial lot under PN 12/2023 (special factories in "
            "industrial estates are outside the scheme). Under HKSTP's IE2.0 programme HKSTP builds and lets "
            "specialised multi-storey buildings to multiple users; a site is granted on long lease (up to June "
            "2047) only in exceptional cases of meritorious projects; land premium and rents are market-based. "
            f"Target industries: {IE_TARGETS}. Contact: {HKSTP_CONTACT}."
        )
    raise ValueError(f"unknown zone kind {kind!r}; expected one of {', '.join(ZONE_KINDS)}")
