"""The options every ``lotrate`` verb shares (like rasterio's ``rio/options.py``), and how user errors exit."""

from __future__ import annotations

import decimal
import errno
import json
import math
import os
import re
import sys
import traceback
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from lotrate import messages
from lotrate.errors import LotrateError, OutputError

if TYPE_CHECKING:
    from lotrate.resolution.layers import Layers

EXIT_INPUT = 1


EXIT_PARTIAL = 3
EXIT_BUG = 4

#: OSError numbers that are the user's or the machine's business (a full disk, a read-only folder), not a bug
_USER_ERRNOS = {
    errno.ENOSPC,
    errno.EDQUOT,
    errno.EACCES,
    errno.EPERM,
    errno.EROFS,
    errno.ENOENT,
    errno.EISDIR,
    errno.ENOTDIR,
    errno.EEXIST,
    errno.ENAMETOOLONG,
    errno.EFBIG,
    errno.EMFILE,
}


F = TypeVar("F", bound=Callable[..., Any])


def fail(message: object, source: object = None, code: int = EXIT_INPUT) -> None:
    """One line ``lotrate: error: ...`` on stderr (``source`` named first unless the message names it); exit."""
    text = messages.one_line(message)
    if source is not None and str(source) not in text and Path(str(source)).name not in text:
        text = f"{messages.printable(source)}: {text}"
    click.echo(f"lotrate: error: {text}", err=True)
    sys.exit(code)


@contextmanager
def user_errors(source: object = None) -> Iterator[None]:
    """Turn a user's mistake into one line on stderr and exit code 1; anything else is a bug (exit code 4).

    A :class:`LotrateError` (and a full disk, a folder that cannot be written, a number too large for the
    decimal arithmetic) is printed as one line ``lotrate: error: ...``, prefixed with ``source`` (the input
    file) when the message does not already name it. Any other exception prints its traceback and asks for
    a bug report. Click's own usage errors and exits pass through.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always")
            warnings.showwarning = _show_warning
            yield
    except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
        raise
    except OutputError as exc:  # about -o, not the input: the input's name would mislead
        fail(exc)
    except LotrateError as exc:
        fail(exc, source)
    except (decimal.InvalidOperation, decimal.Overflow):
        fail(
            "a number is too large to compute a premium with (an area of 1e23 m2 or more?); check the areas and "
            "their units (m2, or ft2 with an _ft2 field)",
            source,
        )
    except RecursionError:
        fail("the input nests too deeply to read; check that it is the file you meant", source)
    except MemoryError:
        fail("out of memory: the input is too large to process at once; split it", source)
    except OSError as exc:
        if exc.errno not in _USER_ERRNOS:
            _bug()
        where = f" {exc.filename!r}" if exc.filename else ""
        fail(f"cannot read or write{where}: {exc.strerror or exc}", source)
    except Exception:
        _bug()


def _bug() -> None:
    traceback.print_exc()
    click.echo(f"lotrate: {messages.bug()}", err=True)
    sys.exit(EXIT_BUG)


class LotrateGroup(click.Group):
    """The ``lotrate`` group: every command runs inside :func:`user_errors`, whoever wrote it, and a command
    that loaded layers (:func:`load_layers`) ends, when it succeeds or partly succeeds (exit code 3), with one
    line on stderr saying which layers answered. A failed command prints its one error line only.
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            with user_errors():
                rv = super().invoke(ctx)
        except SystemExit as exc:
            if exc.code == EXIT_PARTIAL:
                say_layers(ctx)
            raise
        except click.exceptions.Exit as exc:  # ctx.exit(code)
            if exc.exit_code in (0, EXIT_PARTIAL):
                say_layers(ctx)
            raise
        say_layers(ctx)
        return rv


