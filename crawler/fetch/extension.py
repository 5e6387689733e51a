"""The run context: one crawl_runs row per spider, failures recorded as they happen, stats copied at close.

Built in from_crawler and attached as `crawler.coverwatch`, so spiders, middlewares and pipelines share it.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
    UnsupportedURLSchemeError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.defer import deferred_from_coro
from sqlalchemy.exc import InterfaceError, OperationalError
from twisted.internet.error import (
    ConnectionLost,
    ConnectionRefusedError,
    DNSLookupError,
    TCPTimedOutError,
    TimeoutError as TwistedTimeoutError,
)
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

from crawler.config import Settings
from crawler.discover.feeds import Lead
from crawler.fetch.handler import HeadersTooLarge
from crawler.fetch.resolver import refusal_for
from crawler.dedup.urls import url_key
from storage import repo
from storage.db import make_engine, make_session_factory

log = logging.getLogger(__name__)

# Errors that mean "the database is unreachable or gone" (connection refused or killed, file locked or
# unopenable), as opposed to a bug in a statement: the crawl stops cleanly instead of failing every item.
STORAGE_ERRORS = (OperationalError, InterfaceError)

# Failure reasons that mean "the outlet refuses us", as opposed to "something broke".
BLOCKED_PREFIXES = ("blocked", "http_401", "http_403", "http_451", "rate_limited", "robots_disallowed")


def is_blocked_reason(reason: str) -> bool:
    return reason.startswith(BLOCKED_PREFIXES)


class CrawlContext:
    def __init__(self, crawler: Crawler, settings: Settings) -> None:
        self.crawler = crawler
        self.settings = settings
        self.engine = make_engine(settings.storage.url, statement_timeout_s=settings.storage.statement_timeout_s)
        self.sessions = make_session_factory(self.engine)
        self.run_ids: dict[str, int] = {}
        # Per spider, the stored state of the leads its listings named this run (looked up listing by listing).
        self.known: dict[str, dict[str, tuple[datetime, datetime | None, str]]] = {}
        self.validators: dict[str, tuple[str, str | None, str | None]] = {}
        self.explicit_hosts: set[tuple[str, str, int | None]] = set()  # (scheme, host, port) the sources point at
        self.storage_error: str | None = None  # set when the database went away mid-run (the crawl then stops)

    # --- lifecycle ---------------------------------------------------------------------------------------

    def open(self, spider: Any) -> None:
        outlet = spider.outlet
        self.explicit_hosts |= {origin for origin in map(_origin, _source_urls(outlet)) if origin is not None}
        with self.sessions.begin() as session:
            repo.sync_source(
                session, outlet.name, title=outlet.title, language=outlet.language, routes=outlet.routes, enabled=outlet.enabled
            )
            self.run_ids[spider.name] = repo.start_run(session, spider.name, pid=os.getpid(), node=socket.gethostname())
        self.known[spider.name] = {}
        self.crawler.stats.set_value("coverwatch/run_id", self.run_ids[spider.name])

    def close(self, spider: Any, reason: str) -> None:
        stats = self.crawler.stats.get_stats()
        counts = run_counts(stats)
        outcome = run_outcome(reason, counts, stats)
        try:
            with self.sessions.begin() as session:
                repo.finish_run(session, self.run_ids[spider.name], outcome=outcome, finish_reason=reason, counts=counts)
                if reason == "finished":
                    # Validators are saved only after a complete run: a run killed halfway must not turn the next
                    # run's listing into a 304 that hides the leads it never got to.
                    for key, (url, etag, modified) in self.validators.items():
                        repo.save_validators(session, key, url, etag, modified)
        except STORAGE_ERRORS as error:
            # The run row stays "running"; the next run marks it interrupted once it holds the source's lease.
            self.storage_lost(error, stop_crawl=False)  # the spider is closing already
        else:
            log.info("run %s of %s: %s (%s)", self.run_ids[spider.name], spider.name, outcome, reason)
        self.engine.dispose()

    def storage_lost(self, error: Exception, *, stop_crawl: bool = True) -> None:
        """The database went away mid-run: say so once and stop the crawl, since nothing more could be stored.

        Each article is stored in one transaction, so what was stored is whole and what was not is simply absent
        (and fetched again by the next run).
        """
        if self.storage_error is not None:
            return
        self.storage_error = storage_reason(error)
        log.error("storage unavailable, stopping the crawl: %s", self.storage_error)
        self.crawler.stats.set_value("storage/error", self.storage_error)
        engine = self.crawler.engine
        if stop_crawl and engine is not None and engine.spider is not None:
            deferred_from_coro(engine.close_spider_async(reason="storage_unavailable"))

    # --- used by the spider ------------------------------------------------------------------------------

    def failure(self, source: str, reason: str, url: str = "", detail: str = "", http_status: int | None = None) -> None:
        stats = self.crawler.stats
        stats.inc_value("failures/total")
        stats.inc_value(f"failures/{reason}")
        if is_blocked_reason(reason):
            stats.inc_value("blocked/total")
            stats.inc_value(f"source/{source}/blocked")
        log.warning("%s: %s %s %s", source, reason, url, detail)
        if self.storage_error is not None:
            return
        try:
            with self.sessions.begin() as session:
                repo.record_failure(
                    session, source=source, reason=reason, url=url, detail=detail, http_status=http_status, run_id=self.run_ids.get(source)
                )
        except STORAGE_ERRORS as error:
            self.storage_lost(error)

    def classify_error(self, failure: Any) -> tuple[str, int | None, str]:
        exc = failure.value
        if isinstance(exc, HttpError):
            status = exc.response.status
            from crawler.discover.blocking import detect_block

            block = detect_block(status, exc.response.body, (exc.response.headers.get(b"Content-Type") or b"").decode("latin-1"))
            return block or f"http_{status}", status, f"HTTP {status}"
        if isinstance(exc, IgnoreRequest):
            message = str(exc)
            if "robots.txt" in message.lower() or "Forbidden by robots" in message:
                return "robots_disallowed", None, "robots.txt disallows this URL for our user agent"
            if "not in archive" in message:
                return "not_in_archive", None, message
            if "unsafe" in message:
                return "unsafe_url", None, message
            if "offsite" in message:  # a redirect or sitemap child leaving the outlet's domains
                return "offsite", None, message[:300]
            if "DOWNLOAD_MAXSIZE" in message:  # HttpCompressionMiddleware: the decompressed body is too big (gzip bomb)
                return "too_large", None, message[:300]
            if "redirect loop" in message:  # crawler.fetch.middlewares.RedirectGuardMiddleware
                return "redirect_loop", None, message[:300]
            if "max redirections" in message:  # RedirectMiddleware: REDIRECT_MAX_TIMES hops
                return "too_many_redirects", None, "more redirects than REDIRECT_MAX_TIMES"
            return "ignored", None, message or "request ignored"
        if isinstance(exc, ResponseDataLossError):
            return "truncated_response", None, "the connection closed before the declared Content-Length arrived"
        # Scrapy >= 2.19 wraps Twisted's download errors in its own types; both spellings are mapped.
        if isinstance(exc, (DNSLookupError, CannotResolveHostError)):
            request = getattr(failure, "request", None)
            refused = refusal_for(urlsplit(request.url).hostname) if request is not None else None
            if refused:  # crawler.fetch.resolver: a name pointing inside the network
                return "unsafe_url", None, refused
            return "dns_error", None, str(exc)[:300]
        if isinstance(exc, (TwistedTimeoutError, TCPTimedOutError, DownloadTimeoutError)):
            return "timeout", None, str(exc)[:300]
        if isinstance(exc, (ConnectionRefusedError, DownloadConnectionRefusedError)):
            return "connection_refused", None, "server down or port closed"
        if isinstance(exc, UnsupportedURLSchemeError):
            return "unsafe_url", None, f"no download handler for this scheme: {str(exc)[:200]}"
        if isinstance(exc, (ConnectionLost, ResponseFailed, ResponseNeverReceived, DownloadFailedError)):
            text = repr(exc)
            if HeadersTooLarge.__name__ in text or HeadersTooLarge.__name__ in repr(getattr(exc, "__cause__", None)):
                return "headers_too_large", None, f"response headers over the cap (crawler.fetch.handler): {text[:200]}"
            if "maxsize" in text.lower() or "max size" in text.lower() or "Cancelled" in text:
                return "too_large", None, "response exceeded the size limit"
            return "connection_reset", None, text[:300]
        text = repr(exc)
        if isinstance(exc, DownloadCancelledError) or "download max size" in text or "maxsize" in text:
            # Scrapy's HTTP handler cancels a body over DOWNLOAD_MAXSIZE (declared or streamed) with this error.
            return "too_large", None, f"response exceeded the size limit (DOWNLOAD_MAXSIZE): {str(exc)[:200]}"
        return "download_error", None, f"{type(exc).__name__}: {text[:300]}"

    def recall(self, source: str, outlet: str, keys: list[str]) -> None:
        """Look up the stored state of a listing's leads (before should_fetch is asked about them)."""
        known = self.known.setdefault(source, {})
        missing = [key for key in keys if key not in known]
        if not missing or self.storage_error is not None:
            return
        try:
            with self.sessions() as session:
                known.update(repo.known_articles(session, outlet, missing))
        except STORAGE_ERRORS as error:
            self.storage_lost(error)

    def should_fetch(self, source: str, key: str, lead: Lead) -> bool:
        known = self.known.get(source, {}).get(key)
        if known is None:
            return True
        first_seen, last_checked, status = known
        now = datetime.now(timezone.utc)
        crawl = self.settings.crawl
        if lead.modified and last_checked and lead.modified > last_checked:
            return True  # the listing says it changed since we looked
        young = now - first_seen < timedelta(hours=crawl.recheck_window_hours)
        stale = last_checked is None or now - last_checked > timedelta(hours=crawl.recheck_every_hours)
        return young and stale

    def gone(self, source: str, lead: Lead, status: int) -> None:
        from crawler.dedup.urls import canonical_url

        key = url_key(canonical_url(lead.url))
        with self.sessions.begin() as session:
            taken_down = repo.mark_taken_down(session, key, status)
        if taken_down:
            self.crawler.stats.inc_value("articles/taken_down")
        else:
            self.failure(source, f"http_{status}", lead.url, "article not found")

    def listing_ok(self, response: Any) -> None:
        etag = response.headers.get(b"ETag")
        modified = response.headers.get(b"Last-Modified")
        if etag or modified:
            url = response.request.url
            self.validators[url_key(url)] = (url, etag.decode("latin-1") if etag else None, modified.decode("latin-1") if modified else None)

    def explicitly_allowed(self, url: str) -> bool:
        """Internal addresses are fetched only when a source of the outlet itself points there (same origin)."""
        origin = _origin(url)
        return origin is not None and origin in self.explicit_hosts


