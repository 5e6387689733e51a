"""Source health: ratings from recorded run statistics (pure), and state transitions stored as HealthEvents."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import select

from crawler.config import HealthSettings
from crawler.health.rating import (
    STATE_BLOCKED,
    STATE_DEGRADED,
    STATE_FAILING,
    STATE_HEALTHY,
    STATE_UNKNOWN,
    evaluate,
    silent_limit,
    usual_gap,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
SETTINGS = HealthSettings()  # window 5 runs, min 1 item, max failure share 0.5, silent 3 x usual gap, at least 2 days


@dataclass
class Run:
    id: int
    started_at: datetime
    outcome: str = "finished"
    requests: int = 10
    items: int = 5
    new_articles: int = 1
    failures: int = 0
    blocked: int = 0
    failures_by_reason: dict[str, Any] = field(default_factory=dict)
    stats: dict[str, Any] = field(default_factory=dict)


@dataclass
class Fail:
    reason: str
    run_id: int


def runs(*specs: dict[str, Any], every: timedelta = timedelta(hours=1)) -> list[Run]:
    """Runs newest first, one `every` apart, ending an hour before NOW."""
    return [Run(id=100 - i, started_at=NOW - timedelta(hours=1) - i * every, **spec) for i, spec in enumerate(specs)]


def good(n: int = 5) -> list[Run]:
    return runs(*[{}] * n)


def test_no_completed_run_is_unknown() -> None:
    assert evaluate([], [], None, SETTINGS, NOW).state == STATE_UNKNOWN
    assert evaluate(runs({"outcome": "running"}), [], None, SETTINGS, NOW).state == STATE_UNKNOWN


def test_working_source_is_healthy_with_a_reason() -> None:
    rating = evaluate(good(), [], NOW - timedelta(hours=1), SETTINGS, NOW)
    assert rating.state == STATE_HEALTHY
    assert "25 items seen" in rating.reason and "5 new" in rating.reason
    assert rating.details["failure_share"] == 0


def test_blocked_outlet_is_blocked_never_healthy_or_quiet() -> None:
    history = runs(
        {
            "outcome": "blocked",
            "items": 0,
            "new_articles": 0,
            "failures": 4,
            "blocked": 4,
            "failures_by_reason": {"blocked:datadome": 4},
        },
        {},
        {},
        {},
        {},
    )
    rating = evaluate(history, [], NOW - timedelta(hours=2), SETTINGS, NOW)
    assert rating.state == STATE_BLOCKED
    assert "blocked:datadome×4" in rating.reason


def test_majority_of_blocked_runs_is_blocked_even_if_the_last_got_through() -> None:
    blocked = {
        "outcome": "blocked",
        "items": 0,
        "new_articles": 0,
        "failures": 2,
        "blocked": 2,
        "failures_by_reason": {"http_403": 2},
    }
    history = runs({}, blocked, blocked, blocked, {})
    assert evaluate(history, [], NOW - timedelta(hours=1), SETTINGS, NOW).state == STATE_BLOCKED


def test_a_killed_run_without_counts_is_judged_by_its_recorded_failures() -> None:
    # SIGKILLed mid-run: the run row never got its counts, but the failures were recorded as they happened.
    history = runs({"outcome": "interrupted", "requests": 0, "items": 0, "new_articles": 0}, {}, {}, {}, {})
    rating = evaluate(history, [Fail("blocked:cloudflare", 100), Fail("blocked:cloudflare", 100)], NOW, SETTINGS, NOW)
    assert rating.state == STATE_BLOCKED and "blocked:cloudflare×2" in rating.reason


def test_a_source_that_silently_yields_nothing_is_failing() -> None:
    empty = {"items": 0, "new_articles": 0, "stats": {"listing/parsed": 1, "leads/found": 0}}
    rating = evaluate(runs(*[empty] * 5), [], NOW - timedelta(hours=8), SETTINGS, NOW)
    assert rating.state == STATE_FAILING
    assert "only 0 items seen in the last 5 completed runs (minimum 1)" in rating.reason


def test_leads_listed_count_as_items_seen() -> None:
    # Known articles are skipped, so no items are scraped, but the feed still lists them: not empty.
    known = {"items": 0, "new_articles": 0, "stats": {"listing/parsed": 1, "leads/found": 12}}
    assert evaluate(runs(*[known] * 5), [], NOW - timedelta(hours=8), SETTINGS, NOW).state == STATE_HEALTHY


def test_unchanged_listings_are_not_empty_listings() -> None:
    unchanged = {"items": 0, "new_articles": 0, "stats": {"listing/not_modified": 1}}
    assert evaluate(runs(*[unchanged] * 5), [], NOW - timedelta(hours=8), SETTINGS, NOW).state == STATE_HEALTHY


def test_interrupted_runs_say_nothing_about_the_listings_until_they_pile_up() -> None:
    cut = {"outcome": "interrupted", "requests": 3, "items": 0, "new_articles": 0}
    rating = evaluate(runs(cut), [], None, SETTINGS, NOW)
    assert rating.state == STATE_UNKNOWN and "interrupted" in rating.reason  # one killed first run: no alarm
    assert evaluate(runs(cut, {}, {}, {}, {}), [], NOW - timedelta(hours=2), SETTINGS, NOW).state == STATE_HEALTHY
    timeouts = {**cut, "failures_by_reason": {"crawl_timeout": 1}, "failures": 1}
    rating = evaluate(runs(timeouts, timeouts, timeouts, {}, {}), [], NOW - timedelta(hours=4), SETTINGS, NOW)
    assert rating.state == STATE_FAILING and "crawl_timeout×3" in rating.reason  # a source that always hangs


def test_mostly_failed_runs_are_failing() -> None:
    failed = {"outcome": "failed", "items": 0, "new_articles": 0, "failures": 1, "failures_by_reason": {"dns_error": 1}}
    rating = evaluate(runs(failed, failed, {}, failed, {}), [], NOW - timedelta(hours=2), SETTINGS, NOW)
    assert rating.state == STATE_FAILING
    assert "3 of the last 5 runs failed" in rating.reason and "dns_error×3" in rating.reason


def test_one_failed_run_is_a_blip_two_in_a_row_degrade() -> None:
    failed = {"outcome": "failed", "items": 0, "new_articles": 0, "failures": 1, "failures_by_reason": {"timeout": 1}}
    assert evaluate(runs(failed, {}, {}, {}, {}), [], NOW - timedelta(hours=2), SETTINGS, NOW).state == STATE_HEALTHY
    rating = evaluate(runs(failed, failed, {}, {}, {}), [], NOW - timedelta(hours=3), SETTINGS, NOW)
    assert rating.state == STATE_DEGRADED and "the last 2 runs failed" in rating.reason


def test_high_failure_share_degrades() -> None:
    partial = {"outcome": "partial", "requests": 10, "failures": 6, "failures_by_reason": {"http_404": 6}}
    rating = evaluate(runs(*[partial] * 5), [], NOW - timedelta(hours=1), SETTINGS, NOW)
    assert rating.state == STATE_DEGRADED
    assert "60% of requests failed" in rating.reason and "http_404" in rating.reason


def test_some_refusals_degrade_a_source_that_still_yields() -> None:
    walled = {"outcome": "partial", "requests": 10, "failures": 3, "blocked": 3, "failures_by_reason": {"rate_limited": 3}}
    rating = evaluate(runs(walled, {}, {}, {}, {}), [], NOW - timedelta(hours=1), SETTINGS, NOW)
    assert rating.state == STATE_DEGRADED and "rate_limited" in rating.reason


def test_usual_gap_collapses_one_crawls_burst() -> None:
    day = timedelta(days=1)
    burst = [NOW - 10 * day + timedelta(seconds=s) for s in range(40)]  # the first crawl stores a backlog at once
    daily = [NOW - k * day for k in range(1, 6)]
    assert usual_gap(burst + daily) == day
    assert usual_gap([NOW, NOW - day]) is None  # too few arrivals to know a rate


def test_silence_is_judged_against_the_sources_own_rate() -> None:
    daily = [NOW - timedelta(days=k) for k in range(4, 30)]  # one article a day until four days ago
    limit, gap = silent_limit(daily, SETTINGS)
    assert gap == timedelta(days=1) and limit == timedelta(days=3)  # 3 x the usual gap (over the 2-day floor)
    quiet = {"items": 3, "new_articles": 0}
    rating = evaluate(runs(*[quiet] * 5), [], NOW - timedelta(days=4), SETTINGS, NOW, new_article_times=daily)
    assert rating.state == STATE_DEGRADED
    assert "no new article for 4.0 days (usual gap 1.0 days, limit 3.0 days)" in rating.reason
    rating = evaluate(runs(*[quiet] * 5), [], NOW - timedelta(days=7), SETTINGS, NOW, new_article_times=daily)
    assert rating.state == STATE_FAILING  # twice the limit: broken, not a quiet week


def test_a_slow_source_is_not_alarmed_by_a_quiet_week() -> None:
    weekly = [NOW - timedelta(days=7 * k) for k in range(1, 10)]
    quiet = {"items": 3, "new_articles": 0}
    rating = evaluate(runs(*[quiet] * 5), [], NOW - timedelta(days=8), SETTINGS, NOW, new_article_times=weekly)
    assert rating.state == STATE_HEALTHY  # the limit is 21 days for an outlet that publishes weekly


def test_silence_floor_without_a_known_rate() -> None:
    quiet = {"items": 3, "new_articles": 0}
    rating = evaluate(runs(*[quiet] * 5), [], NOW - timedelta(days=3), SETTINGS, NOW, new_article_times=[])
    assert rating.state == STATE_DEGRADED and "too few arrivals" in rating.reason


def test_never_a_new_article_since_monitoring_began_counts_as_silence() -> None:
    quiet = {"items": 3, "new_articles": 0}
    rating = evaluate(runs(*[quiet] * 5, every=timedelta(days=1)), [], None, SETTINGS, NOW, new_article_times=[])
    assert rating.state == STATE_FAILING and "no new article for" in rating.reason


# --- transitions stored in the database ------------------------------------------------------------------


@pytest.fixture
def sessions(db_url: str):  # type: ignore[no-untyped-def]
    from storage.db import make_engine, make_session_factory
    from storage.models import Base

    engine = make_engine(db_url)
    Base.metadata.create_all(engine)
    yield make_session_factory(engine)
    engine.dispose()


def _record_run(
    session: Any, source: str, outcome: str, *, items: int = 3, new: int = 1, reasons: dict[str, int] | None = None
) -> int:
    from storage import repo

    run_id = repo.start_run(session, source, pid=1, node="test")
    reasons = reasons or {}
    counts = {
        "requests": 10,
        "items": items,
        "new_articles": new,
        "failures": sum(reasons.values()),
        "failures_by_reason": reasons,
        "blocked": sum(n for r, n in reasons.items() if r.startswith(("blocked", "http_403"))),
        "stats": {"leads/found": items},
    }
    repo.finish_run(session, run_id, outcome=outcome, finish_reason="finished", counts=counts)
    return run_id


def test_state_transitions_are_stored_once_each(sessions) -> None:  # type: ignore[no-untyped-def]
    from storage import health_repo, repo
    from storage.models import HealthEvent, Source

    with sessions.begin() as session:
        repo.sync_source(session, "alpha", title="Alpha", language="en", routes=["rss"], enabled=True)
        for _ in range(3):
            _record_run(session, "alpha", "finished")
    with sessions.begin() as session:
        (first,) = health_repo.refresh_health(session, ["alpha", "not-a-source"], SETTINGS)
    assert first.rating.state == STATE_HEALTHY and first.previous == STATE_UNKNOWN and first.event_id is not None

    with sessions.begin() as session:
        for _ in range(3):
            _record_run(session, "alpha", "blocked", items=0, new=0, reasons={"blocked:datadome": 2})
    with sessions.begin() as session:
        (second,) = health_repo.refresh_health(session, ["alpha"], SETTINGS)
    with sessions.begin() as session:
        (again,) = health_repo.refresh_health(session, ["alpha"], SETTINGS)
    assert second.rating.state == STATE_BLOCKED and second.event_id is not None
    assert again.rating.state == STATE_BLOCKED and again.event_id is None  # no change, no event

    with sessions.begin() as session:
        for _ in range(5):
            _record_run(session, "alpha", "finished")
    with sessions.begin() as session:
        (third,) = health_repo.refresh_health(session, ["alpha"], SETTINGS)
    assert third.rating.state == STATE_HEALTHY and third.previous == STATE_BLOCKED

    with sessions() as session:
        events = [(e.old_state, e.new_state) for e in session.scalars(select(HealthEvent).order_by(HealthEvent.id))]
        source = session.scalars(select(Source).where(Source.name == "alpha")).one()
    assert events == [("unknown", "healthy"), ("healthy", "blocked"), ("blocked", "healthy")]
    assert source.health == "healthy" and "items seen" in source.health_reason
    assert source.health_changed_at is not None


def test_a_lost_race_inserts_no_second_event(pg_url: str) -> None:
    """Two evaluators saw 'unknown'; the second to write must find the state changed and add no event."""
    from crawler.health.rating import HealthRating
    from storage import health_repo, repo
    from storage.db import make_engine, make_session_factory
    from storage.models import Base, HealthEvent, Source

    engine = make_engine(pg_url)
    Base.metadata.create_all(engine)
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        repo.sync_source(session, "beta", title="Beta", language="ar", routes=["rss"], enabled=True)
    with sessions.begin() as slow:
        seen = slow.scalars(select(Source).where(Source.name == "beta")).one()  # this evaluator read 'unknown'...
        assert seen.health == STATE_UNKNOWN
        with sessions.begin() as fast:
            assert health_repo.apply_rating(fast, "beta", HealthRating(STATE_FAILING, "fast")).event_id is not None
        late = health_repo.apply_rating(slow, "beta", HealthRating(STATE_DEGRADED, "slow"))  # ...and writes after
        assert late is not None and late.previous == STATE_UNKNOWN and late.event_id is None
    with sessions() as session:
        assert [e.new_state for e in session.scalars(select(HealthEvent))] == [STATE_FAILING]
    engine.dispose()
