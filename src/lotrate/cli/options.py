"""The options every ``lotrate`` verb shares (like rasterio's ``rio/options.py``), and how user errors exit."""

from __future__ import annotations

import json
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from lotrate.errors import LotrateError
from lotrate.resolution.layers import Layers, pick

EXIT_INPUT = 1


EXIT_PARTIAL = 3


F = TypeVar("F", bound=Callable[..., Any])


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn a :class:`LotrateError` into one line on stderr and exit code 1 (no traceback)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always")
            warnings.showwarning = _show_warning
            yield
    except LotrateError as exc:
        click.echo(f"lotrate: error: {exc}", err=True)
        sys.exit(EXIT_INPUT)


def _show_warning(message: Warning | str, category: type[Warning], *args: Any, **kwargs: Any) -> None:
    click.echo(f"lotrate: warning: {message}", err=True)


def layer_options(func: F) -> F:
    """``--zones FILE`` (repeatable) and ``--regions FILE`` on every command that resolves lots."""
    func = click.option(
        "--zones",
        "zone_files",
        multiple=True,
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="Zone layer replacing the built-in layer of its kind (NDA, PILOT_SCHEME, INDUSTRIAL_ESTATE); repeatable.",
    )(func)
    func = click.option(
        "--regions",
        "region_file",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="Region layer (a digitised Appendix II) replacing the built-in one.",
    )(func)
    return func


def rate_options(func: F) -> F:
    """``--rates FILE`` (repeatable) and ``--date YYYY-MM-DD`` on every command that prices lots."""
    func = click.option(
        "--date",
        "as_of",
        type=click.DateTime(formats=["%Y-%m-%d"]),
        help="Price lots that have no pbto_accepted date at the rates of this date.",
    )(func)
    func = click.option(
        "--rates",
        "rate_files",
        multiple=True,
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="A rate schedule file to add to the built-in ones (repeatable).",
    )(func)
    return func


def load_layers(region_file: Path | None, zone_files: tuple[Path, ...]) -> Layers:
    """The layers for the ``--regions``/``--zones`` options (the built-in ones where not given)."""
    regions = zones = None
    if region_file is not None:
        from lotrate.index.regions import RegionIndex

        regions = RegionIndex.from_file(region_file)
    if zone_files:
        from lotrate.index.zones import ZoneIndex

        zones = ZoneIndex.from_files(*zone_files)
    return pick(None, regions, zones)


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
