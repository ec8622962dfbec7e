# Set-up and everyday commands. `make test` and `make demo` work on a fresh machine with only
# Python 3.11+ on it: they create the virtual environment, install the project and, when there is
# no display, run under Xvfb (installing it with apt-get when run as root).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

# uv creates and fills every environment: one download cache shared by all of them, files
# linked from it rather than unpacked again, several times faster than pip. It is installed
# once, with pip, in an environment of its own, so that `make` needs nothing but Python.
UV_VERSION := 0.13.9
UV := .venv-uv/bin/uv
# The environments run $(PYTHON), never a Python that uv would download; pip comes seeded in
# each (`.venv/bin/python -m pip` works as in any virtual environment).
export UV_PYTHON_DOWNLOADS := never
NEW_VENV = $(UV) venv --quiet --clear --seed --python $(PYTHON)
# Wheels only: nothing is compiled on the machine (the project itself is pure Python).
# --compile-bytecode writes the .pyc files at install, as pip does for users: without them
# every fresh process (the CLI and example runs of the tests, the first-gradient timing)
# compiles numba's, scipy's and napari's sources again where PYTHONDONTWRITEBYTECODE is set.
UV_INSTALL = $(UV) pip install --compile-bytecode --only-binary :all: \
	--no-binary napari-derivatives --python

.PHONY: test test-fast test-faults test-qt test-oldest soak demo bench lint format docs docs-images \
	clean system-deps install-all

$(UV):
	$(PYTHON) -m venv .venv-uv
	.venv-uv/bin/python -m pip install --quiet --only-binary=:all: "uv==$(UV_VERSION)"

$(STAMP): pyproject.toml | $(UV)
	$(NEW_VENV) $(VENV)
	$(UV_INSTALL) $(BIN)/python -e ".[testing]"
	touch $(STAMP)

system-deps:
	@bash tools/system-deps.sh

test: $(STAMP) system-deps
	$(BIN)/ruff check src tests benchmarks docs tools examples
	$(BIN)/ruff format --check src tests benchmarks docs tools examples
	$(BIN)/mypy
	$(BIN)/lint-imports
	bash tools/with-display.sh $(BIN)/python -m pytest $(PYTEST_ARGS)

# `make test` without the test that installs the project in a fresh virtual environment (about a
# minute, most of it pip): for working locally. CI runs `make test`.
test-fast:
	$(MAKE) test PYTEST_ARGS='-m "not install" $(PYTEST_ARGS)'

# The widget and plot tests (tests/qt, tests/napari) once per Qt binding, each in its own virtual
# environment (.venv-pyqt5, .venv-pyqt6, .venv-pyside6): napari, that binding alone, and the test
# tools. QT_API makes qtpy pick it; the run fails if it did not.
QT_BINDINGS ?= pyqt5 pyqt6 pyside6
QT_TESTS ?= tests/qt tests/napari

# PySide6 6.12.0 aborts the GUI tests at random points ("Fatal Python error: none_dealloc", a
# reference counting bug in shiboken6); 6.11.3 passes them.
QT_PIN_pyside6 := "PySide6<6.12"

.venv-%/.installed-stamp: pyproject.toml | $(UV)
	$(NEW_VENV) .venv-$*
	$(UV_INSTALL) .venv-$*/bin/python -e ".[test]" "napari[$*]" $(QT_PIN_$*)
	touch $@

test-qt: system-deps $(foreach b,$(QT_BINDINGS),.venv-$(b)/.installed-stamp)
	@status=0; for b in $(QT_BINDINGS); do \
	    start=$$(date +%s); \
	    QT_API=$$b .venv-$$b/bin/python -c "import qtpy, sys; \
	        print('test-qt: qtpy', qtpy.__version__, 'on', qtpy.API_NAME, qtpy.QT_VERSION); \
	        sys.exit(qtpy.API != '$$b')" \
	    && QT_API=$$b bash tools/with-display.sh .venv-$$b/bin/python -m pytest -p no:cacheprovider \
	        $(QT_TESTS) $(PYTEST_ARGS); \
	    result=$$?; [ $$result -eq 0 ] || status=1; \
	    echo "test-qt: $$b exit $$result in $$(( $$(date +%s) - start )) s"; \
	done; exit $$status

