"""What the review UI reads and writes. Filters are parsed into typed values first; every value reaches SQL
as a bound parameter through SQLAlchemy expressions, never as SQL text."""

from __future__ import annotations

import difflib
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session, defer

from crawler.digest.data import Segment
from crawler.digest.snippet import direction, highlight, matched_terms, snippet, valid_spans
from crawler.web.search import document_match, search_condition, search_terms, term_spans
from storage import repo
from storage.models import Article, ArticleVersion, CrawlRun, Digest, Failure, HealthEvent, Source

REVIEW_ACTIONS = ("reviewed", "dismissed", "new", "star", "unstar")
STATUS_FILTERS = ("open", "new", "reviewed", "starred", "dismissed", "all")
RELEVANCE_FILTERS = ("relevant", "near", "below", "all")
PAGE_SIZE = 50
# Counting every match of a common word in a year of articles costs more than the page itself: the queue
# counts up to this and shows "1000+" beyond it.
COUNT_CAP = 1000
# PostgreSQL: a common word has a trigram candidate in a quarter of all articles, and each candidate costs a
# recheck of its stored document. The newest this-many articles the filters keep are searched first (the
# queue is newest first, so their matches are the page); the index answers only when they hold too few.
RECENT_WALK = 2000


@dataclass(frozen=True)
class Total:
    """How many articles the filters match: exactly `count`, or at least `count` (counting stopped)."""

    count: int
    exact: bool = True

    def label(self) -> str:
        return str(self.count) if self.exact else f"{self.count}+"

    def pages(self, size: int = PAGE_SIZE) -> int:
        """Pages to link: one more than the known ones when there may be more."""
        return max(1, -(-self.count // size) + (0 if self.exact else 1))
# Exports are for a selection, not a dump of the database.
EXPORT_LIMIT = 10_000
# Notes are an analyst's remarks, not documents.
NOTE_MAX_CHARS = 5_000
# A diff longer than this is summarised: the reader wants what changed, not the whole article twice.
DIFF_MAX_LINES = 200
HEALTH_DAYS = 7
RECENT_RUNS = 5
_HEAVY = (defer(Article.pdf), defer(Article.signature))


@dataclass(frozen=True)
class Filters:
    date_from: date | None = None
    date_to: date | None = None
    outlet: str = ""
    language: str = ""
    status: str = "open"
    relevance: str = "relevant"
    q: str = ""
    copies: bool = False
    page: int = 1
    errors: tuple[str, ...] = ()

    def params(self, **overrides: Any) -> dict[str, str]:
        """The filters as query-string parameters (for links: pagination, export, clearing one filter)."""
        current = replace(self, **overrides)
        values = {
            "date_from": current.date_from.isoformat() if current.date_from else "",
            "date_to": current.date_to.isoformat() if current.date_to else "",
            "outlet": current.outlet, "language": current.language, "status": current.status,
            "relevance": current.relevance, "q": current.q, "copies": "1" if current.copies else "",
            "page": str(current.page) if current.page > 1 else "",
        }
        return {key: value for key, value in values.items() if value}


# Dates a filter may name: anything wider overflows when shifted to UTC or moved a day on.
MIN_FILTER_DATE, MAX_FILTER_DATE = date(1900, 1, 1), date(2999, 12, 31)


def _date(value: str, name: str, errors: list[str]) -> date | None:
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        errors.append(f"{name}: not a date (YYYY-MM-DD); ignored")
        return None
    if not MIN_FILTER_DATE <= day <= MAX_FILTER_DATE:  # 0001-01-01 and 9999-12-31 overflow in time-zone arithmetic
        errors.append(f"{name}: outside {MIN_FILTER_DATE.year}–{MAX_FILTER_DATE.year}; ignored")
        return None
    return day


def parse_filters(params: Mapping[str, str]) -> Filters:
    """Typed filters from query parameters. Anything invalid falls back to the default and is reported."""
    errors: list[str] = []
    q = (params.get("q") or "").strip()[:500]
    status = params.get("status") or "open"
    if status not in STATUS_FILTERS:
        errors.append(f"status: unknown value; showing {STATUS_FILTERS[0]}")
        status = "open"
    relevance = params.get("relevance") or ("all" if q else "relevant")
    if relevance not in RELEVANCE_FILTERS:
        errors.append("relevance: unknown value; showing all")
        relevance = "all"
    try:
        page = max(1, min(int(params.get("page") or 1), 10_000))
    except ValueError:
        page = 1
    return Filters(
        date_from=_date(params.get("date_from") or "", "from", errors),
        date_to=_date(params.get("date_to") or "", "to", errors),
        outlet=(params.get("outlet") or "")[:100],
        language=(params.get("language") or "")[:16],
        status=status,
        relevance=relevance,
        q=q,
        copies=(params.get("copies") or "") in ("1", "on", "true"),
        page=page,
        errors=tuple(errors),
    )


def _local_midnight(day: date, zone: str) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=ZoneInfo(zone)).astimezone(timezone.utc)


def filtered(session: Session, filters: Filters, threshold: float, margin: float, zone: str) -> Select[tuple[Article]]:
    statement = select(Article).options(*_HEAVY)
    if filters.date_from:
        statement = statement.where(Article.first_seen >= _local_midnight(filters.date_from, zone))
    if filters.date_to:
        statement = statement.where(Article.first_seen < _local_midnight(filters.date_to + timedelta(days=1), zone))
    if filters.outlet:
        statement = statement.where(Article.outlet == filters.outlet)
    if filters.language:
        statement = statement.where(Article.language == filters.language)
    status_conditions = {
        "open": Article.review_status != "dismissed",
        "new": Article.review_status == "new",
        "reviewed": Article.review_status == "reviewed",
        "starred": Article.starred.is_(True),
        "dismissed": Article.review_status == "dismissed",
    }
    if filters.status in status_conditions:
        statement = statement.where(status_conditions[filters.status])
    score = func.coalesce(Article.relevance_score, 0.0)
    relevance_conditions = {
        "relevant": score >= threshold,
        "near": and_(score >= max(0.0, threshold - margin), score < threshold),
        "below": score < threshold,
    }
    if filters.relevance in relevance_conditions:
        statement = statement.where(relevance_conditions[filters.relevance])
    if not filters.copies:
        statement = statement.where(Article.duplicate_of_id.is_(None))
    condition = search_condition(session, filters.q)
    if condition is not None:
        statement = statement.where(condition)
    return statement


def queue(
    session: Session, filters: Filters, threshold: float, margin: float, zone: str, limit: int = PAGE_SIZE
) -> tuple[list[Article], Total]:
    """A page of the filtered queue, newest first, and how many articles match (counted up to a bound)."""
    offset = (filters.page - 1) * limit
    if filters.q and session.get_bind().dialect.name == "postgresql":
        recent = _search_recent(session, filters, threshold, margin, zone, offset, limit)
        if recent is not None:
            return recent
    statement = filtered(session, filters, threshold, margin, zone)
    bound = offset + COUNT_CAP  # past the page's start, so a deeper page keeps its next page
    capped = statement.order_by(None).with_only_columns(Article.id).limit(bound + 1)
    counted = int(session.scalar(select(func.count()).select_from(capped.subquery())) or 0)
    rows = session.scalars(statement.order_by(Article.first_seen.desc(), Article.id.desc()).limit(limit).offset(offset))
    return list(rows), Total(min(counted, bound), exact=counted <= bound)


def _search_recent(
    session: Session, filters: Filters, threshold: float, margin: float, zone: str, offset: int, limit: int
) -> tuple[list[Article], Total] | None:
    """The page from the newest RECENT_WALK articles the other filters keep, or None when they hold too few matches.

    Materialized, so the planner cannot turn it back into a trigram-index scan over every candidate.
    """
    recent = (
        filtered(session, replace(filters, q=""), threshold, margin, zone)
        .with_only_columns(Article.id, Article.first_seen, Article.search_document)
        .order_by(Article.first_seen.desc(), Article.id.desc())
        .limit(RECENT_WALK)
        .cte("recent")
        .prefix_with("MATERIALIZED")
    )
    match = document_match(recent.c.search_document, search_terms(filters.q))
    walked = session.execute(select(recent.c.id, match).order_by(recent.c.first_seen.desc(), recent.c.id.desc())).all()
    hits = [article_id for article_id, matched in walked if matched]
    everything = len(walked) < RECENT_WALK  # the walk saw every article the other filters keep
    if not everything and len(hits) < offset + limit:
        return None
    ids = hits[offset : offset + limit]
    articles = {article.id: article for article in session.scalars(select(Article).options(*_HEAVY).where(Article.id.in_(ids)))}
    return [articles[i] for i in ids if i in articles], Total(len(hits), exact=everything)


def export_rows(
    session: Session, filters: Filters, threshold: float, margin: float, zone: str, ids: Sequence[int] = ()
) -> list[Article]:
    """The selection: the ticked articles when any, else everything the filters show (bounded)."""
    if ids:
        statement = select(Article).options(*_HEAVY).where(Article.id.in_(list(ids)[:EXPORT_LIMIT]))
    else:
        statement = filtered(session, filters, threshold, margin, zone)
    return list(session.scalars(statement.order_by(Article.first_seen.desc(), Article.id.desc()).limit(EXPORT_LIMIT)))


def choices(session: Session) -> tuple[list[str], list[str]]:
    outlets = [value for value in session.scalars(select(Article.outlet).distinct().order_by(Article.outlet)) if value]
    languages = [value for value in session.scalars(select(Article.language).distinct().order_by(Article.language)) if value]
    return outlets, languages


def outlet_titles(session: Session) -> dict[str, str]:
    return {source.name: source.title or source.name for source in session.scalars(select(Source))}


# --- one article ------------------------------------------------------------------------------------------


@dataclass
class Row:
    """One queue row, ready for the template."""

    article: Article
    direction: str
    title: tuple[Segment, ...]
    snippet: tuple[Segment, ...]
    terms: tuple[str, ...]


def queue_row(article: Article, query: str) -> Row:
    """Title and snippet with search hits highlighted (when searching), else the relevance matches."""
    title = article.title or article.url
    fields = {"title": title, "lead": article.lead or "", "text": article.text or ""}
    if query:
        matches = [
            {"field": name, "start": start, "end": end, "surface": value[start:end]}
            for name, value in fields.items()
            for start, end in term_spans(value, query)
        ]
    else:
        matches = [m for m in article.relevance_matches or [] if isinstance(m, Mapping)]
    title_spans = valid_spans({"title": title}, matches).get("title", [])
    return Row(
        article=article,
        direction=direction(article.language, title),
        title=highlight(title, title_spans),
        snippet=snippet(fields, matches, width=220),
        terms=matched_terms(article.relevance_matches or []),
    )


def paragraphs(segments: Sequence[Segment]) -> list[list[Segment]]:
    """Split highlighted text into paragraphs at line breaks, keeping highlights."""
    result: list[list[Segment]] = [[]]
    for segment in segments:
        pieces = segment.text.split("\n")
        for index, piece in enumerate(pieces):
            if index:
                result.append([])
            if piece:
                result[-1].append(Segment(piece, segment.hit))
    return [paragraph for paragraph in result if "".join(s.text for s in paragraph).strip()]


@dataclass
class VersionView:
    version: ArticleVersion
    diff: list[tuple[str, str]] = field(default_factory=list)  # (kind: add|del|ctx|hunk, line)
    truncated: bool = False
    title_change: tuple[str, str] | None = None


def _diff(old: str, new: str) -> tuple[list[tuple[str, str]], bool]:
    lines: list[tuple[str, str]] = []
    for line in difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=1):
        if line.startswith(("---", "+++")):
            continue
        kind = {"+": "add", "-": "del", "@": "hunk"}.get(line[:1], "ctx")
        lines.append((kind, line[1:] if kind != "hunk" else "…"))
    return lines[:DIFF_MAX_LINES], len(lines) > DIFF_MAX_LINES


