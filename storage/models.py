"""SQLAlchemy 2.0 models. Every schema change is an Alembic migration in storage/migrations/versions."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import false as sa_false, text as sql_text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

# Named constraints let Alembic's SQLite batch mode drop and recreate them by name.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes on every backend: stored as UTC, read back as UTC.

    SQLite keeps no offset, so without this a published_at would come back naive and compare wrongly.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; attach a timezone first")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON, datetime: UTCDateTime()}


class Source(Base):
    """One outlet as the store knows it, with its current health rating."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    language: Mapped[str | None] = mapped_column(String(16))
    routes: Mapped[list[Any]] = mapped_column(default=list)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    health: Mapped[str] = mapped_column(String(16), default="unknown")
    health_reason: Mapped[str] = mapped_column(Text, default="")
    health_changed_at: Mapped[datetime | None]
    last_new_article_at: Mapped[datetime | None]


class CrawlRun(Base):
    """One crawl of one source: counts, outcome and the raw Scrapy stats."""

    __tablename__ = "crawl_runs"
    __table_args__ = (
        Index("ix_crawl_runs_source_started_at", "source", "started_at"),  # a source's latest runs, one seek
        Index("ix_crawl_runs_outcome", "outcome"),  # the few runs still 'running', for the reaper
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(100), index=True)
    started_at: Mapped[datetime] = mapped_column(index=True)
    finished_at: Mapped[datetime | None]
    # running | finished | partial | failed | blocked | interrupted
    outcome: Mapped[str] = mapped_column(String(16), default="running")
    finish_reason: Mapped[str] = mapped_column(String(64), default="")
    requests: Mapped[int] = mapped_column(Integer, default=0)
    responses_by_status: Mapped[dict[str, Any]] = mapped_column(default=dict)
    items: Mapped[int] = mapped_column(Integer, default=0)
    new_articles: Mapped[int] = mapped_column(Integer, default=0)
    updated_articles: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    failures_by_reason: Mapped[dict[str, Any]] = mapped_column(default=dict)
    blocked: Mapped[int] = mapped_column(Integer, default=0)
    duration_s: Mapped[float | None] = mapped_column(Float)
    pid: Mapped[int | None] = mapped_column(Integer)
    node: Mapped[str] = mapped_column(String(200), default="")
    stats: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Article(Base):
    """One story at one canonical URL. Its text is the latest version; history lives in ArticleVersion."""

    __tablename__ = "articles"
    __table_args__ = (
        Index("ix_articles_first_seen", "first_seen"),
        Index("ix_articles_content_hash", "content_hash"),
        Index("ix_articles_title_key", "title_key"),
        Index("ix_articles_outlet_first_seen", "outlet", "first_seen"),  # each outlet's newest article (digest health)
        Index("ix_articles_language", "language"),  # the review UI's language choices, without reading every article
        # The review queue's filters in its newest-first order: its walk reads the index, not every article's text.
        Index("ix_articles_queue", "first_seen", "id", "review_status", "duplicate_of_id", "relevance_score", "starred", "outlet", "language"),
        # repo.titles_around: an outlet's articles within days of a new one (Google News headline matching)
        Index("ix_articles_outlet_published_or_seen", "outlet", sql_text("coalesce(published_at, first_seen)")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    url_key: Mapped[str] = mapped_column(String(40), unique=True)  # sha1 of the canonical URL
    url: Mapped[str] = mapped_column(Text)
    outlet: Mapped[str] = mapped_column(String(100), index=True)
    language: Mapped[str | None] = mapped_column(String(16))
    title: Mapped[str | None] = mapped_column(Text)
    authors: Mapped[list[Any]] = mapped_column(default=list)
    published_at: Mapped[datetime | None]
    published_source: Mapped[str] = mapped_column(String(64), default="none")
    published_uncertain: Mapped[bool] = mapped_column(Boolean, default=True)
    # The publisher's clock (crawler.publisher_time): the UTC offset the page stated, in minutes (NULL: none
    # stated, show published_at as UTC), and whether it gave a day without a time.
    published_offset_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    published_date_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    modified_at: Mapped[datetime | None]
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]
    last_checked: Mapped[datetime | None]
    text: Mapped[str] = mapped_column(Text, default="")
    lead: Mapped[str | None] = mapped_column(Text)
    keywords: Mapped[list[Any]] = mapped_column(default=list)
    content_hash: Mapped[str | None] = mapped_column(String(40))
    title_key: Mapped[str | None] = mapped_column(String(40))
    extraction_method: Mapped[str] = mapped_column(String(64), default="")
    field_sources: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="full")  # see crawler.model STATUS_*
    discovered_via: Mapped[list[Any]] = mapped_column(default=list)
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    relevance_score: Mapped[float | None] = mapped_column(Float)
    relevant: Mapped[bool | None] = mapped_column(Boolean)
    relevance_matches: Mapped[list[Any]] = mapped_column(default=list)
    relevance_explanation: Mapped[str] = mapped_column(Text, default="")
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id"))
    duplicate_kind: Mapped[str | None] = mapped_column(String(16))  # exact | title | near
    duplicate_similarity: Mapped[float | None] = mapped_column(Float)
    signature: Mapped[bytes | None] = mapped_column(LargeBinary)  # MinHash, so the index rebuilds without texts
    version_count: Mapped[int] = mapped_column(Integer, default=1)
    taken_down_at: Mapped[datetime | None]
    review_status: Mapped[str] = mapped_column(String(16), default="new")  # new|reviewed|starred|dismissed
    starred: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    wiki_lang: Mapped[str | None] = mapped_column(String(16))
    wiki_pageid: Mapped[int | None] = mapped_column(Integer)
    wiki_lastrevid: Mapped[int | None] = mapped_column(Integer)
    # PostgreSQL only: folded, lower-cased title + lead + text, written by a trigger (migration 0006) and
    # trigram-indexed for search. NULL on SQLite, which searches its FTS5 table. Never loaded with the article.
    search_document: Mapped[str | None] = mapped_column(Text, deferred=True)

    versions: Mapped[list[ArticleVersion]] = relationship(
        back_populates="article", order_by="ArticleVersion.version_no", cascade="all, delete-orphan"
    )


