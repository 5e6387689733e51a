"""Repository functions. Each takes a Session; the caller owns the transaction (`with factory.begin() as s`).

Unique keys are the source of truth for identity, and every write is an on-conflict upsert, so several crawl
nodes can write to one PostgreSQL without read-then-write races.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Table, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from crawler.discover.aggregator import claims_row
from storage.models import (
    Article,
    ArticleVersion,
    CrawlRun,
    Failure,
    HttpValidator,
    Source,
    SourceLock,
    UrlAlias,
)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _insert(session: Session, table: Table):  # type: ignore[no-untyped-def]
    """The dialect's own INSERT, which has on_conflict_* (the generic one does not)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"upserts are implemented for SQLite and PostgreSQL, not {dialect}")


def insert_ignore(session: Session, table: Table, values: dict[str, Any], index_elements: list[str]) -> Any | None:
    """Insert a row unless its key exists; return the new primary key, or None when it existed."""
    statement = _insert(session, table).values(**values).on_conflict_do_nothing(index_elements=index_elements)
    primary = list(table.primary_key.columns)[0]
    return session.execute(statement.returning(primary)).scalar_one_or_none()


# --- sources -----------------------------------------------------------------------------------------------


def sync_source(session: Session, name: str, *, title: str, language: str | None, routes: list[str], enabled: bool) -> None:
    values = {"name": name, "title": title, "language": language, "routes": routes, "enabled": enabled}
    statement = _insert(session, Source.__table__).values(**values)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["name"],
            set_={"title": title, "language": language, "routes": routes, "enabled": enabled},
        )
    )


def get_source(session: Session, name: str) -> Source | None:
    return session.scalars(select(Source).where(Source.name == name)).one_or_none()


# --- crawl runs and failures --------------------------------------------------------------------------------


def start_run(session: Session, source: str, *, pid: int | None = None, node: str = "") -> int:
    run = CrawlRun(source=source, started_at=utcnow(), pid=pid, node=node)
    session.add(run)
    session.flush()
    return run.id


def finish_run(session: Session, run_id: int, *, outcome: str, finish_reason: str, counts: dict[str, Any]) -> None:
    run = session.get(CrawlRun, run_id)
    if run is None:
        return
    run.finished_at = utcnow()
    run.outcome = outcome
    run.finish_reason = finish_reason
    run.duration_s = (run.finished_at - run.started_at).total_seconds()
    for key, value in counts.items():
        setattr(run, key, value)


def mark_interrupted_runs(session: Session, source: str | None = None, *, older_than: timedelta | None = None) -> int:
    """Runs still 'running' whose process is gone become 'interrupted' (after SIGKILL or a crash)."""
    statement = update(CrawlRun).where(CrawlRun.outcome == "running")
    if source:
        statement = statement.where(CrawlRun.source == source)
    if older_than is not None:
        statement = statement.where(CrawlRun.started_at < utcnow() - older_than)
    result = session.execute(statement.values(outcome="interrupted", finished_at=utcnow()))
    return int(result.rowcount or 0)


def record_failure(
    session: Session,
    *,
    source: str,
    reason: str,
    url: str = "",
    detail: str = "",
    http_status: int | None = None,
    run_id: int | None = None,
) -> None:
    session.add(
        Failure(
            run_id=run_id, source=source, url=url, reason=reason, detail=detail[:2000], http_status=http_status, at=utcnow()
        )
    )


def recent_runs(session: Session, source: str, limit: int = 10) -> list[CrawlRun]:
    statement = select(CrawlRun).where(CrawlRun.source == source).order_by(CrawlRun.id.desc()).limit(limit)
    return list(session.scalars(statement))


# --- conditional GET validators -----------------------------------------------------------------------------


def get_validators(session: Session, url_key: str) -> HttpValidator | None:
    return session.get(HttpValidator, url_key)


