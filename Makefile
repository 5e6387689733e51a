# coverwatch: `make demo` runs the main job offline; `make test` runs the whole suite. Both install first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_ARCHIVE := build/demo-archive

.PHONY: install demo test archive clean

$(STAMP): pyproject.toml requirements.lock requirements-test.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-test.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

# The recorded archive of every outlet, rebuilt from the captured and constructed fixtures (see its manifest).
archive: install
	$(BIN)/python scripts/build_archive.py --out $(DEMO_ARCHIVE)

# Install, crawl every enabled outlet from the recorded archive into ./coverwatch.db (SQLite), write the digest.
# The demo has refused outlets on purpose, so "some sources failed" (exit 1) is its expected outcome.
demo: archive
	$(BIN)/coverwatch run --replay $(DEMO_ARCHIVE) || [ $$? -eq 1 ]
	$(BIN)/coverwatch digest --formats html,markdown

test: install
	bash scripts/ensure_chromium.sh
	$(BIN)/python -m pytest -q -p no:cacheprovider

clean:
	rm -rf build coverwatch.db coverwatch.db-* digests
