"""Bulk loading of new articles: many rows per statement, for imports and the year-store bench.

The rows are the ones `repo.store_article` writes for a new article (the article, its first version, its URL
alias, its search index entry) plus its near-duplicate band hashes; no duplicate checks run, so the caller must
know the rows are new.

Where the time goes in a row-by-row insert, and what this does instead:
- ids: RETURNING over many rows makes SQLAlchemy send one INSERT per row on SQLite, so the ids are allocated
  first (SQLite: above the largest, under the write lock taken at once; PostgreSQL: from the id sequence) and
  every table is written with plain executemany.
- SQLite search index: migration 0003's insert trigger folds each row with about a hundred replace() calls in
  eight statements (0.4 ms of a 2 kB article). Inside the transaction the trigger is dropped, the rows are folded
  in Python (crawler.textnorm.fold_for_search, the same folding) and written to the FTS table in one
  executemany, and the trigger is created again from its own stored SQL. The write lock is held from the first
  statement, so no other writer can insert while the trigger is away, and readers see the schema unchanged.
- PostgreSQL keeps its BEFORE trigger (0006): the search document is folded by the server, as for every write.
  The band hashes (32 rows an article) go in by COPY.
- PostgreSQL search index: keeping the trigram GIN index on the search document up to date costs several ms a
  row (every trigram of a 2 kB document is an entry), most of a row's cost. A large load runs inside
  `deferred_search_indexes`, which drops the GIN indexes of `articles` first and builds them again at the end
  from their own definitions, sorted in one pass with a generous maintenance_work_mem: the standard bulk-load
  order, several times cheaper than maintaining them row by row.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, text
from sqlalchemy.orm import Session

from crawler.textnorm import fold_for_search
from storage.db import STATEMENT_DEADLINE_OPTION
from storage.models import Article, ArticleVersion, NearDupBand, UrlAlias
from storage.repo import ArticleRecord

_ARTICLE_COLUMNS = (
    "url_key", "url", "outlet", "title", "text", "language", "authors", "published_at", "published_source",
    "published_uncertain", "modified_at", "lead", "keywords", "content_hash", "title_key", "extraction_method",
    "field_sources", "status", "relevance_score", "relevant", "relevance_matches", "relevance_explanation",
    "signature", "duplicate_of_id", "duplicate_kind", "duplicate_similarity",
)
# Migration 0003's FTS5 table and the trigger that fills it on insert.
SQLITE_FTS_TABLE = "articles_fts"
SQLITE_FTS_INSERT_TRIGGER = "articles_fts_ai"
# Memory for rebuilding a deferred index: the GIN build sorts its entries in this much memory before spilling,
# and a trigram index of a million articles has hundreds of millions of entries. Set for the rebuild only.
INDEX_BUILD_MEMORY = "1GB"
# The build of a trigram index over a million articles takes tens of minutes on a small server: far past the
# engine's per-statement deadline (server statement_timeout and the client watchdog), which would cut it off and
# roll it back. It gets its own deadline, still bounded so that a silent server cannot hang the load forever.
INDEX_BUILD_TIMEOUT_S = 4 * 3600
# The GIN indexes of `articles` (migration 0006's trigram index on the search document is the one there is).
_PG_GIN_INDEXES = text(
    "SELECT index_class.relname, pg_get_indexdef(index_class.oid) FROM pg_index"
    " JOIN pg_class index_class ON index_class.oid = pg_index.indexrelid"
    " JOIN pg_am ON pg_am.oid = index_class.relam"
    " WHERE pg_index.indrelid = 'articles'::regclass AND pg_am.amname = 'gin' ORDER BY index_class.relname"
)


def insert_new_articles(
    session: Session, records: Sequence[ArticleRecord], first_seen: Sequence[datetime], bands: Sequence[Sequence[int]]
) -> list[int]:
    """Insert new articles first seen at the given times, with their band hashes; returns their ids in order."""
    if not records:
        return []
    sqlite = session.get_bind().dialect.name == "sqlite"
    ids = _allocate_sqlite_ids(session, len(records)) if sqlite else _allocate_sequence_ids(session, len(records))
    rows = [
        {
            "id": article_id, **{key: getattr(record, key) for key in _ARTICLE_COLUMNS},
            "first_seen": seen, "last_seen": seen, "last_checked": seen,
            "discovered_via": [record.route] if record.route else [],
        }
        for article_id, record, seen in zip(ids, records, first_seen, strict=True)
    ]
    if sqlite:
        _insert_sqlite_articles(session, rows)
    else:
        session.execute(insert(Article.__table__), rows)
    session.execute(
        insert(ArticleVersion.__table__),
        [
            {"article_id": article_id, "version_no": 1, "fetched_at": seen, "title": record.title, "text": record.text,
             "content_hash": record.content_hash, "kind": "first"}
            for article_id, record, seen in zip(ids, records, first_seen)
        ],
    )
    session.execute(
        insert(UrlAlias.__table__),
        [{"url_key": record.url_key, "url": record.url, "article_id": article_id, "route": record.route}
         for article_id, record in zip(ids, records)],
    )
    band_rows = [
        {"band": band, "article_id": article_id}
        for article_id, record, article_bands in zip(ids, records, bands, strict=True)
        if record.duplicate_of_id is None
        for band in set(article_bands)
    ]
    if band_rows and not sqlite:
        _copy_bands(session, band_rows)
    elif band_rows:
        session.execute(insert(NearDupBand.__table__), band_rows)
    return ids


def _allocate_sqlite_ids(session: Session, count: int) -> list[int]:
    """The next `count` ids, with the write lock taken first so that no other writer can take them meanwhile."""
    driver = session.connection().connection.dbapi_connection
    if driver is not None and not driver.in_transaction:
        # pysqlite opens a deferred transaction at the first write; take the lock before reading max(id).
        driver.execute("BEGIN IMMEDIATE")
    highest = session.execute(text("SELECT coalesce(max(id), 0) FROM articles")).scalar_one()
    return list(range(highest + 1, highest + 1 + count))


def _allocate_sequence_ids(session: Session, count: int) -> list[int]:
    return list(session.scalars(
        text("SELECT nextval(pg_get_serial_sequence('articles', 'id')) FROM generate_series(1, :count)"), {"count": count}
    ))


def _copy_bands(session: Session, band_rows: list[dict[str, int]]) -> None:
    """PostgreSQL: COPY the band rows (32 an article), a tenth of the client and server work of multi-row INSERTs."""
    driver = session.connection().connection.dbapi_connection
    assert driver is not None
    with driver.cursor() as cursor, cursor.copy(f"COPY {NearDupBand.__tablename__} (band, article_id) FROM STDIN") as copy:
        for row in band_rows:
            copy.write_row((row["band"], row["article_id"]))


def _insert_sqlite_articles(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert the rows and index them for search as the insert trigger would, without running it per row."""
    trigger_sql = session.execute(
        text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :name"), {"name": SQLITE_FTS_INSERT_TRIGGER}
    ).scalar_one_or_none()
    if trigger_sql is None:  # a schema without search: nothing to keep in step
        session.execute(insert(Article.__table__), rows)
        return
    session.execute(text(f"DROP TRIGGER {SQLITE_FTS_INSERT_TRIGGER}"))
    session.execute(insert(Article.__table__), rows)
    session.execute(
        text(f"INSERT INTO {SQLITE_FTS_TABLE}(rowid, title, body) VALUES (:id, :title, :body)"),
        [
            {"id": row["id"], "title": fold_for_search(row["title"] or ""),
             "body": fold_for_search(f"{row['lead'] or ''} {row['text'] or ''}")}
            for row in rows
        ],
    )
    session.execute(text(trigger_sql))


