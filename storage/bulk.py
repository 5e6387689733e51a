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
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.orm import Session

from crawler.textnorm import fold_for_search
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