# The oldest versions pyproject.toml claims: tools/oldest_constraints.py pins every lower bound of
# the dependencies and of the [all] and [distributed] extras (napari, numpy, scipy, ...), the rest
# resolves to what those allow. Then the whole suite runs there.
OLDEST := .venv-oldest
$(OLDEST)/.installed-stamp: pyproject.toml tools/oldest_constraints.py | $(UV)
	$(NEW_VENV) $(OLDEST)
	$(PYTHON) tools/oldest_constraints.py > $(OLDEST)/constraints.txt
	$(UV_INSTALL) $(OLDEST)/bin/python -c $(OLDEST)/constraints.txt -e ".[all,test]"
	touch $@

# OLDEST_PART runs a part of the suite: rest (all but the widget and plot tests of tests/qt
# and tests/napari), gui1 (the gradient widget's and the line panel's), gui2 (the other
# widget and plot tests); all, the default, is the whole suite. .ci/run runs the three parts
# beside its other runs, so that no one long run sets the time of the whole CI.
OLDEST_PART ?= all
OLDEST_GUI1 := $(addprefix tests/qt/,test_gradient_runs.py test_gradient_widget.py \
	test_layer_watch.py test_line_derivative.py test_manifest.py)
OLDEST_TESTS_all :=
OLDEST_TESTS_rest := --ignore=tests/qt --ignore=tests/napari
OLDEST_TESTS_gui1 := $(OLDEST_GUI1)
OLDEST_TESTS_gui2 := tests/qt tests/napari $(addprefix --ignore=,$(OLDEST_GUI1))
ifneq ($(words $(OLDEST_PART)) $(filter $(OLDEST_PART),all rest gui1 gui2),1 $(strip $(OLDEST_PART)))
$(error OLDEST_PART is one of all, rest, gui1 or gui2, not "$(OLDEST_PART)")
endif
test-oldest: system-deps $(OLDEST)/.installed-stamp
	$(UV) pip list --python $(OLDEST)/bin/python --format=freeze \
	    | grep -iE '^(napari|numpy|numba|scipy|scikit.image|dask|distributed|zarr|tifffile|matplotlib|magicgui|qtpy|pyqt5)=='
	@# numba's cache of its own: the package's __pycache__ holds the newest numba's, and a cache
	@# of another numba version is thrown away and compiled again (by both, when run at once).
	@# The GUI monkey (tests/qt/test_monkey.py) takes 50 actions per seed, not 150: each action
	@# of it takes napari 0.6 about ten times as long as the newest napari.
	MONKEY_ACTIONS=50 NUMBA_CACHE_DIR=$(abspath $(OLDEST))/numba-cache bash tools/with-display.sh \
	    $(OLDEST)/bin/python -m pytest -p no:cacheprovider -m "not install" \
	    $(OLDEST_TESTS_$(OLDEST_PART)) $(PYTEST_ARGS)

# Every environment of test, test-qt and test-oldest, one after the other, for a by-hand run
# of all three bindings (.ci/run builds .venv, .venv-oldest and the bindings .venv lacks).
install-all: $(STAMP) $(foreach b,$(QT_BINDINGS),.venv-$(b)/.installed-stamp) $(OLDEST)/.installed-stamp

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
	$(UV) pip install --python $(BIN)/python -e ".[testing,docs]"
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
	rm -rf $(VENV) $(foreach b,$(QT_BINDINGS),.venv-$(b)) $(OLDEST) .venv-uv build dist src/*.egg-info .pytest_cache .ruff_cache
	rm -rf docs/_build docs/auto_examples docs/reference/generated docs/reference/api.rst
