"""The Option Form (Appendix I) and the Enquiry Form (Appendix III) of PN 12/2023 as printable A4 HTML pages.

Each page reproduces the form's structure and wording, filled from the lot file and the resolver: the lot
number(s), the address and the District Lands Officer the form is addressed to. What only the applicant can
give (signatures, names, the applicant's address, dates, the company chop) is left blank and boxed, and the
"*Delete as appropriate" choices are left to the applicant. A last page, marked as not part of the form,
gives the GFA figures (A, the split by use, C as certified and on the alternative basis, the choice for C)
and the supporting documents each form asks for as a checklist, ``given`` or ``to provide``.

A page is self-contained (styles inlined, no script, no remote resource). Every value from a lot file goes
through the autoescaped Jinja environment of :mod:`lotrate.render.pages`: ``<img onerror=...>`` or
``{{ 6*7 }}`` as a lot number is printed as those characters.

Examples
--------
>>> doc = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [114.2235, 22.311]},
...        "properties": {"lot_id": "<b>KTIL 713</b>", "max_gfa_m2": 14400}}
>>> page = forms_html(doc)["option"]
>>> "&lt;b&gt;KTIL 713&lt;/b&gt;" in page and "<b>KTIL" not in page, "Kowloon East" in page
(True, True)
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from lotrate.errors import LotFileError, LotrateError
from lotrate.premium.eligibility import PRE_1987_CUTOFF
from lotrate.premium.lot import Lot
from lotrate.premium.scenarios import alternative_c, filed_c_basis, lots_of
from lotrate.render.format import area_text
from lotrate.render.pages import environment
from lotrate.resolution.layers import Layers, pick
from lotrate.resolution.lots import resolve_geometry
from lotrate.results import Resolution

#: the two forms: key -> (template, file name suffix, title)
FORMS = {
    "option": ("forms/option_form.html.j2", "option_form", "Option Form (Appendix I)"),
    "enquiry": ("forms/enquiry_form.html.j2", "enquiry_form", "Enquiry Form (Appendix III)"),
}
_USE_LABEL = {"residential": "Residential", "commercial": "Commercial", "modern_industrial": "Modern industrial",
              "hotel": "Hotel (commercial, para 5(ii))", "industrial": "Industrial / godown",
              "special_industrial": "Special industrial"}


@dataclass(frozen=True)
class CheckItem:
    """One supporting document a form asks for, and whether the lot file shows it is in hand."""

    key: str
    item: str  # the form's item, e.g. "2(i)(a)"
    document: str
    status: str  # "given" | "to provide" | "not needed"
    evidence: str


def officer_of(resolution: Resolution | None) -> str:
    """The office part of "District Lands Officer, ...", e.g. "Kowloon East" for District Lands Office Kowloon East."""
    name = (resolution.district_lands_office if resolution is not None else "") or ""
    return re.sub(r"^\s*District Lands Office[r]?\s*[,:]?\s*", "", name).strip()


def _date(d: dt.date | None) -> str:
    return "" if d is None else f"{d.day} {d:%B %Y}"


def _pre1987(d: dt.date | None) -> bool:
    return d is not None and d <= PRE_1987_CUTOFF  # fn 3: on or before 1 March 1987


def checklist(lot: Lot, form: str) -> list[CheckItem]:
    """The supporting documents of a form (item 2 of both forms) as ``given`` / ``to provide`` / ``not needed``.

    A document is ``given`` when the lot file records what it evidences: the occupation permit a completion on
    or before 1 March 1987, the Building Authority's letter plans first submitted on or before that date (fn 3),
    the Certificate and approved building plans the GFA of the existing building (C, 5(iii)). On the Option Form,
    documents already sent with the Enquiry Form need not be sent again (note "&" of Appendix III).
    """
    basis = filed_c_basis(lot)
    op = _pre1987(lot.building_completed)
    letter = _pre1987(lot.plans_first_submitted)
    via_enquiry = form == "option" and lot.enquiry_submitted is not None
    sent = f"sent with the Enquiry Form on {_date(lot.enquiry_submitted)} (note & of Appendix III)"

    def status(have: bool, needed: bool = True) -> str:
        if via_enquiry:
            return "given"
        return "given" if have else ("to provide" if needed else "not needed")

    items = [
        CheckItem(
            "occupation_permit", "2(i)(a)",
            "Occupation permit(s) of the pre-1987 industrial building(s) on the Lot(s)",
            status(op, needed=not letter),
            sent if via_enquiry else (f"completed {_date(lot.building_completed)}" if op else
                                      ("not needed: 2(i)(b) is given" if letter else
                                       "either (a) or (b) is needed; building_completed not on or before "
                                       "1 March 1987")),
        ),
        CheckItem(
            "approval_letter", "2(i)(b)",
            "Building Authority approval letter(s): plans first submitted on or before 1 March 1987",
            status(letter, needed=not op),
            sent if via_enquiry else (f"plans first submitted {_date(lot.plans_first_submitted)}" if letter else
                                      ("not needed: 2(i)(a) is given" if op else
                                       "either (a) or (b) is needed; plans_first_submitted not given")),
        ),
    ]
    c_known = bool(lot.gfa_before_m2) if basis == "certificate" else False
    if basis == "alternative":
        alt = alternative_c(lot)
        items += [
            CheckItem("certificate", "2(ii)", "Certificate by an Authorized Person / Registered Professional Surveyor "
                      "certifying the GFA of the existing building", "not needed",
                      "the alternative basis for C is chosen (note #, para 5(iii))"),
            CheckItem("approved_plans", "2(ii)", "A set of the approved building plans, attached with the Certificate",
                      "not needed", "the alternative basis for C is chosen (note #)"),
            CheckItem("alternative_gfa", "#", "The GFA figure on the alternative basis (with or without supporting "
                      "information)", "given" if alt else "to provide",
                      f"C on the alternative basis: {area_text(sum(alt.values()))}" if alt else
                      "gfa_before_alternative_m2 not given"),
        ]
    else:
        items += [
            CheckItem("certificate", "2(ii)", "Certificate by an Authorized Person / Registered Professional Surveyor "
                      "certifying the GFA of the existing building",
                      status(c_known), sent if via_enquiry else (
                          f"C as certified: {area_text(sum(lot.gfa_before_m2.values()))}" if c_known
                          else "gfa_before_m2 not given")),
            CheckItem("approved_plans", "2(ii)", "A set of the approved building plans, attached with the Certificate",
                      status(c_known), sent if via_enquiry else (
                          "the plans the certified GFA is read from" if c_known else "to attach with the Certificate")),
        ]
    return items


def _split_rows(split: dict[str, Decimal], prefix: str) -> list[dict[str, str]]:
    return [{"id": f"{prefix}-{use.replace('_', '-')}", "use": _USE_LABEL.get(use, use), "area": area_text(v)}
            for use, v in split.items()]


def form_context(lot: Lot, resolution: Resolution | None, form: str) -> dict[str, Any]:
    """Everything a form template shows (plain values; the template escapes them)."""
    basis = filed_c_basis(lot)
    alt = alternative_c(lot) or {}
    a = None if lot.max_gfa_m2 is None else lot.max_gfa_m2 - lot.ga_gfa_m2  # para 5(i), fn 6
    title = FORMS[form][2]
    return {
        "form": form,
        "title": title,
        "lot_id": lot.lot_id,
        "address": lot.address,
        "officer": officer_of(resolution),
        "district_lands_office": resolution.district_lands_office if resolution else "",
        "region": f"{resolution.region_name} ({resolution.region_code})" if resolution else "",
        "district": resolution.district if resolution else "",
        "max_gfa": area_text(lot.max_gfa_m2) if lot.max_gfa_m2 is not None else "",
        "ga_gfa": area_text(lot.ga_gfa_m2) if lot.ga_gfa_m2 else "",
        "a_gfa": area_text(a) if a is not None else "",
        "after": _split_rows(lot.gfa_after_m2, "gfa-after"),
        "residential": {None: "not stated", True: "prohibited", False: "not prohibited"}[
            lot.private_residential_prohibited],
        "ozp_zone": lot.ozp_zone,
        "c_cert": _split_rows(lot.gfa_before_m2, "c") if basis == "certificate" or lot.gfa_before_m2 else [],
        "c_cert_total": area_text(sum(lot.gfa_before_m2.values())) if lot.gfa_before_m2 else "",
        "c_alt": _split_rows(alt, "c-alt"),
        "c_alt_total": area_text(sum(alt.values())) if alt else "",
        "c_basis": basis,
        "completed": _date(lot.building_completed),
        "plans_submitted": _date(lot.plans_first_submitted),
        "pbto_accepted": _date(lot.pbto_accepted),
        "initial_fee_settled": _date(lot.initial_fee_settled),
        "enquiry_submitted": _date(lot.enquiry_submitted),
        "transitional": lot.transitional,
        "checklist": checklist(lot, form),
    }


def render_form(lot: Lot, resolution: Resolution | None, form: str) -> str:
    """One filled form (``"option"`` or ``"enquiry"``) as a complete HTML page."""
    if form not in FORMS:
        raise ValueError(f"form must be one of {', '.join(FORMS)}")
    context = form_context(lot, resolution, form)
    return environment().get_template(FORMS[form][0]).render(**context, ctx=context)


def forms_html(source: Any, *, layers: Layers | None = None) -> dict[str, str]:
    """Both forms for the one lot of ``source`` (a lot file path, GeoJSON dict, LotFeature or Lot)."""
    lots = lots_of(source)
    if len(lots) != 1:
        raise LotFileError(f"the lot file holds {len(lots)} lots; use write_forms() for several", field="features")
    lot = lots[0]
    res = resolve_geometry(lot.geometry, lot.crs, layers=pick(layers))
    return {form: render_form(lot, res, form) for form in FORMS}


def file_stem(lot_id: str) -> str:
    """A file name part for a lot number: "KTIL 713" -> "KTIL_713" (never empty, no path separators)."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", lot_id).strip("._") or "lot"
    return stem[:80]


