"""`coverwatch check --live`: each outlet's real spider, run once against the live sites, told to stop early.

Per outlet: every discovery route is requested once (plus at most one child listing, e.g. a sitemap index's first
sitemap or TASS's section API, since that is where its leads are), and one article is fetched and extracted. The
crawl runs with the configured User-Agent, robots.txt obeyed, politeness delays and no retries, into a throwaway
SQLite store (so the check never touches the real database or the dedup index); what it stored and recorded as
failures there is the report.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import scrapy
from scrapy.http import Response
from sqlalchemy import select
from twisted.python.failure import Failure as TwistedFailure

from crawler.config import Settings
from crawler.fetch.extension import is_blocked_reason
from crawler.fetch.settings import scrapy_settings
from crawler.model import STATUS_FULL
from spiders.base import NewsSpider
from spiders.outlet import Outlet
from spiders.spider_for import spider_class_for
from storage.models import Article, Failure

# One child listing per route: enough to see leads behind an index, few enough to stay polite.
CHILD_LISTINGS_PER_ROUTE = 1


@dataclass
class RouteCheck:
    route: str
    url: str
    status: int | None = None  # HTTP status of the route's answer; None when it never answered
    leads: int = 0
    children_followed: int = 0
    urls: set[str] = field(default_factory=set)  # every URL fetched for this route (redirects, the child listing)
    problems: list[str] = field(default_factory=list)  # failure reasons recorded for those URLs

    @property
    def answered(self) -> bool:
        return self.status is not None and self.status < 400 and not self.problems


@dataclass
class OutletCheck:
    outlet: str
    enabled: bool
    routes: list[RouteCheck] = field(default_factory=list)
    article_url: str | None = None
    article: str = "none found"  # extracted | lead only | metadata only | empty | failed: <reason> | none found | …
    dated: bool | None = None
    blocked_by: list[str] = field(default_factory=list)
    skipped: str | None = None  # why this outlet was not checked at all

    @property
    def leads(self) -> int:
        return sum(route.leads for route in self.routes)

    @property
    def yields(self) -> bool:
        """Something a crawl would store: leads from at least one route."""
        return self.leads > 0

    @property
    def verdict(self) -> str:
        if self.skipped:
            return "skipped"
        if not self.yields:
            return "NOTHING"
        whole = all(route.answered for route in self.routes) and not self.blocked_by
        return "ok" if whole and self.article in ("extracted", "metadata only") else "partial"


class LiveCheckMixin:
    """Turns an outlet's NewsSpider into a one-pass check: routes once, one article, no stored metadata-only leads."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.check_routes: list[RouteCheck] = []
        self.check_article: str | None = None
        self.check_article_urls: set[str] = set()

    async def start(self) -> AsyncIterator[scrapy.Request]:
        async for request in super().start():  # type: ignore[misc]
            check = RouteCheck(request.meta["source"].route, request.url, urls={request.url})
            self.check_routes.append(check)
            request.meta["check_route"] = check
            yield request

    def parse_listing(self, response: Response) -> Iterator[Any]:
        check: RouteCheck = response.meta["check_route"]
        if not response.meta.get("check_child"):  # the route's own answer, not its child listing's
            check.status = response.status
        check.urls.update([response.url, *response.meta.get("redirect_urls", [])])
        stats = self.crawler.stats  # type: ignore[attr-defined]
        before = stats.get_value("leads/found", 0)
        outputs = list(super().parse_listing(response))  # type: ignore[misc]
        check.leads += stats.get_value("leads/found", 0) - before
        for output in outputs:
            if isinstance(output, scrapy.Request) and output.meta.get("listing"):
                if check.children_followed < CHILD_LISTINGS_PER_ROUTE:
                    check.children_followed += 1
                    check.urls.add(output.url)
                    output.meta.update(check_route=check, check_child=True)
                    yield output
            elif isinstance(output, scrapy.Request) and output.meta.get("article"):
                if self.check_article is None:
                    self.check_article = output.url
                    self.check_article_urls.add(output.url)
                    yield output
            # Metadata-only lead records are counted as leads above; a check stores no coverage.

    def on_listing_error(self, failure: TwistedFailure) -> None:
        request = getattr(failure, "request", None)
        if request is not None and "check_route" in request.meta:
            check: RouteCheck = request.meta["check_route"]
            check.urls.add(request.url)
            response = getattr(failure.value, "response", None)  # an HTTP error status (404, 403 …) did answer
            if response is not None and not request.meta.get("check_child"):
                check.status = response.status
        super().on_listing_error(failure)  # type: ignore[misc]

    def parse_article(self, response: Response) -> Iterator[Any]:
        self.check_article_urls.update([response.url, *response.meta.get("redirect_urls", [])])
        yield from super().parse_article(response)  # type: ignore[misc]