def version_views(versions: Sequence[ArticleVersion]) -> list[VersionView]:
    views = []
    previous: ArticleVersion | None = None
    for version in versions:
        view = VersionView(version)
        if previous is not None and version.kind not in ("takedown",):
            if (previous.title or "") != (version.title or ""):
                view.title_change = (previous.title or "", version.title or "")
            if version.text and previous.text != version.text:
                view.diff, view.truncated = _diff(previous.text or "", version.text)
        if version.kind != "takedown":
            previous = version
        views.append(view)
    return list(reversed(views))


@dataclass
class ArticleView:
    article: Article
    direction: str
    title: tuple[Segment, ...]
    lead: tuple[Segment, ...]
    paragraphs: list[list[Segment]]
    matches: list[Mapping[str, Any]]
    versions: list[VersionView]
    original: Article | None
    carriers: list[Article]
    outlet_titles: dict[str, str]


def article_view(session: Session, article_id: int) -> ArticleView | None:
    article = session.get(Article, article_id, options=_HEAVY)
    if article is None:
        return None
    matches = [m for m in article.relevance_matches or [] if isinstance(m, Mapping)]
    title = article.title or article.url
    fields = {"title": title, "lead": article.lead or "", "text": article.text or ""}
    spans = valid_spans(fields, matches)
    original = session.get(Article, article.duplicate_of_id, options=_HEAVY) if article.duplicate_of_id else None
    root_id = original.id if original is not None else article.id
    carriers = list(
        session.scalars(
            select(Article).options(*_HEAVY).where(Article.duplicate_of_id == root_id, Article.id != article.id).order_by(Article.first_seen)
        )
    )
    versions = list(session.scalars(select(ArticleVersion).where(ArticleVersion.article_id == article.id).order_by(ArticleVersion.version_no)))
    return ArticleView(
        article=article,
        direction=direction(article.language, title),
        title=highlight(title, spans.get("title", [])),
        lead=highlight(fields["lead"], spans.get("lead", [])),
        paragraphs=paragraphs(highlight(fields["text"], spans.get("text", []))),
        matches=matches,
        versions=version_views(versions),
        original=original,
        carriers=carriers,
        outlet_titles=outlet_titles(session),
    )


