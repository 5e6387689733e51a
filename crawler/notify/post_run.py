"""After a crawl: rate the health of the sources it ran, deliver alerts for state changes, and send prompt
alerts for stories above the prompt threshold (crawler/notify/prompt.py).

Called at the end of crawler.fetch.runner.run_crawl (so cron crawls get it too) and by the scheduler daemon after
a crawl subprocess ends (which covers crawls killed before they could call it). Never raises: a broken
health check must cost a log line, not the crawl's exit status.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from crawler.config import Settings
from storage import health_repo
from storage.health_repo import SourceHealth

log = logging.getLogger(__name__)


def after_sources(
    settings: Settings, sessions: sessionmaker[Session], sources: list[str], now: datetime | None = None
) -> list[SourceHealth]:
    """Evaluate and store the health of these sources, then deliver pending alerts."""
    from crawler.notify.alerts import deliver_pending

    results: list[SourceHealth] = []
    try:
        with sessions.begin() as session:
            results = health_repo.refresh_health(session, sources, settings.health, now)
        deliver_pending(settings, sessions, now)
    except Exception:  # the edge: a broken health check must never fail the crawl that triggered it
        log.exception("health evaluation after the run failed for %s", ", ".join(sources))
    _prompt_alerts(settings, sessions, now)
    return results


def _prompt_alerts(settings: Settings, sessions: sessionmaker[Session], now: datetime | None) -> None:
    """Stories this run stored that cannot wait for the digest (crawler/notify/prompt.py), once per story."""
    from crawler.notify.prompt import send_prompt_alerts

    try:
        send_prompt_alerts(settings, sessions, now)
    except Exception:  # same edge: a notification service or a config slip must not fail the crawl
        log.exception("prompt alerts after the run failed")


def after_runs(settings: Settings, sessions: sessionmaker[Session], run_ids: list[int]) -> list[SourceHealth]:
    """The post-run hook: health for the sources of these crawl_runs rows."""
    try:
        with sessions() as session:
            sources = health_repo.sources_of_runs(session, [run_id for run_id in run_ids if run_id is not None])
    except Exception:
        log.exception("health evaluation: could not read runs %s", run_ids)
        return []
    return after_sources(settings, sessions, sources) if sources else []