def check_spider_class(outlet: Outlet) -> type | None:
    """The outlet's own spider with the check behaviour on top; None for spiders that are not news spiders."""
    base = spider_class_for(outlet)
    if not issubclass(base, NewsSpider):
        return None
    return type(f"LiveCheck{base.__name__}", (LiveCheckMixin, base), {})


def check_settings(settings: Settings, store_dir: Path) -> Settings:
    """The same crawl settings, over a throwaway SQLite store and an in-memory dedup index."""
    return settings.model_copy(
        update={
            "storage": settings.storage.model_copy(update={"url": f"sqlite:///{store_dir / 'check.db'}"}),
            "dedup": settings.dedup.model_copy(update={"backend": "memory"}),
        }
    )


def run_live_check(settings: Settings, outlets: list[Outlet], log_level: str = "ERROR") -> list[OutletCheck]:
    from scrapy.crawler import CrawlerProcess

    from crawler.fetch.runner import open_store

    results: dict[str, OutletCheck] = {outlet.name: OutletCheck(outlet.name, outlet.enabled) for outlet in outlets}
    with tempfile.TemporaryDirectory(prefix="coverwatch-check-") as scratch:
        checked = check_settings(settings, Path(scratch))
        engine, sessions = open_store(checked)
        values = scrapy_settings(checked)
        # "Once": a failed route is the answer the operator needs, not something to retry.
        values.update(LOG_LEVEL=log_level, RETRY_ENABLED=False)
        process = CrawlerProcess(values, install_root_handler=True)
        crawlers = []
        for outlet in outlets:
            spider_class = check_spider_class(outlet)
            if spider_class is None:
                results[outlet.name].skipped = f"{spider_class_for(outlet).__name__} is not a news spider; run `coverwatch crawl {outlet.name}`"
                continue
            crawler = process.create_crawler(spider_class)
            process.crawl(crawler, outlet=outlet)
            crawlers.append((outlet, crawler))
        if crawlers:
            process.start()
        with sessions() as session:
            for outlet, crawler in crawlers:
                _fill(results[outlet.name], crawler.spider, session)
        engine.dispose()
    return list(results.values())


def _fill(result: OutletCheck, spider: Any, session: Any) -> None:
    failures = list(session.scalars(select(Failure).where(Failure.source == result.outlet).order_by(Failure.id)))
    result.routes = spider.check_routes
    for route in result.routes:
        route.problems = [failure.reason for failure in failures if failure.url in route.urls]
    result.blocked_by = sorted({failure.reason for failure in failures if is_blocked_reason(failure.reason)})
    result.article_url = spider.check_article
    if spider.check_article is None:
        if not spider.outlet.fetch_articles:
            result.article = "metadata only"  # declared: robots.txt or a bot wall forbids article pages
        else:
            result.article = "none found" if not result.yields else "no article URL among the leads"
        return
    article_problems = [failure.reason for failure in failures if failure.url in spider.check_article_urls]
    stored = session.scalars(select(Article).where(Article.outlet == result.outlet).order_by(Article.id)).first()
    if stored is not None and stored.status == STATUS_FULL and stored.text.strip():
        result.article = "extracted"
        result.dated = stored.published_at is not None
    elif article_problems:
        result.article = f"failed: {article_problems[0]}"
    elif stored is not None:
        result.article = stored.status.replace("_", " ")
    else:
        result.article = "failed: nothing stored"
