"""Source health: rate each outlet healthy, degraded, failing or blocked from its recorded run statistics.

Pure: recorded runs, failures and article arrival times in, a HealthRating (state + a reason a person can act on)
out. A source that silently yields nothing must end up degraded or failing here, never "healthy, nothing new";
a refused source is "blocked", whatever else its runs say.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import pairwise
from statistics import median
from typing import Any, Protocol

from crawler.config import HealthSettings
from crawler.wording import plural

STATE_UNKNOWN = "unknown"  # never completed a run: nothing to judge yet
STATE_HEALTHY = "healthy"
STATE_DEGRADED = "degraded"
STATE_FAILING = "failing"
STATE_BLOCKED = "blocked"
STATES = (STATE_UNKNOWN, STATE_HEALTHY, STATE_DEGRADED, STATE_FAILING, STATE_BLOCKED)

# Same rule as crawler.fetch.extension.is_blocked_reason (kept here so this module stays free of Scrapy imports).
BLOCKED_PREFIXES = ("blocked", "http_401", "http_403", "http_451", "rate_limited", "robots_disallowed")
# Outcomes that produced nothing usable. An interrupted run counts too: a crawl that keeps hitting the hard
# timeout is a broken source, while one restart in a window of runs stays under the failure share.
FAILED_OUTCOMES = ("failed", "interrupted")
# Articles first seen this close together arrived in one crawl; the usual rate is measured between arrivals,
# not between the 40 backlog items one run stores at once.
ARRIVAL_BURST = timedelta(minutes=30)
# The usual gap needs a few arrivals to mean anything; below this the floor (silent_days_min) applies alone.
MIN_GAPS_FOR_RATE = 3
# Silent for this many times the limit: no longer "maybe a quiet week", the source is broken.
SILENT_FAILING_MULTIPLE = 2.0
# Refusals on this share of requests (in the last run, or over the window) degrade a source even while it still yields articles (rate limits,
# article pages behind a wall while the feed works): someone should look before it becomes "blocked".
BLOCKED_SHARE_DEGRADED = 0.1
# One failed run is a network blip; this many in a row is a problem someone should see...
CONSECUTIVE_FAILED_DEGRADED = 2
# ...and "failing" on failed runs alone needs at least this many, so one killed first run is not an alarm.
MIN_FAILED_RUNS = 2
# How many failure reasons a reason line names.
TOP_REASONS = 3


class RunLike(Protocol):
    """What health needs from a recorded crawl run (storage.models.CrawlRun satisfies it)."""

    id: Any
    started_at: datetime
    outcome: str
    requests: int
    items: int
    new_articles: int
    failures: int
    blocked: int
    failures_by_reason: dict[str, Any]
    stats: dict[str, Any]


class FailureLike(Protocol):
    reason: str
    run_id: Any


@dataclass(frozen=True)
class HealthRating:
    state: str
    reason: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class _Run:
    """A run reduced to the numbers health looks at."""

    run_id: Any
    started_at: datetime
    outcome: str
    requests: int
    seen: int  # items stored plus leads listed: what the source showed us, new or not
    unchanged: bool  # every listing answered 304: the source said "same as before", which is not "empty"
    new_articles: int
    failures: int
    blocked: int
    reasons: Counter[str]


def _reduce(run: RunLike, table_reasons: Counter[str]) -> _Run:
    stats = dict(getattr(run, "stats", None) or {})
    reasons: Counter[str] = Counter({str(k): int(v) for k, v in (getattr(run, "failures_by_reason", None) or {}).items()})
    if not reasons and table_reasons:
        # A killed run never wrote its counts; the failures it recorded as they happened are still there.
        reasons = Counter(table_reasons)
    failures = max(int(getattr(run, "failures", 0) or 0), sum(reasons.values()))
    blocked = max(int(getattr(run, "blocked", 0) or 0), sum(n for r, n in reasons.items() if r.startswith(BLOCKED_PREFIXES)))
    leads = int(stats.get("leads/found", 0) or 0)
    items = int(getattr(run, "items", 0) or 0)
    not_modified = int(stats.get("listing/not_modified", 0) or 0)
    parsed = int(stats.get("listing/parsed", 0) or 0)
    return _Run(
        run_id=run.id,
        started_at=run.started_at,
        outcome=run.outcome,
        requests=int(getattr(run, "requests", 0) or 0),
        seen=max(items, leads),
        unchanged=not_modified > 0 and parsed == 0 and items == 0,
        new_articles=int(getattr(run, "new_articles", 0) or 0),
        failures=failures,
        blocked=blocked,
        reasons=reasons,
    )


def _refused(run: _Run) -> bool:
    """A blocked run, or one cut short or failed having met only refusals (its own outcome could not say so)."""
    if run.outcome == "blocked":
        return True
    only_refusals = run.reasons and all(reason.startswith(BLOCKED_PREFIXES) for reason in run.reasons)
    return run.outcome in FAILED_OUTCOMES and run.seen == 0 and bool(only_refusals)


def _top(reasons: Counter[str], only_blocked: bool = False) -> str:
    chosen = Counter({r: n for r, n in reasons.items() if not only_blocked or r.startswith(BLOCKED_PREFIXES)})
    return ", ".join(f"{reason}×{count}" for reason, count in chosen.most_common(TOP_REASONS)) or "no reason recorded"


def usual_gap(arrivals: Iterable[datetime]) -> timedelta | None:
    """Median time between arrivals of new articles (bursts from one crawl collapsed), or None if too few."""
    ordered = sorted(arrivals)
    bursts: list[datetime] = []
    for moment in ordered:
        if not bursts or moment - bursts[-1] > ARRIVAL_BURST:
            bursts.append(moment)
    gaps = [later - earlier for earlier, later in pairwise(bursts)]
    if len(gaps) < MIN_GAPS_FOR_RATE:
        return None
    return median(gaps)


def silent_limit(arrivals: Iterable[datetime], settings: HealthSettings) -> tuple[timedelta, timedelta | None]:
    """How long without a new article is suspicious for this source: factor × usual gap, at least the floor."""
    gap = usual_gap(arrivals)
    floor = timedelta(days=settings.silent_days_min)
    if gap is None:
        return floor, None
    return max(floor, gap * settings.silent_days_factor), gap


def _days(delta: timedelta) -> str:
    return f"{delta.total_seconds() / 86400:.1f} days"


def evaluate(
    runs: Sequence[RunLike],
    failures: Sequence[FailureLike],
    last_new_article_at: datetime | None,
    settings: HealthSettings,
    now: datetime,
    *,
    new_article_times: Iterable[datetime] | None = None,
) -> HealthRating:
    """Rate one source from its recorded runs (newest first), the failures recorded in them, and its arrivals.

    `new_article_times` (first_seen of its recent articles) gives the source's usual rate; without it the
    starts of runs that stored something new stand in.
    """
    by_run: dict[Any, Counter[str]] = {}
    for failure in failures:
        by_run.setdefault(failure.run_id, Counter())[failure.reason] += 1
    history = [_reduce(run, by_run.get(run.id, Counter())) for run in runs if run.outcome != "running"]
    if not history:
        return HealthRating(STATE_UNKNOWN, "no completed run yet")
    window = history[: settings.window_runs]
    latest = window[0]
    reasons = sum((run.reasons for run in window), Counter())
    requests = sum(run.requests for run in window)
    failed = [run for run in window if run.outcome in FAILED_OUTCOMES]
    blocked_runs = [run for run in window if _refused(run)]
    blocked_responses = sum(run.blocked for run in window)
    seen = sum(run.seen for run in window)
    new = sum(run.new_articles for run in window)
    failure_share = sum(run.failures for run in window) / requests if requests else 0.0
    arrivals = list(new_article_times) if new_article_times is not None else [r.started_at for r in history if r.new_articles]
    limit, gap = silent_limit(arrivals, settings)
    silent_since = last_new_article_at or min(run.started_at for run in history)
    silent_for = max(now - silent_since, timedelta(0))
    details: dict[str, Any] = {
        "runs": len(window),
        "items_seen": seen,
        "new_articles": new,
        "failed_runs": len(failed),
        "blocked_runs": len(blocked_runs),
        "blocked_responses": blocked_responses,
        "failure_share": round(failure_share, 3),
        "silent_days": round(silent_for.total_seconds() / 86400, 2),
        "silent_limit_days": round(limit.total_seconds() / 86400, 2),
        "usual_gap_days": round(gap.total_seconds() / 86400, 2) if gap else None,
        "latest_outcome": latest.outcome,
    }
    n = len(window)

    # Blocked first: a refused outlet is reported as refused, never as "quiet" or "healthy".
    if _refused(latest) or len(blocked_runs) * 2 > n:
        return HealthRating(
            STATE_BLOCKED,
            f"refused by the outlet: {_top(reasons, only_blocked=True)}; {len(blocked_runs)} of the last {n} runs blocked",
            details,
        )
    if len(failed) >= MIN_FAILED_RUNS and (len(failed) == n or len(failed) / n > settings.max_failure_share):
        return HealthRating(
            STATE_FAILING,
            f"{len(failed)} of the last {n} runs failed or were interrupted ({_top(reasons)})",
            details,
        )
    # Interrupted runs were cut short (timeout, restart): what they did not see says nothing about the listings.
    informative = [run for run in window if run.outcome != "interrupted"]
    if not informative:
        return HealthRating(STATE_UNKNOWN, f"the last {n} run(s) were interrupted before finishing", details)
    seen_informative = sum(run.seen for run in informative)
    if seen_informative < settings.min_items and not all(run.unchanged for run in informative):
        return HealthRating(
            STATE_FAILING,
            f"only {plural(seen_informative, 'item')} seen in the last {plural(len(informative), 'completed run')} "
            f"(minimum {settings.min_items})"
            + (f"; failures: {_top(reasons)}" if reasons else "; the listings are empty"),
            details,
        )
    silence = f"no new article for {_days(silent_for)} (" + (
        f"usual gap {_days(gap)}, limit {_days(limit)})" if gap else f"limit {_days(limit)}, too few arrivals to know its rate)"
    )
    if silent_for > limit * SILENT_FAILING_MULTIPLE:
        return HealthRating(STATE_FAILING, silence, details)

    problems: list[str] = []
    streak = window[:CONSECUTIVE_FAILED_DEGRADED]
    if len(streak) == CONSECUTIVE_FAILED_DEGRADED and all(run.outcome in FAILED_OUTCOMES for run in streak):
        problems.append(
            f"the last {len(streak)} runs failed or were interrupted ({_top(sum((r.reasons for r in streak), Counter()))})"
        )
    if failure_share > settings.max_failure_share:
        problems.append(
            f"{failure_share:.0%} of requests failed in the last {n} runs (max {settings.max_failure_share:.0%}: {_top(reasons)})"
        )
    latest_share = latest.blocked / latest.requests if latest.requests else 0.0
    window_share = blocked_responses / requests if requests else 0.0
    if blocked_responses and max(latest_share, window_share) >= BLOCKED_SHARE_DEGRADED:
        problems.append(f"some requests refused ({_top(reasons, only_blocked=True)})")
    if silent_for > limit:
        problems.append(silence)
    if problems:
        return HealthRating(STATE_DEGRADED, "; ".join(problems), details)
    return HealthRating(
        STATE_HEALTHY,
        f"{plural(seen, 'item')} seen, {new} new in the last {plural(n, 'run')}; last new article {_days(silent_for)} ago",
        details,
    )