class OutputPath(click.Path):
    """``click.Path`` that refuses an empty value (``-o ""`` would otherwise mean the current folder)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and not value.strip():
            self.fail("is empty; give a file or folder name ('.' for the current folder)", param, ctx)
        return super().convert(value, param, ctx)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def check_report_output(lot_file: Path, out: Path, lot_ids: list[str], overwrite: bool) -> None:
    """Refuse, before any report is written, an ``-o`` that would replace the input or existing pages.

    ``OUT.html`` must not exist (or ``overwrite``); a folder must not hold ``index.html`` or a page of the same
    name as one of these lots' (or ``overwrite``); ``-o`` is never the input file, nor a folder holding it under
    a page's name.
    """
    from lotrate.errors import OutputError
    from lotrate.render.reportset import safe_filename

    if _same_file(out, lot_file) or out.resolve() == lot_file.resolve():
        raise OutputError(messages.output_is_input(out, lot_file))
    if out.suffix.lower() in (".html", ".htm"):
        if out.is_dir():
            raise OutputError(f"-o {str(out)!r} is a folder; give a file name ending in .html, or a folder name")
        if out.exists() and not overwrite:
            raise OutputError(messages.output_exists(out))
        return
    if out.exists() and not out.is_dir():
        raise OutputError(
            f"-o {str(out)!r} is a file, but {lot_file} holds {len(lot_ids)} lots: give a folder for one report "
            "per lot plus index.html"
        )
    if not out.is_dir():
        return
    taken: set[str] = set()
    names = ["index.html"]
    for lot_id in lot_ids:
        names += [safe_filename(lot_id, taken), safe_filename(lot_id)]
    present = sorted({n for n in names if (out / n).exists()})
    for n in present:
        if _same_file(out / n, lot_file):
            raise OutputError(messages.output_is_input(out / n, lot_file))
    if present and not overwrite:
        more = f" and {len(present) - 3} more" if len(present) > 3 else ""
        raise OutputError(
            f"{str(out)!r} already holds {', '.join(present[:3])}{more}; pass --overwrite to replace them, or "
            "give another -o folder"
        )


def _show_warning(message: Warning | str, category: type[Warning], *args: Any, **kwargs: Any) -> None:
    click.echo(f"lotrate: warning: {messages.one_line(message)}", err=True)


def layer_options(func: F) -> F:
    """``--zones FILE`` (repeatable) and ``--regions FILE`` on every command that resolves lots."""
    func = click.option(
        "--zones",
        "zone_files",
        multiple=True,
        type=click.Path(exists=True, path_type=Path),
        help="Zone layer replacing the built-in layer of its kind (NDA, PILOT_SCHEME, INDUSTRIAL_ESTATE); repeatable.",
    )(func)
    func = click.option(
        "--regions",
        "region_file",
        type=click.Path(exists=True, path_type=Path),
        help="Region layer (a digitised Appendix II) replacing the built-in one.",
    )(func)
    return func


def rate_options(func: F) -> F:
    """``--rates FILE`` (repeatable) and ``--date YYYY-MM-DD`` on every command that prices lots.

    The schedules named in the ``LOTRATE_RATES`` environment variable are loaded by every command whether or not
    ``--rates`` is given (:func:`lotrate.premium.rates.schedule_set`).
    """
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
        help="A rate schedule file to add to the built-in ones and those named in LOTRATE_RATES (repeatable; "
        "write one with `lotrate rates template`).",
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
    from lotrate.resolution.layers import pick  # the layers (and shapely) load only for verbs that resolve

    layers = pick(None, regions, zones)
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.meta[_LAYERS_KEY] = layers
    return layers


_LAYERS_KEY = "lotrate.layers"


def layers_line(layers: Layers) -> str:
    """Which layers answer: built-in or a file, for the regions and each zone kind."""
    sources = getattr(layers.zones, "sources", None) or {}
    return messages.layers_used(getattr(layers.regions, "source", "in memory"), sources)


def say_layers(ctx: click.Context) -> None:
    """The :func:`layers_line` of the layers the command loaded, on stderr (not with ``-q``).

    Every command that resolves lots says it, so an empty or mistyped ``--zones`` file can never silently
    leave the built-in approximations in use.
    """
    layers = ctx.meta.get(_LAYERS_KEY)
    if layers is None or ctx.find_root().params.get("quiet"):
        return
    click.echo(f"lotrate: {messages.printable(layers_line(layers))}", err=True)


def _finite(value: Any) -> Any:
    """``value`` with every NaN or infinite float replaced by ``None`` (JSON has no NaN or Infinity)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    if hasattr(value, "dtype") and hasattr(value, "tolist"):  # a NumPy scalar or array
        return _finite(value.tolist())
    return value


def _json_default(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return str(value) if value.is_finite() else None
    return str(value)


_C1 = re.compile("[\x7f-\x9f\u2028\u2029]")


def json_text(data: Any) -> str:
    """Strict JSON (RFC 8259): no NaN or Infinity (they become null); C1 controls escaped as well as C0."""
    text = json.dumps(_finite(data), ensure_ascii=False, indent=2, default=_json_default, allow_nan=False)
    return _C1.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def emit_json(data: Any) -> None:
    """Print ``data`` as strict JSON on stdout (see :func:`json_text`)."""
    click.echo(json_text(data))
