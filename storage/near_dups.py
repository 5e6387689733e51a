"""The near-duplicate index's band hashes in the database (table near_dup_bands), for crawler.dedup.index.

Every spider, process and Scrapyd node writing to one store sees every indexed article, including one stored a
moment ago in the same run: a query is one indexed lookup of the article's band hashes, and no process holds
the signatures or rebuilds anything at start-up. Signatures stay in articles.signature.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from storage.models import Article, NearDupBand


_BANDS = NearDupBand.__table__
_ARTICLES = Article.__table__


class BandTable:
    """A crawler.dedup.index.BandStore over one session (its transaction is the caller's).

    Core statements on the session's connection: the ORM's per-row bookkeeping cost more than the lookups.
    """

    def __init__(self, session: Session) -> None:
        self.session = session

    def keys_sharing(self, bands: Sequence[int]) -> set[str]:
        if not bands:
            return set()
        statement = select(_BANDS.c.article_id).where(_BANDS.c.band.in_(list(bands))).distinct()
        return {str(article_id) for article_id in self.session.connection().scalars(statement)}

    def signatures(self, keys: Sequence[str]) -> dict[str, bytes]:
        ids = [int(key) for key in keys]
        if not ids:
            return {}
        rows = self.session.connection().execute(
            select(_ARTICLES.c.id, _ARTICLES.c.signature).where(_ARTICLES.c.id.in_(ids), _ARTICLES.c.signature.is_not(None))
        )
        return {str(article_id): bytes(sig) for article_id, sig in rows}

    def add(self, key: str, bands: Sequence[int], sig: bytes) -> None:
        """Insert the band rows; the signature is the article row's own (stored with it)."""
        article_id = int(key)
        self.session.connection().execute(insert(_BANDS), [{"band": band, "article_id": article_id} for band in set(bands)])

    def remove(self, key: str, bands: Sequence[int]) -> None:
        self.session.connection().execute(
            delete(_BANDS).where(_BANDS.c.band.in_(list(bands)), _BANDS.c.article_id == int(key))
        )

    def __len__(self) -> int:
        """Indexed articles (a full count: for tests and tools, not the crawl path)."""
        return int(self.session.connection().scalar(select(func.count(func.distinct(_BANDS.c.article_id)))) or 0)


def link_earlier_copies(session: Session, original_id: int, copies: Iterable[tuple[int, float]]) -> list[int]:
    """Mark stored originals as near copies of `original_id` (an original indexed after them). Returns the ids
    changed: only rows that are still originals, never the original itself nor another watched page."""
    changed = []
    for copy_id, similarity in copies:
        result = session.execute(
            update(Article)
            .where(Article.id == copy_id, Article.id != original_id, Article.duplicate_of_id.is_(None),
                   Article.wiki_pageid.is_(None))
            .values(duplicate_of_id=original_id, duplicate_kind="near", duplicate_similarity=similarity)
        )
        if result.rowcount:
            changed.append(copy_id)
    return changed
