"""The review UI's read-only overviews: each source's recent health, and the digests sent."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage import repo
from storage.models import Article, CrawlRun, Digest, Failure, HealthEvent, Source

HEALTH_DAYS = 7
RECENT_RUNS = 5


@dataclass
class SourceView:
    source: Source
    runs: list[CrawlRun]
    failures_by_reason: list[tuple[str, int]]
    recent_failures: list[Failure]
    articles: int  # first seen in the page's window


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
    # Each source's new articles in the page's window: one range in ix_articles_outlet_first_seen per source. (A
    # count of everything ever stored would read the whole store on every visit, and a count grouped by outlet
    # leads SQLite to walk that index end to end for its order.)
    new_articles = select(func.count()).where(Article.outlet == Source.name, Article.first_seen >= since).scalar_subquery()
    counts = dict(session.execute(select(Source.name, new_articles)).all())
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
