"""The house: layers import only upward, there is no import cycle (lazy imports included), no private name is
imported across modules, and nothing in the project reaches outside it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "src" / "lotrate"

#: the pipeline, top to bottom (DESIGN section 1): a module imports only its own layer or layers above it.
#: The foundation (exceptions, data locator, sentences, value objects) may be imported from anywhere.
LAYERS = {
    "foundation": 0,
    "crs": 1,  # a pure utility (CRS parsing and conversion) that readers use to validate what they read
    "io": 2,
    "index": 3,
    "resolution": 4,
    "premium": 5,
    "render": 6,
    "cli": 7,
    "driver": 8,
}
FOUNDATION = {"lotrate.errors", "lotrate._data", "lotrate._version", "lotrate.messages", "lotrate.results"}
DRIVERS = {"lotrate", "lotrate.__main__", "lotrate.demo"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PKG.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _layer(module: str) -> int:
    if module in FOUNDATION:
        return LAYERS["foundation"]
    if module in DRIVERS:
        return LAYERS["driver"]
    if module == "lotrate.crs":
        return LAYERS["crs"]
    sub = module.split(".")[1]
    return LAYERS[sub]


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _is_import_module_call(node: ast.AST) -> bool:
    """``import_module("lotrate....")``: a lazy import, counted like any other."""
    return (
        isinstance(node, ast.Call)
        and getattr(node.func, "id", getattr(node.func, "attr", "")) == "import_module"
        and bool(node.args)
        and isinstance(node.args[0], ast.Constant)
        and str(node.args[0].value).startswith("lotrate")
    )


def _imports(path: Path) -> list[tuple[str, list[str], int]]:
    """(module imported, names, line) for every runtime import, top-level or inside functions."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            skip.update(id(n) for b in node.body for n in ast.walk(b))
    out = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("lotrate"):
            names = [a.name for a in node.names]
            # "from lotrate import messages" imports a module, not a name of the package
            if node.module == "lotrate" and all((PKG / f"{n}.py").exists() or (PKG / n).is_dir() for n in names):
                out += [(f"lotrate.{n}", [], node.lineno) for n in names]
            else:
                out.append((node.module, names, node.lineno))
        elif isinstance(node, ast.Import):
            out += [(a.name, [], node.lineno) for a in node.names if a.name.startswith("lotrate")]
        elif _is_import_module_call(node):
            out.append((str(node.args[0].value), [], node.lineno))  # type: ignore[attr-defined]
    return out


MODULES = {_module_name(p): p for p in sorted(PKG.rglob("*.py"))}


def test_every_module_has_a_layer() -> None:
    for name in MODULES:
        _layer(name)  # raises KeyError for a module outside the known rooms


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m not in DRIVERS))
def test_imports_go_only_upward(module: str) -> None:
    here = _layer(module)
    for target, _, line in _imports(MODULES[module]):
        if target == "lotrate":
            pytest.fail(f"{module}:{line} imports the package façade; import the module that defines the name")
        assert _layer(target) <= here, f"{module}:{line} imports {target}, a layer below it"


def test_no_import_cycle_lazy_imports_included() -> None:
    graph = {m: {t for t, _, _ in _imports(p) if t in MODULES and t != "lotrate"} for m, p in MODULES.items()}
    graph["lotrate"] = set()  # the façade re-exports everything lazily; every module "imports" it as its parent
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for t in sorted(graph.get(m, ())):
            if state.get(t) == 1:
                cycle = [*stack[stack.index(t) :], t]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if t not in state:
                visit(t)
        stack.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)


def test_no_private_name_is_imported_across_modules() -> None:
    for module, path in MODULES.items():
        for target, names, line in _imports(path):
            private = [n for n in names if n.startswith("_") and n != "__version__"]
            assert not private, f"{module}:{line} imports private {private} from {target}"


def test_tests_import_no_private_names() -> None:
    for path in sorted((ROOT / "tests").rglob("*.py")):
        for target, names, line in _imports(path):
            private = [n for n in names if n.startswith("_") and n != "__version__"]
            assert not private or target == "lotrate._data", f"{path.name}:{line} imports {private} from {target}"


def test_nothing_reaches_outside_the_project() -> None:
    outside = "shared"  # the design notes' folder beside the checkout, which users never have
    pattern = rf'\.\./{outside}|parent / "{outside}"|parents\[[0-9]\] / "{outside}"'
    found = subprocess.run(
        ["git", "grep", "-n", "-I", "-E", pattern, "--", "src", "tests", "scripts", "benchmarks", "notebooks",
         "Makefile", "pyproject.toml", ".ci", "docs", "data"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    ).stdout
    assert found == "", found


def test_import_lotrate_stays_light() -> None:
    code = (
        "import sys, lotrate; heavy = [m for m in ('geopandas', 'folium', 'pandas', 'jinja2', 'shapely', 'pyproj') "
        "if m in sys.modules]; print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "", f"import lotrate loaded {out}"
