"""storage.bulk.insert_new_articles writes what repo.store_article writes for new articles, many at a time."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import func, inspect, select, text

from crawler.dedup.fingerprint import content_hash, signature
from crawler.dedup.index import NearDupIndex
from storage import repo
from storage.bulk import deferred_search_indexes, insert_new_articles
from storage.db import make_engine, make_session_factory, upgrade
from storage.models import Article, ArticleVersion, NearDupBand, UrlAlias
from storage.near_dups import BandTable

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "dedup"
TASS = [item["text"] for item in json.loads((FIXTURES / "en_tass_politics_2024_first4.json").read_text(encoding="utf-8"))]
SEEN = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)


def test_bulk_insert_writes_rows_versions_aliases_and_bands(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    index = NearDupIndex()
    records = [
        repo.ArticleRecord(url_key=f"key{n}", url=f"https://tass.com/politics/{n}", outlet="tass_com", title=f"Title {n}",
                           text=text, language="en", content_hash=content_hash(text), signature=signature(text), route="rss")
        for n, text in enumerate(TASS[:3])
    ]
    copy = repo.ArticleRecord(url_key="copy", url="https://example.com/copy", outlet="reuters", title="Copy", text=TASS[0],
                              signature=signature(TASS[0]))
    with sessions.begin() as session:
        ids = insert_new_articles(session, records, [SEEN + timedelta(hours=n) for n in range(3)],
                                  [index.band_hashes(r.signature or b"") for r in records])
    with sessions.begin() as session:  # a linked copy is stored without bands: it is nobody's original
        copy.duplicate_of_id, copy.duplicate_kind = ids[0], "exact"
        [copy_id] = insert_new_articles(session, [copy], [SEEN], [index.band_hashes(copy.signature or b"")])
    with sessions() as session:
        stored = {a.id: a for a in session.scalars(select(Article))}
        assert [stored[i].url_key for i in ids] == ["key0", "key1", "key2"]
        assert stored[ids[1]].first_seen == SEEN + timedelta(hours=1) and stored[ids[1]].discovered_via == ["rss"]
        assert stored[ids[0]].review_status == "new" and stored[ids[0]].version_count == 1  # column defaults apply
        assert session.scalar(select(func.count()).select_from(ArticleVersion)) == 4
        assert repo.resolve_alias(session, ["key2", "copy"]) == {"key2": ids[2], "copy": copy_id}
        assert session.scalar(select(func.count()).select_from(UrlAlias)) == 4
        assert session.scalar(select(func.count()).select_from(NearDupBand)) == 3 * 32
        shared = NearDupIndex(store=BandTable(session))
        assert [key for key, _ in shared.query(signature(TASS[1] + " (TASS)"))] == [str(ids[1])]
        assert str(copy_id) not in shared
    engine.dispose()


def test_band_rows_are_checked_against_articles_on_sqlite_only(db_url: str) -> None:
    """Migration 0015: PostgreSQL's per-row referential-integrity trigger cost a third of the near-duplicate
    check-and-insert; the rows are written with their article, so only SQLite (where the check is cheap) keeps it."""
    engine = make_engine(db_url)
    upgrade(engine)
    with engine.connect() as connection:
        referred = [key["referred_table"] for key in inspect(connection).get_foreign_keys("near_dup_bands")]
    assert referred == ([] if engine.dialect.name == "postgresql" else ["articles"])
    engine.dispose()


def test_bulk_insert_indexes_for_search_as_a_single_store_does(db_url: str) -> None:
    """The bulk path writes the search index itself (SQLite) or through the trigger (PostgreSQL): same result."""
    engine = make_engine(db_url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    pointed = "הַמֶּמְשָׁלָה אִשְּׁרָה · أعلنت الحكومةُ الفلسطينيـة إلى \u200fموسكو"  # niqqud, harakat, tatweel, bidi mark
    records = [
        repo.ArticleRecord(url_key=f"search{n}", url=f"https://example.com/{n}", outlet="reuters", title=f"Title {pointed}",
                           text=pointed, lead="Lead أولى", language="ar")
        for n in range(2)
    ]
    with sessions.begin() as session:
        single = repo.store_article(session, records[0]).article_id
        [bulk] = insert_new_articles(session, records[1:], [SEEN], [[]])
    with sessions.begin() as session:  # the insert trigger is back: a later single store is still indexed
        later = repo.store_article(session, replace(records[0], url_key="later", url="https://example.com/later")).article_id
    with sessions() as session:
        if engine.dialect.name == "sqlite":
            query = "SELECT title, body FROM articles_fts WHERE rowid = :id"
        else:
            query = "SELECT search_document, '' FROM articles WHERE id = :id"
        indexed = {article_id: tuple(session.execute(text(query), {"id": article_id}).one()) for article_id in (single, bulk, later)}
        assert indexed[bulk] == indexed[single] == indexed[later]
        assert "الحكومه" in indexed[bulk][0] + indexed[bulk][1] and "הממשלה" in indexed[bulk][0] + indexed[bulk][1]
    engine.dispose()


GIN_INDEXES = (
    "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'articles' AND indexdef LIKE '% USING gin %' ORDER BY indexname"
)


def test_deferred_search_indexes_are_rebuilt_as_they_were(pg_url: str) -> None:
    """PostgreSQL: the trigram index is away during the load and back afterwards, same definition, answering search."""
    engine = make_engine(pg_url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    with engine.connect() as connection:
        before = connection.execute(text(GIN_INDEXES)).all()
    assert [name for name, _ in before] == ["ix_articles_search_document_trgm"]
    records = [
        repo.ArticleRecord(url_key=f"deferred{n}", url=f"https://example.com/deferred/{n}", outlet="reuters",
                           title=f"Title {n}", text=f"{text} והממשלה", language="en", route="rss")
        for n, text in enumerate(TASS)
    ]
    with deferred_search_indexes(engine) as deferred:
        assert deferred == [definition for _, definition in before]
        with engine.connect() as connection:
            assert connection.execute(text(GIN_INDEXES)).all() == []
        with sessions.begin() as session:
            ids = insert_new_articles(session, records, [SEEN] * len(records), [[]] * len(records))
    with engine.connect() as connection:
        assert connection.execute(text(GIN_INDEXES)).all() == before
        connection.execute(text("SET enable_seqscan = off"))  # a store this small would be read without the index
        plan = "\n".join(connection.execute(text("EXPLAIN SELECT id FROM articles WHERE search_document LIKE '%ממשלה%'")).scalars())
        assert "ix_articles_search_document_trgm" in plan
        found = connection.execute(text("SELECT id FROM articles WHERE search_document LIKE '%ממשלה%' ORDER BY id")).scalars().all()
        assert found == ids
    engine.dispose()


def test_deferred_search_indexes_come_back_when_the_load_fails(pg_url: str) -> None:
    engine = make_engine(pg_url)
    upgrade(engine)
    with engine.connect() as connection:
        before = connection.execute(text(GIN_INDEXES)).all()
    try:
        with deferred_search_indexes(engine):
            raise RuntimeError("the load broke off")
    except RuntimeError:
        pass
    with engine.connect() as connection:
        assert connection.execute(text(GIN_INDEXES)).all() == before
    engine.dispose()


def test_deferred_search_indexes_leave_sqlite_as_it_is(sqlite_url: str) -> None:
    """SQLite: nothing is dropped (its FTS5 table is kept by the insert path itself); the schema is unchanged."""
    engine = make_engine(sqlite_url)
    upgrade(engine)
    schema = "SELECT type, name, sql FROM sqlite_master ORDER BY type, name"
    with engine.connect() as connection:
        before = connection.execute(text(schema)).all()
    with deferred_search_indexes(engine) as deferred:
        assert deferred == []
        with engine.connect() as connection:
            assert connection.execute(text(schema)).all() == before
    engine.dispose()
