"""The review queue: its filters, the filtered article list, its rows and exports. Filters are parsed into typed
values first; every value reaches SQL as a bound parameter through SQLAlchemy expressions, never as SQL text."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session, defer, load_only

from crawler.digest.data import Segment
from crawler.digest.snippet import direction, highlight, matched_terms, snippet, valid_spans
from crawler.web import export
from crawler.web.search import matching_among, search_condition, term_spans
from storage.models import Article, Source

STATUS_FILTERS = ("open", "new", "reviewed", "starred", "dismissed", "all")
RELEVANCE_FILTERS = ("relevant", "near", "below", "all")
PAGE_SIZE = 50
# Counting every match of a common word in a year of articles costs more than the page itself: the queue
# counts up to this and shows "1000+" beyond it.
COUNT_CAP = 1000
# A common word matches a large share of a year of articles: finding all its matches to show the newest 50
# costs in proportion to the store. The queue is newest first, so the newest articles the other filters keep
# are walked window by growing window (the index checks each window's ids only) until a window fills the page.
# When the density of matches seen so far says the remaining windows would not fill it (a rarer word), the index
# answers instead; for a rare word it finds few matches, cheaply.
WALK_WINDOWS = (500, 2_000, 8_000)
WALKED_DIALECTS = ("sqlite", "postgresql")


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
HEAVY_COLUMNS = (defer(Article.pdf), defer(Article.signature))
EXPORTED = (*(getattr(Article, name) for name in export.COLUMNS if name != "outlet_title"), Article.relevance_matches)


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
    statement = select(Article).options(*HEAVY_COLUMNS)
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
    if filters.q and session.get_bind().dialect.name in WALKED_DIALECTS:
        newest = _search_newest(session, filters, threshold, margin, zone, offset, limit)
        if newest is not None:
            return newest
    statement = filtered(session, filters, threshold, margin, zone)
    bound = offset + COUNT_CAP  # past the page's start, so a deeper page keeps its next page
    capped = statement.order_by(None).with_only_columns(Article.id).limit(bound + 1)
    counted = int(session.scalar(select(func.count()).select_from(capped.subquery())) or 0)
    rows = session.scalars(statement.order_by(Article.first_seen.desc(), Article.id.desc()).limit(limit).offset(offset))
    return list(rows), Total(min(counted, bound), exact=counted <= bound)


def _search_newest(
    session: Session, filters: Filters, threshold: float, margin: float, zone: str, offset: int, limit: int
) -> tuple[list[Article], Total] | None:
    """The page from a walk over the newest articles the other filters keep, window by growing window, or None
    when the windows would hold too few matches for the page (the index answers).

    The walk stops at the first window that fills the page, so its count is a floor ("N+") unless it saw
    every article the filters keep.
    """
    wanted = offset + limit
    base = (
        filtered(session, replace(filters, q=""), threshold, margin, zone)
        .with_only_columns(Article.id, Article.first_seen)
        .order_by(Article.first_seen.desc(), Article.id.desc())
    )
    hits: list[int] = []
    walked = 0
    everything = False
    for step, size in enumerate(WALK_WINDOWS):
        window = session.execute(base.limit(size)).all()
        found = matching_among(session, filters.q, [article_id for article_id, _ in window])
        hits += [article_id for article_id, _ in window if article_id in found]
        walked += len(window)
        everything = len(window) < size  # the walk has seen every article the other filters keep
        if everything or len(hits) >= wanted:
            break
        if len(hits) * (walked + sum(WALK_WINDOWS[step + 1 :])) < wanted * walked:
            return None  # at this density the remaining windows would not fill the page
        last_id, last_seen = window[-1]
        # Keyset: strictly older than the window's last row; first_seen alone is the index's range bound.
        older = or_(Article.first_seen < last_seen, and_(Article.first_seen == last_seen, Article.id < last_id))
        base = base.where(Article.first_seen <= last_seen, older)
    if not everything and len(hits) < wanted:
        return None
    ids = hits[offset : offset + limit]
    articles = {article.id: article for article in session.scalars(select(Article).options(*HEAVY_COLUMNS).where(Article.id.in_(ids)))}
    return [articles[i] for i in ids if i in articles], Total(len(hits), exact=everything)


def export_rows(
    session: Session, filters: Filters, threshold: float, margin: float, zone: str, ids: Sequence[int] = ()
) -> list[Article]:
    """The selection: the ticked articles when any, else everything the filters show (bounded).

    Only the exported columns are read: up to EXPORT_LIMIT full texts would be loaded for nothing."""
    if ids:
        statement = select(Article).options(*HEAVY_COLUMNS).where(Article.id.in_(list(ids)[:EXPORT_LIMIT]))
    else:
        statement = filtered(session, filters, threshold, margin, zone)
    statement = statement.options(load_only(*EXPORTED))
    return list(session.scalars(statement.order_by(Article.first_seen.desc(), Article.id.desc()).limit(EXPORT_LIMIT)))


def choices(session: Session) -> tuple[list[str], list[str]]:
    """The outlets and languages present in the store, for the queue's filter lists."""
    return present_values(session, Article.outlet), present_values(session, Article.language)


def present_values(session: Session, column: Any) -> list[str]:
    """The distinct non-empty values of an indexed text column, in order: one index seek per value (a recursive
    "next value after the last one"), where SELECT DISTINCT reads every row of a year's store on every page."""
    first = select(column).where(column > "").order_by(column).limit(1).scalar_subquery()
    values = select(first.label("value")).cte("present_values", recursive=True)
    following = select(column).where(column > values.c.value).order_by(column).limit(1).scalar_subquery()
    values = values.union_all(select(following.label("value")).where(values.c.value.is_not(None)))
    return list(session.scalars(select(values.c.value).where(values.c.value.is_not(None))))


def outlet_titles(session: Session) -> dict[str, str]:
    return {source.name: source.title or source.name for source in session.scalars(select(Source))}


# --- queue rows --------------------------------------------------------------------------------------------


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
