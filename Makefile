# coverwatch: `make demo` runs the main job offline; `make test` runs the whole suite. Both install first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_ARCHIVE := build/demo-archive
# What changed later (an edit, a take-down, a Wikipedia revision): tests/fixtures/demo_later/README.md.
DEMO_LATER := build/demo-archive-later

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
	$(BIN)/python scripts/build_archive.py --manifest tests/fixtures/archive_later --out $(DEMO_LATER)

# Install, crawl every enabled outlet from the recorded archive into ./coverwatch.db (SQLite), crawl three of them
# again with the later recordings (an edit, a take-down, a new Wikipedia revision), write the digest.
# The demo has refused outlets on purpose, so "some sources failed" (exit 1) is its expected outcome.
demo: archive
	$(BIN)/coverwatch run --replay $(DEMO_ARCHIVE) || [ $$? -eq 1 ]
	$(BIN)/coverwatch crawl alaalem alkhanadeq wikipedia --recheck --replay $(DEMO_ARCHIVE) --replay $(DEMO_LATER)
	$(BIN)/coverwatch digest --formats html,markdown

test: install
	bash scripts/ensure_chromium.sh
	$(BIN)/python -m pytest -q -p no:cacheprovider

clean:
	rm -rf build coverwatch.db coverwatch.db-* digests
