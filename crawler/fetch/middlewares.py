"""Downloader middlewares: address guard, conditional GET, WARC archive and replay. Thin; state lives elsewhere."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Request, Response
from scrapy.responsetypes import responsetypes

from crawler.fetch.archive import WarcIndex, WarcWriterSink
from crawler.extract.timestamps import retry_after_seconds
from crawler.dedup.urls import is_safe_public_url, url_key
from storage import repo

log = logging.getLogger(__name__)

# The statuses Scrapy's RedirectMiddleware follows.
REDIRECT_STATUSES = (301, 302, 303, 307, 308)


class UnsafeUrlMiddleware:
    """Refuse javascript:/file:/data: URLs and internal addresses unless the outlet's own source points there.

    Runs on redirects too (they come back through process_request), so a feed cannot bounce us to 169.254.169.254.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> UnsafeUrlMiddleware:
        return cls(crawler)

    def process_request(self, request: Request, spider: Any = None) -> None:
        safe, reason = is_safe_public_url(request.url)
        if not (safe or self.crawler.coverwatch.explicitly_allowed(request.url)):  # type: ignore[attr-defined]
            self.crawler.stats.inc_value("leads/unsafe_url")
            raise IgnoreRequest(f"unsafe URL refused: {reason}")
        if request.meta.get("listing") and _offsite_listing(request, getattr(self.crawler, "spider", None)):
            # Listings bypass Scrapy's OffsiteMiddleware (dont_filter): a sitemap index's child or a redirected
            # feed that leaves the outlet's domains is refused here instead.
            self.crawler.stats.inc_value("offsite/listing_filtered")
            raise IgnoreRequest(f"Filtered offsite listing {request.url}: neither a configured source nor on the outlet's domains")


def _offsite_listing(request: Request, spider: Any) -> bool:
    """A listing the outlet did not declare must be on the outlet's domains or its source's own host."""
    outlet = getattr(spider, "outlet", None)
    source = request.meta.get("source")
    if outlet is None or source is None or not outlet.domains:
        return False
    declared = [listing.url for listing in source.listing_requests()]
    if request.url in declared or outlet.owns(request.url):
        return False
    return urlsplit(request.url).hostname not in {urlsplit(url).hostname for url in declared}


class RedirectGuardMiddleware:
    """Refuse a redirect that loops, leads to an internal address or leaves the outlet's domains, visibly.

    Scrapy would drop such redirects quietly (the duplicate filter eats a loop, the offsite filter eats another
    domain at scheduling time): no failure, no errback, so not even the feed's title and lead were kept.
    Raising IgnoreRequest here sends them to the request's errback, which records the failure. Sits just
    above RedirectMiddleware (600), so it sees the 3xx first.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedirectGuardMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Response:
        location = response.headers.get(b"Location")
        if response.status not in REDIRECT_STATUSES or not location or request.meta.get("dont_redirect"):
            return response
        try:
            target = urljoin(request.url, location.decode("latin-1").strip()).split("#", 1)[0]
        except ValueError as error:  # "http://[::1": Scrapy's RedirectMiddleware would raise the same, unexplained
            self.crawler.stats.inc_value("leads/unsafe_url")
            raise IgnoreRequest(f"unsafe URL refused: malformed redirect target {location[:200]!r}: {error}") from None
        chain = [url.split("#", 1)[0] for url in [*request.meta.get("redirect_urls", []), request.url]]
        if target in chain:
            raise IgnoreRequest(f"redirect loop: {' -> '.join([*chain, target])}"[:500])
        safe, reason = is_safe_public_url(target)
        if not (safe or self.crawler.coverwatch.explicitly_allowed(target)):  # type: ignore[attr-defined]
            self.crawler.stats.inc_value("leads/unsafe_url")
            raise IgnoreRequest(f"unsafe URL refused: redirect to {target[:300]}: {reason}")
        outlet = getattr(getattr(self.crawler, "spider", None), "outlet", None)
        if not request.meta.get("listing") and outlet is not None and outlet.domains and not outlet.owns(target):
            self.crawler.stats.inc_value("offsite/redirect_filtered")
            raise IgnoreRequest(f"Filtered offsite redirect to {target[:300]}: not on the outlet's domains")
        return response


class ConditionalGetMiddleware:
    """Send If-None-Match / If-Modified-Since for listings, from validators stored after the last complete run."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConditionalGetMiddleware:
        return cls(crawler)

    def process_request(self, request: Request, spider: Any = None) -> None:
        if not request.meta.get("listing"):
            return None
        context = self.crawler.coverwatch  # type: ignore[attr-defined]
        with context.sessions() as session:
            validator = repo.get_validators(session, url_key(request.url))
        if validator is None:
            return None
        if validator.etag:
            request.headers.setdefault(b"If-None-Match", validator.etag.encode("latin-1"))
        if validator.last_modified:
            request.headers.setdefault(b"If-Modified-Since", validator.last_modified.encode("latin-1"))
        return None


