"""Bulk loading of new articles: many rows per statement, for imports and the year-store bench.

The rows are the ones `repo.store_article` writes for a new article (the article, its first version, its URL
alias) plus its near-duplicate band hashes; no duplicate checks run, so the caller must know the rows are new.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.orm import Session

from storage.models import Article, ArticleVersion, NearDupBand, UrlAlias
from storage.repo import ArticleRecord

_ARTICLE_COLUMNS = (
    "url_key", "url", "outlet", "title", "text", "language", "authors", "published_at", "published_source",
    "published_uncertain", "modified_at", "lead", "keywords", "content_hash", "title_key", "extraction_method",
    "field_sources", "status", "relevance_score", "relevant", "relevance_matches", "relevance_explanation",
    "signature", "duplicate_of_id", "duplicate_kind", "duplicate_similarity",
)


def insert_new_articles(
    session: Session, records: Sequence[ArticleRecord], first_seen: Sequence[datetime], bands: Sequence[Sequence[int]]
) -> list[int]:
    """Insert new articles first seen at the given times, with their band hashes; returns their ids in order."""
    rows = [
        {
            **{key: getattr(record, key) for key in _ARTICLE_COLUMNS},
            "first_seen": seen, "last_seen": seen, "last_checked": seen,
            "discovered_via": [record.route] if record.route else [],
        }
        for record, seen in zip(records, first_seen, strict=True)
    ]
    articles = Article.__table__
    ids = list(session.scalars(insert(articles).returning(articles.c.id, sort_by_parameter_order=True), rows))
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
    if band_rows:
        session.execute(insert(NearDupBand.__table__), band_rows)
    return ids
