"""The near-duplicate index's band hashes in the database (table near_dup_bands), for crawler.dedup.index.

Every spider, process and Scrapyd node writing to one store sees every indexed article, including one stored a
moment ago in the same run: a query is one statement (the article's band hashes looked up in the table's primary
key, joined to the candidates' signatures), and no process holds the signatures or rebuilds anything at start-up.
Signatures stay in articles.signature.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from sqlalchemy import BigInteger, Integer, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from storage.models import Article, NearDupBand


_BANDS = NearDupBand.__table__
_ARTICLES = Article.__table__
# Built once: statements with expanding parameters hit SQLAlchemy's compiled cache without being rebuilt per
# article (building and coercing the expressions cost more than the indexed lookups themselves).
_SHARING = select(_ARTICLES.c.id, _ARTICLES.c.signature).where(
    _ARTICLES.c.id.in_(select(_BANDS.c.article_id).where(_BANDS.c.band.in_(bindparam("bands", expanding=True)))),
    _ARTICLES.c.signature.is_not(None),
)
_SIGNATURES = select(_ARTICLES.c.id, _ARTICLES.c.signature).where(
    _ARTICLES.c.id.in_(bindparam("ids", expanding=True)), _ARTICLES.c.signature.is_not(None)
)
_ADD = insert(_BANDS)
# PostgreSQL: an article's band rows in one statement over one array parameter. An executemany runs the insert
# once per row in the server (measured at 100k articles: 0.75-1.0 ms server and 0.9 ms client CPU per article,
# against 0.6 and 0.4 ms this way). SQLite's executemany is one C loop in this process already.
_ADD_ARRAY = insert(_BANDS).from_select(
    ["band", "article_id"], select(func.unnest(bindparam("bands", type_=ARRAY(BigInteger))), bindparam("id", type_=Integer))
)
# Articles re-banded per statement: a batch's signatures and band rows stay a few MB whatever the store's size.
REBAND_BATCH = 5000
_REMOVE = delete(_BANDS).where(_BANDS.c.band.in_(bindparam("bands", expanding=True)), _BANDS.c.article_id == bindparam("id"))


class BandTable:
    """A crawler.dedup.index.BandStore over one session (its transaction is the caller's).

    Core statements on the session's connection: the ORM's per-row bookkeeping cost more than the lookups.
    """

    def __init__(self, session: Session) -> None:
        self.session = session

    def sharing(self, bands: Sequence[int]) -> dict[str, bytes]:
        if not bands:
            return {}
        rows = self.session.connection().execute(_SHARING, {"bands": list(bands)})
        return {str(article_id): bytes(sig) for article_id, sig in rows}

    def signatures(self, keys: Sequence[str]) -> dict[str, bytes]:
        if not keys:
            return {}
        rows = self.session.connection().execute(_SIGNATURES, {"ids": [int(key) for key in keys]})
        return {str(article_id): bytes(sig) for article_id, sig in rows}

    def add(self, key: str, bands: Sequence[int], sig: bytes) -> None:
        """Insert the band rows in one statement; the signature is the article row's own (stored with it)."""
        connection = self.session.connection()
        if connection.dialect.name == "postgresql":
            connection.execute(_ADD_ARRAY, {"bands": list(set(bands)), "id": int(key)})
        else:
            connection.execute(_ADD, [{"band": band, "article_id": int(key)} for band in set(bands)])

    def remove(self, key: str, bands: Sequence[int]) -> None:
        self.session.connection().execute(_REMOVE, {"bands": list(bands), "id": int(key)})

    def __len__(self) -> int:
        """Indexed articles (a full count: for tests and tools, not the crawl path)."""
        return int(self.session.connection().scalar(select(func.count(func.distinct(_BANDS.c.article_id)))) or 0)


def rebuild_bands(session: Session, bands_of: Callable[[bytes], Sequence[int]], *, batch: int = REBAND_BATCH) -> int:
    """Replace every band row with `bands_of(signature)` of each original article that has a signature.

    For a change of banding (dedup.near_threshold): a band hash is found only by queries banded the same way.
    `bands_of` returns [] for a signature it cannot use. Articles are read `batch` at a time in id order, inside
    the caller's one transaction, so no crawl ever sees half an index. Returns the number of articles indexed.
    """
    connection = session.connection()
    connection.execute(delete(_BANDS))
    last_id = indexed = 0
    while True:
        rows = connection.execute(
            select(_ARTICLES.c.id, _ARTICLES.c.signature)
            .where(_ARTICLES.c.id > last_id, _ARTICLES.c.signature.is_not(None), _ARTICLES.c.duplicate_of_id.is_(None))
            .order_by(_ARTICLES.c.id)
            .limit(batch)
        ).all()
        if not rows:
            return indexed
        last_id = rows[-1][0]
        values = []
        for article_id, sig in rows:
            bands = set(bands_of(bytes(sig)))
            values += [{"band": band, "article_id": article_id} for band in bands]
            indexed += bool(bands)
        if values:
            connection.execute(_ADD, values)


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
