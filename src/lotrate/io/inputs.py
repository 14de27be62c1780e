"""Opening user files safely: regular files only, bounded in size and JSON depth, UTF-8 with or without a BOM.

Every reader of a user's file (lot files, CSV and GeoJSON layers, zone and region layers, rate schedules)
goes through here, so each refuses the same things with the same one-line message, before parsing:

- a folder, a device (``/dev/zero``) or a pipe where a file is expected;
- a JSON or CSV file larger than ``LOTRATE_MAX_INPUT_MB`` megabytes (default 512, far above a whole
  territory's lots);
- JSON nested deeper than :data:`MAX_JSON_DEPTH` (checked on the raw bytes, without recursion);
- text that is not UTF-8 (a UTF-8 byte order mark, as Excel writes, is accepted and dropped).

Examples
--------
>>> json_depth(b'{"a": [[1, 2], "]]]"]}')
3
"""

from __future__ import annotations

import codecs
import json
import math
import os
import re
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lotrate import messages
from lotrate.errors import InputError, LotrateError

MAX_INPUT_MB_ENV = "LOTRATE_MAX_INPUT_MB"
DEFAULT_MAX_INPUT_MB = 512.0
#: no lot file or layer nests deeper than about 8 (FeatureCollection > features > Feature > geometry >
#: MultiPolygon rings > coordinates); 64 leaves room and stays far from Python's recursion limit
MAX_JSON_DEPTH = 64

ErrorFactory = Callable[[str], LotrateError]

_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")


def max_input_mb() -> float:
    """The input size limit in MB: ``LOTRATE_MAX_INPUT_MB`` when set, else 512."""
    raw = os.environ.get(MAX_INPUT_MB_ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_INPUT_MB
    try:
        mb = float(raw)
    except ValueError:
        mb = math.nan
    if not math.isfinite(mb) or mb <= 0:
        raise InputError(
            f"{MAX_INPUT_MB_ENV}={raw!r} is not a positive number of megabytes; unset it or give e.g. 512"
        )
    return mb


def check_file(path: str | os.PathLike[str], what: str, error: ErrorFactory = InputError) -> Path:
    """``path`` if it is an existing regular file; else ``error`` saying it is missing, a folder or a device."""
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise error(f"{what} {str(p)!r} does not exist") from None
    except OSError as exc:
        raise error(f"{what} {str(p)!r} cannot be read: {exc.strerror or exc}") from None
    if stat.S_ISDIR(st.st_mode):
        raise error(messages.not_a_file(what, p, "a folder"))
    if not stat.S_ISREG(st.st_mode):
        raise error(messages.not_a_file(what, p, "a device or pipe"))
    return p


def check_size(path: Path, what: str, error: ErrorFactory = InputError) -> None:
    """Refuse a file above the ``LOTRATE_MAX_INPUT_MB`` limit."""
    limit = max_input_mb()
    size = path.stat().st_size
    if size > limit * 1024 * 1024:
        raise error(messages.too_large(what, path, size / 1024 / 1024, limit))


def read_bytes(path: str | os.PathLike[str], what: str, error: ErrorFactory = InputError) -> bytes:
    """The bytes of a regular file within the size limit."""
    p = check_file(path, what, error)
    check_size(p, what, error)
    try:
        return p.read_bytes()
    except OSError as exc:
        raise error(f"{what} {str(p)!r} cannot be read: {exc.strerror or exc}") from None
    except MemoryError:
        raise error(f"{what} {str(p)!r} does not fit in memory; split it") from None


def decode(data: bytes, path: object, what: str, error: ErrorFactory = InputError) -> str:
    """UTF-8 text of ``data``, a leading byte order mark dropped; ``error`` naming the line if not UTF-8."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise error(messages.not_utf8(what, path, data[exc.start], line)) from None


def read_text(path: str | os.PathLike[str], what: str, error: ErrorFactory = InputError) -> str:
    """UTF-8 text of a regular file within the size limit (see :func:`decode`)."""
    return decode(read_bytes(path, what, error), path, what, error)


def json_depth(data: bytes) -> int:
    """How deep JSON arrays and objects nest in ``data``, found without parsing (so without recursion)."""
    import numpy as np

    brackets = _JSON_STRING.sub(b"", data).translate(None, _NOT_BRACKET)
    if not brackets:
        return 0
    steps = np.frombuffer(brackets, dtype=np.uint8)
    deepest, level = 0, 0
    for start in range(0, steps.size, 1 << 24):
        chunk = steps[start : start + (1 << 24)]
        run = np.cumsum(np.where((chunk == ord("[")) | (chunk == ord("{")), 1, -1), dtype=np.int64) + level
        deepest = max(deepest, int(run.max()))
        level = int(run[-1])
    return deepest


def load_json(
    path: str | os.PathLike[str], what: str, error: ErrorFactory = InputError, kind: str = "JSON"
) -> Any:
    """Parse a JSON file: a regular file, within the size limit, UTF-8, nested at most ``MAX_JSON_DEPTH``."""
    data = read_bytes(path, what, error)
    text = decode(data, path, what, error)
    if json_depth(data) > MAX_JSON_DEPTH:
        raise error(messages.too_deep(what, path, MAX_JSON_DEPTH))
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise error(f"{what} {str(path)!r} is not valid {kind}: {exc}") from None
    except RecursionError:  # pragma: no cover - the depth check comes first
        raise error(messages.too_deep(what, path, MAX_JSON_DEPTH)) from None
