# Two commands on a fresh machine with Python 3.11 and pip:
#   make demo   sets up and opens the kiosk in demo mode
#   make test   sets up and runs the whole suite
# The environment lives in .venv/, built from uv.lock by uv (installed into
# .tools/ with pip, so nothing is needed beforehand but Python and pip).

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
UV_VERSION := 0.13.9
UV := .tools/bin/uv
VENV := .venv
export UV_PROJECT_ENVIRONMENT := $(VENV)
# Compile bytecode at install: a fresh checkout then starts in ~1 s, not ~4.5 s.
export UV_COMPILE_BYTECODE := 1

.PHONY: setup demo test lint build bundle-check clean

setup: $(VENV)/.synced

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# Re-sync only when the lock or the project changes: `make setup` is idempotent.
$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --all-extras --python $(PYTHON)
	touch $@

demo: setup
	tools/demo_prereqs.sh $(VENV)
	$(VENV)/bin/kiosk run --demo --windowed

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	# No import cycles, lazy imports in functions included (grimp's graph).
	$(VENV)/bin/python tools/check_cycles.py

# One process for the whole suite (Qt's screens included, offscreen).
test: setup lint
	QT_QPA_PLATFORM=offscreen $(VENV)/bin/python -m pytest -q

build: setup
	$(VENV)/bin/pyinstaller --noconfirm --clean build.spec

bundle-check: build
	$(VENV)/bin/python tools/check_bundle.py dist/kiosk

clean:
	rm -rf build dist .pytest_cache
