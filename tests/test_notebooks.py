"""The notebooks run as shipped, are committed without outputs, and show their charts and maps when run.

Each executed copy is written to ``artifacts/`` for a person to open; it must carry an image output for every
chart (no forced non-interactive backend) and a map output (a folium map in an iframe), and its tests are prose,
not ``assert`` cells.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

from conftest import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
ARTIFACTS = ROOT / "artifacts"
#: the notebooks of the map and territory tour (03 is the decision kit's, tested for running only)
TOUR = ("01_quickstart.ipynb", "02_territory_scan.ipynb")


def test_there_are_notebooks() -> None:
    assert [p.name for p in NOTEBOOKS] == ["01_quickstart.ipynb", "02_territory_scan.ipynb", "03_decision.ipynb"]


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    assert all(not c.get("outputs") and not c.get("execution_count") for c in nb.cells if c.cell_type == "code")


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if p.name in TOUR], ids=lambda p: p.name)
def test_written_for_analysts(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert not re.search(r"^\s*assert\b", code, re.M)  # what a cell shows is said in prose, not asserted
    assert "matplotlib.use(" not in code and "Agg" not in code  # charts display inline


def _outputs(nb: Any, mime: str) -> list[str]:
    return [
        str(o["data"][mime])
        for c in nb.cells
        for o in c.get("outputs", [])
        if o.get("output_type") in ("display_data", "execute_result") and mime in o.get("data", {})
    ]


@pytest.fixture(scope="module", params=NOTEBOOKS, ids=lambda p: p.name)
def executed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    path: Path = request.param
    nb = nbformat.read(path, as_version=4)
    work = tmp_path_factory.mktemp(path.stem)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(work)}}).execute()
    ARTIFACTS.mkdir(exist_ok=True)
    nbformat.write(nb, ARTIFACTS / f"{path.stem}.executed.ipynb")
    return path, nb


@pytest.mark.slow
def test_notebook_runs(executed: tuple[Path, Any]) -> None:
    _, nb = executed
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors


def _maps(nb: Any) -> list[str]:
    return [h for h in _outputs(nb, "text/html") if "<iframe" in h and "folium-map" in h]


@pytest.mark.slow
def test_notebook_shows_what_it_promises(executed: tuple[Path, Any]) -> None:
    """Each notebook's promised outputs, as a reader of the executed copy sees them (no notebook is skipped)."""
    path, nb = executed
    images, tables = _outputs(nb, "image/png"), _outputs(nb, "text/html")
    if path.name in TOUR:  # a map output, lotrate's layers with their texts as data
        assert _maps(nb), "no map output"
        assert all("lotrate.geojson(" in m for m in _maps(nb))
    if path.name == "01_quickstart.ipynb":  # the rich views include the map
        views = [h for h in tables if "lotrate-assessment" in h or "lotrate-resolution" in h]
        assert len(views) == 2 and all('<iframe class="lotrate-map"' in v for v in views)
        assert any("premium_hkd_float" in h for h in tables)
    elif path.name == "02_territory_scan.ipynb":  # the bar chart and histograms, as images in the notebook
        assert len(images) >= 2
        assert any("HK$" in t and "median_premium_hkd" in t for t in tables)  # whole dollars, not 894.2575
        assert not any(re.search(r"\d\.\d{4}\b", t) for t in tables if "median_premium_hkd" in t)
    elif path.name == "03_decision.ipynb":  # the scenario chart and the scan of decisions
        assert len(images) >= 2
    else:
        pytest.fail(f"{path.name}: say in this test what the notebook must show")
