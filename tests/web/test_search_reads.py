"""What every queue and search page reads besides its rows: the filter choices (stored outlets and languages)
come from index seeks, not a scan of every article. Checked on results and query plans, not timings."""

from __future__ import annotations

from sqlalchemy import event, select
from sqlalchemy.engine import Engine

from crawler.web import queries
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


def test_filter_choices_are_the_stored_values_read_through_indexes(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    seed_store(sessions)
    with sessions() as session:
        outlets, languages = queries.choices(session)
        stored_outlets = [value for value in session.scalars(select(Article.outlet).distinct().order_by(Article.outlet)) if value]
        stored_languages = [value for value in session.scalars(select(Article.language).distinct().order_by(Article.language)) if value]
        statements = _selects(engine, lambda: queries.choices(session))
    assert len(outlets) > 1 and len(languages) > 1
    assert (outlets, languages) == (stored_outlets, stored_languages)
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            plans = [row[3] for statement, parameters in statements
                     for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)]
        # One seek per value ("SEARCH ... USING COVERING INDEX"), never "SCAN articles".
        assert plans and all(line.startswith("SEARCH articles USING COVERING INDEX") for line in plans), plans
    engine.dispose()
