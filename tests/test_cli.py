"""cli.py: the resolve command, exit codes, stdout for data and stderr for messages."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from lotrate import __version__
from lotrate.cli import main


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_version() -> None:
    code, out, _ = run("--version")
    assert code == 0 and __version__ in out


def test_resolve_point_text() -> None:
    code, out, _ = run("resolve", "114.2235", "22.3110")
    assert code == 0
    assert "Kowloon East (KE)" in out and "Kwun Tong" in out


def test_resolve_point_json_keys() -> None:
    code, out, err = run("resolve", "835411.431", "817266.016", "--crs", "EPSG:2326", "--json")
    assert code == 0 and err == (
        "lotrate: layers used: regions built-in; NDA, PILOT_SCHEME, INDUSTRIAL_ESTATE zones built-in\n"
    )
    data = json.loads(out)
    assert data["region_code"] == "KW" and data["district"] == "Yau Tsim Mong"
    for key in ("region_code", "region_name", "district", "zones", "boundary_distance_m", "warnings"):
        assert key in data


def test_user_error_is_one_line_on_stderr_with_exit_1() -> None:
    code, out, err = run("resolve", "113.5439", "22.1987")  # Macau
    assert code == 1 and out == ""
    assert err.startswith("lotrate: error: ") and "outside the HKSAR boundary" in err
    assert "Traceback" not in err


def test_swapped_coordinates_exit_1_with_the_fix() -> None:
    code, _, err = run("resolve", "22.3110", "114.2235")
    assert code == 1 and "try x=114.2235, y=22.311" in err


def test_usage_error_exit_2() -> None:
    code, _, err = run("resolve")
    assert code == 2 and "give X and Y" in err


def test_resolve_file(samples_dir: Path) -> None:
    code, out, _ = run("resolve", "--file", str(samples_dir / "sample_lots.geojson"), "--json")
    assert code == 0
    rows = json.loads(out)
    assert {r["region_code"] for r in rows} == {"HKI", "KE", "KW", "NTS", "NTN"}
    assert rows[0]["lot_id"] == "KTIL 713" and rows[0]["area_m2"] > 0


def test_resolve_file_with_a_bad_lot_exits_3(tmp_path: Path) -> None:
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"lot_id": "good"},
                "geometry": {"type": "Point", "coordinates": [114.2235, 22.311]},
            },
            {
                "type": "Feature",
                "properties": {"lot_id": "macau"},
                "geometry": {"type": "Point", "coordinates": [113.5439, 22.1987]},
            },
        ],
    }
    path = tmp_path / "lots.geojson"
    path.write_text(json.dumps(doc))
    code, out, err = run("resolve", "--file", str(path), "--json")
    assert code == 3
    rows = json.loads(out)
    assert rows[0]["region_code"] == "KE" and rows[1]["region_code"] is None
    assert "outside" in rows[1]["error"] and "1 of 2 lots" in err


def test_malformed_lot_file_exit_1(tmp_path: Path) -> None:
    path = tmp_path / "bad.geojson"
    path.write_text("{ nope")
    code, _, err = run("resolve", "--file", str(path))
    assert code == 1 and "not valid JSON" in err


def test_console_script_runs_in_a_fresh_process() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "lotrate", "resolve", "114.1925", "22.3960", "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["district"] == "Sha Tin"


def test_lookup_path_does_not_import_heavy_libraries() -> None:
    code = (
        "import sys, lotrate; lotrate.resolve(x=114.2235, y=22.311); "
        "print(sorted(m for m in ('geopandas', 'folium', 'pandas', 'matplotlib') if m in sys.modules))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"
