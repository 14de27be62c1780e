"""data/sources: every vendored file listed in its README is present with the sha256 the README states."""

from __future__ import annotations

import hashlib
import re

import pytest

from conftest import SOURCES

README = SOURCES / "README.md"
SHA256 = re.compile(r"`?([0-9a-f]{64})`?")


def _table() -> dict[str, str]:
    """The README table's rows as {path relative to data/sources: sha256}."""
    rows: dict[str, str] = {}
    for line in README.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("|") or len(cells) < 2 or not re.fullmatch(r"`[^`]+`", cells[0]):
            continue
        hashes = [m.group(1) for c in cells[1:] if (m := SHA256.fullmatch(c))]
        assert len(hashes) == 1, f"README row for {cells[0]} must state exactly one sha256"
        rows[cells[0].strip("`")] = hashes[0]
    return rows


TABLE = _table()


def test_readme_lists_the_sources() -> None:
    assert "hk_dcca_2019/DCCA_2019.shp" in TABLE
    assert "pn_12_2023.txt" in TABLE
    assert len(TABLE) >= 4


@pytest.mark.parametrize("name", sorted(TABLE))
def test_source_file_has_the_stated_sha256(name: str) -> None:
    path = SOURCES / name
    assert path.is_file(), f"{path} is listed in {README} but missing"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == TABLE[name], f"{path} differs from its README sha256"


def test_every_vendored_file_is_listed() -> None:
    present = {p.relative_to(SOURCES).as_posix() for p in SOURCES.rglob("*") if p.is_file()} - {"README.md"}
    assert present == set(TABLE)
