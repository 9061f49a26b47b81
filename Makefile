# tabular-engine: the two commands a new user needs are `make demo` and `make test`.
# Both create .venv (Python 3.11+) and install what they need into it.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check -q
# Every plugin in the repository (each folder under plugins/ with a pyproject.toml).
PLUGINS := $(patsubst %/pyproject.toml,%,$(wildcard plugins/*/pyproject.toml))
DEMO_INPUT := docs/examples/credit.csv
DEMO_OUTPUT := out/credit_synthetic.csv
DEMO_ROWS ?= 10000

.PHONY: demo test lint bench clean

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
test: $(BIN)/python
	$(PIP) install -e ".[dev]" $(addprefix -e ,$(PLUGINS))
	$(BIN)/ruff check core plugins tests bench docs
	$(BIN)/python -m pytest

lint: $(BIN)/python
	$(BIN)/ruff check core plugins tests bench docs
	$(BIN)/ruff format --check core plugins tests bench docs

clean:
	rm -rf $(VENV) out .pytest_cache
