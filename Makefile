# lotrate: make demo | make test | make bench | make lint | make install
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: install demo test bench lint data clean

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

bench: install
	$(PY) benchmarks/run.py

lint: install
	$(VENV)/bin/ruff check src tests scripts benchmarks
	$(VENV)/bin/mypy

# rebuild the derived layers from ../shared/data (needs the shared source files)
data: install
	$(PY) scripts/build_regions.py

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache
