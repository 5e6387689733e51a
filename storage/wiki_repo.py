"""Repository functions for Wikipedia pages: watched pages and their revisions, new related pages.

A watched page is one Article row (outlet "wikipedia", wiki_lang + wiki_pageid as its identity, wiki_lastrevid the
newest revision stored) whose text is its newest revision; every revision is an ArticleVersion of kind "revision"
with the revision's id, user, comment, size, timestamp and change summary. Each function takes a Session; the
caller owns the transaction. No schema change was needed: the columns exist since 0001.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import Article, ArticleVersion, UrlAlias
from storage.repo import insert_ignore, utcnow

WIKIPEDIA_OUTLET = "wikipedia"
VERSION_KIND = "revision"
# change_summary flag of the revisions stored at a page's first sight (its baseline history).
FIRST_SIGHT = "first_sight"


@dataclass(frozen=True)
class WatchedPage:
    """A watched page as the API describes it; url_key is the canonical URL's key (computed by the caller)."""

    lang: str
    pageid: int
    title: str
    url: str
    url_key: str
    watched_via: str  # "wiki_seed" | "wiki_langlinks" | "wiki_config"
    relevance_explanation: str = ""


@dataclass(frozen=True)
class RevisionRecord:
    revision_id: int
    timestamp: datetime | None
    user: str | None
    comment: str | None
    size: int | None
    text: str | None  # plain text; None when the revision's text is hidden
    content_hash: str | None
    change_summary: dict[str, Any] = field(default_factory=dict)
    created_page: bool = False  # the page's first revision (its creation)


@dataclass(frozen=True)
class RevisionsResult:
    article_id: int
    created: bool  # the page's Article row was created now
    stored: int  # new versions written


@dataclass(frozen=True)
class WikiChange:
    """One stored revision with its page, for the digest ("ar: +2 paragraphs, edited by X")."""

    article_id: int
    lang: str | None
    title: str | None
    url: str
    revision_id: int | None
    user: str | None
    comment: str | None
    timestamp: datetime | None
    change_summary: dict[str, Any]


def find_page(session: Session, lang: str, pageid: int) -> Article | None:
    statement = select(Article).where(
        Article.outlet == WIKIPEDIA_OUTLET, Article.wiki_lang == lang, Article.wiki_pageid == pageid
    )
    return session.scalars(statement.order_by(Article.id).limit(1)).one_or_none()


def last_revisions(session: Session, lang: str, pageids: Iterable[int]) -> dict[int, int | None]:
    """pageid -> the newest stored revision id, for the pages of this wiki that are stored."""
    ids = list(pageids)
    if not ids:
        return {}
    rows = session.execute(
        select(Article.wiki_pageid, Article.wiki_lastrevid).where(
            Article.outlet == WIKIPEDIA_OUTLET, Article.wiki_lang == lang, Article.wiki_pageid.in_(ids)
        )
    )
    return {pageid: revid for pageid, revid in rows if pageid is not None}


def known_pageids(session: Session, lang: str, pageids: Iterable[int]) -> set[int]:
    """The pages of this wiki already stored (watched or found by search before)."""
    return set(last_revisions(session, lang, pageids))


def stored_revision_ids(session: Session, article_id: int) -> set[int]:
    rows = session.scalars(
        select(ArticleVersion.revision_id).where(ArticleVersion.article_id == article_id, ArticleVersion.revision_id.is_not(None))
    )
    return {revid for revid in rows if revid is not None}


def _page_row(session: Session, page: WatchedPage, now: datetime) -> tuple[Article, bool]:
    """The page's Article, created if needed (identity: lang + pageid, else its URL)."""
    article = find_page(session, page.lang, page.pageid)
    if article is not None:
        return article, False
    values = {
        "url_key": page.url_key, "url": page.url, "outlet": WIKIPEDIA_OUTLET, "language": page.lang, "title": page.title,
        "text": "", "first_seen": now, "last_seen": now, "last_checked": now, "status": "full",
        "discovered_via": [page.watched_via], "extraction_method": "wikipedia:wikitext",
        "field_sources": {"title": "wikipedia:api", "text": "wikipedia:revision"},
        # A watched page is the topic's own article: relevant by definition, not by scoring.
        "relevant": True, "relevance_score": 1.0, "relevance_explanation": page.relevance_explanation,
        "wiki_lang": page.lang, "wiki_pageid": page.pageid, "version_count": 0,
    }
    new_id = insert_ignore(session, Article.__table__, values, ["url_key"])
    created = new_id is not None
    article = session.scalars(select(Article).where(Article.url_key == page.url_key)).one()
    if not created:
        # The URL was stored before (e.g. a search hit that is now watched): it becomes the watched page.
        article.wiki_lang, article.wiki_pageid = page.lang, page.pageid
        article.relevant, article.relevance_score = True, 1.0
        article.relevance_explanation = page.relevance_explanation or article.relevance_explanation
    alias = {"url_key": page.url_key, "url": page.url, "article_id": article.id, "route": page.watched_via}
    insert_ignore(session, UrlAlias.__table__, alias, ["url_key"])
    return article, created