def save_validators(session: Session, url_key: str, url: str, etag: str | None, last_modified: str | None) -> None:
    values = {"url_key": url_key, "url": url, "etag": etag, "last_modified": last_modified, "updated_at": utcnow()}
    statement = _insert(session, HttpValidator.__table__).values(**values)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["url_key"],
            set_={"etag": etag, "last_modified": last_modified, "updated_at": values["updated_at"]},
        )
    )


# --- locks --------------------------------------------------------------------------------------------------


def acquire_lock(session: Session, source: str, holder: str, ttl: timedelta) -> bool:
    """Take the source's lease if it is free or expired. Atomic on both backends (no read-then-write)."""
    now = utcnow()
    values = {"source": source, "holder": holder, "acquired_at": now, "expires_at": now + ttl}
    if insert_ignore(session, SourceLock.__table__, values, ["source"]) is not None:
        return True
    taken = session.execute(
        update(SourceLock)
        .where(SourceLock.source == source, (SourceLock.expires_at < now) | (SourceLock.holder == holder))
        .values(holder=holder, acquired_at=now, expires_at=now + ttl)
    )
    return bool(taken.rowcount)


def release_lock(session: Session, source: str, holder: str) -> None:
    session.execute(delete(SourceLock).where(SourceLock.source == source, SourceLock.holder == holder))


# --- articles -----------------------------------------------------------------------------------------------


@dataclass
class ArticleRecord:
    """Everything the pipeline knows about one fetched (or lead-only) article, ready to store."""

    url_key: str
    url: str
    outlet: str
    title: str | None
    text: str
    language: str | None = None
    authors: list[str] = field(default_factory=list)
    published_at: datetime | None = None
    published_source: str = "none"
    published_uncertain: bool = True
    published_offset_minutes: int | None = None
    published_date_only: bool = False
    modified_at: datetime | None = None
    lead: str | None = None
    keywords: list[str] = field(default_factory=list)
    content_hash: str | None = None
    title_key: str | None = None
    extraction_method: str = ""
    field_sources: dict[str, str] = field(default_factory=dict)
    status: str = "full"
    route: str = ""
    aliases: list[tuple[str, str]] = field(default_factory=list)  # (url_key, url) of other URLs reaching it
    pdf: bytes | None = None
    relevance_score: float | None = None
    relevant: bool | None = None
    relevance_matches: list[dict[str, Any]] = field(default_factory=list)
    relevance_explanation: str = ""
    signature: bytes | None = None
    duplicate_of_id: int | None = None
    duplicate_kind: str | None = None
    duplicate_similarity: float | None = None


@dataclass(frozen=True)
class StoreResult:
    article_id: int
    outcome: str  # "new" | "updated" | "unchanged" | "filled"
    change_summary: dict[str, Any] | None = None


_COMPLETENESS = {"metadata_only": 0, "lead_only": 1, "pdf_pending": 2, "full": 3}


