"""The run context of a Scrapyd job: the per-source lease taken before the run row exists, and kept alive.

`coverwatch crawl` takes the lease in crawler.fetch.runner before Scrapy starts, with a TTL of the whole crawl
timeout. A Scrapyd job has no such wrapper, so this extension (a CoverwatchExtension subclass, replacing it in
crawler.schedule.scrapyd.project.settings) does the same at spider_opened:

- the lease is taken first (a dead local holder's lease is freed, as crawler.fetch.runner does); if another process
  holds it, the spider closes with reason "locked" and no crawl_runs row is written;
- once held, runs of the source still marked running are a dead process's and become interrupted;
- the run row is tagged with the Scrapyd job id, so the dispatcher finds the row of the job it scheduled;
- the lease is short and renewed while the crawl runs: when a whole node dies (SIGKILL, power loss), its lease
  lapses after LEASE_TTL_S instead of after the crawl timeout, on whatever host the dispatcher runs;
- a renewal that finds the lease taken by someone else stops this crawl ("lease_lost"): never two at once.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider
from scrapy.utils.defer import deferred_from_coro
from sqlalchemy.exc import SQLAlchemyError
from twisted.internet.task import LoopingCall

from crawler.fetch.extension import CoverwatchExtension
from crawler.fetch.runner import lock_holder
from storage import maintenance, repo
from storage.db import StorageUnavailable, check_connection, upgrade
from storage.models import CrawlRun, SourceLock

log = logging.getLogger(__name__)

# A node that dies stops renewing; its lease lapses this long after the last renewal, and the dispatcher's
# rerun elsewhere can start. Long enough to ride out a database failover or a stalled reactor.
LEASE_TTL_S = 120.0
# Renew four times per TTL: three renewals in a row may fail (database hiccup) before the lease lapses.
LEASE_RENEW_S = 30.0
# Stats (and crawl_runs.stats) key carrying the Scrapyd job id: how the dispatcher finds a job's run row.
JOB_STAT = "scrapyd/job"


class LeasedRunExtension(CoverwatchExtension):
    """CoverwatchExtension plus the per-source lease, for crawls that no crawler.fetch.runner wraps (Scrapyd jobs)."""

    skipped: bool = False
    opened: bool = False
    closed: bool = False
    holder: str | None = None
    renewal: LoopingCall | None = None
    ttl_s: float = LEASE_TTL_S
    renew_s: float = LEASE_RENEW_S

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LeasedRunExtension:
        extension = super().from_crawler(crawler)
        assert isinstance(extension, LeasedRunExtension)
        extension.ttl_s = crawler.settings.getfloat("COVERWATCH_LEASE_TTL_S", LEASE_TTL_S)
        extension.renew_s = crawler.settings.getfloat("COVERWATCH_LEASE_RENEW_S", min(LEASE_RENEW_S, extension.ttl_s / 4))
        return extension

    # --- lifecycle -----------------------------------------------------------------------------------------

    def spider_opened(self, spider: Any) -> None:
        # Scrapy logs and swallows any exception but CloseSpider from a spider_opened handler, and crawls on: a
        # crawl must never run without its lease, its run row or the lease renewal, so every failure closes it.
        try:
            self._open(spider)
        except CloseSpider:
            raise
        except StorageUnavailable as error:
            log.error("%s: %s", spider.name, error)
            self.skipped = not self.holder
            raise CloseSpider("storage_unavailable") from None
        except Exception:
            log.exception("%s: could not open the run", spider.name)
            self.skipped = not self.holder
            raise CloseSpider("open_failed") from None

    def _open(self, spider: Any) -> None:
        context = self.context
        source = spider.name
        check_connection(context.engine)
        upgrade(context.engine)  # idempotent; a fresh database is migrated by the dispatcher first
        holder = lock_holder()
        with context.sessions.begin() as session:
            maintenance.release_dead_local_lock(session, source)
            acquired = repo.acquire_lock(session, source, holder, timedelta(seconds=self.ttl_s))
            if acquired:
                repo.mark_interrupted_runs(session, source)
            else:
                current = session.get(SourceLock, source)
                other = current.holder if current else "?"
        stats = self.context.crawler.stats
        if not acquired:
            self.skipped = True
            stats.set_value("coverwatch/skipped", f"locked by {other}")
            log.warning("%s: skipped, its lock is held by %s", source, other)
            raise CloseSpider("locked")
        self.holder = holder
        # Scrapy 2.19 sends no spider_closed when SIGTERM (cancel.json) arrives while the spider is still
        # opening: the reactor just stops. This trigger closes the run and frees the lease in that case.
        from twisted.internet import reactor

        reactor.addSystemEventTrigger("before", "shutdown", self._at_shutdown, spider)
        context.open(spider)
        self.opened = True
        job = getattr(spider, "_job", None)
        if job:
            stats.set_value(JOB_STAT, str(job))
            with context.sessions.begin() as session:
                tag_run(session, context.run_ids[source], str(job))
        self.renewal = LoopingCall(self._renew, spider)
        self.renewal.start(self.renew_s, now=False)

    def spider_closed(self, spider: Any, reason: str) -> None:
        self.closed = True
        if self.renewal is not None and self.renewal.running:
            self.renewal.stop()
        if self.skipped:
            self.context.engine.dispose()
            return
        try:
            if self.opened:
                super().spider_closed(spider, reason)  # closes the run row first: the next holder sees it closed
        finally:
            with self.context.sessions.begin() as session:
                repo.release_lock(session, spider.name, self.holder or "")
            self.context.engine.dispose()

    def _at_shutdown(self, spider: Any) -> None:
        if self.closed or self.skipped:
            return
        log.warning("%s: the process stops before the spider closed; closing the run as interrupted", spider.name)
        try:
            self.spider_closed(spider, "shutdown")
        except Exception:  # the reactor is stopping: log, never raise
            log.exception("%s: could not close the run at shutdown", spider.name)

    # --- the lease -----------------------------------------------------------------------------------------

    def _renew(self, spider: Any) -> None:
        try:
            with self.context.sessions.begin() as session:
                kept = repo.acquire_lock(session, spider.name, self.holder or "", timedelta(seconds=self.ttl_s))
        except SQLAlchemyError as error:  # try again at the next tick; the lease outlives a few misses
            log.warning("%s: lease renewal failed: %s", spider.name, str(error).splitlines()[0][:200])
            return
        if kept:
            return
        log.error("%s: lease taken over by another process; stopping this crawl", spider.name)
        crawler = self.context.crawler
        crawler.stats.set_value("coverwatch/lease_lost", 1)
        if self.renewal is not None and self.renewal.running:
            self.renewal.stop()
        assert crawler.engine is not None
        deferred_from_coro(crawler.engine.close_spider_async(reason="lease_lost"))


def tag_run(session: Any, run_id: int, job: str) -> None:
    """Write the Scrapyd job id into a run row's stats now (the full stats replace them at close)."""
    run = session.get(CrawlRun, run_id)
    if run is not None:
        run.stats = {**(run.stats or {}), JOB_STAT: job}
