"""Prompt alerts: a story scoring above notify.prompt_threshold is announced at once, not in the morning digest.

Once per story, never once per report: every report of a story maps to one key (story_key), and the key is
claimed in the notification ledger before sending, so a second report, a later run or another process finds it
taken. Runs after each crawl (crawler/notify/post_run.py); never raises into the crawl.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session, load_only, sessionmaker

from crawler.config import Settings
from crawler.notify.channel import WARNING, announce_once
from storage import notify_repo
from storage.models import Article

log = logging.getLogger("coverwatch.notify")

KIND = "prompt_alert"
# A duplicate chain longer than this is a data error, not a story: stop walking instead of looping.
MAX_CHAIN = 50


@dataclass(frozen=True)
class Report:
    id: int
    outlet: str
    title: str
    url: str
    score: float
    language: str | None
    published_at: datetime | None
    first_seen: datetime


def story_key(session: Session, article: Article) -> str:
    """The one identity of the story an article reports: the root of its near-duplicate chain.

    The single place that decides what "the same story" means for alerts; when stories get their own ids,
    this returns those instead.
    """
    current, seen = article, {article.id}
    while current.duplicate_of_id is not None and len(seen) < MAX_CHAIN:
        parent = session.get(Article, current.duplicate_of_id, options=[load_only(Article.id, Article.duplicate_of_id)])
        if parent is None or parent.id in seen:
            break
        current = parent
        seen.add(parent.id)
    return f"article:{current.id}"


def pending_stories(session: Session, settings: Settings, now: datetime) -> dict[str, list[Report]]:
    """Recent reports at or above the prompt threshold, grouped by story, earliest report first."""
    threshold = settings.notify.prompt_threshold
    if threshold is None:
        return {}
    since = now - timedelta(hours=settings.notify.prompt_max_age_hours)
    rows = session.scalars(
        select(Article)
        # What a report shows, not the texts, PDFs and signatures of every recent relevant article.
        .options(load_only(Article.id, Article.outlet, Article.title, Article.url, Article.relevance_score, Article.language,
                           Article.published_at, Article.first_seen, Article.duplicate_of_id))
        .where(Article.relevance_score >= threshold, Article.first_seen >= since, Article.taken_down_at.is_(None))
        # A watched Wikipedia page is a reference that changes, not a report: its revisions go to the digest.
        .where(Article.wiki_pageid.is_(None))
        .order_by(Article.first_seen, Article.id)
    )
    stories: dict[str, list[Report]] = {}
    for article in rows:
        report = Report(
            article.id, article.outlet, article.title or "(untitled)", article.url, float(article.relevance_score or 0),
            article.language, article.published_at, article.first_seen,
        )
        stories.setdefault(story_key(session, article), []).append(report)
    return stories


def compose(reports: list[Report]) -> tuple[str, str]:
    """Title and body of one story's alert: its first report, and the other outlets carrying it."""
    first = reports[0]
    title = f"[coverwatch] relevant now: {first.title}"
    lines = [f"{first.outlet} · score {first.score:.2f}" + (f" · {first.published_at:%Y-%m-%d %H:%M} UTC" if first.published_at else "")]
    lines.append(first.url)
    others = reports[1:]
    if others:
        lines.append("also in: " + ", ".join(f"{report.outlet} ({report.url})" for report in others))
    lines.append("It will also be in the next digest.")
    return title, "\n".join(lines)


def send_prompt_alerts(settings: Settings, sessions: sessionmaker[Session], now: datetime | None = None) -> dict[str, str]:
    """Announce every new high-scoring story once; {story key: outcome}. Off unless prompt_threshold and urls are set."""
    notify = settings.notify
    if notify.prompt_threshold is None or not notify.urls:
        return {}
    now = now or datetime.now(timezone.utc)
    with sessions() as session:
        stories = pending_stories(session, settings, now)
        announced = notify_repo.sent_keys(session, [f"prompt:{key}" for key in stories])
    outcomes = {}
    for key, reports in stories.items():
        if f"prompt:{key}" in announced:
            continue
        title, body = compose(reports)
        outcomes[key] = announce_once(notify, sessions, kind=KIND, key=f"prompt:{key}", title=title, body=body, notify_type=WARNING, now=now)
    sent = sum(1 for outcome in outcomes.values() if outcome == "sent")
    if sent:
        log.info("prompt alerts: %d story(ies) announced", sent)
    return outcomes