def store_article(session: Session, record: ArticleRecord, diff: Any = None) -> StoreResult:
    """Insert a new article or fold a re-fetch into the existing row (a new version when the text changed).

    `diff(old_title, old_text, new_title, new_text) -> (is_material, summary_dict)` decides what is an edit.
    """
    now = utcnow()
    columns = {
        key: getattr(record, key)
        for key in (
            "url_key", "url", "outlet", "title", "text", "language", "authors", "published_at", "published_source",
            "published_uncertain", "published_offset_minutes", "published_date_only", "modified_at", "lead", "keywords", "content_hash", "title_key",
            "extraction_method", "field_sources", "status", "pdf", "relevance_score", "relevant",
            "relevance_matches", "relevance_explanation", "signature", "duplicate_of_id", "duplicate_kind",
            "duplicate_similarity",
        )
    }
    columns.update(first_seen=now, last_seen=now, last_checked=now, discovered_via=[record.route] if record.route else [])
    new_id = insert_ignore(session, Article.__table__, columns, ["url_key"])
    if new_id is not None:
        session.add(
            ArticleVersion(
                article_id=new_id, version_no=1, fetched_at=now, title=record.title, text=record.text,
                content_hash=record.content_hash, kind="first",
            )
        )
        _add_aliases(session, new_id, record)
        return StoreResult(new_id, "new")

    article = session.scalars(select(Article).where(Article.url_key == record.url_key).with_for_update()).one()
    article.last_seen = now
    article.last_checked = now
    if claims_row(article.discovered_via, record.route):
        article.outlet = record.outlet  # first found through an aggregator; now through the outlet's own route
    if record.route and record.route not in (article.discovered_via or []):
        article.discovered_via = [*(article.discovered_via or []), record.route]
    _add_aliases(session, article.id, record)
    if article.taken_down_at is not None and record.status == "full":
        article.taken_down_at = None  # it came back
    if _COMPLETENESS.get(record.status, 0) > _COMPLETENESS.get(article.status, 0):
        _overwrite_content(article, record)
        _add_version(session, article, record, now, kind="filled", summary={"summary": f"text now {record.status}"})
        return StoreResult(article.id, "filled")
    if record.status != "full" or not record.text or record.content_hash == article.content_hash:
        return StoreResult(article.id, "unchanged")
    material, summary = (True, {}) if diff is None else diff(article.title, article.text, record.title, record.text)
    if not material:
        return StoreResult(article.id, "unchanged")
    _overwrite_content(article, record)
    _add_version(session, article, record, now, kind="edit", summary=summary)
    return StoreResult(article.id, "updated", summary)


def _overwrite_content(article: Article, record: ArticleRecord) -> None:
    for key in (
        "title", "text", "content_hash", "title_key", "extraction_method", "field_sources", "status", "signature",
        "relevance_score", "relevant", "relevance_matches", "relevance_explanation", "modified_at", "lead",
    ):
        value = getattr(record, key)
        if value is not None:
            setattr(article, key, value)
    if record.published_at is not None and (article.published_at is None or article.published_uncertain):
        article.published_at = record.published_at
        article.published_source = record.published_source
        article.published_uncertain = record.published_uncertain
        article.published_offset_minutes = record.published_offset_minutes
        article.published_date_only = record.published_date_only
    for key in ("language", "pdf"):
        if getattr(record, key) and not getattr(article, key):
            setattr(article, key, getattr(record, key))


def _add_version(session: Session, article: Article, record: ArticleRecord, now: datetime, *, kind: str, summary: dict[str, Any]) -> None:
    number = (session.scalar(select(func.max(ArticleVersion.version_no)).where(ArticleVersion.article_id == article.id)) or 0) + 1
    article.version_count = number
    session.add(
        ArticleVersion(
            article_id=article.id, version_no=number, fetched_at=now, title=record.title, text=record.text,
            content_hash=record.content_hash, change_summary=summary, kind=kind,
        )
    )


def _add_aliases(session: Session, article_id: int, record: ArticleRecord) -> None:
    for url_key, url in [(record.url_key, record.url), *record.aliases]:
        insert_ignore(
            session, UrlAlias.__table__, {"url_key": url_key, "url": url, "article_id": article_id, "route": record.route}, ["url_key"]
        )


def mark_taken_down(session: Session, url_key: str, http_status: int) -> bool:
    """A known article that now answers 404/410 is marked taken down (once), with a version saying so."""
    article = session.scalars(select(Article).where(Article.url_key == url_key)).one_or_none()
    if article is None or article.taken_down_at is not None:
        return False
    now = utcnow()
    article.taken_down_at = now
    article.last_checked = now
    record = ArticleRecord(url_key=url_key, url=article.url, outlet=article.outlet, title=article.title, text="")
    _add_version(session, article, record, now, kind="takedown", summary={"summary": f"taken down (HTTP {http_status})"})
    return True


