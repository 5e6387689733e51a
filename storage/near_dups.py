"""The near-duplicate index's band hashes in the database (table near_dup_bands), for crawler.dedup.index.

Every spider, process and Scrapyd node writing to one store sees every indexed article, including one stored a
moment ago in the same run: a query is one indexed lookup of the article's band hashes, and no process holds
the signatures or rebuilds anything at start-up. Signatures stay in articles.signature.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from storage.models import Article, NearDupBand


class BandTable:
    """A crawler.dedup.index.BandStore over one session (its transaction is the caller's)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def keys_sharing(self, bands: Sequence[int]) -> set[str]:
        if not bands:
            return set()
        statement = select(NearDupBand.article_id).where(NearDupBand.band.in_(list(bands))).distinct()
        return {str(article_id) for article_id in self.session.scalars(statement)}

    def signatures(self, keys: Sequence[str]) -> dict[str, bytes]:
        ids = [int(key) for key in keys]
        if not ids:
            return {}
        rows = self.session.execute(
            select(Article.id, Article.signature).where(Article.id.in_(ids), Article.signature.is_not(None))
        )
        return {str(article_id): bytes(sig) for article_id, sig in rows}

    def add(self, key: str, bands: Sequence[int], sig: bytes) -> None:
        """Insert the band rows; the signature is the article row's own (stored with it)."""
        article_id = int(key)
        self.session.execute(insert(NearDupBand), [{"band": band, "article_id": article_id} for band in set(bands)])

    def remove(self, key: str, bands: Sequence[int]) -> None:
        self.session.execute(
            delete(NearDupBand).where(NearDupBand.band.in_(list(bands)), NearDupBand.article_id == int(key))
        )

    def __len__(self) -> int:
        """Indexed articles (a full count: for tests and tools, not the crawl path)."""
        return int(self.session.scalar(select(func.count(func.distinct(NearDupBand.article_id)))) or 0)