@dataclass(frozen=True)
class WrittenForms:
    """The forms written for one lot, or why none were (``error``)."""

    lot_id: str
    paths: tuple[Path, ...]
    error: str | None = None


def _atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_forms(
    source: Any,
    out_dir: str | os.PathLike[str],
    *,
    layers: Layers | None = None,
    overwrite: bool = False,
    crs: str | None = None,
) -> list[WrittenForms]:
    """Write both forms of every lot of ``source`` into ``out_dir`` (``<lot>_option_form.html``, ...).

    Nothing is replaced unless ``overwrite``: every target is checked before the first is written, and each file
    goes to a temporary file renamed into place. A lot the resolver cannot place gets ``error`` and no files.
    """
    lots = lots_of(source, crs=crs)
    lay = pick(layers)
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise LotFileError(f"-o {str(out)!r} is a file; give a folder for the forms", field="output", value=str(out))
    stems: dict[str, int] = {}
    plan: list[tuple[Lot, list[tuple[str, Path]]]] = []
    for lot in lots:
        stem = file_stem(lot.lot_id)
        stems[stem] = stems.get(stem, 0) + 1
        if stems[stem] > 1:
            stem = f"{stem}_{stems[stem]}"
        plan.append((lot, [(form, out / f"{stem}_{FORMS[form][1]}.html") for form in FORMS]))
    existing = [p for _, targets in plan for _, p in targets if p.exists()]
    if existing and not overwrite:
        raise LotFileError(
            f"{len(existing)} form file(s) exist already, e.g. {str(existing[0])!r}: give --overwrite to replace them",
            field="output",
            value=str(existing[0]),
        )
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for lot, targets in plan:
        try:  # a lot the resolver cannot place gets no forms; the others are written (the CLI's exit 3)
            res = resolve_geometry(lot.geometry, lot.crs, layers=lay)
        except LotrateError as exc:
            written.append(WrittenForms(lot.lot_id, (), str(exc)))
            continue
        pages = [(p, render_form(lot, res, form)) for form, p in targets]
        for p, text in pages:
            _atomic_write(p, text)
        written.append(WrittenForms(lot.lot_id, tuple(p for p, _ in pages)))
    return written