class NearDupBand(Base):
    """One LSH band hash of an original article's signature: the near-duplicate index every process shares.

    Looked up by band hash only (crawler.dedup.index, storage.near_dups); no index by article, since an
    article's bands are computed from its stored signature when they are needed. The foreign key is enforced
    on SQLite only: PostgreSQL drops it (migration 0015), its per-row trigger being a third of the cost of
    storing an article's bands, which are written in the article's own transaction anyway.
    """

    __tablename__ = "near_dup_bands"
    __table_args__ = {"sqlite_with_rowid": False}

    band: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), primary_key=True)


class ArticleVersion(Base):
    """A snapshot of an article when its text or title changed (or a Wikipedia revision)."""

    __tablename__ = "article_versions"
    __table_args__ = (UniqueConstraint("article_id", "version_no", name="uq_article_versions_article_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    version_no: Mapped[int] = mapped_column(Integer)
    fetched_at: Mapped[datetime] = mapped_column(index=True)
    title: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text, default="")
    content_hash: Mapped[str | None] = mapped_column(String(40))
    change_summary: Mapped[dict[str, Any]] = mapped_column(default=dict)
    kind: Mapped[str] = mapped_column(String(16), default="edit")  # first | edit | takedown | revision
    revision_id: Mapped[int | None] = mapped_column(Integer)
    revision_user: Mapped[str | None] = mapped_column(String(200))
    revision_comment: Mapped[str | None] = mapped_column(Text)
    revision_size: Mapped[int | None] = mapped_column(Integer)
    revision_timestamp: Mapped[datetime | None]

    article: Mapped[Article] = relationship(back_populates="versions")


class UrlAlias(Base):
    """Every URL under which an article was reached (feed link, sitemap loc, redirect source)."""

    __tablename__ = "url_aliases"

    url_key: Mapped[str] = mapped_column(String(40), primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    route: Mapped[str] = mapped_column(String(100), default="")


class Failure(Base):
    """Anything that went wrong for a source: recorded, counted, shown in health. Never silence."""

    __tablename__ = "failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id", ondelete="SET NULL"), index=True)
    source: Mapped[str] = mapped_column(String(100), index=True)
    url: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(String(64))  # short machine key: blocked, http_403, robots, ...
    detail: Mapped[str] = mapped_column(Text, default="")
    http_status: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(index=True)


class HttpValidator(Base):
    """ETag / Last-Modified per listing URL, for conditional GET on feeds, sitemaps and listings."""

    __tablename__ = "http_validators"

    url_key: Mapped[str] = mapped_column(String(40), primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime]


class SourceLock(Base):
    """A per-source lease so cron, the daemon and other nodes never crawl the same source at once."""

    __tablename__ = "source_locks"

    source: Mapped[str] = mapped_column(String(100), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    acquired_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class Digest(Base):
    """A rendered daily digest; sent_at makes sending idempotent."""

    __tablename__ = "digests"
    __table_args__ = (UniqueConstraint("day", "window", name="uq_digests_day_window"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[str] = mapped_column(String(10))
    window: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime]
    content_hash: Mapped[str] = mapped_column(String(40), default="")
    article_ids: Mapped[list[Any]] = mapped_column(default=list)
    paths: Mapped[dict[str, Any]] = mapped_column(default=dict)
    sent_at: Mapped[datetime | None]
    reviewed_at: Mapped[datetime | None]


class HealthEvent(Base):
    """A change of a source's health rating, kept as history and used for alerts."""

    __tablename__ = "health_events"
    __table_args__ = (Index("ix_health_events_source_at", "source", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(100), index=True)
    at: Mapped[datetime]
    old_state: Mapped[str] = mapped_column(String(16))
    new_state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    alerted_at: Mapped[datetime | None]


class Notification(Base):
    """A notification sent (or being sent) once ever: a digest notice per window, a prompt alert per story.

    The unique key is the claim: the process that inserts it sends; another finds it and does not.
    sent_at stays NULL while the send is in flight, and the row is deleted when sending fails, so a later run retries.
    """

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # digest_notice | prompt_alert
    key: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(Text, default="")
    claimed_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class StoryLink(Base):
    """Which story an article belongs to (story_id = the id of the story's first article), and why.

    `pinned` marks an analyst's split or merge: automatic linking never moves a pinned article again.
    """

    __tablename__ = "story_links"

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    story_id: Mapped[int] = mapped_column(Integer, index=True)
    features: Mapped[dict[str, Any]] = mapped_column(default=dict)  # crawler.stories features, for later candidates
    evidence: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    linked_at: Mapped[datetime]
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)


class StoryKey(Base):
    """The story-linking index: (key, day) -> article. Candidates for a new article are looked up here."""

    __tablename__ = "story_keys"
    # Covering: a candidate lookup reads (key, day) -> article_id from the index alone, never the table.
    __table_args__ = (Index("ix_story_keys_key_day", "key", "day", "article_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120))
    day: Mapped[date | None] = mapped_column(Date)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
