"""The digest reads only its window (issue 17 item 4): every query build_digest runs reaches the store's growing
tables through an index, on SQLite and PostgreSQL. Checked on the query plans, not on a timing.

The statements are the ones build_digest really executes (captured with their parameters), so a new query
that scans the store fails here without the test naming it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from crawler.config import Settings
from crawler.digest import build_digest
from storage.db import make_engine, make_session_factory, upgrade
from tests.digest_seed import DAY, NOW, seed_store

# Tables that grow with every crawl. (sources and digests grow by one row per outlet and per day.)
GROWING = ("articles", "article_versions", "crawl_runs", "failures", "health_events")


def _settings(url: str, tmp_path: Path) -> Settings:
    return Settings.model_validate(
        {"storage": {"url": url}, "topic": {"threshold": 0.5, "near_miss_margin": 0.15},
         "digest": {"output_dir": str(tmp_path / "digests"), "timezone": "Asia/Jerusalem", "time": "07:00"}}
    )


def _digest_statements(engine: Engine, settings: Settings) -> list[tuple[str, Any]]:
    """(SQL, parameters) of every SELECT build_digest executes."""
    seen: list[tuple[str, Any]] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    sessions = make_session_factory(engine)
    event.listen(engine, "before_cursor_execute", record)
    try:
        with sessions() as session:
            data = build_digest(session, settings, day=DAY, now=NOW)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert data.items and data.changes and data.wiki_changes and data.health  # every section ran its queries
    return seen


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Engine, Settings]]:
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    engine = make_engine(url)
    upgrade(engine)
    seed_store(make_session_factory(engine))
    yield engine, _settings(url, tmp_path)
    engine.dispose()


def _sqlite_full_scans(engine: Engine, statement: str, parameters: Any) -> list[str]:
    with engine.connect() as connection:
        plan = [row[3] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)]
    # "SCAN articles" reads the table; "SCAN articles USING [COVERING] INDEX" reads a whole index, just as big;
    # "SEARCH articles USING INDEX ix_articles_first_seen (first_seen<?)" reads everything stored before a time.
    return [
        line for line in plan
        if re.match(rf"SCAN ({'|'.join(GROWING)})\b", line) or re.match(rf"SEARCH ({'|'.join(GROWING)}) .*\(\w+[<>]\?\)$", line)
    ]


def _postgresql_full_scans(engine: Engine, statement: str, parameters: Any) -> list[str]:
    with engine.connect() as connection:
        # On a test-sized store a sequential scan is the cheapest plan, so it is priced out: a sequential scan
        # left in the plan then means no index can answer the query.
        connection.execute(text("SET enable_seqscan = off"))
        plan = [row[0] for row in connection.exec_driver_sql("EXPLAIN " + statement, parameters)]
    scans = []
    for number, line in enumerate(plan):
        if re.search(rf"Seq Scan on ({'|'.join(GROWING)})\b", line):
            scans.append(line)
        # An index read bounded on one side only ("first_seen < window start") reads everything stored before it.
        elif re.search(rf"Index (Only )?Scan.* on ({'|'.join(GROWING)})\b", line) and number + 1 < len(plan):
            condition = plan[number + 1]
            if "Index Cond" in condition and " AND " not in condition and re.search(r" [<>]=? ", condition) and " = " not in condition:
                scans.append(f"{line} / {condition.strip()}")
    return scans


def test_every_digest_query_reads_the_growing_tables_through_an_index(store: tuple[Engine, Settings]) -> None:
    engine, settings = store
    statements = _digest_statements(engine, settings)
    full_scans = _sqlite_full_scans if engine.dialect.name == "sqlite" else _postgresql_full_scans
    scanning = {statement: found for statement, parameters in statements if (found := full_scans(engine, statement, parameters))}
    assert statements and not scanning, scanning
