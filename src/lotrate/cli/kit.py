"""The decision kit on the command line (docs/outputs.md): ``lotrate compare``, ``timeline`` and ``forms``.

Data on stdout, messages on stderr. Exit codes as every verb: 0 success, 1 bad input (the message says what
and how to fix it), 2 usage, 3 a file of several lots was processed but some lots could not be (each gets
``{lot_id, error}``; the others are answered as usual).
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import click

from lotrate.cli.options import EXIT_PARTIAL, emit_json, layer_options, load_layers, rate_options, user_errors
from lotrate.errors import LotFileError, LotrateError

_DATE = click.DateTime(formats=["%Y-%m-%d"])


def _parse_each(lot_file: Path, crs: str | None) -> list[Any]:
    """Each feature parsed to a Lot, or ``(lot_id, error)``; a file of one lot raises its error instead."""
    from lotrate.io.lotfile import read_features
    from lotrate.premium.lot import parse_lot

    feats = read_features(lot_file, crs=crs)
    out: list[Any] = []
    for f in feats:
        try:
            out.append(parse_lot(f))
        except LotrateError as exc:
            if len(feats) == 1:
                raise
            out.append((f.lot_id, exc))
    return out


def _money(value: Any) -> str:
    from lotrate.render.format import money

    return "-" if value is None else money(value)


def _signed(value: Any) -> str:
    if value is None:
        return "-"
    return ("+" if value > 0 else "±" if value == 0 else "") + _money(value)


def _table(head: list[str], rows: list[list[str]], right: tuple[int, ...] = ()) -> list[str]:
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]

    def fmt(r: list[str]) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))).rstrip()

    return [fmt(head), fmt(["-" * w for w in widths]), *(fmt(r) for r in rows)]


def comparison_text(c: Any) -> str:
    """A readable table of one lot's scenarios."""
    head = f"{c.lot_id}" + (f", {c.address}" if c.address else "") + (f" ({c.region_code}" if c.region_code else "")
    head += (f", {c.district_lands_office})" if c.district_lands_office else ")") if c.region_code else ""
    rows = []
    notes = []
    for s in c.scenarios:
        verdict = s.verdict.replace("_", " ")
        rows.append([s.name, s.schedule or "-", s.pbto_accepted.isoformat() if s.pbto_accepted else "-", s.c_basis,
                     verdict, _money(s.premium_hkd), _signed(s.difference_hkd), s.paragraph])
        if s.verdict in ("not_allowed", "not_applicable") and s.note:
            notes.append(f"  {s.name}: {s.note}")
    lines = [head, *("  " + line for line in _table(
        ["scenario", "schedule", "PBTO", "C basis", "verdict", "premium", "vs filed", "PN"], rows, right=(5, 6)))]
    # one reason per distinct note is enough (a not-applicable lot gives the same reason for every scenario)
    seen: set[str] = set()
    for n in notes:
        reason = n.split(": ", 1)[1]
        if reason not in seen:
            seen.add(reason)
            lines.append(n)
    return "\n".join(lines)


