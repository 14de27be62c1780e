"""The batch paths' compiled loops (lotrate.index.kernels): the one-point and lot paths never load them; the
answer does not depend on the width of the integer codes they write."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

import lotrate
from lotrate.index.regions import RegionIndex

ONE_POINT_PATHS = r"""
import json, sys
import lotrate
from shapely.geometry import box
lotrate.resolve(x=114.2235, y=22.3110)
lotrate.resolve(x=835411.431, y=817266.016, crs="EPSG:2326")
lotrate.resolve_geometry(box(838500, 819800, 838540, 819830), crs="EPSG:2326")
print(json.dumps(sorted(m for m in sys.modules if m == "numba" or m.endswith(".kernels"))))
"""


def test_one_point_and_lot_paths_never_load_numba() -> None:
    out = subprocess.run([sys.executable, "-c", ONE_POINT_PATHS], check=True, capture_output=True, text=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_the_command_line_resolve_never_loads_numba() -> None:
    code = "import sys, runpy; sys.argv = ['lotrate', 'resolve', '114.2235', '22.3110']\n"
    code += "try:\n    runpy.run_module('lotrate', run_name='__main__')\nexcept SystemExit:\n    pass\n"
    code += "print('numba' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.strip().splitlines()[-1] == "False"


def test_wider_codes_give_the_same_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    """A layer with more than 126 regions or districts gets int16 codes from the kernel: same frame."""
    rng = np.random.default_rng(3)
    x = rng.uniform(813_000, 860_000, 20_000)
    y = rng.uniform(805_000, 845_000, 20_000)
    want = lotrate.resolve_many(x=x, y=y, crs="EPSG:2326")
    table = RegionIndex.default().table
    assert table.code_dtype == np.int8
    monkeypatch.setitem(table.__dict__, "code_dtype", np.dtype(np.int16))
    assert table.answer(x[:10], y[:10])[0].dtype == np.int16
    got = lotrate.resolve_many(x=x, y=y, crs="EPSG:2326")
    floats = ["x", "y", "easting", "northing", "boundary_distance_m"]
    for column in want.columns.difference(floats):
        assert got[column].astype(object).tolist() == want[column].astype(object).tolist(), column
    for column in floats:
        assert np.array_equal(got[column], want[column], equal_nan=True), column