class ReplayMiddleware:
    """Answer every request from WARC archives (COVERWATCH_REPLAY). A URL not recorded is a counted failure."""

    def __init__(self, crawler: Crawler, paths: list[Path]) -> None:
        self.crawler = crawler
        self.index = WarcIndex.shared(paths)
        log.info("replay: %d recorded responses from %s", len(self.index), ", ".join(map(str, paths)))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ReplayMiddleware:
        paths = crawler.settings.getlist("COVERWATCH_REPLAY")
        if not paths:
            raise NotConfigured
        return cls(crawler, [Path(p) for p in paths])

    def process_request(self, request: Request, spider: Any = None) -> Response:
        found = self.index.lookup(request.method, request.url)
        stats = self.crawler.stats
        if found is None:
            if request.url.endswith("/robots.txt"):
                stats.inc_value("replay/robots_missing")
                return Response(request.url, status=404, request=request)  # no robots.txt recorded: allow, as a 404 does
            stats.inc_value("replay/missing")
            raise IgnoreRequest(f"not in archive: {request.method} {request.url}")
        status, headers, body = found
        stats.inc_value("replay/hit")
        header_map: dict[str, list[str]] = {}
        for name, value in headers:
            header_map.setdefault(name, []).append(value)
        cls = responsetypes.from_args(headers=header_map, url=request.url, body=body)
        return cls(url=request.url, status=status, headers=header_map, body=body, request=request, flags=["replay"])


class ArchiveMiddleware:
    """Write every response to a WARC file (COVERWATCH_ARCHIVE_DIR); a full disk disables it, loudly."""

    def __init__(self, crawler: Crawler, directory: Path) -> None:
        self.crawler = crawler
        self.sink = WarcWriterSink(directory)
        self._reported = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchiveMiddleware:
        directory = crawler.settings.get("COVERWATCH_ARCHIVE_DIR")
        if not directory:
            raise NotConfigured
        middleware = cls(crawler, Path(directory))
        from scrapy import signals

        crawler.signals.connect(middleware.sink.close, signal=signals.spider_closed)
        return middleware

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Response:
        if "replay" in response.flags:
            return response
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, values in response.headers.items() for v in values]
        if self.sink.write(response.url, request.method, response.status, "", headers, response.body):
            self.crawler.stats.inc_value("archive/written")
        elif not self._reported:
            self._reported = True
            self.crawler.stats.set_value("archive/disabled", self.sink.disabled_reason)
            name = getattr(self.crawler.spider, "name", "?")
            self.crawler.coverwatch.failure(name, "archive_disabled", response.url, self.sink.disabled_reason or "")  # type: ignore[attr-defined]
        return response


class BackoffRetryMiddleware:
    """Scrapy's retry, plus exponential backoff and Retry-After (429/503), which Scrapy's own lacks.

    Wraps (not subclasses) RetryMiddleware so the retry bookkeeping and stats stay Scrapy's.
    """

    def __init__(self, crawler: Crawler) -> None:
        from scrapy.downloadermiddlewares.retry import RetryMiddleware

        self.retry = RetryMiddleware.from_crawler(crawler)
        self.crawler = crawler
        self.base = crawler.settings.getfloat("COVERWATCH_BACKOFF_BASE", 2.0)
        self.cap = crawler.settings.getfloat("COVERWATCH_BACKOFF_MAX", 120.0)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BackoffRetryMiddleware:
        return cls(crawler)

    def _delay(self, request: Request, response: Response | None) -> float:
        if response is not None:
            header = response.headers.get(b"Retry-After")
            retry_after = retry_after_seconds(header.decode("latin-1") if header else None)
            if retry_after is not None:
                return min(retry_after, self.cap)
        attempt = request.meta.get("retry_times", 0)
        return min(self.base**attempt if self.base > 0 else 0.0, self.cap)

    async def process_response(self, request: Request, response: Response, spider: Any = None) -> Request | Response:
        if request.meta.get("dont_retry") or response.status not in self.retry.retry_http_codes:
            return response
        retry = self.retry._retry(request, f"HTTP {response.status}")
        if retry is None:
            return response
        delay = self._delay(request, response)
        self.crawler.stats.inc_value("retry/backoff_seconds", int(delay))
        await _sleep(delay)
        return retry

    async def process_exception(self, request: Request, exception: Exception, spider: Any = None) -> Request | None:
        if request.meta.get("dont_retry") or not isinstance(exception, self.retry.exceptions_to_retry):
            return None
        retry = self.retry._retry(request, exception)
        if retry is None:
            return None
        await _sleep(self._delay(request, None))
        return retry


async def _sleep(seconds: float) -> None:
    if seconds > 0:
        import asyncio

        await asyncio.sleep(seconds)
