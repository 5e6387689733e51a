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

from sqlalchemy import select

from crawler.config import Settings
from crawler.scrapy_settings import scrapy_settings
from spiders.outlet import Outlet
from storage import repo
from storage.db import check_connection, make_engine, make_session_factory, upgrade
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
    engine = make_engine(settings.storage.url)
    check_connection(engine)
    upgrade(engine)
    return engine, make_session_factory(engine)


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

    from spiders.spider_for import spider_class_for

    engine, sessions = open_store(settings)
    holder = lock_holder()
    ttl = timedelta(minutes=settings.schedule.crawl_timeout_minutes + 5)
    locked: list[Outlet] = []
    reports: list[RunReport] = []
    with sessions.begin() as session:
        for outlet in outlets:
            if repo.acquire_lock(session, outlet.name, holder, ttl):
                # We hold the lease, so any run still marked running for this source is a dead process's.
                repo.mark_interrupted_runs(session, outlet.name)
                locked.append(outlet)
            else:
                reports.append(RunReport(outlet.name, "skipped_locked"))
    with sessions() as session:
        first_new_run = (session.scalar(select(CrawlRun.id).order_by(CrawlRun.id.desc()).limit(1)) or 0) + 1
    try:
        if locked:
            values = scrapy_settings(settings, replay=replay, archive_dir=archive_dir)
            values["LOG_LEVEL"] = log_level
            process = CrawlerProcess(values, install_root_handler=True)
            for outlet in locked:
                crawler = process.create_crawler(spider_class_for(outlet))
                if on_item is not None:
                    crawler.signals.connect(lambda item, spider, **_: on_item(spider.name), signal=signals.item_scraped)
                process.crawl(crawler, outlet=outlet)
            process.start()
    finally:
        with sessions.begin() as session:
            for outlet in locked:
                repo.release_lock(session, outlet.name, holder)
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
    engine.dispose()
    return reports