def set_review(session: Session, article_id: int, action: str) -> bool:
    article = session.get(Article, article_id, options=_HEAVY)
    if article is None or action not in REVIEW_ACTIONS:
        return False
    if action == "star":
        article.starred = True
    elif action == "unstar":
        article.starred = False
    else:
        article.review_status = action  # "dismissed" only hides: relevance and everything else stay as they are
    return True


def set_note(session: Session, article_id: int, note: str) -> bool:
    article = session.get(Article, article_id, options=_HEAVY)
    if article is None:
        return False
    article.note = note[:NOTE_MAX_CHARS]
    return True


# --- health and digests -----------------------------------------------------------------------------------


@dataclass
class SourceView:
    source: Source
    runs: list[CrawlRun]
    failures_by_reason: list[tuple[str, int]]
    recent_failures: list[Failure]
    articles: int


def health_view(session: Session, now: datetime, days: int = HEALTH_DAYS) -> tuple[list[SourceView], list[HealthEvent]]:
    since = now - timedelta(days=days)
    reasons: dict[str, Counter[str]] = defaultdict(Counter)
    for source, reason, count in session.execute(
        select(Failure.source, Failure.reason, func.count()).where(Failure.at >= since).group_by(Failure.source, Failure.reason)
    ):
        reasons[source][reason] = int(count)
    recent: dict[str, list[Failure]] = defaultdict(list)
    for failure in session.scalars(select(Failure).where(Failure.at >= since).order_by(Failure.at.desc(), Failure.id.desc()).limit(500)):
        if len(recent[failure.source]) < 5:
            recent[failure.source].append(failure)
    counts = dict(session.execute(select(Article.outlet, func.count()).group_by(Article.outlet)).all())
    views = [
        # The last runs whatever their age: a source that stopped running must show it.
        SourceView(source, repo.recent_runs(session, source.name, RECENT_RUNS), reasons.get(source.name, Counter()).most_common(),
                   recent.get(source.name, []), int(counts.get(source.name, 0)))
        for source in session.scalars(select(Source).order_by(Source.name))
    ]
    events = list(session.scalars(select(HealthEvent).order_by(HealthEvent.at.desc(), HealthEvent.id.desc()).limit(30)))
    return views, events


def digests(session: Session, limit: int = 60) -> list[Digest]:
    return list(session.scalars(select(Digest).order_by(Digest.day.desc(), Digest.id.desc()).limit(limit)))
