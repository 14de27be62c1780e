"""``lotrate rates list|show|template|check``, ``lotrate schema`` and ``lotrate template lot``.

Rate schedules are added without touching code or the installed package (docs/rates.md): write a table with
``lotrate rates template``, fill it in from the Lands Department's publication, check it with ``lotrate rates
check``, and name it (or its folder) in ``LOTRATE_RATES`` for every command, or pass ``--rates FILE``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import click

from lotrate.cli.options import emit_json, user_errors
from lotrate.errors import ScheduleError

_RATES_FILES = click.option(
    "--rates",
    "rate_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A rate schedule file to add to the built-in and LOTRATE_RATES ones (repeatable).",
)


def _pool(rate_files: tuple[Path, ...]) -> tuple[Any, ...]:
    from lotrate.premium.rates import load_schedule, schedule_set

    return schedule_set([load_schedule(p) for p in rate_files])


def _write_out(text: str | bytes, out: Path | None, overwrite: bool) -> None:
    """Text to stdout, or to OUT atomically (never over an existing file without --overwrite)."""
    if out is None:
        click.echo(text if isinstance(text, str) else text.decode(), nl=False)
        return
    if out.exists() and not overwrite:
        raise click.UsageError(f"{out} exists; pass --overwrite to replace it")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    if isinstance(text, bytes):
        tmp.write_bytes(text)
    else:
        tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, out)
    click.echo(str(out))


@click.group("rates")
def rates_group() -> None:
    """Rate schedules: list what is loaded (and the gaps), show one, write a template, check a file.

    Schedules come from the package (sourced tables only), from the files or folders named in the LOTRATE_RATES
    environment variable (separated by the system's path separator), and from --rates. The tool never guesses
    a rate: a date no schedule covers is an error saying how to add the table in force.
    """


@rates_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="JSON on stdout: schedules and gaps.")
@_RATES_FILES
def rates_list(as_json: bool, rate_files: tuple[Path, ...]) -> None:
    """Every schedule known: id, period, Practice Note, where it was loaded from; and the gaps between periods.

    \b
    Examples:
      lotrate rates list
      LOTRATE_RATES=~/rates lotrate rates list --json
    """
    from lotrate.premium.rates import RATES_ENV, gaps

    with user_errors():
        pool = _pool(rate_files)
        holes = gaps(pool)
        if as_json:
            emit_json({"schedules": [s.to_dict() for s in pool], "gaps": [g.to_dict() for g in holes],
                       "env": os.environ.get(RATES_ENV, "")})
            return
        events: list[tuple[dt.date, str]] = [
            (s.effective_from, f"{s.id:<14} {s.period:<28} {s.practice_note} [{s.origin}"
                               + (f": {s.path}" if s.origin != "built-in" else "") + "]")
            for s in pool
        ]
        events += [(g.start, f"{'(gap)':<14} {g}") for g in holes]
        for _, line in sorted(events, key=lambda e: e[0]):
            click.echo(line)
        click.echo(
            f"\nTo add a table: lotrate rates template > rates.csv, fill in the rates from the Lands Department's "
            f"publication, lotrate rates check rates.csv, then set {RATES_ENV}=/path/to/rates.csv (files or folders)."
        )


@rates_group.command("show")
@click.argument("schedule_id")
@click.option("--json", "as_json", is_flag=True, help="JSON on stdout.")
@_RATES_FILES
def rates_show(schedule_id: str, as_json: bool, rate_files: tuple[Path, ...]) -> None:
    """Show one schedule: its header and the rate of every region and use (HK$ per m2 of GFA)."""
    from lotrate.index.regions import REGION_CODES
    from lotrate.premium.rates import USES

    with user_errors():
        pool = _pool(rate_files)
        found = [s for s in pool if s.id.lower() == schedule_id.lower()]
        if not found:
            raise ScheduleError(f"no schedule {schedule_id!r}; loaded: {', '.join(s.id for s in pool)}")
        s = found[0]
        uses = [u for u in USES if s.has(u)]
        if as_json:
            emit_json({**s.to_dict(), "rates": {r: {u: str(s.rates[(r, u)]) for u in uses} for r in REGION_CODES}})
            return
        for key, value in s.to_dict().items():
            if value:
                click.echo(f"{key}: {value}")
        click.echo("")
        head = ["region", *uses]
        rows = [[r, *(f"{float(s.rates[(r, u)]):,.0f}" for u in uses)] for r in REGION_CODES]
        widths = [max(len(x[i]) for x in [head, *rows]) for i in range(len(head))]
        for row in [head, *rows]:
            click.echo("  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths))))


@rates_group.command("template")
@click.option("--from", "base_id", default=None, help="Copy the figures of this schedule (to be replaced).")
@click.option("--effective-from", "start", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="First day of the table (default: the 1 April after the last built-in table).")
@click.option("--id", "schedule_id", default=None, help="The schedule's id (default RATES-<effective from>).")
@click.option("-o", "--output", "out", type=click.Path(dir_okay=False, path_type=Path), help="Write here, not stdout.")
@click.option("--overwrite", is_flag=True, help="Replace an existing -o file.")
@_RATES_FILES
def rates_template(
    base_id: str | None,
    start: dt.datetime | None,
    schedule_id: str | None,
    out: Path | None,
    overwrite: bool,
    rate_files: tuple[Path, ...],
) -> None:
    """A ready-to-fill schedule CSV on stdout (every region x use, separate commercial and modern industrial).

    \b
    Examples:
      lotrate rates template --effective-from 2026-04-01 > rates_2026.csv
      lotrate rates template --from PN12/2023 -o rates.csv
    """
    from lotrate.premium.rates import template_csv

    with user_errors():
        base = None
        if base_id is not None:
            pool = _pool(rate_files)
            found = [s for s in pool if s.id.lower() == base_id.lower()]
            if not found:
                raise ScheduleError(f"no schedule {base_id!r} to copy; loaded: {', '.join(s.id for s in pool)}")
            base = found[0]
        _write_out(template_csv(base, start.date() if start else None, schedule_id), out, overwrite)


@rates_group.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def rates_check(files: tuple[Path, ...]) -> None:
    """Check schedule FILES: format, every region x use, positive rates, and no overlap with what is loaded.

    Exit code 0 when every file is good (notes on stderr), 1 otherwise.
    """
    from lotrate.premium.rates import load_schedule, schedule_set

    with user_errors():
        loaded = [load_schedule(p) for p in files]
        schedule_set(loaded)  # overlaps with the built-in and LOTRATE_RATES schedules
        for s in loaded:
            notes = []
            if "fill in" in f"{s.practice_note} {s.source}".lower():
                notes.append("the practice_note or source header still says 'fill in'")
            if not s.has("special_industrial"):
                notes.append("no special_industrial rates: special industrial GFA cannot be priced with it")
            if not s.separate_commercial and s.effective_from >= dt.date(2025, 4, 1):
                notes.append("commercial and modern_industrial rates are equal everywhere; from PN 5/2025 they are "
                             "separate: check the table")
            click.echo(f"{s.path}: ok: {s.id}, {s.period}, {len(s.rates)} rates")
            for n in notes:
                click.echo(f"lotrate: note: {s.id}: {n}", err=True)


@click.command("schema")
@click.option("-o", "--output", "out", type=click.Path(dir_okay=False, path_type=Path), help="Write here, not stdout.")
@click.option("--overwrite", is_flag=True, help="Replace an existing -o file.")
def schema_command(out: Path | None, overwrite: bool) -> None:
    """The JSON Schema of lot file format v1, as lotrate validates it (for editors and other tools).

    \b
    Examples:
      lotrate schema > lot.schema.json
    """
    from lotrate._data import data_path

    with user_errors():
        _write_out(data_path("schema", "lot.schema.json").read_text(encoding="utf-8"), out, overwrite)


@click.group("template")
def template_group() -> None:
    """Blank input files to fill in."""


def blank_lot() -> dict[str, Any]:
    """A blank lot file: every property null, with a comment per key in the ``comments`` member."""
    from lotrate.premium.lot import lot_schema

    props = lot_schema()["$defs"]["properties"]["properties"]
    skip_ft2 = {k for k in props if k.endswith("_ft2")}
    comments = {k: v.get("description", "") for k, v in props.items() if k not in skip_ft2}
    comments["_areas"] = "any *_m2 key may be given in square feet as *_ft2 instead (never both); 1 ft = 0.3048 m"
    comments["_schema"] = "lotrate schema prints the JSON Schema; lotrate assess THIS_FILE checks and prices it"
    blank: dict[str, Any] = {k: None for k in props if k not in skip_ft2}
    blank["lot_id"] = ""
    for k in ("gfa_after_m2", "gfa_before_m2"):
        blank[k] = {u: None for u in props[k]["properties"]}
    return {
        "type": "Feature",
        "comments": comments,
        "geometry": {"type": "Point", "coordinates": [None, None]},
        "properties": blank,
    }


@template_group.command("lot")
@click.option("--format", "fmt", type=click.Choice(["geojson", "csv", "xlsx"]), default="geojson", show_default=True)
@click.option("-o", "--output", "out", type=click.Path(dir_okay=False, path_type=Path), help="Write here, not stdout.")
@click.option("--overwrite", is_flag=True, help="Replace an existing -o file.")
def template_lot(fmt: str, out: Path | None, overwrite: bool) -> None:
    """A blank, commented lot file (GeoJSON), or a spreadsheet header with flat columns (CSV, XLSX).

    \b
    Examples:
      lotrate template lot > lot.geojson
      lotrate template lot --format xlsx -o lots.xlsx
    """
    from lotrate.io.lotfile import AREA_FIELDS, BEFORE_USES, format_keys

    with user_errors():
        if fmt == "geojson":
            _write_out(json.dumps(blank_lot(), indent=2) + "\n", out, overwrite)
            return
        cols = ["lot_id", "lon", "lat"]
        cols += [k for k in format_keys() if k != "lot_id" and not k.endswith("_ft2")
                 and not k.startswith(("gfa_after", "gfa_before"))]
        cols += [f"gfa_after_{u}_m2" for u in ("residential", "commercial", "modern_industrial", "hotel")]
        cols += [f"gfa_before_{u}_m2" for u in BEFORE_USES]
        cols = list(dict.fromkeys(c for c in cols if c.rsplit("_", 1)[0] not in AREA_FIELDS or c.endswith("_m2")))
        if fmt == "csv":
            _write_out(",".join(cols) + "\n", out, overwrite)
            return
        if out is None:
            raise click.UsageError("--format xlsx needs -o FILE.xlsx")
        if out.exists() and not overwrite:
            raise click.UsageError(f"{out} exists; pass --overwrite to replace it")
        import pandas as pd

        from lotrate.io.lotfile import write_xlsx

        write_xlsx(pd.DataFrame(columns=cols), out)
        click.echo(str(out))


__all__ = ["rates_group", "schema_command", "template_group"]
