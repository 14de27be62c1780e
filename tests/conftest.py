"""Shared fixtures: the loaded layers, built once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from lotrate.index.regions import RegionIndex

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "data" / "sources"


@pytest.fixture(scope="session")
def region_index() -> RegionIndex:
    return RegionIndex.default()


@pytest.fixture(scope="session")
def default_zones():  # type: ignore[no-untyped-def]
    from lotrate.index.zones import ZoneIndex

    return ZoneIndex.default()


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    return ROOT / "data" / "samples"
