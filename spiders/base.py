"""NewsSpider: the one crawling machinery every outlet shares, driven by its Outlet declaration.

listing (feed / sitemap / API / section page) -> Leads -> filters -> article page or lead-only record -> pipeline.
Every refusal or error becomes a recorded failure through the run context, never silence.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timezone
from typing import Any

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure as TwistedFailure

from crawler.blocking import detect_block
from crawler.feeds import Lead, ListingError
from crawler.items import FetchedPage, LeadRecord
from crawler.model import STATUS_LEAD_ONLY, STATUS_METADATA_ONLY
from crawler.urls import canonical_url, is_safe_public_url, url_key
from spiders.outlet import Outlet
from spiders.sources import ListingRequest, Source

# Listing responses that are "nothing changed" rather than errors.
NOT_MODIFIED = 304
# Article statuses that mean the story is gone, which a version history must record.
GONE_STATUSES = (404, 410)


class NewsSpider(scrapy.Spider):
    name = "news"
    outlet: Outlet

    def __init__(self, outlet: Outlet, *args: Any, **kwargs: Any) -> None:
        super().__init__(outlet.name, *args, **kwargs)
        self.outlet = outlet
        if outlet.user_agent:
            self.user_agent = outlet.user_agent  # honoured by Scrapy's UserAgentMiddleware
        self.allowed_domains = list(outlet.domains)

    @property
    def context(self):  # type: ignore[no-untyped-def]
        return self.crawler.coverwatch  # set by crawler.extension.CoverwatchExtension

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for source in self.outlet.sources:
            for listing in source.listing_requests():
                yield self._listing_request(source, listing)

    def _listing_request(self, source: Source, listing: ListingRequest) -> scrapy.Request:
        return scrapy.Request(
            listing.url,
            method=listing.method,
            body=listing.body,
            headers=listing.headers,
            callback=self.parse_listing,
            errback=self.on_listing_error,
            dont_filter=True,  # a listing is polled every run
            meta={"source": source, "listing": True, "handle_httpstatus_list": [NOT_MODIFIED], "dont_cache": True},
        )

    # --- listings ------------------------------------------------------------------------------------------

    def parse_listing(self, response: Response) -> Iterator[Any]:
        source: Source = response.meta["source"]
        stats = self.crawler.stats
        if response.status == NOT_MODIFIED:
            stats.inc_value("listing/not_modified")
            return
        block = detect_block(response.status, response.body, _content_type(response))
        if block:
            self.context.failure(self.name, block, response.url, "listing refused by a bot wall", response.status)
            return
        charset = _header_charset(response)
        try:
            result = source.parse(response.body, response.url, charset)
        except ListingError as error:
            self.context.failure(self.name, error.reason, response.url, error.detail, response.status)
            return
        stats.inc_value("listing/parsed")
        self.context.listing_ok(response)
        for child in result.children[: self.context.settings.crawl.max_items_per_listing]:
            yield self._listing_request(source, ListingRequest(child))
        leads = result.leads[: self.context.settings.crawl.max_items_per_listing]
        stats.inc_value("leads/found", len(leads))
        if not leads:
            stats.inc_value("listing/empty")
        for lead in leads:
            yield from self.route_lead(lead)

    def route_lead(self, lead: Lead) -> Iterator[Any]:
        stats = self.crawler.stats
        safe, reason = is_safe_public_url(lead.url)
        if not safe and not self.context.explicitly_allowed(lead.url):
            stats.inc_value("leads/unsafe_url")
            self.context.failure(self.name, "unsafe_url", lead.url, reason)
            return
        if lead.route == "google_news" or (lead.publisher_domain and not self.outlet.owns(lead.url)):
            # Opaque aggregator links: keep the lead as metadata, matched to stored articles by title later.
            yield self._lead_record(lead, STATUS_METADATA_ONLY, fetched=False)
            return
        if not self.outlet.is_article_url(lead.url):
            stats.inc_value("leads/not_article")
            return
        key = url_key(canonical_url(lead.url))
        if not self.context.should_fetch(self.name, key, lead):
            stats.inc_value("articles/known_skipped")
            return
        if not self.outlet.fetch_articles:
            yield self._lead_record(lead, STATUS_METADATA_ONLY, fetched=False)
            return
        yield scrapy.Request(
            lead.url,
            callback=self.parse_article,
            errback=self.on_article_error,
            meta={"lead": lead, "article": True, "dont_cache": True, "handle_httpstatus_list": list(GONE_STATUSES)},
        )

    def on_listing_error(self, failure: TwistedFailure) -> None:
        request = failure.request if hasattr(failure, "request") else None
        url = request.url if request is not None else ""
        reason, status, detail = self.context.classify_error(failure)
        self.context.failure(self.name, reason, url, detail, status)

    # --- articles ------------------------------------------------------------------------------------------

    def parse_article(self, response: Response) -> Iterator[Any]:
        lead: Lead = response.meta["lead"]
        if response.status in GONE_STATUSES:
            self.context.gone(self.name, lead, response.status)
            return
        block = detect_block(response.status, response.body, _content_type(response))
        if block:
            self.context.failure(self.name, block, response.url, "article page is a bot-wall challenge", response.status)
            yield from self._fallback(lead)
            return
        yield FetchedPage(
            outlet=self.name,
            url=response.url,
            requested_url=response.request.url if response.request else response.url,
            redirect_urls=list(response.meta.get("redirect_urls", [])),
            status=response.status,
            content_type=_content_type(response),
            body=response.body,
            charset=_header_charset(response),
            fetched_at=datetime.now(timezone.utc),
            lead=lead,
        )

    def on_article_error(self, failure: TwistedFailure) -> Iterator[Any]:
        request = failure.request if hasattr(failure, "request") else None
        lead: Lead | None = request.meta.get("lead") if request is not None else None
        reason, status, detail = self.context.classify_error(failure)
        self.context.failure(self.name, reason, request.url if request is not None else "", detail, status)
        if lead is not None:
            yield from self._fallback(lead)

    def _fallback(self, lead: Lead) -> Iterator[Any]:
        """A refused page still leaves what the listing told us: keep it, clearly marked."""
        if lead.title or lead.lead:
            status = STATUS_LEAD_ONLY if (self.outlet.on_blocked == "lead_only" and lead.lead) else STATUS_METADATA_ONLY
            yield self._lead_record(lead, status, fetched=True)

    def _lead_record(self, lead: Lead, status: str, *, fetched: bool) -> LeadRecord:
        self.crawler.stats.inc_value(f"articles/{status}")
        return LeadRecord(outlet=self.name, lead=lead, status=status, attempted_fetch=fetched)


def _content_type(response: Response) -> str:
    return (response.headers.get(b"Content-Type") or b"").decode("latin-1")


def _header_charset(response: Response) -> str | None:
    content_type = _content_type(response).lower()
    if "charset=" in content_type:
        return content_type.split("charset=", 1)[1].split(";")[0].strip().strip('"') or None
    return None