def resolve_alias(session: Session, url_keys: Iterable[str]) -> dict[str, int]:
    """Map any known URL key (canonical or alias) to its article id."""
    keys = list(url_keys)
    if not keys:
        return {}
    rows = session.execute(select(UrlAlias.url_key, UrlAlias.article_id).where(UrlAlias.url_key.in_(keys)))
    return {key: article_id for key, article_id in rows}


def link_alias(session: Session, article_id: int, url_key: str, url: str, route: str) -> None:
    """Record one more URL and discovery route for a stored article (e.g. its Google News link)."""
    insert_ignore(session, UrlAlias.__table__, {"url_key": url_key, "url": url, "article_id": article_id, "route": route}, ["url_key"])
    article = session.get(Article, article_id)
    if article is not None and route and route not in (article.discovered_via or []):
        article.discovered_via = [*(article.discovered_via or []), route]
        article.last_seen = utcnow()


def titles_around(
    session: Session, outlet: str, when: datetime, window: timedelta, *, only_routes: frozenset[str] | None = None
) -> list[tuple[int, str | None]]:
    """(id, title) of an outlet's articles published (or first seen) within `window` of `when`.

    `only_routes`: keep rows found exclusively through these routes (e.g. aggregator-only rows).
    """
    published = func.coalesce(Article.published_at, Article.first_seen)
    statement = select(Article.id, Article.title, Article.discovered_via).where(
        Article.outlet == outlet, published >= when - window, published <= when + window
    )
    return [
        (article_id, title)
        for article_id, title, routes in session.execute(statement)
        if only_routes is None or (routes and set(routes) <= only_routes)
    ]


def adopt_row(session: Session, article_id: int, url_key: str, url: str) -> None:
    """Give an aggregator-only row the article's real identity; its opaque aggregator link stays an alias."""
    session.execute(update(Article).where(Article.id == article_id).values(url_key=url_key, url=url))
    insert_ignore(session, UrlAlias.__table__, {"url_key": url_key, "url": url, "article_id": article_id, "route": ""}, ["url_key"])


def text_of(session: Session, article_id: int) -> str | None:
    return session.scalar(select(Article.text).where(Article.id == article_id))


def set_signature(session: Session, article_id: int, signature: bytes | None) -> None:
    session.execute(update(Article).where(Article.id == article_id).values(signature=signature))


def url_key_of(session: Session, article_id: int) -> str:
    return session.scalars(select(Article.url_key).where(Article.id == article_id)).one()


# URL keys per lookup: one listing's leads in a few indexed statements, well under SQLite's parameter limit.
KNOWN_LOOKUP_CHUNK = 500


def known_articles(session: Session, outlet: str, url_keys: Iterable[str]) -> dict[str, tuple[datetime, datetime | None, str]]:
    """url_key -> (first_seen, last_checked, status) for those of `url_keys` that are URLs (or aliases) of the outlet's
    articles. Looked up by key, so the cost follows the listing, not the size of the store."""
    keys = sorted(set(url_keys))
    known: dict[str, tuple[datetime, datetime | None, str]] = {}
    for start in range(0, len(keys), KNOWN_LOOKUP_CHUNK):
        rows = session.execute(
            select(UrlAlias.url_key, Article.first_seen, Article.last_checked, Article.status)
            .join(Article, Article.id == UrlAlias.article_id)
            .where(UrlAlias.url_key.in_(keys[start : start + KNOWN_LOOKUP_CHUNK]), Article.outlet == outlet)
        )
        known.update({key: (first, checked, status) for key, first, checked, status in rows})
    return known


def find_by_content_hash(session: Session, content_hash: str) -> int | None:
    statement = select(Article.id).where(Article.content_hash == content_hash).order_by(Article.id).limit(1)
    return session.scalar(statement)


def find_by_title_key(session: Session, title_key: str) -> int | None:
    statement = select(Article.id).where(Article.title_key == title_key).order_by(Article.id).limit(1)
    return session.scalar(statement)
