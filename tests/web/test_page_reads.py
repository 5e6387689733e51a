"""Review-UI pages at scale (issue 17): the queue's outlet and language lists come from one index seek per
distinct value, and the health page's article counts from one range per source, never from reading every
article; checked on the SQLite query plans, and the lists checked equal to SELECT DISTINCT on both backends."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, select, update

from crawler.web.overview import health_view
from crawler.web.queries import choices
from storage.db import make_engine, make_session_factory, upgrade
from storage.models import Article
from tests.digest_seed import NOW, seed_store


def _distinct(session: Any, column: Any) -> list[str]:
    return [value for value in session.scalars(select(column).distinct().order_by(column)) if value]


def test_filter_lists_equal_distinct_values(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    seed_store(sessions)
    with sessions.begin() as session:  # an article without a language and one with an empty one are listed under neither
        first, second = session.scalars(select(Article.id).order_by(Article.id).limit(2)).all()
        session.execute(update(Article).where(Article.id == first).values(language=None))
        session.execute(update(Article).where(Article.id == second).values(language=""))
    with sessions() as session:
        outlets, languages = choices(session)
        assert outlets == _distinct(session, Article.outlet) and len(outlets) > 3
        assert languages == _distinct(session, Article.language) and len(languages) >= 3
    engine.dispose()


def _article_reads(sqlite_url: str, page: Any) -> list[list[str]]:
    """The SQLite plan lines that read articles, per statement `page(session)` runs on the seeded store."""
    engine = make_engine(sqlite_url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    seed_store(sessions)
    statements: list[tuple[str, Any]] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    with sessions() as session:
        page(session)
    event.remove(engine, "before_cursor_execute", record)
    with engine.connect() as connection:
        plans = [[row[3] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)] for statement, parameters in statements]
    engine.dispose()
    return [[line for line in plan if "articles" in line] for plan in plans if any("articles" in line for line in plan)]


def test_filter_lists_seek_the_indexes_instead_of_scanning_articles(sqlite_url: str) -> None:
    reads = _article_reads(sqlite_url, choices)
    # Two lists, each read as index searches bounded below by the last value found.
    assert len(reads) == 2
    assert all(line.startswith("SEARCH articles USING COVERING INDEX") and ">?)" in line for plan in reads for line in plan), reads


def test_health_counts_read_one_range_per_source(sqlite_url: str) -> None:
    reads = _article_reads(sqlite_url, lambda session: health_view(session, NOW))
    assert reads == [["SEARCH articles USING COVERING INDEX ix_articles_outlet_first_seen (outlet=? AND first_seen>?)"]], reads