@contextmanager
def deferred_search_indexes(engine: Engine) -> Iterator[list[str]]:
    """Drop the GIN search indexes of `articles` for a bulk load inside the block, and build them again after it.

    Yields the definitions that will be rebuilt (none on SQLite, whose FTS5 table is not an index to drop, and
    none where pg_trgm was unavailable). Each statement runs in its own transaction: the load in between commits
    as it goes, and readers are not locked out for the whole load (searches are slower while the index is away,
    never wrong). The indexes are built again however the block ends, so an interrupted load leaves the schema
    whole; building them takes tens of minutes on a large store, so the build has its own, longer deadline.
    """
    if engine.dialect.name != "postgresql":
        yield []
        return
    with engine.begin() as connection:
        definitions = [(name, sql) for name, sql in connection.execute(_PG_GIN_INDEXES)]
        for name, _ in definitions:
            connection.exec_driver_sql(f'DROP INDEX "{name}"')
    try:
        yield [sql for _, sql in definitions]
    finally:
        with engine.connect() as connection:
            connection.execution_options(**{STATEMENT_DEADLINE_OPTION: INDEX_BUILD_TIMEOUT_S})
            with connection.begin():
                _build_indexes(connection, [sql for _, sql in definitions])


def _build_indexes(connection: Connection, definitions: list[str]) -> None:
    connection.execute(text(f"SET LOCAL maintenance_work_mem = '{INDEX_BUILD_MEMORY}'"))
    connection.execute(text(f"SET LOCAL statement_timeout = '{INDEX_BUILD_TIMEOUT_S}s'"))
    for sql in definitions:
        connection.exec_driver_sql(sql)  # the server's own spelling, run as it is
