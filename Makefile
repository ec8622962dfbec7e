# Set-up and everyday commands. `make test` and `make demo` work on a fresh machine with only
# Python 3.11+ on it: they create the virtual environment, install the project and, when there is
# no display, run under Xvfb (installing it with apt-get when run as root).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: test test-faults soak demo bench lint format docs docs-images clean system-deps

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -e ".[testing]"
	touch $(STAMP)

system-deps:
	@bash tools/system-deps.sh

test: $(STAMP) system-deps
	$(BIN)/ruff check src tests benchmarks docs tools examples
	$(BIN)/ruff format --check src tests benchmarks docs tools examples
	$(BIN)/mypy
	$(BIN)/lint-imports
	bash tools/with-display.sh $(BIN)/python -m pytest $(PYTEST_ARGS)

# The command line's failures, also part of `make test`: a run killed while writing, corrupt
# inputs, unwritable outputs, a full disk, and every bad input of tests/cli/test_bad_inputs.py.
test-faults: $(STAMP)
	$(BIN)/python -m pytest -p no:cacheprovider tests/cli/test_faults.py tests/cli/test_bad_inputs.py

# A soak of the GUI: the monkey of tests/qt/test_monkey.py for longer, thousands of seeded random
# user actions in a real viewer, each checked; prints the counts and every failure with its replay.
SOAK_ACTIONS ?= 5000
SOAK_SEED ?= 1
soak: $(STAMP) system-deps
	bash tools/with-display.sh $(BIN)/python tools/soak.py --actions $(SOAK_ACTIONS) --seed $(SOAK_SEED)

demo: $(STAMP) system-deps
	bash tools/with-display.sh $(BIN)/python examples/demo.py

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_gradients.py
	$(BIN)/python benchmarks/bench_second_order.py
	$(BIN)/python benchmarks/bench_kymograph.py

# The documentation site, with warnings as errors, into docs/_build/html; it runs every
# examples/plot_*.py script of the gallery (viewer screenshots need the display).
DOCS_STAMP := $(VENV)/.docs-stamp
$(DOCS_STAMP): $(STAMP)
	$(BIN)/python -m pip install -e ".[testing,docs]"
	touch $(DOCS_STAMP)

docs: $(DOCS_STAMP) system-deps
	MPLBACKEND=Agg bash tools/with-display.sh $(BIN)/python -m sphinx -W --keep-going -b html docs docs/_build/html
	@echo "The site: docs/_build/html/index.html"

docs-images: $(STAMP) system-deps
	bash tools/with-display.sh $(BIN)/python docs/make_images.py

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks docs tools examples

format: $(STAMP)
	$(BIN)/ruff format src tests benchmarks docs tools examples
	$(BIN)/ruff check --fix src tests benchmarks docs tools examples

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .ruff_cache
	rm -rf docs/_build docs/auto_examples docs/reference/generated docs/reference/api.rst
