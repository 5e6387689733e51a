"""Storage on both backends: migrations, idempotent upserts, versions, locks, failures, timezones."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, inspect, select, text

from storage import repo
from storage.db import STATEMENT_DEADLINE_OPTION, StorageUnavailable, check_connection, make_engine, make_session_factory, upgrade
from storage.models import Article, ArticleVersion, Failure, UrlAlias


@pytest.fixture
def sessions(db_url: str):  # type: ignore[no-untyped-def]
    engine = make_engine(db_url)
    upgrade(engine)
    yield make_session_factory(engine)
    engine.dispose()


def _record(**overrides):  # type: ignore[no-untyped-def]
    values = dict(
        url_key="k1", url="https://www.ynetnews.com/article/abc", outlet="ynetnews", title="Putin thanks Hamas",
        text="Putin thanked Hamas. The hostage was freed.", content_hash="h1",
        published_at=datetime(2025, 2, 15, 10, 0, tzinfo=timezone(timedelta(hours=2))), published_source="jsonld",
        published_uncertain=False,
    )
    values.update(overrides)
    return repo.ArticleRecord(**values)


def test_upgrade_is_idempotent_and_creates_tables(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    upgrade(engine)
    tables = set(inspect(engine).get_table_names())
    assert {"sources", "crawl_runs", "articles", "article_versions", "failures", "url_aliases", "source_locks"} <= tables
    engine.dispose()


def test_store_article_is_idempotent(sessions) -> None:  # type: ignore[no-untyped-def]
    with sessions.begin() as session:
        first = repo.store_article(session, _record())
    with sessions.begin() as session:
        again = repo.store_article(session, _record())
    assert first.outcome == "new" and again.outcome == "unchanged"
    assert first.article_id == again.article_id
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Article)) == 1
        assert session.scalar(select(func.count()).select_from(ArticleVersion)) == 1


def test_changed_text_becomes_a_version_with_summary(sessions) -> None:  # type: ignore[no-untyped-def]
    def diff(old_title, old_text, new_title, new_text):  # type: ignore[no-untyped-def]
        return True, {"summary": "1 sentence added", "title_changed": old_title != new_title}

    with sessions.begin() as session:
        repo.store_article(session, _record())
    with sessions.begin() as session:
        result = repo.store_article(session, _record(text="Putin thanked Hamas. The hostage was freed. Moscow denied it.", content_hash="h2"), diff=diff)
    assert result.outcome == "updated"
    with sessions() as session:
        article = session.scalars(select(Article)).one()
        assert article.version_count == 2
        assert article.text.endswith("Moscow denied it.")
        assert [v.kind for v in article.versions] == ["first", "edit"]
        assert article.versions[1].change_summary["summary"] == "1 sentence added"


def test_lead_only_is_filled_when_the_page_later_answers(sessions) -> None:  # type: ignore[no-untyped-def]
    with sessions.begin() as session:
        repo.store_article(session, _record(status="lead_only", text="Lead only.", content_hash=None))
    with sessions.begin() as session:
        result = repo.store_article(session, _record())
    assert result.outcome == "filled"
    with sessions() as session:
        assert session.scalars(select(Article.status)).one() == "full"


def test_timezones_survive_the_round_trip(sessions) -> None:  # type: ignore[no-untyped-def]
    with sessions.begin() as session:
        repo.store_article(session, _record())
    with sessions() as session:
        published = session.scalars(select(Article.published_at)).one()
    assert published.tzinfo is not None
    assert published == datetime(2025, 2, 15, 8, 0, tzinfo=timezone.utc)


def test_aliases_resolve_to_one_article(sessions) -> None:  # type: ignore[no-untyped-def]
    with sessions.begin() as session:
        stored = repo.store_article(session, _record(aliases=[("alias1", "https://www.ynetnews.com/article/abc?utm_source=rss")]))
        assert repo.resolve_alias(session, ["alias1", "nope"]) == {"alias1": stored.article_id}
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(UrlAlias)) == 2


def test_known_articles_are_looked_up_by_key_within_the_outlet(sessions) -> None:  # type: ignore[no-untyped-def]
    with sessions.begin() as session:
        repo.store_article(session, _record(aliases=[("alias1", "https://www.ynetnews.com/article/abc?utm_source=rss")]))
        repo.store_article(session, _record(url_key="k2", url="https://www.reuters.com/x", outlet="reuters", content_hash="h2"))
    with sessions() as session:
        many = [f"absent{n}" for n in range(repo.KNOWN_LOOKUP_CHUNK)]  # past one chunk: every chunk is asked
        known = repo.known_articles(session, "ynetnews", [*many, "alias1", "k1", "k2"])
    assert set(known) == {"k1", "alias1"}  # k2 belongs to another outlet
    first_seen, last_checked, status = known["alias1"]
    assert status == "full" and last_checked is not None and first_seen.tzinfo is not None


def test_lock_is_exclusive_until_released_or_expired(sessions) -> None:  # type: ignore[no-untyped-def]
    with sessions.begin() as session:
        assert repo.acquire_lock(session, "tass", "a", timedelta(minutes=5))
    with sessions.begin() as session:
        assert not repo.acquire_lock(session, "tass", "b", timedelta(minutes=5))
    with sessions.begin() as session:
        repo.release_lock(session, "tass", "a")
    with sessions.begin() as session:
        assert repo.acquire_lock(session, "tass", "b", timedelta(seconds=-1))  # already expired
    with sessions.begin() as session:
        assert repo.acquire_lock(session, "tass", "c", timedelta(minutes=5))


def test_failures_and_runs_are_recorded(sessions) -> None:  # type: ignore[no-untyped-def]
    with sessions.begin() as session:
        run_id = repo.start_run(session, "reuters")
        repo.record_failure(session, source="reuters", reason="blocked:datadome", url="https://www.reuters.com/x", http_status=401, run_id=run_id)
        repo.finish_run(session, run_id, outcome="blocked", finish_reason="finished", counts={"failures": 1, "blocked": 1})
    with sessions() as session:
        failure = session.scalars(select(Failure)).one()
        assert (failure.reason, failure.http_status, failure.run_id) == ("blocked:datadome", 401, run_id)
        run = repo.recent_runs(session, "reuters")[0]
        assert run.outcome == "blocked" and run.duration_s is not None and run.duration_s >= 0


def test_taken_down_is_marked_once(sessions) -> None:  # type: ignore[no-untyped-def]
    with sessions.begin() as session:
        repo.store_article(session, _record())
    with sessions.begin() as session:
        assert repo.mark_taken_down(session, "k1", 404)
        assert not repo.mark_taken_down(session, "k1", 404)
    with sessions() as session:
        article = session.scalars(select(Article)).one()
        assert article.taken_down_at is not None
        assert article.versions[-1].kind == "takedown"


def test_unreachable_database_is_a_clear_error() -> None:
    engine = make_engine("postgresql://nobody@127.0.0.1:1/none")
    with pytest.raises(StorageUnavailable, match="unreachable"):
        check_connection(engine)


def test_a_connection_can_take_a_longer_statement_deadline(pg_url: str) -> None:
    """The watchdog cuts a statement off at the engine's deadline, unless its connection asked for a longer one."""
    engine = make_engine(pg_url, statement_timeout_s=1)
    with engine.connect() as connection:
        connection.execution_options(**{STATEMENT_DEADLINE_OPTION: 30})
        connection.execute(text("SET statement_timeout = '30s'"))  # the server's own deadline, lifted alike
        assert connection.execute(text("SELECT pg_sleep(2), 1")).one()[1] == 1
    with engine.connect() as connection, pytest.raises(Exception, match="(?i)connection|closed|timeout"):
        connection.execute(text("SET statement_timeout = '30s'"))  # only the client watchdog is left to cut it off
        connection.execute(text("SELECT pg_sleep(3)"))
    engine.dispose()