def storage_reason(error: Exception) -> str:
    """The database's own first line (never SQLAlchemy's, which carries the statement and its parameters)."""
    original = getattr(error, "orig", None) or error
    lines = str(original).strip().splitlines()
    return lines[0][:300] if lines else type(original).__name__


def _origin(url: str) -> tuple[str, str, int | None] | None:
    """(scheme, host, port) of an http(s) URL; None for any other scheme or a malformed URL.

    Matching the whole origin, not the host alone, keeps a feed on 127.0.0.1:8000 from reaching 127.0.0.1:6379,
    and a file://host/... or ftp://host/... link from riding on an allowed host name.
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return None
    return scheme, parts.hostname.rstrip(".").lower(), port or (443 if scheme == "https" else 80)


def _source_urls(outlet: Any) -> list[str]:
    return [getattr(source, "url", "") for source in outlet.sources if getattr(source, "url", "")]


def run_counts(stats: dict[str, Any]) -> dict[str, Any]:
    by_status = {key.rsplit("/", 1)[-1]: value for key, value in stats.items() if key.startswith("downloader/response_status_count/")}
    by_reason = {key.split("/", 1)[1]: value for key, value in stats.items() if key.startswith("failures/") and key != "failures/total"}
    return {
        "requests": int(stats.get("downloader/request_count", 0)),
        "responses_by_status": by_status,
        "items": int(stats.get("item_scraped_count", 0)),
        "new_articles": int(stats.get("articles/new", 0)),
        "updated_articles": int(stats.get("articles/updated", 0)),
        "failures": int(stats.get("failures/total", 0)),
        "failures_by_reason": by_reason,
        "blocked": int(stats.get("blocked/total", 0)),
        "stats": {key: _jsonable(value) for key, value in stats.items()},
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, (int, float, str, bool)) or value is None:
        return value
    return str(value)


def run_outcome(reason: str, counts: dict[str, Any], stats: dict[str, Any]) -> str:
    """finished | partial | blocked | failed | interrupted: never "finished" for a run that saw nothing."""
    if reason == "shutdown":
        return "interrupted"
    if reason != "finished":
        return "failed"
    if counts["blocked"] and not stats.get("pages/extracted", 0):
        return "blocked"
    listed = stats.get("listing/parsed", 0) + stats.get("listing/not_modified", 0)
    if listed == 0:
        return "failed"
    if counts["failures"]:
        return "partial"
    return "finished"


class CoverwatchExtension:
    """Scrapy extension wiring CrawlContext into the crawler's lifecycle."""

    def __init__(self, context: CrawlContext) -> None:
        self.context = context

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CoverwatchExtension:
        settings: Settings = crawler.settings["COVERWATCH_SETTINGS"]
        context = CrawlContext(crawler, settings)
        crawler.coverwatch = context  # type: ignore[attr-defined]
        extension = cls(context)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider: Any) -> None:
        self.context.open(spider)

    def spider_closed(self, spider: Any, reason: str) -> None:
        self.context.close(spider, reason)
