"""Run crawls of several outlets in one process (one Scrapy reactor), each under its per-source lock.

A process runs one batch and exits: Scrapy's reactor cannot restart, so the daemon launches this as a subprocess.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from crawler.config import Settings
from crawler.fetch.settings import scrapy_settings
from spiders.outlet import Outlet
from storage import maintenance, repo
from storage.db import StorageUnavailable, check_connection, make_engine, make_session_factory, upgrade
from storage.models import CrawlRun


@dataclass(frozen=True)
class RunReport:
    source: str
    outcome: str
    requests: int = 0
    items: int = 0
    new_articles: int = 0
    updated_articles: int = 0
    failures: int = 0
    blocked: int = 0
    failures_by_reason: dict[str, int] | None = None
    run_id: int | None = None


def lock_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def open_store(settings: Settings):  # type: ignore[no-untyped-def]
    """Engine + session factory on an up-to-date schema; raises StorageUnavailable with a readable reason."""
    engine = make_engine(settings.storage.url, statement_timeout_s=settings.storage.statement_timeout_s)
    check_connection(engine)
    upgrade(engine)
    return engine, make_session_factory(engine)


def _record_missing_runs(sessions: Any, locked: list[Outlet], reports: list[RunReport]) -> None:
    """A locked outlet whose spider never opened (an import or middleware error) still gets a failed run row."""
    reported = {report.source for report in reports}
    for outlet in locked:
        if outlet.name in reported:
            continue
        with sessions.begin() as session:
            run_id = repo.start_run(session, outlet.name, pid=os.getpid(), node=socket.gethostname())
            repo.record_failure(session, source=outlet.name, reason="crawl_not_started", detail="the spider never opened; see the log", run_id=run_id)
            repo.finish_run(session, run_id, outcome="failed", finish_reason="not_started", counts={"failures": 1, "failures_by_reason": {"crawl_not_started": 1}})
        reports.append(RunReport(outlet.name, "failed", failures=1, failures_by_reason={"crawl_not_started": 1}, run_id=run_id))


def run_crawl(
    settings: Settings,
    outlets: list[Outlet],
    *,
    replay: list[Path] | None = None,
    archive_dir: Path | None = None,
    on_item: Callable[[str], None] | None = None,
    log_level: str = "WARNING",
) -> list[RunReport]:
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess

    from crawler.fetch import log_hygiene
    from crawler.fetch.extension import STORAGE_ERRORS, storage_reason
    from spiders.spider_for import spider_class_for

    engine, sessions = open_store(settings)
    holder = lock_holder()
    ttl = timedelta(minutes=settings.schedule.crawl_timeout_minutes + 5)
    locked: list[Outlet] = []
    reports: list[RunReport] = []
    with sessions.begin() as session:
        for outlet in outlets:
            # A lease whose holder died on this host (SIGKILL, OOM killer) is freed now, not after its TTL.
            maintenance.release_dead_local_lock(session, outlet.name)
            if repo.acquire_lock(session, outlet.name, holder, ttl):
                # We hold the lease, so any run still marked running for this source is a dead process's.
                repo.mark_interrupted_runs(session, outlet.name)
                locked.append(outlet)
            else:
                reports.append(RunReport(outlet.name, "skipped_locked"))
    with sessions() as session:
        first_new_run = (session.scalar(select(CrawlRun.id).order_by(CrawlRun.id.desc()).limit(1)) or 0) + 1
    crawlers: list[Any] = []
    try:
        if locked:
            values = scrapy_settings(settings, replay=replay, archive_dir=archive_dir)
            values["LOG_LEVEL"] = log_level
            values["LOG_INSTALL_ROOT_HANDLER"] = True  # the setting; the constructor argument is deprecated
            process = CrawlerProcess(values)
            for outlet in locked:
                crawler = process.create_crawler(spider_class_for(outlet))
                # Each crawler replaces Scrapy's root log handler as it starts: filter the one in place by then.
                crawler.signals.connect(log_hygiene.install, signal=signals.engine_started)
                if on_item is not None:
                    crawler.signals.connect(lambda item, spider, **_: on_item(spider.name), signal=signals.item_scraped)
                process.crawl(crawler, outlet=outlet)
                crawlers.append(crawler)
            process.start()
    finally:
        try:
            with sessions.begin() as session:
                for outlet in locked:
                    repo.release_lock(session, outlet.name, holder)
        except STORAGE_ERRORS:
            pass  # the database is gone; the next run frees a dead holder's lease (see above)
    lost = next((c.coverwatch.storage_error for c in crawlers if getattr(getattr(c, "coverwatch", None), "storage_error", None)), None)
    try:
        with sessions() as session:
            names = [outlet.name for outlet in locked]
            runs = session.scalars(select(CrawlRun).where(CrawlRun.id >= first_new_run, CrawlRun.source.in_(names)).order_by(CrawlRun.id))
            for run in runs:
                reports.append(
                    RunReport(
                        run.source, run.outcome, run.requests, run.items, run.new_articles, run.updated_articles,
                        run.failures, run.blocked, dict(run.failures_by_reason or {}), run.id,
                    )
                )
        _record_missing_runs(sessions, locked, reports)
    except STORAGE_ERRORS as error:
        lost = lost or storage_reason(error)
    if not lost:
        from crawler.notify.post_run import after_runs  # health ratings and alerts, also for crawls run from cron

        after_runs(settings, sessions, [report.run_id for report in reports if report.run_id is not None])
    engine.dispose()
    if lost:
        # One clear line for the CLI (exit 2); what was stored is whole, since each article is one transaction.
        raise StorageUnavailable(
            f"database {engine.url.render_as_string(hide_password=True)} became unreachable during the crawl: {lost}. "
            "Articles stored before that are complete; run the crawl again once the database is back."
        )
    return reports
