"""Scrapy settings made explicit, derived from the one Settings object (never from the environment)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from crawler.config import Settings

# Retry on transient server trouble and rate limiting; 403/401 are refusals, retrying them only angers the wall.
# The whole response header block (status line + header lines) may not be larger than this.
MAX_HEADER_BYTES = 256 * 1024
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]


def scrapy_settings(settings: Settings, *, replay: list[Path] | None = None, archive_dir: Path | None = None) -> dict[str, Any]:
    crawl = settings.crawl
    values: dict[str, Any] = {
        "COVERWATCH_SETTINGS": settings,
        "BOT_NAME": "coverwatch",
        "USER_AGENT": crawl.user_agent,
        "ROBOTSTXT_OBEY": True,  # default_settings has False; only startproject templates set True
        "ROBOTSTXT_USER_AGENT": crawl.robots_user_agent,
        "AUTOTHROTTLE_ENABLED": True,
        "AUTOTHROTTLE_START_DELAY": crawl.autothrottle_start_delay,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": crawl.autothrottle_target_concurrency,
        "DOWNLOAD_DELAY": crawl.download_delay,
        "CONCURRENT_REQUESTS_PER_DOMAIN": crawl.concurrent_requests_per_domain,
        "DOWNLOAD_TIMEOUT": crawl.download_timeout,
        # The limit applies to the decompressed body (Scrapy >= 2.11.1), which is what stops gzip bombs.
        "DOWNLOAD_MAXSIZE": max(crawl.max_page_bytes, crawl.max_pdf_bytes),
        "DOWNLOAD_WARNSIZE": crawl.max_page_bytes,
        "RETRY_ENABLED": True,
        "RETRY_TIMES": crawl.retry_times,
        "RETRY_HTTP_CODES": RETRY_HTTP_CODES,
        "COVERWATCH_BACKOFF_BASE": 2.0,
        "COVERWATCH_BACKOFF_MAX": 120.0,
        "REDIRECT_MAX_TIMES": 5,
        # News is fetched over HTTP(S) only: no handler exists that a feed link could aim at local files or FTP.
        # Scrapy's HTTP handler with a cap on the response header block (DOWNLOAD_MAXSIZE counts only the body).
        "DOWNLOAD_HANDLERS": {
            "file": None, "s3": None, "ftp": None, "data": None,
            "http": "crawler.fetch.handler.CappedHTTP11DownloadHandler",
            "https": "crawler.fetch.handler.CappedHTTP11DownloadHandler",
        },
        "COVERWATCH_MAX_HEADER_BYTES": MAX_HEADER_BYTES,
        # A name resolving to an internal address is refused unless a source names that host (DNS rebinding).
        "TWISTED_DNS_RESOLVER": "crawler.fetch.resolver.GuardedResolver",
        "MEMUSAGE_ENABLED": True,
        "MEMUSAGE_LIMIT_MB": crawl.memory_limit_mb,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        # Scrapy 2.19 otherwise serves a localhost control endpoint that runs code for anyone with its token file.
        "REMOTE_CONTROL_ENABLED": False,
        "HTTPCACHE_ENABLED": False,
        "LOG_LEVEL": "INFO",
        "EXTENSIONS": {"crawler.fetch.extension.CoverwatchExtension": 100},
        "ITEM_PIPELINES": {"crawler.fetch.pipelines.StorePipeline": 300},
        "DOWNLOADER_MIDDLEWARES": {
            "crawler.fetch.middlewares.UnsafeUrlMiddleware": 50,
            "crawler.fetch.middlewares.RedirectGuardMiddleware": 610,
            "crawler.fetch.middlewares.ConditionalGetMiddleware": 560,
            "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
            "crawler.fetch.middlewares.BackoffRetryMiddleware": 550,
            "crawler.fetch.middlewares.ArchiveMiddleware": 950,
            "crawler.fetch.middlewares.ReplayMiddleware": 960,
        },
    }
    if replay:
        values["COVERWATCH_REPLAY"] = [str(path) for path in replay]
        # Replay is instant: politeness delays only slow the demo and tests down.
        values.update(AUTOTHROTTLE_ENABLED=False, DOWNLOAD_DELAY=0, COVERWATCH_BACKOFF_BASE=0, COVERWATCH_BACKOFF_MAX=0)
    if archive_dir:
        values["COVERWATCH_ARCHIVE_DIR"] = str(archive_dir)
    return values
