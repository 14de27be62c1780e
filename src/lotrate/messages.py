"""Every sentence lotrate says to people, written once: notices and error wording for scalar and batch paths.

Functions here take plain values (names, distances, codes), never indexes, so the index, resolution, premium
and rendering layers all word the same fact the same way. A test asserts scalar == batch, errors included.
"""

from __future__ import annotations

import re
from typing import Any

from lotrate.results import Notice

ZONE_KINDS = ("NDA", "PILOT_SCHEME", "INDUSTRIAL_ESTATE")


def outside_hong_kong(
    x: float, y: float, crs: Any, e: float, n: float, swapped: bool, *, lot: bool = False
) -> str:
    """Why a coordinate (or a lot, quoted by its first vertex) was refused: outside the HKSAR boundary, or inside
    only with x and y swapped.

    ``x``, ``y`` are the numbers the user gave, in their ``crs``; ``e``, ``n`` the same point in HK1980 Grid.
    ``swapped`` is true only when swapping the user's own x and y (in their crs) would land inside Hong Kong.

    Examples
    --------
    >>> outside_hong_kong(113.54, 22.2, "EPSG:4326", 780000.0, 810000.0, False)[:27]
    'coordinate x=113.54, y=22.2'
    >>> outside_hong_kong(114.05, 22.54, "EPSG:4326", 820000.0, 846000.0, False, lot=True)[:43]
    'the lot (first vertex x=114.05, y=22.54 in '
    """
    if lot:
        where = f"the lot (first vertex x={x!r}, y={y!r} in {crs_label(crs)})"
        what = "the boundary"
    else:
        where = f"coordinate x={x!r}, y={y!r} ({crs_label(crs)})"
        what = "the coordinate"
    if swapped:
        return (
            f"{where} lies outside the HKSAR boundary, but would be inside with x and y swapped; "
            "lotrate takes x=easting (or longitude), y=northing (or latitude)"
        )
    return f"{where} (HK1980 E {e:,.0f}, N {n:,.0f}) lies outside the HKSAR boundary; check {what} and its crs"


def crs_label(crs: Any) -> str:
    """A CRS as quoted in a sentence: as the user gave it (``"EPSG:4326"``, ``4326``), or a pyproj CRS's short
    name (``EPSG:2326``; WKT cut to 60 characters)."""
    if isinstance(crs, (str, int)):
        return str(crs)
    to_string = getattr(crs, "to_string", None)
    text = " ".join(str(to_string() if callable(to_string) else crs).split())
    return text if len(text) <= 60 else text[:57] + "..."


def partly_outside(outside_fraction: float) -> str:
    """A lot part of which lies outside the HKSAR boundary, beyond the region layer's accuracy."""
    return (
        f"{_percent(outside_fraction)} of the lot lies outside the HKSAR boundary, farther out than the region "
        "layer's accuracy; check the boundary and its crs"
    )


def outside_within_accuracy(outside_m2: float, outside_fraction: float, accuracy_m: float) -> Notice:
    """A lot that pokes out of the HKSAR boundary by less than the region layer's accuracy: accepted."""
    return Notice(
        "outside_edge",
        f"{outside_m2:,.2f} m2 ({_percent(outside_fraction)}) of the lot lies just outside the HKSAR boundary, all "
        f"of it within the region layer's accuracy of {accuracy_m:,.0f} m: the shares are of the part inside; "
        "check the boundary",
    )


def _percent(fraction: float) -> str:
    pct = fraction * 100
    return f"{pct:.1f} %" if pct >= 0.1 else f"{pct:.2g} %"


def cannot_convert(x: float, y: float, crs: Any) -> str:
    """A coordinate that pyproj cannot bring to HK1980 Grid (it comes back infinite)."""
    return (
        f"coordinate x={x!r}, y={y!r} cannot be converted from {crs_label(crs)} to HK1980 Grid; "
        "check the crs and the units of the values"
    )


def geometry_cannot_convert(crs: Any) -> str:
    """A lot boundary that pyproj cannot bring to HK1980 Grid."""
    return f"the geometry cannot be converted from {crs_label(crs)} to HK1980 Grid; check its crs and units"


def bad_vertex(i: int, problem: object) -> str:
    """The first vertex of a lot boundary with a coordinate problem (numbered from 0)."""
    return f"vertex {i}: {problem}"


def empty_geometry() -> str:
    """A lot with no point or boundary."""
    return "empty geometry: the lot has no point or boundary; give a point or a boundary with coordinates"


def not_a_lot(geom_type: str) -> str:
    """A geometry that cannot be a lot (a line, a collection...)."""
    return f"geometry type {geom_type} is not a lot; give a Point, Polygon or MultiPolygon"


def no_area() -> str:
    """A lot polygon of zero area."""
    return "the lot polygon has no area; give a boundary that encloses land"


def unrepairable(reason: str) -> str:
    """An invalid lot polygon with no area left once repaired."""
    return f"the lot polygon is invalid ({reason}) and has no area once repaired; fix the boundary"