@click.command()
@click.argument("lot_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="JSON on stdout (keys in docs/outputs.md).")
@click.option(
    "--scenarios",
    "scenario_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help='A JSON file of named property overrides: {"name": {"max_gfa_m2": 12000, ...}, ...}.',
)
@click.option("--crs", default=None, help="CRS of a lot file with no crs member (default WGS 84).")
@rate_options
@layer_options
def compare(
    lot_file: Path,
    as_json: bool,
    scenario_file: Path | None,
    crs: str | None,
    rate_files: tuple[Path, ...],
    as_of: Any,
    region_file: Path | None,
    zone_files: tuple[Path, ...],
) -> None:
    """Price each lot of LOT_FILE as filed beside its alternatives (after-use, C basis, E, PBTO timing).

    Every loaded schedule whose period ends on or after the lot's PBTO date (or --date) adds the same lot with
    its PBTO accepted in that period (para 6): load next year's table with --rates to see both. A scenario the
    Practice Note does not allow (residential where it is prohibited, para 5(ii)) is shown, not priced.

    \b
    Examples:
      lotrate compare lots.geojson
      lotrate compare lot.geojson --rates rates_2025.csv --scenarios schemes.json --json
    """
    from lotrate.premium.assess import schedules_from
    from lotrate.premium.scenarios import compare_lot, load_scenarios

    with user_errors():
        layers = load_layers(region_file, zone_files)
        user = load_scenarios(scenario_file) if scenario_file is not None else {}
        schedules = schedules_from(list(rate_files) or None)
        today = as_of.date() if as_of else None
        items = _parse_each(lot_file, crs)
        results: list[Any] = []
        failed = 0
        for item in items:
            if isinstance(item, tuple):
                results.append(item)
                failed += 1
                continue
            try:
                results.append(compare_lot(item, schedules, layers, today, user))
            except LotrateError as exc:
                if len(items) == 1:
                    raise
                results.append((item.lot_id, exc))
                failed += 1
        if as_json:
            data = [{"lot_id": r[0], "error": str(r[1])} if isinstance(r, tuple) else r.to_dict() for r in results]
            emit_json(data[0] if len(data) == 1 else data)
        else:
            blocks = [f"{r[0]}: error: {r[1]}" if isinstance(r, tuple) else comparison_text(r) for r in results]
            click.echo("\n\n".join(blocks))
        if failed:
            click.echo(f"lotrate: {failed} of {len(results)} lots could not be compared", err=True)
            sys.exit(EXIT_PARTIAL)


def timeline_text(t: Any) -> str:
    lines = [f"{t.lot_id}" + (f", {t.address}" if t.address else "") + f" (as of {t.today.isoformat()})"]
    rows = [[e.date.isoformat() if e.date else "not dated", e.status, e.paragraph, e.event] for e in t.events]
    lines += ["  " + line for line in _table(["date", "status", "PN", "event"], rows)]
    for e in t.events:
        if e.status in ("due", "overdue"):
            when = e.date.isoformat() if e.date else "not dated"
            lines.append(f"  {e.status} ({when}) {e.event.split(',')[0]}: "
                         + ("if missed, " if e.status == "due" else "") + e.consequence)
    return "\n".join(lines)


@click.command()
@click.argument("lot_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--today", type=_DATE, help="Judge the status of each step as of this date (default: today in HK).")
@click.option("--json", "as_json", is_flag=True, help="JSON on stdout (keys in docs/outputs.md).")
@click.option("--ics", "ics_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the dated steps to this iCalendar file, for a diary to import.")
@click.option("--overwrite", is_flag=True, help="Replace an existing --ics file.")
@click.option("--crs", default=None, help="CRS of a lot file with no crs member (default WGS 84).")
@click.option(
    "--rates",
    "rate_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A rate schedule file to add to the built-in ones (repeatable): which applies after the next 1 April.",
)
def timeline(
    lot_file: Path,
    today: dt.datetime | None,
    as_json: bool,
    ics_file: Path | None,
    overwrite: bool,
    crs: str | None,
    rate_files: tuple[Path, ...],
) -> None:
    """The dated steps of each lot of LOT_FILE: Enquiry Form (para 7), Option Form (paras 4, 11), premium offer
    (para 8), transitional dates (para 10), next rate review (para 6), each with its status and consequence.

    \b
    Examples:
      lotrate timeline lot.geojson --today 2024-02-01
      lotrate timeline lots.geojson --ics deadlines.ics
    """
    from lotrate.premium.assess import schedules_from
    from lotrate.premium.timeline import timeline_lot, write_ics

    with user_errors():
        if ics_file is not None:
            if ics_file.is_dir():
                raise LotFileError(f"--ics {str(ics_file)!r} is a folder: give a file name such as deadlines.ics")
            if ics_file.exists() and ics_file.resolve() == lot_file.resolve():
                raise LotFileError(f"--ics {str(ics_file)!r} is the lot file itself: give another file name")
            if ics_file.exists() and not overwrite:
                raise LotFileError(f"--ics {str(ics_file)!r} exists: give --overwrite to replace it")
        schedules = schedules_from(list(rate_files) or None)
        day = today.date() if today else None
        items = _parse_each(lot_file, crs)
        results = [item if isinstance(item, tuple) else timeline_lot(item, schedules, day) for item in items]
        failed = sum(isinstance(r, tuple) for r in results)
        if as_json:
            data = [{"lot_id": r[0], "error": str(r[1])} if isinstance(r, tuple) else r.to_dict() for r in results]
            emit_json(data[0] if len(data) == 1 else data)
        else:
            click.echo("\n\n".join(f"{r[0]}: error: {r[1]}" if isinstance(r, tuple) else timeline_text(r)
                                   for r in results))
        if ics_file is not None:
            good = [r for r in results if not isinstance(r, tuple)]
            write_ics(good, ics_file, overwrite=overwrite)
            click.echo(f"lotrate: wrote {ics_file} ({len(good)} lots)", err=True)
        if failed:
            click.echo(f"lotrate: {failed} of {len(results)} lots could not be read", err=True)
            sys.exit(EXIT_PARTIAL)


@click.command()
@click.argument("lot_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the forms (created if needed): <lot>_option_form.html, <lot>_enquiry_form.html.")
@click.option("--overwrite", is_flag=True, help="Replace form files that exist already.")
@click.option("--crs", default=None, help="CRS of a lot file with no crs member (default WGS 84).")
@layer_options
def forms(
    lot_file: Path,
    out_dir: Path,
    overwrite: bool,
    crs: str | None,
    region_file: Path | None,
    zone_files: tuple[Path, ...],
) -> None:
    """Write the Option Form (Appendix I) and the Enquiry Form (Appendix III) of PN 12/2023 for each lot of
    LOT_FILE as printable A4 HTML pages, filled from the lot file and its District Lands Office.

    The paths written go to stdout. What only the applicant can give (signatures, names, dates) is left blank.

    \b
    Examples:
      lotrate forms lot.geojson -o forms/
    """
    from lotrate.render.forms import write_forms

    with user_errors():
        layers = load_layers(region_file, zone_files)
        items = _parse_each(lot_file, crs)
        lots = [i for i in items if not isinstance(i, tuple)]
        errors = [(i[0], str(i[1])) for i in items if isinstance(i, tuple)]
        written = write_forms(lots, out_dir, layers=layers, overwrite=overwrite) if lots else []
        for w in written:
            if w.error is not None:
                if len(items) == 1:
                    raise LotrateError(w.error)
                errors.append((w.lot_id, w.error))
            for p in w.paths:
                click.echo(str(p))
        for lot_id, error in errors:
            click.echo(f"lotrate: error: {lot_id}: {error}", err=True)
        if errors:
            sys.exit(EXIT_PARTIAL)