def test_publisher_offset_is_stored_and_old_rows_migrate_to_utc_as_stored(db_url: str) -> None:
    """Migration 0004: rows from before it keep NULL offset (UTC as stored); new rows keep the page's clock."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text

    from storage.db import MIGRATIONS_DIR

    engine = make_engine(db_url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0003")
        connection.execute(
            text(
                "INSERT INTO articles (url_key, url, outlet, authors, published_at, published_source, published_uncertain,"
                " first_seen, last_seen, text, keywords, extraction_method, field_sources, status, discovered_via,"
                " relevance_matches, relevance_explanation, version_count, review_status, starred, note)"
                " VALUES ('old', 'https://example.org/old', 'ynetnews', '[]', :at, 'jsonld', :no, :at, :at, '', '[]', '',"
                " '{}', 'full', '[]', '[]', '', 1, 'new', :no, '')"
            ),
            {"at": datetime(2024, 1, 1, 10, 0, tzinfo=timezone.utc), "no": False},
        )
    upgrade(engine)
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        repo.store_article(session, _record(published_offset_minutes=120))
        repo.store_article(session, _record(url_key="k2", url="https://example.org/day", published_date_only=True))
    with sessions() as session:
        rows = {
            row.url_key: (row.published_offset_minutes, row.published_date_only)
            for row in session.scalars(select(Article))
        }
    assert rows == {"old": (None, False), "k1": (120, False), "k2": (None, True)}
    engine.dispose()


def test_older_rows_dated_by_a_day_become_dates_again(db_url: str) -> None:
    """Migration 0011: rows stored before 0004 whose date came from a day-only source, at midnight UTC."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text

    from storage.db import MIGRATIONS_DIR

    engine = make_engine(db_url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    midnight = datetime(2020, 1, 8, tzinfo=timezone.utc)
    afternoon = datetime(2020, 6, 28, 14, 5, tzinfo=timezone.utc)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0010_notify")
        for key, at, source in (("day", midnight, "htmldate"), ("url", midnight, "url"), ("timed", afternoon, "textual"),
                                ("declared", midnight, "jsonld")):
            connection.execute(
                text(
                    "INSERT INTO articles (url_key, url, outlet, authors, published_at, published_source, published_uncertain,"
                    " first_seen, last_seen, text, keywords, extraction_method, field_sources, status, discovered_via,"
                    " relevance_matches, relevance_explanation, version_count, review_status, starred, note)"
                    " VALUES (:key, :url, 'ynetnews', '[]', :at, :source, :no, :at, :at, '', '[]', '',"
                    " '{}', 'full', '[]', '[]', '', 1, 'new', :no, '')"
                ),
                {"key": key, "url": f"https://example.org/{key}", "at": at, "source": source, "no": False},
            )
    upgrade(engine)
    with make_session_factory(engine)() as session:
        flags = {row.url_key: row.published_date_only for row in session.scalars(select(Article))}
    # A midnight from a declared timestamp is a time; a textual date with its time of day stays timed.
    assert flags == {"day": True, "url": True, "timed": False, "declared": False}
    engine.dispose()


def test_the_headline_window_is_an_index_range(sessions) -> None:  # type: ignore[no-untyped-def]
    """repo.titles_around runs for every new article: it must not read all of the outlet's rows."""
    with sessions() as session:
        if session.get_bind().dialect.name == "postgresql":  # the inspector does not list expression indexes
            definition = session.scalar(text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_articles_outlet_published_or_seen'"))
            assert "(outlet, COALESCE(published_at, first_seen))" in definition
        else:
            plan = " ".join(str(row[-1]) for row in session.execute(text(
                "EXPLAIN QUERY PLAN SELECT id, title FROM articles WHERE outlet = 'x' "
                "AND coalesce(published_at, first_seen) >= '2026-01-01' AND coalesce(published_at, first_seen) <= '2026-01-07'")))
            assert "USING INDEX ix_articles_outlet_published_or_seen (outlet=? AND <expr>>? AND <expr><?)" in plan
