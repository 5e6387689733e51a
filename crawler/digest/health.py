"""The digest's coverage health: which sources it could not fully see in its window, and why."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crawler.config import Settings
from crawler.digest.data import SourceHealth
from crawler.digest.reads import WIKIPEDIA_OUTLET, within_window
from crawler.digest.window import Window
from storage.models import Article, CrawlRun, Failure, HealthEvent, Source

# Health states (set by the health checks) that mean the source is not being read properly.
FAILING_STATES = frozenset({"failing", "degraded", "error", "failed", "broken"})
OK_STATES = frozenset({"ok", "healthy", "unknown"})
# Run outcomes that mean the run did not complete.
FAILED_OUTCOMES = frozenset({"failed", "interrupted"})


def health(session: Session, settings: Settings, window: Window, now: datetime) -> tuple[tuple[SourceHealth, ...], int]:
    """Sources the digest could not fully see (blocked, failing, silent, not crawled, disabled), and how many were fine."""
    outcomes: dict[str, Counter[str]] = defaultdict(Counter)
    for source, outcome in session.execute(select(CrawlRun.source, CrawlRun.outcome).where(within_window(CrawlRun.started_at, window))):
        outcomes[source][outcome] += 1
    failures: dict[str, dict[str, int]] = defaultdict(dict)
    for source, reason, count in session.execute(
        select(Failure.source, Failure.reason, func.count()).where(within_window(Failure.at, window)).group_by(Failure.source, Failure.reason)
    ):
        failures[source][reason] = int(count)
    # Each source's newest article before the window's end: one seek in ix_articles_outlet_first_seen per
    # source, where a max() grouped by outlet would read every article ever stored.
    newest_first_seen = (
        select(Article.first_seen)
        .where(Article.outlet == Source.name, Article.first_seen < window.end)
        .order_by(Article.first_seen.desc())
        .limit(1)
        .scalar_subquery()
    )
    newest = dict(session.execute(select(Source.name, newest_first_seen)).all())
    until = min(window.end, now)
    states = _health_states(session, until)
    silent_after = timedelta(days=settings.health.silent_days_min)
    problems, ok = [], 0
    for source in session.scalars(select(Source).order_by(Source.name)):
        runs = outcomes.get(source.name, Counter())
        failed = failures.get(source.name, {})
        last_new = newest.get(source.name)
        if last_new is not None and last_new.tzinfo is None:
            last_new = last_new.replace(tzinfo=timezone.utc)
        health, reason = states.get(source.name, (source.health, source.health_reason or ""))
        problem = _classify(source.name, source.enabled, health, runs, failed, last_new, until, silent_after)
        if problem is None:
            ok += 1
            continue
        problems.append(
            SourceHealth(
                source=source.name, title=source.title or source.name, problem=problem, health=health,
                reason=reason, runs=sum(runs.values()), outcomes=dict(sorted(runs.items())),
                failures=dict(sorted(failed.items(), key=lambda kv: (-kv[1], kv[0]))), last_new_article_at=last_new,
            )
        )
    order = {"blocked": 0, "failing": 1, "errors": 2, "silent": 3, "not_crawled": 4, "disabled": 5}
    problems.sort(key=lambda row: (order.get(row.problem, 9), row.source))
    return tuple(problems), ok


def _health_states(session: Session, until: datetime) -> dict[str, tuple[str, str]]:
    """Each source's health (state, reason) as it was at `until`, from the health history.

    A digest of a past day then shows that day's health, not today's: re-running it gives the same result.
    Sources without history are absent (the caller uses their current state).
    """
    states: dict[str, tuple[str, str]] = {}
    # Two seeks per source in ix_health_events_source_at, not a read of the whole history.
    for name in session.scalars(select(Source.name)):
        last = session.scalars(
            select(HealthEvent).where(HealthEvent.source == name, HealthEvent.at < until)
            .order_by(HealthEvent.at.desc(), HealthEvent.id.desc()).limit(1)
        ).first()
        if last is not None:
            states[name] = (last.new_state, last.reason or "")
            continue
        following = session.scalars(
            select(HealthEvent).where(HealthEvent.source == name, HealthEvent.at >= until)
            .order_by(HealthEvent.at, HealthEvent.id).limit(1)
        ).first()
        if following is not None:
            states[name] = (following.old_state, "")  # the state it left after the window
    return states


def _classify(
    name: str,
    enabled: bool,
    health: str,
    runs: Counter[str],
    failures: Mapping[str, int],
    last_new: datetime | None,
    until: datetime,
    silent_after: timedelta,
) -> str | None:
    if not enabled:
        return "disabled"
    if health == "blocked" or runs.get("blocked") or any(reason.startswith("blocked") for reason in failures):
        return "blocked"
    if health in FAILING_STATES or any(runs.get(outcome) for outcome in FAILED_OUTCOMES):
        return "failing"
    if health == "silent":
        return "silent"
    if not runs:
        return "not_crawled"
    # The Wikipedia watcher follows a few fixed pages: no new article is its normal state, not silence.
    if name != WIKIPEDIA_OUTLET and (last_new is None or until - last_new > silent_after):
        return "silent"
    if failures:
        return "errors"
    if health not in OK_STATES:
        return "failing"
    return None
