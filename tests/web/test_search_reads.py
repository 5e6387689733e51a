"""The newest-first search walk: each window finds exactly what the full index finds. (The filter choices'
index seeks are checked in test_page_reads.py.)"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import event, select
from sqlalchemy.engine import Engine

from crawler.web import queries, search
from storage.db import make_engine, make_session_factory, upgrade
from storage.models import Article
from tests.digest_seed import seed_store


def _selects(engine: Engine, call) -> list[tuple[str, object]]:  # type: ignore[no-untyped-def]
    seen: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen


@pytest.mark.parametrize("aligned_range", [10**9, 0], ids=["fts5-rowid-range", "window-text"])
def test_a_window_of_the_walk_matches_what_the_index_matches(sqlite_url: str, monkeypatch: pytest.MonkeyPatch, aligned_range: int) -> None:
    """On SQLite a window of the newest-first walk is checked by FTS5 over its rowid range, or (ids not following
    time) by reading its indexed text: both find exactly what the index finds among the window's ids, prefixed
    Hebrew and Arabic forms, folded marks, case and short terms included."""
    engine = make_engine(sqlite_url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    seed_store(sessions)
    with sessions.begin() as session:
        session.add(Article(**_article("pointed", "הַמֶּמְשָׁלָה הָרוּסִית", "والحكومة الروسية · إسرائيل · Хамас")))
    monkeypatch.setattr(search, "ALIGNED_RANGE", aligned_range)
    monkeypatch.setattr(search, "SQLITE_IDS_PER_STATEMENT", 3)  # several statements per window
    with sessions() as session:
        ids = list(session.scalars(select(Article.id).order_by(Article.first_seen.desc())))
        window = ids[: len(ids) * 2 // 3]
        for query in ("ממשלה", "حكومة", "اسرائيل", "хамас", "HAMAS", "Putin Russia", "US", "no-such-word"):
            indexed = set(session.scalars(select(Article.id).where(search.search_condition(session, query))))
            assert search.matching_among(session, query, window) == indexed & set(window), query
        assert search.matching_among(session, "ממשלה", window)  # the checks above are not all empty
    engine.dispose()


def _article(key: str, title: str, text: str) -> dict[str, object]:
    seen = datetime(2026, 1, 1, tzinfo=timezone.utc)
    return {"url_key": key, "url": f"https://example.org/{key}", "outlet": "constructed", "language": "he", "title": title,
            "text": text, "first_seen": seen, "last_seen": seen, "published_source": "test", "extraction_method": "test",
            "status": "full", "relevance_explanation": "", "note": ""}


def test_the_walk_reads_the_queue_index_and_the_page_rows_only(sqlite_url: str) -> None:
    """A search served by the walk reads its windows from the covering index ix_articles_queue and then only the
    page's rows by id: nothing that grows with the store is read row by row (SQLite query plans)."""
    engine = make_engine(sqlite_url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    seed_store(sessions)
    filters = queries.Filters(q="the", status="all", relevance="all")
    with sessions() as session:
        rows, total = queries.queue(session, filters, 0.5, 0.1, "UTC", limit=2)
        statements = _selects(engine, lambda: queries.queue(session, filters, 0.5, 0.1, "UTC", limit=2))
    assert len(rows) == 2 and total.exact  # the seeded store fits in the first window
    with engine.connect() as connection:
        plans = [row[3] for statement, parameters in statements
                 for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)]
    reads = [line for line in plans if line.split(" ")[1:2] == ["articles"]]
    assert "SCAN articles USING COVERING INDEX ix_articles_queue" in reads, plans
    assert all(line == "SCAN articles USING COVERING INDEX ix_articles_queue" or "(rowid=?)" in line for line in reads), plans
    engine.dispose()
