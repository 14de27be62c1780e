"""Locate the data files that ship with lotrate (layers, rates, samples, schema).

In a wheel they live in the package (``lotrate/data``); in a source checkout ``src/lotrate/data`` is a link to
the repository's top-level ``data/`` folder, which stays the one source of truth. Either way they are found
through :mod:`importlib.resources`, never through the current directory.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path

DATA_VERSION_FILE = "VERSION"


def data_path(*parts: str) -> Path:
    """Path of a packaged data file, e.g. ``data_path("regions", "appendix_ii.geojson")``.

    Examples
    --------
    >>> data_path("rates", "pn_12_2023.csv").is_file()
    True
    """
    return Path(str(files("lotrate").joinpath("data", *parts)))


@cache
def data_version() -> str:
    """The version of the packaged data (``data/VERSION``), quoted in every answer and report.

    Examples
    --------
    >>> data_version()[:4].isdigit()
    True
    """
    return data_path(DATA_VERSION_FILE).read_text(encoding="utf-8").strip()