def record_revisions(session: Session, page: WatchedPage, revisions: Sequence[RevisionRecord]) -> RevisionsResult:
    """Store a watched page's revisions (oldest first) as versions; the row's text becomes the newest readable one.

    Revisions already stored (by revision id) are skipped, so a repeated or overlapping fetch writes nothing twice.
    """
    now = utcnow()
    article, created = _page_row(session, page, now)
    known = stored_revision_ids(session, article.id)
    # The history fetched at a watcher's first sight of a page is its baseline, not news: marked, so the digest
    # reports only revisions learned afterwards.
    first_sight = not known
    number = session.scalar(select(func.max(ArticleVersion.version_no)).where(ArticleVersion.article_id == article.id)) or 0
    stored = 0
    for revision in revisions:
        if revision.revision_id in known:
            continue
        number += 1
        stored += 1
        known.add(revision.revision_id)
        session.add(
            ArticleVersion(
                article_id=article.id, version_no=number, fetched_at=now, title=page.title, text=revision.text or "",
                content_hash=revision.content_hash, kind=VERSION_KIND,
                change_summary={**revision.change_summary, FIRST_SIGHT: True} if first_sight else dict(revision.change_summary),
                revision_id=revision.revision_id, revision_user=revision.user, revision_comment=revision.comment,
                revision_size=revision.size, revision_timestamp=revision.timestamp,
            )
        )
        if revision.created_page and revision.timestamp is not None:
            article.published_at = revision.timestamp
            article.published_source = "wikipedia:first_revision"
            article.published_uncertain = False
    newest = max(revisions, key=lambda r: r.revision_id, default=None)
    if newest is not None and (article.wiki_lastrevid is None or newest.revision_id > article.wiki_lastrevid):
        article.wiki_lastrevid = newest.revision_id
        article.modified_at = newest.timestamp
        readable = [r for r in revisions if r.text is not None]
        if readable:
            latest = max(readable, key=lambda r: r.revision_id)
            article.text = latest.text or ""
            article.content_hash = latest.content_hash
    article.title = page.title
    article.last_seen = now
    article.last_checked = now
    article.version_count = number
    return RevisionsResult(article.id, created, stored)


def set_wiki_identity(session: Session, article_id: int, *, lang: str, pageid: int, lastrevid: int | None) -> None:
    """Mark a stored article (a new related page stored through the pipeline) as this wiki page."""
    article = session.get(Article, article_id)
    if article is None:
        return
    article.wiki_lang = lang
    article.wiki_pageid = pageid
    if lastrevid is not None:
        article.wiki_lastrevid = lastrevid


def revision_history(session: Session, lang: str, pageid: int) -> list[ArticleVersion]:
    """A watched page's stored revisions, oldest first."""
    article = find_page(session, lang, pageid)
    if article is None:
        return []
    statement = select(ArticleVersion).where(ArticleVersion.article_id == article.id, ArticleVersion.kind == VERSION_KIND)
    return list(session.scalars(statement.order_by(ArticleVersion.version_no)))


def changes_since(session: Session, since: datetime) -> list[WikiChange]:
    """Revisions made since `since` (by their Wikipedia timestamp), per language, oldest first: what the digest reports.

    The history fetched at a page's first sight is its baseline, not news: it is left out whatever its timestamps.
    """
    statement = (
        select(ArticleVersion, Article)
        .join(Article, Article.id == ArticleVersion.article_id)
        .where(ArticleVersion.kind == VERSION_KIND, ArticleVersion.revision_timestamp >= since)
        .where(Article.outlet == WIKIPEDIA_OUTLET)
        .order_by(Article.wiki_lang, ArticleVersion.revision_id)
    )
    return [
        WikiChange(
            article_id=article.id, lang=article.wiki_lang, title=article.title, url=article.url,
            revision_id=version.revision_id, user=version.revision_user, comment=version.revision_comment,
            timestamp=version.revision_timestamp, change_summary=dict(version.change_summary or {}),
        )
        for version, article in session.execute(statement)
        if not (version.change_summary or {}).get(FIRST_SIGHT)
    ]
