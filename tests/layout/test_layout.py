"""The house keeps its shape: pure stages stay pure, imports run one way, no circles, every package says what it
owns, modules stay small. Read from the source (`tests/layout/imports.py`), so it costs no import and no time.
"""

from __future__ import annotations

import ast

import pytest

from tests.layout.imports import REPO, cycles, module_name, product_files, product_graph

# Stages that turn data into data: no framework, no database, no network machinery.
PURE = ("crawler.model", "crawler.textnorm", "crawler.jsonl", "crawler.publisher_time", "crawler.wording", "crawler.exit_codes",
        "crawler.discover", "crawler.extract", "crawler.relevance", "crawler.dedup", "crawler.health", "crawler.stories")
# The one settings object sits on the ground floor with them; it may use a library to check a value as its user
# will read it (a crontab line through APScheduler's own parser), so the library rule does not bind it.
SETTINGS = ("crawler.config",)
# Third-party packages a pure stage may not import (the rule, plus what stands behind them).
IMPURE_LIBRARIES = ("scrapy", "twisted", "fastapi", "starlette", "uvicorn", "sqlalchemy", "alembic", "psycopg",
                    "redis", "scrapyd", "apscheduler")
# Floors, from the bottom: a module may import its own floor and the floors below, never one above.
# Data flows spider -> extract -> relevance -> dedup -> store -> digest/review, and imports follow it down.
FLOORS = (
    PURE + SETTINGS,
    ("storage",),
    ("spiders", "crawler.notify", "crawler.digest"),
    ("crawler.fetch",),
    ("crawler.schedule", "crawler.web"),
    ("crawler.cli", "crawler.__main__", "scheduler"),
)
# Product modules longer than this must be one idea, named here with the reason.
MAX_LINES = 400
ONE_IDEA: dict[str, str] = {
    "crawler.extract.bidi": "positioned glyphs to one line of text in logical order: one algorithm and its tables",
    "crawler.config": "the one typed settings object: its sections with their checks, loaded from file and environment",
    "spiders.wikipedia": "the Wikipedia watcher: one spider's three request phases (changes, revisions, related search)",
}


def _owner(module: str, owners: tuple[str, ...]) -> str | None:
    return next((owner for owner in owners if module == owner or module.startswith(owner + ".")), None)


def _floor(module: str) -> int:
    for number, owners in enumerate(FLOORS):
        if _owner(module, owners):
            return number
    raise AssertionError(f"{module} is on no floor: add its package to FLOORS in {__file__}")


def test_every_product_module_stands_on_a_floor() -> None:
    graph, _ = product_graph()
    for module in graph:
        if module != "crawler":
            _floor(module)


def test_pure_stages_import_no_framework_database_or_upper_stage() -> None:
    graph, every = product_graph()
    wrong = [
        f"{found.importer}:{found.line} imports {found.imported}"
        for found in every
        if _owner(found.importer, PURE) and found.imported.split(".")[0] in IMPURE_LIBRARIES
    ]
    wrong += [f"{module} imports {target}" for module, targets in graph.items() if _owner(module, PURE)
              for target in targets if not _owner(target, PURE + SETTINGS)]
    assert not wrong, "a pure stage reaches outside the pure floor:\n" + "\n".join(sorted(wrong))


# Known upward imports, each to be removed, never added to.
KNOWN_UPWARD: set[tuple[str, str]] = {
    # The Wikipedia spider stores found articles through the pipeline's processor instead of yielding items.
    ("spiders.wikipedia", "crawler.fetch.processing"),
}


def test_imports_run_downward() -> None:
    graph, _ = product_graph()
    upward = {
        (module, target)
        for module, targets in graph.items() if module != "crawler"
        for target in targets if target != "crawler" and _floor(target) > _floor(module)
    }
    assert upward <= KNOWN_UPWARD, "imports that run up a floor:\n" + "\n".join(
        f"{module} -> {target}" for module, target in sorted(upward - KNOWN_UPWARD))


def test_no_import_circle() -> None:
    graph, _ = product_graph()
    assert cycles(graph) == []


def test_every_package_says_what_it_owns() -> None:
    silent = []
    for path in product_files():
        if path.name == "__init__.py":
            docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
            if not docstring or len(docstring) < 40:
                silent.append(module_name(path))
    assert not silent, f"packages without a docstring saying what they own: {silent}"


def test_no_name_prefixed_module_families() -> None:
    """`relevance_match.py`, `relevance_score.py`... beside each other are a package waiting to be made."""
    families = []
    for folder in {path.parent for path in product_files()}:
        stems = [path.stem for path in folder.glob("*.py") if not path.stem.startswith("_")]
        for stem in stems:
            prefixed = [other for other in stems if other.startswith(stem + "_")]
            if prefixed:
                families.append(f"{folder.relative_to(REPO)}: {stem} + {prefixed}")
    assert not families, families


@pytest.mark.parametrize("path", list(product_files()), ids=lambda path: str(path.relative_to(REPO)))
def test_modules_stay_small_or_are_one_idea(path) -> None:  # type: ignore[no-untyped-def]
    lines = len(path.read_text(encoding="utf-8").splitlines())
    name = module_name(path)
    assert lines <= MAX_LINES or name in ONE_IDEA, f"{name} has {lines} lines: split it, or name its one idea in ONE_IDEA"
