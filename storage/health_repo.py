"""Health in the store: load what crawler.health.rating needs, apply a rating, record state changes as HealthEvents.

Repository functions take a Session; the caller owns the transaction. A state change is a compare-and-set on
sources.health, so two processes rating the same source at once insert one event, not two.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from crawler.config import HealthSettings
from crawler.health.rating import STATE_UNKNOWN, HealthRating, evaluate
from storage.models import Article, CrawlRun, Failure, HealthEvent, Source


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


# Enough runs to find the silent-period floor and the window; more would only cost memory in the daemon.
HISTORY_RUNS = 200
# The usual rate of new articles is measured over this many recent arrivals...
RATE_ARTICLES = 500
# ...within this horizon: a rate from a year ago says little about today's outlet.
RATE_HORIZON = timedelta(days=120)


@dataclass(frozen=True)
class SourceHealth:
    source: str
    rating: HealthRating
    previous: str
    event_id: int | None  # the HealthEvent inserted by this evaluation, when the state changed


def last_new_article_at(session: Session, source: str) -> datetime | None:
    value = session.scalar(select(func.max(Article.first_seen)).where(Article.outlet == source))
    if isinstance(value, str):  # SQLite may hand an aggregate back as text, past the UTC type decorator
        value = datetime.fromisoformat(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value


def health_inputs(session: Session, source: str, now: datetime) -> dict[str, Any]:
    """Everything evaluate() reads for one source, as plain values."""
    runs = list(
        session.scalars(select(CrawlRun).where(CrawlRun.source == source).order_by(CrawlRun.id.desc()).limit(HISTORY_RUNS))
    )
    run_ids = [run.id for run in runs]
    failures = list(session.scalars(select(Failure).where(Failure.run_id.in_(run_ids)))) if run_ids else []
    arrivals = list(
        session.scalars(
            select(Article.first_seen)
            .where(Article.outlet == source, Article.first_seen >= now - RATE_HORIZON)
            .order_by(Article.first_seen.desc())
            .limit(RATE_ARTICLES)
        )
    )
    last_new = last_new_article_at(session, source)
    return {"runs": runs, "failures": failures, "last_new_article_at": last_new, "new_article_times": arrivals}


def get_state(session: Session, source: str) -> str:
    return session.scalar(select(Source.health).where(Source.name == source)) or STATE_UNKNOWN


def rate_source(session: Session, source: str, settings: HealthSettings, now: datetime | None = None) -> HealthRating:
    now = now or utcnow()
    inputs = health_inputs(session, source, now)
    return evaluate(
        inputs["runs"],
        inputs["failures"],
        inputs["last_new_article_at"],
        settings,
        now,
        new_article_times=inputs["new_article_times"],
    )


def apply_rating(session: Session, source: str, rating: HealthRating, now: datetime | None = None) -> SourceHealth | None:
    """Store the rating on the source; insert a HealthEvent when the state changed. None if the source is unknown."""
    now = now or utcnow()
    row = session.scalars(select(Source).where(Source.name == source)).one_or_none()
    if row is None:
        return None
    previous = row.health
    last_new = last_new_article_at(session, source)
    if rating.state == previous or rating.state == STATE_UNKNOWN:
        session.execute(
            update(Source).where(Source.name == source).values(health_reason=rating.reason, last_new_article_at=last_new)
        )
        session.expire(row)
        return SourceHealth(source, rating, previous, None)
    changed = session.execute(
        update(Source)
        .where(Source.name == source, Source.health == previous)
        .values(health=rating.state, health_reason=rating.reason, health_changed_at=now, last_new_article_at=last_new)
    )
    session.expire(row)
    if not changed.rowcount:
        return SourceHealth(source, rating, previous, None)  # another process changed it first; its event stands
    event = HealthEvent(source=source, at=now, old_state=previous, new_state=rating.state, reason=rating.reason)
    session.add(event)
    session.flush()
    return SourceHealth(source, rating, previous, event.id)


def refresh_health(
    session: Session, sources: list[str], settings: HealthSettings, now: datetime | None = None
) -> list[SourceHealth]:
    """Rate and apply for each named source (unknown names are skipped)."""
    now = now or utcnow()
    results = []
    for source in sources:
        rating = rate_source(session, source, settings, now)
        applied = apply_rating(session, source, rating, now)
        if applied is not None:
            results.append(applied)
    return results


def sources_of_runs(session: Session, run_ids: list[int]) -> list[str]:
    if not run_ids:
        return []
    return sorted(set(session.scalars(select(CrawlRun.source).where(CrawlRun.id.in_(run_ids)))))


def pending_events(session: Session) -> list[HealthEvent]:
    return list(session.scalars(select(HealthEvent).where(HealthEvent.alerted_at.is_(None)).order_by(HealthEvent.id)))


def claim_event(session: Session, event_id: int, now: datetime) -> bool:
    """Mark an event alerted if nobody else has: the compare-and-set that makes alerts exactly-once."""
    result = session.execute(
        update(HealthEvent).where(HealthEvent.id == event_id, HealthEvent.alerted_at.is_(None)).values(alerted_at=now)
    )
    return bool(result.rowcount)


def unclaim_events(session: Session, event_ids: list[int]) -> None:
    """Give claimed events back (delivery failed), so the next evaluation retries them."""
    if event_ids:
        session.execute(update(HealthEvent).where(HealthEvent.id.in_(event_ids)).values(alerted_at=None))


def health_history(session: Session, source: str | None = None, limit: int = 50) -> list[HealthEvent]:
    statement = select(HealthEvent).order_by(HealthEvent.id.desc()).limit(limit)
    if source:
        statement = statement.where(HealthEvent.source == source)
    return list(session.scalars(statement))