#: a lot polygon smaller than this (m2) is resolved, with a ``tiny_area`` notice: almost surely a mistake
TINY_AREA_M2 = 1.0


def tiny_area(area_m2: float) -> Notice:
    """A lot polygon of (almost) no area: resolved, but almost surely wrong units, crs or boundary."""
    return Notice(
        "tiny_area",
        f"the lot's area is only {area_m2:.3g} m2, under {TINY_AREA_M2:g} m2: check the boundary, its units and "
        "its crs",
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


# --- text that reaches a terminal, and the files in and out -------------------------------------------------

#: characters escaped in text output: C0/C1 controls (ESC starts ANSI sequences; CR and LF forge lines),
#: line/paragraph separators and the bidirectional overrides that reorder what a terminal shows
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(m: re.Match[str]) -> str:
    ch = m.group()
    o = ord(ch)
    return _NAMED.get(ch) or (f"\\x{o:02x}" if o < 0x100 else f"\\u{o:04x}")


def printable(text: object) -> str:
    """``text`` safe for one line of a terminal: control characters, separators and bidi overrides escaped.

    Examples
    --------
    >>> printable("KTIL 713")
    'KTIL 713'
    >>> print(printable("A\\x1b[2K\\rKTIL 1  KE  HK$1\\nB"))
    A\\x1b[2K\\rKTIL 1  KE  HK$1\\nB
    """
    s = str(text)
    return _UNSAFE.sub(_escape, s) if _UNSAFE.search(s) else s


def one_line(text: object) -> str:
    """An error message as one printable line (a library's message may hold newlines)."""
    return printable(" ".join(str(text).split("\n")).strip())


BUILT_IN = "built-in"


def layers_used(regions: str, zones: dict[str, str]) -> str:
    """Which layers answered: ``regions`` and each zone kind's source (``built-in``, a file, or ``none``).

    Examples
    --------
    >>> layers_used("built-in", {"NDA": "nda.gpkg", "PILOT_SCHEME": "built-in", "INDUSTRIAL_ESTATE": "built-in"})
    'layers used: regions built-in; NDA zones from nda.gpkg; PILOT_SCHEME, INDUSTRIAL_ESTATE zones built-in'
    """

    def source(s: str) -> str:
        return s if s in (BUILT_IN, "none") else f"from {s}"

    parts = [f"regions {source(regions)}"]
    groups: dict[str, list[str]] = {}
    for kind in ZONE_KINDS:
        groups.setdefault(zones.get(kind, "none"), []).append(kind)
    for src, kinds in groups.items():
        parts.append(f"{', '.join(kinds)} zones {source(src)}")
    return "layers used: " + "; ".join(parts)


def not_a_file(what: str, path: object, kind: str) -> str:
    """An input path that is a folder or a device, not a file."""
    return f"{what} {str(path)!r} is {kind}, not a file; give the path of the file itself"


def too_large(what: str, path: object, size_mb: float, limit_mb: float) -> str:
    """An input above the size limit (``LOTRATE_MAX_INPUT_MB``)."""
    return (
        f"{what} {str(path)!r} is {size_mb:,.1f} MB, above the {limit_mb:,.0f} MB limit for JSON and CSV inputs; "
        "split it, or raise the limit with the environment variable LOTRATE_MAX_INPUT_MB"
    )


def too_deep(what: str, path: object, limit: int) -> str:
    """JSON nested deeper than any lot file or layer needs."""
    return (
        f"{what} {str(path)!r} nests JSON arrays/objects more than {limit} deep; a lot file or layer needs fewer "
        "than 10 levels: check that it is the file you meant"
    )


def not_utf8(what: str, path: object, byte: int, line: int) -> str:
    """An input that is not UTF-8 text (e.g. Latin-1 or Big5 from an old spreadsheet)."""
    return (
        f"{what} {str(path)!r} is not UTF-8 text (byte 0x{byte:02x} on line {line}); save it as UTF-8 "
        "(in Excel: Save As 'CSV UTF-8')"
    )


def output_is_input(out: object, src: object) -> str:
    """``-o`` names the input itself."""
    return f"-o {str(out)!r} is the input {str(src)!r}; an output never replaces its input: give another -o"


def output_exists(out: object) -> str:
    """``-o`` names an existing file and ``--overwrite`` was not given."""
    return f"{str(out)!r} already exists; pass --overwrite to replace it, or give another -o"


def layer_exists(out: object, layer: str) -> str:
    """The GeoPackage already holds a layer of the name being written and ``--overwrite`` was not given."""
    return (
        f"{str(out)!r} already has a layer {layer!r}; pass --overwrite to replace that layer (its other layers are "
        "kept), or give another name with --layer NAME"
    )


def bug() -> str:
    """What to do about an unexpected exception (printed after its traceback)."""
    return (
        "this is a bug in lotrate, please report it with the command you ran, the traceback above and, "
        "if you can, the input file"
    )
