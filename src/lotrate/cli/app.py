"""The ``lotrate`` click group and its verbs ``resolve``, ``assess``, ``report`` and ``batch`` (others register here).

Data on stdout, logs on stderr, no traceback for a user error.

Exit codes
----------
0  success
1  bad input: a coordinate outside Hong Kong, swapped or in the wrong units, a malformed lot file, a date
   no rate schedule covers, ... (the message on stderr says what and how to fix it)
2  command-line usage error (unknown option, missing argument)
3  a file was processed but some of its lots or rows could not be resolved (see their ``error``)
4  a bug in lotrate (a traceback is printed; please report it)
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from lotrate import messages
from lotrate._data import data_version
from lotrate._version import __version__
from lotrate.cli.kit import compare, forms, timeline
from lotrate.cli.options import (
    EXIT_PARTIAL,
    LotrateGroup,
    OutputPath,
    check_report_output,
    emit_json,
    layer_options,
    load_layers,
    rate_options,
    user_errors,
)
from lotrate.cli.rates import rates_group, schema_command, template_group
from lotrate.errors import LotrateError

if TYPE_CHECKING:
    from lotrate.results import Resolution

log = logging.getLogger("lotrate")














def _describe(r: Resolution, label: str | None = None) -> str:
    head = f"{label}: " if label else ""
    lines = [
        f"{head}{r.region_name} ({r.region_code}), {r.district} District"
        + (f", {r.district_lands_office}" if r.district_lands_office else ""),
        f"  HK1980 Grid E {r.easting:,.2f} N {r.northing:,.2f}"
        + (f", lot area {r.area_m2:,.1f} m2" if r.area_m2 is not None else ""),
        f"  {r.boundary_distance_m:,.0f} m from the nearest other region ({r.nearest_region})",
    ]
    if len(r.shares) > 1:
        lines.append("  shares: " + ", ".join(f"{s.code} {s.share * 100:.2f} %" for s in r.shares))
    for z in r.zones:
        lines.append(f"  zone: {z.name} ({z.kind}, {z.status})")
    for w in r.warnings:
        lines.append(f"  warning: {w}")
    return "\n".join(messages.printable(line) for line in lines)  # lot ids and layer names never forge lines


@click.group(cls=LotrateGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(
    __version__, "--version", prog_name="lotrate", message=f"%(prog)s %(version)s (data {data_version()})"
)
@click.option("-v", "--verbose", count=True, help="More log output on stderr.")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
def main(verbose: int, quiet: bool) -> None:
    """Appendix II region, special zones and PN 12/2023 standard-rate premium for Hong Kong industrial lots.

    Docs: see the docs/ folder of the lotrate source (index.md, lot-file.md, outputs.md, cli.md, rates.md,
    layers.md, python.md).
    """
    level = logging.ERROR if quiet else (logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING)
    logging.basicConfig(level=level, stream=sys.stderr, format="lotrate: %(levelname)s: %(message)s")


@main.command()
@click.argument("x", type=float, required=False)
@click.argument("y", type=float, required=False)
@click.option("--crs", default="EPSG:4326", show_default=True, help="CRS of X and Y (always x, y order).")
@click.option(
    "--file",
    "lot_file",
    type=click.Path(exists=True, path_type=Path),
    help="A lot file (GeoJSON Feature or FeatureCollection) instead of X Y.",
)
@click.option("--json", "as_json", is_flag=True, help="JSON on stdout (keys in docs/outputs.md).")
@layer_options
def resolve(
    x: float | None,
    y: float | None,
    crs: str,
    lot_file: Path | None,
    as_json: bool,
    region_file: Path | None,
    zone_files: tuple[Path, ...],
) -> None:
    """Resolve a point X Y (longitude latitude, or easting northing with --crs EPSG:2326), or the lots of --file.

    \b
    Examples:
      lotrate resolve 114.2250 22.3130
      lotrate resolve 835411.43 817266.02 --crs EPSG:2326 --json
      lotrate resolve --file lots.geojson --json
    """
    from lotrate.io.lotfile import read_features
    from lotrate.resolution.lots import resolve_geometry
    from lotrate.resolution.points import resolve as resolve_point

    with user_errors(lot_file):
        layers = load_layers(region_file, zone_files)
        if lot_file is None:
            if x is None or y is None:
                raise click.UsageError("give X and Y, or --file LOTS.geojson")
            r = resolve_point(x=x, y=y, crs=crs, layers=layers)
            emit_json(r.to_dict()) if as_json else click.echo(_describe(r))
            return
        if x is not None:
            raise click.UsageError("give either X Y or --file, not both")
        failed = 0
        results: list[dict[str, Any]] = []
        for feat in read_features(lot_file, crs=None if crs == "EPSG:4326" else crs):
            try:
                r = resolve_geometry(feat.geometry, feat.crs, layers=layers)
                row = {"lot_id": feat.lot_id, **r.to_dict(), "error": None}
                text = _describe(r, feat.lot_id)
            except LotrateError as exc:
                failed += 1
                row = {"lot_id": feat.lot_id, "region_code": None, "error": str(exc)}
                text = f"{messages.printable(feat.lot_id)}: error: {messages.one_line(exc)}"
            results.append(row)
            if not as_json:
                click.echo(text)
        if as_json:
            emit_json(results)
        if failed:
            click.echo(f"lotrate: {failed} of {len(results)} lots could not be resolved", err=True)
            sys.exit(EXIT_PARTIAL)


def _money(value: object) -> str:
    return "-" if value is None else f"HK${float(str(value)):,.0f}"


def assessment_table(assessments: list[Any]) -> str:
    """A readable table of assessments: lot, region, schedule, verdict, premium, a note.

    The verdict is ``applicable``, ``not applicable`` (the note says why and where the lot goes instead) or
    ``unverified`` (the premium is an estimate resting on the checks the note names); a lot that could not be
    assessed shows ``error`` and its message.
    """
    head = ["lot", "region", "district", "schedule", "verdict", "premium", "note"]
    rows = []
    for a in assessments:
        if getattr(a, "error", None) is not None and not hasattr(a, "eligibility"):
            rows.append([a.lot_id, "-", "-", "-", "error", "-", str(a.error)])
            continue
        failed = [c for c in a.eligibility if c.status == "fail" and c.blocking]
        unknown = [c.check for c in a.eligibility if c.status == "unknown" and c.blocking]
        notes = []
        if failed:
            zone_failed = any(c.check == "outside_special_zones" for c in failed)
            zones = [f"{z.name} ({z.kind})" for z in a.zones] if zone_failed else []
            notes.append("not applicable: " + ", ".join(zones + [c.check for c in failed
                                                                 if c.check != "outside_special_zones"]))
            instead = getattr(a, "instead", [])
            if instead:
                notes.append("instead: " + "; ".join(f"{r['label']} ({r['paragraph']})" for r in instead))
        else:
            if unknown:
                notes.append("unverified, an estimate: " + ", ".join(unknown))
            if a.breakdown is not None and a.breakdown.estimate:
                rng = a.breakdown.premium_range
                notes.append(
                    "estimate: the lot straddles regions, A and C apportioned by area"
                    + (f"; by region {_money(rng[0])} to {_money(rng[1])}" if rng else "")
                )
        schedule = a.rate_schedule.id if a.rate_schedule else "-"
        verdict = str(getattr(a, "verdict", None) or ("applicable" if a.applicable else "not_applicable"))
        rows.append([a.lot_id, a.region_code, a.district, schedule, verdict.replace("_", " "), _money(a.premium_hkd),
                     "; ".join(notes)])
    rows = [[messages.printable(c) for c in r] for r in rows]  # lot ids and layer names never forge rows
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]

    def fmt(r: list[str]) -> str:
        cells = (c.rjust(w) if i == 5 else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths)))
        return "  ".join(cells).rstrip()

    return "\n".join([fmt(head), fmt(["-" * w for w in widths]), *(fmt(r) for r in rows)])


@main.command()
@click.argument("lot_file", type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="JSON on stdout (keys in docs/outputs.md).")
@click.option(
    "--crs",
    default=None,
    help="CRS of a lot file with no crs member, or of a spreadsheet's x/y columns (e.g. EPSG:2326 for HK1980 Grid).",
)
@rate_options
@layer_options
def assess(
    lot_file: Path,
    as_json: bool,
    crs: str | None,
    rate_files: tuple[Path, ...],
    as_of: Any,
    region_file: Path | None,
    zone_files: tuple[Path, ...],
) -> None:
    """Assess the lots of LOT_FILE: region, zones, eligibility, verdict and premium (PN 12/2023).

    LOT_FILE is a lot file (GeoJSON Feature or FeatureCollection, format v1) or a spreadsheet (.csv, .xlsx) with
    a row per lot and flat columns (gfa_after_commercial_m2, ...). Lot by lot: a lot that cannot be assessed is
    reported with its error and the others are assessed (exit code 3). Rate schedules: the built-in ones, those
    named in LOTRATE_RATES, and --rates.

    \b
    Examples:
      lotrate assess lots.geojson
      lotrate assess lot.geojson --json --rates rates_2025.csv
      lotrate assess lots.xlsx --crs EPSG:2326
    """
    from lotrate.premium.assess import LotFailure, assess_each

    with user_errors(lot_file):
        layers = load_layers(region_file, zone_files)
        results = assess_each(
            lot_file,
            rates=list(rate_files) or None,
            layers=layers,
            as_of=as_of.date() if as_of else None,
            crs=crs,
        )
        failed = [r for r in results if isinstance(r, LotFailure)]
        if len(results) == 1 and failed:
            raise failed[0].exception
        if as_json:
            data = [a.to_dict() for a in results]
            emit_json(data[0] if len(data) == 1 else data)
        else:
            click.echo(assessment_table(results))
        for f in failed:
            click.echo(f"lotrate: error: {messages.printable(f.lot_id)}: {messages.one_line(f.error)}", err=True)
        if failed:
            click.echo(f"lotrate: {len(failed)} of {len(results)} lots could not be assessed", err=True)
            sys.exit(EXIT_PARTIAL)


@main.command()
@click.argument("src", type=click.Path(exists=True, path_type=Path))
@click.option(
    "-o",
    "--output",
    "dst",
    required=True,
    type=OutputPath(path_type=Path),
    help="Output layer; its extension picks the format (.gpkg .geojson .fgb .shp .csv .parquet). Never the "
    "input (except a GeoPackage taking a new layer); an existing file only with --overwrite.",
)
@click.option(
    "--layer",
    default=None,
    help="GeoPackage layer to write (default: the input's name; <input layer>_lotrate when -o is the input). "
    "The GeoPackage's other layers are kept.",
)
@click.option(
    "--overwrite",
    is_flag=True,
    help="Replace an existing output file, or the GeoPackage layer of the same name (never the input).",
)
@click.option("--assess", "do_assess", is_flag=True, help="Assess every row (lot file v1 columns) as well.")
@click.option("--crs", default=None, help="CRS of a CSV's x/y columns (default from their names).")
@click.option(
    "--rates",
    "rate_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A rate schedule file to add to the built-in ones (with --assess; repeatable).",
)
@click.option("--progress/--no-progress", default=None, help="Progress bar on stderr (default: for large inputs).")
@layer_options
def batch(
    src: Path,
    dst: Path,
    layer: str | None,
    overwrite: bool,
    do_assess: bool,
    crs: str | None,
    rate_files: tuple[Path, ...],
    progress: bool | None,
    region_file: Path | None,
    zone_files: tuple[Path, ...],
) -> None:
    """Resolve (or --assess) every row of a GIS layer SRC and write the enriched layer to -o OUT.

    Reads GeoPackage, Shapefile, GeoJSON, FlatGeobuf (anything pyogrio reads) or a CSV with x/y, lon/lat or
    easting/northing columns, or WKT in a geometry column. Every input row and column is kept, in order; rows
    that cannot be resolved get an `error`. Exit code 3 when any row failed.

    Nothing is lost: the output is written to a temporary file beside it and renamed into place; an existing
    file is replaced only with --overwrite; a GeoPackage keeps its other layers. A result column whose name an
    input column already has (in any case) is written as lotrate_NAME, then lotrate_2_NAME, ... so a second
    pass never overwrites the first one's results.

    \b
    Examples:
      lotrate batch lots.gpkg -o lots_regions.gpkg
      lotrate batch points.csv -o out.csv --crs EPSG:2326
      lotrate batch applications.geojson -o assessed.parquet --assess
    """
    from lotrate.cli.batch import run_batch

    with user_errors(src):
        layers = load_layers(region_file, zone_files)
        _rows, failed = run_batch(
            src,
            dst,
            layer=layer,
            overwrite=overwrite,
            assess=do_assess,
            crs=crs,
            rates=list(rate_files) or None,
            layers=layers,
            progress=progress,
            echo=lambda msg: click.echo(msg, err=True),
        )
        if failed:
            sys.exit(EXIT_PARTIAL)


@main.command()
@click.argument("lot_file", type=click.Path(exists=True, path_type=Path))
@click.option(
    "-o",
    "--output",
    "out",
    required=True,
    type=OutputPath(path_type=Path),
    help="OUT.html for a file holding one lot; otherwise a folder (one report per lot plus index.html).",
)
@click.option(
    "--overwrite",
    is_flag=True,
    help="Replace an existing OUT.html, or the index.html and same-named pages of an existing folder.",
)
@click.option("--crs", default=None, help="CRS of a lot file with no crs member (default WGS 84).")
@rate_options
@click.option(
    "--basemap",
    type=click.Choice(["osm", "landsd"]),
    default="osm",
    show_default=True,
    help="Map tiles: OpenStreetMap or the Lands Department's basemap (the other stays selectable).",
)
@click.option("--no-premium", is_flag=True, help="Locate and map the lots only; compute no premium.")
@click.option("--firm", default=None, metavar="NAME", help="Your firm's name, on every page.")
@click.option("--reference", default=None, metavar="REF", help="Your job reference, on every page.")
@click.option("--logo", default=None, type=click.Path(path_type=Path), help="A logo image (PNG, JPEG, SVG), inlined.")
@layer_options
def report(
    lot_file: Path,
    out: Path,
    overwrite: bool,
    crs: str | None,
    rate_files: tuple[Path, ...],
    as_of: Any,
    basemap: str,
    no_premium: bool,
    firm: str | None,
    reference: str | None,
    logo: Path | None,
    region_file: Path | None,
    zone_files: tuple[Path, ...],
) -> None:
    """Write a self-contained HTML report per lot of LOT_FILE (map, checklist, computation, assumptions).

    The paths written go to stdout: the report, or the index page then each report. A report opens with no
    network (only basemap tiles need one). Exit code 3 when some lots got no report or no premium.

    \b
    Examples:
      lotrate report lot.geojson -o KTIL_713.html
      lotrate report lots.geojson -o reports/
    """
    from lotrate.io.lotfile import read_lots
    from lotrate.render.report import write_report
    from lotrate.render.reportset import write_reports

    with user_errors(lot_file):
        layers = load_layers(region_file, zone_files)
        feats = read_lots(lot_file, crs=crs)
        if not (out.suffix.lower() in (".html", ".htm") and len(feats) != 1):
            check_report_output(lot_file, out, [f.lot_id for f in feats], overwrite)
        options: dict[str, Any] = {
            "assess": not no_premium,
            "rates": list(rate_files) or None,
            "as_of": as_of.date() if as_of else None,
            "layers": layers,
            "basemap": basemap,
            "firm": firm,
            "reference": reference,
            "logo": logo,
        }
        if out.suffix.lower() in (".html", ".htm"):
            if len(feats) != 1:
                raise click.UsageError(
                    f"{lot_file} holds {len(feats)} lots and -o {out} is one file: give a folder to write one "
                    "report per lot plus an index"
                )
            click.echo(str(write_report(feats[0], out, **options)))
            return
        written = write_reports(feats, out, **options)
        click.echo(str(written.index))
        for entry in written.entries:
            if entry.path is not None:
                click.echo(str(entry.path))
        for entry in written.failed:
            lot = messages.printable(entry.lot_id)
            click.echo(f"lotrate: error: {lot}: {messages.one_line(entry.error)}", err=True)
        if written.failed:
            sys.exit(EXIT_PARTIAL)

# the decision kit (compare, timeline, forms) and the rate-schedule, schema and template commands
for _command in (compare, timeline, forms, rates_group, schema_command, template_group):
    main.add_command(_command)
