# lotrate: make demo | make test | make quick | make bench | make lint | make data | make wheel-check | make install
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: install demo test quick bench lint data wheel-check clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test,dev]"
	touch $(STAMP)

demo: install
	$(PY) -m lotrate.demo

test: install
	$(PY) -m pytest

# the quick subset: no headless browser, no notebooks, nothing slow (seconds, for the edit-test loop)
quick: install
	$(PY) -m pytest -m "not browser and not slow" -q

# build the wheel, install it in a fresh venv outside the checkout and use the CLI and the library from there
wheel-check: install
	bash scripts/check_wheel.sh

bench: install
	$(PY) benchmarks/run.py

lint: install
	$(VENV)/bin/ruff check src tests scripts benchmarks
	$(VENV)/bin/mypy

# rebuild every derived layer from the vendored files in data/sources (see data/sources/README.md):
# data/regions/{appendix_ii,districts}.geojson, then data/zones/{nda,pilot_scheme,industrial_estates}.geojson
# (drawn over the regions), then data/samples/sample_lots.geojson; same sources give the same bytes.
# data-check rebuilds in temporary folders and fails if any committed derived file differs by a byte.
data: install
	$(PY) scripts/build_regions.py
	$(PY) scripts/build_zones.py
	$(PY) scripts/build_index.py
	$(PY) scripts/build_samples.py

.PHONY: data-check
data-check: install
	$(PY) scripts/build_regions.py --check
	$(PY) scripts/build_zones.py --check
	$(PY) scripts/build_index.py --check
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	$(PY) -c 'import pathlib, sys; sys.path.insert(0, "scripts"); import build_samples as b; \
	b.OUT = pathlib.Path(sys.argv[1]) / "sample_lots.geojson"; b.main()' "$$tmp" && \
	cmp "$$tmp/sample_lots.geojson" data/samples/sample_lots.geojson && \
	echo "up to date: data/samples/sample_lots.geojson"

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache
